"""Fetching over real HTTP on 127.0.0.1: feeds, discovery, politeness, incremental runs, hostile servers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES, Cli

sys.path.insert(0, str(FIXTURES / "webserver"))
from newsweb_server import NewswebServer  # noqa: E402

SITE = FIXTURES / "site"
OUTLETS = ("riverside.example", "newsroom24.example", "northstar.example")
CONFIG = """
[fetch]
timeout = 0.5
retries = 1
backoff_base = 0.05
per_host_concurrency = 2
max_bytes = 2_000_000
max_decompressed_bytes = 5_000_000
max_redirects = 3
"""


@pytest.fixture
def site() -> Iterator[NewswebServer]:
    with NewswebServer(SITE) as server:
        yield server


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "fetch.toml"
    path.write_text(CONFIG)
    return path


def _pages() -> set[str]:
    return {f"{o}/news/{p.name}" for o in OUTLETS for p in (SITE / o / "news").glob("*.html")}


def test_feeds_load_every_page_and_a_second_run_fetches_nothing(cli: Cli, site: NewswebServer, config: Path) -> None:
    feeds = [f"{site.base}/{o}/feed.xml" for o in OUTLETS]
    code, out, err = cli("ingest", *feeds, "--allow-private-hosts", "--config", str(config))
    assert code == 0, err
    stored = {r["url"].removeprefix(f"{site.base}/") for r in cli.sql("select url from articles")}
    assert stored == _pages()
    assert "summary: fetched" in out
    assert site.max_in_flight <= 2

    page_requests = len([p for p in site.paths() if "/news/" in p])
    code, out, err = cli("ingest", *feeds, "--allow-private-hosts", "--config", str(config))
    assert code == 0, err
    assert len([p for p in site.paths() if "/news/" in p]) == page_requests  # no page fetched again
    run = cli.sql("select new, fetched, unchanged, skipped from runs where run_id = 2")[0]
    assert run == {"new": 0, "fetched": 0, "unchanged": 3, "skipped": len(_pages())}
    assert cli.sql("select count(*) as n from articles")[0]["n"] == len(_pages())
    log = cli.sql("select kind, outcome, status, count(*) as n from fetch_log where run_id = 2 and kind <> 'robots' group by all")
    assert log == [{"kind": "listing", "outcome": "unchanged", "status": 304, "n": 3}]

    before = cli.sql("select id, url, body, cluster_id from articles order by id")
    provenance = cli.sql("select article_id, canonical_id, kind from duplicates order by all")
    requests = len(site.requests)
    code, out, err = cli("reprocess")  # from the WARC archive, with no request to the server
    assert code == 0, err
    assert f"reprocessed {len(_pages())} of {len(_pages())}" in out
    assert len(site.requests) == requests
    assert cli.sql("select id, url, body, cluster_id from articles order by id") == before
    # Signatures were computed again from the re-cleaned bodies, and the clusters formed again, alike.
    assert cli.sql("select count(*) as n, count(distinct article_id) as d from signatures") == [
        {"n": len(_pages()), "d": len(_pages())}]
    assert cli.sql("select article_id, canonical_id, kind from duplicates order by all") == provenance
    assert cli.sql("select status from runs order by run_id desc limit 1") == [{"status": "completed"}]


def test_homepage_discovery_finds_feeds_and_robots_sitemaps(cli: Cli, site: NewswebServer, config: Path) -> None:
    code, out, err = cli("ingest", f"{site.base}/", "--allow-private-hosts", "--config", str(config))
    assert code == 0, err
    stored = {r["url"].removeprefix(f"{site.base}/").split("/")[0] for r in cli.sql("select url from articles")}
    assert stored == {"riverside.example", "northstar.example"}  # the linked feed and the robots.txt sitemap


def test_hostile_server(cli: Cli, site: NewswebServer, config: Path) -> None:
    code, out, err = cli("ingest", f"{site.base}/hostile/feed.xml", f"{site.base}/hostile/malformed.xml",
                         "--allow-private-hosts", "--config", str(config))
    assert code == 0, err
    titles = {r["url"].rsplit("/", 1)[1]: r for r in cli.sql("select url, title, body from articles")}
    assert set(titles) == {"busy.html", "flaky.html", "latin1.html", "relative.html"}
    assert "Le café de la garçon était très crémeux" in titles["latin1.html"]["body"]
    log = {r["url"].rsplit("/", 1)[1]: r for r in cli.sql(
        "select url, outcome, status, attempts, reason, elapsed from fetch_log where kind = 'page'")}
    assert log["busy.html"]["attempts"] == 2 and log["busy.html"]["elapsed"] >= 1.0  # Retry-After: 1
    assert log["flaky.html"]["attempts"] == 2
    expected = {
        "slow.html": "timeout",
        "loop-a.html": "too many redirects",
        "bomb.html": "decompressed response larger than 5000000 bytes",
        "huge.html": "response larger than 2000000 bytes",
        "endless.html": "response larger than 2000000 bytes",
        "report.pdf": "not an article page: content type application/pdf",
        "secret.html": "disallowed by robots.txt",
        "gone.html": "HTTP 404",
    }
    for name, reason in expected.items():
        assert log[name]["outcome"] in ("refused", "failed") and reason in log[name]["reason"], log[name]
    failures = {r["location"].rsplit("/", 1)[1]: r["reason"] for r in cli.sql("select location, reason from failures")}
    assert set(failures) == set(expected) | {"malformed.xml"}
    assert failures["malformed.xml"].startswith("malformed feed")
    assert not any(p.startswith("/private/") for p in site.paths())
    assert log["relative.html"]["url"] == f"{site.base}/hostile/relative.html"  # tracking parameters stripped
    hung_up = {f"/hostile/{name}" for name in ("slow.html", "bomb.html", "huge.html", "endless.html")}
    assert site.max_overlap(exclude=hung_up) <= 2
    assert "failed 9 (" in out

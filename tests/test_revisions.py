"""Revisions over real HTTP on 127.0.0.1: a site whose pages change between runs (a headline
edit, a correction appended, a paragraph removed, a story replaced by a wire copy, a page whose
only changes are its ads and timestamp, a page only touched), re-checked with conditional GETs."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES, Cli

sys.path.insert(0, str(FIXTURES / "webserver"))
from newsweb_server import ORIGINAL_PREFIX, NewswebServer  # noqa: E402

CONFIG = """
[executor]
kind = "local"

[fetch]
timeout = 2.0
retries = 1
revisit_after = 0.0
"""
PAGES = ("minister", "bridge", "weather", "touched", "wire", "rewrite")
DATA_TABLES = ("articles", "article_versions", "cleaning_log", "signatures", "duplicates",
               "source_articles", "source_lines", "source_stories", "failures")

MINISTER = [
    "The transport minister said on Monday that the new rail line would open in the spring, two years later than planned.",
    "Engineers found that the tunnel under the river needed more work than the first survey had shown last year.",
    "The minister told reporters that the extra cost would be met from the existing budget without new borrowing.",
    "Opposition members asked for an independent review of the project and its spending before the next vote.",
]
BRIDGE = [
    "The old harbour bridge will close for repairs from next week, the city council announced on Tuesday evening.",
    "Traffic will be sent along the coast road while workers replace the steel cables that hold up the main span.",
    "A temporary ferry will carry cyclists and pedestrians across the harbour every twenty minutes during the day.",
    "Shop owners near the bridge said they feared losing customers during the months the repairs are expected to take.",
]
WEATHER = [
    "Heavy rain is expected across the north of the country tonight, with flooding possible in low-lying valleys.",
    "Forecasters said the storm would move east by the morning and bring strong winds to the coast by the afternoon.",
    "Farmers were told to move animals from fields near rivers and to check drains before the rain arrives.",
]
TOUCHED = [
    "The city library opened its new reading room on Saturday after a year of building work in the old town hall.",
    "Visitors can borrow books, use computers and attend free language classes held there every weekday evening.",
    "The librarian said the room had been paid for by local donations and a grant from the national arts fund.",
]
WIRE = [
    "Central bank officials held interest rates steady on Thursday, citing slowing inflation and weak consumer demand.",
    "The governor said the bank would watch wage growth closely and was ready to act if prices rose again next year.",
    "Markets had expected the decision, and the currency moved little against the dollar after the announcement.",
    "Economists said a cut was likely in the spring if the labour market kept cooling at its present pace.",
]
GARDEN = [
    "Volunteers planted two hundred trees in the riverside park on Sunday as part of the spring greening campaign.",
    "Children from three local schools helped dig the holes and water the saplings under the gardeners' guidance.",
    "The park keeper said the new oaks and limes would give shade to the playground within about ten years.",
]


def page(title: str, paragraphs: list[str], ad: str = "Buy one get one free at Harbour Mart", stamp: str = "09:14") -> str:
    """An article page with furniture around it: a header with a timestamp, an ad aside, an ad marker in the body."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title} | Harbour Times</title></head>"
            f"<body><header><div class='logo'>Harbour Times</div><div class='clock'>Last updated {stamp} GMT</div>"
            f"</header><main><article><h1>{title}</h1><div class='article-body'>{body}<p>[ad_{len(stamp)}]</p>"
            f"</div></article><aside class='advert'><p>{ad}</p></aside></main>"
            f"<footer><p>Copyright Harbour Times</p></footer></body></html>")


def feed() -> str:
    items = "".join(f"<item><title>{p}</title><link>{ORIGINAL_PREFIX.decode()}harbour.example/news/{p}.html</link></item>"
                    for p in PAGES)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Times</title>{items}</channel></rss>'


def write(root: Path, name: str, text: str) -> None:
    path = root / "harbour.example" / "news" / f"{name}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[NewswebServer, Path]]:
    root = tmp_path / "site"
    write(root, "minister", page("Minister says rail line is on track", MINISTER))
    write(root, "bridge", page("Harbour bridge to close for repairs", BRIDGE))
    write(root, "weather", page("Storm warning for the north", WEATHER))
    write(root, "touched", page("New reading room opens at the library", TOUCHED))
    write(root, "wire", page("Central bank holds rates steady", WIRE))
    write(root, "rewrite", page("Trees planted in riverside park", GARDEN))
    (root / "harbour.example" / "feed.xml").write_text(feed(), "utf-8")
    with NewswebServer(root) as server:
        yield server, root


def _counts(cli: Cli) -> dict[str, int]:
    return {t: cli.sql(f"select count(*) as n from {t}")[0]["n"] for t in DATA_TABLES}


def _versions(cli: Cli, name: str) -> int:
    return cli.sql(f"select count(*) as n from article_versions v join articles a on a.id = v.article_id "
                   f"where a.url like '%/{name}.html'")[0]["n"]


def _asked(server: NewswebServer) -> list[str]:
    """Paths requested, robots.txt left out."""
    return [p for p in server.paths() if p != "/robots.txt"]


def test_revisions_are_kept_diffed_and_reported(cli: Cli, site: tuple[NewswebServer, Path], tmp_path: Path) -> None:
    server, root = site
    config = tmp_path / "revisit.toml"
    config.write_text(CONFIG)
    url = f"{server.base}/harbour.example/feed.xml"

    def ingest() -> dict:
        code, out, err = cli("ingest", url, "--allow-private-hosts", "--config", str(config))
        assert code == 0, err
        assert "Traceback" not in err and not [line for line in (out + err).splitlines()
                                                 if "| ERROR" in line or "| WARNING" in line], err
        return cli.sql("select * exclude (inputs) from runs order by run_id desc limit 1")[0]

    run = ingest()
    assert (run["new"], run["revisited"], run["revised"]) == (6, 0, 0)
    assert {_versions(cli, p) for p in PAGES} == {1}  # version 1 of every article, as it was loaded

    # Run 2: a headline edit, a paragraph removed, a story replaced by the wire copy; ads and
    # the timestamp change on weather; touched gets a new Last-Modified only.
    write(root, "minister", page("Minister admits rail line will be two years late", MINISTER))
    write(root, "bridge", page("Harbour bridge to close for repairs", BRIDGE[:2] + BRIDGE[3:]))
    write(root, "rewrite", page("Central bank holds rates steady", WIRE))
    write(root, "weather", page("Storm warning for the north", WEATHER, ad="Flights to Spain from 19.99", stamp="11:52"))
    os.utime(root / "harbour.example" / "news" / "touched.html", (2_000_000_000, 2_000_000_000))
    run = ingest()
    assert (run["new"], run["revisited"], run["revised"]) == (0, 6, 3)
    steps = {s["step"]: s for s in json.loads(cli("report", "--format", "json")[1])["steps"]["steps"]}
    assert steps["fetch"]["reasons"] == {"not modified": 2}  # touched and wire answered 304
    assert steps["revisions"]["reasons"] == {"unchanged": 1}  # weather: only its furniture changed
    # The replaced story joined the wire story's cluster, its old one gone.
    wire, rewrite = (cli.sql(f"select id, cluster_id from articles where url like '%/{p}.html'")[0] for p in ("wire", "rewrite"))
    assert rewrite["cluster_id"] == wire["id"]
    assert cli.sql("select kind from duplicates where article_id = " + str(rewrite["id"])) == [{"kind": "exact"}]

    # Run 3: a correction appended to the minister's story (its second change); weather's ads change again.
    correction = "Correction: an earlier version of this story gave the wrong year for the opening of the line."
    write(root, "minister", page("Minister admits rail line will be two years late", MINISTER + [correction]))
    write(root, "weather", page("Storm warning for the north", WEATHER, ad="Sofas half price this weekend", stamp="14:03"))
    write(root, "rewrite", page("Trees planted in riverside park", GARDEN))  # the site puts its own story back
    run = ingest()
    assert (run["new"], run["revised"]) == (0, 2)
    # The cluster the copied text made splits again: both stand alone.
    assert cli.sql("select count(*) as n from articles where id <> cluster_id")[0]["n"] == 0
    assert cli.sql("select count(*) as n from duplicates")[0]["n"] == 0

    assert {p: _versions(cli, p) for p in PAGES} == {
        "minister": 3, "bridge": 2, "weather": 1, "touched": 1, "wire": 1, "rewrite": 3}
    minister = cli.sql("select title, body from articles where url like '%/minister.html'")[0]
    assert minister["title"] == "Minister admits rail line will be two years late"  # articles holds the latest
    assert minister["body"].endswith(correction)
    bodies = cli.sql("select v.version, v.body, l.body is null as shared from article_versions v join version_log l "
                     "using (article_id, version) join articles a on a.id = v.article_id "
                     "where a.url like '%/minister.html' order by v.version")
    assert [(b["version"], b["shared"]) for b in bodies] == [(1, False), (2, False), (3, True)]  # stored once
    assert bodies[2]["body"] == minister["body"] and correction not in bodies[1]["body"] + bodies[0]["body"]
    edits = cli.sql("select version, headline_changed, words_added, words_removed from revisions "
                    "where url like '%/minister.html' order by version")
    assert edits == [{"version": 2, "headline_changed": True, "words_added": 6, "words_removed": 4},
                     {"version": 3, "headline_changed": False, "words_added": 17, "words_removed": 0}]
    warc = cli.sql("select warc_path, warc_offset from article_versions v join articles a on a.id = v.article_id "
                   "where a.url like '%/minister.html' and version = 3")[0]
    assert warc["warc_path"].endswith(".warc.gz") and warc["warc_offset"] >= 0

    code, out, err = cli("diff", f"{server.base}/harbour.example/news/minister.html")
    assert code == 0, err
    assert out.splitlines()[0].endswith("minister.html: 3 versions")
    assert "@@ title @@\nMinister [-says-]{+admits+} rail line [-is on track-]{+will be two years late+}" in out
    assert "{+" + correction + "+}" in out
    code, out, err = cli("diff", f"{server.base}/harbour.example/news/bridge.html", "--side-by-side", "--width", "100")
    assert code == 0, err
    assert "@@ paragraph 3 @@" in out and "[-A temporary ferry" in out
    code, out, err = cli("diff", f"{server.base}/harbour.example/news/nowhere.html")
    assert code == 1 and out == ""
    assert err == f"newswash: error: no article with URL {server.base}/harbour.example/news/nowhere.html in the warehouse\n"

    report = json.loads(cli("report", "--format", "json")[1])["revisions"]
    assert (report["articles_changed"], report["changes"], report["headline_changes"]) == (3, 5, 3)
    assert report["per_source"] == [{"source": "Harbour Times", "articles": 6, "changed": 3, "changes": 5,
                                     "headline_changes": 3}]
    assert report["largest_edits"][0]["version"] == 2 and report["largest_edits"][0]["title"] == "Central bank holds rates steady"
    assert report["median_hours_to_first_edit"] is not None
    code, out, _ = cli("report")
    assert "articles changed since first seen: 3 (5 changes, 3 headline changes)" in out
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    recipe = next(q for q in re.findall(r"```sql\n(.*?)```", readme, flags=re.S)
                  if q.startswith("-- Headlines changed in the last week."))
    assert {(r["title_before"], r["title_after"]) for r in cli.sql(recipe)} == {
        ("Minister says rail line is on track", "Minister admits rail line will be two years late"),
        ("Trees planted in riverside park", "Central bank holds rates steady"),
        ("Central bank holds rates steady", "Trees planted in riverside park")}

    # Run 4, nothing changed: conditional GETs only, every page 304, no row but in fetch_log.
    before, log = _counts(cli), cli.sql("select count(*) as n from fetch_log")[0]["n"]
    seen = len(_asked(server))
    ingest()
    assert _counts(cli) == before
    assert cli.sql("select count(*) as n from fetch_log")[0]["n"] == log + 1 + 1 + len(PAGES)  # robots.txt, feed, pages
    assert cli.sql("select kind, outcome, status, count(*) as n from fetch_log where run_id = 4 and kind <> 'robots' "
                   "group by all order by kind") == [{"kind": "listing", "outcome": "unchanged", "status": 304, "n": 1},
                                        {"kind": "page", "outcome": "unchanged", "status": 304, "n": len(PAGES)}]
    assert len(_asked(server)) == seen + 1 + len(PAGES)

    # A source of its own with revisits off (revisit_until = 0): its stored articles are not asked for again.
    config.write_text(CONFIG + f'\n[[sources]]\nname = "harbour"\nlocation = "{url}"\nrevisit_until = 0.0\n')
    seen = len(_asked(server))
    code, out, err = cli("ingest", "harbour", "--allow-private-hosts", "--config", str(config))
    assert code == 0, err
    assert cli.sql("select revisited from runs order by run_id desc limit 1") == [{"revisited": 0}]
    assert len(_asked(server)) == seen + 1  # the feed only

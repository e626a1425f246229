"""`newswash reprocess` runs the pipeline's steps again: the same settings give the same
articles and clusters (learned boilerplate included); a changed rule changes only what it touches."""

from __future__ import annotations

import json
import random
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES, Cli

sys.path.insert(0, str(FIXTURES / "webserver"))
from newsweb_server import NewswebServer  # noqa: E402

OUTLETS = ("riverside.example", "newsroom24.example", "northstar.example")
OUTLET = "harborlights.example"
FURNITURE = "Harbor Lights edition prepared by the overnight desk in Port Jaspers"  # no rule names it
NOTE = "Updated with reaction from the mayor."
NOTED = (36, 38, 39)  # pages that carry NOTE; page 38 is page 37's story plus NOTE
CONFIG = "[fetch]\ntimeout = 2\nretries = 1\nbackoff_base = 0.05\n"
FIELDS = "url, title, author, body, cluster_id, is_canonical"


def _paragraphs(i: int, words: list[str]) -> list[str]:
    rng = random.Random(i)
    return [" ".join(rng.choice(words) for _ in range(28)).capitalize() + "." for _ in range(4)]


def _outlet(root: Path) -> None:
    """Forty articles of one outlet, each with FURNITURE, and its feed."""
    texts = [json.loads(line)["text"] for line in (FIXTURES / "dedup" / "records.jsonl").read_text("utf-8").splitlines()]
    words = sorted({w.strip(".,;:\"'()").lower() for t in texts for w in t.split() if w.isalpha()})
    news = root / OUTLET / "news"
    news.mkdir(parents=True)
    items = []
    for i in range(40):
        body = _paragraphs(37 if i == 38 else i, words) + ([NOTE] if i in NOTED else []) + [FURNITURE]
        title = f"Harbor report number {i}: {body[0].split()[0]} and more"
        html = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
                f'<meta property="article:published_time" content="2026-03-{1 + i % 28:02d}T{i % 24:02d}:15:00Z">'
                f'</head><body><header><nav><a href="/">Home</a></nav></header><main><article><h1>{title}</h1>'
                f'<div class="byline">By Ana Ruiz</div><div class="article-body">'
                + "".join(f"<p>{p}</p>" for p in body)
                + "</div></article></main><footer><p>Harbor Lights</p></footer></body></html>")
        (news / f"story-{i}.html").write_text(html, "utf-8")
        items.append(f"<item><title>{title}</title><link>http://127.0.0.1:8765/{OUTLET}/news/story-{i}.html</link></item>")
    (root / OUTLET / "feed.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Harbor Lights</title>'
        + "".join(items) + "</channel></rss>", "utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewswebServer]:
    root = tmp_path_factory.mktemp("web")
    for outlet in OUTLETS:
        shutil.copytree(FIXTURES / "site" / outlet, root / outlet)
    _outlet(root)
    with NewswebServer(root) as server:
        yield server


def _stored(cli: Cli) -> dict[str, dict]:
    return {row["url"]: row for row in cli.sql(f"select {FIELDS} from articles order by id")}


def test_reprocess_with_the_same_settings_changes_nothing(cli: Cli, site: NewswebServer, tmp_path: Path) -> None:
    config = tmp_path / "fetch.toml"
    config.write_text(CONFIG)
    feeds = [f"{site.base}/{o}/feed.xml" for o in (*OUTLETS, OUTLET)]
    code, _, err = cli("ingest", *feeds, "--allow-private-hosts", "--config", str(config))
    assert code == 0, err
    before = _stored(cli)
    outlet = {u: r for u, r in before.items() if OUTLET in u}
    assert len(outlet) == 40 and not any(FURNITURE in r["body"] for r in outlet.values())
    assert cli.sql("select count(*) as n from cleaning_log where rule = 'site_boilerplate'") == [{"n": 40}]
    requests = len(site.requests)

    code, out, err = cli("reprocess", "--config", str(config))
    assert code == 0, err
    assert len(site.requests) == requests  # from the archive: nothing fetched
    assert f"reprocessed {len(before)} of {len(before)}" in out
    assert _stored(cli) == before
    assert cli.sql("select count(*) as n from cleaning_log where rule = 'site_boilerplate'") == [{"n": 40}]

    # A rule that names the note: exactly the bodies that carry it change, and clusters follow.
    rules = tmp_path / "rules.toml"
    rules.write_text(f'extend_default = true\n[[rules]]\nname = "update_note"\nexact = "{NOTE}"\n')
    config.write_text(CONFIG + f'[cleaning]\nrules = "{rules}"\n')
    story = {i: f"{site.base}/{OUTLET}/news/story-{i}.html" for i in range(40)}
    assert before[story[38]]["cluster_id"] == before[story[37]]["cluster_id"]
    kind = "select d.kind from duplicates d join articles a on a.id = d.article_id where a.url = '{}'"
    assert cli.sql(kind.format(story[38])) == [{"kind": "near"}]
    code, _, err = cli("reprocess", "--config", str(config))
    assert code == 0, err
    after = _stored(cli)
    changed = {u for u in before if after[u]["body"] != before[u]["body"]}
    assert changed == {story[i] for i in NOTED}
    assert all(NOTE not in after[u]["body"] and after[u]["body"] in before[u]["body"] for u in changed)
    assert cli.sql(kind.format(story[38])) == [{"kind": "exact"}]
    assert {u: r["cluster_id"] for u, r in after.items()} == {u: r["cluster_id"] for u, r in before.items()}
    # Version 1 keeps the body first stored (the log stored none of its own until the reprocess replaced it).
    first = cli.sql("select a.url, v.body from article_versions v join articles a on a.id = v.article_id where v.version = 1")
    assert {r["url"]: r["body"] for r in first} == {u: r["body"] for u, r in before.items()}
    assert cli.sql("select count(*) as n from version_log where body is not null") == [{"n": len(before)}]

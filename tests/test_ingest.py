"""End to end through the CLI: ingest → extract → clean → dedup → DuckDB."""

from __future__ import annotations

import json
import re
from itertools import combinations
from pathlib import Path

import pytest

from conftest import FIXTURES, Cli

SEEDS = FIXTURES / "cleaners" / "seeds"
SYNDICATED = FIXTURES / "syndicated"
ARTIFACTS = {
    "[ad_1]", "[ad_2]", "Source link", "print-icon", "Loading...", "0", "Listen to article",
    "This audio version was artificially generated. More info | Send feedback",
    "source site-34", "No comments:", "Post a Comment",
}


def _sentences(text: str) -> list[str]:
    """The story's sentences of a seed: its lines, minus artifacts, split after . ! ?"""
    lines = [line.strip() for line in text.splitlines() if line.strip() and line.strip() not in ARTIFACTS]
    return [s for line in lines for s in re.split(r"(?<=[.!?])\s+", line) if len(s.split()) >= 6]


def test_seeds_lose_every_artifact_and_keep_every_sentence(cli: Cli) -> None:
    code, out, err = cli("ingest", str(SEEDS))
    assert code == 0, err
    rows = cli.sql("select url, title, body from articles order by url")
    assert len(rows) == 5 and any(row["title"] for row in rows)
    for row in rows:
        lines = {line.strip() for line in row["body"].splitlines()}
        assert not lines & ARTIFACTS, (row["url"], lines & ARTIFACTS)
        assert row["body"] == row["body"].strip()
        seed = (SEEDS / Path(row["url"].removeprefix("file://")).name).read_text("utf-8")
        body = " ".join(row["body"].split())
        for sentence in _sentences(seed):
            # A sentence stays in the body, unless it is (part of) the headline that moved to the title.
            folded = " ".join(sentence.split())
            assert folded in body or folded in (row["title"] or ""), (row["url"], sentence)


def test_seed_headlines_become_titles(cli: Cli) -> None:
    assert cli("ingest", str(SEEDS))[0] == 0
    titles = {Path(r["url"]).name[:3]: r["title"] for r in cli.sql("select url, title from articles")}
    assert titles["000"] == "Ukraine’s Crimea Incursion: North Korean Rocket Connection"
    assert titles["001"] is None and titles["003"] is None
    assert titles["002"].startswith("Russia Fired Over 24 North Korean Missiles")


def _pairs(groups: dict[str, str]) -> set[frozenset[str]]:
    return {frozenset(p) for p in combinations(sorted(groups), 2) if groups[p[0]] == groups[p[1]]}


def test_syndicated_copies_cluster_as_labelled(cli: Cli) -> None:
    labels = json.loads((SYNDICATED / "labels.json").read_text())
    code, out, err = cli("ingest", str(SYNDICATED))
    assert code == 0, err
    rows = cli.sql("select url, cluster_id, is_canonical, published_at from articles")
    assert len(rows) == len(labels)
    predicted = {str(Path(r["url"].removeprefix("file://")).relative_to(SYNDICATED.resolve())): r["cluster_id"] for r in rows}
    expected = {path: label["cluster"] for path, label in labels.items()}
    assert _pairs(predicted) == _pairs(expected)
    # The canonical of each cluster is its original (published first).
    originals = {path for path, label in labels.items() if label["original"]}
    canonical = {str(Path(r["url"].removeprefix("file://")).relative_to(SYNDICATED.resolve())) for r in rows if r["is_canonical"]}
    assert canonical == originals
    corpus = cli.sql("select count(*) as n from corpus")[0]["n"]
    assert corpus == len(set(expected.values()))


def test_duplicates_table_records_provenance(cli: Cli) -> None:
    assert cli("ingest", str(SYNDICATED))[0] == 0
    rows = cli.sql(
        "select d.kind, d.similarity, a.cluster_id = d.canonical_id as same_cluster, c.is_canonical "
        "from duplicates d join articles a on a.id = d.article_id join articles c on c.id = d.canonical_id"
    )
    n_articles = cli.sql("select count(*) as n from articles")[0]["n"]
    n_clusters = cli.sql("select count(distinct cluster_id) as n from articles")[0]["n"]
    assert len(rows) == n_articles - n_clusters
    assert all(r["same_cluster"] and r["is_canonical"] for r in rows)
    assert {r["kind"] for r in rows} <= {"exact", "near", "contained"}
    assert all(0.0 < r["similarity"] <= 1.0 for r in rows)


def test_reingest_adds_nothing_and_changes_no_cluster(cli: Cli) -> None:
    assert cli("ingest", str(SYNDICATED), str(SEEDS))[0] == 0
    before = cli.sql("select url, cluster_id, is_canonical from articles order by url")
    code, out, err = cli("ingest", str(SYNDICATED), str(SEEDS))
    assert code == 0, err
    assert cli.sql("select url, cluster_id, is_canonical from articles order by url") == before
    runs = cli.sql("select new, skipped, read from runs order by run_id")
    assert runs[1] == {"new": 0, "skipped": len(before), "read": len(before)}
    counts = cli.sql("select (select count(*) from signatures) s, (select count(*) from cleaning_log) c")
    code, *_ = cli("ingest", str(SEEDS))
    assert cli.sql("select (select count(*) from signatures) s, (select count(*) from cleaning_log) c") == counts


@pytest.mark.parametrize("small_batches", ["batch_size = 3", "batch_chars = 1"])  # by count, by characters
def test_clusters_do_not_depend_on_batch_boundaries(cli: Cli, tmp_path: Path, small_batches: str) -> None:
    small = tmp_path / "small-batches.toml"
    small.write_text(f"[pipeline]\n{small_batches}\n")
    batches = "select count(distinct batch) as n from source_lines"  # one line-count batch a loaded batch
    assert cli("ingest", str(SYNDICATED))[0] == 0
    whole = cli.sql("select url, cluster_id, is_canonical from articles order by url")
    assert cli.sql(batches)[0]["n"] == 1
    cli.db = tmp_path / "batched.duckdb"
    assert cli("ingest", str(SYNDICATED), "--config", str(small))[0] == 0
    assert cli.sql("select count(*) as n from runs")[0]["n"] == 1
    assert cli.sql(batches)[0]["n"] > 1
    batched = cli.sql("select url, cluster_id, is_canonical from articles order by url")
    by_url = lambda rows: {r["url"]: r for r in rows}  # noqa: E731
    assert _pairs({u: r["cluster_id"] for u, r in by_url(whole).items()}) == _pairs(
        {u: r["cluster_id"] for u, r in by_url(batched).items()}
    )
    assert {r["url"] for r in whole if r["is_canonical"]} == {r["url"] for r in batched if r["is_canonical"]}


def test_learned_site_boilerplate_carries_over_to_later_runs(cli: Cli, tmp_path: Path) -> None:
    footer = "Gazette Media Group newsroom tips line"
    stories = [line for line in (SEEDS / "003_ae0c949be3533aa7.txt").read_text("utf-8").splitlines() if len(line) > 200]

    def records(start: int, n: int) -> list[str]:
        return [json.dumps({"url": f"https://gazette.example/{i}", "source": "gazette.example",
                            "text": f"{stories[i % len(stories)]} Story {i}.\n\n{footer}"}) for i in range(start, start + n)]

    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("\n".join(records(0, 12)) + "\n", encoding="utf-8")
    second.write_text("\n".join(records(12, 1)) + "\n", encoding="utf-8")
    assert cli("ingest", str(first))[0] == 0
    assert cli("ingest", str(second))[0] == 0  # one article: only the stored counts can tell
    bodies = cli.sql("select url, body from articles order by url")
    assert len(bodies) == 13 and all(footer not in row["body"] for row in bodies)
    logged = cli.sql("select run_id, count(*) as n from cleaning_log where rule = 'site_boilerplate' group by 1 order by 1")
    assert logged == [{"run_id": 1, "n": 12}, {"run_id": 2, "n": 1}]


def test_recluster_all_forms_the_same_clusters_from_stored_signatures(cli: Cli) -> None:
    from newswash.dedup import DedupSettings
    from newswash.warehouse.load import recluster_all
    from newswash.warehouse.store import open_warehouse

    assert cli("ingest", str(SYNDICATED))[0] == 0
    query = "select url, cluster_id, is_canonical from articles order by url"
    clusters, provenance = cli.sql(query), cli.sql("select article_id, canonical_id, kind from duplicates order by all")
    assert provenance
    with open_warehouse(cli.db) as con:
        con.execute("UPDATE articles SET cluster_id = id, is_canonical = true")  # clusters lost
        con.execute("DELETE FROM duplicates")
        counts = recluster_all(con, run_id=1, settings=DedupSettings.from_toml(None))
    assert cli.sql(query) == clusters
    assert cli.sql("select article_id, canonical_id, kind from duplicates order by all") == provenance
    assert counts.exact_duplicates + counts.near_duplicates == len(provenance)


def test_the_report_counts_each_step_of_the_last_run_and_they_add_up(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"url": "https://x.example/1", "text": "One short line."}\nnot json\n'
                      '{"url": "https://x.example/2", "text": "   "}\n')
    assert cli("ingest", str(SYNDICATED), str(SEEDS), str(broken))[0] == 0
    code, out, err = cli("report", "--format", "json")
    assert code == 0, err
    report = json.loads(out)["steps"]
    run = cli.sql("select max(run_id) as r from runs")[0]["r"]
    assert report["run_id"] == run
    steps = {s["step"]: s for s in report["steps"]}
    assert list(steps) == ["read", "skip known", "fetch", "extract", "clean", "fingerprint",
                           "learned boilerplate", "revisions", "dedup", "load"]
    for step in steps.values():
        assert step["seen"] == step["kept"] + sum(step["reasons"].values()) and step["dropped"] == sum(
            step["reasons"].values())
    order = list(steps.values())
    for before, after in zip(order, order[1:]):  # what one step keeps, the next one sees (dedup hands on all)
        assert after["seen"] == (before["seen"] if before["step"] == "dedup" else before["kept"])
    assert sum(steps["read"]["reasons"].values()) == 2 and "invalid JSON" in steps["read"]["reasons"]
    stored = cli.sql("select count(*) as n, count(*) filter (where not is_canonical) as d from articles")[0]
    assert steps["load"]["kept"] == stored["n"] and steps["dedup"]["dropped"] == stored["d"]
    failures = cli.sql("select count(*) as n from failures")[0]["n"]
    assert failures == sum(s["dropped"] for s in order if s["step"] not in ("skip known", "fetch", "dedup"))

"""`newswash ingest --bulk` (a backfill: its shuffle on a local Dask cluster of two workers, the
executor's or one of its own) forms the clusters
of the incremental path, article by article, on generated articles with planted exact copies,
near copies, containments and a family of stories sharing half their text (buckets larger than
the batch's window); into an empty warehouse and onto stored articles; and a backfill left
unfinished (its batches loaded, its clusters across batches not) refuses an ingest and is
finished by the next backfill."""

from __future__ import annotations

import json
import random
import shutil
from itertools import islice
from pathlib import Path

import pytest

from conftest import Cli
from newswash.pipeline import ingest_steps, read_batches
from newswash.settings import load_settings
from newswash.sources import read_locations
from newswash.sources.crawl import Crawl
from newswash.step import run_steps
from newswash.warehouse import Warehouse

ARTICLES = 1200
BATCH = 100  # twelve batches
FAMILY = range(200, 300)  # in one batch, sharing half their text: band buckets larger than its window of 64

CLUSTERS = """
    SELECT a.url, c.url AS canonical, a.is_canonical, d.kind, round(d.similarity, 9) AS similarity
    FROM articles a JOIN articles c ON c.id = a.cluster_id LEFT JOIN duplicates d ON d.article_id = a.id
    ORDER BY a.url
"""


def _records(n: int) -> list[dict]:
    rng = random.Random(16)
    vocabulary = [f"w{i}" for i in range(4000)]

    def words(k: int) -> list[str]:
        return [rng.choice(vocabulary) for _ in range(k)]

    shared, texts = words(110), []
    for i in range(n):
        pick = rng.random()
        if i in FAMILY:  # every tenth a near copy of the one before
            text = shared + words(130) if i % 10 else [w if rng.random() > 0.03 else "x" for w in texts[-1]]
        elif texts and pick < 0.1:
            text = list(rng.choice(texts))  # exact copy
        elif texts and pick < 0.25:
            text = list(rng.choice(texts))  # near copy: a word in twenty replaced
            for _ in range(len(text) // 20):
                text[rng.randrange(len(text))] = rng.choice(vocabulary)
        elif texts and pick < 0.3:
            text = rng.choice(texts)[: 60]  # contained: the start of a longer story
        else:
            text = words(rng.randint(60, 300))
        texts.append(text)
    return [{"url": f"https://bulk.example/{i:05d}", "source": f"outlet{i % 7}",
             "published_at": f"2024-01-{1 + i * 7 % 28:02d}T{i % 24:02d}:00:00", "text": " ".join(t)}
            for i, t in enumerate(texts)]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bulk")
    records = _records(ARTICLES)
    config = folder / "bulk.toml"
    config.write_text(f"[pipeline]\nbatch_size = {BATCH}\n\n[executor]\nworkers = 2\n")
    return {"all": _write(folder / "all.jsonl", records), "first": _write(folder / "first.jsonl", records[:500]),
            "rest": _write(folder / "rest.jsonl", records[500:]), "config": config, "folder": folder}


def _ingest(cli: Cli, location: Path, config: Path, *options: str) -> None:
    code, out, err = cli("ingest", str(location), "--config", str(config), *options)
    assert code == 0, err


@pytest.fixture(scope="module")
def incremental(inputs: dict[str, Path], prefect_api: str) -> list[dict]:
    cli = Cli(inputs["folder"] / "incremental.duckdb")
    _ingest(cli, inputs["all"], inputs["config"], "--executor", "local")
    return cli.sql(CLUSTERS)


def test_a_backfill_forms_the_clusters_of_the_incremental_path(inputs: dict[str, Path], incremental: list[dict],
                                                               tmp_path: Path, prefect_api: str) -> None:
    kinds = {row["kind"] for row in incremental}
    assert {"exact", "near", "contained"} <= kinds
    family = {row["canonical"] for row in incremental if int(row["url"][-5:]) in FAMILY}
    assert 1 < len(family) < len(FAMILY)  # the family is neither one cluster nor all alone

    cli = Cli(tmp_path / "bulk.duckdb")
    _ingest(cli, inputs["all"], inputs["config"], "--bulk", "--executor", "dask")  # everything on the Dask cluster
    assert cli.sql(CLUSTERS) == incremental
    assert cli.sql("SELECT count(*) AS n FROM pending_clusters") == [{"n": 0}]
    runs = cli.sql("SELECT new, exact_duplicates + near_duplicates AS duplicates FROM runs")
    assert runs == [{"new": ARTICLES, "duplicates": sum(not row["is_canonical"] for row in incremental)}]


def test_a_backfill_onto_stored_articles_clusters_with_them(inputs: dict[str, Path], tmp_path: Path,
                                                          prefect_api: str) -> None:
    incremental = Cli(tmp_path / "incremental.duckdb")
    _ingest(incremental, inputs["first"], inputs["config"], "--executor", "local")
    bulk = Cli(tmp_path / "bulk.duckdb")
    shutil.copy(incremental.db, bulk.db)
    shutil.copytree(tmp_path / "incremental-dedup", tmp_path / "bulk-dedup")
    _ingest(incremental, inputs["rest"], inputs["config"], "--executor", "local")
    _ingest(bulk, inputs["rest"], inputs["config"], "--bulk", "--executor", "local")  # the shuffle on a local cluster
    clusters = incremental.sql(CLUSTERS)
    assert bulk.sql(CLUSTERS) == clusters
    stored = {row["url"] for row in clusters[:500]}
    assert any(row["url"] not in stored and row["canonical"] in stored for row in clusters)  # joined the stored


def test_an_unfinished_backfill_refuses_an_ingest_and_the_next_backfill_finishes_it(
        inputs: dict[str, Path], incremental: list[dict], tmp_path: Path, prefect_api: str) -> None:
    cli = Cli(tmp_path / "killed.duckdb")
    settings = load_settings(inputs["config"])
    with Warehouse.for_writing(cli.db, settings.lock_wait) as warehouse:  # what a kill after 5 batches leaves
        run_id = warehouse.start_run([str(inputs["all"])])
        crawl = Crawl(warehouse, run_id, settings.fetch, settings.sources, warehouse.warc_dir)
        steps = ingest_steps(settings, warehouse, crawl, run_id, bulk=True)
        for batch in islice(read_batches(read_locations([str(inputs["all"])], crawl), BATCH), 5):
            run_steps(steps, batch)
        crawl.close()
    assert cli.sql("SELECT count(*) AS n FROM pending_clusters") == [{"n": 5 * BATCH}]

    code, out, err = cli("ingest", str(inputs["first"]), "--config", str(inputs["config"]), "--executor", "local")
    assert code == 1
    assert f"{5 * BATCH} articles of an unfinished backfill wait for their clusters" in err
    assert "Traceback" not in err

    _ingest(cli, inputs["all"], inputs["config"], "--bulk", "--executor", "local")
    assert cli.sql(CLUSTERS) == incremental
    assert cli.sql("SELECT count(*) AS n FROM pending_clusters") == [{"n": 0}]

"""Reading the warehouse: full-text search, the sql formats, and exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, Cli

SEEDS = FIXTURES / "cleaners" / "seeds"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, prefect_api: None) -> Iterator[Cli]:
    cli = Cli(tmp_path_factory.mktemp("query") / "wh.duckdb")
    code, _, err = cli("ingest", str(FIXTURES / "syndicated"), str(SEEDS))
    assert code == 0, err
    yield cli


def _search(cli: Cli, *args: str) -> list[dict]:
    code, out, err = cli("search", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_search_finds_the_ukraine_stories(warehouse: Cli) -> None:
    hits = _search(warehouse, "Bakhmut")
    # Both seed stories that mention Bakhmut (001 twice, 000 once), the denser first.
    assert [Path(h["url"]).name for h in hits] == ["001_786c1e66ba051203.txt", "000_02b9cc0b9ae0f4b9.txt"]
    assert hits[0]["score"] > hits[1]["score"] > 0
    ukraine = _search(warehouse, "ukrainian missiles")
    assert {h["source"] for h in ukraine} == {"seeds"} and len(ukraine) >= 4


def test_search_ranks_only_the_corpus_and_filters(warehouse: Cli) -> None:
    japan = _search(warehouse, "industrial production Japan")
    assert japan[0]["source"] == "worldreport.example"  # the original, not its four copies
    assert len({h["title"] for h in japan}) == len(japan)
    assert _search(warehouse, "industrial production", "--source", "dailyherald.example") == []
    dated = _search(warehouse, "steel production", "--since", "2026-03-18", "--until", "2026-03-20")
    assert dated and all("2026-03-18" <= h["published"] <= "2026-03-20" for h in dated)
    assert _search(warehouse, "Bakhmut", "--since", "2026-01-01") == []  # the seeds carry no date
    code, out, _ = warehouse("search", "Bakhmut", "--format", "markdown", "--limit", "1")
    assert code == 0 and out.splitlines()[:2] == ["| score | id | source | published | title | url |",
                                                 "| --- | --- | --- | --- | --- | --- |"]
    assert len(out.splitlines()) == 3


def test_search_rebuilds_a_stale_index_and_rejects_an_empty_query(warehouse: Cli, tmp_path: Path) -> None:
    assert _search(warehouse, "Bakhmut")  # the first search builds the index (run alone, this test needs it)
    db = tmp_path / "stale.duckdb"
    db.write_bytes(warehouse.db.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("DROP SCHEMA fts_main_search_corpus CASCADE")
    con.close()
    assert len(_search(Cli(db), "Bakhmut")) == 2
    code, _, err = Cli(db)("search", "  ")
    assert code == 1 and err.strip() == "newswash: error: the search query is empty"


def test_sql_formats(warehouse: Cli) -> None:
    query = "SELECT source, count(*) AS n FROM articles WHERE source LIKE 'metro%' GROUP BY 1"
    outputs = {fmt: warehouse("sql", query, "--format", fmt)[1] for fmt in ("table", "csv", "json", "markdown")}
    assert "metrowire.example" in outputs["table"] and "┃ source" in outputs["table"]
    assert list(csv.reader(io.StringIO(outputs["csv"]))) == [["source", "n"], ["metrowire.example", "4"]]
    assert json.loads(outputs["json"]) == [{"source": "metrowire.example", "n": 4}]
    assert outputs["markdown"].splitlines() == ["| source | n |", "| --- | --- |", "| metrowire.example | 4 |"]


def test_export_parquet_partitioned_by_day(warehouse: Cli, tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    code, stdout, err = warehouse("export", "--format", "parquet", "--out", str(out))
    assert code == 0, err
    assert stdout.startswith(f"12 rows of corpus written to {out}")
    assert (out / "day=2026-03-20").is_dir()
    rows = duckdb.sql(f"SELECT day, source FROM read_parquet('{out}/*/*.parquet', hive_partitioning = true) "
                      "WHERE source = 'worldreport.example'").fetchall()
    assert [(str(day), source) for day, source in rows] == [("2026-03-20", "worldreport.example")]
    total = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/*/*.parquet')").fetchone()[0]
    assert total == len(warehouse.sql("SELECT id FROM corpus"))
    code, _, err = warehouse("export", "runs", "--format", "parquet", "--out", str(tmp_path / "runs"))
    assert code == 0 and (tmp_path / "runs" / "runs.parquet").is_file()


def test_export_jsonl_and_csv_of_any_table(warehouse: Cli, tmp_path: Path) -> None:
    code, _, err = warehouse("export", "syndication", "--format", "jsonl", "--out", str(tmp_path / "s.jsonl"))
    assert code == 0, err
    lines = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text("utf-8").splitlines()]
    assert len(lines) == 18 and {"cluster_id", "source", "delay_hours"} <= set(lines[0])
    code, _, err = warehouse("export", "source_stats", "--format", "csv", "--out", str(tmp_path / "s.csv"))
    rows = list(csv.DictReader((tmp_path / "s.csv").open(encoding="utf-8")))
    assert code == 0 and {r["source"] for r in rows} >= {"dailyherald.example", "seeds"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch", "--format", "csv"], "no table or view named 'nosuch'; choose one of: "),
        (["--format", "csv"], "already exists; choose a new path"),
    ],
)
def test_export_errors_are_one_line(warehouse: Cli, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "exists.csv"
    out.write_text("keep me")
    code, _, err = warehouse("export", *args, "--out", str(out))
    assert code == 1 and message in err and len(err.splitlines()) == 1
    assert out.read_text() == "keep me"

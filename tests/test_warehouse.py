"""The warehouse people query: schema and upgrades, the views' answers, readers during a run."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, Cli
from newswash.warehouse.store import migrations, open_warehouse

SYNDICATED = FIXTURES / "syndicated"
LABELS = json.loads((SYNDICATED / "labels.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, prefect_api: None) -> Iterator[Cli]:
    """One warehouse for the module: the syndicated pages and the seed texts, ingested once."""
    cli = Cli(tmp_path_factory.mktemp("warehouse") / "wh.duckdb")
    code, _, err = cli("ingest", str(SYNDICATED), str(FIXTURES / "cleaners" / "seeds"))
    assert code == 0, err
    yield cli


def _page(url: str) -> str:
    return url.split("/syndicated/", 1)[1]


def test_syndication_clusters_match_the_labels(warehouse: Cli) -> None:
    rows = warehouse.sql("SELECT cluster_id, cluster_size, url, kind FROM syndication")
    clusters: dict[int, set[str]] = {}
    for row in rows:
        clusters.setdefault(row["cluster_id"], set()).add(_page(row["url"]))
    labelled: dict[str, set[str]] = {}
    for page, label in LABELS.items():
        labelled.setdefault(label["cluster"], set()).add(page)
    assert sorted(map(sorted, clusters.values())) == sorted(sorted(p) for p in labelled.values() if len(p) > 1)
    originals = {_page(row["url"]) for row in rows if row["kind"] == "original"}
    assert originals == {page for page, label in LABELS.items() if label["original"] and page in
                         {p for members in clusters.values() for p in members}}
    assert all(row["cluster_size"] == len(clusters[row["cluster_id"]]) for row in rows)


def test_syndication_delays_checked_by_hand(warehouse: Cli) -> None:
    # Japan industrial production: worldreport published 2026-03-20 13:03, the copies after it.
    rows = warehouse.sql(
        "SELECT source, kind, delay_hours, original_source FROM syndication "
        "WHERE original_title = 'Japan Industrial Production Rises In February' ORDER BY delay_hours"
    )
    assert [(r["source"], r["delay_hours"]) for r in rows] == [
        ("worldreport.example", 0.0),     # 03-20 13:03, the original
        ("capitolpost.example", 17.5),    # 03-21 06:33
        ("coastaltimes.example", 20.23),  # 03-21 09:17
        ("dailyherald.example", 28.28),   # 03-21 17:20
        ("metrowire.example", 35.85),     # 03-22 00:54
    ]
    assert {r["original_source"] for r in rows} == {"worldreport.example"}
    assert rows[0]["kind"] == "original" and {r["kind"] for r in rows[1:]} <= {"exact", "near", "contained"}
    # NASCAR: valleynews 03-10 19:27, dailyherald's retitled copy 03-12 05:16.
    nascar = warehouse.sql("SELECT source, delay FROM syndication WHERE original_source = 'valleynews.example' "
                           "AND kind <> 'original'")
    assert nascar == [{"source": "dailyherald.example", "delay": "1 day, 9:49:00"}]


def test_source_stats_checked_by_hand(warehouse: Cli) -> None:
    stats = {row["source"]: row for row in warehouse.sql("SELECT * FROM source_stats")}
    # dailyherald: five articles, every one a copy; behind by 36.72, 28.28, 16.78, 31.07, 33.82 hours.
    assert stats["dailyherald.example"] == {
        "source": "dailyherald.example", "articles": 5, "duplicates": 5, "duplicate_share": 1.0,
        "syndicated": 5, "first_published": 0, "first_share": 0.0, "median_delay_hours": 31.07,
    }
    # metrowire: first with the South Dakota story; copies 35.85, 15.17 and 36.48 hours behind.
    assert stats["metrowire.example"] == {
        "source": "metrowire.example", "articles": 4, "duplicates": 3, "duplicate_share": 0.75,
        "syndicated": 4, "first_published": 1, "first_share": 0.25, "median_delay_hours": 35.85,
    }
    # thedispatch: one story nobody copied.
    assert stats["thedispatch.example"]["syndicated"] == 0 and stats["thedispatch.example"]["first_share"] is None
    assert sum(row["articles"] for row in stats.values()) == 25


def test_daily_counts_add_up(warehouse: Cli) -> None:
    days = {row["day"]: row for row in warehouse.sql("SELECT * FROM daily")}
    assert days["2026-03-21"] == {"day": "2026-03-21", "articles": 5, "new_stories": 1, "duplicates": 4}
    assert sum(d["articles"] for d in days.values()) == 25
    assert sum(d["new_stories"] for d in days.values()) == len(warehouse.sql("SELECT id FROM corpus"))


def _columns_of_migration_1() -> set[tuple[str, str]]:
    con = duckdb.connect(":memory:")
    con.execute(migrations()[0][1])
    return set(con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal").fetchall())


def test_sources_table_and_comments(warehouse: Cli) -> None:
    sources = warehouse.sql("SELECT name, first_run_id, last_run_id FROM sources ORDER BY name")
    assert len(sources) == 10 and {(s["first_run_id"], s["last_run_id"]) for s in sources} == {(1, 1)}
    documented = {
        (row["table_name"], row["column_name"]): row["comment"]
        for row in warehouse.sql("SELECT table_name, column_name, comment FROM data_dictionary")
    }
    tables = {row["table_name"] for row in warehouse.sql("SELECT DISTINCT table_name FROM data_dictionary WHERE kind = 'table'")}
    assert {"runs", "articles", "fetch_log", "source_lines", "signatures"} <= tables
    ours = {key for key in documented if key[0] in tables | {"syndication", "source_stats", "daily"}}
    kept = {key for key in _columns_of_migration_1() if key[0] != "band_keys"}  # dropped by migration 019
    missing = [key for key in sorted(kept | ours) if key[0] != "corpus" and not documented[key]]
    assert missing == []
    tables = warehouse.sql("SELECT DISTINCT table_name, table_comment FROM data_dictionary WHERE kind = 'view'")
    assert {"corpus", "syndication", "source_stats", "daily"} <= {t["table_name"] for t in tables}
    assert all(t["table_comment"] for t in tables)


V1_ROWS = """
INSERT INTO runs VALUES (1, '2026-03-01 10:00', '2026-03-01 10:05', 'completed', ['feeds/'], 3, 0, 3, 0, 3, 1, 0);
INSERT INTO articles (id, url, source, title, published_at, body, cluster_id, is_canonical, run_id, ingested_at) VALUES
    (1, 'https://a.example/1', 'a.example', 'Storm hits coast', '2026-03-01 08:00', 'body one', 1, true, 1, '2026-03-01 10:01'),
    (2, 'https://b.example/1', 'b.example', 'Storm hits coast', '2026-03-01 11:30', 'body one', 1, false, 1, '2026-03-01 10:01'),
    (3, 'https://b.example/2', 'b.example', 'Markets calm', NULL, 'body two', 3, true, 1, '2026-03-01 10:02');
INSERT INTO duplicates VALUES (2, 1, 'exact', 1.0, 1);
INSERT INTO cleaning_log VALUES (2, 'ad_marker', '[ad_1]', 1);
INSERT INTO signatures VALUES (1, 'h1', 2, '\\x00'::BLOB), (2, 'h1', 2, '\\x00'::BLOB), (3, 'h2', 2, '\\x01'::BLOB);
INSERT INTO band_keys VALUES (0, 7, 1), (0, 7, 2), (0, 9, 3);
INSERT INTO failures VALUES (1, 'feeds/bad.html', 'extract', 'no text');
"""
V1_TABLES = ["runs", "articles", "duplicates", "cleaning_log", "signatures", "failures"]


def _version_1_warehouse(path: Path) -> dict[str, int]:
    """A warehouse as the first release left it: migration 001 only, with rows."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    con.execute(migrations()[0][1])
    con.execute("INSERT INTO schema_version VALUES (1)")
    con.execute(V1_ROWS)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in V1_TABLES}
    con.close()
    return counts


@pytest.mark.parametrize("read_only", [True, False])
def test_an_old_warehouse_upgrades_in_place_keeping_every_row(tmp_path: Path, read_only: bool) -> None:
    path = tmp_path / "v1.duckdb"
    before = _version_1_warehouse(path)
    assert migrations()[0][0] == 1 and len(migrations()) > 1
    with open_warehouse(path, read_only=read_only) as con:  # a query upgrades it as well as a run
        after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in V1_TABLES}
        versions = [row[0] for row in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
        sources = con.execute("SELECT name, first_run_id FROM sources ORDER BY name").fetchall()
        copy = con.execute("SELECT source, kind, delay_hours FROM syndication WHERE kind <> 'original'").fetchall()
        titles = con.execute("SELECT title FROM corpus ORDER BY id").fetchall()
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        # Migration 017 backfills version 1 of every stored article (no fetch_log in v1: loaded at ingested_at).
        first = con.execute("SELECT count(*), count(*) FILTER (v.version = 1 AND v.body = a.body AND v.title "
                            "IS NOT DISTINCT FROM a.title AND v.fetched_at = a.ingested_at) "
                            "FROM articles a JOIN article_versions v ON v.article_id = a.id").fetchone()
    assert after == before
    assert first == (before["articles"], before["articles"])
    assert versions == [version for version, _ in migrations()]
    assert sources == [("a.example", 1), ("b.example", 1)]
    assert copy == [("b.example", "exact", 3.5)]
    assert titles == [("Storm hits coast",), ("Markets calm",)]
    assert "band_keys" not in tables  # migration 019: band keys live in the index beside the file


def test_a_new_warehouse_whose_writer_died_before_a_checkpoint_opens(tmp_path: Path) -> None:
    # The schema is still only in the WAL, and every migration must replay from it (a CHECK
    # constraint on run_steps did not, in DuckDB 1.4.4).
    db = tmp_path / "wh.duckdb"
    die = "import os, sys\nfrom newswash.warehouse.store import open_warehouse\nwith open_warehouse(sys.argv[1]):\n    os._exit(0)\n"
    subprocess.run([sys.executable, "-c", die, str(db)], check=True, timeout=120)
    assert (tmp_path / "wh.duckdb.wal").exists()
    with open_warehouse(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM run_steps").fetchone() == (0,)


HOLDER = textwrap.dedent(
    """
    import sys
    from newswash.warehouse.store import finish_run, open_warehouse, start_run

    with open_warehouse(sys.argv[1]) as con:
        run_id = start_run(con, ["a run in another process"])
        print("writing", flush=True)
        sys.stdin.readline()
        finish_run(con, run_id, "completed", {})
    """
)


def _newswash(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "newswash.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_process_that_keeps_the_file_open_is_waited_for_then_said_in_one_line(
    warehouse: Cli, tmp_path: Path, prefect_env: dict[str, str]
) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(warehouse.db.read_bytes())
    before = Cli(db).sql("SELECT count(*) AS n FROM articles")[0]["n"]
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "writing"
        # All at once: each waits OPEN_WAIT_SECONDS for the file before it gives up.
        calls = [_newswash("sql", "SELECT count(*) FROM articles", "--db", str(db)),
                 _newswash("search", "Bakhmut", "--db", str(db)),
                 _newswash("ingest", str(SYNDICATED), "--db", str(db), "--executor", "local", env=prefect_env)]
        results = [(call.communicate(timeout=300), call.returncode) for call in calls]
    finally:
        holder.communicate("done\n", timeout=60)
    line = f"newswash: error: the warehouse {db} is busy: another process kept it locked for 30 s; try again"
    for (out, err), code in results:
        assert code == 1 and err.splitlines()[-1] == line, err[-2000:]
    assert results[0][0] == results[1][0] == ("", line + "\n")  # a reader's whole output
    assert holder.returncode == 0
    after = Cli(db).sql("SELECT count(*) AS n FROM articles")[0]["n"]
    runs = Cli(db).sql("SELECT status, inputs FROM runs ORDER BY run_id")
    assert after == before
    assert runs[-1] == {"status": "completed", "inputs": ["a run in another process"]}

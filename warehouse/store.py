"""Opening the DuckDB warehouse, and the run bookkeeping around each ingest."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from datetime import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from newswash.errors import NewswashError
from newswash.records import Failure

MIGRATIONS = resources.files("newswash.warehouse").joinpath("migrations")


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) of each file `migrations/NNN_name.sql`, in order."""
    files = [f for f in MIGRATIONS.iterdir() if f.name.endswith(".sql") and f.name[:1].isdigit()]
    return sorted((int(f.name.split("_", 1)[0]), f.read_text("utf-8")) for f in files)


def views_sql() -> str:
    """`migrations/views.sql`: every view, re-created after migrations and whenever the file changes."""
    return MIGRATIONS.joinpath("views.sql").read_text("utf-8")


# DuckDB settings of each connection (a run's: RUN_SETTINGS, below). memory_limit: DuckDB's default (80% of RAM) lets its
# cache grow to many GB during a big load; past the limit it evicts and spills to disk
# (bench/dedup_speed.py --stored, 1,000,000 articles: 600MB 156 s / 2.77 GiB in all,
# 1GB 149 s / 3.15 GiB).
# checkpoint_threshold: the default (16 MB of WAL) checkpoints after every batch, and each
# checkpoint rewrites every index; now the WAL gathers a few batches first.
DUCKDB_SETTINGS: dict[str, str] = {"memory_limit": "600MB", "checkpoint_threshold": "1GB"}
# A run's connection works on one thread: the workers keep every core busy meanwhile, and a
# second DuckDB thread only added its own cost (100,000 short texts: the run's process 2.5
# CPU-s less, its main thread doing the same work in 25.2 s against 26.7 s).
RUN_SETTINGS: dict[str, str] = {**DUCKDB_SETTINGS, "threads": "1"}


# How long opening the file waits for another process to let go of it. A run holds it only
# while it loads a batch (warehouse/shared.py), a query while it runs.
OPEN_WAIT_SECONDS = 30.0
OPEN_POLL_SECONDS = 0.05


@contextmanager
def open_warehouse(
    path: Path, read_only: bool = False, settings: dict[str, str] = DUCKDB_SETTINGS,
    wait: float = OPEN_WAIT_SECONDS,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse at `path`, its schema brought up to date first;
    `settings`: DuckDB settings (name: value) to apply; `wait`: seconds to wait for the file."""
    path = Path(path)
    if read_only and not path.exists():
        raise NewswashError(f"no warehouse at {path} (run `newswash ingest` first)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(path, read_only, wait)
    try:
        if read_only and _outdated(con):
            # An older warehouse: upgrade it once with a writable connection.
            con.close()
            with open_warehouse(path, wait=wait):
                pass
            con = connect(path, read_only, wait)
        elif not read_only:
            _ensure_schema(con)
        apply_settings(con, settings)
        yield con
    finally:
        con.close()


def apply_settings(con: duckdb.DuckDBPyConnection, settings: dict[str, str]) -> None:
    for name, value in settings.items():
        con.execute(f"SET {name} = '{value}'")


def connect(path: Path, read_only: bool, wait: float = OPEN_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, retried while another process holds the file's lock (up to `wait`
    seconds, with a note in ``waiting_room`` that asks a run to let go); a lock held longer,
    or any other problem, said in one line."""
    deadline = time.monotonic() + wait
    note = waiting_room(path) / f"{os.getpid()}-{threading.get_ident()}"
    try:
        while True:
            try:
                return duckdb.connect(str(path), read_only=read_only)
            except duckdb.Error as exc:
                if "lock" not in str(exc).lower():
                    raise NewswashError(f"cannot open warehouse {path}: {_first_line(exc)}") from None
                if time.monotonic() >= deadline:
                    raise NewswashError(
                        f"the warehouse {path} is busy: another process kept it locked for {wait:g} s; try again"
                    ) from None
            note.parent.mkdir(exist_ok=True)
            note.touch()  # fresh while we wait: a note left by a killed process goes stale
            time.sleep(OPEN_POLL_SECONDS)
    finally:
        note.unlink(missing_ok=True)


def waiting_room(path: Path) -> Path:
    """The folder beside the warehouse where openers waiting for its lock leave a note."""
    return path.with_name(path.name + ".waiting")


def someone_waits(path: Path) -> bool:
    """Whether an opener has been waiting for the warehouse's lock just now."""
    fresh = time.time() - 4 * OPEN_POLL_SECONDS
    try:
        with os.scandir(waiting_room(path)) as notes:
            for note in notes:
                try:
                    if note.stat().st_mtime >= fresh:
                        return True
                except FileNotFoundError:  # its opener got in (or gave up) meanwhile
                    continue
    except FileNotFoundError:
        pass
    return False


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main' "
        "AND database_name = current_database()",
        [name],
    ).fetchone()[0] > 0


def _pending(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    """The migrations this warehouse has not had yet, in order."""
    applied = {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()} \
        if _has_table(con, "schema_version") else set()
    return [(version, sql) for version, sql in migrations() if version not in applied]


def _views_hash() -> str:
    return hashlib.sha256(views_sql().encode("utf-8")).hexdigest()


def _outdated(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether migrations or the current views.sql are still to be applied."""
    if _pending(con) or not _has_table(con, "schema_views"):
        return True
    return con.execute("SELECT sha256 FROM schema_views").fetchall() != [(_views_hash(),)]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction: committed when the block ends, rolled back on any exception."""
    con.execute("BEGIN")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def beside(con: duckdb.DuckDBPyConnection, name: str) -> Path:
    """``<warehouse>-<name>/``, next to the connection's DuckDB file (a run's connection knows
    its path: asking DuckDB took a query, four a batch)."""
    path = getattr(con, "path", None) or Path(con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0])
    return path.with_name(f"{path.stem}-{name}")


def rows_past(con: duckdb.DuckDBPyConnection, table: str, mark: str, covered: int) -> tuple[int, int, int | None]:
    """Rows of ``table`` in all, those whose ``mark`` is past ``covered``, and the highest mark
    past it. The count of all is one DuckDB keeps; the rest reads the newest row groups only
    when rows are appended in ``mark`` order: no scan of the table."""
    return con.execute(f"SELECT (SELECT count(*) FROM {table}), count(*), max({mark}) FROM {table} WHERE {mark} > ?",
                       [covered]).fetchone()


@contextmanager
def registered(
    con: duckdb.DuckDBPyConnection, name: str, table: pa.Table | None = None, **columns: object
) -> Iterator[None]:
    """`table` (or the given columns) visible to SQL as `name` for the duration, through
    Arrow (a Python list bound as a parameter is converted value by value, and slowly)."""
    con.register(name, table if table is not None else pa.table(columns))
    try:
        yield
    finally:
        con.unregister(name)


def _in_transaction(con: duckdb.DuckDBPyConnection, what: str, *statements: tuple[str, list[Any]]) -> None:
    try:
        with transaction(con):
            for sql, params in statements:
                con.execute(sql, params or None)
    except duckdb.Error as exc:
        raise NewswashError(f"cannot upgrade warehouse to {what}: {_first_line(exc)}") from None


def _ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Apply, each in its own transaction, every migration the warehouse has not had; then the views."""
    if not _outdated(con):
        return
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    con.execute("CREATE TABLE IF NOT EXISTS schema_views (sha256 VARCHAR NOT NULL)")
    for version, sql in _pending(con):
        _in_transaction(con, f"schema {version}", (sql, []), ("INSERT INTO schema_version VALUES (?)", [version]))
    _in_transaction(con, "the current views", (views_sql(), []), ("DELETE FROM schema_views", []),
                    ("INSERT INTO schema_views VALUES (?)", [_views_hash()]))


def start_run(con: duckdb.DuckDBPyConnection, inputs: list[str]) -> int:
    """Record a new run as `running` and return its id.

    The caller holds the writer lock, so a run still marked `running` died (killed or
    crashed): it is marked `abandoned`; its loaded batches stay, the rest is redone.
    """
    con.execute("UPDATE runs SET status = 'abandoned' WHERE status = 'running'")
    row = con.execute(
        "INSERT INTO runs (run_id, started_at, status, inputs) "
        "VALUES (nextval('run_ids'), now()::TIMESTAMP, 'running', ?) RETURNING run_id",
        [inputs],
    ).fetchone()
    return int(row[0])


def failure_reasons(con: duckdb.DuckDBPyConnection, run_id: int, most: int = 8) -> dict[str, int]:
    """The run's commonest failure reasons ("stage: reason", details in brackets dropped) and counts."""
    return dict(con.execute(
        "SELECT stage || ': ' || regexp_replace(reason, ' \\(.*$', '') AS why, count(*) AS n FROM failures "
        "WHERE run_id = ? GROUP BY why ORDER BY n DESC, why LIMIT ?",
        [run_id, most],
    ).fetchall())


def record_failures(con: duckdb.DuckDBPyConnection, run_id: int, failures: Iterable[Failure]) -> None:
    rows = [(run_id, f.location, f.stage, f.reason) for f in failures]
    if rows:
        con.executemany("INSERT INTO failures VALUES (?, ?, ?, ?)", rows)


def finish_run(con: duckdb.DuckDBPyConnection, run_id: int, status: str, counts: dict[str, int]) -> None:
    """Close a run with its status and counts; update `sources`. (The search index is built
    by the first search after the corpus changed: rebuilding it costs time in the size of
    the whole corpus, which a scheduled run should not pay every time.)"""
    assignments = "".join(f", {column} = ?" for column in counts)
    con.execute(
        f"UPDATE runs SET finished_at = now()::TIMESTAMP, status = ?{assignments} WHERE run_id = ?",
        [status, *counts.values(), run_id],
    )
    con.execute(
        """
        INSERT INTO sources
            SELECT coalesce(source, ''), min(ingested_at), max(ingested_at), run_id, run_id
            FROM articles WHERE run_id = ? GROUP BY ALL
        ON CONFLICT (name) DO UPDATE SET last_seen_at = excluded.last_seen_at, last_run_id = excluded.last_run_id
        """,
        [run_id],
    )


def first_fetches(con: duckdb.DuckDBPyConnection, urls: list[str]) -> dict[str, tuple[int, datetime]]:
    """For each of `urls` stored as an article: its id and when it was first stored."""
    if not urls:
        return {}
    with registered(con, "asked_urls", url=pa.array(urls, pa.string())):
        rows = con.execute("SELECT url, id, ingested_at FROM articles WHERE url IN (SELECT url FROM asked_urls)").fetchall()
    return {url: (article_id, first) for url, article_id, first in rows}


def stored_texts(con: duckdb.DuckDBPyConnection, ids: list[int]) -> dict[int, tuple[str | None, str]]:
    """(title, body) of stored articles, by id."""
    if not ids:
        return {}
    with registered(con, "asked_ids", id=pa.array(ids, pa.int64())):
        rows = con.execute("SELECT id, title, body FROM articles JOIN asked_ids USING (id)").fetchall()
    return {article_id: (title, body) for article_id, title, body in rows}


def revised(con: duckdb.DuckDBPyConnection, run_id: int) -> int:
    """Articles the run stored a new version of (after their first)."""
    return con.execute("SELECT count(DISTINCT article_id) FROM version_log WHERE run_id = ? AND version > 1",
                       [run_id]).fetchone()[0]

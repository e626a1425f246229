"""Opening the DuckDB warehouse, and the run bookkeeping around each ingest."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from newswash.errors import NewswashError
from newswash.records import Failure

MIGRATIONS = resources.files("newswash.warehouse").joinpath("migrations")


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) of each file `migrations/NNN_name.sql`, in order."""
    files = [f for f in MIGRATIONS.iterdir() if f.name.endswith(".sql")]
    return sorted((int(f.name.split("_", 1)[0]), f.read_text("utf-8")) for f in files)


@contextmanager
def open_warehouse(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse at `path`, created with its schema when writable."""
    path = Path(path)
    if read_only and not path.exists():
        raise NewswashError(f"no warehouse at {path} (run `newswash ingest` first)")
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise NewswashError(f"cannot open warehouse {path}: {_first_line(exc)}") from None
    try:
        if not read_only:
            _ensure_schema(con)
        yield con
    finally:
        con.close()


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Apply, each in its own transaction, the migrations newer than the warehouse's version."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    current = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    for version, sql in migrations():
        if version <= current:
            continue
        con.execute("BEGIN")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?)", [version])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise NewswashError(f"cannot upgrade warehouse to schema {version}: {_first_line(exc)}") from None


def start_run(con: duckdb.DuckDBPyConnection, inputs: list[str]) -> int:
    """Record a new run as `running` and return its id."""
    row = con.execute(
        "INSERT INTO runs (run_id, started_at, status, inputs) "
        "VALUES (nextval('run_ids'), now()::TIMESTAMP, 'running', ?) RETURNING run_id",
        [inputs],
    ).fetchone()
    return int(row[0])


def record_failures(con: duckdb.DuckDBPyConnection, run_id: int, failures: Iterable[Failure]) -> None:
    rows = [(run_id, f.location, f.stage, f.reason) for f in failures]
    if rows:
        con.executemany("INSERT INTO failures VALUES (?, ?, ?, ?)", rows)


def finish_run(con: duckdb.DuckDBPyConnection, run_id: int, status: str, counts: dict[str, int]) -> None:
    """Close a run with its status and counts."""
    assignments = "".join(f", {column} = ?" for column in counts)
    con.execute(
        f"UPDATE runs SET finished_at = now()::TIMESTAMP, status = ?{assignments} WHERE run_id = ?",
        [status, *counts.values(), run_id],
    )


def known_urls(con: duckdb.DuckDBPyConnection, urls: list[str]) -> set[str]:
    """The subset of `urls` already stored."""
    if not urls:
        return set()
    rows = con.execute("SELECT url FROM articles WHERE url IN (SELECT unnest(?))", [urls]).fetchall()
    return {row[0] for row in rows}

"""Exporting a table or view to Parquet (partitioned by day), JSON lines or CSV."""

from __future__ import annotations

from pathlib import Path

import duckdb

from newswash.errors import NewswashError

FORMATS = ("parquet", "jsonl", "csv")


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """Columns of a table or view of the main schema; an error naming the choices otherwise."""
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' ORDER BY table_name, column_index"
    ).fetchall()
    columns = [column for table, column in rows if table == relation]
    if not columns:
        choices = ", ".join(sorted({table for table, _ in rows}))
        raise NewswashError(f"no table or view named {relation!r}; choose one of: {choices}")
    return columns


def _day(columns: list[str]) -> str | None:
    """The partition key: the publication date, the load date when unknown (as in the `daily` view)."""
    if "published_at" not in columns:
        return None
    return "coalesce(published_at, ingested_at)::DATE" if "ingested_at" in columns else "published_at::DATE"


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export(con: duckdb.DuckDBPyConnection, relation: str, fmt: str, out: Path) -> int:
    """Write `relation` to `out`; returns the rows written.

    Parquet goes to the directory `out`: hive-partitioned as `day=YYYY-MM-DD/` when
    the relation has `published_at`, else one file `out/<relation>.parquet`.
    JSON lines and CSV go to the file `out`. An existing `out` is never overwritten.
    """
    if fmt not in FORMATS:
        raise NewswashError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    columns = _columns(con, relation)
    out = Path(out)
    if out.exists():
        raise NewswashError(f"{out} already exists; choose a new path")
    out.parent.mkdir(parents=True, exist_ok=True)
    source = f'SELECT * FROM "{relation}"'
    if fmt == "jsonl":
        target, options = out, "FORMAT json"
    elif fmt == "csv":
        target, options = out, "FORMAT csv, HEADER"
    elif (day := _day(columns)) is not None:
        source = f"SELECT *, {day} AS day FROM \"{relation}\""
        target, options = out, "FORMAT parquet, PARTITION_BY (day)"
    else:
        out.mkdir()
        target, options = out / f"{relation}.parquet", "FORMAT parquet"
    try:
        return con.execute(f"COPY ({source}) TO {_literal(target)} ({options})").fetchone()[0]
    except duckdb.Error as exc:
        raise NewswashError(f"export failed: {str(exc).strip().splitlines()[0]}") from None

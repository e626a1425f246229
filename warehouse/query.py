"""Running read-only SQL against the warehouse and formatting the result."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from newswash.errors import NewswashError
from newswash.warehouse.store import open_warehouse

FORMATS = ("table", "csv", "json", "markdown")


def run_query(db_path: Path, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of a query, on a read-only connection."""
    with open_warehouse(db_path, read_only=True) as con:
        try:
            cursor = con.execute(query)
        except duckdb.Error as exc:
            raise NewswashError(f"SQL error: {str(exc).strip().splitlines()[0]}") from None
        if cursor.description is None:
            return [], []
        return [d[0] for d in cursor.description], cursor.fetchall()


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _markdown_cell(value: Any) -> str:
    text = "" if value is None else str(_plain(value))
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(_markdown_cell(c) for c in columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(_markdown_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def format_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    """Rows as a table, CSV, a JSON array of objects, or a markdown table."""
    if fmt == "markdown":
        return markdown_table(columns, rows)
    if fmt == "json":
        return json.dumps([{c: _plain(v) for c, v in zip(columns, row)} for row in rows],
                          ensure_ascii=False, indent=2, default=str)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
        return out.getvalue().rstrip("\n")
    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*("" if v is None else str(_plain(v)) for v in row))
    console = Console(width=160, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text().rstrip("\n")

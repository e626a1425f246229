"""Stored line counts for learned site boilerplate (see ``newswash.cleaners.boilerplate``).

Both functions are plain SQL on the caller's connection and open no transaction of their
own: call ``add_line_counts`` inside the batch's load transaction, so counts and articles
are committed (or rolled back) together.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa

from newswash.cleaners.boilerplate import LineCounts, count_lines
from newswash.records import Article


def load_line_counts(
    con: duckdb.DuckDBPyConnection, sources: Iterable[str], hashes: Iterable[int] | None = None
) -> LineCounts:
    """Stored counts for ``sources``; with ``hashes``, only those lines (a batch's own
    lines are all the decision needs, so pass ``count_lines(batch)`` hashes for big sources)."""
    sources = sorted({s for s in sources if s})
    counts = LineCounts()
    if not sources:
        return counts
    for source, n in con.execute(
        "SELECT source, articles FROM source_articles WHERE source IN (SELECT unnest(?))", [sources]
    ).fetchall():
        counts.articles[source] = n
    query = "SELECT source, line_hash, articles FROM source_lines WHERE source IN (SELECT unnest(?))"
    params: list = [sources]
    if hashes is not None:
        query += " AND line_hash IN (SELECT unnest(?))"
        params.append(sorted(set(hashes)))
    for source, h, n in con.execute(query, params).fetchall():
        counts.lines[(source, h)] = n
    return counts


def add_line_counts(con: duckdb.DuckDBPyConnection, articles: list[Article]) -> None:
    """Add the batch's counts (each article once per source and per distinct line) to the
    stored ones. Call once per batch, with the articles that were loaded."""
    _add(con, count_lines(articles))


def _add(con: duckdb.DuckDBPyConnection, counts: LineCounts) -> None:
    source_rows, line_rows = counts.rows()
    if not source_rows:
        return
    sources = pa.table(
        {"source": [r[0] for r in source_rows], "articles": [r[1] for r in source_rows]},
        schema=pa.schema([("source", pa.string()), ("articles", pa.int64())]),
    )
    lines = pa.table(
        {"source": [r[0] for r in line_rows], "line_hash": [r[1] for r in line_rows],
         "articles": [r[2] for r in line_rows]},
        schema=pa.schema([("source", pa.string()), ("line_hash", pa.int64()), ("articles", pa.int64())]),
    )
    con.register("boilerplate_sources", sources)
    con.register("boilerplate_lines", lines)
    try:
        con.execute(
            "INSERT INTO source_articles SELECT source, articles FROM boilerplate_sources "
            "ON CONFLICT (source) DO UPDATE SET articles = source_articles.articles + excluded.articles"
        )
        con.execute(
            "INSERT INTO source_lines SELECT source, line_hash, articles FROM boilerplate_lines "
            "ON CONFLICT (source, line_hash) DO UPDATE SET articles = source_lines.articles + excluded.articles"
        )
    finally:
        con.unregister("boilerplate_sources")
        con.unregister("boilerplate_lines")

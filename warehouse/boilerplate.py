"""Stored line counts for learned site boilerplate (see ``newswash.cleaners.boilerplate``).

Both functions are plain SQL on the caller's connection and open no transaction of their
own: call ``add_line_counts`` inside the batch's load transaction, so counts and articles
are committed (or rolled back) together.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from operator import itemgetter

import duckdb
import pyarrow as pa

from newswash.cleaners.boilerplate import LineCounts, count_lines
from newswash.records import Article
from newswash.warehouse.store import registered


def load_line_counts(
    con: duckdb.DuckDBPyConnection, sources: Iterable[str], hashes: Iterable[int] | None = None,
    stories: Iterable[tuple[str, int]] = (),
) -> LineCounts:
    """Stored counts for ``sources``; with ``hashes``, only those lines (a batch's own
    lines are all the decision needs: pass them, a source's table grows with its articles);
    and which of ``stories`` (``story_keys`` of a batch) were counted already."""
    sources = sorted({s for s in sources if s})
    counts = LineCounts()
    if not sources:
        return counts
    asked = list(stories)
    if asked:
        with _registered_stories(con, "asked_stories", asked):
            counts.stories.update(con.execute(
                "SELECT source, story FROM source_stories JOIN asked_stories USING (source, story)").fetchall())
    with registered(con, "wanted_sources", source=pa.array(sources, pa.string())):
        for source, n in con.execute(
            "SELECT source, articles FROM source_articles WHERE source IN (SELECT source FROM wanted_sources)"
        ).fetchall():
            counts.articles[source] = n
        query = "SELECT source, line_hash, articles FROM source_lines WHERE source IN (SELECT source FROM wanted_sources)"
        if hashes is None:
            rows = con.execute(query).fetch_arrow_table()
        else:
            with registered(con, "wanted_hashes", line_hash=pa.array(sorted(set(hashes)), pa.int64())):
                rows = con.execute(query + " AND line_hash IN (SELECT line_hash FROM wanted_hashes)").fetch_arrow_table()
    counts.lines.update(dict(zip(
        zip(rows.column("source").to_pylist(), rows.column("line_hash").to_pylist()),
        rows.column("articles").to_pylist(),
    )))
    return counts


def add_line_counts(
    con: duckdb.DuckDBPyConnection, articles: list[Article], counts: LineCounts | None = None
) -> None:
    """Add the batch's counts (each article once per source and per distinct line) and
    the stories they count to the stored ones. Call once per batch, with the articles
    that were loaded; ``counts``, when given, are theirs (``count_lines(articles)``)."""
    _add(con, count_lines(articles) if counts is None else counts)


def _registered_stories(
    con: duckdb.DuckDBPyConnection, name: str, stories: list[tuple[str, int]]
) -> AbstractContextManager[None]:
    """``(source, story_key)`` pairs as the table ``name`` (columns source, story)."""
    return registered(con, name, source=pa.array([s for s, _ in stories], pa.string()),
                      story=pa.array([k for _, k in stories], pa.int64()))


def _add(con: duckdb.DuckDBPyConnection, counts: LineCounts) -> None:
    """Stored counts plus ``counts``: MERGE joins the batch's rows to the stored ones (no
    index on source_lines: keeping one up to date cost more than the join, see migration 013)."""
    if not counts.articles:
        return
    with _registered_stories(con, "counted_stories", list(counts.stories)):
        con.execute("INSERT INTO source_stories SELECT source, story FROM counted_stories")
    keys = list(counts.lines)
    with registered(
        con, "boilerplate_sources",
        source=pa.array(list(counts.articles), pa.string()),
        articles=pa.array(list(counts.articles.values()), pa.int64()),
    ):
        con.execute(
            "INSERT INTO source_articles SELECT source, articles FROM boilerplate_sources "
            "ON CONFLICT (source) DO UPDATE SET articles = source_articles.articles + excluded.articles"
        )
    with registered(
        con, "boilerplate_lines",
        source=pa.array(list(map(itemgetter(0), keys)), pa.string()),
        line_hash=pa.array(list(map(itemgetter(1), keys)), pa.int64()),
        articles=pa.array(list(counts.lines.values()), pa.int64()),
    ):
        con.execute(
            "MERGE INTO source_lines USING boilerplate_lines b "
            "ON source_lines.source = b.source AND source_lines.line_hash = b.line_hash "
            "WHEN MATCHED THEN UPDATE SET articles = source_lines.articles + b.articles "
            "WHEN NOT MATCHED THEN INSERT (source, line_hash, articles) VALUES (b.source, b.line_hash, b.articles)"
        )

"""Stored line counts for learned site boilerplate (see ``newswash.cleaners.boilerplate``).

``add_line_counts`` appends a batch's counts to the logs ``source_lines`` and ``source_stories``
(and adds them to ``source_articles``) on the caller's connection, in no transaction of its own:
call it inside the batch's load transaction, so counts and articles are committed (or rolled
back) together. ``load_line_counts`` probes the sums kept beside the warehouse
(``warehouse/line_index.py``), first caught up with the logs: its cost is the batch's, whatever
is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

import duckdb
import numpy as np
import pyarrow as pa

from newswash.cleaners.boilerplate import LineCounts, count_lines
from newswash.records import Article
from newswash.warehouse.line_index import LineIndex
from newswash.warehouse.store import beside, registered

CATCH_UP_BATCHES = 50  # batches of log rows read at a time while the index catches up


def load_line_counts(
    con: duckdb.DuckDBPyConnection, lines: Iterable[tuple[str, int]], stories: Iterable[tuple[str, int]] = (),
) -> LineCounts:
    """Stored counts of ``lines`` (``(source, line_hash)`` pairs: a batch's own lines are all
    its decision needs) and of their sources' articles, and which of ``stories`` (``story_keys``
    of a batch) were counted already."""
    lines = [pair for pair in dict.fromkeys(lines) if pair[0]]
    asked = [pair for pair in dict.fromkeys(stories) if pair[0]]
    counts = LineCounts()
    sources = sorted({s for s, _ in lines} | {s for s, _ in asked})
    if not sources:
        return counts
    index = caught_up_lines(con)
    if asked:
        seen = index.counted([s for s, _ in asked], np.array([k for _, k in asked], np.int64))
        counts.stories.update(asked[i] for i in np.flatnonzero(seen))
    with registered(con, "wanted_sources", source=pa.array(sources, pa.string())):
        counts.articles.update(dict(con.execute(
            "SELECT source, articles FROM source_articles WHERE source IN (SELECT source FROM wanted_sources)"
        ).fetchall()))
    if lines:
        found = index.line_counts([s for s, _ in lines], np.array([h for _, h in lines], np.int64))
        counts.lines.update({lines[i]: int(found[i]) for i in np.flatnonzero(found)})
    return counts


def caught_up_lines(con: duckdb.DuckDBPyConnection) -> LineIndex:
    """The warehouse's line index with every logged row in it. An index whose rows do not add up
    to the logs' up to the batch it covers (a warehouse copied back, a write that died) is
    rebuilt; one behind (a batch committed since, a warehouse from before it) reads the rest."""
    index = LineIndex(beside(con, "lines"))
    tails = _tails(con, index.covered)
    if index.entries != (tails[0] - tails[2], tails[1] - tails[3]):
        index.reset()
        tails = _tails(con, index.covered)
    top = tails[4]
    if top is None:
        return index
    none = np.zeros(0, np.int64)
    for lo in range(index.covered + 1, top + 1, CATCH_UP_BATCHES):
        bounds = [lo, lo + CATCH_UP_BATCHES - 1]
        rows = con.execute("SELECT source, line_hash, articles FROM source_lines WHERE batch BETWEEN ? AND ?",
                           bounds).fetch_arrow_table()
        index.add(rows.column(0), _int64(rows.column(1)), _int64(rows.column(2)), [], none)
        rows = con.execute("SELECT source, story FROM source_stories WHERE batch BETWEEN ? AND ?",
                           bounds).fetch_arrow_table()
        index.add([], none, none, rows.column(0), _int64(rows.column(1)))
    index.save(top)
    return index


def _int64(column: pa.ChunkedArray) -> np.ndarray:
    return column.to_numpy().astype(np.int64)


def _tails(con: duckdb.DuckDBPyConnection, covered: int) -> tuple[int, int, int, int, int | None]:
    """Rows of source_lines and source_stories in all, those past batch ``covered`` (read from the
    newest row groups only: the logs are appended in batch order), and the highest batch past it."""
    return con.execute(
        "SELECT (SELECT count(*) FROM source_lines), (SELECT count(*) FROM source_stories), "
        "(SELECT count(*) FROM source_lines WHERE batch > $1), (SELECT count(*) FROM source_stories WHERE batch > $1), "
        "greatest((SELECT max(batch) FROM source_lines WHERE batch > $1), "
        "(SELECT max(batch) FROM source_stories WHERE batch > $1))", [covered]).fetchone()


def add_line_counts(
    con: duckdb.DuckDBPyConnection, articles: list[Article], counts: LineCounts | None = None
) -> None:
    """Log the batch's counts (each article once per source and per distinct line) and the
    stories they count. Call once per batch, with the articles that were loaded; ``counts``,
    when given, are theirs (``count_lines(articles)``)."""
    counts = count_lines(articles) if counts is None else counts
    if not counts.articles:
        return
    batch = con.execute("SELECT nextval('line_batches')").fetchone()[0]
    stories = list(counts.stories)
    with registered(con, "counted_stories", source=pa.array(list(map(itemgetter(0), stories)), pa.string()),
                    story=pa.array(list(map(itemgetter(1), stories)), pa.int64())):
        con.execute("INSERT INTO source_stories (source, story, batch) SELECT source, story, ? FROM counted_stories",
                    [batch])
    with registered(
        con, "boilerplate_sources",
        source=pa.array(list(counts.articles), pa.string()),
        articles=pa.array(list(counts.articles.values()), pa.int64()),
    ):
        con.execute(
            "INSERT INTO source_articles SELECT source, articles FROM boilerplate_sources "
            "ON CONFLICT (source) DO UPDATE SET articles = source_articles.articles + excluded.articles"
        )
    keys = list(counts.lines)
    with registered(
        con, "boilerplate_lines",
        source=pa.array(list(map(itemgetter(0), keys)), pa.string()),
        line_hash=pa.array(list(map(itemgetter(1), keys)), pa.int64()),
        articles=pa.array(list(counts.lines.values()), pa.int64()),
    ):
        con.execute("INSERT INTO source_lines (source, line_hash, articles, batch) "
                    "SELECT source, line_hash, articles, ? FROM boilerplate_lines", [batch])

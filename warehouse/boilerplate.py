"""Stored line counts for learned site boilerplate (see ``newswash.cleaners.boilerplate``).

``add_line_counts`` appends a batch's counts to the logs ``source_lines`` and ``source_stories``
(and adds them to ``source_articles``) on the caller's connection, in no transaction of its own:
call it inside the batch's load transaction, so counts and articles are committed (or rolled
back) together. ``load_line_counts`` probes their sums kept beside the warehouse
(``<warehouse>-lines/``, ``warehouse/sidecar.py``: line counts keyed by source and line hash
together, summed as probed; the counted stories keyed alike), first caught up with the logs:
its cost is the batch's, whatever is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from operator import itemgetter

import duckdb
import numpy as np
import pyarrow as pa

from newswash.cleaners.boilerplate import LineCounts, count_lines
from newswash.records import Article
from newswash.dedup.sets import unique
from newswash.warehouse.sidecar import Sidecar, caught_up, int64s, keyed_values, pair_keys, text_keys
from newswash.warehouse.store import registered

CATCH_UP_BATCHES = 50  # batches of log rows read at a time while the sums catch up
PARTS = {"lines": np.uint32, "stories": np.uint8}  # the sums' parts: line counts, counted stories (a mark)
LOGS = {"lines": "source_lines", "stories": "source_stories"}


def load_line_counts(
    con: duckdb.DuckDBPyConnection, sources: Sequence[str | None], hashes: Sequence[Sequence[int]],
    stories: Iterable[tuple[str, int]] = (),
) -> LineCounts:
    """Stored counts of the lines ``hashes[i]`` of source ``sources[i]`` (a batch's articles: their
    own lines are all its decision needs) and of their sources' articles, and which of
    ``stories`` (``story_keys`` of a batch) were counted already. The pairs are told apart by
    their 64-bit keys (``pair_keys``), as the sums keep them."""
    lengths = np.fromiter(map(len, hashes), np.int64, len(hashes)) * np.array([bool(s) for s in sources], bool)
    owner = np.repeat(np.arange(len(sources)), lengths)  # the article of each line
    flat = np.fromiter(chain.from_iterable(h for h, n in zip(hashes, lengths.tolist()) if n), np.int64, int(lengths.sum()))
    keys, first = np.unique(keyed_values(text_keys([s or "" for s in sources])[owner], flat), return_index=True)
    asked = [pair for pair in dict.fromkeys(stories) if pair[0]]
    counts = LineCounts()
    wanted = sorted({sources[i] for i in np.flatnonzero(lengths).tolist()} | {s for s, _ in asked})
    if not wanted:
        return counts
    sums = caught_up(con, "lines", PARTS, LOGS, "batch", CATCH_UP_BATCHES, _read_logs)
    if asked:
        found, _ = sums.probe("stories", pair_keys([s for s, _ in asked], np.array([k for _, k in asked], np.int64)))
        counts.stories.update(asked[i] for i in unique(found))
    with registered(con, "wanted_sources", source=pa.array(wanted, pa.string())):
        counts.articles.update(dict(con.execute(
            "SELECT source, articles FROM source_articles WHERE source IN (SELECT source FROM wanted_sources)"
        ).fetchall()))
    if len(keys):
        found, n = sums.probe("lines", keys)
        total = np.bincount(found, weights=n, minlength=len(keys)).astype(np.int64)
        hit = np.flatnonzero(total)
        pairs = zip([sources[i] for i in owner[first[hit]].tolist()], flat[first[hit]].tolist())
        counts.lines.update(dict(zip(pairs, total[hit].tolist())))
    return counts


def _read_logs(con: duckdb.DuckDBPyConnection, sums: Sidecar, lo: int, hi: int) -> None:
    """The log rows of batches lo..hi into the sums."""
    rows = con.execute("SELECT source, line_hash, articles FROM source_lines WHERE batch BETWEEN ? AND ?",
                       [lo, hi]).fetch_arrow_table()
    sums.add("lines", pair_keys(rows.column(0), int64s(rows.column(1))), int64s(rows.column(2)))
    rows = con.execute("SELECT source, story FROM source_stories WHERE batch BETWEEN ? AND ?", [lo, hi]).fetch_arrow_table()
    sums.add("stories", pair_keys(rows.column(0), int64s(rows.column(1))), np.ones(rows.num_rows, np.uint8))


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

"""Loading one batch: articles, cleaning log, signatures, line counts and clusters, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from newswash.cleaners.boilerplate import LineCounts
from newswash.dedup import Assignment, DedupSettings, Fingerprints, assign, published_key
from newswash.records import Article, Failure
from newswash.warehouse.boilerplate import add_line_counts
from newswash.warehouse.dedup_store import WarehouseStore, caught_up_index, index_written, reindex
from newswash.warehouse.store import record_failures, registered, transaction


def cluster_batch(con: duckdb.DuckDBPyConnection, articles: list[Article], fingerprints: Fingerprints,
                  settings: DedupSettings) -> tuple[np.ndarray, Assignment]:
    """Ids for a batch's new articles and their clusters with everything stored (reads only)."""
    ids = np.array([row[0] for row in con.execute(
        "SELECT nextval('article_ids') FROM range(?)", [len(articles)]).fetchall()], dtype=np.int64)
    published = published_key([a.published_at for a in articles])
    return ids, assign(WarehouseStore(con, caught_up_index(con, settings)), ids, fingerprints, published, settings)


def write_batch(con: duckdb.DuckDBPyConnection, run_id: int, ids: np.ndarray, articles: list[Article],
                fingerprints: Fingerprints, clusters: Assignment, line_counts: LineCounts | None = None,
                failures: Sequence[Failure] = ()) -> None:
    """Insert a clustered batch (articles, cleaning log, signatures, line counts, clusters,
    provenance and the batch's failures) in one transaction: all or nothing, so a retry
    doubles nothing; then its sketches into the index beside the warehouse. ``line_counts``:
    the batch's boilerplate line counts when already computed, else ``count_lines(articles)``."""
    with transaction(con):
        if articles:
            _insert_articles(con, run_id, ids.tolist(), articles, fingerprints)
            add_line_counts(con, articles, line_counts)
            _apply(con, run_id, clusters)
        record_failures(con, run_id, failures)
    if articles:
        index_written(con, ids, fingerprints)


def load_batch(con: duckdb.DuckDBPyConnection, run_id: int, articles: list[Article], fingerprints: Fingerprints,
               settings: DedupSettings, line_counts: LineCounts | None = None) -> Assignment:
    """``cluster_batch`` then ``write_batch``: a batch deduplicated against the warehouse and stored."""
    if not articles:
        return Assignment.nothing(0)
    ids, clusters = cluster_batch(con, articles, fingerprints, settings)
    write_batch(con, run_id, ids, articles, fingerprints, clusters, line_counts)
    return clusters


def _article_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Fields of Article that the articles table stores (a migration adding a column is enough)."""
    stored = {row[0] for row in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'articles' AND database_name = current_database()"
    ).fetchall()}
    return [f.name for f in fields(Article) if f.name in stored]


def _insert_articles(
    con: duckdb.DuckDBPyConnection, run_id: int, ids: list[int], articles: list[Article], fps: Fingerprints
) -> None:
    n = len(articles)
    now = datetime.utcnow().replace(microsecond=0)
    columns = _article_columns(con)
    with registered(
        con, "article_rows",
        **{name: [getattr(a, name) for a in articles] for name in columns},
        id=ids, cluster_id=ids, is_canonical=[True] * n, run_id=[run_id] * n, ingested_at=[now] * n,
    ):
        con.execute("INSERT INTO articles BY NAME SELECT * FROM article_rows")

    insert_cleaning_log(con, run_id, ids, articles)

    _insert_signatures(con, ids, fps)


def _apply(con: duckdb.DuckDBPyConnection, run_id: int, clusters: Assignment) -> None:
    """Cluster ids, canonical flags and provenance of every member of the clusters a batch touched."""
    if not len(clusters.members):
        return
    with registered(con, "assigned", id=clusters.members, canonical=clusters.canonical):
        con.execute(
            "UPDATE articles SET cluster_id = m.canonical, is_canonical = (articles.id = m.canonical) "
            "FROM assigned m WHERE articles.id = m.id"
        )
        con.execute("DELETE FROM duplicates WHERE article_id IN (SELECT id FROM assigned)")
    with registered(
        con, "provenance", article_id=clusters.duplicate, canonical_id=clusters.duplicate_of,
        kind=clusters.kind.astype(str), similarity=clusters.similarity,
        run_id=np.full(len(clusters.duplicate), run_id, dtype=np.int64),
    ):
        con.execute("INSERT INTO duplicates BY NAME SELECT * FROM provenance")


def insert_cleaning_log(con: duckdb.DuckDBPyConnection, run_id: int, ids: list[int], articles: list[Article]) -> None:
    """One `cleaning_log` row for each Removal of each article (ids[i] is articles[i]'s id)."""
    log = [(i, r.rule, r.text) for i, a in zip(ids, articles) for r in a.removals]
    with registered(
        con, "log_rows",
        article_id=pa.array([x[0] for x in log], pa.int64()),
        rule=pa.array([x[1] for x in log], pa.string()),
        removed=pa.array([x[2] for x in log], pa.string()),
        run_id=pa.array([run_id] * len(log), pa.int64()),
    ):
        con.execute("INSERT INTO cleaning_log BY NAME SELECT * FROM log_rows")


def _insert_signatures(con: duckdb.DuckDBPyConnection, ids: list[int], fps: Fingerprints) -> None:
    """Signatures and band keys of `ids` (row i of `fps` belongs to ids[i])."""
    with registered(
        con, "signature_rows",
        article_id=ids,
        exact=fps.exact,
        size=np.asarray(fps.sizes, dtype=np.int32),
        signature=[row.tobytes() for row in np.ascontiguousarray(fps.signatures)],
    ):
        con.execute("INSERT INTO signatures BY NAME SELECT * FROM signature_rows")

    # A text with no shingles is never anyone's duplicate: it gets no band keys.
    comparable = np.asarray(fps.sizes) > 0
    keys = np.asarray(fps.band_keys, dtype=np.int64)[comparable]
    bands = keys.shape[1]
    with registered(
        con, "band_rows",
        band=np.tile(np.arange(bands, dtype=np.int16), len(keys)),
        key=keys.reshape(-1),
        article_id=np.repeat(np.asarray(ids, dtype=np.int64)[comparable], bands),
    ):
        con.execute("INSERT INTO band_keys BY NAME SELECT * FROM band_rows")


def refresh_signatures(con: duckdb.DuckDBPyConnection, ids: list[int], fingerprints: Fingerprints) -> None:
    """Replace the stored signatures and band keys of articles whose bodies changed (caller's transaction)."""
    with registered(con, "changed", article_id=np.asarray(ids, dtype=np.int64)):
        con.execute("DELETE FROM signatures WHERE article_id IN (SELECT article_id FROM changed)")
        con.execute("DELETE FROM band_keys WHERE article_id IN (SELECT article_id FROM changed)")
    _insert_signatures(con, ids, fingerprints)


def recluster_all(con: duckdb.DuckDBPyConnection, run_id: int, settings: DedupSettings,
                  batch_size: int = 50_000) -> Assignment:
    """Form every cluster again from the stored signatures, in one transaction: the stored
    articles in id order, a batch at a time, each against those before it (as they were loaded)."""
    total = Assignment.nothing(0)
    with transaction(con):
        con.execute("UPDATE articles SET cluster_id = id, is_canonical = true")
        con.execute("DELETE FROM duplicates")
        ids = np.array([row[0] for row in con.execute("SELECT id FROM articles ORDER BY id").fetchall()],
                       dtype=np.int64)
        index = caught_up_index(con, settings)
        for lo in range(0, len(ids), batch_size):
            part = ids[lo : lo + batch_size]
            store = WarehouseStore(con, index, below=int(part[0]))
            sketches = store.sketches(part)
            clusters = assign(store, part, sketches.fingerprints(settings), store.published(part), settings)
            _apply(con, run_id, clusters)
            total.new += clusters.new
            total.exact_duplicates += clusters.exact_duplicates
            total.near_duplicates += clusters.near_duplicates
    return total


REPROCESSED = ("title", "author", "authors", "tags", "paywalled", "canonical_url", "published_at", "updated_at",
               "language", "site_name", "attribution", "body")


def archived_articles(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str, str | None, str, int]]:
    """(id, url, source, final_url, warc_path, warc_offset) of every article whose response is
    archived (its latest 200), in id order."""
    return con.execute(
        """
        SELECT a.id, a.url, a.source, l.final_url, l.warc_path, l.warc_offset FROM articles a JOIN (
            SELECT url, arg_max(final_url, fetched_at) AS final_url, arg_max(warc_path, fetched_at) AS warc_path,
                   arg_max(warc_offset, fetched_at) AS warc_offset
            FROM fetch_log WHERE outcome = 'fetched' AND warc_path IS NOT NULL GROUP BY url
        ) l USING (url) ORDER BY a.id
        """
    ).fetchall()


def update_articles(con: duckdb.DuckDBPyConnection, run_id: int, ids: list[int], articles: list[Article],
                    fingerprints: Fingerprints | None, failures: Sequence[Failure] = ()) -> None:
    """Every re-extracted field, the cleaning log and the signatures of stored articles, and
    the batch's failures, in one transaction."""
    columns = [c for c in REPROCESSED if c in _article_columns(con)]

    def rewrite() -> None:
        with transaction(con):
            record_failures(con, run_id, failures)
            if not articles:
                return
            with registered(con, "reprocessed", id=ids, **{c: [getattr(a, c) for a in articles] for c in columns}):
                assignments = ", ".join(f"{c} = r.{c}" for c in columns)
                con.execute(f"UPDATE articles SET {assignments} FROM reprocessed r WHERE articles.id = r.id")
            con.execute("DELETE FROM cleaning_log WHERE article_id IN (SELECT unnest(?))", [ids])
            insert_cleaning_log(con, run_id, ids, articles)
            refresh_signatures(con, ids, fingerprints)

    if articles:
        reindex(con, np.asarray(ids, dtype=np.int64), fingerprints, rewrite)
    else:
        rewrite()

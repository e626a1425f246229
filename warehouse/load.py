"""Loading one batch: articles, cleaning log, signatures, line counts and clusters, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import fields
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from newswash.cleaners.boilerplate import LineCounts
from newswash.dedup import (
    Assignment, DedupSettings, Fingerprints, MemoryStore, assign, band_keys, joined, published_key, reassign, settle,
)
from newswash.dedup.sets import unique
from newswash.records import Article, Failure
from newswash.word_diff import changed_words, words
from newswash.warehouse.boilerplate import add_line_counts
from newswash.warehouse.dedup_store import (
    WarehouseStore, caught_up_index, index_as_it_stands, index_written, reindex, sketches_of,
)
from newswash.warehouse.store import record_failures, registered, transaction

PENDING_CHUNK = 100_000  # pending articles read at a time (their band keys, their stored candidates)


def cluster_batch(con: duckdb.DuckDBPyConnection, articles: list[Article], fingerprints: Fingerprints,
                  settings: DedupSettings, alone: bool = False) -> tuple[np.ndarray, Assignment]:
    """Ids for a batch's articles (new ones get theirs, a revision keeps its article's:
    ``revises``) and the new articles' clusters with everything stored, or (``alone``: a
    backfill's batch) among themselves only (reads only; a revision's cluster is formed again
    as it is written)."""
    new = _new_rows(articles)
    ids = np.array([a.revises or 0 for a in articles], dtype=np.int64)
    ids[new] = [row[0] for row in con.execute("SELECT nextval('article_ids') FROM range(?)", [len(new)]).fetchall()]
    if not len(new):
        return ids, Assignment.nothing(0)
    published = published_key([articles[i].published_at for i in new])
    index = caught_up_index(con, settings)  # kept up alone too: the batch goes into it once committed
    store = MemoryStore(settings) if alone else WarehouseStore(con, index)
    return ids, assign(store, ids[new], fingerprints.take(new), published, settings)


def write_batch(con: duckdb.DuckDBPyConnection, run_id: int, ids: np.ndarray, articles: list[Article],
                fingerprints: Fingerprints, clusters: Assignment, settings: DedupSettings,
                line_counts: LineCounts | None = None, failures: Sequence[Failure] = (), pending: bool = False) -> None:
    """Insert a clustered batch (articles with their version 1, cleaning log, signatures, line
    counts, clusters, provenance), store its revisions (``revise``) and record its failures, in
    one transaction: all or nothing, so a retry doubles nothing. ``line_counts``: the batch's
    boilerplate line counts when already computed, else ``count_lines(articles)``. ``pending``:
    a backfill's batch, clustered within itself, listed in ``pending_clusters``."""
    new = _new_rows(articles)
    revised = np.setdiff1d(np.arange(len(articles)), new)

    def insert() -> None:
        with transaction(con):
            if len(new):
                fresh, new_ids = [articles[i] for i in new], ids[new].tolist()
                _insert_articles(con, run_id, new_ids, fresh, fingerprints.take(new))
                _insert_versions(con, run_id, new_ids, fresh, [1] * len(new), [None] * len(new))
                add_line_counts(con, fresh, line_counts)
                _apply(con, run_id, clusters)
                if pending:
                    con.execute("INSERT INTO pending_clusters SELECT unnest(?::BIGINT[]), ?", [new_ids, min(new_ids)])
            if len(revised):
                revise(con, run_id, ids[revised].tolist(), [articles[i] for i in revised],
                       fingerprints.take(revised), settings)
            record_failures(con, run_id, failures)

    if len(revised):
        reindex(con, ids[revised], fingerprints.take(revised), insert)
    else:
        insert()
    if len(new):
        index_written(con, ids[new], fingerprints.take(new))

def _new_rows(articles: list[Article]) -> np.ndarray:
    """Rows of the articles that are new (not revisions of stored ones)."""
    return np.flatnonzero(np.array([a.revises is None for a in articles], dtype=bool))


def load_batch(con: duckdb.DuckDBPyConnection, run_id: int, articles: list[Article], fingerprints: Fingerprints,
               settings: DedupSettings, line_counts: LineCounts | None = None) -> Assignment:
    """``cluster_batch`` then ``write_batch``: a batch deduplicated against the warehouse and stored."""
    if not articles:
        return Assignment.nothing(0)
    ids, clusters = cluster_batch(con, articles, fingerprints, settings)
    write_batch(con, run_id, ids, articles, fingerprints, clusters, settings, line_counts)
    return clusters


def _article_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Fields of Article that the articles table stores (a migration adding a column is enough)."""
    stored = set(con.execute("SELECT * FROM articles LIMIT 0").fetch_arrow_table().column_names)  # duckdb_columns(): 5x
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
    """Signatures of `ids` (row i of `fps` belongs to ids[i])."""
    with registered(
        con, "signature_rows",
        article_id=ids,
        exact=fps.exact,
        size=np.asarray(fps.sizes, dtype=np.int32),
        signature=[row.tobytes() for row in np.ascontiguousarray(fps.signatures)],
    ):
        con.execute("INSERT INTO signatures BY NAME SELECT * FROM signature_rows")



def refresh_signatures(con: duckdb.DuckDBPyConnection, ids: list[int], fingerprints: Fingerprints) -> None:
    """Replace the stored signatures of articles whose bodies changed (caller's transaction)."""
    with registered(con, "changed", article_id=np.asarray(ids, dtype=np.int64)):
        con.execute("DELETE FROM signatures WHERE article_id IN (SELECT article_id FROM changed)")
    _insert_signatures(con, ids, fingerprints)


def recluster_all(con: duckdb.DuckDBPyConnection, run_id: int, settings: DedupSettings,
                  batch_size: int = 50_000) -> Assignment:
    """Form every cluster again from the stored signatures, in one transaction: the stored
    articles in id order, a batch at a time, each against those before it (as they were loaded)."""
    total = Assignment.nothing(0)
    with transaction(con):
        con.execute("UPDATE articles SET cluster_id = id, is_canonical = true")
        con.execute("DELETE FROM duplicates")
        con.execute("DELETE FROM pending_clusters")
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


def pending_count(con: duckdb.DuckDBPyConnection) -> int:
    """Articles of a backfill still waiting for their clusters across batches."""
    return con.execute("SELECT count(*) FROM pending_clusters").fetchone()[0]


def pending_keys(con: duckdb.DuckDBPyConnection, settings: DedupSettings,
                 rows: int = PENDING_CHUNK) -> Iterator[pa.Table]:
    """The band keys of the pending articles (derived from their stored signatures; none for a
    text without shingles) as tables (key, id, batch), ``rows`` articles at a time."""
    lo, hi = con.execute("SELECT min(article_id), max(article_id) FROM pending_clusters").fetchone()
    for start in range(lo or 0, (hi or -1) + 1, rows):
        table = con.execute(
            "SELECT s.article_id, s.exact, s.size, s.signature, p.batch FROM signatures s "
            "JOIN pending_clusters p USING (article_id) WHERE article_id BETWEEN ? AND ? AND s.size > 0 "
            "ORDER BY article_id", [start, start + rows - 1]).fetch_arrow_table()
        keys = band_keys(sketches_of(table).signatures, settings.bands, settings.rows)
        yield pa.table({"key": keys.reshape(-1),
                        "id": np.repeat(table.column("article_id").to_numpy(), keys.shape[1]),
                        "batch": np.repeat(table.column("batch").to_numpy(), keys.shape[1])})


def cluster_pending(con: duckdb.DuckDBPyConnection, run_id: int, settings: DedupSettings,
                    across: tuple[np.ndarray, np.ndarray]) -> Assignment:
    """The pending articles clustered across their batches (``across``: candidate pairs of
    pending articles from different batches, ``dedup.bulk``) and with the articles stored
    before them (the index's candidates), as ``assign`` would have batch after batch: the
    same edges, components and canonical rule; written in one transaction that empties
    ``pending_clusters`` (killed, it leaves them all pending for the next backfill)."""
    ids = np.array([row[0] for row in con.execute("SELECT article_id FROM pending_clusters ORDER BY 1").fetchall()],
                   dtype=np.int64)
    if not len(ids):
        return Assignment.nothing(0)
    store = WarehouseStore(con, caught_up_index(con, settings), below=int(ids[0]))
    a, b = [across[0]], [across[1]]
    if con.execute("SELECT count(*) FROM articles WHERE id < ?", [int(ids[0])]).fetchone()[0]:
        for lo in range(0, len(ids), PENDING_CHUNK):
            part = ids[lo : lo + PENDING_CHUNK]
            fp = store.sketches(part).fingerprints(settings)
            comparable = np.flatnonzero(np.asarray(fp.sizes) > 0)
            rows, stored = store.stored_candidates(fp.band_keys[comparable],
                                                   np.array(fp.exact, dtype="S32")[comparable])
            a.append(part[comparable[rows]])
            b.append(stored)
    a, b = np.concatenate(a), np.concatenate(b)
    sketches = store.sketches(unique(np.concatenate([a, b])))
    edges_a, edges_b = joined(store, sketches, a, b, settings)
    members, clusters = store.cluster_members(ids)  # the clusters each batch formed within itself
    result = settle(store, ids, store.published(ids), sketches, np.concatenate([edges_a, members]),
                    np.concatenate([edges_b, clusters]), settings)
    with transaction(con):
        _apply(con, run_id, result)
        con.execute("DELETE FROM pending_clusters")
    return result


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
    def rewrite() -> None:
        with transaction(con):
            record_failures(con, run_id, failures)
            if articles:
                _update_rows(con, run_id, ids, articles, fingerprints)

    if articles:
        reindex(con, np.asarray(ids, dtype=np.int64), fingerprints, rewrite)
    else:
        rewrite()


def _update_rows(con: duckdb.DuckDBPyConnection, run_id: int, ids: list[int], articles: list[Article],
                 fingerprints: Fingerprints) -> None:
    """Stored articles' fields, cleaning log and signatures from their new extraction (caller's
    transaction); the versions that stored no body of their own keep the one replaced."""
    columns = [c for c in REPROCESSED if c in _article_columns(con)]
    with registered(con, "reprocessed", id=ids, **{c: [getattr(a, c) for a in articles] for c in columns}):
        con.execute("UPDATE version_log SET body = a.body FROM articles a JOIN reprocessed r USING (id) "
                    "WHERE a.id = version_log.article_id AND version_log.body IS NULL")
        assignments = ", ".join(f"{c} = r.{c}" for c in columns)
        con.execute(f"UPDATE articles SET {assignments} FROM reprocessed r WHERE articles.id = r.id")
    con.execute("DELETE FROM cleaning_log WHERE article_id IN (SELECT unnest(?))", [ids])
    insert_cleaning_log(con, run_id, ids, articles)
    refresh_signatures(con, ids, fingerprints)


def revise(con: duckdb.DuckDBPyConnection, run_id: int, ids: list[int], articles: list[Article],
           fingerprints: Fingerprints, settings: DedupSettings) -> None:
    """New versions of stored articles whose title or body changed (caller's transaction): a
    row each in version_log (with the words added and removed since the latest), the
    article updated in place as ``update_articles`` does, and its cluster formed again."""
    with registered(con, "revised_ids", id=pa.array(ids, pa.int64())):
        latest = {row[0]: row[1:] for row in con.execute(
            "SELECT a.id, a.title, a.body, coalesce(max(v.version), 1) FROM articles a JOIN revised_ids USING (id) "
            "LEFT JOIN version_log v ON v.article_id = a.id GROUP BY ALL").fetchall()}
    versions = [latest[i][2] + 1 for i in ids]
    changes = [changed_words(words(*latest[i][:2]), words(a.title, a.body)) for i, a in zip(ids, articles)]
    _update_rows(con, run_id, ids, articles, fingerprints)
    _insert_versions(con, run_id, ids, articles, versions, changes)  # its body: the article's, now updated
    recluster_members(con, run_id, ids, fingerprints, settings)


def _insert_versions(con: duckdb.DuckDBPyConnection, run_id: int, ids: list[int], articles: list[Article],
                     versions: list[int], changes: list[tuple[int, int] | None]) -> None:
    """One version_log row per article: ``versions[i]`` of article ``ids[i]``, with its
    (words added, words removed) or None (version 1) and no body (``articles[i]``'s is the
    article's); fetch time and WARC record from the article's latest 200 in fetch_log (the time
    of loading for articles read from files)."""
    now = datetime.utcnow().replace(microsecond=0)
    with registered(
        con, "version_rows", article_id=pa.array(ids, pa.int64()), version=pa.array(versions, pa.int32()),
        title=pa.array([a.title for a in articles], pa.string()),
        words_added=pa.array([c and c[0] for c in changes], pa.int32()),
        words_removed=pa.array([c and c[1] for c in changes], pa.int32()),
        url=pa.array([a.url for a in articles], pa.string()), run_id=pa.array([run_id] * len(ids), pa.int64()),
    ):
        con.execute(
            """
            INSERT INTO version_log BY NAME
            SELECT r.* EXCLUDE (url), coalesce(f.fetched_at, ?) AS fetched_at, f.warc_path, f.warc_offset
            FROM version_rows r LEFT JOIN (
                SELECT url, max(fetched_at) AS fetched_at, arg_max(warc_path, fetched_at) AS warc_path,
                       arg_max(warc_offset, fetched_at) AS warc_offset
                FROM fetch_log WHERE outcome = 'fetched' AND url IN (SELECT url FROM version_rows) GROUP BY url
            ) f USING (url)
            """,
            [now],
        )


def recluster_members(con: duckdb.DuckDBPyConnection, run_id: int, ids: list[int], fingerprints: Fingerprints,
                      settings: DedupSettings) -> None:
    """Form the clusters of ``ids`` (articles whose text moved) again (caller's transaction):
    every member of their clusters stands alone again, then they are clustered as one batch
    with everything else stored (``dedup.reassign``), so a cluster the old text held together
    may split and the new text may join another. ``fingerprints``: row i is ``ids[i]``'s new
    one (the index beside the warehouse holds the old ones, and not the batch's new articles,
    until the commit: a revision is compared with what was stored before its batch)."""
    with registered(con, "moved", id=pa.array(ids, pa.int64())):
        members = np.array([row[0] for row in con.execute(
            "SELECT id FROM articles WHERE cluster_id IN (SELECT cluster_id FROM articles JOIN moved USING (id)) "
            "ORDER BY id").fetchall()], dtype=np.int64)
    with registered(con, "regrouped", id=members):
        con.execute("UPDATE articles SET cluster_id = id, is_canonical = true WHERE id IN (SELECT id FROM regrouped)")
        con.execute("DELETE FROM duplicates WHERE article_id IN (SELECT id FROM regrouped)")
    store = WarehouseStore(con, index_as_it_stands(con, settings))
    moved = store.sketches(members).fingerprints(settings)
    moved.put(np.searchsorted(members, ids), fingerprints)
    _apply(con, run_id, reassign(store, members, moved, store.published(members), settings))

"""Loading one batch: articles, cleaning log, signatures, and cluster assignment, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newswash.cleaners.boilerplate import LineCounts
from newswash.dedup import SIGNATURE_DTYPE, DedupSettings, Fingerprints, verify_rows
from newswash.records import Article
from newswash.warehouse.boilerplate import add_line_counts
from newswash.warehouse.store import registered, transaction


@dataclass
class BatchCounts:
    new: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0


def load_batch(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    articles: list[Article],
    fingerprints: Fingerprints,
    settings: DedupSettings,
    line_counts: LineCounts | None = None,
) -> BatchCounts:
    """Insert new articles and re-cluster every cluster they touch; all or nothing.
    ``line_counts``: the batch's boilerplate line counts when already computed
    (``remove_site_boilerplate`` returns them), else ``count_lines(articles)``."""
    if not articles:
        return BatchCounts()
    with transaction(con):
        ids = _insert_articles(con, run_id, articles, fingerprints)
        add_line_counts(con, articles, line_counts)
        return _cluster(con, run_id, ids, settings)


def _article_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Fields of Article that the articles table stores (a migration adding a column is enough)."""
    stored = {row[0] for row in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'articles' AND database_name = current_database()"
    ).fetchall()}
    return [f.name for f in fields(Article) if f.name in stored]


def _insert_articles(
    con: duckdb.DuckDBPyConnection, run_id: int, articles: list[Article], fps: Fingerprints
) -> list[int]:
    n = len(articles)
    ids = [row[0] for row in con.execute("SELECT nextval('article_ids') FROM range(?)", [n]).fetchall()]
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
    return ids


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


def _candidate_pairs(con: duckdb.DuckDBPyConnection, first_new: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (new, older) sharing a band key or an exact hash; ids grow, so each pair comes once.
    Keys have their band number mixed in (``dedup.lsh.band_keys``): the key alone joins.

    The batch's keys are the small side of each join (the stored ones are probed against
    them); a pair sharing several bands comes several times from SQL and is made unique
    here, with one numpy sort of (a, b) packed in an int64, instead of a DISTINCT over
    the whole multiset."""
    table = con.execute(
        """
        SELECT n.article_id AS a, o.article_id AS b
        FROM band_keys o
        JOIN (SELECT key, article_id FROM band_keys WHERE article_id >= $first) n
          ON o.key = n.key AND o.article_id < n.article_id
        UNION ALL
        SELECT n.article_id, o.article_id
        FROM signatures o
        JOIN (SELECT article_id, exact FROM signatures WHERE article_id >= $first AND size > 0) n
          ON o.exact = n.exact AND o.article_id < n.article_id
        """,
        {"first": first_new},
    ).fetch_arrow_table()
    a = table.column("a").to_numpy().astype(np.int64)
    b = table.column("b").to_numpy().astype(np.int64)
    if len(a) == 0:
        return a, b
    assert a.max() < 2**31 and b.min() >= 0, "article ids beyond 2**31"
    packed = _distinct((a << 32) | b)
    return packed >> 32, packed & 0xFFFFFFFF


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique hashes, several times slower on millions of int64)."""
    values = np.sort(values)
    return values[np.append(True, values[1:] != values[:-1])] if len(values) else values


class _Sketches:
    """Stored exact hashes, sizes and signatures of a set of article ids (rows in id order)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, ids: np.ndarray) -> None:
        with registered(con, "wanted", article_id=_distinct(np.asarray(ids, dtype=np.int64))):
            table = con.execute(
                "SELECT article_id, exact, size, signature FROM signatures JOIN wanted USING (article_id) "
                "ORDER BY article_id"
            ).fetch_arrow_table()
        self.ids = table.column("article_id").to_numpy().astype(np.int64)
        self.exact = table.column("exact").combine_chunks()
        self.sizes = table.column("size").to_numpy().astype(np.int64)
        blobs = table.column("signature").combine_chunks()
        if isinstance(blobs, pa.ChunkedArray):  # no chunks at all
            blobs = pa.array([], pa.binary())
        offsets = np.frombuffer(blobs.buffers()[1], dtype=np.int32)[blobs.offset : blobs.offset + len(blobs) + 1]
        data = np.frombuffer(blobs.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]] if len(blobs) else \
            np.zeros(0, dtype=np.uint8)
        self.signatures = data.view(SIGNATURE_DTYPE).reshape(len(self.ids), -1)

    def with_ids(self, con: duckdb.DuckDBPyConnection, ids: np.ndarray) -> _Sketches:
        """These sketches plus those of `ids` not among them (fetched; rows kept in id order)."""
        missing = np.setdiff1d(np.asarray(ids, dtype=np.int64), self.ids)
        if not len(missing):
            return self
        other = _Sketches(con, missing)
        order = np.argsort(np.concatenate([self.ids, other.ids]), kind="stable")
        merged = object.__new__(_Sketches)
        merged.ids = np.concatenate([self.ids, other.ids])[order]
        merged.exact = pa.concat_arrays([self.exact, other.exact]).take(pa.array(order))
        merged.sizes = np.concatenate([self.sizes, other.sizes])[order]
        merged.signatures = np.concatenate([self.signatures, other.signatures])[order]
        return merged

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Row of each id (every id must be present)."""
        rows = np.searchsorted(self.ids, ids)
        if len(ids) and (rows.max() >= len(self.ids) or np.any(self.ids[rows] != ids)):
            raise KeyError("article ids without a stored signature")
        return rows

    def compare(self, a: np.ndarray, b: np.ndarray, settings: DedupSettings) -> tuple[np.ndarray, np.ndarray]:
        """Kind and similarity of each pair (a[i], b[i]): `exact` on equal hashes, else MinHash's verdict."""
        ra, rb = self.rows(a), self.rows(b)
        kinds, sims = verify_rows(self.signatures, self.sizes, ra, rb, settings)
        exact = pc.equal(self.exact.take(pa.array(ra)), self.exact.take(pa.array(rb)))
        exact = exact.to_numpy(zero_copy_only=False).astype(bool)
        kinds[exact] = "exact"
        return kinds, np.where(exact, 1.0, sims)


def _components(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the graph with edges (a[i], b[i]): (nodes, label of each),
    nodes sorted, a label being the smallest node of its component. Vectorised: each pass
    hooks every edge's larger label onto its smaller one, then jumps pointers to the roots."""
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    x, y = inverse[: len(a)], inverse[len(a) :]
    parent = np.arange(len(nodes))
    while True:
        px, py = parent[x], parent[y]
        differ = px != py
        if not differ.any():
            break
        lo, hi = np.minimum(px, py)[differ], np.maximum(px, py)[differ]
        np.minimum.at(parent, hi, lo)  # roots point at a smaller root: no cycles
        while True:  # pointer jumping to the roots
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return nodes, nodes[parent]


def _cluster(con: duckdb.DuckDBPyConnection, run_id: int, ids: list[int], settings: DedupSettings) -> BatchCounts:
    """Join new articles to the clusters they match; re-choose canonicals; rewrite provenance."""
    counts = BatchCounts(new=len(ids))
    a, b = _candidate_pairs(con, ids[0])
    if len(a) == 0:
        return counts
    sketches = _Sketches(con, np.concatenate([a, b]))
    kinds, _ = sketches.compare(a, b, settings)
    matched = kinds != None  # noqa: E711 (element-wise)
    if not matched.any():
        return counts
    a, b = a[matched], b[matched]

    # Older articles bring their whole cluster: each member is joined to its canonical (= cluster_id).
    with registered(con, "matched_old", id=_distinct(b)):
        members = con.execute(
            "SELECT id, cluster_id FROM articles WHERE cluster_id IN "
            "(SELECT cluster_id FROM articles JOIN matched_old USING (id)) AND id <> cluster_id"
        ).fetch_arrow_table()
    nodes, labels = _components(
        np.concatenate([a, members.column("id").to_numpy().astype(np.int64)]),
        np.concatenate([b, members.column("cluster_id").to_numpy().astype(np.int64)]),
    )

    # Canonical of each component: earliest published_at (unknown last), then earliest
    # ingested (the id). Ids are unique, so the rule's later keys (longest body, url) never decide.
    with registered(con, "affected", id=nodes, component=labels):
        order = con.execute(
            "SELECT id, component FROM articles JOIN affected USING (id) "
            "ORDER BY component, published_at ASC NULLS LAST, id"
        ).fetch_arrow_table()
    ordered = order.column("id").to_numpy().astype(np.int64)
    component = order.column("component").to_numpy().astype(np.int64)
    first = np.flatnonzero(np.r_[True, component[1:] != component[:-1]])
    member_ids = ordered
    canonical_ids = np.repeat(ordered[first], np.diff(np.r_[first, len(ordered)]))

    with registered(con, "assigned", id=member_ids, canonical=canonical_ids):
        con.execute(
            "UPDATE articles SET cluster_id = m.canonical, is_canonical = (articles.id = m.canonical) "
            "FROM assigned m WHERE articles.id = m.id"
        )
        con.execute("DELETE FROM duplicates WHERE article_id IN (SELECT id FROM assigned)")

    copies = member_ids != canonical_ids
    dup, canon = member_ids[copies], canonical_ids[copies]
    kinds, sims = sketches.with_ids(con, nodes).compare(dup, canon, settings)
    kinds[kinds == None] = "near"  # noqa: E711 joined through other members, not directly similar
    with registered(
        con, "provenance", article_id=dup, canonical_id=canon, kind=kinds.astype(str), similarity=sims,
        run_id=np.full(len(dup), run_id, dtype=np.int64),
    ):
        con.execute("INSERT INTO duplicates BY NAME SELECT * FROM provenance")
    new = np.isin(dup, np.asarray(ids, dtype=np.int64))
    counts.exact_duplicates = int(np.sum(new & (kinds == "exact")))
    counts.near_duplicates = int(np.sum(new & (kinds != "exact")))
    return counts


def refresh_signatures(con: duckdb.DuckDBPyConnection, ids: list[int], fingerprints: Fingerprints) -> None:
    """Replace the stored signatures and band keys of articles whose bodies changed (caller's transaction)."""
    with registered(con, "changed", article_id=np.asarray(ids, dtype=np.int64)):
        con.execute("DELETE FROM signatures WHERE article_id IN (SELECT article_id FROM changed)")
        con.execute("DELETE FROM band_keys WHERE article_id IN (SELECT article_id FROM changed)")
    _insert_signatures(con, ids, fingerprints)


def recluster_all(con: duckdb.DuckDBPyConnection, run_id: int, settings: DedupSettings) -> BatchCounts:
    """Form every cluster again from the stored signatures, in one transaction."""
    with transaction(con):
        con.execute("UPDATE articles SET cluster_id = id, is_canonical = true")
        con.execute("DELETE FROM duplicates")
        ids = [row[0] for row in con.execute("SELECT id FROM articles ORDER BY id").fetchall()]
        return _cluster(con, run_id, ids, settings) if ids else BatchCounts()

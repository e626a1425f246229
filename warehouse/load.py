"""Loading one batch: articles, cleaning log, signatures, and cluster assignment, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from newswash.dedup import SIGNATURE_DTYPE, DedupSettings, Fingerprints, Member, UnionFind, choose_canonical, verify_pairs
from newswash.records import Article
from newswash.warehouse.boilerplate import add_line_counts


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
) -> BatchCounts:
    """Insert new articles and re-cluster every cluster they touch; all or nothing."""
    if not articles:
        return BatchCounts()
    con.execute("BEGIN")
    try:
        ids = _insert_articles(con, run_id, articles, fingerprints)
        add_line_counts(con, articles)
        counts = _cluster(con, run_id, ids, settings)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts


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
    with _registered(
        con, "article_rows",
        **{name: [getattr(a, name) for a in articles] for name in columns},
        id=ids, cluster_id=ids, is_canonical=[True] * n, run_id=[run_id] * n, ingested_at=[now] * n,
    ):
        con.execute("INSERT INTO articles BY NAME SELECT * FROM article_rows")

    log = [(i, r.rule, r.text) for i, a in zip(ids, articles) for r in a.removals]
    with _registered(
        con, "log_rows",
        article_id=pa.array([x[0] for x in log], pa.int64()),
        rule=pa.array([x[1] for x in log], pa.string()),
        removed=pa.array([x[2] for x in log], pa.string()),
        run_id=pa.array([run_id] * len(log), pa.int64()),
    ):
        con.execute("INSERT INTO cleaning_log BY NAME SELECT * FROM log_rows")

    _insert_signatures(con, ids, fps)
    return ids


def _insert_signatures(con: duckdb.DuckDBPyConnection, ids: list[int], fps: Fingerprints) -> None:
    """Signatures and band keys of `ids` (row i of `fps` belongs to ids[i])."""
    with _registered(
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
    with _registered(
        con, "band_rows",
        band=np.tile(np.arange(bands, dtype=np.int16), len(keys)),
        key=keys.reshape(-1),
        article_id=np.repeat(np.asarray(ids, dtype=np.int64)[comparable], bands),
    ):
        con.execute("INSERT INTO band_keys BY NAME SELECT * FROM band_rows")


def _candidate_pairs(con: duckdb.DuckDBPyConnection, first_new: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (new, older) sharing a band key or an exact hash; ids grow, so each pair comes once."""
    table = con.execute(
        """
        SELECT DISTINCT n.article_id AS a, o.article_id AS b
        FROM (SELECT * FROM band_keys WHERE article_id >= $first) n
        JOIN band_keys o ON n.band = o.band AND n.key = o.key AND o.article_id < n.article_id
        UNION
        SELECT n.article_id, o.article_id
        FROM (SELECT * FROM signatures WHERE article_id >= $first AND size > 0) n
        JOIN signatures o ON n.exact = o.exact AND o.article_id < n.article_id
        """,
        {"first": first_new},
    ).fetch_arrow_table()
    return table.column("a").to_numpy(), table.column("b").to_numpy()


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, **columns: object) -> Iterator[None]:
    """Columns visible to SQL as table `name` for the duration (no per-value conversion)."""
    con.register(name, pa.table(columns))
    try:
        yield
    finally:
        con.unregister(name)


class _Sketches:
    """Stored exact hashes, sizes and signatures of a set of article ids."""

    def __init__(self, con: duckdb.DuckDBPyConnection, ids: np.ndarray) -> None:
        with _registered(con, "wanted", article_id=np.unique(ids)):
            table = con.execute(
                "SELECT article_id, exact, size, signature FROM signatures JOIN wanted USING (article_id)"
            ).fetch_arrow_table()
        ids = table.column("article_id").to_numpy()
        self.row_of = dict(zip(ids.tolist(), range(len(ids))))
        self.exact = np.asarray(table.column("exact").to_pylist(), dtype=object)
        self.sizes = table.column("size").to_numpy().astype(np.int64)
        blobs = table.column("signature").combine_chunks()
        offsets = np.frombuffer(blobs.buffers()[1], dtype=np.int32)[blobs.offset : blobs.offset + len(blobs) + 1]
        data = np.frombuffer(blobs.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        self.signatures = data.view(SIGNATURE_DTYPE).reshape(len(ids), -1)

    def compare(self, a: np.ndarray, b: np.ndarray, settings: DedupSettings) -> tuple[np.ndarray, np.ndarray]:
        """Kind and similarity of each pair (a[i], b[i]): `exact` on equal hashes, else MinHash's verdict."""
        ra = np.array([self.row_of[x] for x in a.tolist()], dtype=np.int64)
        rb = np.array([self.row_of[x] for x in b.tolist()], dtype=np.int64)
        kinds, sims = verify_pairs(self.signatures[ra], self.sizes[ra], self.signatures[rb], self.sizes[rb], settings)
        exact = self.exact[ra] == self.exact[rb]
        kinds[exact] = "exact"
        return kinds, np.where(exact, 1.0, sims)


def _cluster(con: duckdb.DuckDBPyConnection, run_id: int, ids: list[int], settings: DedupSettings) -> BatchCounts:
    """Join new articles to the clusters they match; re-choose canonicals; rewrite provenance."""
    counts = BatchCounts(new=len(ids))
    a, b = _candidate_pairs(con, ids[0])
    if len(a) == 0:
        return counts
    kinds, _ = _Sketches(con, np.concatenate([a, b])).compare(a, b, settings)
    matched = kinds != None  # noqa: E711 (element-wise)
    edges = list(zip(a[matched].tolist(), b[matched].tolist()))
    if not edges:
        return counts

    # Older articles bring their whole cluster: each member is joined to its canonical (= cluster_id).
    with _registered(con, "matched_old", id=np.unique(b[matched])):
        members = con.execute(
            "SELECT id, cluster_id FROM articles WHERE cluster_id IN "
            "(SELECT cluster_id FROM articles JOIN matched_old USING (id))"
        ).fetchall()
    union = UnionFind()
    for x, y in [*edges, *members]:
        union.union(x, y)
    affected = [sorted(group) for group in union.groups() if len(group) > 1]

    flat = np.array([x for group in affected for x in group], dtype=np.int64)
    with _registered(con, "affected", id=flat):
        info = {
            row[0]: Member(*row)
            for row in con.execute(
                # the article id is the ingest order
                "SELECT id, published_at, id, length(body), url FROM articles JOIN affected USING (id)"
            ).fetchall()
        }
    canonical_of = {x: choose_canonical([info[m] for m in group]) for group in affected for x in group}
    member_ids = np.fromiter(canonical_of, dtype=np.int64, count=len(canonical_of))
    canonical_ids = np.fromiter(canonical_of.values(), dtype=np.int64, count=len(canonical_of))
    with _registered(con, "assigned", id=member_ids, canonical=canonical_ids):
        con.execute(
            "UPDATE articles SET cluster_id = m.canonical, is_canonical = (articles.id = m.canonical) "
            "FROM assigned m WHERE articles.id = m.id"
        )
        con.execute("DELETE FROM duplicates WHERE article_id IN (SELECT id FROM assigned)")

    copies = member_ids != canonical_ids
    dup, canon = member_ids[copies], canonical_ids[copies]
    kinds, sims = _Sketches(con, flat).compare(dup, canon, settings)
    kinds[kinds == None] = "near"  # noqa: E711 joined through other members, not directly similar
    with _registered(
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
    with _registered(con, "changed", article_id=np.asarray(ids, dtype=np.int64)):
        con.execute("DELETE FROM signatures WHERE article_id IN (SELECT article_id FROM changed)")
        con.execute("DELETE FROM band_keys WHERE article_id IN (SELECT article_id FROM changed)")
    _insert_signatures(con, ids, fingerprints)


def recluster_all(con: duckdb.DuckDBPyConnection, run_id: int, settings: DedupSettings) -> BatchCounts:
    """Form every cluster again from the stored signatures, in one transaction."""
    con.execute("BEGIN")
    try:
        con.execute("UPDATE articles SET cluster_id = id, is_canonical = true")
        con.execute("DELETE FROM duplicates")
        ids = [row[0] for row in con.execute("SELECT id FROM articles ORDER BY id").fetchall()]
        counts = _cluster(con, run_id, ids, settings) if ids else BatchCounts()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts

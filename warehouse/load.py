"""Loading one batch: articles, cleaning log, signatures, and cluster assignment, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from newswash.dedup import DedupSettings, Fingerprints, Member, UnionFind, choose_canonical, verify_pairs
from newswash.records import Article


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
        counts = _cluster(con, run_id, ids, fingerprints.signatures.dtype, settings)
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
    article_rows = pa.table(
        {
            **{name: [getattr(a, name) for a in articles] for name in columns},
            "id": ids,
            "cluster_id": ids,
            "is_canonical": [True] * n,
            "run_id": [run_id] * n,
            "ingested_at": [now] * n,
        }
    )
    con.register("article_rows", article_rows)
    con.execute("INSERT INTO articles BY NAME SELECT * FROM article_rows")
    con.unregister("article_rows")

    log = [(i, r.rule, r.text) for i, a in zip(ids, articles) for r in a.removals]
    log_rows = pa.table(
        {"article_id": [x[0] for x in log], "rule": [x[1] for x in log], "removed": [x[2] for x in log]},
        schema=pa.schema([("article_id", pa.int64()), ("rule", pa.string()), ("removed", pa.string())]),
    )
    con.register("log_rows", log_rows)
    con.execute("INSERT INTO cleaning_log SELECT article_id, rule, removed, ? FROM log_rows", [run_id])
    con.unregister("log_rows")

    signature_rows = pa.table(
        {
            "article_id": ids,
            "exact": fps.exact,
            "size": np.asarray(fps.sizes, dtype=np.int32),
            "signature": [row.tobytes() for row in np.ascontiguousarray(fps.signatures)],
        }
    )
    con.register("signature_rows", signature_rows)
    con.execute("INSERT INTO signatures BY NAME SELECT * FROM signature_rows")
    con.unregister("signature_rows")

    keys = np.asarray(fps.band_keys, dtype=np.int64)
    bands = keys.shape[1]
    band_rows = pa.table(
        {
            "band": np.tile(np.arange(bands, dtype=np.int16), len(ids)),
            "key": keys.reshape(-1),
            "article_id": np.repeat(np.asarray(ids, dtype=np.int64), bands),
        }
    )
    con.register("band_rows", band_rows)
    con.execute("INSERT INTO band_keys BY NAME SELECT * FROM band_rows")
    con.unregister("band_rows")
    return ids


def _candidate_pairs(con: duckdb.DuckDBPyConnection, first_new: int) -> list[tuple[int, int]]:
    """Pairs (new, older) sharing a band key or an exact hash; ids grow, so each pair comes once."""
    return con.execute(
        """
        SELECT DISTINCT n.article_id, o.article_id
        FROM band_keys n JOIN band_keys o ON n.band = o.band AND n.key = o.key
        WHERE n.article_id >= ? AND o.article_id < n.article_id
        UNION
        SELECT n.article_id, o.article_id
        FROM signatures n JOIN signatures o ON n.exact = o.exact
        WHERE n.article_id >= ? AND o.article_id < n.article_id
        """,
        [first_new, first_new],
    ).fetchall()


class _Sketches:
    """Stored exact hashes, sizes and signatures for a set of article ids."""

    def __init__(self, con: duckdb.DuckDBPyConnection, ids: set[int], dtype: np.dtype) -> None:
        rows = con.execute(
            "SELECT article_id, exact, size, signature FROM signatures WHERE article_id IN (SELECT unnest(?))",
            [sorted(ids)],
        ).fetchall()
        self.index = {row[0]: i for i, row in enumerate(rows)}
        self.exact = [row[1] for row in rows]
        self.sizes = np.array([row[2] for row in rows], dtype=np.int64)
        self.signatures = np.stack([np.frombuffer(row[3], dtype=dtype) for row in rows]) if rows else None

    def compare(self, pairs: list[tuple[int, int]], settings: DedupSettings) -> list[tuple[str | None, float]]:
        """Kind and similarity of each pair: `exact` on equal hashes, else the MinHash verdict."""
        if not pairs:
            return []
        a = np.array([self.index[x] for x, _ in pairs])
        b = np.array([self.index[y] for _, y in pairs])
        kinds, sims = verify_pairs(
            self.signatures[a], self.sizes[a], self.signatures[b], self.sizes[b], settings
        )
        return [
            ("exact", 1.0) if self.exact[i] == self.exact[j] else (kind, float(sim))
            for i, j, kind, sim in zip(a, b, kinds, sims)
        ]


def _cluster(
    con: duckdb.DuckDBPyConnection, run_id: int, ids: list[int], dtype: np.dtype, settings: DedupSettings
) -> BatchCounts:
    """Join new articles to the clusters they match; re-choose canonicals; rewrite provenance."""
    pairs = _candidate_pairs(con, ids[0])
    involved = {x for pair in pairs for x in pair}
    sketches = _Sketches(con, involved, dtype)
    edges = [pair for pair, (kind, _) in zip(pairs, sketches.compare(pairs, settings)) if kind]

    # Old articles bring their whole cluster: each is joined to its canonical (= its cluster_id).
    old = sorted({y for _, y in edges})
    members = con.execute(
        "SELECT id, cluster_id FROM articles WHERE cluster_id IN "
        "(SELECT cluster_id FROM articles WHERE id IN (SELECT unnest(?)))",
        [old],
    ).fetchall() if old else []
    union = UnionFind()
    for x, y in [*edges, *members]:
        union.union(x, y)

    components: dict[int, list[int]] = {}
    for node in {x for pair in [*edges, *members] for x in pair}:
        components.setdefault(union.find(node), []).append(node)
    affected = [sorted(c) for c in components.values() if len(c) > 1]
    counts = BatchCounts(new=len(ids))
    if not affected:
        return counts

    flat = [x for c in affected for x in c]
    info = {
        row[0]: Member(*row)
        for row in con.execute(
            # the article id is the ingest order
            "SELECT id, published_at, id, length(body), url FROM articles WHERE id IN (SELECT unnest(?))",
            [flat],
        ).fetchall()
    }
    canonical_of = {x: choose_canonical([info[m] for m in c]) for c in affected for x in c}
    con.execute(
        "UPDATE articles SET cluster_id = m.canonical, is_canonical = (articles.id = m.canonical) "
        "FROM (SELECT unnest(?) AS id, unnest(?) AS canonical) m WHERE articles.id = m.id",
        [list(canonical_of), list(canonical_of.values())],
    )

    duplicates = [(x, c) for x, c in canonical_of.items() if x != c]
    sketches = _Sketches(con, set(flat), dtype)
    verdicts = sketches.compare(duplicates, settings)
    rows = [
        (x, c, kind or "near", sim) for (x, c), (kind, sim) in zip(duplicates, verdicts)
    ]
    con.execute("DELETE FROM duplicates WHERE article_id IN (SELECT unnest(?))", [flat])
    if rows:
        con.executemany("INSERT INTO duplicates VALUES (?, ?, ?, ?, ?)", [(*r, run_id) for r in rows])
    new_ids = set(ids)
    counts.exact_duplicates = sum(1 for r in rows if r[0] in new_ids and r[2] == "exact")
    counts.near_duplicates = sum(1 for r in rows if r[0] in new_ids and r[2] != "exact")
    return counts

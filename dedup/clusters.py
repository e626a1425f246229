"""Clustering one batch against a store: candidates, verification, components, the canonical rule.

There is one implementation, for every store. The warehouse (``newswash.warehouse.dedup_store``,
over DuckDB) and ``MemoryStore`` (``dedup/memory.py``: benches, tests, small jobs) answer the
same four questions of ``ClusterStore``, so they form the same clusters by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol, Sequence

import numpy as np

from .fingerprint import Fingerprints
from .lsh import band_keys, candidate_pairs
from .settings import DedupSettings
from .sets import isin, setdiff, unique, unique_inverse
from .verify import verify_rows

EXACT = "exact"
UNKNOWN_DATE = np.iinfo(np.int64).max  # an unknown publication date sorts last


@dataclass
class Sketches:
    """Exact hashes (``S32`` bytes), shingle counts and MinHash signatures of some articles,
    rows in ascending id order."""

    ids: np.ndarray
    exact: np.ndarray
    sizes: np.ndarray
    signatures: np.ndarray

    @classmethod
    def of(cls, ids: np.ndarray, fp: Fingerprints) -> Sketches:
        """The sketches of a batch whose row i is article ``ids[i]``."""
        order = np.argsort(ids, kind="stable")
        exact = np.array(fp.exact, dtype="S32").reshape(-1)
        return cls(np.asarray(ids, dtype=np.int64)[order], exact[order], np.asarray(fp.sizes)[order],
                   fp.signatures[order])

    def fingerprints(self, settings: DedupSettings) -> Fingerprints:
        """As fingerprints (band keys derived from the signatures)."""
        return Fingerprints([e.decode() for e in self.exact], self.signatures, self.sizes,
                            band_keys(self.signatures, settings.bands, settings.rows))

    def __add__(self, other: Sketches) -> Sketches:
        """Both sets of rows (ids in neither twice), in id order."""
        ids = np.concatenate([self.ids, other.ids])
        ids, first = np.unique(ids, return_index=True)
        return Sketches(ids, *(np.concatenate([getattr(self, n), getattr(other, n)])[first]
                               for n in ("exact", "sizes", "signatures")))

    def take(self, ids: np.ndarray) -> Sketches:
        """The sketches of ``ids`` (ascending, each present)."""
        rows = self.rows(ids)
        return Sketches(np.asarray(ids, dtype=np.int64), self.exact[rows], self.sizes[rows], self.signatures[rows])

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Row of each id (every id must be present)."""
        rows = np.searchsorted(self.ids, ids)
        if len(ids) and (rows.max() >= len(self.ids) or np.any(self.ids[rows] != ids)):
            raise KeyError("article ids without a sketch")
        return rows

    def compare(self, a: np.ndarray, b: np.ndarray, settings: DedupSettings) -> tuple[np.ndarray, np.ndarray]:
        """Kind and similarity of each pair (a[i], b[i]): ``exact`` on equal hashes of
        comparable texts, else MinHash's verdict (None: not a duplicate)."""
        ra, rb = self.rows(a), self.rows(b)
        kinds, sims = verify_rows(self.signatures, self.sizes, ra, rb, settings)
        exact = (self.exact[ra] == self.exact[rb]) & (self.sizes[ra] > 0)
        kinds[exact] = EXACT
        return kinds, np.where(exact, 1.0, sims)


class ClusterStore(Protocol):
    """What clustering asks of the articles stored before a batch."""

    def stored_candidates(self, keys: np.ndarray, exact: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (batch row, stored id): row i shares a band key (``keys[i]``) or its exact
        hash (``exact[i]``) with the stored article. Rows with no shingles are not asked."""

    def sketches(self, ids: np.ndarray) -> Sketches:
        """The stored sketches of ``ids``."""

    def cluster_members(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(member, its cluster id) of every non-canonical member of the clusters of ``ids``."""

    def published(self, ids: np.ndarray) -> np.ndarray:
        """``published_key`` of each stored id."""


def published_key(moments: Sequence[datetime | None]) -> np.ndarray:
    """Publication times as int64 microseconds since the epoch, UTC (naive ones taken as
    UTC), ``UNKNOWN_DATE`` where unknown. Arrow converts the naive datetimes in C: a tenth
    of the time of the arithmetic on each one in Python."""
    import pyarrow as pa  # here, not at the top: workers import this module and never call this

    naive = [m if m is None or m.tzinfo is None else m.astimezone(timezone.utc).replace(tzinfo=None) for m in moments]
    times = pa.array(naive, pa.timestamp("us")).cast(pa.int64())
    return times.fill_null(int(UNKNOWN_DATE)).to_numpy().astype(np.int64, copy=False)


def canonicals(ids: np.ndarray, components: np.ndarray, published: np.ndarray) -> np.ndarray:
    """The canonical rule: in each component, the earliest published article (unknown dates
    last), then the earliest ingested (the smallest id). Returns each row's canonical id."""
    order = np.lexsort((ids, published, components))
    sorted_components = components[order]
    first = np.flatnonzero(np.r_[True, sorted_components[1:] != sorted_components[:-1]])
    heads = np.repeat(ids[order][first], np.diff(np.r_[first, len(order)]))
    out = np.empty_like(ids)
    out[order] = heads
    return out


def components(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the graph with edges (a[i], b[i]): (nodes, label of each),
    nodes sorted, a label being the smallest node of its component. Vectorised: each pass
    hooks every edge's larger label onto its smaller one, then jumps pointers to the roots."""
    nodes, inverse = unique_inverse(np.concatenate([a, b]).astype(np.int64))
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


def exact_groups(fp: Fingerprints) -> np.ndarray:
    """For each row, the first row with the same exact hash (itself if none before)."""
    first: dict[str, int] = {}
    return np.fromiter(
        (first.setdefault(h, i) for i, h in enumerate(fp.exact)), dtype=np.int64, count=len(fp.exact)
    )


def batch_pairs(fp: Fingerprints, settings: DedupSettings) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs ``(a, b)`` of one batch to join: exact duplicates (each row to the first
    with its hash) and verified near/contained pairs among one representative per exact
    hash (inside a band bucket, rows pair with their next ``bucket_window`` neighbours).
    Rows without shingles (empty texts) take part in neither."""
    rep_of = exact_groups(fp)
    rows = np.arange(len(rep_of))
    copies = np.flatnonzero((rep_of != rows) & (fp.sizes > 0))
    reps = np.flatnonzero((rep_of == rows) & (fp.sizes > 0))
    order = np.array([int(fp.exact[i][:16], 16) for i in reps], dtype=np.uint64).view(np.int64)
    a, b = candidate_pairs(fp.band_keys[reps], order, settings.bucket_window)
    a, b = reps[a], reps[b]
    kinds, _ = verify_rows(fp.signatures, fp.sizes, a, b, settings)
    ok = kinds != None  # noqa: E711 - elementwise on an object array
    return np.concatenate([rep_of[copies], a[ok]]), np.concatenate([copies, b[ok]])


@dataclass
class Assignment:
    """What a batch changes: every member of the clusters it formed or touched, with its
    canonical id; and each non-canonical member's provenance against its canonical."""

    members: np.ndarray
    canonical: np.ndarray
    duplicate: np.ndarray
    duplicate_of: np.ndarray
    kind: np.ndarray
    similarity: np.ndarray
    new: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0

    @classmethod
    def nothing(cls, new: int) -> Assignment:
        empty = np.zeros(0, dtype=np.int64)
        return cls(empty, empty, empty, empty, np.zeros(0, dtype=object), np.zeros(0), new)


def assign(store: ClusterStore, ids: np.ndarray, fp: Fingerprints, published: np.ndarray,
           settings: DedupSettings) -> Assignment:
    """Cluster a batch (row i is new article ``ids[i]``, ids above every stored one,
    ``published[i]`` its ``published_key``) with the store's articles."""
    ids = np.asarray(ids, dtype=np.int64)
    batch = Sketches.of(ids, fp)
    a, b = batch_pairs(fp, settings)
    comparable = np.flatnonzero(np.asarray(fp.sizes) > 0)
    rows, stored = store.stored_candidates(fp.band_keys[comparable], batch.exact[batch.rows(ids[comparable])])
    rows = comparable[rows]
    sketches = _with_stored(batch, store, stored)
    joined_a, joined_b = joined(store, sketches, ids[rows], stored, settings)
    return settle(store, ids, published, sketches, np.concatenate([ids[a], joined_a]),
                  np.concatenate([ids[b], joined_b]), settings)


def joined(store: ClusterStore, sketches: Sketches, a: np.ndarray, b: np.ndarray,
           settings: DedupSettings) -> tuple[np.ndarray, np.ndarray]:
    """Edges from candidate pairs ``(a[i], b[i])`` (``b``: stored articles, ``sketches``
    holding both sides): the verified pairs, and each member of a matched ``b``'s cluster
    to its cluster id."""
    if not len(b):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    kinds, _ = sketches.compare(a, b, settings)
    matched = kinds != None  # noqa: E711 - elementwise on an object array
    members, clusters = store.cluster_members(unique(b[matched]))
    return np.concatenate([a[matched], members]), np.concatenate([b[matched], clusters])


def settle(store: ClusterStore, ids: np.ndarray, published: np.ndarray, sketches: Sketches, a: np.ndarray,
           b: np.ndarray, settings: DedupSettings) -> Assignment:
    """The clusters the edges ``(a[i], b[i])`` form (``ids``: the articles being clustered,
    ``published`` theirs; the other nodes are stored): components, each one's canonical by
    the canonical rule, and every copy's kind and similarity against its canonical."""
    nodes, labels = components(a, b)
    if not len(nodes):
        return Assignment.nothing(len(ids))

    is_new = isin(nodes, ids)
    old = nodes[~is_new]
    sketches = _with_stored(sketches, store, nodes)
    when = np.empty(len(nodes), dtype=np.int64)
    when[is_new] = _by_id(ids, published, nodes[is_new])
    when[~is_new] = store.published(old)
    canonical = canonicals(nodes, labels, when)

    copies = nodes != canonical
    duplicate, duplicate_of = nodes[copies], canonical[copies]
    kind, similarity = sketches.compare(duplicate, duplicate_of, settings)
    kind[kind == None] = "near"  # noqa: E711 joined through other members, not directly similar
    new = isin(duplicate, ids)
    return Assignment(nodes, canonical, duplicate, duplicate_of, kind.astype(str), similarity, len(ids),
                      int(np.sum(new & (kind == EXACT))), int(np.sum(new & (kind != EXACT))))


class _Without:
    """A store without some of its articles (those being clustered again, as a batch)."""

    def __init__(self, store: ClusterStore, ids: np.ndarray) -> None:
        self.store, self.ids = store, ids

    def stored_candidates(self, keys: np.ndarray, exact: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows, stored = self.store.stored_candidates(keys, exact)
        outside = ~isin(stored, self.ids)
        return rows[outside], stored[outside]

    def sketches(self, ids: np.ndarray) -> Sketches:
        return self.store.sketches(ids)

    def cluster_members(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.store.cluster_members(ids)

    def published(self, ids: np.ndarray) -> np.ndarray:
        return self.store.published(ids)


def reassign(store: ClusterStore, ids: np.ndarray, fp: Fingerprints, published: np.ndarray,
             settings: DedupSettings) -> Assignment:
    """Cluster stored articles again (``ids``: whole clusters, each member standing alone
    again, ``fp`` their fingerprints now) with the rest of the store: ``assign`` on them as
    a batch, against every other stored article."""
    ids = np.asarray(ids, dtype=np.int64)
    return assign(_Without(store, ids), ids, fp, published, settings)


def _with_stored(sketches: Sketches, store: ClusterStore, ids: np.ndarray) -> Sketches:
    """``sketches`` plus the stored ones of ``ids`` they lack."""
    missing = setdiff(ids, sketches.ids)
    return sketches + store.sketches(missing) if len(missing) else sketches


def _by_id(ids: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``values[i]`` for each id of ``wanted`` (``ids[i]``: its id)."""
    order = np.argsort(ids)
    return np.asarray(values)[order][np.searchsorted(ids[order], wanted)]

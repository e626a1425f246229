"""In-memory clustering of a list of texts (benches, tests, small jobs)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from .clusters import Member, UnionFind, choose_canonical
from .fingerprint import Fingerprints, fingerprint
from .lsh import candidate_pairs
from .settings import DedupSettings
from .verify import verify_rows



def exact_order(exact: Sequence[str]) -> np.ndarray:
    """A content-derived int64 per row (the first 64 bits of the exact hash)."""
    return np.array([int(h[:16], 16) for h in exact], dtype=np.uint64).view(np.int64)


def exact_groups(fp: Fingerprints) -> np.ndarray:
    """For each row, the first row with the same exact hash (itself if none before)."""
    first: dict[str, int] = {}
    return np.fromiter(
        (first.setdefault(h, i) for i, h in enumerate(fp.exact)), dtype=np.int64, count=len(fp.exact)
    )


def duplicate_pairs(fp: Fingerprints, settings: DedupSettings) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs ``(a, b)`` to union: exact duplicates (each row to the first with its
    hash) and verified near/contained pairs among one representative per exact hash.
    Rows without shingles (empty texts) take part in neither."""
    rep_of = exact_groups(fp)
    rows = np.arange(len(rep_of))
    copies = np.flatnonzero((rep_of != rows) & (fp.sizes > 0))
    reps = np.flatnonzero((rep_of == rows) & (fp.sizes > 0))
    order = exact_order([fp.exact[i] for i in reps])
    a, b = candidate_pairs(fp.band_keys[reps], order, settings.bucket_window)
    a, b = reps[a], reps[b]
    kinds, _ = verify_rows(fp.signatures, fp.sizes, a, b, settings)
    ok = kinds != None  # noqa: E711 - elementwise on an object array
    return np.concatenate([rep_of[copies], a[ok]]), np.concatenate([copies, b[ok]])


def cluster(
    texts: Sequence[str],
    published_at: Sequence[datetime | None] | None = None,
    settings: DedupSettings | None = None,
) -> list[int]:
    """Cluster label of each text: the index of its cluster's canonical text
    (earliest ``published_at``, then earliest index, then longest text)."""
    settings = settings or DedupSettings.from_toml()
    published = list(published_at) if published_at is not None else [None] * len(texts)
    uf = UnionFind(range(len(texts)))
    for a, b in zip(*duplicate_pairs(fingerprint(texts, settings), settings)):
        uf.union(int(a), int(b))
    labels = [0] * len(texts)
    for group in uf.groups():
        head = choose_canonical(Member(i, published[i], i, len(texts[i]), "") for i in group)
        for i in group:
            labels[i] = head
    return labels

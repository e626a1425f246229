"""LSH banding: band keys for an equality join, and in-memory candidate pairs."""

from __future__ import annotations

import numpy as np

from .hashing import GOLDEN, fmix64


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``(n, bands)`` int64 keys; two documents share key j iff their signature rows
    of band j are equal (up to 64-bit collisions). The band number is mixed in, so a
    join on the key alone never pairs different bands."""
    n = len(signatures)
    key = np.broadcast_to(fmix64(np.arange(1, bands + 1, dtype=np.uint64)), (n, bands)).copy()
    block = signatures[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    for r in range(rows):
        key = fmix64(key * GOLDEN + block[:, :, r])
    return key.view(np.int64)


def bucket_neighbours(keys: np.ndarray, window: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, i + d)``, ``1 <= d <= window``, of a sorted key column that hold the same
    key: each position with its next ``window`` neighbours in its bucket (``None``: all of them,
    every pair of every bucket)."""
    found_a: list[np.ndarray] = []
    found_b: list[np.ndarray] = []
    active = np.arange(len(keys))  # positions whose bucket reaches d rows further: shrinks with every pass
    d = 0
    while window is None or d < window:
        d += 1
        active = active[active + d < len(keys)]
        active = active[keys[active + d] == keys[active]]
        if len(active) == 0:
            break
        found_a.append(active)
        found_b.append(active + d)
    if not found_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(found_a), np.concatenate(found_b)


def candidate_pairs(
    keys: np.ndarray, order: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Unique pairs ``(i, j)``, ``i < j``, of rows sharing a band key.

    Within a bucket, rows sorted by ``order`` (a content-derived int64, so the result
    does not depend on input order) pair with their next ``window`` neighbours: all
    pairs of a bucket up to ``window + 1`` rows, a bounded band of pairs in larger ones.
    """
    n = len(keys)
    found: list[np.ndarray] = []
    for band in range(keys.shape[1]):
        column = keys[:, band]
        sorted_rows = np.argsort(column)
        k = column[sorted_rows]
        shared = np.flatnonzero(k[1:] == k[:-1])
        if len(shared) == 0:
            continue
        # Only rows in buckets of two or more take part in the neighbour passes,
        # ordered by content inside their bucket.
        in_bucket = np.zeros(n, dtype=bool)
        in_bucket[shared] = in_bucket[shared + 1] = True
        rows = sorted_rows[in_bucket]
        rows = rows[np.lexsort((order[rows], column[rows]))]
        a, b = bucket_neighbours(column[rows], window)
        found.append(np.minimum(rows[a], rows[b]).astype(np.int64) * n + np.maximum(rows[a], rows[b]))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    flat = np.sort(np.concatenate(found))
    flat = flat[np.append(True, flat[1:] != flat[:-1])]
    return flat // n, flat % n

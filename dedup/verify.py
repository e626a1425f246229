"""Verification of candidate pairs from their signatures and shingle-set sizes."""

from __future__ import annotations

import numpy as np

from .settings import DedupSettings

NEAR, CONTAINED = "near", "contained"
_CHUNK = 65536  # pairs per pass: bounds the (pairs x num_perm) comparison temporary


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Share of equal MinHash slots, row by row."""
    return pair_jaccard(sig_a, sig_b, np.arange(len(sig_a)), np.arange(len(sig_b)))


def pair_jaccard(sig_a: np.ndarray, sig_b: np.ndarray, rows_a: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
    """Share of equal MinHash slots of ``sig_a[rows_a[i]]`` and ``sig_b[rows_b[i]]``, the rows
    gathered a chunk at a time (``sig_b`` may be ``sig_a``)."""
    out = np.empty(len(rows_a), dtype=np.float64)
    for lo in range(0, len(rows_a), _CHUNK):
        hi = lo + _CHUNK
        out[lo:hi] = np.count_nonzero(sig_a[rows_a[lo:hi]] == sig_b[rows_b[lo:hi]], axis=1)
    return out / sig_a.shape[1]


def estimated_containment(jaccard: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """|A∩B| / min(|A|, |B|), with |A∩B| = J(|A|+|B|)/(1+J)."""
    size_a = np.asarray(size_a, dtype=np.float64)
    size_b = np.asarray(size_b, dtype=np.float64)
    inter = jaccard * (size_a + size_b) / (1.0 + jaccard)
    smaller = np.maximum(np.minimum(size_a, size_b), 1.0)
    return np.minimum(inter / smaller, 1.0)


def verify_pairs(
    sig_a: np.ndarray,
    size_a: np.ndarray,
    sig_b: np.ndarray,
    size_b: np.ndarray,
    settings: DedupSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Classify candidate pairs (row i of ``sig_a`` against row i of ``sig_b``).

    Returns ``(kinds, similarities)``: kind ``"near"`` when the estimated Jaccard is
    at least ``threshold`` (similarity = Jaccard); else ``"contained"`` when the
    smaller text's estimated containment in the larger is at least
    ``containment_threshold`` and the Jaccard at least ``containment_min_jaccard``
    (similarity = containment); else ``None`` (similarity = Jaccard). Pairs with an
    empty text are never duplicates. ``kinds`` is an object array.
    """
    sig_a, sig_b = np.atleast_2d(sig_a), np.atleast_2d(sig_b)
    return classify(estimated_jaccard(sig_a, sig_b), size_a, size_b, settings)


def verify_rows(
    signatures: np.ndarray, sizes: np.ndarray, rows_a: np.ndarray, rows_b: np.ndarray, settings: DedupSettings
) -> tuple[np.ndarray, np.ndarray]:
    """``verify_pairs`` of the row pairs ``(rows_a[i], rows_b[i])`` of one signature matrix,
    without gathering every pair's signatures at once."""
    jaccard = pair_jaccard(signatures, signatures, rows_a, rows_b)
    return classify(jaccard, sizes[rows_a], sizes[rows_b], settings)


def classify(
    jaccard: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, settings: DedupSettings
) -> tuple[np.ndarray, np.ndarray]:
    """``verify_pairs`` from the pairs' estimated Jaccard (changed in place) and sizes."""
    size_a, size_b = np.asarray(size_a), np.asarray(size_b)
    jaccard[(size_a == 0) | (size_b == 0)] = 0.0
    containment = estimated_containment(jaccard, size_a, size_b)
    near = jaccard >= settings.threshold
    contained = ~near & (containment >= settings.containment_threshold) & (
        jaccard >= settings.containment_min_jaccard
    )
    kinds = np.full(len(jaccard), None, dtype=object)
    kinds[near] = NEAR
    kinds[contained] = CONTAINED
    return kinds, np.where(contained, containment, jaccard)

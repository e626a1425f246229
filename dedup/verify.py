"""Verification of candidate pairs from their signatures and shingle-set sizes."""

from __future__ import annotations

import numpy as np

from .settings import DedupSettings

NEAR, CONTAINED = "near", "contained"
_CHUNK = 65536  # pairs per pass: bounds the (pairs x num_perm) comparison temporary


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Share of equal MinHash slots, row by row."""
    out = np.empty(len(sig_a), dtype=np.float64)
    for lo in range(0, len(sig_a), _CHUNK):
        hi = lo + _CHUNK
        out[lo:hi] = (sig_a[lo:hi] == sig_b[lo:hi]).mean(axis=1)
    return out


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
    size_a, size_b = np.asarray(size_a), np.asarray(size_b)
    jaccard = estimated_jaccard(sig_a, sig_b)
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

"""MinHash signatures for many documents at once, with datasketch's permutations.

Uses datasketch's default ``affine32`` scheme: each 32-bit shingle hash is pre-mixed
with the MurmurHash3 32-bit finaliser, then permutation k maps it to
``a_k * h + b_k mod 2^32``. Signatures equal ``datasketch.MinHash(num_perm, seed,
hashfunc=<identity on the shingle hash>)`` fed the same hashes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

EMPTY = np.uint32(0xFFFFFFFF)  # datasketch's value for a MinHash of no input


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``(a, b)`` uint32 permutation parameters for ``num_perm`` and ``seed``
    (drawn as ``MinHash._init_permutations`` draws them for ``affine32``, without importing
    datasketch, which imports scipy: half a second in every worker process; a test
    compares them with datasketch's own)."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (datasketch's pre-mix for ``affine32``)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signatures(hashes: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """``(len(offsets) - 1, num_perm)`` uint32 signatures of the hash runs
    ``hashes[offsets[i]:offsets[i+1]]``; a document with no hashes gets ``EMPTY``."""
    a, b = permutations(num_perm, seed)
    n_docs = len(offsets) - 1
    out = np.full((n_docs, num_perm), EMPTY, dtype=np.uint32)
    nonempty = np.flatnonzero(offsets[1:] > offsets[:-1])
    if len(nonempty) == 0:
        return out
    mixed = fmix32(hashes.astype(np.uint32))
    starts = offsets[nonempty]
    # One permutation per pass over a reused buffer: in-place uint32 arithmetic is
    # several times faster than a broadcast (shingles x permutations) temporary.
    buf = np.empty_like(mixed)
    mins = np.empty((num_perm, len(nonempty)), dtype=np.uint32)
    for k in range(num_perm):
        np.multiply(mixed, a[k], out=buf)
        np.add(buf, b[k], out=buf)
        mins[k] = np.minimum.reduceat(buf, starts)
    out[nonempty] = mins.T
    return out

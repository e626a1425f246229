"""Per-document fingerprints: exact hash, MinHash signature, shingle count, band keys."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .lsh import band_keys
from .minhash import signatures
from .normalize import clean, prepare, token_texts
from .settings import DedupSettings
from .shingles import shingle_hashes

SIGNATURE_DTYPE = np.dtype(np.uint32)  # datasketch's 32-bit MinHash values
_CHUNK = 256  # documents per numpy pass: temporaries of a few MB stay in cache and in malloc's heap


@dataclass
class Fingerprints:
    """Row i describes text i.

    ``exact``: hex BLAKE2b-128 of the normalised words (equal ⇔ exact duplicate);
    ``signatures``: ``(n, num_perm)`` uint32 MinHash (datasketch affine32);
    ``sizes``: ``(n,)`` distinct shingles (0 = nothing to compare: never a duplicate);
    ``band_keys``: ``(n, bands)`` int64 LSH keys for an equality join.
    """

    exact: list[str]
    signatures: np.ndarray
    sizes: np.ndarray
    band_keys: np.ndarray

    @classmethod
    def concat(cls, parts: Sequence[Fingerprints]) -> Fingerprints:
        """The rows of ``parts`` one after the other (at least one part)."""
        return cls([e for p in parts for e in p.exact],
                   *(np.concatenate([getattr(p, name) for p in parts]) for name in ("signatures", "sizes", "band_keys")))

    def take(self, rows: np.ndarray) -> Fingerprints:
        """The given rows, in that order."""
        return Fingerprints([self.exact[i] for i in rows], self.signatures[rows], self.sizes[rows],
                            self.band_keys[rows])

    def put(self, rows: np.ndarray, other: Fingerprints) -> None:
        """Row ``rows[i]`` becomes ``other``'s row i."""
        for i, row in enumerate(rows):
            self.exact[row] = other.exact[i]
        self.signatures[rows] = other.signatures
        self.sizes[rows] = other.sizes
        self.band_keys[rows] = other.band_keys


def _fingerprint_chunk(texts: Sequence[str], settings: DedupSettings) -> Fingerprints:
    batch = clean([prepare(t) for t in texts])
    exact = [hashlib.blake2b(words, digest_size=16).hexdigest() for words in token_texts(batch)]
    hashes, offsets = shingle_hashes(batch, settings.shingle_size, settings.char_shingle_size)
    sigs = signatures(hashes, offsets, settings.num_perm, settings.seed)
    return Fingerprints(exact, sigs, np.diff(offsets), band_keys(sigs, settings.bands, settings.rows))


def fingerprint(texts: Sequence[str], settings: DedupSettings) -> Fingerprints:
    """Fingerprints of ``texts``; each row depends on its own text only."""
    n = len(texts)
    out = Fingerprints(
        [],
        np.empty((n, settings.num_perm), dtype=SIGNATURE_DTYPE),
        np.empty(n, dtype=np.int64),
        np.empty((n, settings.bands), dtype=np.int64),
    )
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        part = _fingerprint_chunk(texts[lo:hi], settings)
        out.exact.extend(part.exact)
        out.signatures[lo:hi] = part.signatures
        out.sizes[lo:hi] = part.sizes
        out.band_keys[lo:hi] = part.band_keys
    return out

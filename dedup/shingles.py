"""Shingle hashes of a cleaned batch (see ``normalize.clean``), computed with numpy.

Tokens are words (runs of non-space bytes) or, in spaceless texts, single
characters. Shingles are n-grams of tokens that stay inside one line (paragraph),
so boilerplate lines and dropped or added paragraphs touch only their own
shingles; a line shorter than n tokens is one shingle. Each shingle hash is a
stable 32-bit value (same text, same hash, in any process): the input datasketch's
affine32 MinHash expects.
"""

from __future__ import annotations

import numpy as np

from .hashing import GOLDEN, fmix64
from .normalize import Batch

_SPACE, _NEWLINE = 0x20, 0x0A
_BYTE_MULT = np.uint64(0x100000001B3)  # FNV-64 prime
_LEN_SALT = np.uint64(0x2545F4914F6CDD1D)
_PAD = np.uint64(0x5851F42D4C957F2D)
_LOW32 = np.uint64(0xFFFFFFFF)
_BLANK_ZERO = bytes([0] * 0x21) + bytes(range(0x21, 0x100))  # bytes.translate: blanks → 0


class _Powers:
    """``P^j`` and ``P^-j`` (mod 2^64; the FNV prime P is odd, so invertible) for
    ``j < count``, kept between calls and grown as needed: cumprod costs more than the
    rest of the token hashing."""

    def __init__(self) -> None:
        self.tables = (np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64))

    def __call__(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        up, down = self.tables  # one attribute: threads never see tables of two sizes
        if len(up) < count:
            size = max(count, 2 * len(up))
            inverse = np.uint64(pow(int(_BYTE_MULT), -1, 1 << 64))
            up, down = self.tables = (_cumprod(_BYTE_MULT, size), _cumprod(inverse, size))
        return up[:count], down[:count]


def _cumprod(base: np.uint64, count: int) -> np.ndarray:
    out = np.full(count, base, dtype=np.uint64)
    out[0] = 1
    return np.cumprod(out, dtype=np.uint64)


_powers = _Powers()


def _token_hashes(buf: np.ndarray, char_bytes: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hash and start offset of every token in ``buf``; ``char_bytes`` marks the
    bytes of spaceless texts, where every character is a token."""
    in_token = buf > _SPACE  # cleaned texts have no other bytes below 0x21 than space and \n
    starts_mask = in_token.copy()
    starts_mask[1:] &= ~in_token[:-1]
    if char_bytes is not None:
        starts_mask |= char_bytes & in_token & ((buf & 0xC0) != 0x80)  # UTF-8 lead bytes
    starts = np.flatnonzero(starts_mask)
    if len(starts) == 0:
        return np.zeros(0, dtype=np.uint64), starts
    last = in_token.copy()  # each token's last byte (the buffer ends in \n)
    last[:-1] &= ~in_token[1:] | starts_mask[1:]
    lengths = np.flatnonzero(last) - starts + 1
    # Hash = sum of byte * P^(offset in token) = P^-start * sum of byte * P^(offset in buf),
    # summed over each token and the blanks after it, which weigh 0.
    values = np.frombuffer(buf.tobytes().translate(_BLANK_ZERO), dtype=np.uint8)
    up, down = _powers(len(buf))
    summed = np.add.reduceat(values.astype(np.uint64) * up, starts) * down[starts]
    salted = summed + lengths.astype(np.uint64) * _LEN_SALT
    return fmix64(salted), starts


def _ngram_keys(tokens: np.ndarray, line: np.ndarray, doc: np.ndarray, n: int) -> np.ndarray:
    """``doc << 32 | hash`` of every n-gram inside a line, and of each shorter line."""
    count = len(tokens)
    shingle = np.zeros(count, dtype=np.uint64)
    full = np.ones(count, dtype=bool)
    for k in range(n):
        shifted = np.full(count, _PAD, dtype=np.uint64)
        same = np.zeros(count, dtype=bool)
        if k < count:
            same[: count - k] = line[k:] == line[: count - k]
            shifted[: count - k] = np.where(same[: count - k], tokens[k:], _PAD)
        shingle = shingle * GOLDEN + shifted
        full &= same
    first_of_line = np.ones(count, dtype=bool)
    first_of_line[1:] = line[1:] != line[:-1]
    line_len = np.diff(np.flatnonzero(np.append(first_of_line, True)))
    keep = full | (first_of_line & np.repeat(line_len < n, line_len))
    return (doc[keep].astype(np.uint64) << np.uint64(32)) | (fmix64(shingle[keep]) >> np.uint64(32))


def shingle_hashes(batch: Batch, word_n: int, char_n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct shingle hashes of each text of ``batch``: word ``word_n``-grams, or
    character ``char_n``-grams for spaceless texts.

    Returns ``(hashes, offsets)``: ``hashes[offsets[i]:offsets[i+1]]`` are the sorted
    distinct uint32 shingle hashes of text i.
    """
    buf, ends = batch.buf, batch.ends
    char_bytes = None
    if batch.spaceless.any():
        char_bytes = np.repeat(batch.spaceless, np.diff(np.append(-1, ends)))
    tokens, starts = _token_hashes(buf, char_bytes)
    line = np.searchsorted(np.flatnonzero(buf == _NEWLINE), starts)  # lines never span texts
    doc = np.searchsorted(ends, starts)
    by_chars = batch.spaceless[doc]
    keys = [
        _ngram_keys(tokens[mask], line[mask], doc[mask], n)
        for mask, n in ((~by_chars, word_n), (by_chars, char_n))
        if mask.any()
    ]
    key = np.sort(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.uint64)
    if len(key):
        key = key[np.append(True, key[1:] != key[:-1])]
    offsets = np.searchsorted(key >> np.uint64(32), np.arange(len(ends) + 1, dtype=np.uint64))
    return (key & _LOW32).astype(np.uint32), offsets.astype(np.int64)

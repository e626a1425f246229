"""Text normalisation for fingerprinting, vectorised over a batch of UTF-8 bytes.

Keeps words, numbers and names (wire stories written from one template differ only
there); drops case, punctuation and symbols, quote and dash styles, and layout other
than line breaks. Per text, ``prepare`` does NFKC and case folding; ``clean`` then
classifies every code point of a whole batch with one lookup table.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

WORD, SPACE, BREAK, DROP, SPACELESS = range(5)  # code point classes
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, Japanese
# kana, CJK ideographs) and Hangul, whose spaced units are long agglutinated words.
_SPACELESS_RANGES = (
    (0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x3040, 0x30FF),
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x2FFFF),
)


def _classes() -> np.ndarray:
    """Class of every code point: punctuation, symbols, separators and controls are
    SPACE; format characters (soft hyphen, zero-width joiners) and variation
    selectors are DROP; line breaks are BREAK; spaceless-script letters SPACELESS."""
    table = np.zeros(0x110000, dtype=np.uint8)
    for cp in range(0x30000):
        category = unicodedata.category(chr(cp))
        if category == "Cf":
            table[cp] = DROP
        elif category[0] in "PSZ" or category == "Cc":
            table[cp] = SPACE
    for lo, hi in _SPACELESS_RANGES:
        table[lo : hi + 1][table[lo : hi + 1] == WORD] = SPACELESS
    table[0xFE00:0xFE10] = DROP
    table[0xE0000:0xE1000] = DROP
    table[[ord(c) for c in _LINE_BREAKS]] = BREAK
    return table


_CLASS = _classes()
_OUT = np.array([0, 0x20, 0x0A, 0, 0], dtype=np.uint8)  # replacement byte per class (0 = keep)


def prepare(text: str) -> bytes:
    """NFKC-normalised, case-folded UTF-8 of ``text``."""
    if text.isascii():  # fast path: NFKC changes nothing, case folding is lower()
        return text.lower().encode()
    return unicodedata.normalize("NFKC", text).casefold().encode()


class Batch(NamedTuple):
    """Cleaned texts in one buffer: ``buf[ends[i-1]+1 : ends[i]]`` is text i (each ends
    in a ``\\n``); ``spaceless[i]`` tells whether text i is shingled by characters."""

    buf: np.ndarray
    ends: np.ndarray
    spaceless: np.ndarray

    def text(self, i: int) -> bytes:
        start = self.ends[i - 1] + 1 if i else 0
        return self.buf[start : self.ends[i]].tobytes()


def clean(prepared: Sequence[bytes], share: float = 0.3) -> Batch:
    """Punctuation, symbols and spaces → ASCII space, line breaks → ``\\n``, format
    characters removed, over the ``prepare``d texts. A text is spaceless when at least
    ``share`` of its word characters come from spaceless scripts."""
    raw = np.frombuffer(b"\n".join(prepared) + b"\n", dtype=np.uint8)
    lengths = np.fromiter((len(p) + 1 for p in prepared), dtype=np.int64, count=len(prepared))
    cls = _CLASS[raw]  # exact for ASCII bytes; non-ASCII lead bytes are decoded below
    lead = np.flatnonzero(raw >= 0xC0)
    first = raw[lead].astype(np.int64)
    width = 2 + (first >= 0xE0) + (first >= 0xF0)
    code = first & np.where(width == 2, 0x1F, np.where(width == 3, 0x0F, 0x07))
    for k in (1, 2, 3):
        more = width > k
        code[more] = (code[more] << 6) | (raw[lead[more] + k] & 0x3F)
    lead_cls = _CLASS[code]
    for k in range(4):
        part = width > k
        cls[lead[part] + k] = lead_cls[part]

    chars = np.zeros(len(raw), dtype=np.int32)  # word characters: ASCII word bytes and non-ASCII leads
    chars[raw < 0x80] = cls[raw < 0x80] == WORD
    chars[lead] = (lead_cls == WORD) | (lead_cls == SPACELESS)
    spaceless_mark = np.zeros(len(raw), dtype=np.int32)
    spaceless_mark[lead] = lead_cls == SPACELESS
    ends = np.cumsum(lengths) - 1
    starts = np.append(0, ends[:-1] + 1)
    per_doc = lambda marks: np.add.reduceat(marks, starts) if len(starts) else marks[:0]  # noqa: E731
    letters, cjk = per_doc(chars), per_doc(spaceless_mark)
    spaceless = (letters > 0) & (cjk >= share * letters)

    out = np.where(_OUT[cls] > 0, _OUT[cls], raw)
    keep = cls != DROP
    if not keep.all():
        kept_before = np.cumsum(keep) - 1
        out, ends = out[keep], kept_before[ends]
    return Batch(out, ends, spaceless)


def token_text(text: bytes) -> bytes:
    """A cleaned text's words joined by single spaces: equal for exact duplicates,
    whatever their punctuation, case or paragraph breaks."""
    return b" ".join(text.split())


def normalize(text: str) -> str:
    """Readable normal form: cleaned words, single spaces, one line per paragraph."""
    lines = (b" ".join(line.split()) for line in clean([prepare(text)]).text(0).split(b"\n"))
    return b"\n".join(line for line in lines if line).decode()


def is_spaceless(text: str) -> bool:
    """Whether ``text`` is shingled by characters (see ``clean``)."""
    return bool(clean([prepare(text)]).spaceless[0])

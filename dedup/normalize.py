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
# bytes.translate tables. ASCII punctuation and spaces → space, line breaks → \n, other
# bytes unchanged (non-ASCII characters are classified whole); ASCII word bytes → 1. No
# ASCII character is DROP.
_ASCII_CLASS = np.where(np.arange(256) < 0x80, _CLASS[:256], 0xFF)
_ASCII_OUT = bytes(
    0x20 if c == SPACE else 0x0A if c == BREAK else b for b, c in enumerate(_ASCII_CLASS.tolist())
)
_ASCII_WORD = (_ASCII_CLASS == WORD).astype(np.uint8).tobytes()
_NEWLINE_TO_SPACE = bytes(range(256)).replace(b"\n", b" ")
_LEAD_MASK = np.array([0, 0, 0x1F, 0x0F, 0x07], dtype=np.int32)  # payload bits of a lead, by width


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
    joined = b"\n".join(prepared) + b"\n"
    raw = np.frombuffer(joined, dtype=np.uint8)
    lengths = np.fromiter((len(p) + 1 for p in prepared), dtype=np.int64, count=len(prepared))
    ends = np.cumsum(lengths) - 1
    out = np.frombuffer(bytearray(joined.translate(_ASCII_OUT)), dtype=np.uint8)
    # Non-ASCII characters: decode the code point at each lead byte, classify it.
    lead = np.flatnonzero(raw >= 0xC0)
    first = raw[lead].astype(np.int32)
    width = 2 + (first >= 0xE0) + (first >= 0xF0)
    code = first & _LEAD_MASK[width]
    for k in (1, 2, 3):
        more = np.flatnonzero(width > k)
        code[more] = (code[more] << 6) | (raw[lead[more] + k] & 0x3F)
    lead_cls = _CLASS[code]

    def char_bytes(cls: int) -> np.ndarray:
        """Sorted offsets of every byte of the non-ASCII characters of class ``cls``."""
        starts, widths = lead[lead_cls == cls], width[lead_cls == cls]
        return np.sort(np.concatenate([starts[widths > k] + k for k in range(4)]))

    for cls, byte in ((SPACE, 0x20), (BREAK, 0x0A)):
        out[char_bytes(cls)] = byte

    bounds = np.append(-1, ends)
    per_doc = lambda pos: np.diff(np.searchsorted(pos, bounds))  # noqa: E731
    ascii_letters = np.frombuffer(joined.translate(_ASCII_WORD), dtype=np.uint8)
    letters = per_doc(lead[(lead_cls == WORD) | (lead_cls == SPACELESS)])
    if len(prepared):
        letters += np.add.reduceat(ascii_letters, bounds[:-1] + 1, dtype=np.int64)
    cjk = per_doc(lead[lead_cls == SPACELESS])
    spaceless = (letters > 0) & (cjk >= share * letters)

    dropped = char_bytes(DROP)
    if len(dropped):
        out = np.delete(out, dropped)
        ends = ends - np.searchsorted(dropped, ends)
    return Batch(out, ends, spaceless)


def token_texts(batch: Batch) -> list[memoryview]:
    """Each cleaned text's words joined by single spaces: equal for exact duplicates,
    whatever their punctuation, case or paragraph breaks."""
    word = batch.buf > 0x20  # cleaned texts have no other bytes below 0x21 than space and \n
    keep = word.copy()
    keep[1:] |= word[:-1]  # each word and the byte after it (a text ends in \n)
    spaced = np.frombuffer(batch.buf.tobytes().translate(_NEWLINE_TO_SPACE), dtype=np.uint8)
    joined = memoryview(spaced[keep].tobytes())
    firsts = np.append(0, batch.ends[:-1] + 1)[: len(batch.ends)]  # each text's first byte
    stops = np.cumsum(np.add.reduceat(keep, firsts, dtype=np.int64)).tolist()
    return [joined[start : stop - (stop > start)] for start, stop in zip([0, *stops], stops)]


def readable_form(text: str) -> str:
    """Readable normal form: cleaned words, single spaces, one line per paragraph."""
    lines = (b" ".join(line.split()) for line in clean([prepare(text)]).text(0).split(b"\n"))
    return b"\n".join(line for line in lines if line).decode()


def is_spaceless(text: str) -> bool:
    """Whether ``text`` is shingled by characters (see ``clean``)."""
    return bool(clean([prepare(text)]).spaceless[0])

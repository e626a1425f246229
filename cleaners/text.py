"""Text hygiene: mojibake repair, Unicode NFC, whitespace folding, paragraph layout."""

from __future__ import annotations

import re
import unicodedata

import ftfy

_SPACE = re.compile(r"\s+")
_PLAIN_ASCII = re.compile(r"[\n\t\x20-\x25\x27-\x7e]*")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def fix_text(text: str) -> str:
    """Repair mojibake and HTML-entity leftovers, then normalise to NFC.

    Curly quotes and full-width characters are the author's text, so they are kept.
    """
    if _PLAIN_ASCII.fullmatch(text):
        return text  # nothing for ftfy to do: no mojibake, entity, control character or CR
    fixed = ftfy.fix_text(text, uncurl_quotes=False, fix_character_width=False, normalization="NFC")
    return unicodedata.normalize("NFC", fixed)


def fold(line: str) -> str:
    """Drop invisible characters and fold runs of whitespace into one space."""
    return _SPACE.sub(" ", _INVISIBLE.sub("", line)).strip()


def clean_inline(text: str | None) -> str | None:
    """Hygiene for a one-line field such as a title or an author; empty becomes None."""
    if text is None:
        return None
    return fold(fix_text(text)) or None


def to_lines(text: str) -> list[str]:
    """Repair ``text`` and return its non-blank lines, whitespace folded.

    Each line is one unit for the cleaning rules and one paragraph of the output.
    """
    return [line for line in map(fold, fix_text(text).splitlines()) if line]


def to_body(lines: list[str]) -> str:
    """Lay lines out as paragraphs separated by one blank line."""
    return "\n\n".join(lines)

"""Text hygiene: mojibake repair, Unicode NFC, whitespace folding, paragraph layout."""

from __future__ import annotations

import re
import unicodedata

import ftfy
from ftfy.badness import BADNESS_RE
from ftfy.chardata import CONTROL_CHARS, HTML_ENTITY_RE, LIGATURES

LEAD_HEADING = "lead_heading"  # the rule of a heading that leads the body and repeats the title (extract.py)
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, normalization="NFC", explain=False)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_PLAIN_ASCII = re.compile(r"[\n\t\x20-\x25\x27-\x7e]*")
# What ftfy's fixers other than the mojibake repair act on: C1 controls (NEXT LINE among
# them), Latin ligatures, CR and Unicode line/paragraph separators, surrogates, terminal
# escapes and other control characters (an escape starts with one), and HTML entities.
_FIXER_CODES = {*CONTROL_CHARS, *LIGATURES, ord("\r"), 0x2028, 0x2029, *range(0x80, 0xA0), *range(0xD800, 0xE000)}
# (A class alone, searched apart from the entities, which start with "&": a pattern that starts with
# a class lets the engine skip to a character in it, three times as fast.)
_FIXER_CHARS = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FIXER_CODES)) + "]")
# ftfy's mojibake detector (``ftfy.badness.is_bad``) matches at most BADNESS_WIDTH
# characters, and every match holds a character outside ASCII and PLAIN: the punctuation
# of ordinary text and the letters of non-Latin scripts, but for the few it spots
# Windows-1251/1253 mojibake by (tests/test_cleaners.py checks both on ftfy's regex).
BADNESS_WIDTH = 7
_TYPOGRAPHY = "\u2019\u201c\u201d\u2018\u201e\u2014\u2013\u2026\u2022\u2212\u2032\u2033\u2122\xa0\xab\xbb\xb7\xb0\xa9\xae"
_SCRIPTS = {  # Greek, Cyrillic, Hebrew and Arabic, Devanagari, kana, CJK, Hangul
    *range(0x0370, 0x0500), *range(0x0590, 0x0700), *range(0x0900, 0x0980),
    *range(0x3040, 0x3100), *range(0x4E00, 0xA000), *range(0xAC00, 0xD7A4),
}
_MOJIBAKE_LETTERS = "\u0392\u0393\u039e\u039f\u0402\u0412\u0413\u0420\u0421\u0490\u0491"  # ΒΓΞΟ Ђ ВГРС Ґґ
PLAIN = _TYPOGRAPHY + "".join(sorted(chr(code) for code in _SCRIPTS - set(map(ord, _MOJIBAKE_LETTERS))))
_OUTSIDE_PLAIN = f"[^\\x00-\\x7f{re.escape(PLAIN)}]"
_SUSPECT = re.compile(f"{_OUTSIDE_PLAIN}{_OUTSIDE_PLAIN}*")  # not `+`: a leading class is what the engine skips to


def fix_text(text: str) -> str:
    """Repair mojibake and HTML-entity leftovers, then normalise to NFC.

    Curly quotes and full-width characters are the author's text, so they are kept.
    ftfy runs only on text it would change (see ``_ftfy_would_act``); other text is
    returned as it is, which is what ftfy would return for it.
    """
    if _PLAIN_ASCII.fullmatch(text):
        return text  # nothing for ftfy to do: no mojibake, entity, control character or CR
    if _ftfy_would_act(text):
        return unicodedata.normalize("NFC", ftfy.fix_text(text, _FTFY))
    return text


def _ftfy_would_act(text: str) -> bool:
    """False only when ``ftfy.fix_text`` provably returns ``text`` unchanged: it is NFC,
    no fixer has input (entity, control, ligature, odd line break, surrogate) and no
    line looks like mojibake (the test ftfy's encoding repair starts with)."""
    return (
        len(text) >= _FTFY.max_decode_length  # ftfy would cut it into pieces of its own
        or not unicodedata.is_normalized("NFC", text)
        or _FIXER_CHARS.search(text) is not None
        or ("&" in text and HTML_ENTITY_RE.search(text) is not None)
        or _looks_like_mojibake(text)
    )


def _looks_like_mojibake(text: str) -> bool:
    """``is_bad`` of any of ftfy's segments (lines, "\\n" kept), searched only in windows
    around runs of characters outside ASCII and PLAIN, since a match is short and holds
    one. A window starts no earlier than its line, so the detector's ``^`` still means
    line start. Most text (curly quotes, dashes, Cyrillic, CJK...) has no window at all."""
    for run in _SUSPECT.finditer(text):
        start, end = run.span()
        window = max(start - BADNESS_WIDTH + 1, text.rfind("\n", 0, start) + 1)
        if BADNESS_RE.search(text[window : end + BADNESS_WIDTH - 1]):
            return True
    return False


def fold(line: str) -> str:
    """Drop invisible characters and fold runs of whitespace into one space
    (``str.split`` splits at exactly the characters regex ``\\s`` matches)."""
    return " ".join(_INVISIBLE.sub("", line).split())


def clean_inline(text: str | None) -> str | None:
    """Hygiene for a one-line field such as a title or an author; empty becomes None."""
    if text is None:
        return None
    return fold(fix_text(text)) or None


def to_lines(text: str) -> list[str]:
    """Repair ``text`` and return its non-blank lines, whitespace folded.

    Each line is one unit for the cleaning rules and one paragraph of the output.
    """
    # The invisible characters out of the whole text at once (none is a line break).
    lines = _INVISIBLE.sub("", fix_text(text)).splitlines()
    return [line for line in (" ".join(raw.split()) for raw in lines) if line]


def to_body(lines: list[str]) -> str:
    """Lay lines out as paragraphs separated by one blank line."""
    return "\n\n".join(lines)

"""Word-level differences between two versions of an article (title and body): the words
added and removed (stored with each version), and the diff ``newswash diff`` prints,
unified (``[-removed-]{+added+}`` inline, as ``git diff --word-diff`` writes it) or side by side."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher
from itertools import zip_longest

_TOKEN = re.compile(r"\n\n|\S+")
PARAGRAPH = "\n\n"


def words(title: str | None, body: str) -> list[str]:
    """The words of a version, its title first (what ``words_added`` and ``words_removed`` count)."""
    return (title or "").split() + body.split()


def changed_words(old: Sequence[str], new: Sequence[str]) -> tuple[int, int]:
    """(words added, words removed) from ``old`` to ``new``, by a word-level diff."""
    added = removed = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op != "equal":
            added, removed = added + j2 - j1, removed + i2 - i1
    return added, removed


def _marked(old: str, new: str) -> tuple[str, str, str]:
    """``old`` with removed words in ``[-…-]``, ``new`` with added words in ``{+…+}``, and both marks in one text."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    left: list[str] = []
    right: list[str] = []
    both: list[str] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            for part in (left, right, both):
                part += a[i1:i2]
            continue
        gone = f"[-{' '.join(a[i1:i2])}-]" if i2 > i1 else ""
        came = f"{{+{' '.join(b[j1:j2])}+}}" if j2 > j1 else ""
        left += [gone] if gone else []
        right += [came] if came else []
        both.append(gone + came)
    return tuple(re.sub(r" ?\n\n ?", PARAGRAPH, " ".join(part)) for part in (left, right, both))


def _hunks(old_title: str | None, old_body: str, new_title: str | None, new_body: str) -> Iterator[tuple[str, str, str]]:
    """(where, old text, new text) of each changed part: the title, then runs of paragraphs."""
    if (old_title or "") != (new_title or ""):
        yield "title", old_title or "", new_title or ""
    a, b = old_body.split(PARAGRAPH), new_body.split(PARAGRAPH)
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            where = f"paragraph {i1 + 1}" if i2 - i1 <= 1 else f"paragraphs {i1 + 1}-{i2}"
            yield where if i2 > i1 else f"after paragraph {i1}", PARAGRAPH.join(a[i1:i2]), PARAGRAPH.join(b[j1:j2])


def unified(old: tuple[str | None, str], new: tuple[str | None, str], labels: tuple[str, str]) -> str:
    """The changes from ``old`` to ``new`` ((title, body) each), word by word, inline."""
    lines = [f"--- {labels[0]}", f"+++ {labels[1]}"]
    for where, a, b in _hunks(*old, *new):
        lines += [f"@@ {where} @@", _marked(a, b)[2]]
    return "\n".join(lines)


def side_by_side(old: tuple[str | None, str], new: tuple[str | None, str], labels: tuple[str, str],
                 width: int = 120) -> str:
    """The changes in two columns, the old text (removed words marked) left, the new (added marked) right."""
    column = max(20, (width - 3) // 2)
    lines = [f"{labels[0]:<{column}} | {labels[1]}"]
    for where, a, b in _hunks(*old, *new):
        left, right, _ = _marked(a, b)
        lines.append(f"@@ {where} @@")
        wrapped = [[row for paragraph in text.split(PARAGRAPH) for row in textwrap.wrap(paragraph, column) or [""]]
                   for text in (left, right)]
        lines += [f"{l:<{column}} | {r}".rstrip() for l, r in zip_longest(*wrapped, fillvalue="")]
    return "\n".join(lines)

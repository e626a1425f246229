"""Story structure: the headline at the top of a text body and lines that repeat the title."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

_WORD = re.compile(r"\w+")
# A sentence ends with . or … (optionally followed by closing quotes/brackets);
# headlines may end with ? or ! but rarely with a full stop.
_SENTENCE_END = re.compile(r"[.…][\"'”’»)\]]*$")
_SENTENCE_BREAK = re.compile(r"[.!?][\"'”’»)\]]*\s+[\"'“‘«(\[]*[A-Z]")


@dataclass(frozen=True)
class Structure:
    """Settings of the ``[headline]`` config table."""

    enabled: bool = True
    max_chars: int = 160
    max_words: int = 25
    repeat_lines: int = 4
    repeat_min_words: int = 3

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Structure:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown [headline] keys: {sorted(unknown)}")
        return cls(**data)

    def is_headline(self, line: str, rest: list[str]) -> bool:
        """A short first line, followed by more text, that does not read as a sentence."""
        words = _WORD.findall(line)
        return (
            bool(rest)
            and 0 < len(words) <= self.max_words
            and len(line) <= self.max_chars
            and not line[0].islower()
            and not _SENTENCE_END.search(line)
            and not _SENTENCE_BREAK.search(line)
        )

    def repeats_title(self, line: str, title: str) -> bool:
        """The line is the title, or a run of at least ``repeat_min_words`` of its words
        (a kicker or the headline proper of a "kicker: headline" title)."""
        words, title_words = _tokens(line), _tokens(title)
        if not words or _SENTENCE_END.search(line):
            return words == title_words
        if words == title_words:
            return True
        if len(words) < self.repeat_min_words:
            return False
        n = len(words)
        return any(title_words[i : i + n] == words for i in range(len(title_words) - n + 1))


def _tokens(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]

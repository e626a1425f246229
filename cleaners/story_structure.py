"""Story structure: the headline of a text body, lines repeating the title, repeated blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Set
from typing import Any, Mapping

from newswash.records import Article, Removal

from newswash.config_tables import from_table

HEADLINE = "headline"
TITLE_REPEAT = "title_repeat"
DUPLICATE = "duplicate"

_WORD = re.compile(r"\w+")
# A sentence ends with . or … (optionally followed by closing quotes/brackets);
# headlines may end with ? or ! but rarely with a full stop.
_SENTENCE_END = re.compile(r"[.…][\"'”’»)\]]*$")
_SENTENCE_BREAK = re.compile(r"[.!?][\"'”’»)\]]*\s+[\"'“‘«(\[]*[A-Z]")


@dataclass(frozen=True)
class Structure:
    """The ``[structure]`` config table and the steps it switches on."""

    headline: bool
    headline_max_chars: int
    headline_max_words: int
    repeat_lines: int
    repeat_min_words: int
    drop_duplicates: bool
    duplicate_min_words: int

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Structure:
        return from_table(cls, data, "structure")

    @property
    def step_names(self) -> list[str]:
        """Rule names this configuration can write into ``Removal.rule``."""
        return [HEADLINE] * self.headline + [TITLE_REPEAT] + [DUPLICATE] * self.drop_duplicates

    def apply(self, article: Article, lines: list[str], veto: Set[tuple[str, str]] = frozenset()) -> list[str]:
        """Take the headline, title repeats and duplicate lines out of ``lines``; a (step,
        line) pair in ``veto`` stays."""
        if (
            self.headline and not article.title and lines and (HEADLINE, lines[0]) not in veto
            and self.is_headline(lines[0], lines[1:])
        ):
            article.title = lines[0]
            article.removals.append(Removal(HEADLINE, lines[0]))
            lines = lines[1:]
        copies = self._repeated_block_lines(lines) if self.drop_duplicates else set()
        title_words = _tokens(article.title) if article.title else []
        kept: list[str] = []
        for index, line in enumerate(lines):
            if (
                title_words and (TITLE_REPEAT, line) not in veto
                and self.repeats_title(line, title_words, near_top=index < self.repeat_lines)
            ):
                article.removals.append(Removal(TITLE_REPEAT, line))
            elif index in copies and (DUPLICATE, line) not in veto:
                article.removals.append(Removal(DUPLICATE, line))
            else:
                kept.append(line)
        return kept

    def _repeated_block_lines(self, lines: list[str]) -> set[int]:
        """Indexes of later copies of the story's opening: a run of at least three lines
        equal, in order, to the run starting at one of the first ``repeat_lines`` lines
        (whose first line has at least ``duplicate_min_words`` words). Pages that carry
        the article twice produce this; lines that merely recur (interview questions,
        table labels) do not."""
        copies: set[int] = set()
        for start in range(min(self.repeat_lines, len(lines))):
            later = [j for j in range(start + 1, len(lines)) if lines[j] == lines[start]]  # where a copy can begin
            if not later or len(_WORD.findall(lines[start])) < self.duplicate_min_words:
                continue
            for j in later:
                run = 0
                while j + run < len(lines) and start + run < j and lines[start + run] == lines[j + run]:
                    run += 1
                if run >= 3:
                    copies.update(range(j, j + run))
        return copies

    def is_headline(self, line: str, rest: list[str]) -> bool:
        """A short first line, followed by more text, that does not read as a sentence."""
        words = _WORD.findall(line)
        return (
            bool(rest)
            and 0 < len(words) <= self.headline_max_words
            and len(line) <= self.headline_max_chars
            and not line[0].islower()
            and not _SENTENCE_END.search(line)
            and not _SENTENCE_BREAK.search(line)
        )

    def repeats_title(self, line: str, title_words: list[str], near_top: bool) -> bool:
        """The line is the title (given as its ``_tokens``); near the top also a run of at
        least ``repeat_min_words`` of its words that is not a sentence (a kicker, or the
        headline of "kicker: headline")."""
        first = _WORD.search(line)
        if first is None or first.group().casefold() not in title_words:
            return False  # both kinds of repeat start with a word of the title
        words = _tokens(line)
        if words == title_words:
            return True
        if not near_top or len(words) < self.repeat_min_words or _SENTENCE_END.search(line):
            return False
        n = len(words)
        return any(title_words[i : i + n] == words for i in range(len(title_words) - n + 1))


def _tokens(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]

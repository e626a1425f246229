"""The safety net: cleaning that would take too much of a page, or a story paragraph, is refused."""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from typing import Any, Mapping

from newswash.config_tables import from_table
from newswash.records import Removal

from .story_structure import DUPLICATE

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*(\s|$)")


@dataclass(frozen=True)
class SafetyNet:
    """The ``[safety]`` config table. Per article: when the removed lines that read as prose
    (at least ``prose_min_words`` words and a sentence end) would take more than
    ``max_share`` of its words, none of them is applied; a removed line of at least
    ``story_min_words`` words that holds ``story_min_sentences`` sentences reads as story
    and is kept, unless its rule is ``proven``. Short furniture lines (markers, headings, lead-ins) are not at stake. A
    later copy of the story's opening (``duplicate``) is the page carrying the article
    twice, in any language: exempt."""

    enabled: bool
    max_share: float
    prose_min_words: int
    story_min_words: int
    story_min_sentences: int

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SafetyNet:
        return from_table(cls, data, "safety")

    def refused(self, lines: list[str], removals: list[Removal], proven: Set[str] = frozenset()) -> list[Removal]:
        """The removals (out of ``lines``, the body before cleaning) not to apply; rules
        named in ``proven`` may take a story-like line."""
        if not self.enabled:
            return []
        prose = [r for r in removals if r.rule != DUPLICATE and self._reads_as(r.text, self.prose_min_words, 1)]
        if not prose:
            return []
        removed = sum(len(_WORD.findall(r.text)) for r in prose)
        if removed > self.max_share * sum(len(_WORD.findall(line)) for line in lines):
            return prose
        return [
            r for r in prose
            if r.rule not in proven and self._reads_as(r.text, self.story_min_words, self.story_min_sentences)
        ]

    @staticmethod
    def _reads_as(text: str, words: int, sentences: int) -> bool:
        """At least ``words`` words and ``sentences`` sentence ends."""
        return len(_WORD.findall(text)) >= words and len(_SENTENCE_END.findall(text)) >= sentences

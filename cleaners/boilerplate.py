"""Learned site boilerplate (the CCNet method): a line that recurs across many articles of
one source is that site's furniture (company boilerplate, newsletter boxes, footers).

Each line is normalized (case folded, accents and punctuation dropped) and hashed; digits
are kept, unlike CCNet: templated wire briefs ("Shr 10 cts vs 12 cts") differ only in their
numbers and are content, while dated furniture ("Copyright 2019") has rules of its own; counts are per source and per *distinct* article. The decision for a batch uses
the stored counts plus the whole batch's counts, taken together before any line is
removed, so the result does not depend on the order of articles within the batch.

Pure functions, no database: ``newswash.warehouse.boilerplate`` stores the counts.

Guards (``[boilerplate]`` in config/cleaning.toml):
- nothing is removed for a source until ``min_source_articles`` of its articles are counted;
- a line must appear in at least ``min_articles`` distinct articles of the source;
- a line that reads as a story sentence (``sentence_min_words`` words or more, ending
  like a sentence) needs ``sentence_min_articles`` articles and ``sentence_min_share``
  of the source's articles: reporting that recurs in a few follow-up stories stays.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Mapping

from newswash.records import Article, Removal

from .tables import from_table
from .text import to_body

SITE_BOILERPLATE = "site_boilerplate"

_NON_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…:][\"'”’»)\]]*$")


def normalize_line(line: str) -> str:
    """The form lines are compared in: NFKD without accents, case folded, punctuation and
    whitespace runs as one space (digits kept)."""
    if line.isascii():  # no accents to strip
        text = line.casefold()
    else:
        text = unicodedata.normalize("NFKD", line)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def line_hash(line: str) -> int:
    """A signed 64-bit hash of the normalized line (fits a BIGINT column); 0 for a line
    with no word characters (never counted)."""
    key = normalize_line(line)
    if not key:
        return 0
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big", signed=True) or 1


def article_hashes(article: Article) -> set[int]:
    """Distinct line hashes of an article as the boilerplate step saw it: its body lines
    plus the lines this step removed (so counting after removal gives the same result)."""
    lines = [line for line in article.body.split("\n\n") if line]
    lines += [r.text for r in article.removals if r.rule == SITE_BOILERPLATE]
    return {h for h in map(line_hash, lines) if h}


@dataclass
class LineCounts:
    """Per source: how many articles were counted, and in how many of them each line hash occurs."""

    articles: Counter[str] = field(default_factory=Counter)
    lines: Counter[tuple[str, int]] = field(default_factory=Counter)

    def __add__(self, other: LineCounts) -> LineCounts:
        return LineCounts(self.articles + other.articles, self.lines + other.lines)

    def rows(self) -> tuple[list[tuple[str, int]], list[tuple[str, int, int]]]:
        """(source, articles) and (source, line_hash, articles) rows for storage."""
        return list(self.articles.items()), [(s, h, n) for (s, h), n in self.lines.items()]


def count_lines(articles: Iterable[Article]) -> LineCounts:
    """Counts of a batch: each article adds one to its source and to each distinct line."""
    counts = LineCounts()
    for article in articles:
        if not article.source or article.error:
            continue
        counts.articles[article.source] += 1
        counts.lines.update((article.source, h) for h in article_hashes(article))
    return counts


@dataclass(frozen=True)
class BoilerplateSettings:
    """The ``[boilerplate]`` config table."""

    enabled: bool = True
    min_source_articles: int = 10
    min_articles: int = 5
    sentence_min_words: int = 8
    sentence_min_articles: int = 20
    sentence_min_share: float = 0.05

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> BoilerplateSettings:
        return from_table(cls, data, "boilerplate")

    def is_sentence(self, line: str) -> bool:
        """Reads as a story sentence: long enough and ends like one."""
        return len(_WORD.findall(line)) >= self.sentence_min_words and bool(_SENTENCE_END.search(line))

    def is_boilerplate(self, line: str, source: str, counts: LineCounts) -> bool:
        """Whether ``line`` of an article from ``source`` is learned boilerplate under ``counts``."""
        if not self.enabled or not source:
            return False
        seen = counts.articles[source]
        if seen < self.min_source_articles:
            return False
        h = line_hash(line)
        if not h:
            return False
        found = counts.lines[(source, h)]
        if self.is_sentence(line):
            return found >= self.sentence_min_articles and found >= self.sentence_min_share * seen
        return found >= self.min_articles


def remove_site_boilerplate(
    articles: list[Article], stored: LineCounts | None, settings: BoilerplateSettings
) -> LineCounts:
    """Remove learned boilerplate lines from a batch's bodies, in place, each logged as a
    ``site_boilerplate`` Removal. Decisions use ``stored`` (counts from earlier runs,
    e.g. ``warehouse.boilerplate.load_line_counts``) plus this batch's counts, computed
    before any removal. Articles left with no text get ``error``. Returns the batch's own
    counts (what ``add_line_counts`` will store)."""
    batch = count_lines(articles)
    if not settings.enabled:
        return batch
    total = batch + stored if stored is not None else batch
    for article in articles:
        if not article.source or article.error:
            continue
        kept = []
        for line in article.body.split("\n\n"):
            if line and settings.is_boilerplate(line, article.source, total):
                article.removals.append(Removal(SITE_BOILERPLATE, line))
            elif line:
                kept.append(line)
        article.body = to_body(kept)
        if not article.body:
            article.error = "empty body after removing site boilerplate"
    return batch

"""Learned site boilerplate (the CCNet method): a line that recurs across many articles of
one source is that site's furniture (company boilerplate, newsletter boxes, footers).

Each line is normalized (case folded, accents and punctuation dropped) and hashed; digits
are kept, unlike CCNet: templated wire briefs ("Shr 10 cts vs 12 cts") differ only in their
numbers and are content, while dated furniture ("Copyright 2019") has rules of its own; counts are per source and per *distinct* article (copies of one story in a batch, same lines
under several URLs, count once). The decision for a batch uses
the stored counts plus the whole batch's counts, taken together before any line is
removed, so the result does not depend on the order of articles within the batch. A
copy of a story counted in an earlier batch or run (its ``story_key`` is stored) counts
nothing again.

Pure functions, no database: ``newswash.warehouse.boilerplate`` stores the counts.

Guards (``[boilerplate]`` in config/cleaning.toml):
- nothing is removed for a source until ``min_source_articles`` of its articles are counted;
- a line must appear in at least ``min_articles`` distinct articles of the source;
- a line that reads as a story sentence (``sentence_min_words`` words or more, ending
  like a sentence) needs ``sentence_min_articles`` articles and ``sentence_min_share``
  of the source's articles: reporting that recurs in a few follow-up stories stays.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
import unicodedata
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Mapping

from newswash.records import Article, Removal

from newswash.config_tables import from_table
from .text import to_body

SITE_BOILERPLATE = "site_boilerplate"

_SEP = "\x00"  # joins the lines of a body for comparable_lines: not a word character
_NON_WORD = re.compile(r"(?:[^\w\x00]|_)+")  # punctuation and whitespace runs, _SEP excepted
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…:][\"'”’»)\]]*$")
_ASCII = bytes(range(128))  # deleted from UTF-8, these leave the bytes of the other characters whole
# ASCII case folding and _NON_WORD as a table of UTF-8 bytes: letters lowered, digits and _SEP
# kept, other ASCII as spaces; the bytes of longer characters (128 and up) left alone.
_ASCII_WORDS = bytes(
    c + 32 if 65 <= c <= 90 else c if c >= 128 or chr(c).isalnum() or chr(c) == _SEP else 32 for c in range(256)
)


def comparable_line(line: str) -> str:
    """The form lines are compared in: NFKD without accents, case folded, punctuation and
    whitespace runs as one space (digits kept)."""
    return comparable_lines([line])[0]


def comparable_lines(lines: Sequence[str]) -> list[str]:
    """``comparable_line`` of each line."""
    return [key.decode("utf-8") for key in _normalized(lines)]


def _normalized(lines: Sequence[str]) -> list[bytes]:
    """UTF-8 of each line's ``comparable_line``, in one pass over their text joined by
    ``_SEP`` (a body at a time, with C-speed string methods only, is several times faster
    than a regex a line)."""
    if not lines:
        return []
    text = _SEP.join(lines)
    if text.count(_SEP) != len(lines) - 1:  # inside a line _SEP is punctuation: a space either way
        text = _SEP.join(line.replace(_SEP, " ") for line in lines)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        for ch in set(text.encode("utf-8").translate(None, _ASCII).decode("utf-8")):  # its characters past ASCII
            folded = _fold(ch)
            if folded != ch:
                text = text.replace(ch, folded)
    # What is left concerns ASCII bytes only, which UTF-8 never uses inside a longer
    # character; after the table, the only whitespace is the space: runs of it become one,
    # and none is left next to a separator.
    data = b" ".join(text.encode("utf-8").translate(_ASCII_WORDS).split())
    return data.replace(b" \x00", b"\x00").replace(b"\x00 ", b"\x00").split(b"\x00")


@functools.cache
def _fold(ch: str) -> str:
    """What a non-ASCII character of NFKD text becomes: nothing for a combining mark (an
    accent), else its case folding with non-word characters as spaces. Case folding goes
    character by character, so folding the distinct characters folds the text."""
    if unicodedata.combining(ch):
        return ""
    return _NON_WORD.sub(" ", ch.casefold())


def line_hash(line: str) -> int:
    """A signed 64-bit hash of the normalized line (fits a BIGINT column); 0 for a line
    with no word characters (never counted)."""
    return line_hashes([line])[0]


def line_hashes(lines: Sequence[str]) -> list[int]:
    """``line_hash`` of each line."""
    return [_hash(key) for key in _normalized(lines)]


def _hash(key: bytes) -> int:
    if not key:
        return 0
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True) or 1


def body_line_hashes(article: Article) -> list[int]:
    """``line_hash`` of each line of the body, in order (blank lines skipped)."""
    return line_hashes([line for line in article.body.split("\n\n") if line])


def article_hashes(article: Article) -> set[int]:
    """Distinct line hashes of an article as the boilerplate step saw it: its body lines
    plus the lines this step removed (so counting after removal gives the same result)."""
    lines = [line for line in article.body.split("\n\n") if line]
    lines += [r.text for r in article.removals if r.rule == SITE_BOILERPLATE]
    return set(line_hashes(lines)) - {0}


def story_key(found: Collection[int]) -> int:
    """A signed 64-bit key of an article's distinct line hashes: copies of one story share it."""
    return _hash(struct.pack(f">{len(found)}q", *sorted(found)))  # each hash as 8 bytes, big-endian


def stories_of(hashes: Sequence[list[int]]) -> list[int]:
    """The ``story_key`` of each article's ``body_line_hashes`` (taken where they are, a worker:
    ``count_lines`` and ``story_keys`` of the batch then only look them up)."""
    return [story_key(frozenset(h) - {0}) for h in hashes]


@dataclass
class LineCounts:
    """Per source: how many articles were counted, in how many of them each line hash
    occurs, and the ``(source, story_key)`` of the stories counted."""

    articles: Counter[str] = field(default_factory=Counter)
    lines: Counter[tuple[str, int]] = field(default_factory=Counter)
    stories: set[tuple[str, int]] = field(default_factory=set)

    def __add__(self, other: LineCounts) -> LineCounts:
        """Both counts (a copy of this one, ``other`` added to it)."""
        total = LineCounts(Counter(self.articles), Counter(self.lines), set(self.stories))
        total += other
        return total

    def __iadd__(self, other: LineCounts) -> LineCounts:
        """In place: summing many parts makes no copy of the growing counters."""
        self.articles.update(other.articles)
        self.lines.update(other.lines)
        self.stories |= other.stories
        return self


def _found(article: Article, hashes: list[int] | None) -> frozenset[int]:
    return frozenset(hashes) - {0} if hashes is not None else frozenset(article_hashes(article))


def story_keys(articles: Sequence[Article], hashes: Sequence[list[int]] | None = None,
               stories: Sequence[int] | None = None) -> set[tuple[str, int]]:
    """``(source, story_key)`` of each counted article (see ``count_lines``)."""
    def key(i: int, article: Article) -> int:
        return stories[i] if stories is not None else story_key(_found(article, hashes[i] if hashes is not None else None))

    return {(a.source, key(i, a)) for i, a in enumerate(articles) if a.source and not a.error}


def count_lines(articles: Sequence[Article], hashes: Sequence[list[int]] | None = None,
                known: Collection[tuple[str, int]] = (), stories: Sequence[int] | None = None) -> LineCounts:
    """Counts of a batch: each article adds one to its source and to each distinct line.
    Copies count once: an article with the same source and the same lines as an earlier
    one of the batch, or as a story in ``known`` (those counted by earlier batches and
    runs), adds nothing, or a story listed under several URLs would look like the site's
    furniture. ``hashes[i]``, when given, is article i's ``body_line_hashes`` taken
    before this step removed anything from it, and ``stories[i]`` their ``story_key``
    (``stories_of``). A revisit of a stored article (``revises``)
    counts nothing: its story was counted when it was first stored."""
    counts = LineCounts()
    sources: list[str] = []
    lines: list[tuple[str, int]] = []  # counted at once: a Counter.update an article cost 2 us
    for i, article in enumerate(articles):
        if not article.source or article.error or article.revises is not None:
            continue
        found = _found(article, hashes[i] if hashes is not None else None)
        key = (article.source, stories[i] if stories is not None else story_key(found))
        if key in counts.stories or key in known:
            continue
        counts.stories.add(key)
        sources.append(article.source)
        lines.extend(zip(repeat(article.source), found))
    counts.articles.update(sources)
    counts.lines.update(lines)
    return counts


@dataclass(frozen=True)
class BoilerplateSettings:
    """The ``[boilerplate]`` config table."""

    enabled: bool
    min_source_articles: int
    min_articles: int
    sentence_min_words: int
    sentence_min_articles: int
    sentence_min_share: float

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> BoilerplateSettings:
        return from_table(cls, data, "boilerplate")

    @property
    def min_count(self) -> int:
        """Articles a line must appear in to be either kind of boilerplate."""
        return min(self.min_articles, self.sentence_min_articles)

    def is_sentence(self, line: str) -> bool:
        """Reads as a story sentence: long enough and ends like one."""
        return len(_WORD.findall(line)) >= self.sentence_min_words and bool(_SENTENCE_END.search(line))

    def is_boilerplate(self, line: str, h: int, source: str, counts: LineCounts) -> bool:
        """Whether ``line`` (whose ``line_hash`` is ``h``) of an article from ``source`` is
        learned boilerplate under ``counts``."""
        if not self.enabled or not source:
            return False
        seen = counts.articles[source]
        if seen < self.min_source_articles:
            return False
        if not h:  # no word characters: never learned
            return False
        found = counts.lines[(source, h)]
        if found < self.min_count:
            return False  # too rare for either kind of line (most lines: no need to read them)
        if self.is_sentence(line):
            return found >= self.sentence_min_articles and found >= self.sentence_min_share * seen
        return found >= self.min_articles


def remove_site_boilerplate(
    articles: list[Article], stored: LineCounts | None, settings: BoilerplateSettings,
    hashes: Sequence[list[int]] | None = None, stories: Sequence[int] | None = None,
) -> LineCounts:
    """Remove learned boilerplate lines from a batch's bodies, in place, each logged as a
    ``site_boilerplate`` Removal. Decisions use ``stored`` (counts from earlier runs,
    e.g. ``warehouse.boilerplate.load_line_counts``) plus this batch's counts, computed
    before any removal. ``hashes[i]`` is article i's ``body_line_hashes`` (computed when
    None), ``stories`` their ``stories_of`` when taken already. Articles left with no text
    get ``error``. Returns the batch's own counts (what ``add_line_counts`` will store)."""
    hashes = [body_line_hashes(a) for a in articles] if hashes is None else hashes
    batch = count_lines(articles, hashes, stored.stories if stored is not None else (), stories)
    if not settings.enabled:
        return batch
    total = batch + stored if stored is not None else batch
    # A line counted in fewer than ``min_count`` articles (most lines) is kept without asking
    # ``is_boilerplate``; an article with none of its source's more frequent lines keeps them all.
    frequent = _frequent(total, settings.min_count)
    for article, hashes_of_lines in zip(articles, hashes):
        if not article.source or article.error:
            continue
        lines = [line for line in article.body.split("\n\n") if line]
        source = article.source
        candidates = frequent.get(source, set()) if frequent is not None else None
        if candidates is not None and candidates.isdisjoint(hashes_of_lines):
            kept = lines
        else:
            kept = []
            for line, h in zip(lines, hashes_of_lines, strict=True):
                if (candidates is None or h in candidates) and settings.is_boilerplate(line, h, source, total):
                    article.removals.append(Removal(SITE_BOILERPLATE, line))
                else:
                    kept.append(line)
        article.body = to_body(kept)
        if not article.body:
            article.error = "empty body after removing site boilerplate"
    return batch


def _frequent(counts: LineCounts, rare: int) -> dict[str, set[int]] | None:
    """The hashes of each source's lines counted in ``rare`` articles or more (the only ones
    that can be its boilerplate), or None when that is every line (``rare`` of 0 or less)."""
    if rare <= 0:
        return None
    frequent: dict[str, set[int]] = {}
    for (source, h), n in counts.lines.items():
        if n >= rare:
            frequent.setdefault(source, set()).add(h)
    return frequent

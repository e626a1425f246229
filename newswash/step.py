"""A batch of articles and the step contract: one job, ``run(batch) -> batch``, counted.

A step takes the batch, hands it on, and says what it dropped and why: an article that
failed becomes a ``Failure`` (stored with its reason), one set aside for another reason
(a known URL, a page not modified) is dropped with ``batch.drop``. Calling a step runs it
and appends its ``StepCount`` to the batch, so the counts travel with the batch wherever
the flow runs it (a worker, the flow's process). Steps never import Prefect.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from newswash.cleaners.boilerplate import LineCounts
from newswash.dedup import Assignment, Fingerprints
from newswash.records import Article, Failure, StepCount, article_columns, articles_from_columns

# What extracting, cleaning and fingerprinting a page costs besides its length, as characters:
# 6 ms a page against 0.25 us a character, measured on the 774 WARC pages of bench/peers.py
# (parts of the same length took 0.5-1.3 s of CPU with 21 big pages, 2.6-3.4 s with 346 small ones).
ARTICLE_CHARS = 25_000
_DETAIL = re.compile(r" \(|: ")
_LINE = re.compile(r"^line \d+: ")  # the location names the line already


def short_reason(reason: str) -> str:
    """A failure's reason without its details ("unparsable HTML: ..." -> "unparsable HTML")."""
    return _DETAIL.split(_LINE.sub("", reason), maxsplit=1)[0][:80]


@dataclass
class Batch:
    """Articles on their way, with what the steps so far attached to them (row i of
    ``fingerprints``, ``line_hashes`` and ``stories`` is ``articles[i]``'s)."""

    articles: list[Article]
    failures: list[Failure] = field(default_factory=list)
    counts: list[StepCount] = field(default_factory=list)
    fingerprints: Fingerprints | None = None
    line_hashes: list[list[int]] | None = None
    stories: list[int] | None = None
    line_counts: LineCounts | None = None
    ids: np.ndarray | None = None
    clusters: Assignment | None = None
    last: bool = False  # the run's last batch, when its reader knows it
    _dropped: Counter[str] = field(default_factory=Counter, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its articles as columns (``article_columns``): a batch travels to a
        worker and back in parts, pickled in the flow's process one way and unpickled there
        the other (5,000 long texts: 37 ms out and 25 back, 14 and 15 as columns)."""
        state = {name: value for name, value in vars(self).items() if name != "articles"}
        return _batch, (article_columns(self.articles), state)

    def drop(self, reason: str, n: int = 1) -> None:
        """Count ``n`` items the running step set aside (not failures) under ``reason``."""
        self._dropped[reason] += n

    def keep(self, rows: Sequence[int]) -> None:
        """Only the given rows of the articles and what is attached to them, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        self.articles = [self.articles[i] for i in rows]
        if self.fingerprints is not None:
            self.fingerprints = self.fingerprints.take(rows)
        if self.line_hashes is not None:
            self.line_hashes = [self.line_hashes[i] for i in rows]
        if self.stories is not None:
            self.stories = [self.stories[i] for i in rows]

    def size(self) -> int:
        """Characters of content and body: what extracting and cleaning the batch costs grows with."""
        return sum(len(a.content) + len(a.body) for a in self.articles)

    def parts(self, n: int) -> list[Batch]:
        """The articles in at most ``n`` consecutive parts of about the same cost, to process
        apart, then ``merge``: an article costs ``ARTICLE_CHARS`` plus its length in characters
        (what extraction and cleaning grow with besides the page count)."""
        if not self.articles:
            return []
        lengths = np.cumsum([len(a.content) + len(a.body) + ARTICLE_CHARS for a in self.articles])
        cuts = np.searchsorted(lengths, lengths[-1] * np.arange(1, max(n, 1)) / max(n, 1), side="right")
        bounds = np.unique(np.r_[0, cuts, len(self.articles)])
        return [Batch(self.articles[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:])]

    def merge(self, parts: Sequence[Batch]) -> None:
        """The articles, attachments, failures and counts of ``parts`` (processed apart, in order) in place of ours."""
        self.articles = [a for p in parts for a in p.articles]
        self.failures += [f for p in parts for f in p.failures]
        if parts and parts[0].fingerprints is not None:
            self.fingerprints = Fingerprints.concat([p.fingerprints for p in parts])
        if parts and parts[0].line_hashes is not None:
            self.line_hashes = [h for p in parts for h in p.line_hashes]
        if parts and parts[0].stories is not None:
            self.stories = [s for p in parts for s in p.stories]
        self.counts += totals(c for p in parts for c in p.counts)


def _batch(columns: tuple[tuple[Any, ...], ...], state: dict[str, Any]) -> Batch:
    """A Batch from its articles' columns and its other fields (``Batch.__reduce__``)."""
    batch = object.__new__(Batch)
    batch.__dict__.update(articles=articles_from_columns(columns), **state)
    return batch


class Step:
    """One job over a batch. ``per_article`` steps depend on each article alone, so the flow
    may run them on workers, on parts of a batch; the others run where the warehouse is."""

    name: ClassVar[str]
    per_article: ClassVar[bool] = False
    retry_safe: ClassVar[bool] = False  # may run again after an error (its writes roll back)

    def run(self, batch: Batch) -> Batch:
        raise NotImplementedError

    def __call__(self, batch: Batch) -> Batch:
        start, seen, failed = time.perf_counter(), len(batch.articles), len(batch.failures)
        batch._dropped = Counter()
        batch = self.run(batch)
        dropped = Counter(short_reason(f.reason) for f in batch.failures[failed:]) + batch._dropped
        batch.counts.append(StepCount(self.name, seen, seen - sum(dropped.values()), dropped,
                                      time.perf_counter() - start))
        return batch


def totals(counts: Iterable[StepCount]) -> list[StepCount]:
    """Counts of the same step added up, in the order the steps first appear."""
    by_step: dict[str, StepCount] = {}
    for count in counts:
        by_step[count.step] = by_step[count.step].add(count) if count.step in by_step else count
    return list(by_step.values())


def run_steps(steps: Sequence[Step], batch: Batch) -> Batch:
    """The batch through ``steps``, in order."""
    for step in steps:
        batch = step(batch)
    return batch

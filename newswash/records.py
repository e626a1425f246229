"""The one record type that flows through every stage: read → extract → clean → dedup → load."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple


class Removal(NamedTuple):
    """One piece of text a cleaning rule took out of an article."""

    rule: str
    text: str


@dataclass
class Article:
    """A news article on its way through the pipeline.

    Readers fill ``url``, ``source``, ``content`` and ``content_type`` (and whatever
    metadata the input carries); extraction fills the metadata and ``body``;
    cleaning rewrites ``body`` and records each ``Removal``; dedup fills the
    cluster fields. ``error`` holds the reason when a stage could not process it.
    """

    url: str
    source: str = ""
    path: str | None = None
    content: str = ""
    content_type: Literal["html", "text"] = "text"
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    language: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    attribution: str | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    paywalled: bool = False
    body: str = ""
    removals: list[Removal] = field(default_factory=list)
    error: str | None = None


class Failure(NamedTuple):
    """An input that could not become an article, with the reason."""

    location: str
    stage: str
    reason: str


@dataclass
class StepCount:
    """What one pipeline step did in a run (or a batch): items that came in (``seen``),
    went on (``kept``), were dropped (by reason), and the seconds it took.
    ``seen == kept + dropped_total``."""

    step: str
    seen: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    def add(self, other: StepCount) -> None:
        """Count ``other`` (the same step, another batch or part) in, in place."""
        self.seen += other.seen
        self.kept += other.kept
        self.dropped.update(other.dropped)
        self.seconds += other.seconds

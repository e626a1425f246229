"""The one record type that flows through every stage: read → extract → clean → dedup → load;
and the counts each step keeps of it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter
from typing import Any, Literal, NamedTuple


class Removal(NamedTuple):
    """One piece of text a cleaning rule took out of an article."""

    rule: str
    text: str


@dataclass
class Article:
    """A news article on its way through the pipeline.

    Readers fill ``url``, ``source``, ``content`` and ``content_type`` (and whatever
    metadata the input carries); extraction fills the metadata and ``body``;
    cleaning rewrites ``body`` and records each ``Removal`` (and in ``kept`` each one
    its safety net refused, so not applied); dedup fills the
    cluster fields. ``error`` holds the reason when a stage could not process it.
    ``revises`` is the id of the stored article a revisited page is a new fetch of.
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
    kept: list[Removal] = field(default_factory=list)
    error: str | None = None
    revises: int | None = None

    def __reduce__(self) -> tuple[Callable[..., Article], tuple[Any, ...]]:
        """Pickled as its field values in order: a batch of articles travels to a worker and back,
        and loads in about half the time of the instance dictionary pickle writes by default
        (2,000 articles: 12 ms against 21, in the flow's process)."""
        return _article, _values(self)


def _article(*values: Any) -> Article:
    """An Article from its field values in order (``Article.__reduce__``)."""
    article = object.__new__(Article)
    article.__dict__.update(zip(_FIELDS, values))
    return article


def article_columns(articles: list[Article]) -> tuple[tuple[Any, ...], ...]:
    """The articles' field values as columns, one tuple a field (``articles_from_columns``
    gives them back). A batch pickles its articles so: pickling them one by one calls each
    one's ``__reduce__`` (5,000 texts: 37 ms, as columns 14)."""
    return tuple(zip(*map(_values, articles)))


def articles_from_columns(columns: tuple[tuple[Any, ...], ...]) -> list[Article]:
    """The articles whose ``article_columns`` these are."""
    return list(map(_article, *columns)) if columns else []


_FIELDS = tuple(f.name for f in fields(Article))
_values = attrgetter(*_FIELDS)


class Failure(NamedTuple):
    """An input that could not become an article, with the reason."""

    location: str
    stage: str
    reason: str


@dataclass(frozen=True)
class StepCount:
    """One pipeline step's counts in a run: items in (``seen``), items passed on (``kept``),
    items dropped per reason, and the seconds spent (summed over batches and workers).
    Always ``seen == kept + sum(dropped.values())``."""

    step: str
    seen: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.seen != self.kept + self.dropped_total:
            raise ValueError(f"step {self.step!r}: seen {self.seen} != kept {self.kept} + dropped {self.dropped_total}")

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    def add(self, other: StepCount) -> StepCount:
        """This step's counts and `other`'s (the same step in another batch or worker) together."""
        if other.step != self.step:
            raise ValueError(f"cannot add the counts of step {other.step!r} to {self.step!r}")
        return StepCount(self.step, self.seen + other.seen, self.kept + other.kept,
                         self.dropped + other.dropped, self.seconds + other.seconds)

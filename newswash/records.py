"""The one record type that flows through every stage: read → extract → clean → dedup → load."""

from __future__ import annotations

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
    cleaning rewrites ``body`` and records each ``Removal`` (and in ``kept`` each one
    its safety net refused, so not applied); dedup fills the
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
    kept: list[Removal] = field(default_factory=list)
    error: str | None = None


class Failure(NamedTuple):
    """An input that could not become an article, with the reason."""

    location: str
    stage: str
    reason: str

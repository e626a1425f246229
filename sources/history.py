"""What the crawl knows of earlier runs, through an interface (the warehouse implements it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from newswash.sources.fetcher import Response


@dataclass(frozen=True)
class LastFetch:
    """What newswash knows about a URL from earlier fetches."""

    outcome: str
    fetched_at: datetime
    etag: str | None
    last_modified: str | None
    warc_path: str | None
    warc_offset: int | None

    def fresh(self, max_age: float, now: datetime) -> bool:
        """Recently settled: fetched, unchanged or refused less than `max_age` seconds ago."""
        return self.outcome != "failed" and now - self.fetched_at < timedelta(seconds=max_age)


class FetchHistory(Protocol):
    """The stored articles and requests, as the crawl asks about them and adds to them."""

    def known_urls(self, urls: list[str]) -> set[str]:
        """The subset of ``urls`` already stored as articles."""

    def first_fetches(self, urls: list[str]) -> dict[str, tuple[int, datetime]]:
        """For each of ``urls`` stored as an article: its id and when it was first stored."""

    def last_fetches(self, urls: list[str]) -> dict[str, LastFetch]:
        """For each URL with a history: its latest outcome, and the validators and archive of its latest 200."""

    def record_fetches(self, run_id: int, rows: list[tuple[Response, str, str | None, dict]]) -> None:
        """Append (response, kind, source, extra) rows; extra holds canonical_url, warc_path, warc_offset."""

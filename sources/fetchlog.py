"""The fetch_log table: every request recorded, and what the last one says about a URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

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


def last_fetches(con: duckdb.DuckDBPyConnection, urls: list[str]) -> dict[str, LastFetch]:
    """For each URL with a history: its latest outcome, and the validators and archive of its latest 200."""
    if not urls:
        return {}
    rows = con.execute(
        """
        SELECT url,
               arg_max(outcome, fetched_at), max(fetched_at),
               arg_max(etag, fetched_at) FILTER (WHERE outcome = 'fetched'),
               arg_max(last_modified, fetched_at) FILTER (WHERE outcome = 'fetched'),
               arg_max(warc_path, fetched_at) FILTER (WHERE outcome = 'fetched'),
               arg_max(warc_offset, fetched_at) FILTER (WHERE outcome = 'fetched')
        FROM fetch_log WHERE url IN (SELECT unnest(?)) GROUP BY url
        """,
        [urls],
    ).fetchall()
    return {row[0]: LastFetch(*row[1:]) for row in rows}


def record(con: duckdb.DuckDBPyConnection, run_id: int, rows: list[tuple[Response, str, str, dict]]) -> None:
    """Append (response, kind, source, extra) rows; extra holds canonical_url, warc_path, warc_offset."""
    if not rows:
        return
    now = datetime.utcnow()
    con.executemany(
        "INSERT INTO fetch_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (run_id, r.url, r.final_url or r.url, kind, source, r.status, r.wire_bytes, round(r.elapsed, 4),
             r.attempts, r.outcome, r.reason or None, r.media_type or None, r.header("etag"),
             r.header("last-modified"), extra.get("canonical_url"), extra.get("warc_path"),
             extra.get("warc_offset"), now)
            for r, kind, source, extra in rows
        ],
    )

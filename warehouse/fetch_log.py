"""The fetch_log table: every request recorded, and what the last one says about a URL."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from newswash.sources.fetcher import Response
from newswash.sources.history import LastFetch
from newswash.warehouse.store import registered

_COLUMNS = pa.schema([
    ("run_id", pa.int64()), ("url", pa.string()), ("final_url", pa.string()), ("kind", pa.string()),
    ("source", pa.string()), ("status", pa.int32()), ("bytes", pa.int64()), ("elapsed", pa.float64()),
    ("attempts", pa.int32()), ("outcome", pa.string()), ("reason", pa.string()), ("content_type", pa.string()),
    ("etag", pa.string()), ("last_modified", pa.string()), ("canonical_url", pa.string()),
    ("warc_path", pa.string()), ("warc_offset", pa.int64()), ("fetched_at", pa.timestamp("us")),
])


def last_fetches(con: duckdb.DuckDBPyConnection, urls: list[str]) -> dict[str, LastFetch]:
    """For each URL with a history: its latest outcome, and the validators and archive of its latest 200."""
    if not urls:
        return {}
    with registered(con, "asked_urls", url=pa.array(urls, pa.string())):
        rows = con.execute(
            """
            SELECT url,
                   arg_max(outcome, fetched_at), max(fetched_at),
                   arg_max(etag, fetched_at) FILTER (WHERE outcome = 'fetched'),
                   arg_max(last_modified, fetched_at) FILTER (WHERE outcome = 'fetched'),
                   arg_max(warc_path, fetched_at) FILTER (WHERE outcome = 'fetched'),
                   arg_max(warc_offset, fetched_at) FILTER (WHERE outcome = 'fetched')
            FROM fetch_log WHERE url IN (SELECT url FROM asked_urls) GROUP BY url
            """
        ).fetchall()
    return {row[0]: LastFetch(*row[1:]) for row in rows}


def record(con: duckdb.DuckDBPyConnection, run_id: int, rows: list[tuple[Response, str, str, dict]]) -> None:
    """Append (response, kind, source, extra) rows; extra holds canonical_url, warc_path, warc_offset."""
    if not rows:
        return
    now = datetime.utcnow()
    table = pa.Table.from_pylist([
        dict(zip(_COLUMNS.names, (
            run_id, r.url, r.final_url or r.url, kind, source, r.status, r.wire_bytes, round(r.elapsed, 4),
            r.attempts, r.outcome, r.reason or None, r.media_type or None, r.header("etag"),
            r.header("last-modified"), extra.get("canonical_url"), extra.get("warc_path"),
            extra.get("warc_offset"), now,
        )))
        for r, kind, source, extra in rows
    ], schema=_COLUMNS)
    with registered(con, "fetch_rows", table):
        con.execute("INSERT INTO fetch_log BY NAME SELECT * FROM fetch_rows")

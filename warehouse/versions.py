"""The stored versions of one article (``newswash diff``)."""

from __future__ import annotations

from typing import Any

import duckdb

VERSION_COLUMNS = ("version", "fetched_at", "title", "body", "words_added", "words_removed")


def versions_of(con: duckdb.DuckDBPyConnection, urls: list[str]) -> list[dict[str, Any]]:
    """Every version (version, fetched_at, title, body, words_added, words_removed) of the
    article stored under the first of ``urls`` that is stored, oldest first; [] if none is."""
    rows = con.execute(
        f"""
        SELECT {", ".join(f"v.{c}" for c in VERSION_COLUMNS)}
        FROM article_versions v JOIN articles a ON a.id = v.article_id
        WHERE a.id = (SELECT id FROM articles WHERE url IN (SELECT unnest(?)) ORDER BY list_position(?, url) LIMIT 1)
        ORDER BY v.version
        """,
        [urls, urls],
    ).fetchall()
    return [dict(zip(VERSION_COLUMNS, row)) for row in rows]

"""Which URLs are stored: article ids by URL hash, kept beside the warehouse (``<warehouse>-urls/``,
``warehouse/sidecar.py``) and caught up from ``articles`` by id, so that a batch's question
costs what the batch costs. A hit is a hint, checked against the URL stored under its id."""

from __future__ import annotations

import duckdb
import numpy as np

from newswash.warehouse.sidecar import Sidecar, caught_up, int64s, text_keys
from newswash.warehouse.store import registered

CATCH_UP_IDS = 200_000  # article ids read at a time while the lookup catches up
PARTS = {"urls": np.int64}


def stored_ids(con: duckdb.DuckDBPyConnection, urls: list[str]) -> dict[str, int]:
    """The article id of each of ``urls`` that is stored."""
    if not urls:
        return {}
    lookup = caught_up(con, "urls", PARTS, {"urls": "articles"}, "id", CATCH_UP_IDS, _read_urls)
    found, ids = lookup.probe("urls", text_keys(urls))
    if not len(ids):
        return {}
    with registered(con, "hit_ids", id=ids):  # the range lets DuckDB read only the row groups of the hits
        stored = dict(con.execute("SELECT id, url FROM articles WHERE id BETWEEN ? AND ? AND id IN (SELECT id FROM hit_ids)",
                                  [int(ids.min()), int(ids.max())]).fetchall())
    return {urls[i]: int(j) for i, j in zip(found.tolist(), ids.tolist()) if stored.get(j) == urls[i]}


def _read_urls(con: duckdb.DuckDBPyConnection, lookup: Sidecar, lo: int, hi: int) -> None:
    rows = con.execute("SELECT id, url FROM articles WHERE id BETWEEN ? AND ?", [lo, hi]).fetch_arrow_table()
    lookup.add("urls", text_keys(rows.column("url")), int64s(rows.column("id")))

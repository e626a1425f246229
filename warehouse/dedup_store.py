"""The warehouse as a ``ClusterStore``: what clustering asks of the stored articles, in SQL."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from newswash.dedup import SIGNATURE_DTYPE, UNKNOWN_DATE, Sketches
from newswash.warehouse.store import registered


class WarehouseStore:
    """The articles stored in the warehouse (with ``below``: those with a smaller id only)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, below: int | None = None) -> None:
        self.con, self.below = con, below

    def stored_candidates(self, keys: np.ndarray, exact: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The batch's keys are the small side of each join (the stored ones are probed
        against them); a pair sharing several bands comes several times from SQL and is
        made unique here, with one numpy sort of (row, id) packed in an int64."""
        n, bands = keys.shape
        limit = "" if self.below is None else f"AND o.article_id < {int(self.below)}"
        with registered(self.con, "batch_keys", row=np.repeat(np.arange(n, dtype=np.int64), bands),
                        key=keys.reshape(-1)), \
             registered(self.con, "batch_exact", row=np.arange(n, dtype=np.int64),
                        exact=pa.array([e.decode() for e in exact], pa.string())):
            table = self.con.execute(f"""
                SELECT q.row AS a, o.article_id AS b FROM band_keys o JOIN batch_keys q ON o.key = q.key {limit}
                UNION ALL
                SELECT q.row, o.article_id FROM signatures o JOIN batch_exact q ON o.exact = q.exact {limit}
            """).fetch_arrow_table()
        a = table.column("a").to_numpy().astype(np.int64)
        b = table.column("b").to_numpy().astype(np.int64)
        if not len(a):
            return a, b
        assert b.max() < 2**32, "article ids beyond 2**32"
        packed = _distinct((a << 32) | b)
        return packed >> 32, packed & 0xFFFFFFFF

    def sketches(self, ids: np.ndarray) -> Sketches:
        with registered(self.con, "wanted", article_id=_distinct(np.asarray(ids, dtype=np.int64))):
            table = self.con.execute(
                "SELECT article_id, exact, size, signature FROM signatures JOIN wanted USING (article_id) "
                "ORDER BY article_id"
            ).fetch_arrow_table()
        blobs = table.column("signature").combine_chunks()
        if isinstance(blobs, pa.ChunkedArray):  # no chunks at all
            blobs = pa.array([], pa.binary())
        offsets = np.frombuffer(blobs.buffers()[1], dtype=np.int32)[blobs.offset : blobs.offset + len(blobs) + 1]
        data = np.frombuffer(blobs.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]] if len(blobs) else \
            np.zeros(0, dtype=np.uint8)
        found = table.column("article_id").to_numpy().astype(np.int64)
        return Sketches(found, np.array(table.column("exact").to_pylist(), dtype="S32").reshape(-1),
                        table.column("size").to_numpy().astype(np.int64),
                        data.view(SIGNATURE_DTYPE).reshape(len(found), -1))

    def cluster_members(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with registered(self.con, "matched_old", id=np.asarray(ids, dtype=np.int64)):
            members = self.con.execute(
                "SELECT id, cluster_id FROM articles WHERE cluster_id IN "
                "(SELECT cluster_id FROM articles JOIN matched_old USING (id)) AND id <> cluster_id"
            ).fetch_arrow_table()
        return (members.column("id").to_numpy().astype(np.int64),
                members.column("cluster_id").to_numpy().astype(np.int64))

    def published(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        with registered(self.con, "wanted_dates", id=ids):
            table = self.con.execute(
                "SELECT id, coalesce(epoch_us(published_at), ?) AS us FROM articles JOIN wanted_dates USING (id) "
                "ORDER BY id", [int(UNKNOWN_DATE)]
            ).fetch_arrow_table()
        found = table.column("id").to_numpy().astype(np.int64)
        when = table.column("us").to_numpy().astype(np.int64)
        return when[np.searchsorted(found, ids)]


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique hashes, several times slower on millions of int64)."""
    values = np.sort(values)
    return values[np.append(True, values[1:] != values[:-1])] if len(values) else values

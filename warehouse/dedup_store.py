"""The warehouse as a ``ClusterStore``: candidates and sketches from the index beside the DuckDB
file (``dedup/index.py``), clusters and dates in SQL; and that index kept caught up with the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from newswash.dedup import SIGNATURE_DTYPE, UNKNOWN_DATE, DedupSettings, Fingerprints, Sketches
from newswash.dedup.index import StoredIndex
from newswash.warehouse.store import beside, registered, rows_past

CATCH_UP_ROWS = 100_000  # ids of signatures read from DuckDB at a time while the index catches up


def index_folder(con: duckdb.DuckDBPyConnection) -> Path:
    """``<warehouse>-dedup/`` next to the DuckDB file."""
    return beside(con, "dedup")


def caught_up_index(con: duckdb.DuckDBPyConnection, settings: DedupSettings) -> StoredIndex:
    """The warehouse's index with every stored signature in it. The warehouse is the truth: an
    index that covers ids the warehouse lacks, misses some below its highest, or was left
    ``dirty`` by signatures rewritten in a run that died, is rebuilt; one behind (a run killed
    between a batch's commit and its ``put``, a warehouse from before the index) reads the rest."""
    index = StoredIndex.for_settings(index_folder(con), settings)
    total, past, top = rows_past(con, "signatures", "article_id", index.covered)  # appended in id order
    if index.dirty or total - past != index.count or (index.covered and not _stored(con, index.covered)):
        index.reset()
        _, _, top = rows_past(con, "signatures", "article_id", index.covered)
    highest = top or index.covered
    for lo in range(index.covered + 1, highest + 1, CATCH_UP_ROWS):  # ids are dense: ranges of them
        sketches = sketches_of(con.execute(
            "SELECT article_id, exact, size, signature FROM signatures WHERE article_id BETWEEN ? AND ? "
            "ORDER BY article_id", [lo, lo + CATCH_UP_ROWS - 1]).fetch_arrow_table())
        index.put(sketches.ids, sketches.fingerprints(settings))
    return index


def _stored(con: duckdb.DuckDBPyConnection, article_id: int) -> bool:
    return con.execute("SELECT count(*) FROM signatures WHERE article_id = ?", [article_id]).fetchone()[0] > 0


def index_as_it_stands(con: duckdb.DuckDBPyConnection, settings: DedupSettings) -> StoredIndex:
    """The warehouse's index without a catch-up: inside a batch's transaction, after the
    batch's ``caught_up_index``, it holds everything stored before the batch."""
    return StoredIndex.for_settings(index_folder(con), settings)


def index_written(con: duckdb.DuckDBPyConnection, ids: np.ndarray, fingerprints: Fingerprints) -> None:
    """After a batch's commit: its sketches into the index, when the index covers everything
    before them; else, or if the index cannot be written, the next catch-up reads them from
    the warehouse (the batch is committed: this must not fail the load)."""
    index = StoredIndex.existing(index_folder(con))
    if index is not None and len(ids) and not index.dirty and index.covered < int(np.min(ids)):
        try:
            index.put(np.asarray(ids, dtype=np.int64), fingerprints)
        except OSError:
            pass


def reindex(con: duckdb.DuckDBPyConnection, ids: np.ndarray, fingerprints: Fingerprints,
            rewrite: Callable[[], None]) -> None:
    """Run ``rewrite`` (a transaction rewriting the stored signatures of ``ids``, row i of
    ``fingerprints`` being ``ids[i]``'s), then put the new ones in the index: marked ``dirty``
    in between, so that a run dying there leaves an index the next catch-up rebuilds. Ids the
    index does not cover yet are left to the catch-up, which reads them as rewritten."""
    index = StoredIndex.existing(index_folder(con))
    if index is None:
        rewrite()
        return
    index.mark_dirty()
    rewrite()
    covered = np.flatnonzero(np.asarray(ids, dtype=np.int64) <= index.covered)
    index.put(np.asarray(ids, dtype=np.int64)[covered], fingerprints.take(covered))


class WarehouseStore:
    """The articles stored in the warehouse (with ``below``: those with a smaller id only)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, index: StoredIndex, below: int | None = None) -> None:
        self.con, self.index, self.below = con, index, below

    def stored_candidates(self, keys: np.ndarray, exact: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.index.candidates(keys, exact, self.below)

    def sketches(self, ids: np.ndarray) -> Sketches:
        return self.index.sketches(ids)

    def cluster_members(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not len(ids):  # a batch that matched nothing stored (a scan of the clusters spared)
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
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


def sketches_of(table: pa.Table) -> Sketches:
    """Sketches from rows (article_id, exact, size, signature) of ``signatures``."""
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

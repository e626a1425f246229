"""Load: the batch's articles, line counts, clusters and failures into the warehouse."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newswash.dedup import DedupSettings
from newswash.step import Batch, Step

if TYPE_CHECKING:
    from newswash.warehouse import Warehouse


class Load(Step):
    """One transaction per batch: all of it or, after a crash, none (a rerun redoes it). A
    revision updates its article and forms its cluster again (``settings``: how). ``pending``:
    a backfill's batch, listed to be clustered across batches after the last one."""

    name = "load"
    retry_safe = True

    def __init__(self, warehouse: Warehouse, run_id: int, settings: DedupSettings, pending: bool = False) -> None:
        self.warehouse, self.run_id, self.settings, self.pending = warehouse, run_id, settings, pending

    def run(self, batch: Batch) -> Batch:
        self.warehouse.load(self.run_id, batch.ids, batch.articles, batch.fingerprints, batch.clusters,
                            self.settings, batch.line_counts, batch.failures, self.pending)
        return batch

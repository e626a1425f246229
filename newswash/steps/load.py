"""Load: the batch's articles, line counts, clusters and failures into the warehouse."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newswash.step import Batch, Step

if TYPE_CHECKING:
    from newswash.warehouse import Warehouse


class Load(Step):
    """One transaction per batch: all of it or, after a crash, none (a rerun redoes it)."""

    name = "load"
    retry_safe = True

    def __init__(self, warehouse: Warehouse, run_id: int) -> None:
        self.warehouse, self.run_id = warehouse, run_id

    def run(self, batch: Batch) -> Batch:
        self.warehouse.load(self.run_id, batch.ids, batch.articles, batch.fingerprints, batch.clusters,
                            batch.line_counts, batch.failures)
        return batch

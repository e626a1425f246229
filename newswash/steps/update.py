"""Update: re-extracted articles in place of their stored versions (``newswash reprocess``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newswash.step import Batch, Step

if TYPE_CHECKING:
    from newswash.warehouse import Warehouse


class Update(Step):
    """Every stored field, the cleaning log and the signatures, one transaction per batch;
    ``ids`` maps each URL to its stored article."""

    name = "update"
    retry_safe = True

    def __init__(self, warehouse: Warehouse, run_id: int, ids: dict[str, int]) -> None:
        self.warehouse, self.run_id, self.ids = warehouse, run_id, ids

    def run(self, batch: Batch) -> Batch:
        self.warehouse.update(self.run_id, [self.ids[a.url] for a in batch.articles], batch.articles,
                              batch.fingerprints, batch.failures)
        return batch

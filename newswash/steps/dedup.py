"""Dedup: each new article's cluster among everything stored (``dedup/clusters.py``), or in a
backfill among its own batch (the rest comes after the last batch); nothing written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newswash.dedup import DedupSettings
from newswash.step import Batch, Step

if TYPE_CHECKING:
    from newswash.warehouse import Warehouse


class Dedup(Step):
    """Counts exact and near duplicates as dropped (from the corpus of canonical stories);
    every article still goes on to be loaded, with its cluster and provenance."""

    name = "dedup"

    def __init__(self, warehouse: Warehouse, settings: DedupSettings, alone: bool = False) -> None:
        self.warehouse, self.settings, self.alone = warehouse, settings, alone

    def run(self, batch: Batch) -> Batch:
        if batch.articles and batch.fingerprints is not None:
            batch.ids, batch.clusters = self.warehouse.cluster(batch.articles, batch.fingerprints, self.settings,
                                                               self.alone)
            batch.drop("exact duplicate", batch.clusters.exact_duplicates)
            batch.drop("near duplicate", batch.clusters.near_duplicates)
        return batch

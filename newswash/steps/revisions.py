"""Revisions: a revisited article (``revises``) whose cleaned title and body are those stored
goes no further; a changed one goes on to be stored as its article's next version."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from newswash.step import Batch, Step

if TYPE_CHECKING:
    from newswash.warehouse import Warehouse


class Revisions(Step):
    """Compares after cleaning and learned boilerplate, so a page whose only change is its
    furniture, ads or a timestamp is ``unchanged``. New articles pass through."""

    name = "revisions"

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def run(self, batch: Batch) -> Batch:
        stored = self.warehouse.stored_texts([a.revises for a in batch.articles if a.revises is not None])
        keep = [a.revises is None or stored.get(a.revises) != (a.title, a.body) for a in batch.articles]
        batch.drop("unchanged", keep.count(False))
        batch.keep(np.flatnonzero(keep))
        return batch

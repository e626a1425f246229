"""Skip known: an article whose URL is stored already, or came earlier in this run, goes no further."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newswash.step import Batch, Step

if TYPE_CHECKING:
    from newswash.warehouse import Warehouse


class SkipKnown(Step):
    """The first copy of a URL in a run goes on; stored URLs and later copies are dropped."""

    name = "skip known"

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.seen: set[str] = set()

    def run(self, batch: Batch) -> Batch:
        known = self.warehouse.known_urls([a.url for a in batch.articles])
        fresh = {}
        for article in batch.articles:
            if article.url in known:
                batch.drop("known URL")
            elif article.url in self.seen or article.url in fresh:
                batch.drop("repeated in this run")
            else:
                fresh[article.url] = article
        self.seen.update(fresh)
        batch.articles = list(fresh.values())
        return batch

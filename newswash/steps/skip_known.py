"""Skip known: an article whose URL is stored already, or came earlier in this run, goes no
further, unless its page is due to be re-checked for edits (a revisit, ``Crawl.revisits``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newswash.step import Batch, Step

if TYPE_CHECKING:
    from newswash.sources.crawl import Crawl
    from newswash.warehouse import Warehouse


class SkipKnown(Step):
    """The first copy of a URL in a run goes on; stored URLs and later copies are dropped. A
    stored page due for a revisit goes on to be fetched again, with ``revises`` set to its id."""

    name = "skip known"

    def __init__(self, warehouse: Warehouse, crawl: Crawl) -> None:
        self.warehouse, self.crawl = warehouse, crawl
        self.seen: set[str] = set()

    def run(self, batch: Batch) -> Batch:
        known = self.warehouse.known_urls([a.url for a in batch.articles])
        due = self.crawl.revisits([a for a in batch.articles if a.url in known])
        fresh = {}
        for article in batch.articles:
            if article.url in known and article.url not in due:
                batch.drop("known URL")
            elif article.url in self.seen or article.url in fresh:
                batch.drop("repeated in this run")
            else:
                article.revises = due.get(article.url)
                fresh[article.url] = article
        self.seen.update(fresh)
        batch.articles = list(fresh.values())
        return batch

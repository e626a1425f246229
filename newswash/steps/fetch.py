"""Fetch: the pages of articles known by their URL only, politely (see ``sources/crawl.py``)."""

from __future__ import annotations

from newswash.records import Article
from newswash.sources.crawl import Crawl
from newswash.step import Batch, Step


class Fetch(Step):
    """Stubs become pages; a failed request is a failure, a page not modified (304) or
    fetched recently is dropped. Articles that carry their content pass through."""

    name = "fetch"

    def __init__(self, crawl: Crawl) -> None:
        self.crawl = crawl

    def run(self, batch: Batch) -> Batch:
        if not any(map(Crawl.is_stub, batch.articles)):
            return batch
        before = dict(self.crawl.counts)
        result = self.crawl.fetch_pages(batch.articles)
        batch.articles = [item for item in result if isinstance(item, Article)]
        batch.failures += [item for item in result if not isinstance(item, Article)]
        batch.drop("not modified", self.crawl.counts["unchanged"] - before.get("unchanged", 0))
        batch.drop("fetched recently", self.crawl.counts["skipped"] - before.get("skipped", 0))
        return batch

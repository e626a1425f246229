"""Extract: text and metadata of each page (trafilatura; ``cleaners/extract.py``)."""

from __future__ import annotations

from newswash.records import Failure
from newswash.step import Batch, Step


class Extract(Step):
    """A page that gives no text, or breaks the extractor, is a failure; the raw page is
    not carried further."""

    name = "extract"
    per_article = True

    def run(self, batch: Batch) -> Batch:
        # trafilatura loads (0.2 s) where pages are extracted, not in the flow's process, which only builds the step
        from newswash.cleaners.extract import extract

        kept = []
        for article in batch.articles:
            try:
                article = extract(article)
            except Exception as exc:  # a broken page must not stop the batch
                article.error = f"{type(exc).__name__}: {exc}"
            if article.error:
                batch.failures.append(Failure(article.url, "extract", article.error))
            else:
                article.content = ""
                kept.append(article)
        batch.articles = kept
        return batch

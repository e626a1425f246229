"""Clean: the rules of the cleaning config and the story-structure steps, article by article."""

from __future__ import annotations

from newswash.cleaners import Cleaner
from newswash.records import Failure
from newswash.step import Batch, Step

NO_TEXT = "no text left after cleaning"


class Clean(Step):
    """Every removed line becomes a ``Removal``; an article left with no text is a failure."""

    name = "clean"
    per_article = True

    def __init__(self, cleaner: Cleaner) -> None:
        self.cleaner = cleaner

    def run(self, batch: Batch) -> Batch:
        kept = []
        for article, cleaned in zip(batch.articles, self.cleaner.clean_all(batch.articles)):
            if isinstance(cleaned, Exception):
                batch.failures.append(Failure(article.url, "clean", f"{type(cleaned).__name__}: {cleaned}"))
            elif article.body.strip():
                kept.append(article)
            else:
                batch.failures.append(Failure(article.url, "clean", NO_TEXT))
        batch.articles = kept
        return batch

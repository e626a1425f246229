"""The stages between reading and loading, as plain functions over batches of articles."""

from __future__ import annotations

from dataclasses import dataclass, field

from newswash.cleaners import Cleaner, extract
from newswash.cleaners.boilerplate import LineCounts
from newswash.dedup import DedupSettings, Fingerprints, fingerprint
from newswash.records import Article, Failure


@dataclass
class Processed:
    """A batch after extraction, cleaning and fingerprinting."""

    articles: list[Article]
    fingerprints: Fingerprints
    failures: list[Failure] = field(default_factory=list)


def extract_and_clean(article: Article, cleaner: Cleaner) -> Article | Failure:
    """One article through extraction and cleaning; any problem becomes a Failure with its reason."""
    try:
        article = extract(article)
        if article.error:
            return Failure(article.url, "extract", article.error)
        article = cleaner(article)
    except Exception as exc:  # a broken page must not stop the batch
        return Failure(article.url, "extract", f"{type(exc).__name__}: {exc}")
    if not article.body.strip():
        return Failure(article.url, "clean", "no text left after cleaning")
    article.content = ""  # the raw page is not carried past extraction
    return article


def process(
    articles: list[Article], cleaner: Cleaner, dedup: DedupSettings, stored_lines: LineCounts | None = None
) -> Processed:
    """Extract, clean (per article, then learned site boilerplate over the batch) and fingerprint."""
    kept: list[Article] = []
    failures: list[Failure] = []
    for article in articles:
        result = extract_and_clean(article, cleaner)
        (failures if isinstance(result, Failure) else kept).append(result)
    cleaner.remove_boilerplate(kept, stored_lines)
    failures += [Failure(a.url, "clean", a.error) for a in kept if a.error]
    kept = [a for a in kept if not a.error]
    return Processed(kept, fingerprint([a.body for a in kept], dedup), failures)

"""The stages between reading and loading, as plain functions over batches of articles.

`process` is the CPU-heavy part and runs on the executor's workers: extraction, cleaning,
fingerprints and line hashes, each article on its own. `remove_learned_boilerplate` runs
where the warehouse is: it needs the stored counts of the batch's lines, which only the
batch's line hashes can select (loading every stored count of a source would cost time
in the size of the warehouse, at every batch).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from newswash.cleaners import Cleaner, extract
from newswash.cleaners.boilerplate import LineCounts, body_line_hashes, count_lines
from newswash.dedup import DedupSettings, Fingerprints, fingerprint
from newswash.records import Article, Failure


@dataclass
class Processed:
    """A batch after extraction, cleaning and fingerprinting; ``line_hashes[i]`` are article
    i's ``body_line_hashes`` (what learned boilerplate is decided on)."""

    articles: list[Article]
    fingerprints: Fingerprints
    failures: list[Failure] = field(default_factory=list)
    line_hashes: list[list[int]] = field(default_factory=list)

    @classmethod
    def merge(cls, parts: list[Processed]) -> Processed:
        """One batch from parts processed apart, in order."""
        return cls(
            [a for p in parts for a in p.articles],
            Fingerprints.concat([p.fingerprints for p in parts]),
            [f for p in parts for f in p.failures],
            [h for p in parts for h in p.line_hashes],
        )


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


def process(articles: list[Article], cleaner: Cleaner, dedup: DedupSettings) -> Processed:
    """Extract and clean each article; fingerprint and hash the lines of those that are kept."""
    kept: list[Article] = []
    failures: list[Failure] = []
    for article in articles:
        result = extract_and_clean(article, cleaner)
        (failures if isinstance(result, Failure) else kept).append(result)
    hashes = [body_line_hashes(a) for a in kept]
    return Processed(kept, fingerprint([a.body for a in kept], dedup), failures, hashes)


def remove_learned_boilerplate(
    batch: Processed, cleaner: Cleaner, dedup: DedupSettings, stored: LineCounts
) -> tuple[Processed, LineCounts]:
    """Learned site boilerplate out of a processed batch, given the stored counts of its
    lines: changed articles are fingerprinted again, emptied ones become failures.
    Returns the batch and its line counts (what loading adds to the stored ones)."""
    lengths = [len(a.body) for a in batch.articles]
    counts = cleaner.remove_boilerplate(batch.articles, stored, batch.line_hashes)
    emptied = [a for a in batch.articles if a.error]
    if emptied:  # the counts cover the articles that will be loaded (count_lines skips errors)
        counts = count_lines(batch.articles, batch.line_hashes, stored.stories)
    keep = np.flatnonzero([not a.error for a in batch.articles])
    articles = [batch.articles[i] for i in keep]
    fingerprints = batch.fingerprints.take(keep)
    changed = np.flatnonzero([len(a.body) != lengths[i] for a, i in zip(articles, keep)])
    if len(changed):
        fingerprints.put(changed, fingerprint([articles[i].body for i in changed], dedup))
    failures = batch.failures + [Failure(a.url, "clean", a.error) for a in emptied]
    return Processed(articles, fingerprints, failures, [batch.line_hashes[i] for i in keep]), counts

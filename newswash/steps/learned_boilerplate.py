"""Learned boilerplate: lines that recur across a source's articles (its furniture) leave the
bodies, decided on the stored counts of the batch's own lines (``cleaners/boilerplate.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from newswash.cleaners import Cleaner
from newswash.cleaners.boilerplate import count_lines, story_keys
from newswash.dedup import DedupSettings, fingerprint
from newswash.records import Failure
from newswash.step import Batch, Step

if TYPE_CHECKING:
    from newswash.warehouse import Warehouse


class LearnedBoilerplate(Step):
    """Articles that lose lines are fingerprinted again; an emptied one is a failure. The
    batch's line counts are attached for loading (stories counted before count nothing)."""

    name = "learned boilerplate"

    def __init__(self, warehouse: Warehouse, cleaner: Cleaner, settings: DedupSettings) -> None:
        self.warehouse, self.cleaner, self.settings = warehouse, cleaner, settings

    def run(self, batch: Batch) -> Batch:
        articles, hashes, stories = batch.articles, batch.line_hashes or [], batch.stories
        sources = [a.source for a, _ in zip(articles, hashes)]
        stored = self.warehouse.line_counts(sources, hashes, story_keys(articles, hashes, stories))
        lengths = [len(a.body) for a in articles]
        counts = self.cleaner.remove_boilerplate(articles, stored, hashes, stories)
        emptied = [a for a in articles if a.error]
        if emptied:  # the counts cover the articles that will be loaded (count_lines skips errors)
            counts = count_lines(articles, hashes, stored.stories, stories)
            batch.failures += [Failure(a.url, "clean", a.error) for a in emptied]
        batch.line_counts = counts
        batch.keep(np.flatnonzero([not a.error for a in articles]))
        changed = np.flatnonzero([len(a.body) != lengths[i] for i, a in enumerate(articles) if not a.error])
        if len(changed) and batch.fingerprints is not None:
            batch.fingerprints.put(changed, fingerprint([batch.articles[i].body for i in changed], self.settings))
        return batch

"""Fingerprint: MinHash fingerprints of the bodies, and the hashes of their lines and the story
keys of those (what learned boilerplate is decided on)."""

from __future__ import annotations

from newswash.cleaners.boilerplate import body_line_hashes, stories_of
from newswash.dedup import DedupSettings, fingerprint
from newswash.step import Batch, Step


class Fingerprint(Step):
    """Drops nothing."""

    name = "fingerprint"
    per_article = True

    def __init__(self, settings: DedupSettings) -> None:
        self.settings = settings

    def run(self, batch: Batch) -> Batch:
        batch.fingerprints = fingerprint([a.body for a in batch.articles], self.settings)
        batch.line_hashes = [body_line_hashes(a) for a in batch.articles]
        batch.stories = stories_of(batch.line_hashes)
        return batch

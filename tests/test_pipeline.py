"""The batch stages: processing on a worker, learned boilerplate where the warehouse is."""

from __future__ import annotations

import numpy as np

from newswash.cleaners import Cleaner, count_lines
from newswash.cleaners.boilerplate import SITE_BOILERPLATE, LineCounts
from newswash.dedup import DedupSettings, fingerprint
from newswash.pipeline import Processed, process, remove_learned_boilerplate
from newswash.records import Article

PROMO = "Get the Acme Daily briefing in your inbox every morning"
DEDUP = DedupSettings.from_toml(None)


def story(i: int) -> str:
    return (f"The council of town number {i} voted on the new bridge budget after a long debate on Tuesday.\n\n"
            f"Residents of town {i} said the river crossing had been closed for {i + 3} months.")


def test_learned_boilerplate_leaves_fingerprints_and_counts_as_if_the_lines_were_never_there() -> None:
    articles = [Article(url=f"https://acme.example/{i}", source="acme", content=f"{story(i)}\n\n{PROMO}",
                        content_type="text") for i in range(12)]
    articles.append(Article(url="https://acme.example/promo", source="acme", content=PROMO, content_type="text"))
    processed = process(articles, Cleaner(), DEDUP)
    assert len(processed.articles) == 13 and all(PROMO in a.body for a in processed.articles)

    batch, counts = remove_learned_boilerplate(processed, Cleaner(), DEDUP, LineCounts())

    assert [f.location for f in batch.failures] == ["https://acme.example/promo"]
    assert batch.failures[0].reason == "empty body after removing site boilerplate"
    assert len(batch.articles) == 12 and not any(PROMO in a.body for a in batch.articles)
    assert all(a.removals[-1].rule == SITE_BOILERPLATE for a in batch.articles)
    fresh = fingerprint([a.body for a in batch.articles], DEDUP)
    assert batch.fingerprints.exact == fresh.exact
    assert np.array_equal(batch.fingerprints.signatures, fresh.signatures)
    assert np.array_equal(batch.fingerprints.band_keys, fresh.band_keys)
    assert np.array_equal(batch.fingerprints.sizes, fresh.sizes)
    assert counts == count_lines(batch.articles)  # the emptied article is not counted
    assert counts.articles["acme"] == 12


def test_a_batch_processed_in_parts_merges_into_the_whole() -> None:
    def articles() -> list[Article]:  # fresh objects: processing fills them in place
        return [Article(url=f"https://acme.example/{i}", source="acme", content=story(i) if i != 4 else "  ",
                        content_type="text") for i in range(8)]

    whole = process(articles(), Cleaner(), DEDUP)
    merged = Processed.merge([process(articles()[:3], Cleaner(), DEDUP), process(articles()[3:], Cleaner(), DEDUP)])
    assert [a.body for a in merged.articles] == [a.body for a in whole.articles] and len(whole.articles) == 7
    assert merged.failures == whole.failures and len(whole.failures) == 1
    assert merged.line_hashes == whole.line_hashes
    assert merged.fingerprints.exact == whole.fingerprints.exact
    assert np.array_equal(merged.fingerprints.signatures, whole.fingerprints.signatures)
    assert np.array_equal(merged.fingerprints.sizes, whole.fingerprints.sizes)
    assert np.array_equal(merged.fingerprints.band_keys, whole.fingerprints.band_keys)

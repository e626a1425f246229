"""The pipeline's steps: counted, in parts or whole, learned boilerplate against a real warehouse."""

from __future__ import annotations

import gc
import pickle
from pathlib import Path

import numpy as np

from newswash.cleaners import Cleaner, count_lines
from newswash.cleaners.boilerplate import SITE_BOILERPLATE
from newswash.dedup import fingerprint
from newswash.flows.ingest import PART_CHARS, TAIL_PART_CHARS, TAIL_PARTS, Kept, Sealed, part_count, with_remaining
from newswash.pipeline import UNFETCHED_CHARS, article_steps, ingest_steps, placement, read_batches
from newswash.records import Article, Failure
from newswash.settings import load_settings
from newswash.step import ARTICLE_CHARS, Batch, run_steps
from newswash.steps.fingerprint import Fingerprint
from newswash.steps.learned_boilerplate import LearnedBoilerplate
from newswash.warehouse import Warehouse

PROMO = "Get the Acme Daily briefing in your inbox every morning"
SETTINGS = load_settings()
DEDUP = SETTINGS.dedup


def story(i: int) -> str:
    return (f"The council of town number {i} voted on the new bridge budget after a long debate on Tuesday.\n\n"
            f"Residents of town {i} said the river crossing had been closed for {i + 3} months.")


def processed(articles: list[Article]) -> Batch:
    return run_steps([*article_steps(SETTINGS), Fingerprint(DEDUP)], Batch(articles))


def test_learned_boilerplate_leaves_fingerprints_and_counts_as_if_the_lines_were_never_there(tmp_path: Path) -> None:
    articles = [Article(url=f"https://acme.example/{i}", source="acme", content=f"{story(i)}\n\n{PROMO}",
                        content_type="text") for i in range(12)]
    articles.append(Article(url="https://acme.example/promo", source="acme", content=PROMO, content_type="text"))
    batch = processed(articles)
    assert len(batch.articles) == 13 and all(PROMO in a.body for a in batch.articles)

    with Warehouse.for_writing(tmp_path / "wh.duckdb", 5) as warehouse:
        batch = LearnedBoilerplate(warehouse, Cleaner(), DEDUP)(batch)

    assert [f.location for f in batch.failures] == ["https://acme.example/promo"]
    assert batch.failures[0].reason == "empty body after removing site boilerplate"
    assert batch.counts[-1].step == "learned boilerplate"
    assert (batch.counts[-1].seen, batch.counts[-1].kept) == (13, 12)
    assert batch.counts[-1].dropped == {"empty body after removing site boilerplate": 1}
    assert len(batch.articles) == 12 and not any(PROMO in a.body for a in batch.articles)
    assert all(a.removals[-1].rule == SITE_BOILERPLATE for a in batch.articles)
    fresh = fingerprint([a.body for a in batch.articles], DEDUP)
    assert batch.fingerprints.exact == fresh.exact
    assert np.array_equal(batch.fingerprints.signatures, fresh.signatures)
    assert np.array_equal(batch.fingerprints.band_keys, fresh.band_keys)
    assert np.array_equal(batch.fingerprints.sizes, fresh.sizes)
    assert batch.line_counts == count_lines(batch.articles)  # the emptied article is not counted
    assert batch.line_counts.articles["acme"] == 12


def test_a_batch_processed_in_parts_merges_into_the_whole() -> None:
    def articles() -> list[Article]:  # fresh objects: processing fills them in place
        return [Article(url=f"https://acme.example/{i}", source="acme", content=story(i) if i != 4 else "  ",
                        content_type="text") for i in range(8)]

    whole = processed(articles())
    merged = Batch([])
    merged.merge([processed(part.articles) for part in Batch(articles()).parts(3)])
    assert [a.body for a in merged.articles] == [a.body for a in whole.articles] and len(whole.articles) == 7
    assert merged.failures == whole.failures and len(whole.failures) == 1
    assert merged.line_hashes == whole.line_hashes
    assert merged.stories == whole.stories and len(set(whole.stories)) == 7
    assert merged.fingerprints.exact == whole.fingerprints.exact
    assert np.array_equal(merged.fingerprints.signatures, whole.fingerprints.signatures)
    assert [(c.step, c.seen, c.kept, dict(c.dropped)) for c in merged.counts] == \
        [(c.step, c.seen, c.kept, dict(c.dropped)) for c in whole.counts]
    assert [c.step for c in whole.counts] == ["extract", "clean", "fingerprint"]
    assert whole.counts[0].dropped == {"empty content": 1}


def test_a_big_batch_goes_as_soon_as_it_is_read_and_the_others_wait_for_the_count() -> None:
    read: list[int] = []

    def batches():
        for size in (10, 500, 10, 10, 10):
            read.append(size)
            yield Batch([Article(url=f"u{len(read)}", content="x" * size)])

    big = lambda batch: batch.size() >= 100  # noqa: E731
    flow = with_remaining(batches(), 3, big)
    assert next(flow)[1] == 3 and read == [10, 500, 10]  # the first waits for two more
    batch, remaining = next(flow)
    assert batch.size() == 500 and remaining == 3 and read == [10, 500, 10]  # the big one needs no more read
    assert [(b.size(), n) for b, n in flow] == [(10, 3), (10, 2), (10, 1)]


def test_reading_counts_what_came_in_and_what_failed() -> None:
    items = [Article(url=f"u{i}") for i in range(5)] + [Failure("f.jsonl:3", "read", "not JSON (line 3)")]
    batches = list(read_batches(items, 4))
    assert [len(b.articles) for b in batches] == [4, 1]
    assert [(c.seen, c.kept, dict(c.dropped)) for b in batches for c in b.counts] == \
        [(4, 4, {}), (2, 1, {"not JSON": 1})]
    assert [b.last for b in batches] == [False, True]  # a short batch is the last


def test_a_batch_ends_at_its_characters_of_content_too() -> None:
    pages = [Article(url=f"p{i}", content="x" * 40) for i in range(7)] + [Failure("f.warc:9", "read", "cut short")]
    batches = list(read_batches(pages, 5, chars=100))
    assert [len(b.articles) for b in batches] == [3, 3, 1]  # 120 characters reached at the third page
    assert [b.counts[0].seen for b in batches] == [3, 3, 2]  # the failure counts in its batch, holds nothing
    assert [b.last for b in batches] == [False, False, True]  # cut by characters is not the end
    assert [len(b.articles) for b in read_batches(pages, 5, chars=1_000)] == [5, 2]
    to_fetch = [Article(url=f"https://example.org/{i}") for i in range(5)]  # no content until fetched
    assert [len(b.articles) for b in read_batches(to_fetch, 5, chars=2 * UNFETCHED_CHARS)] == [2, 2, 1]


def test_parts_cost_about_the_same_counting_each_article_besides_its_length() -> None:
    big, small = "x" * 200_000, "y" * 2_000
    articles = [Article(url="big", content=big)] + [Article(url=f"s{i}", content=small) for i in range(30)]
    parts = Batch(articles).parts(2)
    cost = [sum(len(a.content) + ARTICLE_CHARS for a in p.articles) for p in parts]
    assert [len(p.articles) for p in parts] == [11, 20]  # by length alone: [1, 30], the big page alone
    assert abs(cost[0] - cost[1]) <= len(big) / 2


def test_the_last_batch_goes_in_smaller_parts_and_a_big_one_in_a_part_per_worker() -> None:
    def batch(chars: int, last: bool = False) -> Batch:
        return Batch([Article(url="u", content="x" * chars)], last=last)

    assert part_count(batch(100), remaining=2, workers=2, parallel_batches=3) == 1  # enough batches follow
    assert part_count(batch(100), remaining=2, workers=4, parallel_batches=3) == 2  # idle workers share it
    assert part_count(batch(2 * PART_CHARS), remaining=2, workers=2, parallel_batches=3) == 2  # big
    assert part_count(batch(100), remaining=1, workers=2, parallel_batches=3) == 2  # last, small: a part a worker
    assert part_count(batch(20 * TAIL_PART_CHARS, last=True), remaining=2, workers=2,
                      parallel_batches=3) == 2 * TAIL_PARTS  # last and big: smaller parts for the tail
    assert part_count(batch(20 * TAIL_PART_CHARS), remaining=1, workers=1, parallel_batches=3) == 1  # one worker


def test_the_stage_order_is_written_once_and_workers_get_the_per_article_run(tmp_path: Path) -> None:
    with Warehouse.for_writing(tmp_path / "wh.duckdb", 5) as warehouse:
        steps = ingest_steps(SETTINGS, warehouse, None, 1)  # type: ignore[arg-type]
    assert [s.name for s in steps] == ["skip known", "fetch", "extract", "clean", "fingerprint",
                                       "learned boilerplate", "revisions", "dedup", "load"]
    assert [(per_article, [s.name for s in group]) for per_article, group in placement(steps)] == [
        (False, ["skip known", "fetch"]), (True, ["extract", "clean", "fingerprint"]),
        (False, ["learned boilerplate", "revisions", "dedup", "load"])]


class CollectorWatch:
    """Records, when unpickled, whether the cyclic garbage collector was on."""

    def __init__(self) -> None:
        self.collector_on: bool | None = None

    def __setstate__(self, state: dict) -> None:
        self.collector_on = gc.isenabled()


def test_a_sealed_part_unpickles_with_the_collector_off_and_leaves_it_as_it_was() -> None:
    batch = processed([Article(url=f"https://a.example/{i}", content=story(i)) for i in range(3)])
    for enabled in (True, False):
        gc.enable() if enabled else gc.disable()
        try:
            watch, part = pickle.loads(pickle.dumps(Sealed((CollectorWatch(), batch)))).value
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
        assert watch.collector_on is False
        assert [a.body for a in part.articles] == [a.body for a in batch.articles]
        assert np.array_equal(part.fingerprints.signatures, batch.fingerprints.signatures)


def test_the_steps_a_worker_is_handed_again_are_the_ones_it_kept() -> None:
    """A worker unpickles the run's steps once: the same pickle gives the same objects (what
    their cleaner worked out stays), other steps replace them."""
    steps = article_steps(load_settings())
    first = pickle.loads(pickle.dumps(Kept(steps))).value
    assert pickle.loads(pickle.dumps(Kept(steps))).value is first
    other = pickle.loads(pickle.dumps(Kept([Fingerprint(load_settings().dedup)]))).value
    assert other is not first and [type(s) for s in other] == [Fingerprint]
    assert pickle.loads(pickle.dumps(Kept(steps))).value is not first  # a fresh copy once replaced


def test_an_article_pickles_as_its_fields_and_comes_back_equal() -> None:
    article = processed([Article(url="https://a.example/1", content=story(1), tags=["x"])]).articles[0]
    copy = pickle.loads(pickle.dumps(article))
    assert copy == article and copy is not article and vars(copy) == vars(article)
    assert list(vars(copy)) == list(vars(article))  # fields in their order, nothing more


def test_a_batch_pickles_its_articles_as_columns_and_comes_back_equal() -> None:
    batch = processed([Article(url=f"https://a.example/{i}", content=story(i), tags=[f"t{i}"]) for i in range(3)])
    batch.drop("known URL")
    copy = pickle.loads(pickle.dumps(batch))
    assert list(vars(copy)) == list(vars(batch))  # its fields in their order, nothing more
    assert all(getattr(copy, name) == getattr(batch, name) for name in vars(batch) if name != "fingerprints")
    assert [vars(a) for a in copy.articles] == [vars(a) for a in batch.articles]
    assert len({id(a.tags) for a in copy.articles}) == 3  # each article's lists its own
    assert np.array_equal(copy.fingerprints.signatures, batch.fingerprints.signatures)
    assert pickle.loads(pickle.dumps(Batch([]))) == Batch([])

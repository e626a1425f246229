"""Learned site boilerplate: counting, the decision and its guards, and the stored counts."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable
from pathlib import Path

import pytest

from newswash.cleaners import Cleaner
from newswash.settings import load_cleaning
from newswash.cleaners.boilerplate import (
    SITE_BOILERPLATE,
    BoilerplateSettings,
    LineCounts,
    body_line_hashes,
    count_lines,
    line_hash,
    comparable_line,
    remove_site_boilerplate,
    stories_of,
    story_keys,
)
from newswash.records import Article
from newswash.warehouse.boilerplate import add_line_counts, load_line_counts
from newswash.warehouse.store import open_warehouse

PROMO = "Get our free daily briefing"
ABOUT = "Acme Corp is a global provider of widgets and employs around 1,300 people worldwide."

def lines_of(articles: list[Article], source: str | None = None) -> set[tuple[str, int]]:
    """The (source, line hash) pairs of ``articles`` (under ``source`` when given)."""
    return {(source or a.source, h) for a in articles for h in body_line_hashes(a)}


def columns(pairs: Iterable[tuple[str, int]]) -> tuple[list[str], list[list[int]]]:
    """(source, line hash) pairs as ``load_line_counts`` asks for lines: each a one-line article."""
    pairs = list(pairs)
    return [s for s, _ in pairs], [[h] for _, h in pairs]


def bp_settings(**changes: object) -> BoilerplateSettings:
    """The bundled [boilerplate] settings with ``changes``."""
    return dataclasses.replace(Cleaner().boilerplate, **changes)


SETTINGS = bp_settings(min_source_articles=4, min_articles=3, sentence_min_articles=6, sentence_min_share=0.5)


def story(i: int, source: str = "acme", extra: tuple[str, ...] = (PROMO, ABOUT)) -> Article:
    lines = [f"Story {i} opens with its own sentence about event number {i}.", *extra,
             f"Story {i} ends with another sentence of its own."]
    return Article(url=f"https://{source}.example/{i}", source=source, body="\n\n".join(lines))


def test_normalized_lines_hash_alike() -> None:
    assert comparable_line("  Copyright © 2019 Café  News!") == "copyright 2019 cafe news"
    assert line_hash("Copyright 2019 Cafe News") == line_hash("COPYRIGHT 2019 café news.")
    assert line_hash("Shr 10 cts vs 12 cts") != line_hash("Shr 11 cts vs 12 cts")
    assert line_hash("—") == 0 and line_hash("a") != line_hash("b")


def test_counts_are_per_distinct_article() -> None:
    article = story(1, extra=(PROMO, PROMO))
    counts = count_lines([article, story(2, source="other")])
    assert counts.articles == {"acme": 1, "other": 1}
    assert counts.lines[("acme", line_hash(PROMO))] == 1


def test_recurring_lines_removed_and_logged() -> None:
    batch = [story(i) for i in range(4)]
    remove_site_boilerplate(batch, None, SETTINGS)
    for article in batch:
        assert PROMO not in article.body
        assert [r for r in article.removals if r.rule == SITE_BOILERPLATE] == [(SITE_BOILERPLATE, PROMO)]
        assert ABOUT in article.body  # a sentence needs sentence_min_articles
        assert article.body.startswith("Story")


def test_sentence_lines_need_many_articles() -> None:
    batch = [story(i) for i in range(6)]
    remove_site_boilerplate(batch, None, SETTINGS)
    assert all(ABOUT not in a.body and PROMO not in a.body for a in batch)
    assert all(len(a.body.split("\n\n")) == 2 for a in batch)


def test_only_articles_with_a_frequent_line_lose_any_and_a_threshold_of_none_asks_of_every_line() -> None:
    own = ("A line of its own",)
    batch = [story(i) for i in range(4)] + [story(4, extra=own)]
    remove_site_boilerplate(batch, None, bp_settings(min_source_articles=4, min_articles=3))
    assert all(PROMO not in a.body and a.removals for a in batch[:4])
    assert batch[4].body == story(4, extra=own).body and not batch[4].removals
    empty = Article(url="https://acme.example/empty", source="acme", body="")  # none of its lines is frequent either
    remove_site_boilerplate([empty], None, bp_settings(min_source_articles=0, min_articles=1))
    assert empty.error == "empty body after removing site boilerplate"
    revisit = dataclasses.replace(story(5, extra=own), revises=7)  # counts nothing: its lines are in no count
    batch = [story(i) for i in range(4)] + [revisit]
    remove_site_boilerplate(batch, None, bp_settings(min_source_articles=4, min_articles=0, sentence_min_articles=0,
                                                     sentence_min_share=0.0))
    assert revisit.error  # a line in no count is asked too, and at a threshold of 0 every line goes


def test_no_removal_before_min_source_articles() -> None:
    batch = [story(i) for i in range(3)]
    remove_site_boilerplate(batch, None, bp_settings(min_source_articles=4, min_articles=2))
    assert all(PROMO in a.body and not a.removals for a in batch)


def test_sources_are_counted_apart() -> None:
    batch = [story(i, source=f"site{i % 4}") for i in range(8)]
    remove_site_boilerplate(batch, None, SETTINGS)
    assert all(PROMO in a.body for a in batch)


def test_order_independent_within_batch() -> None:
    def run(order: list[int]) -> dict[str, str]:
        batch = [story(i, extra=(PROMO,) if i % 2 else (PROMO, ABOUT)) for i in order]
        remove_site_boilerplate(batch, None, SETTINGS)
        return {a.url: a.body for a in batch}

    order = list(range(9))
    first = run(order)
    for seed in range(3):
        random.Random(seed).shuffle(order)
        assert run(order) == first


def test_stored_counts_let_a_lone_article_benefit() -> None:
    stored = count_lines([story(i) for i in range(10)])
    late = story(99)
    batch_counts = remove_site_boilerplate([late], stored, SETTINGS)
    assert PROMO not in late.body and ABOUT not in late.body
    # the batch's own counts still include the removed lines (they are stored as seen)
    assert batch_counts.lines[("acme", line_hash(PROMO))] == 1


def test_all_boilerplate_article_gets_error_and_disabled_does_nothing() -> None:
    promo_only = Article(url="https://acme.example/promo", source="acme", body=PROMO)
    batch = [story(i) for i in range(4)] + [promo_only]
    remove_site_boilerplate(batch, None, SETTINGS)
    assert promo_only.error and promo_only.body == ""
    assert not any(a.error for a in batch[:4])
    batch = [story(i) for i in range(6)]
    remove_site_boilerplate(batch, None, bp_settings(enabled=False))
    assert all(not a.removals for a in batch)


def test_cleaner_reads_boilerplate_table(tmp_path: Path) -> None:
    cleaner = Cleaner()
    assert SITE_BOILERPLATE in cleaner.rule_names
    assert cleaner.boilerplate.min_source_articles >= 5
    path = tmp_path / "rules.toml"
    path.write_text("extend_default = true\n[boilerplate]\nenabled = false\n", "utf-8")
    assert SITE_BOILERPLATE not in Cleaner.from_toml(path).rule_names
    with pytest.raises(ValueError, match="boilerplate"):
        Cleaner({**load_cleaning(), "boilerplate": {"min_count": 3}})


def test_warehouse_counts_round_trip(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        first = [story(i) for i in range(3)]
        asked = lines_of(first) | lines_of(first, "missing")
        con.execute("BEGIN")
        add_line_counts(con, first)
        con.execute("ROLLBACK")
        assert load_line_counts(con, *columns(asked)) == LineCounts()
        con.execute("BEGIN")
        add_line_counts(con, first)
        add_line_counts(con, [story(3), story(4, source="other")])
        con.execute("COMMIT")
        stored = load_line_counts(con, *columns(asked))
        assert stored.articles == {"acme": 4}
        assert stored.lines[("acme", line_hash(PROMO))] == 4
        assert stored.lines[("acme", line_hash(story(0).body.split("\n\n")[0]))] == 1
        assert not any(source == "missing" for source, _ in stored.lines)
        only = load_line_counts(con, *columns([("acme", line_hash(PROMO))]))
        assert list(only.lines) == [("acme", line_hash(PROMO))]
        assert load_line_counts(con, *columns([])) == LineCounts()
    # a later run: the stored counts decide for a new article of the known site
    with open_warehouse(tmp_path / "w.duckdb") as con:
        late = story(50)
        remove_site_boilerplate([late], load_line_counts(con, *columns(lines_of([late]))),
                                bp_settings(min_source_articles=4, min_articles=3))
        assert PROMO not in late.body


def _sums(con, asked: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The logs' totals for ``asked``, in SQL (the truth the index sums)."""
    rows = con.execute("SELECT source, line_hash, sum(articles) FROM source_lines GROUP BY ALL").fetchall()
    return {(s, h): int(n) for s, h, n in rows if (s, h) in asked}


def test_the_line_index_sums_the_logs_across_merges_and_rebuilds(tmp_path: Path, monkeypatch) -> None:
    """Counts read from the index beside the warehouse equal the logs' sums in SQL: through many
    batches (segments merged in slices), with its folder deleted, and with a manifest from
    another warehouse (entries that do not add up: rebuilt)."""
    import shutil

    from newswash.dedup import segments
    monkeypatch.setattr(segments, "MERGE_SLICE", 7)
    rng = random.Random(3)
    extras = [f"Recurring line number {k} of the site." for k in range(12)]
    batches = [[story(10 * b + i, source=rng.choice(["acme", "beta", "gamma"]),
                      extra=tuple(rng.sample(extras, rng.randint(0, 5)))) for i in range(10)] for b in range(15)]
    asked = set().union(*(lines_of(b) for b in batches)) | lines_of(batches[0], "beta") | {("acme", 12345)}
    with open_warehouse(tmp_path / "w.duckdb") as con:
        for b, batch in enumerate(batches):
            add_line_counts(con, batch)
            if b % 4 == 0:  # read between some batches: the index catches up by parts
                assert dict(load_line_counts(con, *columns(asked)).lines) == _sums(con, asked)
        truth = _sums(con, asked)
        assert max(truth.values()) > 10 and len(truth) > 150
        assert dict(load_line_counts(con, *columns(asked)).lines) == truth
        with open_warehouse(tmp_path / "other.duckdb") as other:
            add_line_counts(other, batches[0] + batches[1])
            load_line_counts(other, *columns(asked))
        shutil.rmtree(tmp_path / "w-lines")
        assert dict(load_line_counts(con, *columns(asked)).lines) == truth
        shutil.copy(tmp_path / "other-lines" / "manifest.json", tmp_path / "w-lines" / "manifest.json")
        assert dict(load_line_counts(con, *columns(asked)).lines) == truth
        stories = story_keys(batches[3])
        assert load_line_counts(con, *columns(asked), stories).stories == stories


def test_copies_of_one_story_in_a_batch_count_once() -> None:
    """Ten URLs for one story (mirrors, AMP pages, category paths) must not make its lines
    look like the site's furniture."""
    copies = [Article(url=f"https://acme.example/{i}/story", source="acme",
                      body="The mayor resigned on Monday\n\nShort line of the story") for i in range(10)]
    others = [Article(url=f"https://acme.example/other/{i}", source="acme", body=f"Other story number {i}")
              for i in range(10)]
    counts = remove_site_boilerplate(copies + others, None, bp_settings(min_source_articles=5, min_articles=3))
    assert counts.articles["acme"] == 11
    assert all(a.body == "The mayor resigned on Monday\n\nShort line of the story" and not a.error for a in copies)


def test_story_keys_taken_with_the_line_hashes_decide_as_those_taken_here() -> None:
    """The fingerprint step takes each article's story key where it hashes the lines (a
    worker): the counts, the stories asked of the warehouse and the removals are those of
    keys taken in the flow, copies and known stories included."""
    def batch() -> list[Article]:
        furniture = "Share this story on social media"
        copies = [Article(url=f"https://acme.example/{i}/story", source="acme",
                          body=f"The mayor resigned on Monday\n\n{furniture}") for i in range(4)]
        others = [Article(url=f"https://acme.example/other/{i}", source="acme" if i % 3 else "beta",
                          body=f"Other story number {i}\n\n{furniture}\n\nA line of its own {i % 4}") for i in range(14)]
        return copies + others

    settings = bp_settings(min_source_articles=5, min_articles=3)
    here, there = batch(), batch()
    hashes = [body_line_hashes(a) for a in here]
    known = {("acme", stories_of(hashes[5:6])[0])}
    assert story_keys(there, hashes, stories_of(hashes)) == story_keys(here, hashes)
    assert count_lines(there, hashes, known, stories_of(hashes)) == count_lines(here, hashes, known)
    stored = count_lines(batch()[10:])
    taken = remove_site_boilerplate(there, stored, settings, hashes, stories_of(hashes))
    assert taken == remove_site_boilerplate(here, stored, settings, hashes)
    assert [(a.body, a.removals) for a in there] == [(a.body, a.removals) for a in here]
    assert any(a.removals for a in here)


def test_a_copy_of_a_story_counted_in_an_earlier_run_counts_nothing(tmp_path: Path) -> None:
    """The same story listed under a new URL in each later run (a batch of its own) must not
    pile up counts until its lines pass for furniture."""
    body = "The mayor resigned on Monday\n\nShort line of the story"
    settings = bp_settings(min_source_articles=1, min_articles=3)
    with open_warehouse(tmp_path / "w.duckdb") as con:
        add_line_counts(con, [Article(url="https://acme.example/0/story", source="acme", body=body)])
        for i in range(1, 10):
            batch = [Article(url=f"https://acme.example/{i}/story", source="acme", body=body)]
            stored = load_line_counts(con, *columns(lines_of(batch)), stories=story_keys(batch))
            add_line_counts(con, batch, remove_site_boilerplate(batch, stored, settings))
            assert batch[0].body == body and not batch[0].error
        other = [Article(url="https://acme.example/other", source="acme", body="Another story entirely")]
        add_line_counts(con, other, remove_site_boilerplate(
            other, load_line_counts(con, *columns(lines_of(other)), stories=story_keys(other)), settings))
        stored = load_line_counts(con, *columns(lines_of(other) | lines_of(batch)))
    assert stored.articles["acme"] == 2  # the story once, the other story once
    assert stored.lines[("acme", line_hash("Short line of the story"))] == 1


def test_line_counts_added_in_place_equal_their_sum() -> None:
    parts = [count_lines([story(i), story(i + 1, source="other")]) for i in range(0, 6, 2)]
    total = LineCounts()
    for part in parts:
        total += part
    assert total == parts[0] + parts[1] + parts[2]
    assert total.articles == {"acme": 3, "other": 3} and len(total.stories) == 6
    assert parts[0] == count_lines([story(0), story(1, source="other")])  # the parts are left as they were

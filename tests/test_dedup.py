"""Near-duplicate detection (newswash.dedup) on small real-text fixtures."""

from __future__ import annotations

import json
import random
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from newswash.errors import NewswashError
from newswash.dedup import (
    CONTAINED,
    NEAR,
    DedupSettings,
    canonicals,
    cluster,
    components,
    fingerprint,
    published_key,
    verify_pairs,
)
from newswash.dedup import sets
from newswash.dedup.hashing import fmix64
from newswash.dedup.normalize import clean, is_spaceless, prepare, readable_form, token_texts
from newswash.dedup.settings import lsh_params
from newswash.dedup.shingles import _token_hashes, shingle_hashes

FIXTURES = Path(__file__).parent / "fixtures" / "dedup" / "records.jsonl"
SETTINGS = DedupSettings.from_toml()


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return [json.loads(line) for line in FIXTURES.read_text("utf-8").splitlines()]


def by_cluster(records: list[dict], name: str) -> list[dict]:
    return [r for r in records if r["cluster"] == name]


def pair_kind(text_a: str, text_b: str) -> tuple[str | None, float]:
    fp = fingerprint([text_a, text_b], SETTINGS)
    sig, size = fp.signatures, fp.sizes
    kinds, sims = verify_pairs(sig[:1], size[:1], sig[1:], size[1:], SETTINGS)
    return kinds[0], float(sims[0])


def partition(labels: list[int], keys: list[str]) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for label, key in zip(labels, keys):
        groups.setdefault(label, set()).add(key)
    return {frozenset(g) for g in groups.values()}


def test_bundled_settings_derive_bands_like_datasketch() -> None:
    assert (SETTINGS.bands, SETTINGS.rows) == _optimal_param(
        SETTINGS.candidate_threshold, SETTINGS.num_perm, SETTINGS.fp_weight, SETTINGS.fn_weight
    )
    assert lsh_params(0.5, 64) == _optimal_param(0.5, 64, 0.5, 0.5)
    assert SETTINGS.bands * SETTINGS.rows <= SETTINGS.num_perm


def test_settings_file_rejects_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "dedup.toml"
    path.write_text("threshold = 0.5\nthreshhold = 0.4\n")
    with pytest.raises(NewswashError, match="threshhold"):
        DedupSettings.from_toml(path)
    path.write_text("threshold = 0.5\n")
    assert DedupSettings.from_toml(path).threshold == 0.5


def test_normalize_keeps_words_and_numbers_drops_styling() -> None:
    text = "“Net profit” rose 8-3/4 pct — to 1,000.5 mln\u00a0dlrs.\n\n\n  Shr 51 cts\r\n"
    assert readable_form(text) == "net profit rose 8 3 4 pct to 1 000 5 mln dlrs\nshr 51 cts"
    assert readable_form("Straße   co\u00adop It’s") == readable_form("STRASSE coop it's")
    assert readable_form("Åland\u2028Zürich ❤️ 東京") == "åland\nzürich 東京"


def test_exact_duplicates_share_the_exact_hash(records: list[dict]) -> None:
    text = by_cluster(records, "rt-6367")[1]["text"]
    restyled = text.replace('"', "“").replace(" - ", " — ").upper().replace("\n\n", "\n \n\n")
    fp = fingerprint([text, restyled, text + " More."], SETTINGS)
    assert fp.exact[0] == fp.exact[1] != fp.exact[2]
    assert np.array_equal(fp.signatures[0], fp.signatures[1])
    labels = cluster([text, restyled], settings=SETTINGS)
    assert labels == [0, 0]


def test_truncated_copy_is_found_as_contained(records: list[dict]) -> None:
    story = by_cluster(records, "rt-6367")
    original = next(r for r in story if r["original"])
    truncated = next(r for r in story if r["ops"] == ["truncate"])
    kind, similarity = pair_kind(original["text"], truncated["text"])
    assert kind == CONTAINED and similarity >= SETTINGS.containment_threshold


def test_lightly_edited_copies_are_near(records: list[dict]) -> None:
    story = by_cluster(records, "rt-6367")
    original = next(r for r in story if r["original"])
    edited = next(r for r in story if r["ops"] == ["words"])
    assert pair_kind(original["text"], edited["text"])[0] == NEAR
    resent = by_cluster(records, "wire:4740")
    assert pair_kind(resent[0]["text"], resent[1]["text"])[0] == NEAR


def test_template_stories_with_other_names_and_numbers_stay_apart(records: list[dict]) -> None:
    for a, b in (("wire:1089", "wire:1163"), ("wire:6687", "wire:2230")):
        text_a, text_b = by_cluster(records, a)[0]["text"], by_cluster(records, b)[0]["text"]
        kind, similarity = pair_kind(text_a, text_b)
        assert kind is None and similarity < SETTINGS.threshold


def test_cjk_text_is_shingled_by_characters(records: list[dict]) -> None:
    japanese = by_cluster(records, "sh-85439e26c4")
    assert all(is_spaceless(r["text"]) for r in japanese)
    assert not is_spaceless(by_cluster(records, "rt-6367")[0]["text"])
    hashes, offsets = shingle_hashes(clean([prepare("東京都で新しい駅")]), 2, 5)
    assert offsets.tolist() == [0, 4]  # 8 characters -> 4 distinct 5-grams
    original = next(r for r in japanese if r["original"])
    for copy in japanese:
        if not copy["original"]:
            assert pair_kind(original["text"], copy["text"])[0] is not None


MIXED_TEXTS = [
    "Ｆｕｌｌ　ＷＩＤＴＨ — “Quotes” Straße ǅ İstanbul ﬁne\u2028next\x85line\r\nend",
    "soft\u00adhy\u200bphen va\ufe0friation \U000e0041tag ¡¿ «» …",
    "東京都で新しい駅。ภาษาไทย\n한국어 텍스트",
    "",
    "  \n\n ",
    "plain ascii, words! and\tTABS\x00nul",
]


def reference_clean(text: str) -> bytes:
    """Character-by-character spelling of ``clean``'s rules."""
    out = []
    for char in unicodedata.normalize("NFKC", text).casefold():
        category = unicodedata.category(char)
        if category == "Cf" or "\ufe00" <= char <= "\ufe0f" or "\U000e0000" <= char <= "\U000e0fff":
            continue
        width = len(char.encode())
        if char in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029":
            out.append(b"\n" * width)
        elif category[0] in "PSZ" or category == "Cc":
            out.append(b" " * width)
        else:
            out.append(char.encode())
    return b"".join(out)


def test_clean_and_token_hashes_match_per_character_reference() -> None:
    batch = clean([prepare(t) for t in MIXED_TEXTS])
    cleaned = [batch.text(i) for i in range(len(MIXED_TEXTS))]
    assert cleaned == [reference_clean(t) for t in MIXED_TEXTS]
    assert [bytes(t) for t in token_texts(batch)] == [
        b" ".join(reference_clean(t).split()) for t in MIXED_TEXTS
    ]
    assert batch.spaceless.tolist() == [False, False, True, False, False, False]
    char_bytes = np.repeat(batch.spaceless, np.diff(np.append(-1, batch.ends)))
    hashes, starts = _token_hashes(batch.buf, char_bytes)
    expected = []
    for i, text in enumerate(MIXED_TEXTS):
        cleaned = reference_clean(text).decode()
        words = cleaned.split() if not batch.spaceless[i] else [c for c in cleaned if not c.isspace()]
        for word in words:
            total = sum(b * 0x100000001B3**k for k, b in enumerate(word.encode()))
            expected.append((total + len(word.encode()) * 0x2545F4914F6CDD1D) % 2**64)
    assert hashes.tolist() == fmix64(np.array(expected, dtype=np.uint64)).tolist()
    assert len(starts) == len(expected)


def test_short_lines_are_single_shingles() -> None:
    batch = clean([b"a b c d e f\n[ad_1]\nsource link", b"a b c d e f"])
    hashes, offsets = shingle_hashes(batch, 5, 2)
    first, second = hashes[offsets[0] : offsets[1]], hashes[offsets[1] : offsets[2]]
    assert len(first) == 4 and len(second) == 2 and set(second) <= set(first)


def test_signatures_match_datasketch() -> None:
    batch = clean([prepare("one two three four five six seven eight")])
    hashes, offsets = shingle_hashes(batch, 5, 2)
    fp = fingerprint(["One two three four five six seven eight."], SETTINGS)
    reference = MinHash(num_perm=SETTINGS.num_perm, seed=SETTINGS.seed, hashfunc=int)
    reference.update_batch(hashes.tolist())
    assert fp.signatures.dtype == np.uint32
    assert np.array_equal(fp.signatures[0], reference.hashvalues)
    assert fp.sizes.tolist() == [4]
    assert fp.band_keys.shape == (1, SETTINGS.bands) and fp.band_keys.dtype == np.int64


def test_empty_texts_are_never_duplicates() -> None:
    fp = fingerprint(["", "  ...  ", "A real sentence here."], SETTINGS)
    assert fp.sizes.tolist() == [0, 0, 1]
    sig, size = fp.signatures, fp.sizes
    kinds, _ = verify_pairs(sig[:1], size[:1], sig[1:2], size[1:2], SETTINGS)
    assert kinds[0] is None
    assert cluster(["", "", "x"], settings=SETTINGS) == [0, 1, 2]


def test_clusters_match_labels_and_do_not_depend_on_order(records: list[dict]) -> None:
    keys = [r["url"] for r in records]
    published = [datetime.fromisoformat(r["published_at"]) for r in records]
    expected = partition([hash(r["cluster"]) for r in records], keys)
    assert partition(cluster([r["text"] for r in records], published, SETTINGS), keys) == expected
    rng = random.Random(7)
    for _ in range(3):
        order = list(range(len(records)))
        rng.shuffle(order)
        texts = [records[i]["text"] for i in order]
        labels = cluster(texts, [published[i] for i in order], SETTINGS)
        assert partition(labels, [keys[i] for i in order]) == expected
        # The canonical record of a syndicated story is its original.
        for position, i in enumerate(order):
            if records[i]["original"] is False:
                canonical = records[order[labels[position]]]
                assert canonical["original"] is True


def test_fingerprints_do_not_depend_on_batch(records: list[dict]) -> None:
    texts = [r["text"] for r in records]
    whole = fingerprint(texts, SETTINGS)
    parts = [fingerprint(texts[i : i + 3], SETTINGS) for i in range(0, len(texts), 3)]
    assert whole.exact == [h for p in parts for h in p.exact]
    assert np.array_equal(whole.signatures, np.concatenate([p.signatures for p in parts]))
    assert np.array_equal(whole.band_keys, np.concatenate([p.band_keys for p in parts]))


def test_canonical_rule_earliest_published_then_earliest_ingested() -> None:
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    ids = np.array([10, 11, 12, 13, 20, 21])
    component = np.array([1, 1, 1, 1, 2, 2])
    # late, undated, early (ingested later), early (ingested first); two undated
    when = published_key([t0 + timedelta(hours=1), None, t0, t0, None, None])
    order = np.array([0, 1, 2, 3, 4, 5])
    assert canonicals(ids[order], component[order], when[order]).tolist() == [12, 12, 12, 12, 20, 20]
    reversed_rows = order[::-1]
    assert canonicals(ids[reversed_rows], component[reversed_rows], when[reversed_rows]).tolist() == \
        [20, 20, 12, 12, 12, 12]
    # Naive datetimes count as UTC and compare with aware ones.
    naive, aware = published_key([datetime(2026, 3, 1, 11, 0), t0])
    assert naive < aware and aware - naive == 3_600_000_000


def test_components_label_each_node_with_the_smallest_of_its_component() -> None:
    nodes, labels = components(np.array([5, 7, 9, 100]), np.array([7, 3, 8, 101]))
    assert dict(zip(nodes.tolist(), labels.tolist())) == {3: 3, 5: 3, 7: 3, 8: 8, 9: 8, 100: 100, 101: 100}


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (256, 0)])
def test_permutations_are_datasketchs(num_perm: int, seed: int) -> None:
    from newswash.dedup.minhash import permutations

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    ours = permutations(num_perm, seed)
    assert np.array_equal(ours[0], a.astype(np.uint32)) and np.array_equal(ours[1], b.astype(np.uint32))


@pytest.mark.parametrize("seed", range(6))
def test_set_operations_by_sorting_equal_numpys(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size, spread = [(0, 5), (1, 3), (50, 10), (5_000, 1_000), (20_000, 2**62), (3, 1)][seed]
    values = rng.integers(-spread, spread, size, dtype=np.int64)
    other = rng.integers(-spread, spread, size // 2 + seed, dtype=np.int64)
    assert np.array_equal(sets.unique(values), np.unique(values))
    distinct, inverse = sets.unique_inverse(values)
    expected, expected_inverse = np.unique(values, return_inverse=True)
    assert np.array_equal(distinct, expected) and np.array_equal(inverse, expected_inverse)
    assert np.array_equal(sets.isin(values, other), np.isin(values, other))
    assert np.array_equal(sets.isin(values, other[:0]), np.isin(values, other[:0]))
    assert np.array_equal(sets.setdiff(values, other), np.setdiff1d(values, other))

"""The index beside the warehouse (``dedup/index.py``): the candidates a scan of everything
would give, after merges and rewrites; and it follows the warehouse after crashes."""

from __future__ import annotations

import random
import json
from pathlib import Path

import numpy as np
import pytest

from newswash.dedup import DedupSettings, MemoryStore, fingerprint
from newswash.dedup import segments as segments_module
from newswash.dedup.index import StoredIndex
from newswash.records import Article
from newswash.warehouse.dedup_store import caught_up_index, index_folder
from newswash.warehouse.load import load_batch, update_articles
from newswash.warehouse.store import open_warehouse

SETTINGS = DedupSettings.from_toml(None)


def _texts(n: int, seed: int) -> list[str]:
    """n texts: about half light edits of an earlier one, a few exact copies and empty ones."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(3000)]
    out: list[str] = []
    for i in range(n):
        r = rng.random()
        if out and r < 0.4:
            out.append(" ".join(rng.choice(words) if rng.random() < 0.05 else w for w in rng.choice(out).split()))
        elif out and r < 0.5:
            out.append(rng.choice(out))
        elif r < 0.52:
            out.append("")
        else:
            out.append(" ".join(rng.choices(words, k=rng.randint(40, 200))))
    return out


def _scan(stored: MemoryStore, fp) -> set[tuple[int, int]]:
    comparable = np.flatnonzero(fp.sizes > 0)
    exact = np.array(fp.exact, dtype="S32")[comparable]
    rows, found = stored.stored_candidates(fp.band_keys[comparable], exact)
    return set(zip(comparable[rows].tolist(), found.tolist()))


def test_candidates_equal_a_scan_of_everything_across_merges(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(segments_module, "MERGE_SLICE", 500)  # merges in many slices
    index, memory = StoredIndex.for_settings(tmp_path / "ix", SETTINGS), MemoryStore(SETTINGS)
    texts = _texts(1200, seed=1)
    for lo in range(0, 1100, 100):
        fp = fingerprint(texts[lo : lo + 100], SETTINGS)
        ids = np.arange(lo, lo + 100)
        if lo:  # the index answers as a scan over everything stored before
            comparable = np.flatnonzero(fp.sizes > 0)
            rows, found = index.candidates(fp.band_keys[comparable], np.array(fp.exact, dtype="S32")[comparable])
            assert set(zip(comparable[rows].tolist(), found.tolist())) == _scan(memory, fp)
        memory.add(fp, [None] * 100)
        index.put(ids, fp)
    assert len(index.m.segments) <= 5  # a binary counter over 11 batches
    fp = fingerprint(texts[1100:], SETTINGS)
    comparable = np.flatnonzero(fp.sizes > 0)
    args = fp.band_keys[comparable], np.array(fp.exact, dtype="S32")[comparable]
    whole = index.candidates(*args)
    monkeypatch.setattr(segments_module, "PROBE_MAPPED", 64)  # the probes in many slices
    assert all(np.array_equal(a, b) for a, b in zip(index.candidates(*args), whole)) and len(whole[0])
    assert sum(length for _, length in index.m.segments) == index.m.entries
    reopened = StoredIndex.for_settings(tmp_path / "ix", SETTINGS)
    assert sorted(p.name for p in (tmp_path / "ix").iterdir()) == sorted(
        ["manifest.json", "sketches.bin"] + [f"{k}-{n}.npy" for n, _ in reopened.m.segments for k in ("keys", "ids")])
    some = np.array([3, 4, 5, 500, 1099])  # a run of consecutive rows read at once, and single ones
    assert np.array_equal(reopened.sketches(some).signatures, memory.sketches(some).signatures)
    with pytest.raises(KeyError):
        reopened.sketches(np.array([1100]))


def test_a_rewritten_signature_leaves_no_stale_candidate(tmp_path: Path) -> None:
    index = StoredIndex.for_settings(tmp_path / "ix", SETTINGS)
    texts = _texts(200, seed=2)
    first = fingerprint(texts, SETTINGS)
    index.put(np.arange(200), first)
    other = fingerprint(["an unrelated text about something else entirely, long enough to shingle well " * 3], SETTINGS)
    index.put(np.array([7]), other)  # article 7 rewritten
    comparable = np.flatnonzero(first.sizes > 0)
    probe = first.take(comparable)
    rows, found = index.candidates(probe.band_keys, np.array(probe.exact, dtype="S32"))
    pairs = set(zip(comparable[rows].tolist(), found.tolist()))
    assert all(stored != 7 for _, stored in pairs)
    _, found = index.candidates(other.band_keys, np.array(other.exact, dtype="S32"))
    assert found.tolist() == [7]
    assert index.count == 200
    # An index from before the manifest said whether rows were rewritten: found out from the rows.
    manifest = json.loads((tmp_path / "ix" / "manifest.json").read_text("utf-8"))
    assert manifest.pop("rewritten") == 1
    (tmp_path / "ix" / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    again = StoredIndex.for_settings(tmp_path / "ix", SETTINGS)
    assert again.m.rewritten is None
    rows, found = again.candidates(probe.band_keys, np.array(probe.exact, dtype="S32"))
    assert set(zip(comparable[rows].tolist(), found.tolist())) == pairs
    fresh = StoredIndex.for_settings(tmp_path / "fresh", SETTINGS)
    fresh.put(np.arange(200), first)
    manifest = json.loads((tmp_path / "fresh" / "manifest.json").read_text("utf-8"))
    del manifest["rewritten"]
    (tmp_path / "fresh" / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    assert StoredIndex.for_settings(tmp_path / "fresh", SETTINGS).m.rewritten == 0


def _articles(texts: list[str], lo: int) -> list[Article]:
    return [Article(url=f"https://x.example/{i}", source="x.example", body=t) for i, t in enumerate(texts, lo)]


def _clusters(con) -> list[tuple[str, int]]:
    return con.execute("SELECT url, cluster_id FROM articles ORDER BY id").fetchall()


def test_the_index_follows_the_warehouse_after_a_crash_or_a_lost_folder(tmp_path: Path) -> None:
    texts = _texts(300, seed=3)

    def load(name: str, damage=None) -> list[tuple[str, int]]:
        with open_warehouse(tmp_path / f"{name}.duckdb") as con:
            load_batch(con, 1, _articles(texts[:200], 0), fingerprint(texts[:200], SETTINGS), SETTINGS)
            manifest = (index_folder(con) / "manifest.json").read_text()  # covers nothing yet
            load_batch(con, 1, _articles(texts[200:250], 200), fingerprint(texts[200:250], SETTINGS), SETTINGS)
            index = caught_up_index(con, SETTINGS)
            assert index.count == 250 and index_folder(con) == tmp_path / f"{name}-dedup"
            if damage:
                damage(index, manifest)
            load_batch(con, 1, _articles(texts[250:], 250), fingerprint(texts[250:], SETTINGS), SETTINGS)
            assert caught_up_index(con, SETTINGS).count == 300
            return _clusters(con)

    def behind(index: StoredIndex, manifest: str) -> None:  # killed before the manifest was replaced
        (index.folder / "manifest.json").write_text(manifest)

    def dirty(index: StoredIndex, manifest: str) -> None:  # killed while signatures were rewritten
        index.mark_dirty()
        index._rows(writable=True)[5]["signature"] = 0

    def ahead(index: StoredIndex, manifest: str) -> None:  # a row the warehouse never committed
        index.put(np.array([400]), fingerprint(texts[:1], SETTINGS))

    expected = load("clean")
    assert len(set(c for _, c in expected)) < 250  # clusters worth the name
    for damage in (behind, dirty, ahead, lambda index, _: index.reset()):
        assert load(damage.__name__, damage) == expected


def test_updated_signatures_are_what_the_next_batch_is_compared_with(tmp_path: Path) -> None:
    texts = _texts(100, seed=4)
    distinct = "Harbour council approves the new ferry timetable after a long public consultation " * 4
    with open_warehouse(tmp_path / "wh.duckdb") as con:
        load_batch(con, 1, _articles(texts, 0), fingerprint(texts, SETTINGS), SETTINGS)
        updated = _articles([distinct], 10)
        updated[0].url = "https://x.example/10"
        update_articles(con, 2, [11], updated, fingerprint([distinct], SETTINGS))  # ids start at 1
        assert not caught_up_index(con, SETTINGS).dirty
        clusters = load_batch(con, 3, _articles([distinct], 100), fingerprint([distinct], SETTINGS), SETTINGS)
        assert clusters.exact_duplicates == 1
        assert con.execute("SELECT cluster_id FROM articles WHERE url = 'https://x.example/100'").fetchone() == (11,)

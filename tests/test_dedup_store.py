"""The stored (warehouse) dedup path: same clusters as in memory, whatever the batches.

No Prefect: ``open_warehouse`` + ``load_batch`` directly, on a few hundred documents
derived from the dedup fixtures (copies, light edits, truncations, unrelated texts).
"""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from conftest import FIXTURES
from newswash.dedup import DedupSettings, MemoryStore, cluster, components, fingerprint
from newswash.records import Article
from newswash.warehouse.load import load_batch, recluster_all
from newswash.warehouse.store import open_warehouse

SETTINGS = DedupSettings.from_toml(None)
# The warehouse pairs every two articles sharing a band key; in memory, a bucket's rows
# pair with their next `bucket_window` neighbours only. Unbounded, both are exact.
UNBOUNDED = dataclasses.replace(SETTINGS, bucket_window=10**6)


def _variants(text: str, rng: random.Random, vocabulary: list[str]) -> list[str]:
    paras = [p for p in text.split("\n\n") if p.strip()]
    words = text.split()

    def substitute(rate: float) -> str:
        return "\n\n".join(
            " ".join(rng.choice(vocabulary) if rng.random() < rate else w for w in p.split()) for p in paras
        )

    out = [text, text, substitute(0.02), substitute(0.05), substitute(0.6), substitute(0.9)]
    if len(paras) > 2:
        out.append("\n\n".join(paras[: max(2, len(paras) * 2 // 3)] + ["Read the full story at Valley News."]))
        out.append("\n\n".join(paras[:1] + paras[2:]))
    out.append("Share this article\n\n" + text + "\n\nCopyright Metro Wire. All rights reserved.")
    out.append(" ".join(words[: max(10, len(words) // 3)]))
    out.append(" ".join(rng.sample(words, len(words))))  # same words, no shared shingles to speak of
    out.append("")  # nothing to compare: never anyone's duplicate
    return out


@pytest.fixture(scope="module")
def docs() -> list[tuple[str, str, datetime]]:
    """(url, body, published_at) of a few hundred documents; distinct published_at."""
    rng = random.Random(7)
    texts = [json.loads(line)["text"] for line in (FIXTURES / "dedup" / "records.jsonl").read_text("utf-8").splitlines()]
    vocabulary = sorted({w for t in texts for w in t.split()})
    bodies = [v for t in texts for _ in range(2) for v in _variants(t, rng, vocabulary)]
    # chained copies: a copy of a copy of ... (clusters joined transitively)
    for t in texts[:4]:
        current = t
        for _ in range(6):
            current = " ".join(rng.choice(vocabulary) if rng.random() < 0.12 else w for w in current.split())
            bodies.append(current)
    minutes = rng.sample(range(100_000), len(bodies))
    base = datetime(2024, 3, 1)
    return [(f"https://fixture.example/{i}", body, base + timedelta(minutes=m)) for i, (body, m) in enumerate(zip(bodies, minutes))]


def _load(path: Path, rows: list[tuple[str, str, datetime]], batch: int) -> dict[str, tuple[str, bool]]:
    """Load `rows` in batches; url -> (url of its canonical, is_canonical)."""
    with open_warehouse(path) as con:
        for lo in range(0, len(rows), batch):
            part = rows[lo : lo + batch]
            articles = [Article(url=u, source=u.split("/")[2], body=b, published_at=p) for u, b, p in part]
            load_batch(con, 1, articles, fingerprint([b for _, b, _ in part], SETTINGS), SETTINGS)
        _check_invariants(con)
        return {
            url: (canonical, flag)
            for url, canonical, flag in con.execute(
                "SELECT a.url, c.url, a.is_canonical FROM articles a JOIN articles c ON c.id = a.cluster_id"
            ).fetchall()
        }


def _check_invariants(con) -> None:
    # one duplicates row per non-canonical member, naming its cluster's canonical
    assert con.execute(
        "SELECT count(*) FROM articles a FULL JOIN duplicates d ON d.article_id = a.id "
        "WHERE (a.is_canonical AND d.article_id IS NOT NULL) OR (NOT a.is_canonical AND d.article_id IS NULL) "
        "OR (d.canonical_id IS DISTINCT FROM a.cluster_id AND d.article_id IS NOT NULL)"
    ).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM articles WHERE is_canonical <> (id = cluster_id)").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM articles a JOIN articles c ON c.id = a.cluster_id WHERE NOT c.is_canonical"
                       ).fetchone()[0] == 0
    # exact copies are recorded as such
    assert con.execute(
        "SELECT count(*) FROM duplicates d JOIN signatures s ON s.article_id = d.article_id "
        "JOIN signatures c ON c.article_id = d.canonical_id WHERE (s.exact = c.exact) <> (d.kind = 'exact')"
    ).fetchone()[0] == 0


def _partition(labels: dict[str, object]) -> set[frozenset[str]]:
    groups: dict[object, set[str]] = {}
    for url, label in labels.items():
        groups.setdefault(label, set()).add(url)
    return {frozenset(g) for g in groups.values()}


def test_stored_clusters_equal_the_in_memory_partition(docs, tmp_path: Path) -> None:
    stored = _load(tmp_path / "one.duckdb", docs, batch=len(docs))
    labels = cluster([b for _, b, _ in docs], [p for _, _, p in docs], UNBOUNDED)
    expected = {url: docs[label][0] for (url, _, _), label in zip(docs, labels)}
    assert _partition({u: c for u, (c, _) in stored.items()}) == _partition(expected)
    assert len(_partition(expected)) < len(docs) - 50  # the fixture has clusters worth the name
    # same canonicals too: published_at are distinct
    assert {u: c for u, (c, _) in stored.items()} == expected
    # buckets here are far below the default window: the default gives the same
    assert cluster([b for _, b, _ in docs], [p for _, _, p in docs], SETTINGS) == labels


def test_batches_and_order_do_not_change_clusters_or_canonicals(docs, tmp_path: Path) -> None:
    whole = _load(tmp_path / "one.duckdb", docs, batch=len(docs))
    assert _load(tmp_path / "many.duckdb", docs, batch=17) == whole
    shuffled = docs[:]
    random.Random(3).shuffle(shuffled)
    assert _load(tmp_path / "shuffled.duckdb", shuffled, batch=23) == whole
    assert _load(tmp_path / "shuffled-one.duckdb", shuffled, batch=len(docs)) == whole


def test_a_prefix_loaded_one_by_one_matches_the_prefix_loaded_at_once(docs, tmp_path: Path) -> None:
    part = docs[:60]
    assert _load(tmp_path / "one-by-one.duckdb", part, batch=1) == _load(tmp_path / "at-once.duckdb", part, batch=60)


def test_recluster_all_and_reloading_change_nothing(docs, tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    before = _load(path, docs, batch=50)
    with open_warehouse(path) as con:
        query = "SELECT article_id, canonical_id, kind, round(similarity, 9) FROM duplicates ORDER BY ALL"
        provenance = con.execute(query).fetchall()
        recluster_all(con, 2, SETTINGS)
        _check_invariants(con)
        assert con.execute(query).fetchall() == provenance
        after = dict(con.execute(
            "SELECT a.url, c.url FROM articles a JOIN articles c ON c.id = a.cluster_id").fetchall())
    assert after == {u: c for u, (c, _) in before.items()}


def _reference_components(a: list[int], b: list[int]) -> dict[int, int]:
    """Each node's smallest reachable node, by graph search."""
    neighbours: dict[int, set[int]] = {}
    for x, y in zip(a, b):
        neighbours.setdefault(x, set()).add(y)
        neighbours.setdefault(y, set()).add(x)
    label: dict[int, int] = {}
    for start in sorted(neighbours):
        if start in label:
            continue
        stack, seen = [start], {start}
        while stack:
            for nxt in neighbours[stack.pop()] - seen:
                seen.add(nxt)
                stack.append(nxt)
        label.update({x: start for x in seen})
    return label


def test_components_match_a_graph_search() -> None:
    rng = np.random.default_rng(5)
    for n_edges in (0, 1, 10, 300, 3000):
        a = rng.integers(0, 2000, n_edges) * 7 + 3
        b = rng.integers(0, 2000, n_edges) * 7 + 3
        if n_edges == 3000:  # a long chain: many hooking passes
            a = np.arange(5000, 5000 + n_edges)[::-1]
            b = a + 1
        nodes, labels = components(a.astype(np.int64), b.astype(np.int64))
        assert dict(zip(nodes.tolist(), labels.tolist())) == _reference_components(a.tolist(), b.tolist())


def _memory(rows: list[tuple[str, str, datetime]], batch: int) -> dict[str, str]:
    """`rows` added to a MemoryStore in batches; url -> url of its canonical."""
    store = MemoryStore(SETTINGS)
    provenance = []
    for lo in range(0, len(rows), batch):
        part = rows[lo : lo + batch]
        result = store.add(fingerprint([b for _, b, _ in part], SETTINGS), [p for _, _, p in part])
        provenance.append(result)
    return {url: rows[c][0] for (url, _, _), c in zip(rows, store.cluster_id.tolist())}


def test_the_memory_store_and_the_warehouse_form_the_same_clusters(docs, tmp_path: Path) -> None:
    for batch in (len(docs), 31):
        stored = _load(tmp_path / f"wh-{batch}.duckdb", docs, batch=batch)
        assert _memory(docs, batch) == {u: c for u, (c, _) in stored.items()}

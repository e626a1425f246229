"""Near-duplicate clustering on ../shared/eval/newsweb-dev: newswash vs known MinHash set-ups.

Importable: ``baseline_labels`` runs one known set-up with datasketch (MinHash.bulk +
MinHashLSH, every LSH match merged, as those projects do), ``pair_scores``,
``adjusted_rand_index`` and ``canonical_share`` score a clustering. ``__main__``
prints the side-by-side table (pairs precision/recall/F1, ARI, share of clusters
whose canonical record is the original, seconds).

Usage: ``.venv/bin/python bench/dedup_baselines.py [--eval DIR] [--config TOML]``

Measured (2,910 records, 1,318 true pairs, 250 originals; bundled config/dedup.toml):
    set-up                                  P      R      F1     ARI    canon
    newswash in-memory (5-gram, 128 perms)  0.999  0.995  0.997  0.997  1.000
    datasketch 5-gram t=0.8                 1.000  0.499  0.666  0.666  1.000
    datatrove default 14x8                  1.000  0.711  0.831  0.831  1.000
    text-dedup news 2-gram t=0.45           0.965  0.974  0.969  0.969  1.000
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH

from newswash.dedup import DedupSettings, canonicals, cluster, components, published_key

DEFAULT_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "newsweb-dev"

_WORD = re.compile(r"\w+")
_NON_ALPHA = re.compile(r"[^A-Za-z_0-9]")  # text-dedup's tokeniser
_PUNCT = re.compile(r"[^\w\s]")


def _datatrove_words(text: str) -> list[str]:
    """datatrove's ``simplify_text`` in short: lowercase, no punctuation, words."""
    return _PUNCT.sub(" ", text.lower()).split()


@dataclass(frozen=True)
class Setup:
    """A MinHash set-up as a known project configures it."""

    name: str
    tokens: Callable[[str], list[str]]
    ngram: int
    num_perm: int
    threshold: float | None = None  # datasketch derives bands x rows from it ...
    params: tuple[int, int] | None = None  # ... unless given explicitly


SETUPS = (
    Setup("datasketch 5-gram t=0.8", lambda t: _WORD.findall(t.lower()), 5, 128, threshold=0.8),
    Setup("datatrove default 14x8", _datatrove_words, 5, 112, params=(14, 8)),
    Setup("text-dedup news 2-gram t=0.45", lambda t: _NON_ALPHA.sub(" ", t.lower()).split(), 2, 256, threshold=0.45),
)


def ngrams(tokens: list[str], n: int) -> set[bytes]:
    """Word n-grams as bytes (a text shorter than n is one shingle)."""
    if len(tokens) < n:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + n]).encode() for i in range(len(tokens) - n + 1)}


def datasketch_lsh_pairs(
    shingle_sets: Sequence[set[bytes]], num_perm: int, **lsh_args
) -> list[tuple[int, int]]:
    """datasketch's batch path: ``MinHash.bulk``, one ``MinHashLSH`` insertion session,
    one query per text; returns every matched pair (empty texts left out)."""
    rows = [i for i, s in enumerate(shingle_sets) if s]
    minhashes = MinHash.bulk([shingle_sets[i] for i in rows], num_perm=num_perm)
    lsh = MinHashLSH(num_perm=num_perm, **lsh_args)
    with lsh.insertion_session() as session:
        for i, m in zip(rows, minhashes):
            session.insert(i, m)
    return [(i, j) for i, m in zip(rows, minhashes) for j in lsh.query(m) if j != i]


def canonical_labels(n: int, pairs: Sequence[tuple[int, int]], published: Sequence[datetime | None]) -> list[int]:
    """Components of ``pairs``, each labelled by its canonical index (newswash's rule)."""
    rows = np.arange(n, dtype=np.int64)
    a = np.array([i for i, _ in pairs] + rows.tolist(), dtype=np.int64)  # every row, even alone
    b = np.array([j for _, j in pairs] + rows.tolist(), dtype=np.int64)
    nodes, labels = components(a, b)
    return canonicals(nodes, labels, published_key(list(published))).tolist()


def baseline_labels(
    setup: Setup, texts: Sequence[str], published: Sequence[datetime | None]
) -> list[int]:
    """Cluster labels (canonical index) of ``texts`` under ``setup``."""
    sets = [ngrams(setup.tokens(t), setup.ngram) for t in texts]
    lsh_args = {"params": setup.params} if setup.params else {"threshold": setup.threshold}
    pairs = datasketch_lsh_pairs(sets, setup.num_perm, **lsh_args)
    return canonical_labels(len(texts), pairs, published)


def _pairs(counts: Counter) -> int:
    return sum(c * (c - 1) // 2 for c in counts.values())


def _pair_counts(pred: Sequence[Hashable], truth: Sequence[Hashable]) -> tuple[int, int, int, int]:
    """(pairs in both, predicted pairs, true pairs, all pairs)."""
    n = len(pred)
    both = _pairs(Counter(zip(pred, truth)))
    return both, _pairs(Counter(pred)), _pairs(Counter(truth)), n * (n - 1) // 2


def pair_scores(pred: Sequence[Hashable], truth: Sequence[Hashable]) -> tuple[float, float, float]:
    """Precision, recall and F1 over same-cluster pairs."""
    both, predicted, true, _ = _pair_counts(pred, truth)
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def adjusted_rand_index(pred: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """Hubert & Arabie's adjusted Rand index from the pair counts."""
    both, predicted, true, total = _pair_counts(pred, truth)
    expected = predicted * true / total if total else 0.0
    best = (predicted + true) / 2
    return 1.0 if best == expected else (both - expected) / (best - expected)


def canonical_share(labels: Sequence[int], originals: Sequence[int]) -> float:
    """Share of ``originals`` (indices) that are their predicted cluster's canonical
    record (``labels`` give each row's canonical index)."""
    return sum(labels[i] == i for i in originals) / len(originals) if originals else 1.0


def load(eval_dir: Path) -> tuple[list[str], list[datetime | None], list[str], list[int]]:
    """Texts, publication times, true cluster names and indices of originals."""
    labels = json.loads((eval_dir / "labels.json").read_text("utf-8"))
    lines = (eval_dir / "records.jsonl").read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    texts = [r["text"] for r in records]
    published = [
        datetime.fromisoformat(r["published_at"]) if r["published_at"] else None for r in records
    ]
    truth = [labels[r["url"]]["cluster"] for r in records]
    originals = [i for i, r in enumerate(records) if labels[r["url"]]["original"]]
    return texts, published, truth, originals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="newsweb-dev folder")
    parser.add_argument("--config", type=Path, default=None, help="dedup TOML (default: bundled)")
    args = parser.parse_args(argv)
    if not (args.eval / "records.jsonl").exists():
        print(f"skipped: no newsweb-dev set at {args.eval}")
        return 0
    texts, published, truth, originals = load(args.eval)
    settings = DedupSettings.from_toml(args.config)
    runs: list[tuple[str, Callable[[], list[int]]]] = [
        (
            f"newswash in-memory ({settings.shingle_size}-gram, {settings.num_perm} perms)",
            lambda: cluster(texts, published, settings),
        ),
    ]
    runs += [(s.name, lambda s=s: baseline_labels(s, texts, published)) for s in SETUPS]
    print(
        f"newsweb-dev: {len(texts)} records, {_pairs(Counter(truth))} true pairs,"
        f" {len(originals)} originals"
    )
    print(f"{'set-up':46} {'P':>6} {'R':>6} {'F1':>6} {'ARI':>6} {'canon':>6} {'sec':>6}")
    for name, run in runs:
        start = time.perf_counter()
        labels = run()
        seconds = time.perf_counter() - start
        p, r, f1 = pair_scores(labels, truth)
        ari = adjusted_rand_index(labels, truth)
        share = canonical_share(labels, originals)
        print(f"{name:46} {p:6.3f} {r:6.3f} {f1:6.3f} {ari:6.3f} {share:6.3f} {seconds:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

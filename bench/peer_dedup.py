"""The batch paths of the MinHash libraries people pick, on the texts of a JSONL file: word
5-gram sets (``\\w+`` of the lowercased text), signatures, LSH insert + query, connected
components. Run by ``bench/peers.py`` with the peers' own venv (datasketch 2.0, rensa 0.5).

    bench/.peers-venv/bin/python bench/peer_dedup.py datasketch|rensa FILE.jsonl NUM_PERM SEED BANDS ROWS THRESHOLD

Prints one JSON line: seconds of the batch path (reading the file excluded), candidate
pairs, documents that joined another's cluster, and the seconds of each part.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable

_WORD = re.compile(r"\w+")
SHINGLE = 5


def shingle_sets(texts: list[str]) -> list[set[bytes]]:
    sets = []
    for text in texts:
        words = _WORD.findall(text.lower())
        sets.append({" ".join(words[i : i + SHINGLE]).encode() for i in range(max(1, len(words) - SHINGLE + 1))})
    return sets


def datasketch_pairs(sets: list[set[bytes]], num_perm: int, seed: int, bands: int, rows: int, _threshold: float,
                     timings: dict[str, float]) -> list[tuple[int, int]]:
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    minhashes = MinHash.bulk(sets, num_perm=num_perm, seed=seed)
    timings["MinHash.bulk"] = time.perf_counter() - start
    start = time.perf_counter()
    lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))
    with lsh.insertion_session() as session:
        for i, m in enumerate(minhashes):
            session.insert(i, m)
    pairs = [(i, j) for i, m in enumerate(minhashes) for j in lsh.query(m) if j > i]
    timings["LSH insert+query"] = time.perf_counter() - start
    return pairs


def rensa_pairs(sets: list[set[bytes]], num_perm: int, seed: int, _bands: int, rows: int, threshold: float,
                timings: dict[str, float]) -> list[tuple[int, int]]:
    from rensa import RMinHash, RMinHashLSH

    start = time.perf_counter()
    minhashes = []
    for shingles in sets:
        m = RMinHash(num_perm=num_perm, seed=seed)
        m.update(list(shingles))
        minhashes.append(m)
    timings["RMinHash"] = time.perf_counter() - start
    start = time.perf_counter()
    # rensa wants bands that divide num_perm: bands of the same rows over all of them.
    lsh = RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=num_perm // rows)
    for i, m in enumerate(minhashes):
        lsh.insert(i, m)
    pairs = [(i, j) for i, m in enumerate(minhashes) for j in lsh.query(m) if j > i]
    timings["LSH insert+query"] = time.perf_counter() - start
    return pairs


def joined(n: int, pairs: list[tuple[int, int]]) -> int:
    """Documents in another's connected component (union-find over the pairs)."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return sum(root(i) != i for i in range(n))


PATHS: dict[str, Callable[..., list[tuple[int, int]]]] = {"datasketch": datasketch_pairs, "rensa": rensa_pairs}


def main() -> None:
    library, path, num_perm, seed, bands, rows, threshold = sys.argv[1:8]
    with open(path, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    timings: dict[str, float] = {}
    started = time.perf_counter()
    sets = shingle_sets(texts)
    timings["shingles"] = time.perf_counter() - started
    pairs = PATHS[library](sets, int(num_perm), int(seed), int(bands), int(rows), float(threshold), timings)
    start = time.perf_counter()
    copies = joined(len(texts), pairs)
    timings["components"] = time.perf_counter() - start
    print(json.dumps({"seconds": time.perf_counter() - started, "docs": len(texts), "pairs": len(pairs),
                      "joined": copies, "timings": timings}))


if __name__ == "__main__":
    main()

"""The two cluster stores side by side on newsweb-dev: the warehouse (DuckDB) and MemoryStore.

Both run ``dedup.assign`` (one implementation), batch after batch, on the 2,910 records of
``../shared/eval/newsweb-dev/records.jsonl`` fingerprinted once; the script prints whether
every record has the same cluster and canonical in both, and each store's seconds.

Usage: ``.venv/bin/python bench/dedup_stores.py [--eval DIR] [--batch-size N]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from newswash.dedup import MemoryStore, fingerprint
from newswash.records import Article
from newswash.settings import load_settings
from newswash.warehouse.load import load_batch
from newswash.warehouse.store import open_warehouse

DEFAULT_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "newsweb-dev"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="newsweb-dev folder")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args(argv)
    path = args.eval / "records.jsonl"
    if not path.exists():
        print(f"skipped: {path} not found (the shared evaluation data)")
        return 0
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    settings = load_settings().dedup
    published = [datetime.fromisoformat(r["published_at"]) if r.get("published_at") else None for r in records]
    fp = fingerprint([r["text"] for r in records], settings)
    bounds = [(lo, min(lo + args.batch_size, len(records))) for lo in range(0, len(records), args.batch_size)]

    start = time.perf_counter()
    memory = MemoryStore(settings)
    for lo, hi in bounds:
        memory.add(fp.take(range(lo, hi)), published[lo:hi])
    in_memory = {records[i]["url"]: records[c]["url"] for i, c in enumerate(memory.cluster_id.tolist())}
    memory_seconds = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp, open_warehouse(Path(tmp) / "stores.duckdb") as con:
        start = time.perf_counter()
        for lo, hi in bounds:
            articles = [Article(url=r["url"], source=r.get("source", ""), body=r["text"], published_at=p)
                        for r, p in zip(records[lo:hi], published[lo:hi])]
            load_batch(con, 1, articles, fp.take(range(lo, hi)), settings)
        warehouse_seconds = time.perf_counter() - start
        stored = dict(con.execute(
            "SELECT a.url, c.url FROM articles a JOIN articles c ON c.id = a.cluster_id").fetchall())

    same = sum(stored[u] == in_memory[u] for u in in_memory)
    clusters = len(set(in_memory.values()))
    print(f"newsweb-dev: {len(records)} records, batches of {args.batch_size}, {clusters} clusters")
    print(f"same cluster and canonical in both stores: {same} of {len(records)}")
    print(f"MemoryStore {memory_seconds:.2f} s; warehouse (DuckDB) {warehouse_seconds:.2f} s")
    return 0 if same == len(records) else 1


if __name__ == "__main__":
    sys.exit(main())

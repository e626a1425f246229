"""End to end `newswash ingest` of generated JSONL text records next to datasketch's batch path.

Generates ``--n`` documents from the newsweb-dev texts with ``dedup_speed.generate`` (the
same corpus as ``bench/dedup_speed.py``: ~70% new stories, ~30% light or truncated copies),
writes them as JSONL text records (url, source, published_at, text), and in one process:

1. runs ``newswash ingest <file> --db <temporary warehouse>`` (read, clean, learned
   boilerplate, fingerprint, dedup, load: the whole flow on the configured executor),
   after one warm-up ingest of an empty folder so that Prefect's local API is already up;
2. runs datasketch's batch path alone on the same texts (``dedup_speed.datasketch_path``:
   word 5-gram sets, ``MinHash.bulk``, ``MinHashLSH`` insert + query, union-find).

Prints docs/s of each, the ratio, peak memory, and the share of generated copies each put
with their source.

    .venv/bin/python bench/ingest_jsonl_speed.py [--n 100000] [--executor processes] [--config FILE]

Measured (2-vCPU dev VM, default config: processes executor, batches of 2,000), n = 100,000:
    newswash ingest 2,405 docs/s (41.6 s, Prefect start of the flow and workers included),
    datasketch batch path 1,654 docs/s (60.4 s): 1.45x (earlier: 2,356 vs 1,836, 1.28x).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_speed import DEFAULT_EVAL, _OUTLETS, copies_found, datasketch_path, eval_texts, generate  # noqa: E402
from ingest_speed import cli  # noqa: E402

from newswash.dedup import DedupSettings  # noqa: E402
from newswash.warehouse.store import open_warehouse  # noqa: E402


def write_records(path: Path, docs: list[str]) -> None:
    """One JSONL text record per document; publication times spread over the days."""
    base = datetime(2024, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        for i, text in enumerate(docs):
            record = {"url": f"https://bench.example/{i}", "source": _OUTLETS[i % len(_OUTLETS)],
                      "published_at": (base + timedelta(minutes=7 * i)).isoformat(), "text": text}
            out.write(json.dumps(record) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="records to generate")
    parser.add_argument("--executor", default=None, help="local, processes or dask (default: configured)")
    parser.add_argument("--config", type=Path, default=None, help="a newswash config (e.g. another batch_size)")
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="newsweb-dev folder")
    args = parser.parse_args(argv)
    if not (args.eval / "records.jsonl").exists():
        print(f"skipped: no newsweb-dev set at {args.eval}")
        return 0
    texts = eval_texts(args.eval)
    docs, source = generate(texts, args.n)
    settings = DedupSettings.from_toml(None)
    with tempfile.TemporaryDirectory(prefix="newswash-bench-") as tmp:
        records = Path(tmp) / "records.jsonl"
        write_records(records, docs)
        print(f"{args.n:,} records, {records.stat().st_size / 2**20:,.0f} MiB of JSONL")
        executor = ["--executor", args.executor] if args.executor else []
        executor += ["--config", str(args.config)] if args.config else []
        (Path(tmp) / "empty").mkdir()
        code, out = cli("ingest", str(Path(tmp) / "empty"), "--db", str(Path(tmp) / "warm.duckdb"), *executor)
        assert code == 0, out
        db = Path(tmp) / "bench.duckdb"
        started = time.perf_counter()
        code, out = cli("ingest", str(records), "--db", str(db), *executor)
        ours = time.perf_counter() - started
        assert code == 0, out
        with open_warehouse(db, read_only=True) as con:
            rows = con.execute("SELECT url, cluster_id FROM articles").fetchall()
        cluster = {int(url.rsplit("/", 1)[1]): c for url, c in rows}
        labels = [cluster.get(i, -1 - i) for i in range(args.n)]
        rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(out.strip().splitlines()[-1])
        print(f"newswash ingest  {args.n / ours:8,.0f} docs/s  {ours:6.1f} s  loaded {len(rows):,}"
              f"  copies joined {copies_found(labels, source):.3f}  peak RSS (this process) {rss_ours:.2f} GiB")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    theirs_labels = datasketch_path(docs, settings, timings)
    theirs = time.perf_counter() - started
    print(f"datasketch batch {args.n / theirs:8,.0f} docs/s  {theirs:6.1f} s"
          f"  copies joined {copies_found(theirs_labels, source):.3f}"
          f"  ({', '.join(f'{k} {v:.1f}s' for k, v in timings.items())})")
    print(f"newswash ingest / datasketch batch path: {theirs / ours:.2f}x"
          f" -> {'met' if ours <= theirs else 'short'} (target >= 1.0x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

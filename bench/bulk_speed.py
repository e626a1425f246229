"""A backfill (`newswash ingest --bulk`, on a local Dask cluster) next to the incremental
`newswash ingest` on the same generated input, each into a fresh warehouse.

Generates ``--n`` JSONL text records from the newsweb-dev texts with ``dedup_speed``'s
generator (~70% new stories; ~30% light copies: words substituted, a paragraph dropped or
swapped, or cut short with a "Read the full story" line, which are contained in their
source), and on top a share ``--exact`` of exact copies of earlier records (other URL,
source and time). Then, as their own commands, cold (a temporary Prefect server each):

1. ``newswash ingest FILE --db incremental.duckdb`` (the configured executor);
2. ``newswash ingest FILE --db bulk.duckdb --bulk`` (the same executor; the shuffle on a
   local Dask cluster of one worker a core, unless ``[executor] dask_address`` names one);
3. with ``--dask``, both again with ``--executor dask`` (everything on a local Dask cluster).

For each: wall seconds, docs/s, CPU seconds of its whole process tree and peak summed RSS
(``peers.measure``); with ``--repeats``, the runs alternate and the medians follow. ``--check`` compares the two warehouses article by article: each
URL's canonical URL, canonical flag, duplicate kind and similarity.

    .venv/bin/python bench/bulk_speed.py --data DIR [--n 1000000] [--check] [--repeats 1] [--dask] [--keep [--reuse]]

Measured on the 2-vCPU dev VM: see the closing note of issue 16 (docs/ figures are not kept
here as the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_speed import DEFAULT_EVAL, _OUTLETS, eval_texts, generate_corpus  # noqa: E402
from peers import NEWSWASH, Usage, describe, measure, median_usage, remove_warehouse  # noqa: E402

from newswash.warehouse.store import open_warehouse  # noqa: E402

CHUNK = 10_000  # records spelled out at a time
CLUSTERS = """
    SELECT a.url, c.url, a.is_canonical, d.kind, round(d.similarity, 9)
    FROM articles a JOIN articles c ON c.id = a.cluster_id LEFT JOIN duplicates d ON d.article_id = a.id
"""


def write_input(path: Path, n: int, exact: float, eval_dir: Path, seed: int = 0) -> None:
    """``n`` generated records (``dedup_speed.generate_corpus``), a share ``exact`` of them
    exact copies of an earlier record's text, written as JSONL a chunk at a time."""
    corpus, _ = generate_corpus(eval_texts(eval_dir), n, seed)
    rng = random.Random(seed + 1)
    base = datetime(2024, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        for lo in range(0, n, CHUNK):
            texts = corpus.texts(lo, min(lo + CHUNK, n))
            for i, text in enumerate(texts, lo):
                if i and rng.random() < exact:
                    text = corpus.texts(j := rng.randrange(i), j + 1)[0]
                out.write(json.dumps({"url": f"https://bench.example/{i}", "source": _OUTLETS[i % len(_OUTLETS)],
                                      "published_at": (base + timedelta(minutes=7 * i)).isoformat(),
                                      "text": text}) + "\n")


def clusters(db: Path) -> dict[str, tuple]:
    """Each article's (canonical URL, is canonical, kind, similarity), by URL."""
    with open_warehouse(db, read_only=True) as con:
        return {row[0]: row[1:] for row in con.execute(CLUSTERS).fetchall()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="records to generate")
    parser.add_argument("--exact", type=float, default=0.05, help="share of exact copies planted")
    parser.add_argument("--check", action="store_true", help="compare the clusters article by article")
    parser.add_argument("--dask", action="store_true", help="both paths on the Dask executor too")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each path (medians printed)")
    parser.add_argument("--config", type=Path, default=None, help="a newswash config for both runs")
    parser.add_argument("--data", type=Path, required=True, help="where the input and the two warehouses go")
    parser.add_argument("--keep", action="store_true", help="keep the input and warehouses")
    parser.add_argument("--reuse", action="store_true", help="use the input a kept run left in the folder")
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="newsweb-dev folder")
    args = parser.parse_args(argv)
    if not (args.eval / "records.jsonl").exists():
        print(f"skipped: no newsweb-dev set at {args.eval}")
        return 0
    folder = args.data / f"bulk-{args.n}"
    records = folder / "records.jsonl"
    if not (args.reuse and records.exists()):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        write_input(records, args.n, args.exact, args.eval)
    print(f"{args.n:,} records ({args.exact:.0%} exact copies planted), {records.stat().st_size / 2**20:,.0f} MiB of JSONL")
    config = ["--config", str(args.config)] if args.config else []
    variants = {"incremental": ("(incremental)", []), "bulk": ("--bulk", ["--bulk"])}
    if args.dask:
        variants["dask_incremental"] = ("--executor dask", ["--executor", "dask"])
        variants["dask_bulk"] = ("--bulk --executor dask", ["--bulk", "--executor", "dask"])
    runs: dict[str, list[Usage]] = {name: [] for name in variants}
    for repeat in range(args.repeats):
        for name, (label, extra) in variants.items():
            db = folder / f"{name}.duckdb"
            remove_warehouse(db)
            usage = measure([str(NEWSWASH), "ingest", str(records), "--db", str(db), *config, *extra])
            summary = [line for line in usage.out.splitlines() if line.startswith("run #")]
            assert summary, usage.out[-3000:]
            runs[name].append(usage)
            print(describe(f"ingest {label}", args.n, usage), flush=True)
            print(f"    {summary[-1]}")
            for line in usage.out.splitlines():
                if "backfill:" in line:
                    print(f"    {line.split('backfill:', 1)[1].strip()}")
    medians = {name: median_usage(done) for name, done in runs.items()}
    if args.repeats > 1:
        print(f"median of {args.repeats}:")
        for name, (label, _) in variants.items():
            print(describe(f"ingest {label}", args.n, medians[name]))
    print(f"bulk / incremental wall time: {medians['bulk'].seconds / medians['incremental'].seconds:.2f}x, "
          f"CPU: {medians['bulk'].cpu / medians['incremental'].cpu:.2f}x")
    status = 0
    if args.check:
        ours, theirs = clusters(folder / "incremental.duckdb"), clusters(folder / "bulk.duckdb")
        differ = sorted(url for url in ours.keys() | theirs.keys() if ours.get(url) != theirs.get(url))
        copies = sum(not row[1] for row in ours.values())
        print(f"check: {len(ours) - len(differ):,} of {len(ours):,} articles with the same canonical, kind and "
              f"similarity in both ({copies:,} duplicates); {len(differ):,} differ")
        for url in differ[:10]:
            print(f"  {url}: incremental {ours.get(url)}, bulk {theirs.get(url)}")
        status = 1 if differ else 0
    if not args.keep:
        shutil.rmtree(folder)
    return status


if __name__ == "__main__":
    sys.exit(main())

"""`newswash ingest` at scale: peak memory of all its processes, throughput at the start and at
the end of one long run, and a small run into a big warehouse next to the same into an empty one.

    .venv/bin/python bench/ingest_scale.py --data DIR [--n 2000000] [--small 20000] [--repeats 3]

Generates once into ``DIR`` (kept for later runs): ``records.jsonl``, ``--n`` generated
documents as JSONL text records (``dedup_speed.generate_corpus``: ~70% new stories, ~30%
light or truncated copies), and ``small-K.jsonl``, ``--repeats`` files of ``--small`` more,
new stories only (no copies among them or of stored ones). Then, each ``newswash ingest`` a
process of its own (default settings, ``--db`` under ``DIR``):

1. the ``--n`` records into an empty warehouse (``DIR/big.duckdb``, kept for later runs; with
   ``--skip-big`` an existing one is used): wall time, the peak of the summed RSS of the
   ingest process and every descendant (sampled every 0.2 s; and of their PSS, which counts the
   pages the workers share with the fork server once) and the RSS sum after the first tenth
   of its batches and at the last, and records read per second in the first and in the last
   tenth of its batches (from the time its "batch loaded" lines arrive);
2. each small file into the big warehouse and into an empty one: run time as the warehouse
   records it (``runs.finished_at - started_at``), medians of ``--repeats``.

With ``--skip-big --round R`` (R = 1, 2, ...) the small runs use new files of stories the big
warehouse lacks (another seed a round), so that they can be repeated on the kept warehouse.

Measured (quiet 2-core machine, defaults, JSONL read a line at a time), before: 2,000,000 in
2,287 s, peak RSS of all its processes 3.51 GiB, 1,536 records/s in the first tenth and 497 in
the last (0.32x); 20,000 new into it 38.2 s against 18.0 s into an empty warehouse (2.13x): learned
boilerplate's counts were read and merged against every stored line of the sources. After (line
counts, stored URLs and dedup candidates probed beside the warehouse): 2,000,000 in 2,614 s, peak
RSS 3.30 GiB, summed PSS 2.68 GiB, 935 records/s in the first tenth and 686 in the last (0.73x);
20,000 new into it 26.9 s against 17.4 s (1.55x; on the earlier 2,000,000 warehouse, rounds 1-3:
1.43x, 1.31x, 1.43x). Then the run's connection stopped closing the file (a checkpoint and a
re-open) after every quarter second idle, only when a reader asks (``warehouse/shared.py``):
2,000,000 in 1,998 s, peak RSS 3.53 GiB, summed PSS 2.91 GiB, 1,042 records/s in the last tenth
against 826-1,156 in the first four (the first ones slowed by profiling run beside them); 20,000
new into it 19.4 s against 15.3 s (1.27x; on the earlier 2,000,000 warehouse, rounds 1-2: 1.16x, 1.14x).
Then the index read its candidates' rows with ``pread`` and probed a slice of the key range at a
time (a batch had mapped much of ``sketches.bin`` and of the keys into the flow process: sampled
every 0.3 s, it reached 1.96 GB RSS in those reads before that run was stopped at about 85%), and each body was
stored once (``version_log``): 2,000,000 in 1,716 s, peak RSS 3.21 GiB, summed PSS 2.50 GiB
(at the peak: flow process 1.65, workers 0.24 each, fork server 0.16, Prefect's API 0.19), 1,156
records/s in the first tenth and 1,065 in the last (0.92x); 20,000 new into it 20.9 s against
18.7 s (1.12x).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_speed import DEFAULT_EVAL, _OUTLETS, eval_texts, generate_corpus  # noqa: E402
from peers import remove_warehouse  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
_LOADED = re.compile(r"batch loaded: \{'read': (\d+)")


def write_records(path: Path, corpus, lo: int, hi: int, chunk: int = 20_000) -> None:
    """Documents lo..hi-1 of ``corpus`` as JSONL text records; publication times spread over days."""
    base = datetime(2024, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        for a in range(lo, hi, chunk):
            for i, text in enumerate(corpus.texts(a, min(a + chunk, hi)), a):
                record = {"url": f"https://bench.example/{i}", "source": _OUTLETS[i % len(_OUTLETS)],
                          "published_at": (base + timedelta(minutes=7 * i)).isoformat(), "text": text}
                out.write(json.dumps(record) + "\n")


def small_file(data: Path, round_: int, k: int) -> Path:
    return data / (f"small-{k}.jsonl" if not round_ else f"small-r{round_}-{k}.jsonl")


def generate(data: Path, n: int, small: int, repeats: int, eval_dir: Path, round_: int) -> None:
    """``records.jsonl`` and the small files of ``round_``, unless already there."""
    t = time.perf_counter()
    if not (data / "records.jsonl").exists():
        data.mkdir(parents=True, exist_ok=True)
        corpus, _ = generate_corpus(eval_texts(eval_dir), n)
        write_records(data / "records.jsonl.tmp", corpus, 0, n)
        (data / "records.jsonl.tmp").rename(data / "records.jsonl")
    if not all(small_file(data, round_, k).exists() for k in range(repeats)):
        # New stories only: generated with copy rate 0 (another seed a round), urls after the big file's
        # and the earlier rounds'.
        fresh, _ = generate_corpus(eval_texts(eval_dir), small * repeats, seed=99 + round_, copies=0.0)
        first = n + round_ * repeats * small
        for k in range(repeats):
            write_records(small_file(data, round_, k), _Offset(fresh, first), first + k * small, first + (k + 1) * small)
    print(f"input ready in {time.perf_counter() - t:.0f} s", flush=True)


class _Offset:
    """A corpus whose document i is ``corpus``'s document i - offset."""

    def __init__(self, corpus, offset: int) -> None:
        self.corpus, self.offset = corpus, offset

    def texts(self, lo: int, hi: int) -> list[str]:
        return self.corpus.texts(lo - self.offset, hi - self.offset)


def ingest(records: Path, db: Path) -> dict:
    """One ``newswash ingest`` in a process of its own: seconds, peak RSS of its tree, batch times."""
    proc = subprocess.Popen([sys.executable, "-m", "newswash.cli", "ingest", str(records), "--db", str(db)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak, now, peak_pss, done = [0], [0], [0], threading.Event()
    at_peak: list[tuple[str, int, int]] = []  # (process, RSS, PSS) when the summed PSS peaked

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not done.wait(0.2):
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            each = []
            for p in tree:
                try:
                    info = p.memory_full_info()
                    each.append((_role(p), info.rss, info.pss))
                except psutil.NoSuchProcess:
                    pass
            rss, pss = sum(e[1] for e in each), sum(e[2] for e in each)
            if pss > peak_pss[0]:
                at_peak[:] = each
            now[0], peak[0], peak_pss[0] = rss, max(peak[0], rss), max(peak_pss[0], pss)

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.perf_counter()
    sampler.start()
    batches: list[tuple[float, int, int]] = []
    tail: list[str] = []
    for line in proc.stdout:
        m = _LOADED.search(line)
        if m:
            batches.append((time.perf_counter() - started, int(m.group(1)), now[0]))
        tail = (tail + [line])[-5:]
    code = proc.wait()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if code != 0:
        raise SystemExit(f"ingest failed ({code}): {''.join(tail)}")
    return {"seconds": seconds, "peak": peak[0], "peak_pss": peak_pss[0], "batches": batches, "at_peak": at_peak}


def _role(p: psutil.Process) -> str:
    """A short name for one of the run's processes: the first words of its command after the interpreter."""
    try:
        return " ".join(Path(w).name for w in p.cmdline()[1:4])[:50] or p.name()
    except psutil.Error:
        return "?"


def _rate(batches: list[tuple[float, int, int]], lo: int, hi: int) -> float:
    """Records read per second over batches lo..hi-1 (from the previous batch's arrival)."""
    start = batches[lo - 1][0] if lo else 0.0
    return sum(n for _, n, _ in batches[lo:hi]) / (batches[hi - 1][0] - start)


def run_time(db: Path) -> float:
    """Seconds of the warehouse's last run (finished_at - started_at)."""
    from newswash.warehouse.store import open_warehouse

    with open_warehouse(db, read_only=True) as con:
        return con.execute("SELECT epoch(max_by(finished_at, run_id) - max_by(started_at, run_id)) FROM runs").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="where the records and the big warehouse go")
    parser.add_argument("--n", type=int, default=2_000_000, help="records of the long run")
    parser.add_argument("--small", type=int, default=20_000, help="records of each small run")
    parser.add_argument("--repeats", type=int, default=3, help="small runs of each kind")
    parser.add_argument("--skip-big", action="store_true", help="use the big warehouse already in --data")
    parser.add_argument("--round", type=int, default=0,
                        help="small files of this round (with --skip-big: 1, 2, ... for stories the big one lacks)")
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="newsweb-dev folder")
    args = parser.parse_args(argv)
    if not (args.eval / "records.jsonl").exists():
        print(f"skipped: no newsweb-dev set at {args.eval}")
        return 0
    generate(args.data, args.n, args.small, args.repeats, args.eval, args.round)
    big = args.data / "big.duckdb"
    if not args.skip_big:
        remove_warehouse(big)
        r = ingest(args.data / "records.jsonl", big)
        b, tenth = r["batches"], max(1, len(r["batches"]) // 10)
        print(f"long run   {args.n:,} records in {r['seconds']:.0f} s ({args.n / r['seconds']:,.0f} records/s),"
              f" {len(b):,} batches; peak RSS of all its processes {r['peak'] / 2**30:.2f} GiB (summed PSS, pages"
              f" shared between processes counted once: {r['peak_pss'] / 2**30:.2f} GiB);"
              f" first tenth {_rate(b, 0, tenth):,.0f} records/s, last tenth {_rate(b, len(b) - tenth, len(b)):,.0f}"
              f" records/s ({_rate(b, len(b) - tenth, len(b)) / _rate(b, 0, tenth):.2f}x); RSS of all its processes"
              f" after the first tenth {b[tenth - 1][2] / 2**30:.2f} GiB, at the end {b[-1][2] / 2**30:.2f} GiB", flush=True)
        print("  at the peak (RSS / PSS, GiB): " + ", ".join(
            f"{role} {rss / 2**30:.2f} / {pss / 2**30:.2f}" for role, rss, pss in r["at_peak"]), flush=True)
    into_big, into_empty = [], []
    for k in range(args.repeats):
        small = small_file(args.data, args.round, k)
        empty = args.data / f"empty-{k}.duckdb"
        remove_warehouse(empty)
        r = ingest(small, empty)
        into_empty.append(run_time(empty))
        r2 = ingest(small, big)
        into_big.append(run_time(big))
        print(f"small run {k}: {args.small:,} into an empty warehouse {into_empty[-1]:.1f} s (peak {r['peak'] / 2**30:.2f} GiB),"
              f" into the big one {into_big[-1]:.1f} s (peak {r2['peak'] / 2**30:.2f} GiB)", flush=True)
    print(f"small runs, medians of {args.repeats}: into empty {statistics.median(into_empty):.1f} s,"
          f" into the big warehouse {statistics.median(into_big):.1f} s"
          f" ({statistics.median(into_big) / statistics.median(into_empty):.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

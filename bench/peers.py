"""newswash next to the tools people would pick instead, on the same inputs in the same run.

1. WARC of real news pages → extracted, deduplicated, stored: the 102 pages of
   ../shared/eval/extraction-dev and the 672 article pages of ../shared/eval/newsweb-dev/site,
   ``--copies`` times (copy k > 0 under the host ``copyK.<host>``), written as two gzipped
   WARC files the way Common Crawl writes them (warcinfo, then a request and a response
   record a page, ``WARC-Identified-Payload-Type``, digests). ``newswash ingest`` on the
   folder against datatrove 0.10.1's pipeline (``bench/peer_datatrove.py``: WarcReader →
   Trafilatura(favour_precision=True) → JsonlWriter, then its four MinHash stages; 2 tasks,
   2 workers). Then the extraction quality of both on the extraction-dev pages, with
   ``bench/extraction.py``'s scorer.
2. JSONL text → cleaned, deduplicated, stored: ``newswash ingest`` of a JSONL file against
   the batch paths of datasketch 2.0 (``MinHash.bulk`` + ``MinHashLSH``) and rensa 0.5
   (``RMinHash`` + ``RMinHashLSH``) on its texts (``bench/peer_dedup.py``): ``short`` is
   ``--short`` one-paragraph wire texts generated from the Reuters-21578 stories of
   newsweb-dev (``dedup_speed.generate`` with one story a document: words substituted in
   new ones, 30% light copies); ``long`` is ``bench/ingest_jsonl_speed.py``'s texts.

Every tool runs as its own command, cold (its interpreter, imports, servers and workers
started within the time), after one untimed warm-up run (``--warmup 0``: none). For each: wall seconds, docs/s,
CPU seconds of all its processes (from /proc: the main process's exact utime+stime once it
has exited, its reaped children's from its cutime+cstime, every other descendant sampled
every 0.2 s), newswash's flow process's share of them, and the peak of the summed RSS of the
process tree. For the MinHash libraries the docs/s is that of their batch path alone (the
timer inside the script, reading the file excluded), as issue 15 states the comparison.
Medians of ``--repeats`` runs.

The peers live in a venv of the bench's own, ``bench/.peers-venv`` (git-ignored), created on
first use with pip; they never enter newswash's dependencies.

    .venv/bin/python bench/peers.py [--only warc|short|long] [--copies 5] [--repeats 3] [--warmup 1]
                                    [--short 100000] [--long 100000] [--data DIR]

Measured on the 2-vCPU dev VM, quiet (load 0.1-1.9 before each run), after the warm start,
the batched language identification and migration 019 (issue 15's second session):
774 pages, median of 3: newswash 16.4 s (28.1 CPU-s), datatrove 14.3 s (24.8 CPU-s): 0.87x;
3,870 pages, one run: 33.3 s (57.6 CPU-s) vs 47.4 s (88.4 CPU-s): 1.42x (datatrove's 1 s
extraction deadline dropped 1,110 pages); extraction-dev F1 newswash 0.980, datatrove 0.941.
100,000 short texts, one run: newswash 57.8 s (107.3 CPU-s, flow process 36%), datasketch's
batch path 69.8 s (1.21x), rensa's 18.8 s. 100,000 long texts: 92.8 s (178.0 CPU-s, flow
process 33%), datasketch 103.3 s (1.11x), rensa 30.0 s. Issue 15's fourth session (the run keeps
the warehouse open, no block registration, fork server's heap frozen), medians of 3: 774 pages
16.6 s vs 13.9 s (0.84x); 3,870 pages 32.3 s vs 41.2 s (1.28x); 100,000 short texts 50.4 s (92.4
CPU-s, flow process 36.3%) vs datasketch 67.0 s (1.33x), rensa 20.3 s; 100,000 long texts 84.9 s
(160.1 CPU-s, flow process 28.8%) vs datasketch 91.1 s (1.07x), rensa 23.8 s. Issue 15's sixth
session (one DuckDB thread, no np.unique in language identification, metadata read once for a
second pass, a one-certificate CA file for the run's own API, no heartbeats, frozen heap),
medians of 3: 3,870 pages 31.9 s (57.1 CPU-s) vs 43.3 s (79.2 CPU-s): 1.36x; 774 pages 15.1 s
(24.6 CPU-s) vs 12.4 s (21.6 CPU-s): 0.82x (datatrove's own runs: 11.8-14.9 s); 100,000 short
texts 43.8 s (77.2 CPU-s, flow process 33.1%) vs datasketch 79.3 s (1.81x), rensa 22.0 s;
100,000 long texts 68.0 s (126.0 CPU-s, flow process 27.4%) vs datasketch 91.5 s (1.34x),
rensa 29.6 s. Issue 15's seventh session (another VM of the same kind, on which datasketch and
datatrove ran faster; story keys on the workers, merges by stable sort, a part per worker for
a batch of pages), medians of 3: 3,870 pages 27.8 s (50.5 CPU-s) vs 37.9 s (69.8 CPU-s): 1.36x
(before the parts change, 29.0 s vs 39.8 s: 1.37x); 774 pages 10.7 s vs 11.7 s (1.10x), then
13.4 s vs 12.0 s (0.90x) in a second set an hour later; 100,000 short texts 41.5 s (75.4 CPU-s,
flow process 31.8%) vs datasketch 56.8 s (1.37x), rensa 17.1 s; 100,000 long texts 55.6 s
(104.1 CPU-s, flow process 26.2%) vs datasketch 66.4 s (1.20x), rensa 25.2 s. Issue 15's ninth
session (another VM again, whose speed drifted by a third within the hour: the same newswash
run took 45-59 CPU-s, datatrove's 68-94; the fork server forked from the run, parts cut by
cost, the last batch in smaller parts), medians of 3: 774 pages 14.3 s vs 17.6 s (1.23x; the
code before, in the set just before: 15.2 s vs 17.3 s, 1.14x); 3,870 pages 31.2 s (59.1 CPU-s)
vs 51.5 s (91.0 CPU-s): 1.65x (the code before, in the set just before, on a faster stretch:
27.3 s vs 37.6 s, 1.38x), and 27.9 s vs 38.9 s (1.39x) in a second set an hour later, the VM
fast again: datatrove slows more than newswash on a slow stretch, so 1.5x does not hold; an
interleaved A/B of newswash alone, before and after: 24.0 -> 21.9 s (3,870 pages), 10.8 ->
10.1 s (774); 100,000 short texts 34.8 s (65.0 CPU-s, flow process 28.8%) vs
datasketch 55.6 s (1.60x), rensa 14.4 s; 100,000 long texts 61.1 s (117.0 CPU-s, flow process
22.5%) vs datasketch 88.9 s (1.46x), rensa 23.7 s. Issue 15's eleventh session (a prefilter
per rule alternative, the language walk by transition, steps kept in the workers), medians of
3: 3,870 pages 19.7 s (37.0 CPU-s) vs 32.2 s (59.6 CPU-s): 1.64x; 774 pages 8.3 s vs 10.1 s
(1.22x); 100,000 short texts 23.8 s (43.3 CPU-s, flow process 32.1%) vs datasketch 48.5 s
(2.04x), rensa 12.6 s; 100,000 long texts 43.9 s (82.0 CPU-s) vs 70.1 s (1.60x) on a slow
stretch, then 37.2 s (70.4 CPU-s, flow process 26.0%) vs 63.7 s (1.71x), rensa 19.7 s; an
interleaved A/B of newswash alone on the long texts, the session's first commit against its
last: 37.3 -> 34.1 s, 70.5 -> 64.6 CPU-s (workers 46.0 -> 41.8). Issue 15's twelfth session
(batches of 5,000 or 60 million characters, learned boilerplate asking only articles with a
frequent line, batches pickled as columns), medians of 3: 100,000 short texts 24.1 s (44.3
CPU-s, flow process 30.2%) vs datasketch 49.2 s (2.04x), rensa 12.7 s; 100,000 long texts
36.0 s (67.4 CPU-s, flow process 24.2%) vs 64.0 s (1.78x; its warm-up 32.3 s vs 63.0 s), rensa
18.4 s; 3,870 pages 21.9 s (40.7 CPU-s) vs 33.5 s (62.3 CPU-s): 1.53x; 774 pages 10.4 s vs
11.0 s (1.06x, a slow stretch); an interleaved A/B of newswash alone, the session's first commit
against its last: long texts 36.4 -> 33.9 s, 68.7 -> 63.5 CPU-s (flow process 18.1 -> 15.1);
short texts 24.7 -> 20.5 s, 45.1 -> 37.5 CPU-s (flow 14.7 -> 11.2, its share 32.5% -> 30.0%);
774 pages 7.9 -> 7.5 s. Issue 15's thirteenth session (a text identified only where its
language decides a removal, the collector's thresholds at 10,000, returned parts let go of
once merged), medians of 3: 100,000 long texts 29.6 s (54.7 CPU-s, flow process 26.8%) vs
datasketch 68.9 s (2.33x), rensa 18.6 s; 100,000 short texts 17.9 s (31.9 CPU-s, flow process
34.5%) vs 47.9 s (2.68x), rensa 12.8 s; 3,870 pages 20.7 s (38.2 CPU-s) vs 31.0 s (58.9
CPU-s): 1.50x (1.498); 774 pages 8.3 s vs 9.9 s (1.19x); an interleaved A/B of newswash alone,
the session's first commit against its last: long texts 32.2 -> 27.9 s, 60.5 -> 52.0 CPU-s
(workers 40.8 -> 32.9); short texts 18.4 -> 15.2 s, 33.5 -> 27.0 CPU-s (flow 10.1 -> 9.4,
workers 19.3 -> 12.5, so the flow's share 30.2% -> 34.7%); 774 pages 7.0 -> 6.8 s.
Issue 15's fourteenth session (no change to newswash; medians of 3 at f283942): 3,870 pages
23.2 s (43.1 CPU-s) vs 35.7 s (65.4 CPU-s): 1.54x; 774 pages 8.5 s vs 10.4 s (1.21x); 100,000
short texts 18.1 s (32.8 CPU-s, flow process 34.5%) vs datasketch 50.1 s (2.76x), rensa 13.0 s;
100,000 long texts 29.3 s (54.5 CPU-s, flow process 26.7%) vs 68.3 s (2.33x), rensa 18.9 s.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from base64 import b32encode
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import NAMESPACE_URL, uuid5

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_speed import copies_found, eval_texts, generate  # noqa: E402
from extraction import Score  # noqa: E402
from ingest_jsonl_speed import write_records  # noqa: E402

from newswash.dedup import DedupSettings  # noqa: E402
from newswash.warehouse.store import open_warehouse  # noqa: E402

BENCH = Path(__file__).resolve().parent
EVAL = BENCH.parent.parent / "shared" / "eval"
VENV = BENCH / ".peers-venv"
# lxml_html_clean: datatrove pins trafilatura 1.11, which imports lxml.html.clean (its own package since lxml 5.2).
PEERS = ["datatrove[processing,io]==0.10.1", "spacy", "orjson", "xxhash", "faust-cchardet", "python-magic",
         "tokenizers", "lxml_html_clean", "datasketch==2.0.*", "rensa==0.5.*"]
NEWSWASH = Path(sys.executable).parent / "newswash"
SAMPLE_SECONDS = 0.2
DATE = "2024-01-02T03:04:05Z"


def peers_python() -> Path:
    """The peers' venv's interpreter, the venv created and filled on first use."""
    python, marker = VENV / "bin" / "python", VENV / "installed.txt"
    if not marker.exists() or marker.read_text() != "\n".join(PEERS):
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)
        marker.write_text("\n".join(PEERS))
    return python


# -- measuring a command and every process it starts ------------------------------------------


@dataclass
class Usage:
    """One run of a command: wall seconds, CPU seconds (all its processes; ``main``: the
    command's own process), peak summed RSS, and what it printed."""

    seconds: float
    cpu: float
    main: float
    by_role: dict[str, float]
    peak: int
    out: str

    @property
    def main_share(self) -> float:
        return self.main / self.cpu if self.cpu else 0.0


def _role(cmdline: list[str], command: list[str]) -> str:
    if cmdline == command:  # a fork of the command's process: newswash's fork server and its workers
        return "workers"
    line = " ".join(cmdline)
    if "prefect" in line and ("server" in line or "uvicorn" in line):
        return "Prefect API"
    if "newswash.flows.lifetime" in line:
        return "watcher"
    if "multiprocessing" in line or "forkserver" in line or "spawn_main" in line:
        return "workers"
    return "other"


def measure(command: list[str], env: dict[str, str] | None = None) -> Usage:
    """Run ``command`` to its end, noting the CPU time and memory of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    root = psutil.Process(process.pid)
    out: list[bytes] = []
    reader = threading.Thread(target=lambda: out.append(process.stdout.read()), daemon=True)
    reader.start()
    seen: dict[int, tuple[str, float]] = {}  # pid -> (role, cpu seconds when last sampled)
    peak = 0
    while not os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            tree = []
        rss = 0
        try:
            own = root.cmdline()
        except psutil.Error:
            own = []
        for proc in tree:
            try:
                with proc.oneshot():
                    times, rss = proc.cpu_times(), rss + proc.memory_info().rss
                    role = _role(proc.cmdline(), own)  # each time: a child just spawned still shows its parent's
            except psutil.Error:
                continue
            if proc.pid != process.pid:
                seen[proc.pid] = (role, times.user + times.system)
        peak = max(peak, rss)
        time.sleep(SAMPLE_SECONDS)
    times = root.cpu_times()  # the exited process (not reaped yet): exact
    seconds = time.perf_counter() - started
    process.wait()
    reader.join()
    by_role: dict[str, float] = {}
    for role, cpu in seen.values():
        by_role[role] = by_role.get(role, 0.0) + cpu
    main = times.user + times.system
    children = max(times.children_user + times.children_system, sum(by_role.values()))
    return Usage(seconds, main + children, main, by_role, peak, out[0].decode(errors="replace") if out else "")


def median_usage(runs: list[Usage]) -> Usage:
    """The run of median wall time."""
    return sorted(runs, key=lambda u: u.seconds)[len(runs) // 2]


def describe(name: str, docs: int, usage: Usage, seconds: float | None = None) -> str:
    seconds = seconds or usage.seconds
    roles = ", ".join(f"{role} {cpu:.1f}" for role, cpu in sorted(usage.by_role.items()))
    return (f"  {name:<22} {docs / seconds:8,.0f} docs/s  {seconds:6.1f} s  CPU {usage.cpu:6.1f} s"
            f" (main process {usage.main:.1f} = {usage.main_share:.0%}; {roles})  peak RSS {usage.peak / 2**30:.2f} GiB")


# -- the WARC of real pages ----------------------------------------------------------------------


def _digest(data: bytes) -> str:
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode()


def _record(kind: str, url: str, block: bytes, content_type: str, extra: list[tuple[str, str]]) -> bytes:
    """One WARC record, gzipped on its own (a member of the file, as Common Crawl writes them)."""
    headers = [("WARC-Type", kind), ("WARC-Date", DATE), ("WARC-Record-ID", f"<urn:uuid:{uuid5(NAMESPACE_URL, kind + url)}>"),
               ("Content-Length", str(len(block))), ("Content-Type", content_type)]
    if url:
        headers.append(("WARC-Target-URI", url))
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in [*headers, *extra]) + "\r\n"
    return gzip.compress(head.encode() + block + b"\r\n\r\n", compresslevel=6, mtime=0)


def _page_records(url: str, html: bytes) -> bytes:
    parts = urlsplit(url)
    request = (f"GET {parts.path or '/'} HTTP/1.1\r\nUser-Agent: CCBot/2.0 (https://commoncrawl.org/faq/)\r\n"
               f"Accept: text/html\r\nHost: {parts.hostname}\r\n\r\n").encode()
    response = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n"
                + f"Content-Length: {len(html)}\r\n\r\n".encode() + html)
    return (_record("request", url, request, "application/http; msgtype=request", [("WARC-Block-Digest", _digest(request))])
            + _record("response", url, response, "application/http; msgtype=response", [
                ("WARC-Payload-Digest", _digest(html)), ("WARC-Block-Digest", _digest(response)),
                ("WARC-Identified-Payload-Type", "text/html")]))


def real_pages(eval_dir: Path) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """(url, page) of the extraction-dev and newsweb-dev article pages, and the extraction-dev
    ground truth by URL."""
    folder = eval_dir / "extraction-dev"
    truth = json.loads((folder / "ground-truth.json").read_text("utf-8"))
    pages = [(item["url"], gzip.decompress((folder / "html" / f"{page}.html.gz").read_bytes()))
             for page, item in truth.items()]
    site = eval_dir / "newsweb-dev" / "site"
    pages += [(f"https://{path.parent.parent.name}/news/{path.name}", path.read_bytes())
              for path in sorted(site.glob("*/news/*.html"))]
    return pages, {item["url"]: item["articleBody"] for item in truth.values()}


def copy_url(url: str, k: int) -> str:
    parts = urlsplit(url)
    return url if k == 0 else urlunsplit(parts._replace(netloc=f"copy{k}.{parts.netloc}"))


def write_warcs(folder: Path, pages: list[tuple[str, bytes]], copies: int, files: int = 2) -> int:
    """The pages, ``copies`` times, in ``files`` WARC files; returns the number of responses."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    outs = [(folder / f"CC-NEWS-bench-{i:05d}.warc.gz").open("wb") for i in range(files)]
    for out in outs:
        info = b"software: newswash bench/peers.py\r\nformat: WARC File Format 1.0\r\n"
        out.write(_record("warcinfo", "", info, "application/warc-fields", []))
    n = 0
    for k in range(copies):
        for url, html in pages:
            outs[n % files].write(_page_records(copy_url(url, k), html))
            n += 1
    for out in outs:
        out.close()
    return n


def remove_warehouse(db: Path) -> None:
    """The DuckDB file, its WAL and what newswash keeps beside it (``<stem>-dedup``, ``-lines``,
    ``-urls``, ``-warc``, ``<name>.waiting``), so that the next run starts cold."""
    beside = [db.with_name(f"{db.stem}-{name}") for name in ("dedup", "lines", "urls", "warc")]
    for leftover in (db, db.with_name(f"{db.name}.wal"), db.with_name(f"{db.name}.waiting"), *beside):
        shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)


def score(bodies: dict[str, str], truth: dict[str, str]) -> str:
    result = Score()
    for url, expected in truth.items():
        result.add(url, bodies.get(url, ""), expected)
    p, r, f1, accuracy = result.summary()
    return f"P {p:.3f}  R {r:.3f}  F1 {f1:.3f}  accuracy {accuracy:.3f}"


def datatrove_bodies(folder: Path) -> dict[str, str]:
    bodies = {}
    for path in sorted(folder.glob("*.jsonl.gz")):
        for line in gzip.open(path, "rt", encoding="utf-8"):
            doc = json.loads(line)
            bodies[doc["metadata"]["url"]] = doc["text"]
    return bodies


def newswash_bodies(db: Path) -> dict[str, str]:
    with open_warehouse(db, read_only=True) as con:
        return dict(con.execute("SELECT url, body FROM articles").fetchall())


def bench_warc(args: argparse.Namespace, python: Path, env: dict[str, str]) -> None:
    pages, truth = real_pages(args.eval)
    warcs = args.data / f"warc-{args.copies}"
    n = write_warcs(warcs, pages, args.copies)
    size = sum(p.stat().st_size for p in warcs.iterdir()) / 2**20
    print(f"WARC: {len(pages)} pages x {args.copies} = {n:,} responses in 2 files, {size:.0f} MiB ({warcs})")
    db, out = args.data / "warc.duckdb", args.data / "datatrove-out"
    commands = {
        "newswash ingest": [str(NEWSWASH), "ingest", str(warcs), "--db", str(db)],
        "datatrove 0.10.1": [str(python), str(BENCH / "peer_datatrove.py"), str(warcs), str(out)],
    }
    runs: dict[str, list[Usage]] = {name: [] for name in commands}
    for repeat in range(1 - args.warmup, args.repeats + 1):  # repeat 0 is the warm-up
        for name, command in commands.items():
            remove_warehouse(db)
            shutil.rmtree(out, ignore_errors=True)
            usage = measure(command, env)
            if repeat:
                runs[name].append(usage)
            print(describe(name, n, usage) + ("" if repeat else " (warm-up)"), flush=True)
            if name == "newswash ingest":
                ours = newswash_bodies(db)
            else:
                theirs = datatrove_bodies(out / "extracted")
                kept = sum(1 for p in (out / "deduped").glob("*.jsonl.gz") for _ in gzip.open(p))
    ours_run, theirs_run = median_usage(runs["newswash ingest"]), median_usage(runs["datatrove 0.10.1"])
    print(f"median of {args.repeats}:")
    print(describe("newswash ingest", n, ours_run))
    print(describe("datatrove 0.10.1", n, theirs_run))
    print(f"  newswash / datatrove docs/s: {theirs_run.seconds / ours_run.seconds:.2f}x"
          f"  (newswash stored {len(ours):,} articles; datatrove extracted {len(theirs):,}, kept {kept:,} after MinHash)")
    print(f"  extraction-dev pages ({len(truth)}), as stored by the WARC run (bench/extraction.py's metric):")
    print(f"    newswash   {score(ours, truth)}")
    print(f"    datatrove  {score(theirs, truth)}")


# -- JSONL texts --------------------------------------------------------------------------------


def wire_texts(eval_dir: Path) -> list[str]:
    """The Reuters-21578 stories of newsweb-dev (clusters ``wire:…``), each one paragraph."""
    folder = eval_dir / "newsweb-dev"
    labels = json.loads((folder / "labels.json").read_text("utf-8"))
    records = [json.loads(line) for line in (folder / "records.jsonl").read_text("utf-8").splitlines()]
    return [" ".join(r["text"].split()) for r in records if labels.get(r["url"], {}).get("cluster", "").startswith("wire:")]


def bench_jsonl(name: str, docs: list[str], source: list[int], args: argparse.Namespace, python: Path,
                env: dict[str, str]) -> None:
    path, db = args.data / f"{name}.jsonl", args.data / f"{name}.duckdb"
    write_records(path, docs)
    words = sum(len(d.split()) for d in docs) / len(docs)
    print(f"JSONL {name}: {len(docs):,} texts, {words:.0f} words on average, {path.stat().st_size / 2**20:.0f} MiB")
    settings = DedupSettings.from_toml(None)
    params = [str(v) for v in (settings.num_perm, settings.seed, settings.bands, settings.rows, settings.candidate_threshold)]
    commands = {"newswash ingest": [str(NEWSWASH), "ingest", str(path), "--db", str(db)],
                **{library: [str(python), str(BENCH / "peer_dedup.py"), library, str(path), *params]
                   for library in ("datasketch", "rensa")}}
    runs: dict[str, list[tuple[Usage, float]]] = {name: [] for name in commands}
    for repeat in range(1 - args.warmup, args.repeats + 1):
        for tool, command in commands.items():
            remove_warehouse(db)
            usage = measure(command, env)
            if tool == "newswash ingest":
                seconds = usage.seconds
                with open_warehouse(db, read_only=True) as con:
                    cluster = dict(con.execute("SELECT url, cluster_id FROM articles").fetchall())
                labels = [cluster.get(f"https://bench.example/{i}", -1 - i) for i in range(len(docs))]
                detail = f"stored {len(cluster):,}, copies joined {copies_found(labels, source):.3f}"
            else:
                result = json.loads(usage.out.strip().splitlines()[-1])
                seconds = result["seconds"]
                detail = f"batch path {seconds:.1f} s of {usage.seconds:.1f} s; pairs {result['pairs']:,}, joined {result['joined']:,}"
            if repeat:
                runs[tool].append((usage, seconds))
            print(describe(tool, len(docs), usage, seconds) + f"  [{detail}]" + ("" if repeat else " (warm-up)"), flush=True)
    print(f"median of {args.repeats}:")
    medians = {}
    for tool, done in runs.items():
        usage, seconds = sorted(done, key=lambda r: r[1])[len(done) // 2]
        medians[tool] = seconds
        print(describe(tool, len(docs), usage, seconds))
    shares = [u.main_share for u, _ in runs["newswash ingest"]]
    print(f"  newswash flow process's share of its CPU: {statistics.median(shares):.1%} (median; runs {', '.join(f'{s:.1%}' for s in shares)})")
    for library in ("datasketch", "rensa"):
        print(f"  newswash ingest end to end / {library} batch path alone: {medians[library] / medians['newswash ingest']:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("warc", "short", "long"), action="append")
    parser.add_argument("--copies", type=int, default=5, help="WARC: the pages this many times (under other hosts)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, choices=(0, 1), default=1, help="one untimed run of each tool first")
    parser.add_argument("--short", type=int, default=100_000, help="short wire texts")
    parser.add_argument("--long", type=int, default=100_000, help="ingest_jsonl_speed.py's texts")
    parser.add_argument("--eval", type=Path, default=EVAL)
    parser.add_argument("--data", type=Path, default=Path("/tmp/newswash-peers"), help="where inputs and outputs go")
    args = parser.parse_args()
    if not (args.eval / "extraction-dev").is_dir() or not (args.eval / "newsweb-dev").is_dir():
        print(f"skipped: evaluation data not found at {args.eval}")
        return 0
    python = peers_python()
    args.data.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(args.data / "prefect-home")}
    parts = args.only or ["warc", "short", "long"]
    print(f"load before the run: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    if "warc" in parts:
        bench_warc(args, python, env)
    if "short" in parts:
        docs, source = generate(wire_texts(args.eval), args.short, per_doc=(1, 1))
        bench_jsonl("short", docs, source, args, python, env)
    if "long" in parts:
        docs, source = generate(eval_texts(args.eval / "newsweb-dev"), args.long)
        bench_jsonl("long", docs, source, args, python, env)
    print(f"load after the run: {os.getloadavg()[0]:.2f} (1 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

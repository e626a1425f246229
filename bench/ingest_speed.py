"""End-to-end ingest of newsweb-dev over HTTP: throughput next to plain trafilatura, cluster quality,
and a second run that must fetch nothing.

Serves ../shared/eval/newsweb-dev/site/ on 127.0.0.1 (port 8765 by default), runs
`newswash ingest --allow-private-hosts` on the twelve feeds of feeds.txt into a temporary warehouse,
and prints: pages per second end to end (fetch, extract, clean, dedup, load) and of plain
`trafilatura.extract` on the same pages in the same run; pairs precision/recall/F1 of the clusters
against labels.json; what the second run fetched and added; the most requests one host had in flight.

    .venv/bin/python bench/ingest_speed.py [--port 8765] [--executor processes] [--mirrors 10]

``--mirrors K`` also crawls K-1 copies of the site served under /mirror-N/ (the same pages
under other URLs: exact duplicates of the first copy), so that the run is long enough for
start-up costs (Prefect task runs, worker processes) to stop dominating the figure.

Measured (2-vCPU dev VM, default config): 672 pages in 5.5 s, 122 pages/s; with --mirrors 10,
6,720 pages in 23.7 s, 284 pages/s; plain trafilatura.extract ~475 pages/s on one core.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "eval" / "newsweb-dev"
SERVER = ROOT / "tests" / "fixtures" / "webserver" / "newsweb_server.py"


def pairs(groups: dict[str, str]) -> set[frozenset[str]]:
    by: dict[str, list[str]] = {}
    for key, group in groups.items():
        by.setdefault(group, []).append(key)
    return {frozenset(p) for members in by.values() for p in combinations(sorted(members), 2)}


def plain_trafilatura(pages: list[Path]) -> float:
    """Pages per second of trafilatura.extract on the raw bytes, one process."""
    import trafilatura

    blobs = [p.read_bytes() for p in pages]
    started = time.perf_counter()
    for blob in blobs:
        trafilatura.extract(blob)
    return len(blobs) / (time.perf_counter() - started)


def cli(*args: str) -> tuple[int, str]:
    from newswash.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--executor", default=None, help="local, processes or dask (default: configured)")
    parser.add_argument("--mirrors", type=int, default=1,
                        help="serve the site this many times under other URLs (mirror-N/) for a longer run")
    args = parser.parse_args()
    if not (DATA / "site").is_dir():
        print(f"skipped: {DATA} not found (the shared evaluation data)")
        return 0
    from newswash.settings import load_settings
    from newswash.warehouse.store import open_warehouse

    site = DATA / "site"
    labels = {v["path"]: v["cluster"] for v in json.loads((DATA / "labels.json").read_text()).values() if "path" in v}
    pages = sorted(site.glob("*/news/*.html"))
    cores = os.cpu_count() or 1
    per_host = load_settings().fetch.per_host_concurrency

    # The server runs in its own process, so it does not compete with the pipeline for the GIL.
    server = subprocess.Popen([sys.executable, str(SERVER), str(site), str(args.port)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    base_url = server.stdout.readline().strip()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        feeds = [f"{base_url}/{mirror}{line.strip()}" for line in (DATA / "feeds.txt").read_text().split()
                 for mirror in ["", *(f"mirror-{k}/" for k in range(1, args.mirrors))]]
        executor = ["--executor", args.executor] if args.executor else []
        base = ["ingest", *feeds, "--allow-private-hosts", "--db", str(db), *executor]
        (Path(tmp) / "empty").mkdir()
        cli("ingest", str(Path(tmp) / "empty"), "--db", str(Path(tmp) / "warm.duckdb"), *executor)  # starts Prefect's API
        started = time.perf_counter()
        code, out = cli(*base)
        e2e_seconds = time.perf_counter() - started
        assert code == 0, out
        code, out2 = cli(*base)
        assert code == 0, out2
        plain_pps = plain_trafilatura(pages)
        with open_warehouse(db, read_only=True) as con:
            rows = con.execute("SELECT url, cluster_id FROM articles WHERE run_id = 1").fetchall()
            second = con.execute("SELECT count(*) FROM articles WHERE run_id = 2").fetchone()[0]
            second_pages = con.execute(
                "SELECT count(*) FROM fetch_log WHERE run_id = 2 AND kind = 'page'").fetchone()[0]
            failed = con.execute("SELECT count(*) FROM fetch_log WHERE outcome IN ('failed', 'refused')").fetchone()[0]
            second_requests = con.execute("SELECT count(*) FROM fetch_log WHERE run_id = 2").fetchone()[0]
    server.stdin.close()
    stats = json.loads(server.stdout.readline())
    server.wait(timeout=30)

    loaded = len(rows)
    stored = {url.removeprefix(f"{base_url}/"): str(cluster) for url, cluster in rows
              if not url.startswith(f"{base_url}/mirror-")}
    expected = {p.relative_to(site).as_posix() for p in pages}
    truth = pairs({k: labels[k] for k in stored if k in labels})
    predicted = pairs(stored)
    tp = len(truth & predicted)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    e2e_pps = loaded / e2e_seconds
    target = 0.8 * plain_pps * cores

    print(out.strip().splitlines()[-1])
    print(f"pages loaded: {len(stored)} of {len(expected)} article pages (missing {len(expected - set(stored))})"
          + (f"; {loaded} with the {args.mirrors - 1} mirrors" if args.mirrors > 1 else ""))
    print(f"clusters vs labels.json: pairs precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}")
    print(f"second run: pages fetched {second_pages}, rows added {second}, requests logged {second_requests}"
          f" ({out2.strip().splitlines()[-1]})")
    print(f"failed requests in fetch_log: {failed}")
    print(f"max requests in flight on the one host: {stats['max_in_flight']} (per_host_concurrency {per_host})")
    print(f"end to end: {e2e_pps:.1f} pages/s ({e2e_seconds:.1f} s) | plain trafilatura.extract: {plain_pps:.1f} pages/s"
          f" x {cores} cores = {plain_pps * cores:.1f} | target 0.8x = {target:.1f} -> "
          f"{'met' if e2e_pps >= target else 'short'} ({e2e_pps / (plain_pps * cores):.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Dedup quality end to end: `newswash ingest` of newsweb-dev into a temporary warehouse.

Ingests ``../shared/eval/newsweb-dev/records.jsonl`` (clean, dedup, load, through the
Prefect flow), reads each article's cluster back from DuckDB and prints pairs
precision, recall, F1, ARI and the share of clusters whose canonical article is the
original, with documents per second; then, in the same run, the known MinHash
set-ups computed with datasketch on the same records (``dedup_baselines.py``).

Usage: ``.venv/bin/python bench/dedup_quality.py [--eval DIR] [--no-baselines]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from dedup_baselines import (  # noqa: E402
    DEFAULT_EVAL,
    SETUPS,
    adjusted_rand_index,
    baseline_labels,
    canonical_share,
    load,
    pair_scores,
)

from newswash.cli import main as newswash  # noqa: E402

HEADER = f"{'set-up':46} {'P':>6} {'R':>6} {'F1':>6} {'ARI':>6} {'canon':>6} {'docs/s':>8}"


def _row(name: str, labels: list, truth: list, originals: list[int], docs_per_second: float) -> str:
    p, r, f1 = pair_scores(labels, truth)
    ari = adjusted_rand_index(labels, truth)
    return f"{name:46} {p:6.3f} {r:6.3f} {f1:6.3f} {ari:6.3f} {canonical_share(labels, originals):6.3f} {docs_per_second:8.0f}"


def ingest_labels(records: Path, db: Path) -> tuple[dict[str, int], float, float]:
    """Cluster of each URL as the canonical's record index, wall seconds, and the flow's own seconds."""
    start = time.perf_counter()
    if newswash(["ingest", str(records), "--db", str(db)]) != 0:
        raise SystemExit("newswash ingest failed")
    wall = time.perf_counter() - start
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT url, cluster_id, id FROM articles").fetchall()
        flow_seconds = con.execute("SELECT epoch(finished_at - started_at) FROM runs").fetchone()[0]
    url_of_id = {article_id: url for url, _, article_id in rows}
    return {url: url_of_id[cluster] for url, cluster, _ in rows}, wall, flow_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="newsweb-dev folder")
    parser.add_argument("--no-baselines", action="store_true", help="only the end-to-end newswash row")
    args = parser.parse_args(argv)
    records_path = args.eval / "records.jsonl"
    if not records_path.exists():
        print(f"skipped: no newsweb-dev set at {args.eval}")
        return 0
    texts, published, truth, originals = load(args.eval)
    urls = [json.loads(line)["url"] for line in records_path.read_text("utf-8").splitlines()]
    index = {url: i for i, url in enumerate(urls)}

    with tempfile.TemporaryDirectory() as tmp:
        canonical_url, wall, flow_seconds = ingest_labels(records_path, Path(tmp) / "bench.duckdb")
    missing = [u for u in urls if u not in canonical_url]
    labels = [index[canonical_url[u]] if u in canonical_url else -(i + 1) for i, u in enumerate(urls)]

    print(f"newsweb-dev: {len(urls)} records; loaded {len(urls) - len(missing)}; "
          f"ingest {wall:.1f} s wall (incl. Prefect start-up), {flow_seconds:.1f} s in the flow")
    print(HEADER)
    print(_row("newswash ingest (warehouse, end to end)", labels, truth, originals, len(urls) / flow_seconds))
    if not args.no_baselines:
        for setup in SETUPS:
            start = time.perf_counter()
            base = baseline_labels(setup, texts, published)
            print(_row(setup.name, base, truth, originals, len(texts) / (time.perf_counter() - start)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

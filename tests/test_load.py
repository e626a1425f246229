"""A bounded fault and load test on 127.0.0.1: a 10,000-URL sitemap served with latency and
deterministic 5xx faults (some transient, some permanent), ingested end to end through the CLI.

The server runs in its own process (`python tests/test_load.py SEED`), so its threads do not
compete with the ingest for the GIL; it measures how many requests were in flight at once.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = 10_000
SEED = 7
FAULT_SHARE = 0.05  # of pages: half answer 5xx once then 200, half always 5xx
PER_HOST_CONCURRENCY = 24
RETRIES = 2
WORDS = ("council budget river harbour school election storm bridge market festival museum railway court "
         "hospital farmers league mayor minister factory library").split()


def faults(pages: int = PAGES, seed: int = SEED) -> tuple[dict[int, int], dict[int, int]]:
    """Deterministic faults: page index -> 5xx status, for transient (once) and permanent (always) faults."""
    rng = random.Random(seed)
    transient, permanent = {}, {}
    for i in range(pages):
        roll, status = rng.random(), rng.choice([500, 502, 503, 504])
        if roll < FAULT_SHARE / 2:
            transient[i] = status
        elif roll < FAULT_SHARE:
            permanent[i] = status
    return transient, permanent


def page_path(i: int) -> str:
    return f"/news/{i:05d}.html"


def page_html(i: int) -> bytes:
    """A small, distinct article page: a title and two short paragraphs of words chosen from the index."""
    rng = random.Random(i)
    words = [rng.choice(WORDS) for _ in range(24)]
    first, second = " ".join(words[:12]), " ".join(words[12:])
    return (f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>"
            f"<p>Story number {i} reports that the {first} met today.</p>"
            f"<p>Officials said the {second} would follow on day {i % 365}.</p>"
            "</article></body></html>").encode()


def serve(seed: int) -> None:
    """Serve the sitemap and pages until stdin closes; then print the request statistics as JSON."""
    transient, permanent = faults(seed=seed)
    lock = threading.Lock()
    state = {"in_flight": 0, "max_in_flight": 0}
    hits: Counter = Counter()
    statuses: Counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            with lock:
                state["in_flight"] += 1
                state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
                hits[self.path] += 1
                hit = hits[self.path]
            try:
                status, body, kind = self.route(hit)
                time.sleep(random.Random(self.path).uniform(0.005, 0.020))  # latency: 5-20 ms a page
                with lock:
                    statuses[(self.path, status)] += 1
            finally:
                with lock:
                    state["in_flight"] -= 1
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def route(self, hit: int) -> tuple[int, bytes, str]:
            if self.path == "/robots.txt":
                return 200, b"User-agent: *\nAllow: /\n", "text/plain"
            if self.path == "/sitemap.xml":
                base = f"http://127.0.0.1:{server.server_address[1]}"
                urls = "".join(f"<url><loc>{base}{page_path(i)}</loc></url>" for i in range(PAGES))
                body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
                return 200, body.encode(), "application/xml"
            if self.path.startswith("/news/") and self.path.endswith(".html"):
                i = int(self.path[6:-5])
                if i in permanent or (i in transient and hit == 1):
                    return permanent.get(i) or transient[i], b"server trouble", "text/plain"
                return 200, page_html(i), "text/html; charset=utf-8"
            return 404, b"not found", "text/plain"

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client hanging up on a keep-alive connection is not news

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    sys.stdin.read()
    server.shutdown()
    with lock:
        print(json.dumps({"max_in_flight": state["max_in_flight"], "hits": dict(hits),
                          "statuses": [[p, s, n] for (p, s), n in statuses.items()]}), flush=True)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
    sys.exit(0)


import pytest  # noqa: E402  (the server above runs without pytest)

from conftest import Cli  # noqa: E402
from newswash.sources.urls import clean_url  # noqa: E402

CONFIG = f"""
[pipeline]
batch_size = 1000

[executor]
# Extraction is the bottleneck (about 100 pages/s on one core): two Dask worker processes use both.
kind = "dask"
workers = 2
parallel_batches = 3

[fetch]
concurrency = 64
per_host_concurrency = {PER_HOST_CONCURRENCY}
per_host_delay = 0.0
retries = {RETRIES}
backoff_base = 0.02
backoff_max = 0.1
timeout = 10.0
progress = "off"
"""


class LoadServer:
    """The server above in a subprocess; `stats()` stops it and returns what it measured."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, str(SEED)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.base = self.process.stdout.readline().strip()
        assert self.base.startswith("http://127.0.0.1:"), self.base

    def stats(self) -> dict:
        out, _ = self.process.communicate(timeout=30)
        return json.loads(out)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _page_requests(stats: dict) -> Counter:
    return Counter({p: n for p, n in stats["hits"].items() if p.startswith("/news/")})


def test_ten_thousand_url_sitemap_with_latency_and_5xx(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "load.toml"
    config.write_text(CONFIG)
    transient, permanent = faults()
    server = LoadServer()
    try:
        sitemap = f"{server.base}/sitemap.xml"
        url = {i: clean_url(f"{server.base}{page_path(i)}") for i in range(PAGES)}
        started = time.monotonic()
        code, out, err = cli("ingest", sitemap, "--allow-private-hosts", "--config", str(config))
        first_run = time.monotonic() - started
        assert code == 0, err[-3000:]
        articles = {r["url"] for r in cli.sql("SELECT url FROM articles")}
        failures = cli.sql("SELECT location, stage, reason FROM failures WHERE run_id = 1")
        log = {r["url"]: r for r in cli.sql(
            "SELECT url, status, outcome, reason, attempts FROM fetch_log WHERE run_id = 1 AND kind = 'page'")}

        # Every URL ends in exactly one of articles or failures, and every one was requested and logged.
        failed = Counter(f["location"] for f in failures)
        assert max(failed.values(), default=1) == 1
        assert not articles & set(failed)
        assert articles | set(failed) == set(url.values())
        assert all(f["reason"].strip() and f["stage"] for f in failures)
        assert set(log) == set(url.values())

        # Permanent 5xx: failed, with their status; transient 5xx: loaded after a retry.
        for i, status in permanent.items():
            row = log[url[i]]
            assert (row["outcome"], row["status"], row["attempts"]) == ("failed", status, RETRIES + 1)
            assert row["reason"] == f"HTTP {status} (after {RETRIES + 1} attempts)"
        reasons = {f["location"]: f for f in failures}
        assert {reasons[url[i]]["reason"] for i in permanent} == {
            f"HTTP {s} (after {RETRIES + 1} attempts)" for s in permanent.values()}
        assert all(reasons[url[i]]["stage"] == "fetch" for i in permanent)
        for i in transient:
            assert url[i] in articles
            assert (log[url[i]]["outcome"], log[url[i]]["attempts"]) == ("fetched", 2)
        # Healthy pages were all loaded: nothing but the permanent faults failed.
        assert set(failed) == {url[i] for i in permanent}, Counter(f["reason"] for f in failures).most_common(5)
        run = cli.sql("SELECT status, failed, fetched FROM runs WHERE run_id = 1")[0]
        assert run["status"] == "completed" and run["failed"] == len(permanent)

        # A second run fetches no stored article again (only the failed pages are tried again).
        code, out, err = cli("ingest", sitemap, "--allow-private-hosts", "--config", str(config))
        assert code == 0, err[-3000:]
        second = cli.sql("SELECT new, fetched, skipped FROM runs WHERE run_id = 2")[0]
        assert second["new"] == 0 and second["skipped"] >= PAGES - len(permanent)
        assert cli.sql("SELECT count(*) AS n FROM articles")[0]["n"] == PAGES - len(permanent)
    finally:
        stats = server.stats() if server.process.poll() is None else None
        server.kill()
    assert stats is not None
    requests = _page_requests(stats)
    # First run: 1 request a healthy page, 2 a transient fault, RETRIES + 1 a permanent one;
    # the second run asks only for the permanent faults again.
    for i in range(PAGES):
        expected = 2 if i in transient else 2 * (RETRIES + 1) if i in permanent else 1
        assert requests[page_path(i)] == expected, (i, requests[page_path(i)])
    assert stats["max_in_flight"] <= PER_HOST_CONCURRENCY
    assert stats["max_in_flight"] >= PER_HOST_CONCURRENCY // 2  # the limit, not the server, was the bottleneck
    print(f"first run {first_run:.1f} s for {PAGES} pages ({PAGES / first_run:.0f} pages/s), "
          f"max in flight {stats['max_in_flight']}")

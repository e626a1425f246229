"""A long scheduled-style run: a local news site publishes new articles every round, and newswash
ingests its feed and sitemap again, in this process, round after round.

Prints per round: new articles, seconds, articles per minute, RSS memory, failures by reason;
and at the end: the totals, articles per minute overall, and RSS memory of the first rounds next
to the last ones (flat memory means nothing accumulates from run to run).

The site runs in a subprocess (so this process's RSS is newswash's own) on 127.0.0.1: every
round it publishes `--per-round` articles (every tenth a syndicated copy of an earlier one);
its feed lists the latest 100, its sitemap all of them; pages answer after 2-10 ms; a seeded
3% answer 503 once then 200, 1% always 500, and 1% are 404 (gone).

    .venv/bin/python bench/soak.py [--rounds 20] [--per-round 150]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("council budget river harbour school election storm bridge market festival museum railway court "
         "hospital farmers league mayor minister factory library police weather airport teachers union "
         "housing energy prices water stadium university").split()


def _story(i: int) -> tuple[str, str]:
    """Title and paragraphs of article `i`; every tenth repeats an earlier story (syndication)."""
    original = random.Random(i * 7919).randrange(i) if i % 10 == 9 else i
    rng = random.Random(original)
    paragraphs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(18, 30))).capitalize() + "."
                  for _ in range(rng.randint(3, 6))]
    return f"Story {original}: the {rng.choice(WORDS)} and the {rng.choice(WORDS)}", paragraphs


def serve() -> None:
    """The site: /publish?n=K adds K articles; /feed.xml, /sitemap.xml, /news/N.html; stdin closes it."""
    lock = threading.Lock()
    state = {"published": 0}
    hits: Counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            with lock:
                hits[self.path] += 1
                hit, published = hits[self.path], state["published"]
            status, body, kind = self.route(hit, published)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def route(self, hit: int, published: int) -> tuple[int, bytes, str]:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            path = self.path
            if path.startswith("/publish?n="):
                with lock:
                    state["published"] += int(path.split("=", 1)[1])
                    return 200, str(state["published"]).encode(), "text/plain"
            if path == "/robots.txt":
                return 200, b"User-agent: *\nDisallow: /private/\n", "text/plain"
            if path == "/feed.xml":
                items = "".join(f"<item><title>Story {i}</title><link>{base}/news/{i}.html</link></item>"
                                for i in range(published - 1, max(-1, published - 101), -1))
                return 200, (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Soak News</title>{items}'
                             "</channel></rss>").encode(), "application/rss+xml"
            if path == "/sitemap.xml":
                urls = "".join(f"<url><loc>{base}/news/{i}.html</loc></url>" for i in range(published))
                return 200, (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                             f"{urls}</urlset>").encode(), "application/xml"
            if path.startswith("/news/") and path.endswith(".html"):
                i = int(path[6:-5])
                time.sleep(random.Random(i).uniform(0.002, 0.010))
                roll = random.Random(i * 31 + 1).random()
                if i >= published or roll < 0.01:
                    return 404, b"gone", "text/plain"
                if roll < 0.02:
                    return 500, b"broken", "text/plain"
                if roll < 0.05 and hit == 1:
                    return 503, b"busy", "text/plain"
                title, paragraphs = _story(i)
                body = "".join(f"<p>{p}</p>" for p in paragraphs)
                return 200, (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}"
                             f"<p>Source link</p></article></body></html>").encode(), "text/html; charset=utf-8"
            return 404, b"not found", "text/plain"

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

        def handle_error(self, request: object, client_address: object) -> None:
            pass

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    sys.stdin.read()
    server.shutdown()


CONFIG = """
[pipeline]
batch_size = 200

[fetch]
concurrency = 16
per_host_concurrency = 8
per_host_delay = 0.0
retries = 2
backoff_base = 0.05
backoff_max = 0.2
timeout = 10.0
progress = "off"
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=150, help="articles the site publishes each round")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0

    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    import httpx
    import psutil

    from newswash.flows.ingest import ingest
    from newswash.flows.local_api import prefect_api

    me = psutil.Process()
    site = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    base = site.stdout.readline().strip()
    rows, reasons = [], Counter()
    with tempfile.TemporaryDirectory(prefix="newswash-soak-") as tmp, prefect_api(Path(tmp) / "prefect"):
        db, config = Path(tmp) / "soak.duckdb", Path(tmp) / "soak.toml"
        config.write_text(CONFIG)
        print(f"site {base}; {args.rounds} rounds of {args.per_round} new articles; warehouse {db}")
        print(f"{'round':>5} {'new':>5} {'dups':>5} {'failed':>6} {'secs':>6} {'art/min':>8} {'RSS MB':>7}  failures")
        started = time.monotonic()
        try:
            for n in range(1, args.rounds + 1):
                httpx.get(f"{base}/publish?n={args.per_round}")
                t0 = time.monotonic()
                result = ingest([f"{base}/feed.xml", f"{base}/sitemap.xml"], db_path=db, config_path=config,
                                allow_private_hosts=True)
                secs = time.monotonic() - t0
                rss = me.memory_info().rss / 2**20
                dups = result.get("exact_duplicates", 0) + result.get("near_duplicates", 0)
                stored = result.get("new", 0)  # every article loaded; duplicates are among them
                reasons.update(result["failure_reasons"])
                rows.append((n, stored, secs, rss))
                print(f"{n:>5} {result.get('new', 0):>5} {dups:>5} {result.get('failed', 0):>6} {secs:>6.1f} "
                      f"{stored / secs * 60:>8.0f} {rss:>7.0f}  {dict(result['failure_reasons'])}", flush=True)
        finally:
            site.stdin.close()
            site.wait(timeout=30)
        elapsed = time.monotonic() - started

    total = sum(r[1] for r in rows)
    k = max(1, min(3, len(rows) // 3))
    first, last = [r[3] for r in rows[:k]], [r[3] for r in rows[-k:]]
    print("\nsummary")
    print(f"  rounds {len(rows)}, articles stored {total} in {elapsed / 60:.1f} min: "
          f"{total / elapsed * 60:.0f} articles/min overall, "
          f"{total / sum(r[2] for r in rows) * 60:.0f} articles/min inside the runs")
    print(f"  RSS MB: first {k} rounds {sum(first) / k:.0f}, last {k} rounds {sum(last) / k:.0f}, "
          f"max {max(r[3] for r in rows):.0f} (rounds {rows[0][0]}..{rows[-1][0]}: "
          f"{', '.join(f'{r[3]:.0f}' for r in rows)})")
    print(f"  failures by reason (all rounds): {json.dumps(dict(reasons.most_common()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

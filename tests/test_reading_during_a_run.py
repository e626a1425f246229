"""Readers during a run: answers from the batches committed so far, each whole."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import Cli
from test_faults import make_corpus

PAGES = 24
BATCH = 4
PAGE_SECONDS = 0.4  # each page answers this late, so the run lasts


def _site(texts: list[str]) -> ThreadingHTTPServer:
    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if not self.path.startswith("/p"):
                self.send_response(404)
                self.end_headers()
                return
            time.sleep(PAGE_SECONDS)
            i = int(self.path.removeprefix("/p").removesuffix(".html"))
            paragraphs = "".join(f"<p>{p}</p>" for p in texts[i].split("\n\n"))
            body = (f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>"
                    f"{paragraphs}</article></body></html>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_sql_answers_while_a_run_loads_and_sees_only_whole_batches(
    tmp_path: Path, prefect_env: dict[str, str]
) -> None:
    records = make_corpus(tmp_path / "corpus.jsonl", PAGES).read_text().splitlines()
    site = _site([json.loads(r)["text"] for r in records])
    base = f"http://127.0.0.1:{site.server_address[1]}"
    urls = tmp_path / "pages.urls"
    urls.write_text("".join(f"{base}/p{i}.html\n" for i in range(PAGES)))
    config = tmp_path / "slow.toml"
    config.write_text(f"[pipeline]\nbatch_size = {BATCH}\n[fetch]\nper_host_concurrency = 2\n")
    db = tmp_path / "wh.duckdb"
    run = subprocess.Popen([sys.executable, "-m", "newswash.cli", "ingest", str(urls), "--db", str(db),
                            "--config", str(config), "--executor", "local", "--allow-private-hosts"],
                           env=prefect_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reader = Cli(db)
    seen: list[dict] = []
    try:
        while run.poll() is None:
            code, out, err = reader("sql", "SELECT (SELECT count(*) FROM articles) AS articles, "
                                    "(SELECT count(*) FROM signatures) AS signatures, "
                                    "(SELECT list(status) FROM runs) AS statuses", "--format", "json")
            if code == 0:
                seen.append(json.loads(out)[0])
            else:  # before the run has created the warehouse
                assert "no warehouse" in err or "busy" in err, err
            time.sleep(0.2)
        out, err = run.communicate(timeout=60)
    finally:
        site.shutdown()
        site.server_close()
    assert run.returncode == 0, err[-3000:]
    mid_run = [s for s in seen if s["statuses"] == ["running"]]
    assert any(0 < s["articles"] < PAGES for s in mid_run), seen  # answered mid-run, with part of it
    for answer in seen:  # whole batches only, every article with its signature
        assert answer["articles"] % BATCH == 0 and answer["signatures"] == answer["articles"], seen
    assert reader.sql("SELECT count(*) AS n FROM articles") == [{"n": PAGES}]

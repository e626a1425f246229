"""Readers during a run: answers from the batches committed so far, each whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import Cli
from newswash.warehouse.shared import IDLE_SECONDS, open_shared
from newswash.warehouse.store import someone_waits, waiting_room
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


_READ = """
import sys, time
import duckdb
from newswash.warehouse.store import open_warehouse
if sys.argv[2] == "raw":  # a tool that does not ask
    try:
        duckdb.connect(sys.argv[1], read_only=True).close()
        print("opened")
    except duckdb.Error as exc:
        print("held" if "lock" in str(exc) else exc)
else:
    started = time.monotonic()
    with open_warehouse(sys.argv[1], read_only=True, wait=20) as con:
        runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    print(f"{runs} runs after {time.monotonic() - started:.2f} s")
"""


def test_a_run_keeps_the_file_until_a_reader_asks_for_it(tmp_path: Path) -> None:
    """Between statements a run holds on to the file (letting go costs a checkpoint and a
    reopen), unless a newswash reader waits for it: that one gets in at the next gap."""
    db = tmp_path / "wh.duckdb"

    def reader(kind: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", _READ, str(db), kind], stdout=subprocess.PIPE, text=True)

    with open_shared(db) as run:
        def keep_busy_until(done: subprocess.Popen) -> str:
            while done.poll() is None:
                run.execute("SELECT count(*) FROM runs").fetchall()
                time.sleep(0.1)  # gaps shorter than IDLE_SECONDS
            return done.communicate()[0].strip()

        run.execute("SELECT 1").fetchall()
        assert keep_busy_until(reader("raw")) == "held"
        answer = keep_busy_until(reader("asking"))
        assert answer.startswith("0 runs after "), answer
        assert float(answer.split()[3]) < IDLE_SECONDS  # at a gap, not after the idle time
        run.execute("SELECT 1").fetchall()  # the run opens it again
        time.sleep(IDLE_SECONDS + 0.5)  # idle long enough: anyone may open it
        assert reader("raw").communicate()[0].strip() == "opened"


def test_only_a_fresh_note_asks_for_the_file(tmp_path: Path) -> None:
    """A note its opener keeps touching asks the run to let go; the note of a killed opener,
    no longer touched, soon does not."""
    db = tmp_path / "wh.duckdb"
    assert not someone_waits(db)  # no waiting room at all
    room = waiting_room(db)
    room.mkdir()
    note = room / "4242-1"
    note.touch()
    assert someone_waits(db)
    stale = time.time() - 10
    os.utime(note, (stale, stale))
    assert not someone_waits(db)

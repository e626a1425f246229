"""Inputs: JSONL records, pages over http on 127.0.0.1, and bad input that gets a clear error."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import FIXTURES, Cli
from newswash.warehouse.store import open_warehouse

PAGE_DIR = FIXTURES / "syndicated"


@pytest.fixture
def server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving the syndicated fixture pages."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(PAGE_DIR))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


STORY = (
    "The city council approved the new budget on Tuesday after a long debate about road repairs. "
    "Council members said the plan would add twelve new buses to the network by next spring."
)


def test_jsonl_bad_lines_are_reported_and_the_rest_loaded(cli: Cli, tmp_path: Path) -> None:
    records = _write_jsonl(tmp_path / "batch.jsonl", [
        json.dumps({"url": "https://a.example/1", "text": STORY, "title": "Budget passes", "source": "a.example",
                    "published_at": "2024-05-01T10:00:00+02:00"}),
        "{not json",
        json.dumps({"text": "no url here"}),
        json.dumps({"url": "https://a.example/3", "text": STORY, "published_at": "last tuesday"}),
        json.dumps({"url": "https://b.example/2", "html": f"<html><body><article><p>{STORY}</p></article></body></html>"}),
    ])
    code, out, err = cli("ingest", str(records))
    assert code == 0, err
    rows = cli.sql("select url, source, title, published_at from articles order by url")
    assert [r["url"] for r in rows] == ["https://a.example/1", "https://b.example/2"]
    assert rows[0]["source"] == "a.example" and rows[0]["title"] == "Budget passes"
    assert rows[0]["published_at"] == "2024-05-01T08:00:00"
    failures = cli.sql("select location, reason from failures order by location")
    assert [f["location"].rsplit(":", 1)[1] for f in failures] == ["2", "3", "4"]
    assert "invalid JSON" in failures[0]["reason"]
    assert "missing 'url'" in failures[1]["reason"]
    assert "published_at" in failures[2]["reason"]
    run = cli.sql("select read, failed, new, status from runs")[0]
    assert run == {"read": 5, "failed": 3, "new": 2, "status": "completed"}


def test_pages_over_http_from_loopback_need_permission(cli: Cli, server: str) -> None:
    page = f"{server}/metrowire.example/{next((PAGE_DIR / 'metrowire.example').glob('*.html')).name}"
    code, out, err = cli("ingest", page)
    assert code == 0, err
    failure = cli.sql("select location, stage, reason from failures")
    assert failure == [{"location": page, "stage": "fetch",
                        "reason": "refused private address 127.0.0.1 (use --allow-private-hosts)"}]
    code, out, err = cli("ingest", page, f"{server}/missing.html", "--allow-private-hosts")
    assert code == 0, err
    rows = cli.sql("select url, source, title, length(body) as n from articles")
    assert len(rows) == 1 and rows[0]["url"] == page and rows[0]["n"] > 200
    assert rows[0]["source"] == "127.0.0.1"
    assert cli.sql("select reason from failures where run_id = 2") == [{"reason": "HTTP 404"}]


def test_extract_prints_json_lines_and_leaves_no_warehouse(cli: Cli, tmp_path: Path) -> None:
    page = next((PAGE_DIR / "capitolpost.example").glob("*.html"))
    code, out, err = cli("extract", str(page), str(FIXTURES / "cleaners" / "seeds"), db=False)
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 6
    assert set(records[0]) == {"path", "url", "title", "author", "published_at", "language", "body"}
    assert records[0]["url"] == page.resolve().as_uri() and records[0]["title"]
    assert not cli.db.exists()


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newswash.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "no/such/folder"], "no such file or folder: no/such/folder"),
        (["sql", "select nope from articles"], "SQL error"),
        (["sql", "select 1"], "no warehouse at"),
        (["report", "--db", "garbage.duckdb"], "cannot open warehouse"),
        (["ingest", "x", "--config", "missing.toml"], "config file not found"),
    ],
)
def test_errors_are_one_line_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "garbage.duckdb").write_bytes(b"this is not a database" * 100)
    if args[0] == "sql" and args[1] != "select 1":
        with open_warehouse(tmp_path / "wh.duckdb"):
            pass  # an empty warehouse with the schema
    if "--db" not in args:
        args = [*args, "--db", "wh.duckdb"]
    result = _run(*args, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr

"""`newswash serve`: Prefect deployments on the configured schedules, on a local Prefect server."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest

from conftest import FIXTURES

RUNS_WANTED = 2
PATIENCE_SECONDS = 300


def _completed_runs(db: Path) -> list[tuple[int, int, int]]:
    """(run_id, new, skipped) of completed runs; [] while the file is missing or a run holds it."""
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(
                "SELECT run_id, new, skipped FROM runs WHERE status = 'completed' ORDER BY run_id"
            ).fetchall()
    except duckdb.Error:
        return []


def _port_of_running_server(log: Path) -> str:
    """The port `serve` started its Prefect server on, from the server's own log."""
    match = re.search(r"http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
    assert match, f"no address in {log}"
    return match.group(1)


def test_serve_runs_on_schedule_and_the_second_run_adds_nothing(tmp_path: Path) -> None:
    seeds = shutil.copytree(FIXTURES / "cleaners" / "seeds", tmp_path / "seeds")
    config = tmp_path / "serve.toml"
    config.write_text(f'[[sources]]\nname = "seeds"\nkind = "path"\nlocation = "{seeds}"\ninterval = 15\n')
    db = tmp_path / "served.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # the embedded default
    serve = subprocess.Popen(
        [sys.executable, "-m", "newswash.cli", "serve", "--config", str(config), "--db", str(db)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while len(runs := _completed_runs(db)) < RUNS_WANTED and time.monotonic() < deadline:
            assert serve.poll() is None, serve.stdout.read()
            time.sleep(2)
        # The UI is told to call this server's API (not Prefect's default port).
        ui_base = "http://127.0.0.1:" + _port_of_running_server(tmp_path / "prefect" / "server.log")
        assert httpx.get(f"{ui_base}/ui-settings", timeout=10).json()["api_url"] == f"{ui_base}/api"
        # An ingest into a warehouse in the same folder reports to serve's server instead of starting one.
        page = next(seeds.glob("*.txt"))
        ingest = subprocess.run([sys.executable, "-m", "newswash.cli", "ingest", str(page), "--db", str(tmp_path / "b.duckdb")],
                                env=env, capture_output=True, text=True, timeout=PATIENCE_SECONDS)
        assert ingest.returncode == 0, ingest.stderr[-3000:]
        assert "Using the Prefect server of `newswash serve`" in ingest.stderr, ingest.stderr[-3000:]
        assert "Starting temporary server" not in ingest.stderr
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            output, _ = serve.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            output, _ = serve.communicate()

    assert len(runs) >= RUNS_WANTED, output[-3000:]
    (first_id, first_new, _), (second_id, second_new, second_skipped) = runs[:2]
    assert first_new == 5
    assert second_new == 0 and second_skipped == 5
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone() == (5, 5)
    # The local Prefect server answered while serving, and went down with `serve`.
    api = re.search(r"Prefect API at (http://127\.0\.0\.1:\d+/api)", output)
    assert api, output[-3000:]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{api.group(1)}/health", timeout=5)

"""A normal run outside the test harness: telemetry off in the Prefect server it starts, no traceback, no ERROR."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES


def unconfigured_env(prefect_home: Path) -> dict[str, str]:
    """The environment of a user who set nothing for Prefect (a fresh Prefect home, no API URL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    return env | {"PREFECT_HOME": str(prefect_home)}


def assert_quiet_and_untracked(output: str, prefect_home: Path) -> None:
    """No traceback, no ERROR or WARNING line; the server kept no telemetry session."""
    assert "Traceback" not in output, output[-3000:]
    assert not [line for line in output.splitlines() if "| ERROR" in line or "| WARNING" in line], output[-3000:]
    with sqlite3.connect(prefect_home / "prefect.db") as db:
        assert db.execute("SELECT count(*) FROM configuration WHERE key = 'TELEMETRY_SESSION'").fetchone() == (0,)


def test_a_local_run_prints_no_traceback_or_error_and_sends_no_telemetry(tmp_path: Path) -> None:
    home = tmp_path / "prefect"
    result = subprocess.run(
        [sys.executable, "-m", "newswash.cli", "ingest", str(FIXTURES / "cleaners" / "seeds"),
         "--db", str(tmp_path / "wh.duckdb"), "--executor", "local"],
        env=unconfigured_env(home), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "new 5" in result.stdout
    assert_quiet_and_untracked(result.stdout + result.stderr, home)

"""Shared fixtures: one Prefect test harness for the session, CLI runner, fixture paths, step counts."""

from __future__ import annotations

import io
import os
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL
from prefect.testing.utilities import prefect_test_harness

from newswash.cli import main
from newswash.records import StepCount

FIXTURES = Path(__file__).parent / "fixtures"

# The counted steps of one run, as the pipeline would record them.
STEPS = [
    StepCount("read", 10, 10, seconds=0.01),
    StepCount("skip known", 10, 8, Counter({"known URL": 2}), 0.02),
    StepCount("fetch", 8, 3, Counter({"HTTP 404": 2, "timeout": 1, "HTTP 503": 1, "not HTML": 1}), 1.5),
    StepCount("clean", 3, 1, Counter({"no text left after cleaning": 1, "paywalled teaser": 1}), 0.25),
    StepCount("load", 1, 1, seconds=0.05),
]


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """Flows run against Prefect's ephemeral API, started once for the whole session; yields its URL."""
    with prefect_test_harness(server_startup_timeout=180):
        yield PREFECT_API_URL.value()


@pytest.fixture
def prefect_env(prefect_api: str) -> dict[str, str]:
    """Environment for a `newswash` subprocess that uses the session's Prefect API."""
    return {**os.environ, "PREFECT_API_URL": prefect_api}


class Cli:
    """Runs `newswash` in-process against one temporary warehouse."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def __call__(self, *args: str, db: bool = True) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main([*args, *(["--db", str(self.db)] if db else [])])
        return code, out.getvalue(), err.getvalue()

    def sql(self, query: str) -> list[dict]:
        code, out, err = self("sql", query, "--format", "json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(tmp_path: Path, prefect_api: str) -> Cli:
    return Cli(tmp_path / "wh.duckdb")

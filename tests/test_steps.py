"""The counted steps of a run: StepCount, and the run_steps table they are stored in."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from conftest import STEPS
from newswash.records import StepCount
from newswash.warehouse.steps import last_steps_run, record_steps, run_steps
from newswash.warehouse.store import open_warehouse, start_run

def test_step_counts_add_up_across_batches() -> None:
    first = StepCount("fetch", 3, 1, Counter({"HTTP 404": 2}), 1.0)
    both = first.add(StepCount("fetch", 4, 2, Counter({"HTTP 404": 1, "timeout": 1}), 0.5))
    assert both == StepCount("fetch", 7, 3, Counter({"HTTP 404": 3, "timeout": 1}), 1.5)
    assert both.dropped_total == 4 and first.dropped == Counter({"HTTP 404": 2})
    with pytest.raises(ValueError, match="seen 3 != kept 1 \\+ dropped 0"):
        StepCount("fetch", 3, 1)
    with pytest.raises(ValueError, match="step 'load' to 'fetch'"):
        first.add(StepCount("load"))


def test_recorded_steps_read_back_in_order(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "wh.duckdb") as con:
        assert last_steps_run(con) is None
        first, second = start_run(con, ["a"]), start_run(con, ["b"])
        record_steps(con, first, STEPS[:1])
        record_steps(con, second, [StepCount("read", 1, 1)])
        record_steps(con, second, STEPS)  # again: replaces the run's rows
        steps = run_steps(con, second)
        rows = con.execute("SELECT count(*) FILTER (reason IS NULL), count(*) FROM run_steps WHERE run_id = ?",
                           [second]).fetchone()
        assert last_steps_run(con) == second and len(run_steps(con, first)) == 1
    assert [s["step"] for s in steps] == [s.step for s in STEPS]
    assert steps[3] == {"step": "clean", "seen": 3, "kept": 1, "dropped": 2, "seconds": 0.25,
                        "reasons": {"no text left after cleaning": 1, "paywalled teaser": 1}}
    assert steps[2]["reasons"] == {"HTTP 404": 2, "HTTP 503": 1, "not HTML": 1, "timeout": 1}  # commonest first
    assert all(s["seen"] == s["kept"] + sum(s["reasons"].values()) == s["kept"] + s["dropped"] for s in steps)
    assert rows == (5, 12)


def test_data_dictionary_lists_run_steps_with_comments(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "wh.duckdb") as con:
        rows = con.execute("SELECT column_name, data_type, comment, table_comment FROM data_dictionary "
                           "WHERE table_name = 'run_steps'").fetchall()
    assert [(name, kind) for name, kind, _, _ in rows] == [
        ("run_id", "BIGINT"), ("position", "INTEGER"), ("step", "VARCHAR"), ("seen", "BIGINT"), ("kept", "BIGINT"),
        ("dropped", "BIGINT"), ("reason", "VARCHAR"), ("seconds", "DOUBLE"),
    ]
    assert all(comment for _, _, comment, _ in rows) and rows[0][3].startswith("one row per run and step")

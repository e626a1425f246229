"""The counted steps of each run (table `run_steps`): recording them and reading them back."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from newswash.records import StepCount
from newswash.warehouse.store import registered, transaction

# The rows record_steps hands to DuckDB (the run_steps columns but run_id).
ROWS = pa.schema([("position", pa.int32()), ("step", pa.string()), ("seen", pa.int64()), ("kept", pa.int64()),
                  ("dropped", pa.int64()), ("reason", pa.string()), ("seconds", pa.float64())])


def record_steps(con: duckdb.DuckDBPyConnection, run_id: int, steps: list[StepCount]) -> None:
    """Store the run's steps, in pipeline order: per step a row of totals and a row per reason
    items were dropped for. Replaces whatever the run had recorded, in one transaction."""
    rows: list[dict[str, Any]] = []
    for position, s in enumerate(steps):
        rows.append({"position": position, "step": s.step, "seen": s.seen, "kept": s.kept,
                     "dropped": s.dropped_total, "seconds": s.seconds})
        rows += [{"position": position, "step": s.step, "dropped": n, "reason": reason} for reason, n in s.dropped.items()]
    with transaction(con), registered(con, "new_run_steps", pa.Table.from_pylist(rows, schema=ROWS)):
        con.execute("DELETE FROM run_steps WHERE run_id = ?", [run_id])
        con.execute("INSERT INTO run_steps BY NAME SELECT ?::BIGINT AS run_id, * FROM new_run_steps", [run_id])


def run_steps(con: duckdb.DuckDBPyConnection, run_id: int) -> list[dict[str, Any]]:
    """The run's steps in pipeline order: `step`, `seen`, `kept`, `dropped`, `seconds`, and
    `reasons` ({reason: items dropped}, commonest first)."""
    rows = con.execute(
        "SELECT position, step, seen, kept, dropped, reason, seconds FROM run_steps WHERE run_id = ? "
        "ORDER BY position, reason IS NOT NULL, dropped DESC, reason",
        [run_id],
    ).fetchall()
    steps: dict[int, dict[str, Any]] = {}
    for position, step, seen, kept, dropped, reason, seconds in rows:
        if reason is None:
            steps[position] = {"step": step, "seen": seen, "kept": kept, "dropped": dropped, "seconds": seconds,
                               "reasons": {}}
        else:
            steps[position]["reasons"][reason] = dropped
    return list(steps.values())


def last_steps_run(con: duckdb.DuckDBPyConnection) -> int | None:
    """The latest run that recorded its steps, if any."""
    return con.execute("SELECT max(run_id) FROM run_steps").fetchone()[0]

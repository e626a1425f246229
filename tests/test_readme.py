"""The README's commands and SQL examples are the ones that really run."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import FIXTURES, STEPS, Cli
from newswash.warehouse.steps import record_steps
from newswash.warehouse.store import open_warehouse

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def test_ci_runs_the_readme_test_command() -> None:
    ci_command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert f"```sh\n{ci_command}\n```" in README


def test_readme_sql_examples_run_as_written(cli: Cli) -> None:
    assert cli("ingest", str(FIXTURES / "syndicated"), str(FIXTURES / "cleaners" / "seeds"))[0] == 0
    with open_warehouse(cli.db) as con:  # no pipeline step records its counts yet
        record_steps(con, 1, STEPS)
    examples = re.findall(r"```sql\n(.*?)```", README, flags=re.S)
    assert len(examples) >= 9
    results = [cli.sql(query) for query in examples]
    recipe = {query.splitlines()[0]: rows for query, rows in zip(examples, results)}
    copies, who, rules, runs = (recipe[f"-- {first}"] for first in (
        "Stories published more than once, with how many copies.", "Who republished whom, and how close the copy is.",
        "What the cleaning rules removed.", "Each run's counts, and why inputs failed."))
    assert copies and all(row["copies"] >= 1 for row in copies)
    assert who and {row["kind"] for row in who} <= {"exact", "near", "contained"}
    assert any(row["rule"] for row in rules)
    assert runs[0]["status"] == "completed" and runs[0]["new"] > 0

    # The step counts and the dedup-view recipes, found by their first comment line, and their answers.
    steps = recipe["-- Where the last run's items went: each step's totals, then why it dropped items."]
    assert [(r["step"], r["reason"], r["dropped"]) for r in steps[:5]] == [
        ("read", None, 0), ("skip known", None, 2), ("skip known", "known URL", 2), ("fetch", None, 5),
        ("fetch", "HTTP 404", 2),
    ]
    assert len(steps) == 12 and all(
        t["seen"] == t["kept"] + sum(r["dropped"] for r in steps if r["step"] == t["step"] and r["reason"])
        for t in steps if t["reason"] is None
    )
    syndicated = recipe["-- Which stories were syndicated: each copy, who published it, and how long after the original."]
    assert len(syndicated) == 13
    japan = [r for r in syndicated if r["original_title"] == "Japan Industrial Production Rises In February"]
    assert [(r["republisher"], r["delay_hours"]) for r in japan] == [
        ("capitolpost.example", 17.5), ("coastaltimes.example", 20.23),
        ("dailyherald.example", 28.28), ("metrowire.example", 35.85),
    ]
    first = {r["source"]: r for r in recipe["-- Who publishes first, and who copies: each source with syndicated stories."]}
    assert first["metrowire.example"] == {"source": "metrowire.example", "articles": 4, "duplicate_share": 0.75,
                                          "first_published": 1, "first_share": 0.25, "median_delay_hours": 35.85}
    assert first["dailyherald.example"]["duplicate_share"] == 1.0 and first["dailyherald.example"]["first_share"] == 0
    assert "thedispatch.example" not in first and "seeds" not in first
    pairs = recipe["-- Who copies whom: pairs of publishers, how often, and the median delay."]
    assert {"original_source": "metrowire.example", "republisher": "coastaltimes.example",
            "stories": 1, "median_delay_hours": 3.93} in pairs
    assert sum(r["stories"] for r in pairs) == 13
    days = {r["day"]: r for r in recipe["-- How much of each day's feed was duplicate."]}
    assert days["2026-03-21"] == {"day": "2026-03-21", "articles": 5, "new_stories": 1, "duplicates": 4,
                                  "duplicate_share": 0.8}

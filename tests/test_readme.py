"""The README's commands and SQL examples are the ones that really run."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import FIXTURES, Cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def test_ci_runs_the_readme_test_command() -> None:
    ci_command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert f"```sh\n{ci_command}\n```" in README


def test_readme_sql_examples_run_as_written(cli: Cli) -> None:
    assert cli("ingest", str(FIXTURES / "syndicated"), str(FIXTURES / "cleaners" / "seeds"))[0] == 0
    examples = re.findall(r"```sql\n(.*?)```", README, flags=re.S)
    assert len(examples) >= 4
    results = [cli.sql(query) for query in examples]
    copies, who, rules, runs = results[:4]
    assert copies and all(row["copies"] >= 1 for row in copies)
    assert who and {row["kind"] for row in who} <= {"exact", "near", "contained"}
    assert any(row["rule"] for row in rules)
    assert runs[0]["status"] == "completed" and runs[0]["new"] > 0

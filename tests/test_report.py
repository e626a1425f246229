"""Dedup reports: text, JSON, the run's markdown artifact, and HTML that draws in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from prefect.artifacts import Artifact

from conftest import FIXTURES, STEPS, Cli
from newswash.records import StepCount
from newswash.warehouse.report import markdown_report
from newswash.warehouse.steps import record_steps
from newswash.warehouse.store import finish_run, open_warehouse, start_run

ORIGINAL_BLUE, COPY_ORANGE = (0x2B, 0x6C, 0xB0), (0xDD, 0x6B, 0x20)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, prefect_api: None) -> Iterator[Cli]:
    cli = Cli(tmp_path_factory.mktemp("report") / "wh.duckdb")
    code, _, err = cli("ingest", str(FIXTURES / "syndicated"), str(FIXTURES / "cleaners" / "seeds"))
    assert code == 0, err
    yield cli


def test_text_report(warehouse: Cli) -> None:
    code, out, err = warehouse("report")
    assert code == 0, err
    assert out.splitlines()[0] == "articles: 25   canonical stories: 12   duplicate clusters: 5"
    assert "duplicates: 13 (exact " in out and "last run #1: completed" in out
    for heading in ("clusters (largest 20)", "sources", "cleaning rules hit"):
        assert re.search(rf"^{re.escape(heading)}\s*$", out, flags=re.M), heading
    assert "worldreport.example" in out and "original" in out


def test_json_report(warehouse: Cli, tmp_path: Path) -> None:
    code, out, err = warehouse("report", "--format", "json", "--out", str(tmp_path / "r.json"))
    assert code == 0, err
    assert out.strip() == f"report written to {tmp_path / 'r.json'}"
    data = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert data["totals"]["articles"] == 25 and data["totals"]["clusters"] == 5
    assert [c["size"] for c in data["clusters"]] == [5, 5, 3, 3, 2]
    japan = next(c for c in data["clusters"] if c["original_source"] == "worldreport.example")
    assert [m["source"] for m in japan["members"]][0] == "worldreport.example"
    assert {(r["size"], r["clusters"]) for r in data["cluster_sizes"]} == {(2, 1), (3, 2), (5, 2)}
    assert sum(d["duplicates"] for d in data["daily"]) == 13
    assert data["cleaning_rules"][0]["hits"] >= data["cleaning_rules"][-1]["hits"] > 0


def test_each_run_publishes_a_markdown_artifact(warehouse: Cli) -> None:
    with open_warehouse(warehouse.db, read_only=True) as con:
        markdown = markdown_report(con, 1)
    assert markdown.startswith("# newswash run #1: completed")
    assert "| new | 25 |" in markdown and "## Clusters this run added to" in markdown
    assert "| 5 | Japan Industrial Production Rises In February | worldreport.example |" in markdown
    artifact = Artifact.get("newswash-run-report")
    assert artifact is not None and artifact.type == "markdown" and artifact.data.startswith("# newswash run #")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return found


def _count(pixels: np.ndarray, colour: tuple[int, int, int]) -> int:
    """Pixels within 12 of `colour` in every channel."""
    return int((np.abs(pixels.astype(int) - colour) <= 12).all(axis=-1).sum())


def test_html_report_draws_in_headless_chromium(warehouse: Cli, tmp_path: Path) -> None:
    chromium = _chromium()
    page = tmp_path / "report.html"
    code, _, err = warehouse("report", "--format", "html", "--out", str(page))
    assert code == 0, err
    html = page.read_text("utf-8")
    assert html.count('src="data:image/svg+xml;base64,') == 6  # four charts, the last run's steps, the revisions
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # self-contained
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", "--hide-scrollbars", "--window-size=1200,1000",
         f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 1000)
    pixels = np.asarray(image)
    assert (pixels.min(axis=-1) < 235).mean() > 0.05  # not blank
    # Bars in both series colours: the charts drew, not just the page around them.
    assert _count(pixels, ORIGINAL_BLUE) > 20_000
    assert _count(pixels, COPY_ORANGE) > 5_000


def test_reports_of_an_empty_warehouse(tmp_path: Path, prefect_api: None) -> None:
    cli = Cli(tmp_path / "empty.duckdb")
    with open_warehouse(cli.db):
        pass
    code, out, err = cli("report")
    assert code == 0, err
    assert out.startswith("articles: 0")
    code, _, err = cli("report", "--format", "html", "--out", str(tmp_path / "r.html"))
    assert code == 0, err
    assert "No duplicate clusters." in (tmp_path / "r.html").read_text("utf-8")
    assert "No run has recorded its steps yet." in (tmp_path / "r.html").read_text("utf-8")


@pytest.fixture
def stepped(tmp_path: Path) -> Cli:
    """A warehouse of two runs that recorded their steps (no pipeline writes them yet); run 2 is the last."""
    cli = Cli(tmp_path / "steps.duckdb")
    with open_warehouse(cli.db) as con:
        record_steps(con, start_run(con, ["earlier"]), [StepCount("read", 4, 4)])
        run_id = start_run(con, ["last"])
        record_steps(con, run_id, STEPS)
        finish_run(con, run_id, "completed", {})
    return cli


def test_reports_show_the_steps_of_the_last_run(stepped: Cli, tmp_path: Path) -> None:
    code, out, err = stepped("report", "--format", "json")
    assert code == 0, err
    steps = json.loads(out)["steps"]
    assert steps["run_id"] == 2 and [s["step"] for s in steps["steps"]] == [s.step for s in STEPS]
    assert all(s["seen"] == s["kept"] + sum(s["reasons"].values()) for s in steps["steps"])

    code, out, err = stepped("report")
    assert code == 0, err
    assert re.search(r"^steps of the last run \(#2\)\s*$", out, flags=re.M)
    for s in STEPS:
        assert re.search(rf"│ {s.step}\s*│ {s.seen}\s*│ {s.kept}\s*│ {s.dropped_total}\s*│", out), s.step
    assert "HTTP 404: 2; HTTP 503: 1; not HTML: 1 (+1 more)" in out

    code, _, err = stepped("report", "--format", "html", "--out", str(tmp_path / "r.html"))
    assert code == 0, err
    html = (tmp_path / "r.html").read_text("utf-8")
    assert "<h2>Steps of the last run</h2>\n<p>Run #2: the items" in html
    assert html.count('src="data:image/svg+xml;base64,') == 6  # the four charts, kept / dropped per step, revisions
    assert ("<tr><td>clean</td><td>3</td><td>1</td><td>2</td>"
            "<td>no text left after cleaning: 1; paywalled teaser: 1</td><td>0.25</td></tr>") in html

    with open_warehouse(stepped.db, read_only=True) as con:
        markdown = markdown_report(con, 2)
    assert "## Steps\n\n| step | in | kept | dropped | top reasons | seconds |" in markdown
    assert "| skip known | 10 | 8 | 2 | known URL: 2 | 0.02 |" in markdown

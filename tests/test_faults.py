"""Fault tolerance: SIGKILL during a run, then a rerun; two runs started at once."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psutil
import pytest

from conftest import FIXTURES, Cli
from test_quiet_runs import assert_quiet_and_untracked, unconfigured_env
from newswash.flows.executor_choice import WARM_WORKERS_BYTES
from newswash.warehouse.lock import writer_lock

TABLES_KEYED_BY_ARTICLE = ("signatures", "duplicates")


def _sentences() -> list[str]:
    """Real story sentences from the fixtures (newsweb-dev records and the seeds)."""
    texts = [json.loads(line)["text"] for line in (FIXTURES / "dedup" / "records.jsonl").read_text().splitlines()]
    texts += [p.read_text("utf-8") for p in sorted((FIXTURES / "cleaners" / "seeds").glob("*.txt"))]
    lines = [line.strip() for t in texts for line in t.splitlines() if len(line.split()) >= 8]
    return sorted({s for line in lines for s in re.split(r"(?<=[.!?])\s+", line) if len(s.split()) >= 8})


def make_corpus(path: Path, n: int, seed: int = 7) -> Path:
    """`n` JSONL stories of three paragraphs of random real sentences; every 10th repeats an earlier one."""
    rng = random.Random(seed)
    pool = _sentences()
    records: list[dict] = []
    for i in range(n):
        if i % 10 == 9:
            text = records[rng.randrange(len(records))]["text"]
        else:
            text = "\n\n".join(" ".join(rng.sample(pool, rng.randint(3, 4))) for _ in range(3))
        records.append({"url": f"https://news.example/{i}", "text": text, "source": f"s{i % 5}.example",
                        "published_at": f"2024-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"})
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def _ingest_cmd(corpus: Path, db: Path, config: Path) -> list[str]:
    return [sys.executable, "-m", "newswash.cli", "ingest", str(corpus), "--db", str(db), "--config", str(config)]


def _state(db: Path) -> dict:
    """What a correct warehouse must agree on, whatever happened to the runs that built it."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT url, cluster_id, is_canonical FROM articles").fetchall()
        url_of = dict(con.execute("SELECT id, url FROM articles").fetchall())
        repeated = {
            table: con.execute(f"SELECT count(*) FROM (SELECT article_id FROM {table} GROUP BY 1 HAVING count(*) > 1)").fetchone()[0]
            for table in TABLES_KEYED_BY_ARTICLE
        }
        orphans = con.execute("SELECT count(*) FROM signatures WHERE article_id NOT IN (SELECT id FROM articles)").fetchone()[0]
        unsigned = con.execute("SELECT count(*) FROM articles WHERE id NOT IN (SELECT article_id FROM signatures)").fetchone()[0]
    return {
        "clusters": sorted(sorted(u for u, c, _ in rows if c == cid) for cid in {c for _, c, _ in rows}),
        "canonical": sorted(url_of[c] for c in {c for _, c, _ in rows}),
        "flags": sorted(u for u, _, canon in rows if canon),
        "repeated": repeated,
        "orphans": orphans,
        "unsigned": unsigned,
    }


@pytest.fixture
def small_batches(tmp_path: Path) -> Path:
    config = tmp_path / "batches.toml"
    config.write_text("[pipeline]\nbatch_size = 60\n")
    return config


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running (a zombie has ended: it only waits for its parent to reap it)."""
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


# (executor, seconds after the first batch, whether the run starts its own Prefect server)
KILLS = [("processes", 0.0, False), ("processes", 0.4, False), ("processes", 1.1, False), ("dask", 0.4, True)]


@pytest.mark.parametrize(("executor", "kill_delay", "own_server"), KILLS)
def test_sigkill_mid_run_kills_its_tree_then_rerun_completes_without_duplicates(
    cli: Cli, tmp_path: Path, prefect_env: dict[str, str], small_batches: Path,
    executor: str, kill_delay: float, own_server: bool,
) -> None:
    corpus = make_corpus(tmp_path / "corpus.jsonl", 900)
    killed_db = tmp_path / "killed.duckdb"
    env = unconfigured_env(tmp_path / "prefect") if own_server else prefect_env
    process = subprocess.Popen([*_ingest_cmd(corpus, killed_db, small_batches), "--executor", executor], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # Kill once at least one batch is in, plus a delay that lands elsewhere in the next batches.
    for line in process.stderr:
        if "batch loaded" in line:
            break
    time.sleep(kill_delay)
    tree = psutil.Process(process.pid).children(recursive=True)
    assert tree, "the run started no process"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while _alive(tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(tree), [" ".join(p.cmdline()[:6]) for p in _alive(tree)]

    cli.db = killed_db
    code, out, err = cli("ingest", str(corpus), "--config", str(small_batches))
    assert code == 0, err
    runs = cli.sql("select status, new from runs order by run_id")
    assert runs[0]["status"] == "abandoned" and runs[-1]["status"] == "completed"

    cli.db = tmp_path / "clean.duckdb"
    assert cli("ingest", str(corpus), "--config", str(small_batches))[0] == 0
    recovered, clean = _state(killed_db), _state(cli.db)
    assert len([u for c in recovered["clusters"] for u in c]) == 900
    assert recovered["repeated"] == {t: 0 for t in TABLES_KEYED_BY_ARTICLE}
    assert recovered["orphans"] == 0 and recovered["unsigned"] == 0
    assert recovered["clusters"] == clean["clusters"]
    assert recovered["canonical"] == clean["canonical"] == recovered["flags"]


def test_two_runs_started_at_once_write_one_after_the_other(
    tmp_path: Path, prefect_env: dict[str, str], small_batches: Path
) -> None:
    corpus = make_corpus(tmp_path / "corpus.jsonl", 300)
    db = tmp_path / "shared.duckdb"
    runs = [subprocess.Popen(_ingest_cmd(corpus, db, small_batches), env=prefect_env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-2000:] for _, err in results]
    with duckdb.connect(str(db), read_only=True) as con:
        runs_ = con.execute("SELECT status, new, started_at, finished_at FROM runs ORDER BY run_id").fetchall()
        articles = con.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
    assert articles == (300, 300)
    assert [r[0] for r in runs_] == ["completed", "completed"]
    assert sorted(r[1] for r in runs_) == [0, 300]
    assert runs_[1][2] >= runs_[0][3], "the second run started writing before the first finished"


def test_a_run_waits_for_the_writer_then_gives_up_with_one_line(cli: Cli, tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus.jsonl", 20)
    impatient = tmp_path / "impatient.toml"
    impatient.write_text("[warehouse]\nlock_wait = 1.5\n")
    with writer_lock(cli.db, wait=0):
        started = time.monotonic()
        code, out, err = cli("ingest", str(corpus), "--config", str(impatient))
        waited = time.monotonic() - started
    assert code == 1
    assert err.splitlines()[-1] == (
        f"newswash: error: another run (pid {os.getpid()}) is writing to {cli.db}; gave up after 1.5 s"
    )
    assert waited >= 1.5
    assert cli("ingest", str(corpus))[0] == 0  # the lock is free again


def test_process_and_dask_executors_give_the_same_warehouse_as_local(
    cli: Cli, tmp_path: Path, small_batches: Path
) -> None:
    corpus = make_corpus(tmp_path / "corpus.jsonl", 400)
    states = {}
    for executor in ("local", "processes", "dask"):
        cli.db = tmp_path / f"{executor}.duckdb"
        code, out, err = cli("ingest", str(corpus), str(FIXTURES / "cleaners" / "seeds"),
                             "--config", str(small_batches), "--executor", executor)
        assert code == 0, err
        with duckdb.connect(str(cli.db), read_only=True) as con:
            states[executor] = (
                _state(cli.db),
                con.execute("SELECT url, title, author, body FROM articles ORDER BY url").fetchall(),
                con.execute("SELECT a.url, l.rule, l.removed FROM cleaning_log l JOIN articles a ON a.id = l.article_id "
                            "ORDER BY ALL").fetchall(),
            )
    assert len(states["local"][1]) == 405
    assert states["processes"] == states["local"]
    assert states["dask"] == states["local"]


def test_processes_executor_without_a_configured_api_shares_one_local_server(tmp_path: Path) -> None:
    """The CLI's default path outside the test harness, with an input big enough for warm workers: no PREFECT_API_URL, so the run
    starts its own Prefect server (``flows/api_server.py``) and its pool workers, forked
    from the fork server, report to it: no process falls back to starting Prefect's
    temporary server (as each worker, or a thread of the run, would without the run's URL)."""
    env = unconfigured_env(tmp_path / "prefect")
    db = tmp_path / "wh.duckdb"
    seeds = FIXTURES / "cleaners" / "seeds"
    big = make_corpus(tmp_path / "big.jsonl", 1200)  # over WARM_WORKERS_BYTES: workers fork from the fork server
    assert big.stat().st_size >= WARM_WORKERS_BYTES
    result = subprocess.run(
        [sys.executable, "-m", "newswash.cli", "ingest", str(seeds), str(big), "--db", str(db), "--executor", "processes"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Starting temporary server" not in result.stdout + result.stderr, result.stderr
    assert_quiet_and_untracked(result.stdout + result.stderr, tmp_path / "prefect")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == len(list(seeds.glob("*.txt"))) + 1200

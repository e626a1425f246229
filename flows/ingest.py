"""The `ingest` Prefect flow: read → fetch → extract + clean + fingerprint → dedup + load, in batches."""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Generic, TypeVar

import duckdb
from prefect import Flow, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

from newswash.cleaners import Cleaner, rule_hits
from newswash.cleaners.boilerplate import LineCounts, story_keys
from newswash.dedup import DedupSettings
from newswash.errors import NewswashError
from newswash.flows.executor_choice import settings_for_run
from newswash.flows.lifetime import die_with_parent
from newswash.flows.local_api import local_api
from newswash.pipeline import Processed, process, remove_learned_boilerplate
from newswash.records import Article, Failure
from newswash.settings import ExecutorSettings, Settings, load_settings
from newswash.sources import read_locations
from newswash.sources.crawl import Crawl
from newswash.warehouse.boilerplate import load_line_counts
from newswash.warehouse.load import load_batch
from newswash.warehouse.lock import writer_lock
from newswash.warehouse.report import markdown_report
from newswash.warehouse.shared import open_shared
from newswash.warehouse.store import failure_reasons, finish_run, known_urls, record_failures, start_run

T = TypeVar("T")


class Sealed(Generic[T]):
    """A value handed to a task as one opaque object. Prefect walks lists and dataclasses in
    task arguments, field by field, looking for futures (seconds per 10,000 articles), and
    Dask unpacks tuples, so Prefect's own `quote` (a tuple) does not survive a Dask worker."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value


def _batches(items: Iterable[Article | Failure], size: int) -> Iterator[list[Article | Failure]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _unseen(articles: list[Article], known: set[str]) -> list[Article]:
    """Articles whose URL is neither stored nor earlier in this run (the first copy wins)."""
    fresh: dict[str, Article] = {}
    for article in articles:
        if article.url not in known:
            fresh.setdefault(article.url, article)
    return list(fresh.values())


@task(cache_policy=NONE)
def fetch_task(crawl: Crawl, articles: Sealed[list[Article]]) -> list[Article | Failure]:
    """Fetch the pages of a batch (politely, concurrently, skipping recent ones); other articles pass through."""
    return crawl.fetch_pages(articles.value)


def _warc_dir(con: duckdb.DuckDBPyConnection) -> Path | None:
    """`<warehouse>-warc/` next to the DuckDB file: where raw responses are archived."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if not row or not row[0]:
        return None
    db = Path(row[0])
    return db.with_name(f"{db.stem}-warc")


@task(cache_policy=NONE)
def process_task(articles: Sealed[list[Article]], cleaner: Cleaner, dedup: DedupSettings) -> Processed:
    """Extract, clean and fingerprint one batch."""
    return process(articles.value, cleaner, dedup)


# Loading is one transaction that rolls back on any error, so a load that failed (a busy
# disk, say) runs again with backoff and never doubles anything. Fetching retries per
# request inside the fetcher; extraction turns a bad article into a Failure.
@task(cache_policy=NONE, retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=1))
def load_task(con: duckdb.DuckDBPyConnection, run_id: int, sealed: Sealed[tuple[Processed, LineCounts]],
              dedup: DedupSettings) -> dict[str, int]:
    """Deduplicate against the warehouse and load the batch (with its line counts) in one transaction."""
    batch, line_counts = sealed.value
    counts = load_batch(con, run_id, batch.articles, batch.fingerprints, dedup, line_counts)
    return {"new": counts.new, "exact_duplicates": counts.exact_duplicates, "near_duplicates": counts.near_duplicates}


def run_ingest(con: duckdb.DuckDBPyConnection, run_id: int, locations: list[str], settings: Settings) -> Counter:
    """Process every input location in batches; returns the run's counts.

    Up to `parallel_batches` batches are extracted and cleaned at once on the task
    runner, each split in one part per worker (processing is per article, so a batch
    keeps every worker busy); each is deduplicated and loaded here, in input order, as
    it completes.
    """
    logger = get_run_logger()
    cleaner = Cleaner.from_toml(settings.cleaning_rules)
    dedup = DedupSettings.from_toml(settings.dedup_settings)
    counts: Counter = Counter()
    rule_counts: Counter = Counter()
    seen: set[str] = set()
    in_flight: deque[tuple[list[PrefectFuture[Processed]], list[Failure]]] = deque()
    parts = settings.executor.workers or os.cpu_count() or 1

    def load_oldest() -> None:
        futures, failures = in_flight.popleft()
        processed = Processed.merge([future.result() for future in futures])
        lines = {h for hashes in processed.line_hashes for h in hashes}
        stories = story_keys(processed.articles, processed.line_hashes)
        stored = load_line_counts(con, {a.source for a in processed.articles}, lines, stories)
        processed, line_counts = remove_learned_boilerplate(processed, cleaner, dedup, stored)
        rule_counts.update(rule_hits(processed.articles))
        failures += processed.failures
        counts["extracted"] += len(processed.articles)
        counts.update(load_task(con, run_id, Sealed((processed, line_counts)), dedup))
        record_failures(con, run_id, failures)
        counts["failed"] += len(failures)
        logger.info("batch loaded: %s", dict(counts))

    crawl = Crawl(con, run_id, settings.fetch, settings.sources, _warc_dir(con))
    for batch in _batches(read_locations(locations, crawl), settings.batch_size):
        failures = [item for item in batch if isinstance(item, Failure)]
        articles = [item for item in batch if isinstance(item, Article)]
        counts["read"] += len(batch)
        fresh = _unseen(articles, known_urls(con, [a.url for a in articles]) | seen)
        seen.update(a.url for a in fresh)
        counts["skipped"] += len(articles) - len(fresh)
        fetched = fetch_task(crawl, Sealed(fresh)) if any(map(Crawl.is_stub, fresh)) else fresh
        failures += [item for item in fetched if isinstance(item, Failure)]
        to_process = [item for item in fetched if isinstance(item, Article)]
        if not to_process:  # nothing new in this batch: no tasks to run
            record_failures(con, run_id, failures)
            counts["failed"] += len(failures)
            continue
        chunk = -(-len(to_process) // parts)
        futures = [process_task.submit(Sealed(to_process[i : i + chunk]), cleaner, dedup)
                   for i in range(0, len(to_process), chunk)]
        in_flight.append((futures, failures))
        if len(in_flight) >= settings.executor.parallel_batches:
            load_oldest()
    while in_flight:
        load_oldest()
    crawl.close()
    logger.info("cleaning rule hits: %s", dict(rule_counts.most_common()))
    counts.update({k: crawl.counts[k] for k in ("fetched", "unchanged", "skipped")})
    return counts


def task_runner(executor: ExecutorSettings) -> TaskRunner:
    """Threads for `local`; Prefect's process pool for `processes`; Dask through prefect-dask
    for `dask` (a local cluster, or one by address). `workers` 0 means one per core."""
    if executor.kind == "local":
        return ThreadPoolTaskRunner(max_workers=executor.parallel_batches)
    if executor.kind == "processes":
        return ProcessPoolTaskRunner(max_workers=executor.workers or None, initializer=die_with_parent)
    if executor.kind == "dask":
        from prefect_dask import DaskTaskRunner

        if executor.dask_address:
            return DaskTaskRunner(address=executor.dask_address)
        return DaskTaskRunner(cluster_kwargs={
            "n_workers": executor.workers or None, "threads_per_worker": 1, "processes": True,
            "dashboard_address": ":0",
        })
    raise NewswashError(f"unknown executor {executor.kind!r} (local, processes or dask)")


@flow(name="ingest", log_prints=True)
def ingest_flow(locations: list[str], db_path: str | None = None, config_path: str | None = None,
                allow_private_hosts: bool = False) -> dict:
    """Ingest into the warehouse; returns the run's id, counts, and failures counted by reason."""
    settings = load_settings(Path(config_path) if config_path else None)
    if allow_private_hosts:
        settings = settings.with_private_hosts_allowed()
    db = Path(db_path) if db_path else settings.db_path
    with writer_lock(db, settings.lock_wait, on_wait=get_run_logger().warning), open_shared(db) as con:
        run_id = start_run(con, locations)
        try:
            counts = run_ingest(con, run_id, locations, settings)
        except BaseException:
            finish_run(con, run_id, "failed", {})
            raise
        finish_run(con, run_id, "completed", dict(counts))
        create_markdown_artifact(key="newswash-run-report", markdown=markdown_report(con, run_id))
        reasons = failure_reasons(con, run_id)
    return {"run_id": run_id, **counts, "failure_reasons": reasons}


def flow_for(settings: Settings) -> Flow:
    """The ingest flow on the executor the settings name."""
    return ingest_flow.with_options(task_runner=task_runner(settings.executor))


def ingest(locations: list[str], db_path: Path | None = None, config_path: Path | None = None,
           allow_private_hosts: bool = False, executor: str | None = None) -> dict:
    """Run one ingest: the flow on the configured executor, or on `executor` when given."""
    settings = settings_for_run(load_settings(config_path), locations, executor)
    with local_api(Path(db_path or settings.db_path).parent / "prefect"):
        return flow_for(settings)(
            locations,
            db_path=str(db_path) if db_path else None,
            config_path=str(config_path) if config_path else None,
            allow_private_hosts=allow_private_hosts,
        )

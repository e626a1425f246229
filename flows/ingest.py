"""Prefect wiring of the pipeline (``newswash.pipeline``): the ``ingest`` and ``reprocess``
flows, the task runner, and where each step runs.

Steps that are ``per_article`` (extract, clean, fingerprint) run as tasks on the executor's
workers, a batch split in one part per worker; the others (they need the warehouse) run in
the flow's process, batch after batch in input order, so every executor gives the same
result. A step with ``retries`` (load: one transaction) runs as a task that Prefect retries.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from prefect import Flow, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

from newswash.dedup import Assignment
from newswash.errors import NewswashError
from newswash.flows.executor_choice import settings_for_run
from newswash.flows.lifetime import die_with_parent
from newswash.flows.worker_pool import WarmProcessPool
from newswash.flows.api_server import ApiServer
from newswash.flows.local_api import local_api
from newswash.pipeline import ingest_steps, placement, read_batches, reprocess_steps
from newswash.records import StepCount
from newswash.settings import ExecutorSettings, Settings, load_settings
from newswash.sources import read_locations
from newswash.sources.crawl import Crawl, read_archived
from newswash.step import Batch, Step, run_steps, totals
from newswash.warehouse import Warehouse

if TYPE_CHECKING:
    from distributed import Client

T = TypeVar("T")


class Sealed(Generic[T]):
    """A value handed to or from a task as one opaque object. Prefect walks lists and
    dataclasses in task arguments, field by field, looking for futures (seconds per 10,000
    articles), and Dask unpacks tuples, so Prefect's own `quote` (a tuple) does not survive
    a Dask worker. The value travels pickled by the standard library's C pickler, as one
    bytes object: cloudpickle (what Prefect and the pool use) calls a Python hook on every
    object it meets, twice the cost on a batch of articles, paid in the flow's process."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __reduce__(self) -> tuple[Callable[[bytes], Sealed[T]], tuple[bytes]]:
        return _unseal, (pickle.dumps(self.value, protocol=pickle.HIGHEST_PROTOCOL),)


def _unseal(data: bytes) -> Sealed[Any]:
    """The value, unpickled with the cyclic garbage collector off: unpickling makes no cycles,
    and a part of a batch is megabytes of new objects, whose allocations set off most of the
    flow process's full collections (25 of 0.22 s each on 100,000 short texts)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return Sealed(pickle.loads(data))
    finally:
        if enabled:
            gc.enable()


class Kept(Sealed[T]):
    """A value handed to every task run of a flow (its per-article steps), unpickled once in
    a worker and kept there: what the steps' objects work out as they go (a cleaner's rule
    prefilters and rule lists by place and first character) then serves all its task runs,
    where each copy started from nothing (25 ms of a task run on 1,000 texts)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Callable[[bytes], Kept[T]], tuple[bytes]]:
        return _kept, (pickle.dumps(self.value, protocol=pickle.HIGHEST_PROTOCOL),)


_KEPT: dict[bytes, Any] = {}  # in a worker: the value of the Kept it was last handed, by its pickle


def _kept(data: bytes) -> Kept[Any]:
    if data not in _KEPT:
        _KEPT.clear()
        _KEPT[data] = pickle.loads(data)
    return Kept(_KEPT[data])


@task(cache_policy=NONE)
def steps_task(steps: Kept[list[Step]], batch: Sealed[Batch]) -> Sealed[Batch]:
    """A part of a batch through per-article steps, on a worker."""
    return Sealed(run_steps(steps.value, batch.value))


@task(cache_policy=NONE, retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=1))
def retried_step_task(step: Sealed[Step], batch: Sealed[Batch]) -> Batch:
    """A step that is safe to run again (one transaction that rolls back on any error)."""
    return step.value(batch.value)


def _run_here(steps: Sequence[Step], batch: Batch) -> Batch:
    for step in steps:
        batch = retried_step_task(Sealed(step), Sealed(batch)) if step.retry_safe else step(batch)
    return batch


# Characters of content (pages, texts) that make a part of a batch worth a task run of its own:
# about 2.5 s of extraction or cleaning (0.3 us a character or so, on the WARC and the JSONL
# benches alike) against the 0.1 s or so a task run costs. A batch of 2,000 news pages holds
# about 55 million, one of 2,000 wire texts 2 million.
PART_CHARS = 8_000_000
# The run's last batch goes in up to TAIL_PARTS parts a worker, of TAIL_PART_CHARS or more
# (about 0.6 s of work): queued, they keep every worker busy to the end, where a part a
# worker left one waiting for the other (2 s of a 774-page WARC run) for a few task runs more.
TAIL_PARTS = 3
TAIL_PART_CHARS = 2_000_000


def with_remaining(batches: Iterable[Batch], horizon: int,
                   at_once: Callable[[Batch], bool] = lambda _: False) -> Iterator[tuple[Batch, int]]:
    """Each batch with the number of batches left, itself included, counted up to ``horizon``
    (reading ``horizon - 1`` batches ahead); the oldest one ``at_once`` says needs no count
    goes as soon as it is read, counted as ``horizon``."""
    ahead: deque[Batch] = deque()
    for batch in batches:
        ahead.append(batch)
        while ahead and (len(ahead) == horizon or at_once(ahead[0])):
            yield ahead.popleft(), horizon
    while ahead:
        yield ahead[0], len(ahead)
        ahead.popleft()


def by_size(batch: Batch, workers: int) -> int:
    """The parts a batch is worth by its size alone: one a ``PART_CHARS``, one a worker at most."""
    return min(workers, batch.size() // PART_CHARS)


def part_count(batch: Batch, remaining: int, workers: int, parallel_batches: int) -> int:
    """How many parts a batch goes to the workers in, ``remaining`` batches (itself included)
    being known to be left (see ``run_pipeline``)."""
    if workers > 1 and (remaining == 1 or batch.last):
        return max(workers, min(workers * TAIL_PARTS, batch.size() // TAIL_PART_CHARS))
    return max(by_size(batch, workers), -(-workers // min(remaining, parallel_batches)))


def run_pipeline(batches: Iterable[Batch], steps: list[Step], executor: ExecutorSettings) -> tuple[list[StepCount], int]:
    """Every batch through ``steps``; returns each step's counts, in step order, and the failures.

    The steps before the first per-article run happen here as each batch is read; that run
    is submitted, up to ``parallel_batches`` batches at once, as one task run a batch while
    enough batches follow to keep every worker busy, the last ones split in parts for the
    idle workers (a task run costs the same whatever its size: Prefect's API calls, a client
    in the worker, the batch pickled there and back), the run's last batch in parts smaller
    still (``TAIL_PARTS``), and a batch of ``PART_CHARS`` for every worker in a part per
    worker as soon as it is read (news pages: each batch is done, and its steps after the
    run can go on, in half the time on two workers); the steps after it happen here
    (per-article ones too), in input order, as each batch completes (``part_count``)."""
    logger = get_run_logger()
    gc.freeze()  # what imports and set-up made lives for the run: out of every collection's scan
    groups = placement(steps)
    first_worker = next((i for i, (per_article, _) in enumerate(groups) if per_article), len(groups))
    before = [step for _, group in groups[:first_worker] for step in group]
    after = [step for _, group in groups[first_worker + 1 :] for step in group]
    worker_steps = Kept(groups[first_worker][1]) if first_worker < len(groups) else None
    workers = executor.workers or os.cpu_count() or 1
    counts: list[StepCount] = []
    failed = 0
    in_flight: deque[tuple[Batch, list[PrefectFuture[Sealed[Batch]]]]] = deque()

    def done(batch: Batch) -> None:
        nonlocal failed
        counts.extend(batch.counts)
        failed += len(batch.failures)
        logger.info("batch loaded: %s", {c.step: c.kept for c in totals(batch.counts)})

    def finish_oldest() -> None:
        batch, futures = in_flight.popleft()
        results = [future.result() for future in futures]
        batch.merge([result.value for result in results])
        for result in results:  # Prefect's futures sit in reference cycles: let go of their parts now
            result.value = None
        done(_run_here(after, batch))

    for batch, remaining in with_remaining(batches, workers, lambda b: by_size(b, workers) == workers):
        batch = _run_here(before, batch)
        if worker_steps is None:
            done(batch)
            continue
        parts = batch.parts(part_count(batch, remaining, workers, executor.parallel_batches))
        in_flight.append((batch, [steps_task.submit(worker_steps, Sealed(part)) for part in parts]))
        batch.articles = []
        if len(in_flight) >= executor.parallel_batches:
            finish_oldest()
    while in_flight:
        finish_oldest()
    return totals(counts), failed


def run_counts(steps: list[StepCount], failed: int, crawl: Counter, revised: int = 0) -> dict[str, int]:
    """The run's row in `runs`, from its steps' counts, the crawl's and the articles it revised
    (loaded, but not new)."""
    by_step = {c.step: c for c in steps}

    def step(name: str) -> StepCount:
        return by_step.get(name, StepCount(name))

    return {
        "read": step("read").seen,
        "skipped": step("skip known").dropped_total + crawl["skipped"],
        "extracted": step("learned boilerplate").kept,
        "failed": failed,
        "new": step("load").kept - revised,
        "exact_duplicates": step("dedup").dropped["exact duplicate"],
        "near_duplicates": step("dedup").dropped["near duplicate"],
        "fetched": crawl["fetched"],
        "unchanged": crawl["unchanged"],
        "revisited": crawl["revisited"],
        "revised": revised,
    }


def task_runner(executor: ExecutorSettings) -> TaskRunner:
    """Threads for `local`; Prefect's process pool (workers forked warm) for `processes`; Dask through prefect-dask
    for `dask` (a local cluster, or one by address). `workers` 0 means one per core."""
    if executor.kind == "local":
        return ThreadPoolTaskRunner(max_workers=executor.parallel_batches)
    if executor.kind == "processes":
        return WarmProcessPool(max_workers=executor.workers or None, initializer=die_with_parent)
    if executor.kind == "dask":
        from prefect_dask import DaskTaskRunner

        if executor.dask_address:
            return DaskTaskRunner(address=executor.dask_address)
        return DaskTaskRunner(cluster_kwargs=local_cluster(executor))
    raise NewswashError(f"unknown executor {executor.kind!r} (local, processes or dask)")


def local_cluster(executor: ExecutorSettings) -> dict[str, Any]:
    """A local Dask cluster's settings: `workers` processes of one thread (0: one per core)."""
    return {"n_workers": executor.workers or None, "threads_per_worker": 1, "processes": True,
            "dashboard_address": ":0"}


@contextmanager
def dask_client(executor: ExecutorSettings) -> Iterator[Client]:
    """A client of the flow's Dask cluster when it runs on Dask (prefect-dask's), else of one
    started for the time being: at `dask_address`, or a local one."""
    if executor.kind == "dask":
        from prefect_dask import get_dask_client

        with get_dask_client() as client:
            yield client
        return
    from distributed import Client, LocalCluster

    if executor.dask_address:
        with Client(executor.dask_address) as client:
            yield client
        return
    # Its scheduler runs here, and logs the start and end of every shuffle as warnings.
    logging.getLogger("distributed.shuffle._scheduler_plugin").setLevel(logging.ERROR)
    with LocalCluster(**local_cluster(executor)) as cluster, Client(cluster) as client:
        yield client


def _settings(config_path: str | None, allow_private_hosts: bool = False) -> Settings:
    settings = load_settings(Path(config_path) if config_path else None)
    return settings.with_private_hosts_allowed() if allow_private_hosts else settings


def _finish(warehouse: Warehouse, run_id: int, counts: dict[str, int], steps: list[StepCount]) -> dict:
    warehouse.finish_run(run_id, "completed", counts, steps)
    create_markdown_artifact(key="newswash-run-report", markdown=warehouse.run_report(run_id))
    return {"run_id": run_id, **counts, "failure_reasons": warehouse.failure_reasons(run_id)}


def cluster_pending(warehouse: Warehouse, run_id: int, settings: Settings) -> Assignment:
    """A backfill's end: the pending articles' candidate pairs across batches by a shuffle on
    band keys on Dask (``dask_client``), then their clusters written by the warehouse."""
    from newswash.dedup.bulk import cross_batch_pairs

    logger, started = get_run_logger(), time.perf_counter()
    with dask_client(settings.executor) as client:
        across = cross_batch_pairs((table.to_pandas() for table in warehouse.pending_keys(settings.dedup)), client)
    shuffled = time.perf_counter()
    logger.info("backfill: %d candidate pairs across batches in %.1f s (shuffle on band keys)", len(across[0]),
                shuffled - started)
    clusters = warehouse.cluster_pending(run_id, settings.dedup, across)
    logger.info("backfill: %d articles clustered, %d duplicates, in %.1f s", clusters.new,
                clusters.exact_duplicates + clusters.near_duplicates, time.perf_counter() - shuffled)
    return clusters


@flow(name="ingest", log_prints=True)
def ingest_flow(locations: list[str], db_path: str | None = None, config_path: str | None = None,
                allow_private_hosts: bool = False, bulk: bool = False) -> dict:
    """Ingest into the warehouse; returns the run's id, counts, and failures counted by reason.
    ``bulk``: a backfill, its batches clustered with each other on Dask after the last one."""
    settings = _settings(config_path, allow_private_hosts)
    db = Path(db_path) if db_path else settings.db_path
    with Warehouse.for_writing(db, settings.lock_wait, on_wait=get_run_logger().warning) as warehouse:
        if not bulk and (waiting := warehouse.pending_count()):
            raise NewswashError(f"{waiting} articles of an unfinished backfill wait for their clusters: "
                                "run newswash ingest --bulk again to finish it")
        run_id = warehouse.start_run(locations)
        try:
            crawl = Crawl(warehouse, run_id, settings.fetch, settings.sources, warehouse.warc_dir)
            try:
                batches = read_batches(read_locations(locations, crawl), settings.batch_size, settings.batch_chars)
                steps, failed = run_pipeline(batches, ingest_steps(settings, warehouse, crawl, run_id, bulk),
                                             settings.executor)
            finally:
                crawl.close()
            counts = run_counts(steps, failed, crawl.counts, warehouse.revised(run_id))
            if bulk:
                clusters = cluster_pending(warehouse, run_id, settings)
                counts.update(exact_duplicates=clusters.exact_duplicates, near_duplicates=clusters.near_duplicates)
        except BaseException:
            warehouse.finish_run(run_id, "failed", {}, [])
            raise
        return _finish(warehouse, run_id, counts, steps)


@flow(name="reprocess", log_prints=True)
def reprocess_flow(db_path: str | None = None, config_path: str | None = None) -> dict:
    """Every archived page through the pipeline again (today's rules, no fetching); stored
    articles updated in place, then every cluster formed again."""
    settings = _settings(config_path)
    db = Path(db_path) if db_path else settings.db_path
    with Warehouse.for_writing(db, settings.lock_wait, on_wait=get_run_logger().warning) as warehouse:
        rows = warehouse.archived_articles()
        run_id = warehouse.start_run(["reprocess"])
        try:
            batches = read_batches(read_archived(row[1:] for row in rows), settings.batch_size, settings.batch_chars)
            steps, failed = run_pipeline(batches, reprocess_steps(settings, warehouse, run_id,
                                                                  {row[1]: row[0] for row in rows}), settings.executor)
            clusters = warehouse.recluster(run_id, settings.dedup)
        except BaseException:
            warehouse.finish_run(run_id, "failed", {}, [])
            raise
        counts = {**run_counts(steps, failed, Counter()), "new": 0, "exact_duplicates": clusters.exact_duplicates,
                  "near_duplicates": clusters.near_duplicates}
        return _finish(warehouse, run_id, counts, steps)


def flow_for(settings: Settings, flow_: Flow = ingest_flow) -> Flow:
    """A flow on the executor the settings name."""
    return flow_.with_options(task_runner=task_runner(settings.executor))


def ingest(locations: list[str], db_path: Path | None = None, config_path: Path | None = None,
           allow_private_hosts: bool = False, executor: str | None = None, settings: Settings | None = None,
           api: ApiServer | None = None, bulk: bool = False) -> dict:
    """Run one ingest: the flow on the configured executor, or on `executor` when given
    (``settings``: those of ``config_path``, when the caller has loaded them already; ``api``:
    the run's own Prefect server, when the caller has started it already; ``bulk``: a backfill)."""
    settings = settings_for_run(settings or load_settings(config_path), locations, executor)
    with local_api(Path(db_path or settings.db_path).parent / "prefect", api):
        return flow_for(settings)(
            locations,
            db_path=str(db_path) if db_path else None,
            config_path=str(config_path) if config_path else None,
            allow_private_hosts=allow_private_hosts,
            bulk=bulk,
        )


def reprocess(settings: Settings, db_path: Path | None = None, config_path: Path | None = None,
              executor: str | None = None) -> dict:
    """Run one reprocess flow."""
    settings = settings_for_run(settings, [], executor)
    with local_api(Path(db_path or settings.db_path).parent / "prefect"):
        return flow_for(settings, reprocess_flow)(db_path=str(db_path) if db_path else None,
                                                  config_path=str(config_path) if config_path else None)

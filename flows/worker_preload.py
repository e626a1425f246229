"""What the fork server of the process pool (``flows/worker_pool.py``) loads once, for every
worker forked from it: Prefect's task engine and its collections, the task and the steps it
runs, and the warm state of extraction (``cleaners.extract.warm_up``). All of it is then
frozen out of the garbage collector's way, so the workers' collections neither scan nor
touch it (pages stay shared with the fork server)."""

import gc

import prefect.task_engine  # noqa: F401
from prefect.plugins import load_prefect_collections

import newswash.flows.ingest  # noqa: F401
from newswash.cleaners.extract import warm_up
from newswash.cli import GC_THRESHOLDS

warm_up()
load_prefect_collections()  # each worker's first task run loaded them (prefect-dask, distributed: 0.36 CPU-s)
gc.set_threshold(*GC_THRESHOLDS)  # those of the run's process, which a spawned fork server lacks
gc.freeze()

"""What the fork server of the process pool (``flows/worker_pool.py``) loads once, for every
worker forked from it: Prefect's task engine, the task and the steps it runs, and the warm
state of extraction (``cleaners.extract.warm_up``). All of it is then frozen out of the
garbage collector's way, so the workers' collections neither scan nor touch it (pages
stay shared with the fork server)."""

import gc

import prefect.task_engine  # noqa: F401

import newswash.flows.ingest  # noqa: F401
from newswash.cleaners.extract import warm_up

warm_up()
gc.freeze()

"""What the fork server of the process pool (``flows/worker_pool.py``) loads once, for every
worker forked from it: Prefect's task engine, the task and the steps it runs, and the warm
state of extraction (``cleaners.extract.warm_up``)."""

import prefect.task_engine  # noqa: F401

import newswash.flows.ingest  # noqa: F401
from newswash.cleaners.extract import warm_up

warm_up()

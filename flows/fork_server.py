"""The fork server the process pool's workers are forked from (``flows/worker_pool.py``).

It imports and warms, once, what every worker needs (``newswash.flows.worker_preload``), so a
worker is warm from its first batch. A run starts it first thing, before it imports Prefect
itself, so that it warms up while the Prefect server boots; this module imports nothing heavy.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver

PRELOAD = ["newswash.flows.worker_preload"]


def preload() -> None:
    """Have the fork server, when it starts, import ``PRELOAD`` (it starts with the first worker)."""
    multiprocessing.set_forkserver_preload(PRELOAD)


def start_fork_server() -> None:
    """Start the fork server now, unless it runs already."""
    preload()
    multiprocessing.forkserver.ensure_running()

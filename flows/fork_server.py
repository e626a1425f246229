"""The fork server the process pool's workers are forked from (``flows/worker_pool.py``).

It imports and warms, once, what every worker needs (``newswash.flows.worker_preload``), so a
worker is warm from its first batch. A run with a big input starts it first thing, before it
imports Prefect itself, so that it warms up while the Prefect server boots (its warm-up, 6
CPU-s, costs a small run more than it saves: such a run spawns its workers as Prefect does,
``flows/executor_choice.py``); this module imports nothing heavy.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver

PRELOAD = ["newswash.flows.worker_preload"]
_started = False


def start_fork_server() -> None:
    """Start the fork server now (it imports ``PRELOAD``), unless it runs already."""
    global _started
    multiprocessing.set_forkserver_preload(PRELOAD)
    multiprocessing.forkserver.ensure_running()
    _started = True


def started() -> bool:
    """Whether this process started the fork server (its pool's workers then fork from it)."""
    return _started

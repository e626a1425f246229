"""Prefect's process pool, its workers forked from a warm fork server instead of spawned cold.

A spawned worker imports Prefect and the steps and warms trafilatura's date parser and the
language model before its first batch: about 5 s of CPU a worker, measured, more than a run
of a thousand pages spends extracting. Here one fork server does that once
(``newswash.flows.worker_preload``), and each worker is a fork of it, warm from the start.
A run with a big input starts the fork server first thing (``flows/fork_server.py``), so it
warms up while the Prefect server boots. Everything else is Prefect's ``ProcessPoolTaskRunner`` (its task
engine, its forwarding of logs and events), with the fork server as its start method.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Self

from prefect.task_runners import ProcessPoolTaskRunner, _initialize_process_pool_worker

from newswash.flows.fork_server import started


class WarmProcessPool(ProcessPoolTaskRunner):
    """``ProcessPoolTaskRunner`` whose workers the fork server starts, when the run started one
    (else Prefect's own, spawning them)."""

    def __enter__(self) -> Self:
        super().__enter__()
        if not started():
            return self
        # Prefect's executor, on the spawn method, has started no worker yet: replace it
        # with the same one on the fork server. (Prefect enters a copy of the runner in each
        # task run's context, in the workers too: nothing starts until a task is submitted.)
        self._executor.shutdown()
        self._executor = ProcessPoolExecutor(
            max_workers=self._max_workers, mp_context=multiprocessing.get_context("forkserver"),
            initializer=_initialize_process_pool_worker,
            initargs=(self._subprocess_message_queue, self._initializer, self._initargs),
        )
        return self

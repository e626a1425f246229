"""The fork server the process pool's workers are forked from (``flows/worker_pool.py``).

It imports and warms, once, what every worker needs (``newswash.flows.worker_preload``), so a
worker is warm from its first batch. A run with a big input starts it while the Prefect server
boots (its warm-up costs a small run more than it saves: such a run spawns its workers as
Prefect does, ``flows/executor_choice.py``).

It is multiprocessing's own fork server (``multiprocessing.forkserver.main``, the same protocol
and the same workers), started as a fork of the run's process instead of a new interpreter:
the run has imported Prefect and the flows by then (1.9 CPU-s that a new interpreter would
import again, on the path to the first batch while the Prefect server boots), and has started
no thread yet, so the fork is safe. The fork keeps only the descriptors the server needs.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import threading
from multiprocessing import connection, forkserver, resource_tracker, util

PRELOAD = ["newswash.flows.worker_preload"]
_started = False


def start_fork_server() -> None:
    """Start the fork server now (it imports ``PRELOAD``), unless it runs already: a fork of
    this process, or, where a thread runs already (forking would copy its locks held), a new
    interpreter, as multiprocessing starts it."""
    global _started
    if _started:
        return
    if threading.active_count() > 1:
        multiprocessing.set_forkserver_preload(PRELOAD)
        forkserver.ensure_running()
    else:
        _fork_server()
    _started = True


def _fork_server() -> None:
    """What ``multiprocessing.forkserver.ensure_running`` does, the server forked instead of
    spawned: the same listening socket, "alive" pipe and record of them."""
    resource_tracker.ensure_running()  # its workers share the run's tracker, as forkserver's do
    with socket.socket(socket.AF_UNIX) as listener:
        address = connection.arbitrary_address("AF_UNIX")
        listener.bind(address)
        if not util.is_abstract_socket_namespace(address):
            os.chmod(address, 0o600)
        listener.listen()
        alive_r, alive_w = os.pipe()  # EOF when the run (every holder of alive_w) is gone
        pid = os.fork()
        if pid == 0:
            _serve(listener.fileno(), alive_r)
        os.close(alive_r)
    server = forkserver._forkserver
    server._forkserver_address, server._forkserver_alive_fd, server._forkserver_pid = address, alive_w, pid


def _serve(listener: int, alive_r: int) -> None:
    """The forked child: multiprocessing's fork server on ``listener``, with no descriptor of
    the run's but the standard streams; it ends, without the run's exit handlers, when the run does."""
    try:
        low = 3
        for fd in sorted((listener, alive_r)):
            os.closerange(low, fd)
            low = fd + 1
        os.closerange(low, os.sysconf("SC_OPEN_MAX"))
        forkserver.main(listener, alive_r, PRELOAD)
    finally:
        os._exit(0)


def started() -> bool:
    """Whether this process started the fork server (its pool's workers then fork from it)."""
    return _started

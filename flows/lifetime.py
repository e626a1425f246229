"""Child processes that die with the run that started them, however it ends (SIGKILL included).

Two mechanisms, each for what the other cannot reach:

- `die_with_parent`, called in a child (the process pool's workers, as their initializer):
  on Linux the kernel signals the child when its parent dies (`prctl(PR_SET_PDEATHSIG)`).
  That signal also comes when the parent *thread* that started the child exits, so it is a
  catchable one whose handler first checks that the parent process is really gone
  (`getppid()` changed). Elsewhere (macOS and the BSDs have no PDEATHSIG) a daemon thread
  polls `getppid()`.
- `reap_on_exit`, called once in the run's process: a small watcher process notes the run's
  descendants every `POLL_SECONDS` (psutil, so any OS) and kills them when the run ends:
  the Prefect servers (Prefect's ephemeral one, `serve`'s), the multiprocessing resource
  tracker, Dask's worker processes, and anything else started from the run, which runs no
  code of ours. Dask's workers also exit by themselves when their nanny's process goes
  (distributed's `parent_alive_pipe`), and the resource tracker when every process holding
  its pipe is gone.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

import psutil

PR_SET_PDEATHSIG = 1
PARENT_GONE_SIGNAL = signal.SIGUSR2
POLL_SECONDS = 0.5
_watcher: subprocess.Popen[bytes] | None = None


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def die_with_parent(parent: int | None = None) -> None:
    """Make this process end as soon as its parent process (`parent`, by default the current one) ends."""
    parent = parent or os.getppid()
    if sys.platform == "linux":
        def on_signal(_signum: int, _frame: FrameType | None) -> None:
            if os.getppid() != parent:  # the process is gone, not just the thread that started us
                _kill_self()

        signal.signal(PARENT_GONE_SIGNAL, on_signal)
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(PARENT_GONE_SIGNAL), 0, 0, 0)
    else:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(POLL_SECONDS)
            _kill_self()

        threading.Thread(target=watch, name="newswash-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent died before we were set up
        _kill_self()


def reap_on_exit() -> None:
    """Start (once a process) the watcher that kills this process's descendants when it ends."""
    global _watcher
    if _watcher is None:
        # Its own session: Ctrl-C on the terminal is for the run, not for the watcher.
        _watcher = subprocess.Popen([sys.executable, "-m", "newswash.flows.lifetime", str(os.getpid())],
                                    stdin=subprocess.DEVNULL, start_new_session=True)


def _watch(parent: int) -> None:
    """Note `parent`'s descendants while it lives (it is ours); kill the last ones noted when it ends."""
    me = os.getpid()
    known: list[psutil.Process] = []
    while os.getppid() == parent:
        try:
            known = [p for p in psutil.Process(parent).children(recursive=True) if p.pid != me]
        except psutil.Error:
            break
        time.sleep(POLL_SECONDS)
    for process in known:
        try:
            process.kill()  # psutil refuses a pid that now names another process
        except psutil.Error:
            pass


if __name__ == "__main__":
    _watch(int(sys.argv[1]))

"""One writer at a time: an OS file lock beside the warehouse, released even on SIGKILL."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from newswash.errors import NewswashError

POLL_SECONDS = 0.5


def lock_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".lock")


@contextmanager
def writer_lock(db_path: Path, wait: float, on_wait: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold the warehouse's writer lock; wait up to `wait` seconds for another writer to finish."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        deadline = time.monotonic() + wait
        announced = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                if time.monotonic() >= deadline:
                    raise NewswashError(
                        f"another run ({holder}) is writing to {db_path}; gave up after {wait:g} s"
                    ) from None
                if not announced:
                    on_wait(f"waiting for another run ({holder}) to finish writing to {db_path}")
                    announced = True
                time.sleep(POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)

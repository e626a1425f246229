"""The run's connection to the warehouse, holding the file only while it is used.

DuckDB lets one process open a file for writing, and while it is open nobody else can open
it, even to read. So the run's connection lets go of the file outside a transaction as soon
as someone waits for it (newswash's readers leave a note while they wait: `store.connect`),
or when it has been idle for `IDLE_SECONDS` (for other tools), and opens it again on its
next statement. Readers open the file read-only in between (they wait up to
`store.OPEN_WAIT_SECONDS` for a batch being loaded) and see the batches committed so far,
each whole: a batch is one transaction, and closing checkpoints it into the file. Letting go
costs the run a checkpoint and a reopen, so it does not when nobody asks (when it let go
after every quarter second idle, the close and the reopen were 8% of a run's flow-process
samples in a py-spy profile of 30,000 short texts).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from newswash.warehouse.store import (DUCKDB_SETTINGS, OPEN_POLL_SECONDS, OPEN_WAIT_SECONDS, apply_settings, connect,
                                      open_warehouse, someone_waits)

IDLE_SECONDS = 2.0
ASKED_IDLE_SECONDS = 0.02  # idle time after which a waiting reader gets the file
# A statement's result not fetched yet, or a registered table, holds the file: closing would
# lose them. An unfetched result (an INSERT's, say) stops holding it after this long.
UNFETCHED_SECONDS = 5.0


class SharedConnection:
    """The part of `duckdb.DuckDBPyConnection` newswash uses, opened on demand and closed when
    idle. `execute` returns the connection, so `con.execute(sql).fetchall()` reads as usual."""

    def __init__(self, path: Path, settings: dict[str, str], wait: float) -> None:
        self.path, self._settings, self._wait = path, settings, wait
        self._con: duckdb.DuckDBPyConnection | None = None
        self._in_transaction = False
        self._registered = 0
        self._unfetched = False
        self._last_use = time.monotonic()
        self._lock = threading.RLock()
        self._closed = threading.Event()
        threading.Thread(target=self._release_when_idle, name="newswash-warehouse-idle", daemon=True).start()

    def _open(self) -> duckdb.DuckDBPyConnection:
        self._last_use = time.monotonic()
        if self._con is None:
            self._con = connect(self.path, read_only=False, wait=self._wait)
            apply_settings(self._con, self._settings)
        return self._con

    def execute(self, sql: str, parameters: Any = None) -> SharedConnection:
        with self._lock:
            self._open().execute(sql, parameters)
            verb = sql.lstrip()[:8].upper()
            control = verb.startswith(("BEGIN", "COMMIT", "ROLLBACK"))  # no result to lose
            self._unfetched = not control
            if control:
                self._in_transaction = verb.startswith("BEGIN")
            return self

    def executemany(self, sql: str, parameters: Any) -> SharedConnection:
        with self._lock:
            self._open().executemany(sql, parameters)
            return self

    def register(self, name: str, table: Any) -> None:
        with self._lock:
            self._open().register(name, table)
            self._registered += 1

    def unregister(self, name: str) -> None:
        with self._lock:
            self._open().unregister(name)
            self._registered -= 1

    def load_extension(self, path: str) -> None:
        with self._lock:
            self._open().load_extension(path)

    def fetchone(self) -> tuple[Any, ...] | None:
        with self._lock:
            self._unfetched = False
            return self._open().fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        with self._lock:
            self._unfetched = False
            return self._open().fetchall()

    def fetch_arrow_table(self) -> Any:
        with self._lock:
            self._unfetched = False
            return self._open().fetch_arrow_table()

    @property
    def description(self) -> Any:
        with self._lock:
            return self._open().description

    def release(self) -> None:
        """Let go of the file now, unless a transaction is open."""
        with self._lock:
            if self._con is not None and not self._in_transaction:
                self._con.close()
                self._con = None

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._in_transaction = False
            self.release()

    def _release_when_idle(self) -> None:
        while not self._closed.wait(OPEN_POLL_SECONDS):
            if self._con is None or self._registered:
                continue
            asked = someone_waits(self.path)
            with self._lock:
                idle = time.monotonic() - self._last_use
                wanted = UNFETCHED_SECONDS if self._unfetched else ASKED_IDLE_SECONDS if asked else IDLE_SECONDS
                if not self._registered and idle >= wanted:
                    self.release()


@contextmanager
def open_shared(path: Path, settings: dict[str, str] = DUCKDB_SETTINGS,
                wait: float = OPEN_WAIT_SECONDS) -> Iterator[SharedConnection]:
    """The run's connection to the warehouse at `path` (schema brought up to date first)."""
    with open_warehouse(path, settings=settings, wait=wait):
        pass
    con = SharedConnection(Path(path), settings, wait)
    try:
        yield con
    finally:
        con.close()

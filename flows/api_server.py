"""A Prefect API server in a process of its own, started without importing Prefect.

Prefect's server takes seconds to start (it imports its whole API), so a run starts it first
thing and imports Prefect and warms its workers while it boots (``newswash/commands/ingest.py``).
Two kinds: ``ephemeral``, what Prefect starts for a run with no API (the command of Prefect's
``SubprocessASGIServer``: the API alone, Prefect's ephemeral-mode services), and ``full``,
``prefect server start`` (API, scheduler and UI), which ``newswash serve`` keeps.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from newswash.errors import NewswashError

STARTUP_SECONDS = 120
URL_FILE = "api_url"  # under `serve`'s home: the URL of its server while it runs
STOP_SECONDS = 20
# As Prefect's SubprocessASGIServer runs its ephemeral server: the API without the UI.
EPHEMERAL_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str, timeout: float = 2) -> bool:
    """Whether the API at ``url`` answers its health check."""
    try:
        return httpx.get(f"{url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


class ApiServer:
    """A started server process: ``url`` once ``wait_healthy`` returns; ``stop`` ends it."""

    def __init__(self, command: list[str], port: int, env: dict[str, str], log: IO[bytes] | None) -> None:
        self.url = f"http://127.0.0.1:{port}/api"
        self._log = log
        self._process = subprocess.Popen(
            command, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
            start_new_session=True,
        )

    @classmethod
    def ephemeral(cls) -> ApiServer:
        """The API alone, for one run (Prefect's ephemeral server, its database in PREFECT_HOME)."""
        port = _free_port()
        command = [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
                   "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"]
        return cls(command, port, EPHEMERAL_ENV, None)

    @classmethod
    def full(cls, home: Path, port: int | None = None) -> ApiServer:
        """API, scheduler and UI, with its state under ``home`` and its log in ``home/server.log``."""
        home.mkdir(parents=True, exist_ok=True)
        port = port or _free_port()
        url = f"http://127.0.0.1:{port}/api"
        command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
        # The UI must call this server's API, not the default port's.
        return cls(command, port, {"PREFECT_HOME": str(home), "PREFECT_UI_API_URL": url}, (home / "server.log").open("ab"))

    def wait_healthy(self) -> str:
        """The URL, once the server answers; a clear error if it exits or stays silent."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise NewswashError(f"the local Prefect server exited with status {self._process.returncode}")
            if healthy(self.url):
                return self.url
            time.sleep(0.1)
        raise NewswashError(f"the local Prefect server did not answer within {STARTUP_SECONDS} s")

    def stop(self) -> None:
        """End the server (its whole process group), politely first."""
        try:
            os.killpg(self._process.pid, signal.SIGTERM)
            self._process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        except ProcessLookupError:
            pass
        if self._log:
            self._log.close()


def running_api(home: Path) -> str | None:
    """The API URL of the `serve` server kept under `home`, when it is up and answers."""
    try:
        url = (home / URL_FILE).read_text("utf-8").strip()
    except OSError:
        return None
    return url if url and healthy(url, timeout=1) else None


@contextmanager
def run_api(home: Path) -> Iterator[ApiServer | None]:
    """The server a run starts for itself, started now (it boots while the run imports and
    warms up) and stopped at the end, its URL in PREFECT_API_URL meanwhile (so Prefect,
    imported after, and every process started from here use it): none when an API is
    configured or `serve`'s server under `home` answers."""
    if os.environ.get("PREFECT_API_URL") or running_api(home):
        yield None
        return
    server = ApiServer.ephemeral()
    os.environ["PREFECT_API_URL"] = server.url
    try:
        yield server
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        server.stop()

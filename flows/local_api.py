"""The Prefect API a run reports to: PREFECT_API_URL when set, else a local server.

`serve` keeps a server (API, scheduler, UI) under `warehouse/prefect/` and writes its URL to
`api_url` there; an ingest reuses that server when it answers, else starts Prefect's
ephemeral server for its own life (about 5 s of start-up).
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

import httpx
from prefect.events.worker import EventsWorker
from prefect.logging import get_logger
from prefect.logging.handlers import APILogWorker
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

from newswash.errors import NewswashError

STARTUP_SECONDS = 120
DRAIN_SECONDS = 30
URL_FILE = "api_url"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str, timeout: float = 2) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NewswashError(f"the local Prefect server exited with status {process.returncode}")
        if _healthy(url):
            return
        time.sleep(0.2)
    raise NewswashError(f"the local Prefect server did not answer within {STARTUP_SECONDS} s")


@contextmanager
def _using(url: str) -> Iterator[str]:
    """`url` as this process's Prefect API, and its children's (through the environment)."""
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            try:
                yield url
            finally:
                # Send the logs and events still queued while `url` is the API: left for
                # exit, they would find no API and start a server of their own.
                APILogWorker.drain_all(timeout=DRAIN_SECONDS)
                EventsWorker.drain_all(timeout=DRAIN_SECONDS)
    finally:
        os.environ.pop("PREFECT_API_URL", None)


@contextmanager
def prefect_api(home: Path, port: int | None = None) -> Iterator[str]:
    """Yield the API URL in use: the configured server, or a local one (with its UI) run under
    `home`, its URL in `home/api_url` while it runs (so ingests use it too)."""
    if configured := os.environ.get("PREFECT_API_URL"):
        yield configured
        return
    home.mkdir(parents=True, exist_ok=True)
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}/api"
    # The UI must call this server's API, not the default port's.
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_UI_API_URL": url}
    log = (home / "server.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        _wait_healthy(url, process)
        with _using(url):
            (home / URL_FILE).write_text(url, "utf-8")
            yield url
    finally:
        (home / URL_FILE).unlink(missing_ok=True)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def running_api(home: Path) -> str | None:
    """The API URL of the `serve` server kept under `home`, when it is up and answers."""
    try:
        url = (home / URL_FILE).read_text("utf-8").strip()
    except OSError:
        return None
    return url if url and _healthy(url, timeout=1) else None


def share_ephemeral_api() -> None:
    """Let task runs in worker processes report to this process's API.

    With no API configured, Prefect starts an ephemeral server in each process that needs
    one, so each pool worker would start its own. Start this process's now and hand its
    URL to the workers through the environment they inherit."""
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url


@contextmanager
def local_api(home: Path) -> Iterator[None]:
    """A Prefect API for one run and its workers: the configured one, else the server `serve`
    keeps under `home` when it answers, else Prefect's ephemeral server, shared."""
    if get_current_settings().api.url:
        yield
    elif url := running_api(home):
        get_logger("local_api").info("Using the Prefect server of `newswash serve` at %s", url)
        with _using(url):
            yield
    else:
        share_ephemeral_api()
        yield

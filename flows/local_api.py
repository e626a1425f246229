"""A Prefect API for scheduled runs: PREFECT_API_URL when set, else a local server this process starts."""

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
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

from newswash.errors import NewswashError

STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NewswashError(f"the local Prefect server exited with status {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise NewswashError(f"the local Prefect server did not answer within {STARTUP_SECONDS} s")


@contextmanager
def prefect_api(home: Path, port: int | None = None) -> Iterator[str]:
    """Yield the API URL in use: the configured server, or a local one (with its UI) run under `home`."""
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
        os.environ["PREFECT_API_URL"] = url  # for the flow-run processes the runner starts
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def share_ephemeral_api() -> None:
    """Let task runs in worker processes report to this process's API.

    With no API configured, Prefect starts an ephemeral server in each process that needs
    one, so each pool worker would start its own. Start this process's now and hand its
    URL to the workers through the environment they inherit."""
    if get_current_settings().api.url:
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url

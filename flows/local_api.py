"""The Prefect API a run reports to: PREFECT_API_URL when set, else a local server.

`serve` keeps a server (API, scheduler, UI) under `warehouse/prefect/` and writes its URL to
`api_url` there; an ingest reuses that server when it answers, else runs Prefect's ephemeral
server for its own life (``flows/api_server.py``; about 5 s of start-up, which the CLI overlaps
with its imports by starting it first).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import certifi
from prefect.context import refresh_global_settings_context
from prefect.events.worker import EventsWorker
from prefect.logging import get_logger
from prefect.logging.handlers import APILogWorker
from prefect.settings import (
    PREFECT_API_SSL_CERT_FILE, PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, get_current_settings,
    temporary_settings,
)

from newswash.flows.api_server import URL_FILE, ApiServer, running_api

DRAIN_SECONDS = 30


@contextmanager
def _using(url: str, own_server: bool = False) -> Iterator[str]:
    """`url` as this process's Prefect API, its threads' (Prefect's global settings, which a
    thread without a settings context reads) and its children's (through the environment).
    ``own_server``: the run's own server, which ends with the run and which nothing watches
    for flow-run heartbeats, so none are sent: Prefect's heartbeat thread sleeps a whole
    second at a time and every flow waits for it at its end (0.8 s of a 17 s WARC ingest); and
    Prefect's clients of it (one a task run) build their TLS context from a CA file of one
    certificate (``_one_certificate``)."""
    os.environ["PREFECT_API_URL"] = url
    refresh_global_settings_context()
    updates = {PREFECT_API_URL: url}
    if own_server:
        updates.update({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None, PREFECT_API_SSL_CERT_FILE: _one_certificate()})
    try:
        with temporary_settings(updates=updates):
            try:
                yield url
            finally:
                # Send the logs and events still queued while `url` is the API: left for
                # exit, they would find no API and start a server of their own.
                APILogWorker.drain_all(timeout=DRAIN_SECONDS)
                EventsWorker.drain_all(timeout=DRAIN_SECONDS)
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        refresh_global_settings_context()


def _one_certificate() -> str:
    """A CA file holding the first certificate of certifi's bundle, under PREFECT_HOME. Prefect
    builds a TLS context for every API client it makes, a task run's on a worker too, from
    the whole bundle (27 ms each, 6.4% of the workers' CPU on 100,000 short texts); the run's
    own server is plain HTTP on 127.0.0.1, so no context it builds is ever used."""
    path = Path(get_current_settings().home) / "loopback-ca.pem"
    if not path.exists():
        bundle = Path(certifi.where()).read_text("utf-8")
        end = bundle.index(_PEM_END) + len(_PEM_END)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}")
        partial.write_text(bundle[bundle.index(_PEM_BEGIN) : end] + "\n", "utf-8")
        os.replace(partial, path)
    return str(path)


_PEM_BEGIN, _PEM_END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"


@contextmanager
def prefect_api(home: Path, port: int | None = None) -> Iterator[str]:
    """Yield the API URL in use: the configured server, or a local one (with its UI) run under
    `home`, its URL in `home/api_url` while it runs (so ingests use it too)."""
    if configured := os.environ.get("PREFECT_API_URL"):
        yield configured
        return
    server = ApiServer.full(home, port)
    try:
        with _using(server.wait_healthy()) as url:
            (home / URL_FILE).write_text(url, "utf-8")
            yield url
    finally:
        (home / URL_FILE).unlink(missing_ok=True)
        server.stop()


@contextmanager
def local_api(home: Path, started: ApiServer | None = None) -> Iterator[None]:
    """A Prefect API for one run and its workers, shared with them through the environment:
    ``started``, the run's own server when its caller has started one (and stops it); else the
    configured one; else the server `serve` keeps under `home` when it answers; else one
    started now, for the run's life."""
    if started:
        with _using(started.wait_healthy(), own_server=True):
            yield
    elif get_current_settings().api.url:
        yield
    elif url := running_api(home):
        get_logger("local_api").info("Using the Prefect server of `newswash serve` at %s", url)
        with _using(url):
            yield
    else:
        server = ApiServer.ephemeral()
        try:
            with _using(server.wait_healthy(), own_server=True):
                yield
        finally:
            server.stop()

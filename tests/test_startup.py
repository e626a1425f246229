"""Start-up: tiny local inputs run without a process pool; an ingest reuses the server `serve` keeps."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
from prefect import flow
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, get_current_settings, temporary_settings

from conftest import FIXTURES
from newswash.flows.local_api import _using
from newswash.flows.executor_choice import TINY_INPUT_FILES, settings_for_run, tiny_input
from newswash.flows.api_server import URL_FILE, running_api
from newswash.settings import load_settings

SEEDS = FIXTURES / "cleaners" / "seeds"


def test_tiny_local_inputs_run_on_threads_unless_an_executor_is_asked_for(tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for i in range(TINY_INPUT_FILES + 1):
        (many / f"{i}.txt").write_text("words")
    records = tmp_path / "records.jsonl"
    records.write_text("{}\n")
    assert tiny_input([str(SEEDS)]) and tiny_input([str(next(SEEDS.glob("*.txt")))])
    assert not tiny_input([str(many)])
    assert not tiny_input([str(SEEDS), str(records)])
    assert not tiny_input(["https://news.example/feed.xml"]) and not tiny_input(["riverside"])
    settings = load_settings()
    assert settings.executor.kind == "processes"
    assert settings_for_run(settings, [str(SEEDS)], None).executor.kind == "local"
    assert settings_for_run(settings, [str(SEEDS)], "processes").executor.kind == "processes"
    assert settings_for_run(settings, [str(many)], None).executor.kind == "processes"


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_running_api_is_the_served_url_only_while_it_answers(tmp_path: Path) -> None:
    assert running_api(tmp_path) is None  # no serve ever ran here
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api"
    (tmp_path / URL_FILE).write_text(url)
    try:
        assert running_api(tmp_path) == url
    finally:
        server.shutdown()
        server.server_close()
    assert running_api(tmp_path) is None  # a stale file from a killed serve


@flow
def client_settings() -> tuple[int | None, str | None]:
    """What a flow run reads as its heartbeat frequency (None: no heartbeat thread) and as the
    CA file of its API clients' TLS context."""
    settings = get_current_settings()
    return settings.flows.heartbeat_frequency, settings.api.ssl_cert_file


def test_a_run_sends_no_heartbeats_to_its_own_server_and_loads_no_ca_bundle_for_it(prefect_api: str) -> None:
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 30}):
        with _using(prefect_api, own_server=True):
            heartbeat, ca_file = client_settings()
            assert heartbeat is None
            assert Path(ca_file).read_text("ascii").count("BEGIN CERTIFICATE") == 1
            assert ssl.create_default_context(cafile=ca_file).cert_store_stats()["x509_ca"] == 1
        with _using(prefect_api):  # serve's server or a configured API: Prefect's settings stand
            assert client_settings() == (30, get_current_settings().api.ssl_cert_file)



# A run's start, in a process of its own: the flows imported, a pipe open, the fork server
# started; a pool worker says who its parent is, and the fork server's descriptors are read.
FORK_SERVER_PROBE = """
import json, os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver, get_context
import psutil
import newswash.flows.ingest
from newswash.flows.fork_server import start_fork_server
import sys, threading, time
if sys.argv[1:] == ["threaded"]:  # a thread already runs: no fork
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
kept_r, kept_w = os.pipe()
start_fork_server()
server = forkserver._forkserver._forkserver_pid
with ProcessPoolExecutor(1, mp_context=get_context("forkserver")) as pool:
    worker_parent = pool.submit(os.getppid).result()
print(json.dumps({
    "run": os.getpid(), "server": server, "server_parent": psutil.Process(server).ppid(),
    "same_command": psutil.Process(server).cmdline() == psutil.Process().cmdline(),
    "worker_parent": worker_parent, "pipe": os.readlink(f"/proc/self/fd/{kept_w}"),
    "server_fds": [os.readlink(f"/proc/{server}/fd/{fd}") for fd in os.listdir(f"/proc/{server}/fd")],
}))
"""


def test_the_fork_server_is_a_fork_of_the_run_that_holds_none_of_its_descriptors_and_ends_with_it() -> None:
    probe = subprocess.run([sys.executable, "-c", FORK_SERVER_PROBE], capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout)
    assert seen["server_parent"] == seen["run"] and seen["same_command"]  # a fork of the run, not a new interpreter
    assert seen["worker_parent"] == seen["server"]  # the pool's workers fork from it
    assert seen["pipe"] not in seen["server_fds"]  # the run's other descriptors stay the run's
    deadline = time.monotonic() + 10
    while psutil.pid_exists(seen["server"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not psutil.pid_exists(seen["server"]), "the fork server outlived its run"


def test_a_process_with_a_thread_running_spawns_its_fork_server_instead() -> None:
    probe = subprocess.run([sys.executable, "-c", FORK_SERVER_PROBE, "threaded"], capture_output=True, text=True,
                           timeout=300)
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout)
    assert seen["server_parent"] == seen["run"] and not seen["same_command"]  # a new interpreter
    assert seen["worker_parent"] == seen["server"]

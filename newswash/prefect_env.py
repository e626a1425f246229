"""Prefect's environment defaults for every process newswash runs: no telemetry, no phoning home.

Set before Prefect is imported (from `newswash/__init__.py`), so the settings Prefect reads at
import see them, and every server, pool worker and Dask worker started from here inherits them.
A value already in the environment wins.
"""

from __future__ import annotations

import os

DEFAULTS: dict[str, str] = {
    # The servers' telemetry heartbeat (to Prefect, over the internet), in every server we start.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The client's usage events (Prefect's SDK analytics honour the DO_NOT_TRACK convention).
    "DO_NOT_TRACK": "1",
    # A first start migrates a new Prefect database: 20 s (Prefect's default) is not enough on a busy machine.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # Block types are registered for Prefect's blocks API, which newswash does not use;
    # checking them on every server start imports each Prefect collection installed
    # (prefect-dask: Dask and distributed), about 0.5 CPU-s of each run's server boot.
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}


def set_defaults() -> None:
    """Put each default into `os.environ` unless the variable is set already."""
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)

"""Which executor a run uses: the one asked for, else the configured one, except that a tiny
local input runs on threads, since starting a process pool costs more than it saves."""

from __future__ import annotations

from pathlib import Path

from newswash.settings import Settings
from newswash.sources.files import HTML_SUFFIXES, READABLE_SUFFIXES
from newswash.sources.warc import is_warc

# Up to this many one-article files run on threads: a pool's workers take seconds to start
# (each imports Prefect and trafilatura), one core extracts a page in tens of milliseconds.
TINY_INPUT_FILES = 30
# Local inputs of at least this many bytes in all have their workers forked from a warm fork
# server (``flows/fork_server.py``); smaller runs spawn them, as Prefect does: the fork
# server's warm-up (6 CPU-s spawned; about 3.3 forked from the run, which has imported Prefect
# and the flows already; measured) is worth it when there are pages enough to share it.
WARM_WORKERS_BYTES = 1_000_000
ONE_ARTICLE_SUFFIXES = HTML_SUFFIXES | {".txt"}


def _one_article_files(location: str, most: int) -> int | None:
    """How many one-article files `location` is (a file or folder), or None when that is not
    known cheaply (a URL, a source name, a .jsonl, WARC or .urls file) or is more than `most`."""
    path = Path(location)
    if path.is_file():
        return 1 if path.suffix.lower() in ONE_ARTICLE_SUFFIXES else None
    if not path.is_dir():
        return None
    count = 0
    for child in path.rglob("*"):
        if not child.is_file():
            continue
        suffix = child.suffix.lower()
        if (suffix in READABLE_SUFFIXES and suffix not in ONE_ARTICLE_SUFFIXES) or is_warc(child):
            return None  # records of unknown number
        count += suffix in ONE_ARTICLE_SUFFIXES
        if count > most:
            return None
    return count


def tiny_input(locations: list[str]) -> bool:
    """Whether the inputs are local files of at most TINY_INPUT_FILES articles in all."""
    total = 0
    for location in locations:
        count = _one_article_files(location, TINY_INPUT_FILES - total)
        if count is None:
            return False
        total += count
    return True


def warm_workers(locations: list[str]) -> bool:
    """Whether the local files and folders among ``locations`` hold WARM_WORKERS_BYTES or more."""
    total = 0
    for location in locations:
        path = Path(location)
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        for file in files:
            total += file.stat().st_size if file.is_file() else 0
            if total >= WARM_WORKERS_BYTES:
                return True
    return False


def settings_for_run(settings: Settings, locations: list[str], executor: str | None) -> Settings:
    """The settings with the executor this run uses (see the module docstring)."""
    if executor:
        return settings.with_executor(executor)
    if settings.executor.kind == "processes" and tiny_input(locations):
        from prefect.logging import get_logger  # here: a run decides before it imports Prefect

        get_logger("executor").info("a tiny local input: extracting on threads, without a process pool")
        return settings.with_executor("local")
    return settings

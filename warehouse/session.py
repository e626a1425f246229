"""A run's warehouse: everything the pipeline's steps, the crawl and the commands ask of the
DuckDB file, behind one object (the only way in from outside ``warehouse/``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from newswash.cleaners.boilerplate import LineCounts
from newswash.dedup import Assignment, DedupSettings, Fingerprints
from newswash.records import Article, Failure, StepCount
from newswash.sources.fetcher import Response
from newswash.sources.history import LastFetch
from newswash.warehouse import fetch_log, load, store
from newswash.warehouse.boilerplate import load_line_counts
from newswash.warehouse.lock import writer_lock
from newswash.warehouse.report import markdown_report
from newswash.warehouse.shared import open_shared
from newswash.warehouse.steps import record_steps
from newswash.warehouse.urls import stored_ids


class Warehouse:
    """One open warehouse connection and the questions and writes a run makes of it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.con, self.path = con, path

    @classmethod
    @contextmanager
    def for_writing(cls, path: Path, lock_wait: float,
                    on_wait: Callable[[str], None] = lambda _: None) -> Iterator[Warehouse]:
        """The warehouse at ``path``, with its writer lock held (waiting up to ``lock_wait`` s),
        through a connection that lets go of the file between batches (``warehouse/shared.py``)."""
        with writer_lock(path, lock_wait, on_wait=on_wait), open_shared(path, store.RUN_SETTINGS) as con:
            yield cls(con, Path(path))

    @property
    def warc_dir(self) -> Path:
        """``<warehouse>-warc/`` next to the DuckDB file: where raw responses are archived."""
        return self.path.with_name(f"{self.path.stem}-warc")

    # Runs.

    def start_run(self, inputs: list[str]) -> int:
        return store.start_run(self.con, inputs)

    def finish_run(self, run_id: int, status: str, counts: dict[str, int], steps: list[StepCount]) -> None:
        """Close the run with its counts and its steps' counts."""
        store.finish_run(self.con, run_id, status, counts)
        record_steps(self.con, run_id, steps)

    def failure_reasons(self, run_id: int) -> dict[str, int]:
        return store.failure_reasons(self.con, run_id)

    def run_report(self, run_id: int) -> str:
        """The run's report as Markdown (for the Prefect artifact)."""
        return markdown_report(self.con, run_id)

    # The crawl's fetch history (``newswash.sources.history.FetchHistory``).

    def known_urls(self, urls: list[str]) -> set[str]:
        return set(stored_ids(self.con, urls))

    def first_fetches(self, urls: list[str]) -> dict[str, tuple[int, datetime]]:
        return store.first_fetches(self.con, urls)

    def last_fetches(self, urls: list[str]) -> dict[str, LastFetch]:
        return fetch_log.last_fetches(self.con, urls)

    def record_fetches(self, run_id: int, rows: list[tuple[Response, str, str | None, dict]]) -> None:
        fetch_log.record(self.con, run_id, rows)

    # Steps.

    def line_counts(self, sources: Sequence[str | None], hashes: Sequence[Sequence[int]],
                    stories: Iterable[tuple[str, int]]) -> LineCounts:
        """Stored learned-boilerplate counts of the line hashes ``hashes[i]`` of source ``sources[i]``
        and of their sources, and which of these (source, story key) pairs are counted."""
        return load_line_counts(self.con, sources, hashes, stories)

    def cluster(self, articles: list[Article], fingerprints: Fingerprints, settings: DedupSettings,
                alone: bool = False) -> tuple[np.ndarray, Assignment]:
        """Ids for new articles and their clusters with everything stored, or (``alone``) among
        themselves only (nothing written)."""
        return load.cluster_batch(self.con, articles, fingerprints, settings, alone)

    def stored_texts(self, ids: list[int]) -> dict[int, tuple[str | None, str]]:
        """(title, body) of stored articles, by id: their latest versions."""
        return store.stored_texts(self.con, ids)

    def load(self, run_id: int, ids: np.ndarray | None, articles: list[Article], fingerprints: Fingerprints | None,
             clusters: Assignment | None, settings: DedupSettings, line_counts: LineCounts | None,
             failures: list[Failure], pending: bool = False) -> None:
        """A clustered batch (new articles and revisions of stored ones) and its failures, in one
        transaction (``pending``: a backfill's batch, clustered within itself so far)."""
        load.write_batch(self.con, run_id, ids, articles, fingerprints, clusters, settings, line_counts, failures,
                         pending)

    def revised(self, run_id: int) -> int:
        """Articles the run stored a new version of."""
        return store.revised(self.con, run_id)

    # Backfills (``ingest --bulk``).

    def pending_count(self) -> int:
        """Articles of a backfill waiting for their clusters across batches."""
        return load.pending_count(self.con)

    def pending_keys(self, settings: DedupSettings) -> Iterator[pa.Table]:
        """Band keys of the pending articles, in tables of rows (key, id, batch)."""
        return load.pending_keys(self.con, settings)

    def cluster_pending(self, run_id: int, settings: DedupSettings,
                        across: tuple[np.ndarray, np.ndarray]) -> Assignment:
        """The pending articles' clusters across batches (``across``: their candidate pairs) and
        with those stored before them, in one transaction."""
        return load.cluster_pending(self.con, run_id, settings, across)

    # Reprocessing.

    def archived_articles(self) -> list[tuple[int, str, str, str | None, str, int]]:
        """(id, url, source, final_url, warc_path, warc_offset) of every article with an archived response, by id."""
        return load.archived_articles(self.con)

    def update(self, run_id: int, ids: list[int], articles: list[Article], fingerprints: Fingerprints | None,
               failures: list[Failure]) -> None:
        """Re-extracted articles in place of the stored ones (fields, cleaning log, signatures), one transaction."""
        load.update_articles(self.con, run_id, ids, articles, fingerprints, failures)

    def recluster(self, run_id: int, settings: DedupSettings) -> Assignment:
        """Every cluster formed again from the stored signatures."""
        return load.recluster_all(self.con, run_id, settings)

"""Fetch progress: a bar on an interactive terminal, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from collections import Counter

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn

from newswash.sources.fetcher import Response

LINE_EVERY = 5.0  # seconds between two plain progress lines


class Progress:
    """Counts responses by outcome and shows them; `mode` is auto, bar, lines or off."""

    def __init__(self, mode: str) -> None:
        self.mode = ("bar" if sys.stderr.isatty() else "lines") if mode == "auto" else mode
        self.total = 0
        self.outcomes: Counter = Counter()
        self._last_line = time.monotonic()
        self._bar: Bar | None = None
        self._task = None

    def add(self, n: int) -> None:
        """`n` more requests to come."""
        self.total += n
        if self.mode == "bar" and n:
            if self._bar is None:
                self._bar = Bar(TextColumn("fetching"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                                TimeElapsedColumn(), console=Console(stderr=True), transient=True)
                self._bar.start()
                self._task = self._bar.add_task("", total=0)
            self._bar.update(self._task, total=self.total)

    def done(self, response: Response) -> None:
        """One request finished."""
        self.outcomes[response.outcome] += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=self._summary())
        elif self.mode == "lines" and time.monotonic() - self._last_line >= LINE_EVERY:
            self._last_line = time.monotonic()
            print(f"newswash: fetched {sum(self.outcomes.values())}/{self.total}: {self._summary()}",
                  file=sys.stderr, flush=True)

    def _summary(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

"""Learned-boilerplate counts summed beside the warehouse (``<warehouse>-lines/``), probed for a
batch's own lines and stories, so that reading them costs what the batch costs.

In DuckDB, ``source_lines`` and ``source_stories`` are logs (a row per batch, source and line
or story), committed with the batch's articles: the truth (``warehouse/boilerplate.py`` keeps
this folder caught up with them). Here, the log rows up to batch ``covered``: line counts in
sorted segments (``dedup/segments.py``) keyed by source and line hash together, summed when
probed, and the counted stories keyed alike. ``manifest.json`` (replaced atomically, written
last) says which segments count: other files are a crashed write's, and are removed.

A key is a 64-bit mix of the source's hash and the line's (or story's): two (source, line)
pairs share one by a chance of 2^-64, as two lines of a source share a line hash.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newswash.dedup.segments import SegmentState, Segments

MANIFEST = "manifest.json"
LINES = ("line-keys", "line-counts", np.uint32)  # file names and value type of the line counts' segments
STORIES = ("story-keys", "story-marks", np.uint8)


def pair_keys(sources: Sequence[str] | pa.Array | pa.ChunkedArray, values: np.ndarray) -> np.ndarray:
    """int64 key of each (``sources[i]``, ``values[i]``): splitmix64's finalizer over the
    source's hash times the golden ratio, xor the value (a bijection of the value per source)."""
    encoded = pc.dictionary_encode(pa.chunked_array([sources], pa.string()) if not isinstance(
        sources, (pa.Array, pa.ChunkedArray)) else sources).combine_chunks()
    if isinstance(encoded, pa.ChunkedArray):  # no chunks at all
        return np.zeros(0, np.int64)
    hashes = np.array([int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big")
                       for s in encoded.dictionary.to_pylist()], dtype=np.uint64)
    which = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    x = hashes[which] * np.uint64(0x9E3779B97F4A7C15) ^ np.asarray(values, dtype=np.int64).view(np.uint64)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x.view(np.int64)


@dataclass
class _Manifest:
    covered: int = -1  # the highest batch whose log rows are in (0: rows from before migration 020)
    lines: SegmentState = field(default_factory=SegmentState)
    stories: SegmentState = field(default_factory=SegmentState)


class LineIndex:
    """The summed line counts and the counted stories, in ``folder`` (created)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.m = self._read_manifest()
        self._remove_leftovers()

    @property
    def covered(self) -> int:
        return self.m.covered

    @property
    def entries(self) -> tuple[int, int]:
        """Log rows in: (lines, stories)."""
        return self.m.lines.entries, self.m.stories.entries

    def reset(self) -> None:
        """Forget everything (the next catch-up reads the logs from the start)."""
        self.m = _Manifest()
        self.save()

    def add(self, sources: Sequence[str] | pa.ChunkedArray, line_hashes: np.ndarray, articles: np.ndarray,
            story_sources: Sequence[str] | pa.ChunkedArray, stories: np.ndarray) -> None:
        """Log rows: line counts (``articles[i]`` articles of ``sources[i]`` carry ``line_hashes[i]``)
        and counted stories. Nothing counts before ``save``."""
        self._lines.append(pair_keys(sources, line_hashes), articles)
        self._stories.append(pair_keys(story_sources, stories), np.ones(len(stories), np.uint8))

    def save(self, covered: int | None = None) -> None:
        """The manifest, saying the logs are in up to batch ``covered``; then leftovers go."""
        if covered is not None:
            self.m.covered = covered
        tmp = self.folder / f"{MANIFEST}.tmp"
        tmp.write_text(json.dumps({"covered": self.m.covered, "lines": self.m.lines.__dict__,
                                   "stories": self.m.stories.__dict__}), "utf-8")
        os.replace(tmp, self.folder / MANIFEST)
        self._remove_leftovers()

    def line_counts(self, sources: Sequence[str], line_hashes: np.ndarray) -> np.ndarray:
        """The articles counted with each (``sources[i]``, ``line_hashes[i]``), 0 for a line never counted."""
        found, counts = self._lines.probe(pair_keys(sources, line_hashes))
        return np.bincount(found, weights=counts, minlength=len(sources)).astype(np.int64)

    def counted(self, sources: Sequence[str], stories: np.ndarray) -> np.ndarray:
        """Whether each (``sources[i]``, ``stories[i]``) was counted."""
        found, _ = self._stories.probe(pair_keys(sources, stories))
        seen = np.zeros(len(sources), bool)
        seen[found] = True
        return seen

    @property
    def _lines(self) -> Segments:
        return Segments(self.folder, self.m.lines, *LINES)

    @property
    def _stories(self) -> Segments:
        return Segments(self.folder, self.m.stories, *STORIES)

    def _read_manifest(self) -> _Manifest:
        try:
            m = json.loads((self.folder / MANIFEST).read_text("utf-8"))
            m = _Manifest(m["covered"], SegmentState(**m["lines"]), SegmentState(**m["stories"]))
        except (OSError, ValueError, KeyError, TypeError):
            return _Manifest()
        named = Segments(self.folder, m.lines, *LINES).files() | Segments(self.folder, m.stories, *STORIES).files()
        return m if all((self.folder / name).exists() for name in named) else _Manifest()

    def _remove_leftovers(self) -> None:
        named = {MANIFEST} | self._lines.files() | self._stories.files()
        for leftover in self.folder.iterdir():
            if leftover.name not in named:
                leftover.unlink()

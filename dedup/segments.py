"""Sorted (key, value) segments on disk, probed with ``np.searchsorted``: the dedup index's band
keys (``dedup/index.py``) and the warehouse's other lookups (``warehouse/sidecar.py``).

Each ``append`` writes one sorted segment (``<keys>-N.npy`` and ``<values>-N.npy`` in the folder,
memory-mapped when read); the two newest merge while the older is less than twice the newer (a
binary counter: about log2(entries / append) segments, each entry rewritten as often), in slices
of the key range so that a merge holds a few MB whatever the segments' size. Which segments count
is the owner's to save (``SegmentState``, in its manifest, written last): a file the state does not
name is a crashed write's or a merged segment's, and ``files`` lets the owner remove it.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

MERGE_SLICE = 4_000_000  # keys per slice of a merge (about 50 MB with their values)
PROBE_MAPPED = 32 << 20  # bytes of the largest segment's keys one slice of the probes spans (keys are hashes: uniform)


def probe_sorted(values: np.ndarray, ids: np.ndarray, probes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(probe index, id) for every ``values`` entry equal to a probe (``values`` sorted, ``ids[j]`` its id).
    Most probes find nothing: only those that do are searched for the end of their run."""
    lo = np.searchsorted(values, probes, "left")
    hit = np.flatnonzero(lo < len(values))
    hit = hit[np.asarray(values[lo[hit]]) == probes[hit]]
    lo = lo[hit]
    counts = np.searchsorted(values, probes[hit], "right") - lo
    starts = np.repeat(lo - np.cumsum(np.r_[0, counts[:-1]]), counts)
    return np.repeat(hit, counts), np.asarray(ids[starts + np.arange(counts.sum())])


@dataclass
class SegmentState:
    """What an owner saves of its segments: [number, length] of each, oldest first."""

    segments: list[list[int]] = field(default_factory=list)
    next_segment: int = 0
    entries: int = 0  # entries in the segments


class Segments:
    """The segments ``state`` names in ``folder``, files ``<keys>-N.npy`` (int64, sorted) and
    ``<values>-N.npy`` (``value_dtype``)."""

    def __init__(self, folder: Path, state: SegmentState, keys: str = "keys", values: str = "ids",
                 value_dtype: type = np.uint32) -> None:
        self.folder, self.state = Path(folder), state
        self.keys, self.values, self.value_dtype = keys, values, np.dtype(value_dtype)

    def files(self) -> set[str]:
        """The names of the files that count."""
        return {f"{kind}-{n}.npy" for n, _ in self.state.segments for kind in (self.keys, self.values)}

    def clear(self) -> None:
        """Forget every segment (their files become leftovers)."""
        self.state.segments, self.state.entries = [], 0

    def probe(self, probes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probe index, value) for every entry whose key is one of ``probes`` (int64), in all segments.
        The sorted probes are searched a slice at a time, each slice with the segments mapped
        afresh: a slice's binary searches stay in its share of the key range, so the pages they
        touch (which count in the process's memory while mapped) are about ``PROBE_MAPPED`` bytes
        of the keys, not all of them."""
        probes = np.asarray(probes, dtype=np.int64)
        order = np.argsort(probes)
        ordered = probes[order]
        largest = max((length for _, length in self.state.segments), default=0) * 8
        step = max(1, -(-len(ordered) * PROBE_MAPPED // max(largest, 1)))
        found_p, found_v = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for lo in range(0, len(ordered), step):
            for keys, values in self._opened():
                p, v = probe_sorted(keys, values, ordered[lo : lo + step])
                found_p.append(order[lo + p])
                found_v.append(v.astype(np.int64))
        return np.concatenate(found_p), np.concatenate(found_v)

    def append(self, keys: np.ndarray, values: np.ndarray) -> None:
        """One sorted segment of these entries, then the merges the binary counter asks for (the
        state names the result; the merged files stay until the owner removes them)."""
        if not len(keys):
            return
        assert np.max(values) <= np.iinfo(self.value_dtype).max, f"values beyond {self.value_dtype}"
        order = np.argsort(keys)
        n = self.state.next_segment
        with self._created(n, len(keys)) as (keys_out, values_out):
            np.asarray(keys, dtype=np.int64)[order].tofile(keys_out)
            np.asarray(values).astype(self.value_dtype, copy=False)[order].tofile(values_out)
        self.state.segments.append([n, len(keys)])
        self.state.entries += len(keys)
        segments = self.state.segments
        while len(segments) >= 2 and segments[-2][1] < 2 * segments[-1][1]:
            self._merge_last_two()

    def _paths(self, n: int) -> tuple[Path, Path]:
        return self.folder / f"{self.keys}-{n}.npy", self.folder / f"{self.values}-{n}.npy"

    def _opened(self, newest: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
        """(keys, values) of each segment (``newest``: of the newest that many), memory-mapped."""
        return [tuple(_mapped(path) for path in self._paths(n)) for n, _ in self.state.segments[-newest:]]

    @contextmanager
    def _created(self, n: int, length: int) -> Iterator[tuple[BinaryIO, BinaryIO]]:
        """Segment ``n``'s two files, their headers written, for the caller to write ``length``
        keys and values in order; on disk (``fsync``) when the block ends. The next segment
        number is ``n + 1``."""
        self.state.next_segment = n + 1
        keys, values = self._paths(n)
        with _npy(keys, _KEY, length) as keys_out, _npy(values, self.value_dtype, length) as values_out:
            yield keys_out, values_out

    def _merge_last_two(self) -> None:
        """The two newest segments as one, a slice of the key range at a time: read with ``pread``
        and written in order, not mapped, so that the process holds a slice, not the segments."""
        sources = [self._paths(n) for n, _ in self.state.segments[-2:]]
        mapped = [keys for keys, _ in self._opened(2)]
        if len(mapped[1]) > len(mapped[0]):  # the larger first
            sources, mapped = sources[::-1], mapped[::-1]
        splits = np.asarray(mapped[0][MERGE_SLICE::MERGE_SLICE])
        bounds = [np.r_[0, np.searchsorted(keys, splits), len(keys)] for keys in mapped]
        n, length = self.state.next_segment, len(mapped[0]) + len(mapped[1])
        del mapped
        with self._created(n, length) as (keys_out, values_out):
            for s in range(len(splits) + 1):
                (ka, va), (kb, vb) = [(_read(keys, lo, hi), _read(values, lo, hi)) for (keys, values), (lo, hi)
                                      in zip(sources, (bounds[0][s : s + 2], bounds[1][s : s + 2]))]
                # A stable sort of two sorted runs is their merge (timsort finds the runs: linear),
                # an equal key of the larger segment first.
                keys = np.concatenate([ka, kb])
                order = np.argsort(keys, kind="stable")
                keys[order].tofile(keys_out)
                np.concatenate([va, vb]).astype(self.value_dtype, copy=False)[order].tofile(values_out)
        self.state.segments[-2:] = [[n, self.state.segments[-2][1] + self.state.segments[-1][1]]]


_KEY = np.dtype(np.int64)
# (segment file, its size in bytes) → (where its data starts, dtype, entries), from its header
_LAYOUTS: dict[tuple[Path, int], tuple[int, np.dtype, int]] = {}


@contextmanager
def _npy(path: Path, dtype: np.dtype, length: int) -> Iterator[BinaryIO]:
    """An ``.npy`` file of ``length`` entries of ``dtype`` (what ``np.save`` writes), created with
    its header, to write the data into; flushed to disk when the block ends."""
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (length,)})
        _LAYOUTS[path, f.tell() + length * dtype.itemsize] = (f.tell(), dtype, length)
        yield f
        f.flush()
        os.fsync(f.fileno())


def _header(f: BinaryIO) -> tuple[np.dtype, int]:
    """Read an ``.npy`` file's header: its array's dtype and length (the file is then at the data)."""
    version = np.lib.format.read_magic(f)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read_header(f)
    return dtype, shape[0]


def _layout(path: Path, size: int) -> tuple[int, np.dtype, int]:
    """Where a segment file's data starts, its dtype and entries, its header read once a file
    and size (a file is rewritten under its name only by a sidecar's reset: a header is the
    same for every file of one dtype and size)."""
    layout = _LAYOUTS.get((path, size))
    if layout is None:
        with open(path, "rb") as f:
            dtype, length = _header(f)
            layout = _LAYOUTS[path, size] = (f.tell(), dtype, length)
    return layout


def _mapped(path: Path) -> np.ndarray:
    """A segment file's array, memory-mapped read-only (``mmap`` itself: ``np.load`` costs
    ten times as much, 0.1 ms a file, and the probes map every segment each batch)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        offset, dtype, length = _layout(path, os.fstat(fd).st_size)
        mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)
    return np.frombuffer(mapped, dtype, length, offset)


def _read(path: Path, lo: int, hi: int) -> np.ndarray:
    """Entries lo..hi-1 of a segment file, read (not mapped)."""
    offset, dtype, _ = _layout(path, path.stat().st_size)
    return np.fromfile(path, dtype, int(hi - lo), offset=offset + int(lo) * dtype.itemsize)

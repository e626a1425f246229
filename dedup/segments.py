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
        n, out_keys, out_values = self._new_segment(len(keys))
        out_keys[:], out_values[:] = np.asarray(keys)[order], np.asarray(values)[order]
        out_keys.flush(), out_values.flush()
        self.state.segments.append([n, len(keys)])
        self.state.entries += len(keys)
        segments = self.state.segments
        while len(segments) >= 2 and segments[-2][1] < 2 * segments[-1][1]:
            self._merge_last_two()

    def _opened(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(np.load(self.folder / f"{self.keys}-{n}.npy", mmap_mode="r"),
                 np.load(self.folder / f"{self.values}-{n}.npy", mmap_mode="r")) for n, _ in self.state.segments]

    def _new_segment(self, length: int) -> tuple[int, np.ndarray, np.ndarray]:
        n = self.state.next_segment
        self.state.next_segment += 1
        keys = np.lib.format.open_memmap(self.folder / f"{self.keys}-{n}.npy", "w+", np.int64, (length,))
        values = np.lib.format.open_memmap(self.folder / f"{self.values}-{n}.npy", "w+", self.value_dtype, (length,))
        return n, keys, values

    def _merge_last_two(self) -> None:
        """The two newest segments as one, a slice of the key range at a time: read with ``pread``
        and written in order, not mapped, so that the process holds a slice, not the segments."""
        paths = [(self.folder / f"{self.keys}-{n}.npy", self.folder / f"{self.values}-{n}.npy")
                 for n, _ in self.state.segments[-2:]]
        (a_keys, _), (b_keys, _) = opened = self._opened()[-2:]
        if len(b_keys) > len(a_keys):
            opened, paths = opened[::-1], paths[::-1]
            a_keys, b_keys = b_keys, a_keys
        splits = np.asarray(a_keys[MERGE_SLICE::MERGE_SLICE])
        bounds = [np.r_[0, np.searchsorted(keys, splits), len(keys)] for keys in (a_keys, b_keys)]
        length = len(a_keys) + len(b_keys)
        del a_keys, b_keys, opened
        n, out_keys, out_values = self._new_segment(length)
        out_paths = (Path(out_keys.filename), Path(out_values.filename))
        del out_keys, out_values
        with open(out_paths[0], "r+b") as keys_out, open(out_paths[1], "r+b") as values_out:
            keys_out.seek(_data_offset(out_paths[0]))
            values_out.seek(_data_offset(out_paths[1]))
            for s in range(len(splits) + 1):
                (a0, a1), (b0, b1) = bounds[0][s : s + 2], bounds[1][s : s + 2]
                ka, va = _read(paths[0][0], a0, a1), _read(paths[0][1], a0, a1)
                kb, vb = _read(paths[1][0], b0, b1), _read(paths[1][1], b0, b1)
                # A stable sort of two sorted runs is their merge (timsort finds the runs: linear),
                # an equal key of the larger segment first.
                keys = np.concatenate([ka, kb])
                order = np.argsort(keys, kind="stable")
                keys_out.write(keys[order].tobytes())
                values_out.write(np.concatenate([va, vb]).astype(self.value_dtype, copy=False)[order].tobytes())
        self.state.segments[-2:] = [[n, self.state.segments[-2][1] + self.state.segments[-1][1]]]


def _header(f: BinaryIO) -> np.dtype:
    """Read an ``.npy`` file's header: its array's dtype (the file is then at the data)."""
    version = np.lib.format.read_magic(f)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    return read_header(f)[2]


def _data_offset(path: Path) -> int:
    """Where the array's data starts in an ``.npy`` file."""
    with open(path, "rb") as f:
        _header(f)
        return f.tell()


def _read(path: Path, lo: int, hi: int) -> np.ndarray:
    """Entries lo..hi-1 of the ``.npy`` file's array, read (not mapped)."""
    with open(path, "rb") as f:
        dtype = _header(f)
        f.seek(f.tell() + int(lo) * dtype.itemsize)
        return np.fromfile(f, dtype, int(hi - lo))

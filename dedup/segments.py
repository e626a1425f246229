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

import numpy as np

MERGE_SLICE = 4_000_000  # keys per slice of a merge (about 50 MB with their values)


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
        """(probe index, value) for every entry whose key is one of ``probes`` (int64), in all segments."""
        probes = np.asarray(probes, dtype=np.int64)
        order = np.argsort(probes)
        found_p, found_v = [], []
        for keys, values in self._opened():
            p, v = probe_sorted(keys, values, probes[order])
            found_p.append(order[p])
            found_v.append(v.astype(np.int64))
        if not found_p:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
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
        (a_keys, a_values), (b_keys, b_values) = self._opened()[-2:]
        if len(b_keys) > len(a_keys):
            (a_keys, a_values), (b_keys, b_values) = (b_keys, b_values), (a_keys, a_values)
        n, out_keys, out_values = self._new_segment(len(a_keys) + len(b_keys))
        splits = a_keys[MERGE_SLICE::MERGE_SLICE]
        bounds_a = np.r_[0, np.searchsorted(a_keys, splits), len(a_keys)]
        bounds_b = np.r_[0, np.searchsorted(b_keys, splits), len(b_keys)]
        for s in range(len(bounds_a) - 1):
            (a0, a1), (b0, b1) = bounds_a[s : s + 2], bounds_b[s : s + 2]
            ka, kb = np.asarray(a_keys[a0:a1]), np.asarray(b_keys[b0:b1])
            # Each key's place in the merged slice: its rank in its own run plus its rank in the other.
            at_a = a0 + b0 + np.arange(len(ka)) + np.searchsorted(kb, ka, "left")
            at_b = a0 + b0 + np.arange(len(kb)) + np.searchsorted(ka, kb, "right")
            out_keys[at_a], out_values[at_a] = ka, a_values[a0:a1]
            out_keys[at_b], out_values[at_b] = kb, b_values[b0:b1]
        out_keys.flush(), out_values.flush()
        del a_keys, a_values, b_keys, b_values, out_keys, out_values
        self.state.segments[-2:] = [[n, self.state.segments[-2][1] + self.state.segments[-1][1]]]

"""The stored articles' sketches and band keys on disk, so that a batch's candidate search costs
what the batch costs, whatever is stored.

A folder holds ``sketches.bin``, one fixed-width row per article id (ids are dense: row ``i``
is article ``i``), and the index keys (each article's band keys and its exact hash's first 64
bits) with their ids in sorted segments (``keys-N.npy``, ``ids-N.npy``), memory-mapped and
probed with ``np.searchsorted``. Each ``put`` appends one small segment; the two newest merge
while the older is less than twice the newer (a binary counter: about log2(stored / batch)
segments, each key rewritten as often), in slices of the key range so that a merge holds a few
MB whatever the segments' size. ``manifest.json`` (replaced atomically, written last) says
which segments count and the highest id covered: files it does not name are leftovers of a
crash and are removed.

A key is a hint, the row is the truth: a probe's hits are checked against the keys recomputed
from the rows' current signatures, so an article whose signature is rewritten (``put`` again)
leaves stale keys behind that never match; once stale keys outnumber live ones the segments
are rebuilt from the rows.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .clusters import Sketches
from .fingerprint import Fingerprints
from .lsh import band_keys
from .settings import DedupSettings
from .sets import unique, unique_inverse

MANIFEST = "manifest.json"
SKETCHES = "sketches.bin"
MERGE_SLICE = 4_000_000  # keys per slice of a merge (about 50 MB with their ids)
REBUILD_ROWS = 200_000  # rows per segment while rebuilding


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


def index_keys(exact: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``(n, bands + 1)`` int64: the band keys and, last, the first 64 bits of the exact hash (``S32`` hex)."""
    digits = np.frombuffer(np.asarray(exact, dtype="S32").tobytes(), np.uint8).reshape(-1, 32)[:, :16].astype(np.uint64)
    digits = np.where(digits > 57, (digits | 32) - 87, digits - 48)  # '0'-'9', 'a'-'f'
    head = (digits << np.arange(60, -1, -4, dtype=np.uint64)).sum(axis=1, dtype=np.uint64).view(np.int64)
    return np.concatenate([np.asarray(keys, dtype=np.int64), head[:, None]], axis=1)


def _row_dtype(num_perm: int) -> np.dtype:
    return np.dtype([("present", "u1"), ("size", "<i8"), ("exact", "S32"), ("signature", "<u4", (num_perm,))])


@dataclass
class _Manifest:
    num_perm: int
    bands: int
    rows: int
    covered: int = 0  # the highest article id put
    count: int = 0  # rows present
    entries: int = 0  # keys in the segments, stale ones included
    dirty: bool = False  # signatures were being rewritten: the rows may be behind the warehouse
    next_segment: int = 0
    segments: list[list[int]] | None = None  # [number, length] of each segment, oldest first


class StoredIndex:
    """Sketches and index keys of stored articles, in ``folder``."""

    def __init__(self, folder: Path, num_perm: int, bands: int, rows: int) -> None:
        """The index in ``folder`` (created), emptied if it was built with other settings."""
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.num_perm, self.bands, self.band_rows = num_perm, bands, rows
        self.dtype = _row_dtype(num_perm)
        self.m = self._read_manifest()
        if not (self.folder / MANIFEST).exists():
            self._save()
        self._remove_leftovers()

    @classmethod
    def for_settings(cls, folder: Path, settings: DedupSettings) -> StoredIndex:
        return cls(folder, settings.num_perm, settings.bands, settings.rows)

    @classmethod
    def existing(cls, folder: Path) -> StoredIndex | None:
        """The index in ``folder`` with the settings it was built with; None if there is none."""
        try:
            m = json.loads((Path(folder) / MANIFEST).read_text("utf-8"))
            return cls(folder, m["num_perm"], m["bands"], m["rows"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    # What the warehouse checks before trusting it.

    @property
    def covered(self) -> int:
        return self.m.covered

    @property
    def count(self) -> int:
        return self.m.count

    @property
    def dirty(self) -> bool:
        return self.m.dirty

    def reset(self) -> None:
        """Forget everything (the next catch-up puts every stored article again)."""
        for f in self.folder.iterdir():
            f.unlink()
        self.m = self._empty()
        self._save()

    def mark_dirty(self) -> None:
        """Say, before signatures are rewritten in the warehouse, that the rows may fall behind
        it until the rewritten ones are ``put`` (a crash in between means a rebuild)."""
        self.m.dirty = True
        self._save()

    # Writes.

    def put(self, ids: np.ndarray, fp: Fingerprints) -> None:
        """Store (or replace) the sketches of articles ``ids`` (row i of ``fp`` is ``ids[i]``) and add
        their keys; clears ``dirty``."""
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids):
            self._write_rows(ids, fp)
            comparable = np.asarray(fp.sizes) > 0
            keys = index_keys(np.array(fp.exact, dtype="S32")[comparable], fp.band_keys[comparable])
            self._append(keys.reshape(-1), np.repeat(ids[comparable], keys.shape[1]))
            if self.m.entries > 2 * self.m.count * (self.bands + 1) + 10 * MERGE_SLICE:
                self._rebuild_segments()
        self.m.dirty = False
        self._save()
        self._remove_leftovers()

    # Reads.

    def sketches(self, ids: np.ndarray) -> Sketches:
        """The sketches of ``ids`` (each must be present), in ascending id order."""
        ids = unique(np.asarray(ids, dtype=np.int64))
        if len(ids) and ids.max() > self.m.covered:
            raise KeyError("article ids without a sketch")
        rows = self._rows()[ids] if len(ids) else np.zeros(0, self.dtype)
        if not rows["present"].all():
            raise KeyError("article ids without a sketch")
        return Sketches(ids, rows["exact"].copy(), rows["size"].astype(np.int64), rows["signature"].copy())

    def candidates(self, keys: np.ndarray, exact: np.ndarray, below: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Distinct pairs (row, stored id), row i of the batch (its band keys ``keys[i]``, exact hash
        ``exact[i]``) sharing a band key or its exact hash with the stored article (ids under ``below`` only)."""
        probes = index_keys(exact, keys)
        width = probes.shape[1]
        flat = probes.reshape(-1)
        order = np.argsort(flat)
        found_p, found_id = [], []
        for keys_file, ids_file in self._segments():
            p, i = probe_sorted(keys_file, ids_file, flat[order])
            found_p.append(order[p])
            found_id.append(i.astype(np.int64))
        if not found_p:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        p, stored = np.concatenate(found_p), np.concatenate(found_id)
        keep = stored < below if below is not None else np.ones(len(stored), bool)
        p, stored = p[keep], stored[keep]
        rows, column = p // width, p % width
        # The check: each stored article's keys as its current signature gives them (read once an article).
        distinct, which = unique_inverse(stored)
        current = self._rows()[distinct]
        theirs = index_keys(current["exact"], band_keys(current["signature"], self.bands, self.band_rows))
        live = (current["size"][which] > 0) & (theirs[which, column] == flat[p])
        live &= (column < width - 1) | (current["exact"][which] == exact[rows])
        packed = unique(rows[live] * (self.m.covered + 1) + stored[live])
        return packed // (self.m.covered + 1), packed % (self.m.covered + 1)

    # Files.

    def _empty(self) -> _Manifest:
        return _Manifest(self.num_perm, self.bands, self.band_rows, segments=[])

    def _read_manifest(self) -> _Manifest:
        try:
            m = _Manifest(**json.loads((self.folder / MANIFEST).read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            m = None
        if m is None or (m.num_perm, m.bands, m.rows) != (self.num_perm, self.bands, self.band_rows):
            for f in self.folder.iterdir():
                f.unlink()
            return self._empty()
        return m

    def _remove_leftovers(self) -> None:
        """Files the manifest does not name: a crashed write's, or segments merged since."""
        named = {SKETCHES, MANIFEST} | {f"{kind}-{n}.npy" for n, _ in self.m.segments for kind in ("keys", "ids")}
        for leftover in self.folder.iterdir():
            if leftover.name not in named:
                leftover.unlink()

    def _save(self) -> None:
        tmp = self.folder / f"{MANIFEST}.tmp"
        tmp.write_text(json.dumps(self.m.__dict__), "utf-8")
        os.replace(tmp, self.folder / MANIFEST)

    def _rows(self, writable: bool = False, upto: int = 0) -> np.ndarray:
        path = self.folder / SKETCHES
        needed = (max(self.m.covered, upto) + 1) * self.dtype.itemsize
        if writable and (not path.exists() or path.stat().st_size < needed):
            with open(path, "ab") as fh:
                fh.truncate(needed)
        if not path.exists():
            return np.zeros(0, self.dtype)
        return np.memmap(path, self.dtype, "r+" if writable else "r", shape=(path.stat().st_size // self.dtype.itemsize,))

    def _write_rows(self, ids: np.ndarray, fp: Fingerprints) -> None:
        rows = self._rows(writable=True, upto=int(ids.max()))
        rows["present"][self.m.covered + 1 :] = 0  # rows past the manifest: a crashed write's
        self.m.count += int(np.sum(rows["present"][ids] == 0))
        new = np.zeros(len(ids), self.dtype)
        new["present"], new["size"] = 1, fp.sizes
        new["exact"], new["signature"] = np.array(fp.exact, dtype="S32"), fp.signatures
        rows[ids] = new
        rows.flush()
        del rows
        self.m.covered = max(self.m.covered, int(ids.max()))

    def _segments(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(np.load(self.folder / f"keys-{n}.npy", mmap_mode="r"), np.load(self.folder / f"ids-{n}.npy", mmap_mode="r"))
                for n, _ in self.m.segments]

    def _new_segment(self, length: int) -> tuple[int, np.ndarray, np.ndarray]:
        n = self.m.next_segment
        self.m.next_segment += 1
        keys = np.lib.format.open_memmap(self.folder / f"keys-{n}.npy", "w+", np.int64, (length,))
        ids = np.lib.format.open_memmap(self.folder / f"ids-{n}.npy", "w+", np.uint32, (length,))
        return n, keys, ids

    def _append(self, keys: np.ndarray, ids: np.ndarray) -> None:
        """One sorted segment of these keys, then the merges the binary counter asks for (the
        manifest names the result when it is saved; the merged files stay until then)."""
        if not len(keys):
            return
        assert ids.max() < 2**32, "article ids beyond 2**32"
        order = np.argsort(keys)
        n, out_keys, out_ids = self._new_segment(len(keys))
        out_keys[:], out_ids[:] = keys[order], ids[order]
        out_keys.flush(), out_ids.flush()
        self.m.segments.append([n, len(keys)])
        self.m.entries += len(keys)
        while len(self.m.segments) >= 2 and self.m.segments[-2][1] < 2 * self.m.segments[-1][1]:
            self._merge_last_two()

    def _merge_last_two(self) -> None:
        (a_keys, a_ids), (b_keys, b_ids) = self._segments()[-2:]
        if len(b_keys) > len(a_keys):
            (a_keys, a_ids), (b_keys, b_ids) = (b_keys, b_ids), (a_keys, a_ids)
        n, out_keys, out_ids = self._new_segment(len(a_keys) + len(b_keys))
        splits = a_keys[MERGE_SLICE::MERGE_SLICE]
        bounds_a = np.r_[0, np.searchsorted(a_keys, splits), len(a_keys)]
        bounds_b = np.r_[0, np.searchsorted(b_keys, splits), len(b_keys)]
        for s in range(len(bounds_a) - 1):
            (a0, a1), (b0, b1) = bounds_a[s : s + 2], bounds_b[s : s + 2]
            ka, kb = np.asarray(a_keys[a0:a1]), np.asarray(b_keys[b0:b1])
            # Each key's place in the merged slice: its rank in its own run plus its rank in the other.
            at_a = a0 + b0 + np.arange(len(ka)) + np.searchsorted(kb, ka, "left")
            at_b = a0 + b0 + np.arange(len(kb)) + np.searchsorted(ka, kb, "right")
            out_keys[at_a], out_ids[at_a] = ka, a_ids[a0:a1]
            out_keys[at_b], out_ids[at_b] = kb, b_ids[b0:b1]
        out_keys.flush(), out_ids.flush()
        del a_keys, a_ids, b_keys, b_ids, out_keys, out_ids
        self.m.segments[-2:] = [[n, self.m.segments[-2][1] + self.m.segments[-1][1]]]

    def _rebuild_segments(self) -> None:
        """The segments again from the present rows (stale keys gone)."""
        self.m.segments, self.m.entries = [], 0
        for lo in range(0, self.m.covered + 1, REBUILD_ROWS):
            rows = self._rows()[lo : lo + REBUILD_ROWS]
            ids = np.flatnonzero(rows["present"] & (rows["size"] > 0)) + lo
            part = rows[ids - lo]
            keys = index_keys(part["exact"], band_keys(part["signature"], self.bands, self.band_rows))
            self._append(keys.reshape(-1), np.repeat(ids, keys.shape[1]))
        self._save()

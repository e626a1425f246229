"""The stored articles' sketches and band keys on disk, so that a batch's candidate search costs
what the batch costs, whatever is stored.

A folder holds ``sketches.bin``, one fixed-width row per article id (ids are dense: row ``i``
is article ``i``), and the index keys (each article's band keys and its exact hash's first 64
bits) with their ids in sorted segments (``keys-N.npy``, ``ids-N.npy``: ``dedup/segments.py``),
each ``put`` appending one. ``manifest.json`` (replaced atomically, written last) says which
segments count and the highest id covered: files it does not name are leftovers of a crash
and are removed.

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
from .segments import SegmentState, Segments
from .settings import DedupSettings
from .sets import isin, unique, unique_inverse

MANIFEST = "manifest.json"
SKETCHES = "sketches.bin"
REBUILD_ROWS = 200_000  # rows per segment while rebuilding
REBUILD_SLACK = 40_000_000  # stale keys tolerated beyond as many as the live ones


def index_keys(exact: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``(n, bands + 1)`` int64: the band keys and, last, the first 64 bits of the exact hash (``S32`` hex)."""
    digits = np.frombuffer(np.asarray(exact, dtype="S32").tobytes(), np.uint8).reshape(-1, 32)[:, :16].astype(np.uint64)
    digits = np.where(digits > 57, (digits | 32) - 87, digits - 48)  # '0'-'9', 'a'-'f'
    head = (digits << np.arange(60, -1, -4, dtype=np.uint64)).sum(axis=1, dtype=np.uint64).view(np.int64)
    return np.concatenate([np.asarray(keys, dtype=np.int64), head[:, None]], axis=1)


def _row_dtype(num_perm: int) -> np.dtype:
    return np.dtype([("present", "u1"), ("size", "<i8"), ("exact", "S32"), ("signature", "<u4", (num_perm,))])


@dataclass(kw_only=True)
class _Manifest(SegmentState):  # entries: keys in the segments, stale ones included
    num_perm: int
    bands: int
    rows: int
    covered: int = 0  # the highest article id put
    count: int = 0  # rows present
    dirty: bool = False  # signatures were being rewritten: the rows may be behind the warehouse
    rewritten: int | None = None  # rows put again since the segments were built (None: not known)


class StoredIndex:
    """Sketches and index keys of stored articles, in ``folder``."""

    def __init__(self, folder: Path, num_perm: int, bands: int, rows: int) -> None:
        """The index in ``folder`` (created), emptied if it was built with other settings."""
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.num_perm, self.bands, self.band_rows = num_perm, bands, rows
        self.dtype = _row_dtype(num_perm)
        self.m = self._read_manifest()
        self._read: Sketches | None = None  # the rows the last ``candidates`` read, for ``sketches``
        if not (self.folder / MANIFEST).exists():
            self._save()
        elif self.m.rewritten is None and self._no_stale_keys():
            self.m.rewritten = 0
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
        self._read = None
        if len(ids):
            self._write_rows(ids, fp)
            comparable = np.asarray(fp.sizes) > 0
            keys = index_keys(np.array(fp.exact, dtype="S32")[comparable], fp.band_keys[comparable])
            self._keys.append(keys.reshape(-1), np.repeat(ids[comparable], keys.shape[1]))
            if self.m.entries > 2 * self.m.count * (self.bands + 1) + REBUILD_SLACK:
                self._rebuild_segments()
        self.m.dirty = False
        self._save()
        self._remove_leftovers()

    # Reads.

    def sketches(self, ids: np.ndarray) -> Sketches:
        """The sketches of ``ids`` (each must be present), in ascending id order."""
        ids = unique(np.asarray(ids, dtype=np.int64))
        if self._read is not None and len(ids) and isin(ids, self._read.ids).all():
            return self._read.take(ids)
        if len(ids) and ids.max() > self.m.covered:
            raise KeyError("article ids without a sketch")
        rows = self._read_rows(ids)
        if not rows["present"].all():
            raise KeyError("article ids without a sketch")
        return Sketches(ids, rows["exact"].copy(), rows["size"].astype(np.int64), rows["signature"].copy())

    def candidates(self, keys: np.ndarray, exact: np.ndarray, below: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Distinct pairs (row, stored id), row i of the batch (its band keys ``keys[i]``, exact hash
        ``exact[i]``) sharing a band key or its exact hash with the stored article (ids under ``below`` only)."""
        probes = index_keys(exact, keys)
        width = probes.shape[1]
        flat = probes.reshape(-1)
        p, stored = self._keys.probe(flat)
        keep = stored < below if below is not None else np.ones(len(stored), bool)
        p, stored = p[keep], stored[keep]
        rows, column = p // width, p % width
        # The check, on each stored article's row (read once, and kept for ``sketches``): its full
        # exact hash, and, if signatures were rewritten, its keys as its current signature gives them.
        distinct, which = unique_inverse(stored)
        current = self._read_rows(distinct)
        present = current["present"] == 1
        self._read = Sketches(distinct[present], current["exact"][present], current["size"][present].astype(np.int64),
                              current["signature"][present])
        live = (current["size"][which] > 0) & ((column < width - 1) | (current["exact"][which] == exact[rows]))
        if self.m.rewritten != 0:
            theirs = index_keys(current["exact"], band_keys(current["signature"], self.bands, self.band_rows))
            live &= theirs[which, column] == flat[p]
        packed = unique(rows[live] * (self.m.covered + 1) + stored[live])
        return packed // (self.m.covered + 1), packed % (self.m.covered + 1)

    # Files.

    @property
    def _keys(self) -> Segments:
        return Segments(self.folder, self.m)

    def _empty(self) -> _Manifest:
        return _Manifest(num_perm=self.num_perm, bands=self.bands, rows=self.band_rows, rewritten=0)

    def _no_stale_keys(self) -> bool:
        """Whether the segments hold the keys of the present comparable rows only (each put once):
        for an index from before ``rewritten`` was kept, read once from the rows."""
        live = sum(int(np.sum(rows["present"].astype(bool) & (rows["size"] > 0)))
                   for rows in (self._rows()[lo : lo + REBUILD_ROWS] for lo in range(0, self.m.covered + 1, REBUILD_ROWS)))
        return self.m.entries == live * (self.bands + 1)

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
        named = {SKETCHES, MANIFEST} | self._keys.files()
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

    def _read_rows(self, ids: np.ndarray) -> np.ndarray:
        """Rows ``ids`` (ascending, each at most ``covered``), read, not mapped: a batch's candidates
        are scattered over the whole file, and each page a mapping touches (with the pages the
        kernel maps around it) would count in the process's memory until it is unmapped."""
        rows = np.zeros(len(ids), self.dtype)
        if not len(ids):
            return rows
        size = self.dtype.itemsize
        out = memoryview(rows.view(np.uint8))
        starts = np.flatnonzero(np.diff(ids, prepend=-2) != 1)  # runs of consecutive ids, one read each
        ends = np.append(starts[1:], len(ids))
        with open(self.folder / SKETCHES, "rb") as fh:
            for a, b, first in zip(starts.tolist(), ends.tolist(), ids[starts].tolist()):
                os.preadv(fh.fileno(), [out[a * size : b * size]], first * size)
        return rows

    def _write_rows(self, ids: np.ndarray, fp: Fingerprints) -> None:
        rows = self._rows(writable=True, upto=int(ids.max()))
        rows["present"][self.m.covered + 1 :] = 0  # rows past the manifest: a crashed write's
        fresh = int(np.sum(rows["present"][ids] == 0))
        self.m.count += fresh
        if self.m.rewritten is not None:
            self.m.rewritten += len(ids) - fresh
        new = np.zeros(len(ids), self.dtype)
        new["present"], new["size"] = 1, fp.sizes
        new["exact"], new["signature"] = np.array(fp.exact, dtype="S32"), fp.signatures
        rows[ids] = new
        rows.flush()
        del rows
        self.m.covered = max(self.m.covered, int(ids.max()))

    def _rebuild_segments(self) -> None:
        """The segments again from the present rows (stale keys gone)."""
        self._keys.clear()
        self.m.rewritten = 0
        for lo in range(0, self.m.covered + 1, REBUILD_ROWS):
            rows = self._rows()[lo : lo + REBUILD_ROWS]
            ids = np.flatnonzero(rows["present"] & (rows["size"] > 0)) + lo
            part = rows[ids - lo]
            keys = index_keys(part["exact"], band_keys(part["signature"], self.bands, self.band_rows))
            self._keys.append(keys.reshape(-1), np.repeat(ids, keys.shape[1]))
        self._save()

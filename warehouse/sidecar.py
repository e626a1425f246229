"""Lookups kept beside the DuckDB file, so that a batch's questions cost what the batch costs
whatever is stored: a folder ``<warehouse>-<name>/`` of sorted key segments (``dedup/segments.py``)
holding a table's rows up to a mark (a batch number, an article id) named ``covered``. The
table is the truth: before each lookup the folder reads the rows past its mark (``caught_up``),
and one whose entries do not add up to the table's rows up to its mark (a warehouse copied
back, a write that died) is rebuilt from the table. ``manifest.json`` (replaced atomically,
written last) names the segments that count: other files are a crashed write's, and go.

Keys are 64-bit hashes (``text_keys``, ``pair_keys``): a probe's hits are hints where a
collision would matter (the caller checks them against the table), or accepted as a line
hash is, where two rows sharing a key by a chance of 2^-64 changes a count.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newswash.dedup.segments import SegmentState, Segments
from newswash.warehouse.store import beside, rows_past

MANIFEST = "manifest.json"

Texts = Sequence[str] | pa.Array | pa.ChunkedArray


def int64s(column: pa.ChunkedArray) -> np.ndarray:
    """An integer column of a fetched table as int64."""
    return column.to_numpy().astype(np.int64)


def text_keys(texts: Texts) -> np.ndarray:
    """A signed 64-bit hash (blake2b) of each string, each distinct one hashed once."""
    encoded = pc.dictionary_encode(pa.chunked_array([texts], pa.string()) if not isinstance(
        texts, (pa.Array, pa.ChunkedArray)) else texts).combine_chunks()
    if isinstance(encoded, pa.ChunkedArray):  # no chunks at all
        return np.zeros(0, np.int64)
    hashes = np.array([hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest() for t in encoded.dictionary.to_pylist()],
                      dtype="S8")
    keys = np.frombuffer(hashes.tobytes(), ">i8").astype(np.int64) if len(hashes) else np.zeros(0, np.int64)
    return keys[encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)]


def pair_keys(texts: Texts, values: np.ndarray) -> np.ndarray:
    """A key of each (``texts[i]``, ``values[i]``): ``keyed_values`` of the texts' keys."""
    return keyed_values(text_keys(texts), values)


def keyed_values(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A key of each (``keys[i]``, ``values[i]``): splitmix64's finalizer over the key times the
    golden ratio, xor the value (for one key, a bijection of the value)."""
    x = np.asarray(keys, np.int64).view(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ np.asarray(values, np.int64).view(np.uint64)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x.view(np.int64)


class Sidecar:
    """The folder's parts (name → value type of its segments) and the mark they cover."""

    def __init__(self, folder: Path, parts: dict[str, type]) -> None:
        self.folder, self.parts = Path(folder), parts
        self.folder.mkdir(parents=True, exist_ok=True)
        self.covered, self.states = self._read_manifest()
        self._remove_leftovers()

    def entries(self, part: str) -> int:
        return self.states[part].entries

    def reset(self) -> None:
        """Forget everything (the next catch-up reads the table from the start)."""
        self.covered, self.states = -1, {part: SegmentState() for part in self.parts}
        self.save()

    def add(self, part: str, keys: np.ndarray, values: np.ndarray) -> None:
        """Entries of ``part``; nothing counts before ``save``."""
        self._segments(part, self.states[part]).append(keys, values)

    def probe(self, part: str, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index into ``keys``, value) of each entry of ``part`` under one of ``keys``."""
        return self._segments(part, self.states[part]).probe(keys)

    def save(self, covered: int | None = None) -> None:
        """The manifest, saying the table is in up to ``covered``; then leftovers go."""
        if covered is not None:
            self.covered = covered
        tmp = self.folder / f"{MANIFEST}.tmp"
        tmp.write_text(json.dumps({"covered": self.covered, **{p: s.__dict__ for p, s in self.states.items()}}), "utf-8")
        os.replace(tmp, self.folder / MANIFEST)
        self._remove_leftovers()

    def _segments(self, part: str, state: SegmentState) -> Segments:
        return Segments(self.folder, state, f"{part}-keys", f"{part}-values", self.parts[part])

    def _read_manifest(self) -> tuple[int, dict[str, SegmentState]]:
        try:
            m = json.loads((self.folder / MANIFEST).read_text("utf-8"))
            covered, states = int(m["covered"]), {part: SegmentState(**m[part]) for part in self.parts}
        except (OSError, ValueError, KeyError, TypeError):
            return -1, {part: SegmentState() for part in self.parts}
        named = set().union(*(self._segments(p, s).files() for p, s in states.items()))
        if not all((self.folder / name).exists() for name in named):
            return -1, {part: SegmentState() for part in self.parts}
        return covered, states

    def _remove_leftovers(self) -> None:
        named = {MANIFEST}.union(*(self._segments(p, s).files() for p, s in self.states.items()))
        for leftover in self.folder.iterdir():
            if leftover.name not in named:
                leftover.unlink()


Reader = Callable[[duckdb.DuckDBPyConnection, Sidecar, int, int], None]


def caught_up(con: duckdb.DuckDBPyConnection, name: str, parts: dict[str, type], tables: dict[str, str],
              mark: str, chunk: int, read: Reader) -> Sidecar:
    """The sidecar ``name`` of ``con``'s warehouse, part p holding table ``tables[p]`` (whose
    ``mark`` column grows as rows are appended), with every row in it: ``read(con, sidecar, lo,
    hi)`` adds the rows marked lo..hi, ``chunk`` marks at a time."""
    sidecar = Sidecar(beside(con, name), parts)

    def tails() -> list[tuple[int, int, int | None]]:
        return [rows_past(con, table, mark, sidecar.covered) for table in tables.values()]

    found = tails()
    if any(sidecar.entries(p) != total - past for p, (total, past, _) in zip(tables, found)):
        sidecar.reset()
        found = tails()
    top = max((t for _, _, t in found if t is not None), default=None)
    if top is None:
        return sidecar
    for lo in range(sidecar.covered + 1, top + 1, chunk):
        read(con, sidecar, lo, min(lo + chunk - 1, top))
    sidecar.save(top)
    return sidecar

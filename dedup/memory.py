"""An in-memory ``ClusterStore`` (benches, tests, small jobs), and ``cluster`` over a list of texts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from .clusters import Assignment, Sketches, assign, published_key
from .fingerprint import Fingerprints, fingerprint
from .segments import probe_sorted
from .settings import DedupSettings
from .sets import isin, unique


class MemoryStore:
    """Articles added batch by batch, clustered as the warehouse clusters them."""

    def __init__(self, settings: DedupSettings) -> None:
        self.settings = settings
        self.stored = Sketches(np.zeros(0, np.int64), np.zeros(0, "S32"), np.zeros(0, np.int64),
                               np.zeros((0, settings.num_perm), np.uint32))
        self.cluster_id = np.zeros(0, np.int64)
        self.when = np.zeros(0, np.int64)
        self._keys = np.zeros(0, np.int64)  # band keys of comparable articles, sorted, and their ids
        self._key_ids = np.zeros(0, np.int64)

    def add(self, fp: Fingerprints, published: Sequence[datetime | None]) -> Assignment:
        """Cluster a batch against everything added before, then store it; ids continue
        from the last batch's."""
        ids = np.arange(len(self.stored.ids), len(self.stored.ids) + len(fp.exact), dtype=np.int64)
        when = published_key(published)
        result = assign(self, ids, fp, when, self.settings)
        self.stored = self.stored + Sketches.of(ids, fp)
        self.cluster_id = np.concatenate([self.cluster_id, ids])
        self.when = np.concatenate([self.when, when])
        self.cluster_id[result.members] = result.canonical
        comparable = np.asarray(fp.sizes) > 0
        keys = np.concatenate([self._keys, fp.band_keys[comparable].reshape(-1)])
        key_ids = np.concatenate([self._key_ids, np.repeat(ids[comparable], fp.band_keys.shape[1])])
        order = np.argsort(keys, kind="stable")
        self._keys, self._key_ids = keys[order], key_ids[order]
        return result

    def stored_candidates(self, keys: np.ndarray, exact: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        bands = max(keys.shape[1], 1)
        key_rows, key_ids = probe_sorted(self._keys, self._key_ids, keys.reshape(-1))
        order = np.argsort(self.stored.exact, kind="stable")
        exact_rows, exact_ids = probe_sorted(self.stored.exact[order], self.stored.ids[order], exact)
        width = len(self.stored.ids) + 1
        packed = unique(np.concatenate([key_rows // bands, exact_rows]) * width + np.concatenate([key_ids, exact_ids]))
        return packed // width, packed % width

    def sketches(self, ids: np.ndarray) -> Sketches:
        rows = self.stored.rows(np.asarray(ids, dtype=np.int64))
        return Sketches(self.stored.ids[rows], self.stored.exact[rows], self.stored.sizes[rows],
                        self.stored.signatures[rows])

    def cluster_members(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        wanted = isin(self.cluster_id, self.cluster_id[ids]) & (self.cluster_id != self.stored.ids)
        return self.stored.ids[wanted], self.cluster_id[wanted]

    def published(self, ids: np.ndarray) -> np.ndarray:
        return self.when[ids]


def cluster(
    texts: Sequence[str],
    published_at: Sequence[datetime | None] | None = None,
    settings: DedupSettings | None = None,
) -> list[int]:
    """Cluster label of each text: the index of its cluster's canonical text (earliest
    ``published_at``, unknown last, then earliest index); one batch in a ``MemoryStore``."""
    settings = settings or DedupSettings.from_toml()
    store = MemoryStore(settings)
    store.add(fingerprint(list(texts), settings), list(published_at or [None] * len(texts)))
    return store.cluster_id.tolist()


"""A backfill's candidate pairs: a shuffle on band keys with ``dask.dataframe``.

The incremental path compares each batch with everything stored before it (every article
sharing a band key) and within itself by ``batch_pairs``. A backfill loads its batches
clustered within themselves, then finds here the pairs across its batches at once: rows
(band key, article id, batch) shuffled so that equal keys meet in one partition, where
every two rows of a bucket from different batches pair (``bucket_neighbours`` with no
window, as a stored candidate has none). Band keys mix in their band's number, so the key
alone is the join key. Verification, components and the canonical rule are
``dedup/clusters.py``'s, on the machine that writes the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .lsh import bucket_neighbours

if TYPE_CHECKING:
    from distributed import Client

KEY_COLUMNS = {"key": np.int64, "id": np.int64, "batch": np.int64}
_PAIR_COLUMNS = {"a": np.int64, "b": np.int64}


def bucket_pairs(rows: pd.DataFrame) -> pd.DataFrame:
    """Pairs ``(a, b)``, ``a < b``, of the articles of ``rows`` (key, id, batch) that share a
    key and came in different batches; once each per shared key."""
    rows = rows.sort_values(["key", "id"], kind="stable")
    key, ids, batch = (rows[c].to_numpy() for c in ("key", "id", "batch"))
    i, j = bucket_neighbours(key, None)
    across = batch[i] != batch[j]
    return pd.DataFrame({"a": ids[i[across]], "b": ids[j[across]]})  # ids ascend within a bucket


def cross_batch_pairs(chunks: Iterable[pd.DataFrame], client: Client) -> tuple[np.ndarray, np.ndarray]:
    """Unique pairs ``(a, b)``, ``a < b``, of articles from different batches sharing a band
    key, from ``chunks`` of rows (key, id, batch): each chunk is scattered to the ``client``'s
    workers, where the shuffle on ``key`` and the pairs of each bucket run. The pairs come
    back here, each once."""
    import dask.dataframe as dd

    meta = pd.DataFrame({c: pd.Series(dtype=t) for c, t in KEY_COLUMNS.items()})
    parts = [client.scatter(chunk.astype(KEY_COLUMNS)) for chunk in chunks]
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    frame = dd.from_delayed(parts, meta=meta, verify_meta=False)
    pairs = frame.shuffle(on="key", npartitions=len(parts)).map_partitions(
        bucket_pairs, meta=pd.DataFrame({c: pd.Series(dtype=t) for c, t in _PAIR_COLUMNS.items()}))
    found = client.compute(pairs.drop_duplicates(split_out=len(parts))).result()
    a, b = found["a"].to_numpy(np.int64), found["b"].to_numpy(np.int64)
    order = np.lexsort((b, a))
    return a[order], b[order]

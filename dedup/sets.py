"""Set operations on integer arrays, by sorting.

numpy 2.4's ``np.unique`` without ``return_index``/``return_inverse`` (and so ``np.isin`` and
``np.setdiff1d``, which call it) hashes the values, and on millions of int64 that is 10 to 60
times slower than a sort: 2.6 s against 0.05 s for 4.5 million ids (one unique of a batch's
candidate hits was 11% of the loading process against a warehouse of a million). These give the
same results as numpy's, sorted.
"""

from __future__ import annotations

import numpy as np


def unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (``np.unique``)."""
    ordered = np.sort(np.asarray(values).reshape(-1))
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, sorted, and where each value is among them (``np.unique(..., return_inverse=True)``)."""
    values = np.asarray(values).reshape(-1)
    order = np.argsort(values)
    ordered = values[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, bool)
    inverse = np.empty(len(values), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


def isin(values: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is one of ``test`` (``np.isin``)."""
    values, test = np.asarray(values), unique(test)
    if not len(test):
        return np.zeros(values.shape, dtype=bool)
    at = np.minimum(np.searchsorted(test, values), len(test) - 1)
    return test[at] == values


def setdiff(values: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The distinct values of ``values`` not in ``other``, sorted (``np.setdiff1d``)."""
    distinct = unique(values)
    return distinct[~isin(distinct, other)]

"""Dedup settings: loaded from TOML, with LSH bands/rows derived from the thresholds."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from newswash.config_tables import from_table


@functools.cache  # every settings load asks again (a run's process loads them more than once): 50 ms each
def lsh_params(
    threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5
) -> tuple[int, int]:
    """(bands, rows) minimising the weighted area of false candidates below
    ``threshold`` and missed candidates above it (datasketch's ``_optimal_param``
    search, integrated with numpy instead of scipy)."""
    s = np.linspace(0.0, 1.0, 2001)
    below, above = s <= threshold, s >= threshold
    best, best_err = (1, 1), np.inf
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = 1.0 - (1.0 - s**r) ** b
            err = fp_weight * np.trapezoid(p[below], s[below]) + fn_weight * np.trapezoid(
                1.0 - p[above], s[above]
            )
            if err < best_err:
                best, best_err = (b, r), err
    return best


@dataclass(frozen=True)
class DedupSettings:
    """All knobs of near-duplicate detection; see ``config/dedup.toml`` for the trade-offs."""

    num_perm: int
    seed: int
    shingle_size: int
    char_shingle_size: int
    threshold: float
    containment_threshold: float
    containment_min_jaccard: float
    candidate_threshold: float
    fp_weight: float
    fn_weight: float
    bucket_window: int
    bands: int = field(init=False)
    rows: int = field(init=False)

    def __post_init__(self) -> None:
        if not 0.0 < self.candidate_threshold <= self.threshold <= 1.0:
            raise ValueError("need 0 < candidate_threshold <= threshold <= 1")
        if self.shingle_size < 1 or self.char_shingle_size < 1 or self.num_perm < 1:
            raise ValueError("shingle sizes and num_perm must be positive")
        bands, rows = lsh_params(
            self.candidate_threshold, self.num_perm, self.fp_weight, self.fn_weight
        )
        object.__setattr__(self, "bands", bands)
        object.__setattr__(self, "rows", rows)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DedupSettings:
        """From the keys of a dedup settings file (config/dedup.toml)."""
        return from_table(cls, data, "dedup")

    @classmethod
    def from_toml(cls, path: str | PathLike[str] | None = None) -> DedupSettings:
        """The bundled ``config/dedup.toml`` with ``path``'s keys over it (``newswash.settings.load_dedup``)."""
        from newswash.settings import load_dedup

        return load_dedup(None if path is None else Path(path))

"""Dedup settings: loaded from TOML, with LSH bands/rows derived from the thresholds."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from os import PathLike

import numpy as np


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

    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5
    char_shingle_size: int = 5
    threshold: float = 0.4
    containment_threshold: float = 0.7
    containment_min_jaccard: float = 0.05
    candidate_threshold: float = 0.25
    fp_weight: float = 0.2
    fn_weight: float = 0.8
    bucket_window: int = 64
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
    def from_toml(cls, path: str | PathLike[str] | None = None) -> DedupSettings:
        """Read settings from ``path``, or from the bundled ``newswash.config/dedup.toml``."""
        if path is None:
            text = resources.files("newswash.config").joinpath("dedup.toml").read_text("utf-8")
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        data = tomllib.loads(text)
        known = {f.name for f in fields(cls) if f.init}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown dedup settings: {sorted(unknown)}")
        return cls(**data)

"""Reading one TOML table of the cleaning config into its settings dataclass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def from_table(cls: type[T], data: Mapping[str, Any], table: str) -> T:
    """`cls` from the `[table]` table; an unknown key is a config error that names the table."""
    unknown = set(data) - {f.name for f in fields(cls)}  # type: ignore[arg-type]
    if unknown:
        raise ValueError(f"unknown [{table}] keys: {sorted(unknown)}")
    return cls(**data)

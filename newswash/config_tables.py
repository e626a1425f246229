"""One TOML table of a settings file read into its dataclass: unknown keys, missing keys and
wrong types are refused, naming the table and the key."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")
_KINDS = {"int": ((int,), "an integer"), "float": ((int, float), "a number"), "bool": ((bool,), "true or false"),
          "str": ((str,), "a string")}


def from_table(cls: type[T], data: Mapping[str, Any], table: str) -> T:
    """``cls`` from the ``[table]`` table (every key of the dataclass's init fields)."""
    wanted = {f.name: f for f in fields(cls) if f.init}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(wanted))
    if unknown:
        raise ValueError(f"unknown key [{table}] {unknown[0]}")
    missing = sorted(set(wanted) - set(data))
    if missing:
        raise ValueError(f"missing key [{table}] {missing[0]}")
    hints = typing.get_type_hints(cls)
    for name, value in data.items():
        check_type(value, getattr(hints[name], "__name__", str(hints[name])), f"[{table}] {name}")
    return cls(**data)


def check_type(value: Any, type_name: str, where: str) -> None:
    """Refuse ``value`` unless it is of the TOML kind ``type_name`` names (int, float, bool, str;
    other names are not checked)."""
    kind = _KINDS.get(type_name)
    if kind is None:
        return
    allowed, said = kind
    if (isinstance(value, bool) and bool not in allowed) or not isinstance(value, allowed):
        raise ValueError(f"{where} must be {said}, not {value!r}")

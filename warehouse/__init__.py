"""The DuckDB warehouse: the only code that talks to DuckDB. From outside, ``Warehouse``
(imported on first use, so that ``newswash sql`` does not load the cleaners)."""

from __future__ import annotations

from typing import Any

__all__ = ["Warehouse"]


def __getattr__(name: str) -> Any:
    if name == "Warehouse":
        from newswash.warehouse.session import Warehouse

        return Warehouse
    raise AttributeError(name)

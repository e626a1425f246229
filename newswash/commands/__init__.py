"""One module a subcommand: each has HELP, `configure(parser)` and `run(args, settings) -> int`.

A new module in this package is a new `newswash` subcommand; nothing else to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def command_modules() -> dict[str, ModuleType]:
    """Subcommand name (module name, `_` as `-`) → module, in name order."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return {name.replace("_", "-"): importlib.import_module(f"{__name__}.{name}") for name in names}

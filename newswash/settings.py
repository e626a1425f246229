"""Settings: the bundled defaults in config/newswash.toml, overridden by a user file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from newswash.errors import NewswashError


@dataclass(frozen=True)
class Source:
    """A configured input: a file, a folder, or an http(s) URL."""

    name: str
    location: str


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str
    timeout: float
    allow_private_hosts: bool
    max_bytes: int


@dataclass(frozen=True)
class Settings:
    db_path: Path
    batch_size: int
    cleaning_rules: Path
    dedup_settings: Path
    fetch: FetchSettings
    sources: tuple[Source, ...]

    def with_private_hosts_allowed(self) -> Settings:
        """These settings, with fetching from private addresses allowed."""
        return replace(self, fetch=replace(self.fetch, allow_private_hosts=True))


def default_config_path() -> Path:
    """The bundled config/newswash.toml."""
    return Path(str(resources.files("newswash.config").joinpath("newswash.toml")))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise NewswashError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise NewswashError(f"config file {path} is not valid TOML: {exc}") from None


def _resolve(value: str, base: Path) -> Path:
    return (base / value).resolve() if not Path(value).is_absolute() else Path(value)


def _resolve_location(value: str, base: Path) -> str:
    return value if "://" in value else str(_resolve(value, base))


def load_settings(config: Path | None = None) -> Settings:
    """Merge a user config over the defaults; paths resolve against their own file."""
    default = default_config_path()
    layers = [(_read_toml(default), default.parent)]
    if config is not None:
        layers.append((_read_toml(config), config.resolve().parent))

    merged: dict[str, Any] = {}
    for data, base in layers:
        for section, values in data.items():
            if section == "sources":
                merged["sources"] = [
                    Source(s["name"], _resolve_location(s["location"], base)) for s in values
                ]
                continue
            target = merged.setdefault(section, {})
            for key, value in values.items():
                if key in ("path", "rules", "settings"):
                    value = _resolve(value, base)
                target[key] = value
    try:
        return Settings(
            db_path=merged["warehouse"]["path"],
            batch_size=int(merged["pipeline"]["batch_size"]),
            cleaning_rules=merged["cleaning"]["rules"],
            dedup_settings=merged["dedup"]["settings"],
            fetch=FetchSettings(**merged["fetch"]),
            sources=tuple(merged.get("sources", ())),
        )
    except (KeyError, TypeError) as exc:
        raise NewswashError(f"config is missing or has an unknown setting: {exc}") from None

"""Settings: the bundled defaults in config/newswash.toml, overridden by a user file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from newswash.errors import NewswashError


SOURCE_KINDS = ("auto", "feed", "sitemap", "homepage", "page", "urls", "path")
SOURCE_FETCH_OPTIONS = ("user_agent", "per_host_delay", "per_host_concurrency", "recheck_after")


@dataclass(frozen=True)
class Source:
    """A configured input (config/sources.toml): a feed, sitemap, homepage or page URL, a URL list, a path."""

    name: str
    location: str
    kind: str = "auto"
    schedule: str | None = None
    interval: int | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    lastmod_days: int | None = None
    fetch: tuple[tuple[str, Any], ...] = ()  # overrides of FetchSettings fields


@dataclass(frozen=True)
class FetchSettings:
    """The [fetch] section of config/newswash.toml (see the comments there)."""

    user_agent: str
    timeout: float
    allow_private_hosts: bool
    max_bytes: int
    max_decompressed_bytes: int
    max_redirects: int
    concurrency: int
    per_host_concurrency: int
    per_host_delay: float
    max_crawl_delay: float
    obey_robots: bool
    retries: int
    backoff_base: float
    backoff_max: float
    max_retry_after: float
    recheck_after: float
    archive: bool
    sitemap_max_age_days: int
    progress: str


@dataclass(frozen=True)
class ExecutorSettings:
    """Where extract, clean and fingerprint run: `local` threads, `processes`, or `dask` workers."""

    kind: str
    parallel_batches: int
    workers: int
    dask_address: str


@dataclass(frozen=True)
class Settings:
    db_path: Path
    lock_wait: float
    batch_size: int
    executor: ExecutorSettings
    cleaning_rules: Path
    dedup_settings: Path
    fetch: FetchSettings
    sources: tuple[Source, ...]

    def with_executor(self, kind: str) -> Settings:
        """These settings, with another executor."""
        return replace(self, executor=replace(self.executor, kind=kind))

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


def _source(entry: dict[str, Any], base: Path) -> Source:
    """One [[sources]] table as a Source; unknown keys and kinds are config errors."""
    entry = dict(entry)
    try:
        name, location = str(entry.pop("name")), str(entry.pop("location"))
    except KeyError as exc:
        raise NewswashError(f"a [[sources]] entry is missing {exc}") from None
    kind = str(entry.pop("kind", "auto"))
    if kind not in SOURCE_KINDS:
        raise NewswashError(f"source {name!r}: unknown kind {kind!r} (one of {', '.join(SOURCE_KINDS)})")
    fetch = tuple((key, entry.pop(key)) for key in SOURCE_FETCH_OPTIONS if key in entry)
    source = Source(
        name=name,
        location=_resolve_location(location, base),
        kind=kind,
        schedule=entry.pop("schedule", None),
        interval=entry.pop("interval", None),
        include=tuple(entry.pop("include", ())),
        exclude=tuple(entry.pop("exclude", ())),
        lastmod_days=entry.pop("lastmod_days", None),
        fetch=fetch,
    )
    if entry:
        raise NewswashError(f"source {name!r}: unknown setting(s) {', '.join(sorted(entry))}")
    return source


def load_settings(config: Path | None = None) -> Settings:
    """Merge a user config over the defaults; paths resolve against their own file.

    The bundled sources come from config/sources.toml; `[[sources]]` in a user config replace them.
    """
    default = default_config_path()
    bundled_sources = default.parent / "sources.toml"
    layers = [(_read_toml(default), default.parent), (_read_toml(bundled_sources), bundled_sources.parent)]
    if config is not None:
        layers.append((_read_toml(config), config.resolve().parent))

    merged: dict[str, Any] = {}
    for data, base in layers:
        for section, values in data.items():
            if section == "sources":
                merged["sources"] = [_source(s, base) for s in values]
                continue
            target = merged.setdefault(section, {})
            for key, value in values.items():
                if key in ("path", "rules", "settings"):
                    value = _resolve(value, base)
                target[key] = value
    try:
        return Settings(
            db_path=merged["warehouse"]["path"],
            lock_wait=float(merged["warehouse"]["lock_wait"]),
            batch_size=int(merged["pipeline"]["batch_size"]),
            executor=ExecutorSettings(**merged["executor"]),
            cleaning_rules=merged["cleaning"]["rules"],
            dedup_settings=merged["dedup"]["settings"],
            fetch=FetchSettings(**merged["fetch"]),
            sources=tuple(merged.get("sources", ())),
        )
    except (KeyError, TypeError) as exc:
        raise NewswashError(f"config is missing or has an unknown setting: {exc}") from None

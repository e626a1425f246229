"""The one settings loader: config/newswash.toml and the files it names (cleaning rules,
dedup settings, sources), each bundled default overridden by the user's, every key checked
before anything starts. Defaults live in the bundled TOML files only."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from newswash.config_tables import check_type
from newswash.dedup.settings import DedupSettings
from newswash.errors import NewswashError


SOURCE_KINDS = ("auto", "feed", "sitemap", "homepage", "page", "urls", "path")
SOURCE_FETCH_OPTIONS = ("user_agent", "per_host_delay", "per_host_concurrency", "recheck_after", "revisit_after",
                        "revisit_until")
PATH_KEYS = ("path", "rules", "settings")


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
    revisit_after: float
    revisit_until: float
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
    """Everything a command needs, validated: paths resolved, cleaning and dedup settings read."""

    db_path: Path
    lock_wait: float
    batch_size: int
    batch_chars: int
    executor: ExecutorSettings
    cleaning: Mapping[str, Any]
    dedup: DedupSettings
    fetch: FetchSettings
    sources: tuple[Source, ...]

    def with_executor(self, kind: str) -> Settings:
        """These settings, with another executor."""
        return replace(self, executor=replace(self.executor, kind=kind))

    def with_private_hosts_allowed(self) -> Settings:
        """These settings, with fetching from private addresses allowed."""
        return replace(self, fetch=replace(self.fetch, allow_private_hosts=True))


def bundled(name: str) -> Path:
    """A bundled settings file of config/ (newswash.toml, cleaning.toml, dedup.toml, sources.toml)."""
    return Path(str(resources.files("newswash.config").joinpath(name)))


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
    """The bundled settings with ``config``'s over them, key by key; paths resolve against
    their own file. The bundled sources come from config/sources.toml; ``[[sources]]`` in a
    user config replace them. Any unknown section or key, wrong type, bad rule or regex is
    a ``NewswashError`` naming the file and the key."""
    default = bundled("newswash.toml")
    merged = _resolved(_read_toml(default), default.parent)
    sources = [_source(s, default.parent) for s in _read_toml(bundled("sources.toml")).get("sources", [])]
    if config is not None:
        user = _read_toml(config)
        if "sources" in user:
            sources = [_source(s, config.resolve().parent) for s in _entries(user.pop("sources"), config)]
        _check_keys(user, merged, config)
        for section, values in _resolved(user, config.resolve().parent).items():
            merged[section].update(values)
    else:
        config = default
    warehouse, pipeline = merged["warehouse"], merged["pipeline"]
    for key, least in (("batch_size", 1), ("batch_chars", 0)):
        if pipeline[key] < least:
            raise NewswashError(f"{config}: [pipeline] {key} must be at least {least}, not {pipeline[key]}")
    return Settings(
        db_path=warehouse["path"],
        lock_wait=float(warehouse["lock_wait"]),
        batch_size=int(pipeline["batch_size"]),
        batch_chars=int(pipeline["batch_chars"]),
        executor=ExecutorSettings(**merged["executor"]),
        cleaning=load_cleaning(merged["cleaning"]["rules"]),
        dedup=load_dedup(merged["dedup"]["settings"]),
        fetch=FetchSettings(**merged["fetch"]),
        sources=tuple(sources),
    )


def _resolved(data: dict[str, Any], base: Path) -> dict[str, dict[str, Any]]:
    """Sections of a newswash.toml with their file paths made absolute."""
    return {section: {key: _resolve(value, base) if key in PATH_KEYS else value for key, value in values.items()}
            for section, values in data.items()}


def _entries(value: Any, path: Path) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise NewswashError(f"{path}: [[sources]] must be a list of tables")
    return value


def _check_keys(user: dict[str, Any], defaults: dict[str, dict[str, Any]], path: Path) -> None:
    """Refuse sections and keys the bundled newswash.toml does not have, and values of another type."""
    for section, values in user.items():
        if section not in defaults or not isinstance(values, dict):
            raise NewswashError(f"{path}: unknown section [{section}]")
        for key, value in values.items():
            if key not in defaults[section]:
                raise NewswashError(f"{path}: unknown key [{section}] {key}")
            expected = type(defaults[section][key])
            kind = "str" if key in PATH_KEYS else "float" if expected is float else expected.__name__
            try:
                check_type(value, kind, f"[{section}] {key}")
            except ValueError as exc:
                raise NewswashError(f"{path}: {exc}") from None


def load_cleaning(path: Path | None = None) -> dict[str, Any]:
    """The cleaning config: the bundled config/cleaning.toml with ``path``'s tables over it,
    key by key; its ``[[rules]]`` replace the bundled rules, or with top-level
    ``extend_default = true`` update them by name (``enabled = false`` alone disables one)
    and add new ones. Checked by building a Cleaner from it."""
    from newswash.cleaners import Cleaner

    base = _read_toml(bundled("cleaning.toml"))
    config = base
    if path is not None and path != bundled("cleaning.toml"):
        user = _read_toml(path)
        extend = user.pop("extend_default", False)
        unknown = sorted(set(user) - set(base))
        if unknown:
            raise NewswashError(f"{path}: unknown table [{unknown[0]}]")
        rules = user.get("rules", [])
        if extend:
            by_name = {r["name"]: dict(r) for r in base["rules"]}
            for rule in rules:
                by_name[rule.get("name")] = {**by_name.get(rule.get("name"), {}), **rule}
            rules = list(by_name.values())
        config = {table: {**base[table], **user.get(table, {})}
                  for table in ("settings", "structure", "boilerplate", "safety")}
        config["rules"] = rules
    try:
        Cleaner(config)
    except (ValueError, TypeError) as exc:
        raise NewswashError(f"{path or bundled('cleaning.toml')}: {exc}") from None
    return config


def load_dedup(path: Path | None = None) -> DedupSettings:
    """Dedup settings: the bundled config/dedup.toml with ``path``'s keys over it."""
    data = _read_toml(bundled("dedup.toml"))
    if path is not None:
        data.update(_read_toml(path))
    try:
        return DedupSettings.from_mapping(data)
    except (ValueError, TypeError) as exc:
        raise NewswashError(f"{path or bundled('dedup.toml')}: {exc}") from None

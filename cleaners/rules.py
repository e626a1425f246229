"""Line rules read from TOML: what they match, where they may match, and how long a line may be."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, Mapping

from newswash.config_tables import from_table

from .prefilter import Prefilter, prefilter

Where = Literal["any", "head", "tail"]
Action = Literal["remove", "author", "attribution", "paywall", "list"]
ACTIONS = ("remove", "author", "attribution", "paywall", "list")
# The language under which every rule runs (``Rule.runs_on``): what the cleaner matches an
# article's lines with first when it declares none. It holds "-", so no language code is it.
EVERY_LANGUAGE = "every-language"

_KEYS = {"name", "exact", "regex", "where", "lines", "max_length", "enabled", "action", "case_sensitive", "languages", "proven"}


@dataclass(frozen=True)
class Settings:
    """Defaults a rule inherits when it does not set its own."""

    max_length: int
    head_lines: int
    tail_lines: int

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Settings:
        return from_table(cls, data, "settings")


@dataclass(frozen=True)
class Rule:
    """One named rule; it matches a whole line (exact text or anchored regex).

    ``where`` limits it to the first or last ``lines`` non-blank lines; a line longer
    than ``max_length`` characters is never matched, so a rule cannot eat a paragraph.
    ``action`` says what happens besides removal: ``author`` stores the regex group
    ``author``, ``attribution`` stores the line as the article's attribution, ``paywall``
    marks the article ``paywalled`` (a "subscribe to continue reading" prompt), ``list``
    (a heading over related links) also takes the headline-like lines that follow it.
    ``languages`` lists the languages whose wording or layout the rule reads (``en``):
    it runs only on articles in one of them; empty means every language. ``proven``: every
    line it removes on the eval sets is furniture, so the safety net lets it take a
    paragraph of sentences (a subscription pitch, a reprints notice).
    """

    name: str
    pattern: re.Pattern[str]
    where: Where = "any"
    lines: int = 0
    max_length: int = 120
    action: Action = "remove"
    enabled: bool = True
    languages: tuple[str, ...] = ()
    proven: bool = False

    @cached_property
    def prefilter(self) -> Prefilter:
        """What the lines the rule matches start with, end with and hold (``cleaners.prefilter``)."""
        return prefilter(self.pattern)

    def runs_on(self, language: str | None) -> bool:
        """Whether the rule applies to an article in ``language`` (None: not known;
        ``EVERY_LANGUAGE``: any)."""
        return not self.languages or language == EVERY_LANGUAGE or language in self.languages

    def allowed_at(self, index: int, total: int) -> bool:
        """Whether the ``index``-th of ``total`` lines is inside the rule's ``where`` window."""
        if self.where == "head":
            return index < self.lines
        return self.where == "any" or index >= total - self.lines

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], settings: Settings) -> Rule:
        """Build a rule from one ``[[rules]]`` table, checking its keys."""
        name = data.get("name")
        if not name:
            raise ValueError(f"rule without a name: {dict(data)}")
        unknown = set(data) - _KEYS
        if unknown:
            raise ValueError(f"rule {name!r}: unknown keys {sorted(unknown)}")
        if ("exact" in data) == ("regex" in data):
            raise ValueError(f"rule {name!r}: give exactly one of 'exact' or 'regex'")
        where = data.get("where", "any")
        if where not in ("any", "head", "tail"):
            raise ValueError(f"rule {name!r}: where must be any, head or tail")
        action = data.get("action", "remove")
        if action not in ACTIONS:
            raise ValueError(f"rule {name!r}: action must be one of {', '.join(ACTIONS)}")
        pattern = _compile(data, bool(data.get("case_sensitive", False)))
        if action == "author" and "author" not in pattern.groupindex:
            raise ValueError(f"rule {name!r}: an author rule needs a regex group (?P<author>...)")
        default_lines = settings.head_lines if where == "head" else settings.tail_lines
        return cls(
            name=name,
            pattern=pattern,
            where=where,
            lines=int(data.get("lines", default_lines)),
            max_length=int(data.get("max_length", settings.max_length)),
            action=action,
            enabled=bool(data.get("enabled", True)),
            languages=tuple(code.lower() for code in _as_list(data.get("languages", []))),
            proven=bool(data.get("proven", False)),
        )


def _compile(data: Mapping[str, Any], case_sensitive: bool) -> re.Pattern[str]:
    """One pattern from ``exact`` (string or list of strings) or ``regex`` (likewise)."""
    if "exact" in data:
        texts = _as_list(data["exact"])
        source = "|".join(re.escape(" ".join(t.split())) for t in texts)
    else:
        source = "|".join(f"(?:{r})" for r in _as_list(data["regex"]))
    flags = 0 if case_sensitive else re.IGNORECASE
    try:
        return re.compile(f"(?:{source})", flags)
    except re.error as exc:
        raise ValueError(f"rule {data['name']!r}: bad regex: {exc}") from exc


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def load_rules(config: Mapping[str, Any]) -> list[Rule]:
    """All rules of a parsed cleaning config, in file order; names must be unique."""
    settings = Settings.from_mapping(config.get("settings", {}))
    rules = [Rule.from_mapping(r, settings) for r in config.get("rules", [])]
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate rule names: {duplicates}")
    return rules

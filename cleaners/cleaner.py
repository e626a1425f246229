"""The cleaning stage: config-driven line rules, then the story-structure steps."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from newswash.records import Article, Removal

from .extract import LEAD_HEADING
from .rules import Rule, load_rules
from .structure import Structure
from .text import clean_inline, to_body, to_lines


def default_config() -> dict[str, Any]:
    """The bundled rules, ``newswash.config/cleaning.toml``."""
    text = resources.files("newswash.config").joinpath("cleaning.toml").read_text("utf-8")
    return tomllib.loads(text)


def read_config(path: str | Path) -> dict[str, Any]:
    """A user's rules file. With top-level ``extend_default = true`` its tables are laid
    over the bundled config: a rule with a bundled rule's name updates that rule's keys
    (``enabled = false`` alone disables it), other rules are appended."""
    user = tomllib.loads(Path(path).read_text("utf-8"))
    if not user.pop("extend_default", False):
        return user
    base = default_config()
    by_name = {r["name"]: dict(r) for r in base.get("rules", [])}
    for rule in user.get("rules", []):
        by_name[rule["name"]] = {**by_name.get(rule["name"], {}), **rule}
    return {
        "settings": {**base.get("settings", {}), **user.get("settings", {})},
        "structure": {**base.get("structure", {}), **user.get("structure", {})},
        "rules": list(by_name.values()),
    }


class Cleaner:
    """Cleans ``article.body`` and records every removed line as a ``Removal``."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        config = default_config() if config is None else config
        unknown = set(config) - {"settings", "structure", "rules"}
        if unknown:
            raise ValueError(f"unknown cleaning config tables: {sorted(unknown)}")
        self.rules: list[Rule] = load_rules(config)
        self.structure = Structure.from_mapping(config.get("structure", {}))

    @classmethod
    def from_toml(cls, path: str | Path | None = None) -> Cleaner:
        """Rules from a TOML file; ``None`` means the bundled default rules."""
        return cls(None if path is None else read_config(path))

    @property
    def rule_names(self) -> list[str]:
        """Names that can appear in ``Removal.rule``: the extraction step, enabled config
        rules and the structure steps."""
        return [LEAD_HEADING] + [r.name for r in self.rules if r.enabled] + self.structure.step_names

    def __call__(self, article: Article) -> Article:
        article.title = clean_inline(article.title)
        article.author = clean_inline(article.author)
        lines = self.structure.apply(article, self._apply_rules(article, to_lines(article.body)))
        article.body = to_body(lines)
        if not article.body and article.error is None:
            article.error = "empty body after cleaning"
        return article

    def _apply_rules(self, article: Article, lines: list[str]) -> list[str]:
        kept = []
        for index, line in enumerate(lines):
            rule, match = self._first_match(line, index, len(lines))
            if rule is None or match is None:
                kept.append(line)
                continue
            article.removals.append(Removal(rule.name, line))
            if rule.action == "author" and not article.author:
                article.author = clean_inline(match.group("author"))
            elif rule.action == "attribution":
                article.attribution = f"{article.attribution}; {line}" if article.attribution else line
        return kept

    def _first_match(self, line: str, index: int, total: int) -> tuple[Rule | None, Any]:
        for rule in self.rules:
            match = rule.match(line, index, total)
            if match:
                return rule, match
        return None, None

"""The cleaning stage: config-driven line rules, then the story-structure steps."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
import re
from collections.abc import Callable, Iterator
from typing import Any, Mapping, TypeVar

from newswash.records import Article, Removal

from .boilerplate import SITE_BOILERPLATE, BoilerplateSettings, LineCounts, remove_site_boilerplate
from .language import language_code, languages_of
from .prefilter import LineTest, case_key
from .rules import EVERY_LANGUAGE, Rule, load_rules
from .safety import SafetyNet
from .story_structure import Structure
from .text import LEAD_HEADING, clean_inline, to_body, to_lines


LOG = logging.getLogger(__name__)
# A linked headline under a related-links heading: up to 16 words, no full stop or colon at the end.
_LINK_TITLE = re.compile(r"(?:\S+\s+){0,15}\S*[^\s.…:]")
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|&|\band\b)\s*")
# A rule as the line loop uses it: the rule, its length guard, the test a line passes first
# (None: no test) and its whole-line matcher.
_Matcher = tuple[Rule, int, LineTest | None, Callable[[str], "re.Match[str] | None"]]
# A line's first matching rule and its match, or (None, None).
_Found = tuple[Rule | None, Any]
T = TypeVar("T")


class Cleaner:
    """Cleans ``article.body`` and records every removed line as a ``Removal``."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        """``config``: a cleaning config as ``newswash.settings.load_cleaning`` reads it (the bundled one by default)."""
        if config is None:
            from newswash.settings import load_cleaning

            config = load_cleaning()
        unknown = sorted(set(config) - {"settings", "structure", "rules", "boilerplate", "safety"})
        if unknown:
            raise ValueError(f"unknown table [{unknown[0]}]")
        self.rules: list[Rule] = [rule for rule in load_rules(config) if rule.enabled]
        # A line longer than every rule's length guard can match none: skip the rules.
        self._longest = max((rule.max_length for rule in self.rules), default=-1)
        # Rules allowed at a line position depend only on how far the line is from either
        # end, counted up to the widest head and tail windows; a cache keyed by that.
        self._head = max((rule.lines for rule in self.rules if rule.where == "head"), default=0)
        self._tail = max((rule.lines for rule in self.rules if rule.where == "tail"), default=0)
        self._allowed: dict[tuple[str | None, int, int], list[Rule]] = {}
        # A line's first character rules out most anchored rules, and decides the test a line
        # passes before the others: by that character, the rules a line starting with it may
        # match, each with its test, and the number of that choice (equal choices, one number);
        # and the matchers of ``_rules_at`` among them, by place, language and that number.
        self._start_kinds: dict[tuple[tuple[str, LineTest | None], ...], int] = {}
        self._starts: dict[str, tuple[int, dict[str, LineTest | None]]] = {}
        self._candidates: dict[tuple[str | None, int, int, int], list[_Matcher]] = {}
        self.structure = Structure.from_mapping(config.get("structure", {}))
        self.boilerplate = BoilerplateSettings.from_mapping(config.get("boilerplate", {}))
        self.safety = SafetyNet.from_mapping(config.get("safety", {}))
        self._proven = frozenset(rule.name for rule in self.rules if rule.proven)

    @classmethod
    def from_toml(cls, path: str | Path | None = None) -> Cleaner:
        """Rules from a TOML file laid over the bundled ones (``newswash.settings.load_cleaning``)."""
        from newswash.settings import load_cleaning

        return cls(load_cleaning(None if path is None else Path(path)))

    @property
    def rule_names(self) -> list[str]:
        """Names that can appear in ``Removal.rule``: the extraction step, enabled config
        rules, the structure steps and learned site boilerplate."""
        return (
            [LEAD_HEADING]
            + [r.name for r in self.rules]
            + self.structure.step_names
            + [SITE_BOILERPLATE] * self.boilerplate.enabled
        )

    def remove_boilerplate(
        self, articles: list[Article], stored: LineCounts | None = None, hashes: list[list[int]] | None = None,
        stories: list[int] | None = None,
    ) -> LineCounts:
        """The batch step after cleaning each article: learned site boilerplate out of the
        bodies (see ``cleaners.boilerplate``); ``stored`` are the warehouse's counts,
        ``hashes`` the articles' ``body_line_hashes`` and ``stories`` their story keys when already taken."""
        return remove_site_boilerplate(articles, stored, self.boilerplate, hashes, stories)

    def __call__(self, article: Article) -> Article:
        """Clean the article in place (``clean_all`` of it alone); a rule's error is raised."""
        cleaned = next(self.clean_all([article]))
        if isinstance(cleaned, Exception):
            raise cleaned
        return cleaned

    def clean_all(self, articles: list[Article]) -> Iterator[Article | Exception]:
        """``clean`` each article with the rules of its language: its own, else the one
        identified in its text; an error a rule raised on an article is yielded in its place.

        A text is identified only where its language changes what is removed: an article
        without a declared language is matched first with every language's rules, and only
        when a line's first match is a rule for some languages is its text identified (all
        such together) and matched again with its language's rules. Otherwise each line's
        first match is a rule for every language, or none, in any language: the same lines go.
        (Identifying every text was a quarter of a worker's time on the long texts of
        ``bench/ingest_jsonl_speed.py``, and 640 of 5,000 of them need it.)"""
        bodies = [to_lines(a.body) for a in articles]
        matches = [_attempt(self._matches, lines, language_code(a.language) if a.language else EVERY_LANGUAGE)
                   for a, lines in zip(articles, bodies)]
        asked = [i for i, (a, found) in enumerate(zip(articles, matches)) if not a.language
                 and not isinstance(found, Exception) and any(rule and rule.languages for rule, _ in found)]
        for i, language in zip(asked, languages_of([None] * len(asked), ["\n".join(bodies[i]) for i in asked])):
            matches[i] = _attempt(self._matches, bodies[i], language)
        for article, lines, found in zip(articles, bodies, matches):
            yield found if isinstance(found, Exception) else _attempt(self.clean, article, lines, found)

    def clean(self, article: Article, lines: list[str], matches: list[_Found]) -> Article:
        """Clean the article (its body's ``lines``, each with its first matching rule in
        ``matches``) in place; removals the safety net refuses go to ``article.kept`` (and
        the log) instead, and the article is cleaned again without them."""
        before = replace(article, removals=list(article.removals), authors=list(article.authors))
        self._clean(article, lines, matches, set())
        refused = self.safety.refused(lines, article.removals[len(before.removals) :], self._proven)
        if refused:
            vars(article).update(vars(before), removals=list(before.removals), authors=list(before.authors))
            self._clean(article, lines, matches, {(r.rule, r.text) for r in refused})
            article.kept.extend(refused)
            LOG.info("safety net kept %d line(s) of %s: %s", len(refused), article.url,
                     ", ".join(sorted({r.rule for r in refused})))
        return article

    def _clean(self, article: Article, lines: list[str], matches: list[_Found], veto: set[tuple[str, str]]) -> None:
        """Rules, then structure steps, on ``lines``; a (rule, line) pair in ``veto`` stays."""
        article.title = clean_inline(article.title)
        article.author = clean_inline(article.author)
        article.body = to_body(self.structure.apply(article, self._apply_rules(article, lines, matches, veto), veto))
        article.authors = [a for a in (clean_inline(x) for x in article.authors) if a]
        if article.author and not article.authors:
            article.authors = [a for a in (clean_inline(x) for x in _AUTHOR_SPLIT.split(article.author)) if a]
        if not article.body and article.error is None:
            article.error = "empty body after cleaning"

    def _apply_rules(self, article: Article, lines: list[str], matches: list[_Found],
                     veto: set[tuple[str, str]]) -> list[str]:
        kept = []
        listing: Rule | None = None  # the heading of the related links being read
        for line, (rule, match) in zip(lines, matches, strict=True):
            if rule is None and listing is not None and _LINK_TITLE.fullmatch(line):
                rule, match = listing, True
            listing = rule if rule is not None and rule.action == "list" else None
            if rule is None or match is None or (rule.name, line) in veto:
                kept.append(line)
                continue
            article.removals.append(Removal(rule.name, line))
            if rule.action == "author" and not article.author:
                article.author = clean_inline(match.group("author"))
            elif rule.action == "attribution":
                article.attribution = f"{article.attribution}; {line}" if article.attribution else line
            elif rule.action == "paywall":
                article.paywalled = True
        return kept

    def _matches(self, lines: list[str], language: str | None) -> list[_Found]:
        """Each line's first matching rule of ``language`` (``EVERY_LANGUAGE``: of all), and its match."""
        return [self._first_match(line, index, len(lines), language) for index, line in enumerate(lines)]

    def _first_match(self, line: str, index: int, total: int, language: str | None) -> _Found:
        """The first rule allowed here that matches the whole line, and its match. A rule
        whose prefilter the line fails (``cleaners.prefilter``) is not run."""
        size = len(line)
        if size > self._longest or not size:
            return None, None
        key = None
        for rule, max_length, test, fullmatch in self._rules_for(line[0], index, total, language):
            if size > max_length:
                continue
            if test is not None:
                if key is None and test.folded:
                    key = case_key(line)
                if not test.may_match(line, key):
                    continue
            match = fullmatch(line)
            if match:
                return rule, match
        return None, None

    def _rules_for(self, first: str, index: int, total: int, language: str | None) -> list[_Matcher]:
        """The matchers of the rules of ``_rules_at`` that a line starting with ``first`` may match."""
        if first not in self._starts:
            found = tuple((rule.name, test) for rule in self.rules
                          if (test := rule.prefilter.for_first(first)) is not False)
            self._starts[first] = (self._start_kinds.setdefault(found, len(self._start_kinds)), dict(found))
        kind, tests = self._starts[first]
        key = (language, min(index, self._head), min(total - 1 - index, self._tail), kind)
        if key not in self._candidates:
            self._candidates[key] = [(rule, rule.max_length, tests[rule.name], rule.pattern.fullmatch)
                                     for rule in self._rules_at(index, total, language) if rule.name in tests]
        return self._candidates[key]

    def _rules_at(self, index: int, total: int, language: str | None) -> list[Rule]:
        """The rules allowed at the ``index``-th of ``total`` lines of an article in ``language``
        (``EVERY_LANGUAGE``: any), in order (found once per language and distance from the head and the tail)."""
        key = (language, min(index, self._head), min(total - 1 - index, self._tail))
        if key not in self._allowed:
            self._allowed[key] = [rule for rule in self.rules if rule.allowed_at(index, total) and rule.runs_on(language)]
        return self._allowed[key]


def rule_hits(articles: list[Article]) -> dict[str, int]:
    """How many lines each rule removed in a batch (``Removal.rule`` -> count), most hits
    first; for the run log and a per-run table."""
    counts: dict[str, int] = {}
    for article in articles:
        for removal in article.removals:
            counts[removal.rule] = counts.get(removal.rule, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _attempt(work: Callable[..., T], *args: Any) -> T | Exception:
    """``work(*args)``, or the exception it raised (one article's, which must not stop the others)."""
    try:
        return work(*args)
    except Exception as exc:
        return exc

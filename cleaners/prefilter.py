"""What every match of a regular expression holds, read from its parse tree: a test that rules
a line out before the regex runs (the prefilter RE2 and Hyperscan build from a pattern).

``prefilter(pattern)`` reads each top-level alternative of the pattern apart (a rule's
``regex = [...]`` list): the characters its match can start with (a one-character pattern
the engine compiles with the pattern's flags), the strings it starts and ends with, and,
when it can start with a run of any characters (``.*``, which makes the engine try the rest
at every position of the line), strings one of which every match contains.
``"to hear" in line`` or ``line.endswith(("AP", "Reuters"))`` is one scan in C. The tests
are necessary conditions only: a line that passes one still goes to the regex, so a rule
matches exactly the lines it matched before.

Under ``re.IGNORECASE`` the strings are compared with the line's ``case_key``: each character
lowered as the regex engine lowers it, and the few that one of its case equivalences joins
(``s`` and long ``ſ``, ``i`` and dotless ``ı``...) written as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from re import _compiler, _constants as sre, _parser
from re._casefix import _EXTRA_CASES

import _sre

MAX_STRINGS = 16  # a set of exact alternatives larger than this is not expanded further
MAX_AFFIXES = 64  # starts or ends a match may have, tested at once (str.startswith/endswith)
MIN_LENGTH = 2  # shorter strings are in most lines: no test
MIN_COMMON = 4  # a part common to all the strings, this long, is tested instead of them
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)  # anchors and lookarounds: they match no text
_ONE_CHAR = (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY)  # a node that matches one character


@dataclass(frozen=True)
class Alternative:
    """One top-level alternative of a pattern: the characters its matches start with (None:
    any), and the strings they start with, end with, and hold one of (None: not known)."""

    first: re.Pattern[str] | None = field(compare=False)
    prefixes: tuple[str, ...] | None
    suffixes: tuple[str, ...] | None
    required: tuple[str, ...] | None

    @property
    def tested(self) -> bool:
        return self.prefixes is not None or self.suffixes is not None or self.required is not None

    def may_start_with(self, char: str) -> bool:
        return self.first is None or self.first.match(char) is not None


@dataclass(frozen=True)
class LineTest:
    """What a line must pass for a pattern to be tried on it: one of ``alternatives`` may match
    it (compared with the line's ``case_key`` when ``folded``)."""

    alternatives: tuple[Alternative, ...]
    folded: bool

    def may_match(self, line: str, key: str | None) -> bool:
        """False when the pattern cannot match ``line`` (``key``: its ``case_key``, when folded)."""
        text = key if self.folded else line
        for alternative in self.alternatives:  # (one loop: a method call an alternative costs more than its tests)
            if alternative.prefixes is not None and not text.startswith(alternative.prefixes):
                continue
            if alternative.suffixes is not None and not text.endswith(alternative.suffixes):
                continue
            if alternative.required is None:
                return True
            for string in alternative.required:
                if string in text:
                    return True
        return False


@dataclass(frozen=True)
class Prefilter:
    """A pattern's alternatives, each read apart (one when it has no top-level ``|``)."""

    alternatives: tuple[Alternative, ...]
    folded: bool

    def for_first(self, char: str) -> LineTest | None | bool:
        """The test of a line starting with ``char``: False when no match can start with it,
        None when an alternative that can has no test (the regex runs)."""
        possible = tuple(a for a in self.alternatives if a.may_start_with(char))
        if not possible:
            return False
        if not all(a.tested for a in possible):
            return None
        return LineTest(possible, self.folded)


def prefilter(pattern: re.Pattern[str]) -> Prefilter:
    """The tests of each top-level alternative of ``pattern`` (none where it cannot be read)."""
    folded = bool(pattern.flags & re.IGNORECASE)
    if pattern.flags & (re.LOCALE | re.ASCII) or not isinstance(pattern.pattern, str):
        return Prefilter((Alternative(None, None, None, None),), folded)
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    return Prefilter(tuple(_alternative(items, parsed.state, folded) for items in _top_alternatives(list(parsed))),
                     folded)


def _top_alternatives(items: list) -> list[list]:
    """The alternatives of a pattern that is one ``|`` (inside non-capturing groups with no flags)."""
    while len(items) == 1 and items[0][0] is sre.SUBPATTERN:
        group, add_flags, del_flags, child = items[0][1]
        if group is not None or add_flags | del_flags:
            break
        items = list(child)
    if len(items) == 1 and items[0][0] is sre.BRANCH:
        return [list(alternative) for alternative in items[0][1][1]]
    return [items]


def _alternative(items: list, state: _parser.State, folded: bool) -> Alternative:
    scans = _scans(items)
    return Alternative(_first_chars(items, state), None if scans else _affixes(items, folded),
                       _affixes(items[::-1], folded, backwards=True) if scans else None,
                       _required_text(items, folded) if scans else None)


def _required_text(items: list, folded: bool) -> tuple[str, ...] | None:
    """Strings one of which every match holds, or None when none worth a test was found."""
    strings = _required(_sequence(items, folded))
    if strings is None:
        return None
    if len(strings) > 1 and len(common := _common_part(strings)) >= MIN_COMMON:
        strings = frozenset({common})  # in every one of them: one scan instead of several
    if len(strings) > MAX_STRINGS or min(map(len, strings)) < MIN_LENGTH:
        return None
    return tuple(sorted(strings, key=len, reverse=True))


def _affixes(items: list, folded: bool, backwards: bool = False) -> tuple[str, ...] | None:
    """The strings every match starts with (``items`` in order) or ends with (``items``
    reversed, ``backwards``): the exact strings of the nodes at that end, crossed while they
    stay few; None when one of them is empty."""
    found = {""}
    for op, av in items:
        exact, _ = _node(op, av, folded)
        if exact is None or len(found) * len(exact) > MAX_AFFIXES:
            break
        found = {b + a for a in found for b in exact} if backwards else {a + b for a in found for b in exact}
    return None if "" in found else tuple(sorted(found))


def _first_chars(items: list, state: _parser.State) -> re.Pattern[str] | None:
    """A pattern matching one character: any that a match of ``items`` can start with (a
    superset: lookarounds and anchors are not read), compiled with the pattern's flags; None
    when any may (the match can be empty, or a back reference or a flag change comes first)."""
    nodes, empty = _first_nodes(items)
    if nodes is None or empty:
        return None
    one_of = [(sre.BRANCH, (None, [_parser.SubPattern(state, [node]) for node in nodes]))]
    return _compiler.compile(_parser.SubPattern(state, one_of))


def _first_nodes(items: list) -> tuple[list | None, bool]:
    """The one-character nodes that can match the first character of ``items``' match (None:
    not known), and whether that match can be empty."""
    nodes: list = []
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op in _ONE_CHAR:
            return [*nodes, (op, av)], False
        if op is sre.SUBPATTERN:
            found, empty = _first_nodes(list(av[3])) if not av[1] | av[2] else (None, True)
        elif op is sre.ATOMIC_GROUP:
            found, empty = _first_nodes(list(av))
        elif op is sre.BRANCH:
            alternatives = [_first_nodes(list(alternative)) for alternative in av[1]]
            found = None if any(f is None for f, _ in alternatives) else [n for f, _ in alternatives for n in f]
            empty = any(e for _, e in alternatives)
        elif op in _REPEATS:
            found, empty = _first_nodes(list(av[2]))
            empty = empty or av[0] == 0
        else:
            return None, True  # a back reference, a conditional
        if found is None:
            return None, True
        nodes += found
        if not empty:
            return nodes, False
    return nodes, True


def _common_part(strings: frozenset[str]) -> str:
    """The longest string that is part of each of ``strings``."""
    shortest = min(strings, key=len)
    for size in range(len(shortest), 0, -1):
        for start in range(len(shortest) - size + 1):
            part = shortest[start : start + size]
            if all(part in string for string in strings):
                return part
    return ""


def _scans(items: list) -> bool:
    """Whether the pattern can start with a run of any length of unknown characters
    (``.*``, ``.{0,100}``), so that the engine tries its rest at many places in the line."""
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op is sre.SUBPATTERN:
            return _scans(list(av[3]))
        if op is sre.ATOMIC_GROUP:
            return _scans(list(av))
        if op is sre.BRANCH:
            return any(_scans(list(alternative)) for alternative in av[1])
        if op in _REPEATS:
            child = list(av[2])
            return av[1] > 1 and len(child) == 1 and child[0][0] in (sre.ANY, sre.IN, sre.CATEGORY, sre.NOT_LITERAL)
        return False
    return False


def case_key(text: str) -> str:
    """``text`` with each character as the regex engine compares it under IGNORECASE."""
    if text.isascii():
        return text.lower()
    # str.lower is the engine's lowering but for the dotted capital I (two characters) and
    # the final sigma (ς, joined with σ anyway).
    key = text.replace("\u0130", "i").lower()
    return key.translate(_JOINED) if _JOINED_CHARS.search(key) else key


# Lowercase characters the engine takes for another one (long s for s...): each as the lowest
# of its equivalents.
_JOINED = {code: min((code, *others)) for code, others in _EXTRA_CASES.items() if min(others) < code}
_JOINED_CHARS = re.compile("[" + "".join(map(chr, _JOINED)) + "]")


def _key(code: int) -> int:
    lower = _sre.unicode_tolower(code)
    return min((lower, *_EXTRA_CASES.get(lower, ())))


# What a node of the parse tree matches: ``exact``, the strings it matches exactly (None:
# unknown or too many); ``required``, strings one of which every match holds (None: unknown).
_Info = tuple["frozenset[str] | None", "frozenset[str] | None"]
_UNKNOWN: _Info = (None, None)
_EMPTY: _Info = (frozenset({""}), None)


def _sequence(items: list, folded: bool) -> _Info:
    """Nodes one after the other: exact runs joined while small, the best requirement kept."""
    exact: frozenset[str] | None = frozenset({""})
    best: frozenset[str] | None = None
    whole = True
    for op, av in items:
        node_exact, node_required = _node(op, av, folded)
        if exact is not None and node_exact is not None and len(exact) * len(node_exact) <= MAX_STRINGS:
            exact = frozenset(a + b for a in exact for b in node_exact)
            continue
        whole = False
        best = _better(best, _as_required(exact))
        if node_exact is None:
            best = _better(best, node_required)
            exact = frozenset({""})
        else:
            exact = node_exact
    best = _better(best, _as_required(exact))
    return (exact, best) if whole else (None, best)


def _node(op: object, av: object, folded: bool) -> _Info:
    if op is sre.LITERAL:
        return frozenset({_char(av, folded)}), None
    if op is sre.IN:
        return _char_set(av, folded)
    if op in _ZERO_WIDTH:
        return _EMPTY
    if op is sre.SUBPATTERN:
        _group, add, remove, child = av
        if (add | remove) & re.IGNORECASE:
            return _UNKNOWN  # case rules change inside: not compared with one key
        return _sequence(child, folded)
    if op is sre.ATOMIC_GROUP:
        return _sequence(av, folded)
    if op is sre.BRANCH:
        return _branch([_sequence(alternative, folded) for alternative in av[1]])
    if op in _REPEATS:
        low, high, child = av
        return _repeat(low, high, _sequence(child, folded))
    return _UNKNOWN  # any character, a category, a back reference, a conditional


def _char(code: int, folded: bool) -> str:
    return chr(_key(code) if folded else code)


def _char_set(items: list, folded: bool) -> _Info:
    """``[abc]``: its characters, when they are plain ones and few."""
    if not all(op is sre.LITERAL for op, _ in items):
        return _UNKNOWN
    chars = frozenset(_char(code, folded) for _, code in items)
    return (chars, None) if len(chars) <= MAX_STRINGS else (None, _as_required(chars))


def _branch(alternatives: list[_Info]) -> _Info:
    exacts = [exact for exact, _ in alternatives]
    if all(exact is not None for exact in exacts):
        union = frozenset().union(*exacts)
        if len(union) <= MAX_STRINGS:
            return union, None
    required = [exact_required if (exact_required := _as_required(exact)) is not None else needed
                for exact, needed in alternatives]
    if any(r is None for r in required):
        return _UNKNOWN
    return None, frozenset().union(*required)


def _repeat(low: int, high: int, child: _Info) -> _Info:
    exact, required = child
    if high == 0:
        return _EMPTY
    if high == 1 and exact is not None:
        return (exact | {""} if low == 0 else exact), None
    if low >= 1:
        return None, _as_required(exact) if exact is not None else required
    return _UNKNOWN


def _as_required(exact: frozenset[str] | None) -> frozenset[str] | None:
    """Exact strings as a requirement: none when one of them is empty."""
    if exact is None or "" in exact:
        return None
    return exact


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective requirement: the longer shortest string, then the fewer strings."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b, key=lambda s: (min(map(len, s)), -len(s)))


def _required(info: _Info) -> frozenset[str] | None:
    exact, required = info
    return _as_required(exact) if exact is not None else required

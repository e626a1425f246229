"""The text every match of a regular expression holds: a test that rules a line out before
the regex runs (the prefilter RE2 and Hyperscan build from a pattern).

``required_text(pattern)`` reads the pattern's parse tree and returns strings of which every
match contains at least one, or None when it finds none worth testing. A rule whose pattern
starts with ``.*`` makes the regex engine try every position of the line; ``"to hear" in
line`` is one scan in C. The strings are a necessary condition only: a line that holds one
still goes to the regex, so a rule matches exactly the lines it matched before.

Under ``re.IGNORECASE`` the strings are compared with the line's ``case_key``: each character
lowered as the regex engine lowers it, and the few that one of its case equivalences joins
(``s`` and long ``ſ``, ``i`` and dotless ``ı``...) written as one.

``first_chars(pattern)`` is the other half of the prefilter, for the anchored patterns: the
characters a match can start with, as a one-character pattern the engine compiles with the
pattern's own flags. A line whose first character it refuses is not offered to the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _compiler, _constants as sre, _parser
from re._casefix import _EXTRA_CASES

import _sre

MAX_STRINGS = 16  # a set of exact alternatives larger than this is not expanded further
MIN_LENGTH = 2  # shorter strings are in most lines: no test
MIN_COMMON = 4  # a part common to all the strings, this long, is tested instead of them
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)  # anchors and lookarounds: they match no text
_ONE_CHAR = (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY)  # a node that matches one character


@dataclass(frozen=True)
class RequiredText:
    """At least one of ``strings`` is in every match; compared with the line's ``case_key``
    when ``folded``."""

    strings: tuple[str, ...]
    folded: bool

    def may_match(self, line: str, key: str) -> bool:
        """False when the regex cannot match ``line`` (``key``: its ``case_key``)."""
        text = key if self.folded else line
        for string in self.strings:
            if string in text:
                return True
        return False


def required_text(pattern: re.Pattern[str]) -> RequiredText | None:
    """What every match of ``pattern`` holds, or None when nothing worth a test was found."""
    if pattern.flags & (re.LOCALE | re.ASCII) or not isinstance(pattern.pattern, str):
        return None
    parsed = list(_parser.parse(pattern.pattern, pattern.flags))
    if not _scans(parsed):
        return None  # the engine fails it on the line's first characters: faster than any test
    folded = bool(pattern.flags & re.IGNORECASE)
    strings = _required(_sequence(parsed, folded))
    if strings is None:
        return None
    if len(strings) > 1 and len(common := _common_part(strings)) >= MIN_COMMON:
        strings = frozenset({common})  # in every one of them: one scan instead of several
    if len(strings) > MAX_STRINGS or min(map(len, strings)) < MIN_LENGTH:
        return None
    return RequiredText(tuple(sorted(strings, key=len, reverse=True)), folded)


def first_chars(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A pattern matching one character: any that a match of ``pattern`` can start with (a
    superset: lookarounds and anchors are not read); None when any may (the pattern can
    match the empty string, or holds a back reference or a flag changing inside)."""
    if not isinstance(pattern.pattern, str):
        return None
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    nodes, empty = _first_nodes(list(parsed))
    if nodes is None or empty:
        return None
    one_of = [(sre.BRANCH, (None, [_parser.SubPattern(parsed.state, [node]) for node in nodes]))]
    return _compiler.compile(_parser.SubPattern(parsed.state, one_of))


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

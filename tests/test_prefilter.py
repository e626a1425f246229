"""A rule's prefilter (cleaners/prefilter.py): what the lines it matches start with, end with
and hold. A line that fails it is not run through the rule's regex, so every line the regex
matches must pass it."""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path
from re._casefix import _EXTRA_CASES  # type: ignore[import-not-found]

import pytest

from newswash.cleaners import Cleaner
from newswash.cleaners.prefilter import case_key, prefilter
from newswash.cleaners.text import to_lines

FIXTURES = Path(__file__).parent / "fixtures" / "cleaners"
# Lines a bundled rule with a required text removes, written out by hand.
FURNITURE = [
    "We’d love to hear from you. Write to letters@example.com",
    "WE'D LIKE TO HEAR WHAT YOU THINK about this story",
    "Jane Doe and Ed Roe contributed to this report.",
    "Reuters staff contributed reporting to this story",
    "Follow her on Twitter @janedoe",
    "Posted in: World, Politics",
    "Schlagwörter: Politik",
    "Photo credit: Jane Doe",
    "Our site may earn a commission if you buy through our links.",
    "Reading time: 4 minutes",
]


def fixture_lines() -> list[str]:
    """Every line of the seeds and of the HTML fixtures' text, and the furniture above."""
    lines = list(FURNITURE)
    for path in sorted((FIXTURES / "seeds").glob("*.txt")):
        lines += to_lines(path.read_text("utf-8"))
    for path in sorted([*(FIXTURES / "html").glob("*.html.gz"), *(FIXTURES / "snippets").glob("*.html.gz")]):
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        lines += to_lines(re.sub(r"<[^>]+>", "\n", html))
    return lines


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner.from_toml(None)


def test_case_key_equates_what_the_regex_engine_equates() -> None:
    """For every cased character and each of its case partners: where IGNORECASE matches one
    with the other, both have the same key (so a key test never rules out a match)."""
    compared = 0
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        lower = char.lower()
        if lower == char and char.upper() == char and code not in _EXTRA_CASES:
            continue
        partners = {lower, char.upper(), char.title(), char.casefold(), *map(chr, _EXTRA_CASES.get(ord(lower[0]), ()))}
        for partner in partners:
            if len(partner) == 1 and partner != char and re.fullmatch(re.escape(partner), char, re.IGNORECASE):
                assert case_key(char) == case_key(partner), (hex(code), partner)
                compared += 1
    assert compared > 2000
    assert case_key("ΟΔΟΣ ſtraße İstanbul") == case_key("οδοσ straße istanbul")


@pytest.mark.parametrize(("pattern", "flags", "strings", "folded"), [
    (r".*\bWe(’|')?d love to hear (from you|what you think)\b.*", re.I, ("d love to hear ",), True),
    (r".{0,100}\bcontributed to this (report|story)\.?", re.I, ("contributed to this ",), True),
    (r".*\bFollow me on (X|Bluesky)\b.*", 0, ("Follow me on ",), False),
    (r".*(?=x)Tags?:.*", re.I, ("tags:", "tag:"), True),
    (r".*(?-i:Reuters) photo.*", re.I, (" photo",), True),  # what is compared with the key only
])
def test_required_text_of_patterns(pattern: str, flags: int, strings: tuple[str, ...], folded: bool) -> None:
    found = prefilter(re.compile(pattern, flags))
    assert (found.alternatives[0].required, found.folded) == (strings, folded)


@pytest.mark.parametrize(("pattern", "prefixes", "suffixes"), [
    (r"Sign up( now| today)?[:!].*", ("sign up now!", "sign up now:", "sign up today!", "sign up today:",
                                      "sign up!", "sign up:"), None),  # anchored: how it starts
    (r".* ?/ ?(Getty|AP)( via Getty)?", None, ("/ap", "/ap via getty", "/getty", "/getty via getty",
                                              " /ap", " /ap via getty", " /getty", " /getty via getty",
                                              "/ ap", "/ ap via getty", "/ getty", "/ getty via getty",
                                              " / ap", " / ap via getty", " / getty", " / getty via getty")),
    (r".*\((AP|AFP)/[^)]*\)", None, (")",)),  # scanning: how it ends
    (r".*(\w+)\1", None, None),  # a back reference: no end known
])
def test_affixes_of_patterns(pattern: str, prefixes: tuple[str, ...] | None, suffixes: tuple[str, ...] | None) -> None:
    alternative, = prefilter(re.compile(pattern, re.I)).alternatives
    assert alternative.prefixes == (tuple(sorted(prefixes)) if prefixes else None)
    assert alternative.suffixes == (tuple(sorted(suffixes)) if suffixes else None)


def test_alternatives_are_read_apart() -> None:
    """A rule's ``regex = [...]`` list is one pattern of alternatives; a line is tested against
    those that can start with its first character, and the regex runs when one of them passes,
    or has no test."""
    found = prefilter(re.compile(r"(?:(?:Photo: .*)|(?:.*\((AP|AFP)/[^)]*\))|(?:[A-Z]\w* \d+))", re.I))
    photo, agency, untested = found.alternatives
    assert photo.prefixes == ("photo: ",) and agency.required == ("(afp/", "(ap/") and not untested.tested
    assert found.for_first("(").alternatives == (agency,)
    assert found.for_first("p") is None  # `[A-Z]\w* \d+` may start there and has no test
    assert found.for_first("1").alternatives == (agency,)
    assert found.for_first("(").may_match("(x) (AP/Jane Doe)", case_key("(x) (AP/Jane Doe)"))
    assert not found.for_first("(").may_match("(AP) Jane Doe", case_key("(ap) jane doe"))
    assert prefilter(re.compile(r"\d+ cts|x", re.I)).for_first("a") is False


@pytest.mark.parametrize("pattern", [
    r".*(?-i:Reuters).*",  # the case rule changes inside
    r".*(\w+)\1.*",  # a back reference
    r".*(\d+|x) cts.*|.*",  # an alternative with no literal
])
def test_no_test(pattern: str) -> None:
    assert prefilter(re.compile(pattern, re.I)).for_first("a") is None


@pytest.mark.parametrize(("pattern", "flags", "starts", "not_starts"), [
    (r"Sign up( now| today)?[:!].*", re.I, "Ss", "ia !"),
    (r"(?:By|Von)\s+(?P<author>.+)", re.I, "bBvV", "ay"),
    (r"\W*Photo: .*", 0, "P —(", "pa"),  # a run that may be empty: what follows starts too
    (r"(?:\b|^)(?=Foto)[A-Z]\w+", 0, "FA", "f1"),  # anchors and lookaheads read as nothing
    (r"straße", re.I, "Ssſ", "t"),  # the engine's own case rules: long s is an s
    (r"(\d)\1 cts", 0, "07", "x"),  # a back reference after the first character
])
def test_first_chars_of_patterns(pattern: str, flags: int, starts: str, not_starts: str) -> None:
    first = prefilter(re.compile(pattern, flags)).alternatives[0].first
    assert first is not None
    assert all(first.match(char) for char in starts)
    assert not any(first.match(char) for char in not_starts)


@pytest.mark.parametrize("pattern", [
    r"(?:Photo)?.*",  # can match the empty string
    r"(?i:photo) credit",  # a flag changes inside
    r"(x)?(?(1)a|b)c",  # a conditional first
])
def test_no_first_chars(pattern: str) -> None:
    assert prefilter(re.compile(pattern)).alternatives[0].first is None


def test_bundled_rules_match_only_lines_their_prefilter_passes(cleaner: Cleaner) -> None:
    lines = fixture_lines()
    matched = ruled_out = 0
    for rule in cleaner.rules:
        for line in lines:
            test = rule.prefilter.for_first(line[0])
            passes = test is None or (test is not False and test.may_match(line, case_key(line)))
            if rule.pattern.fullmatch(line):
                matched += 1
                assert passes, (rule.name, line)
            ruled_out += not passes
    assert matched >= len(FURNITURE)
    assert ruled_out > 0.9 * len(lines) * len(cleaner.rules)  # most rules never run on most lines


def test_first_match_is_that_of_every_rule_in_turn(cleaner: Cleaner) -> None:
    """The rule and match the cleaner finds for a line are those of trying each rule allowed
    at its place in order, as if no rule had a prefilter."""
    lines = fixture_lines()
    found = 0
    for language in ("en", "de", None):
        for index, line in enumerate(lines):
            position = (index % 5, 5 if index % 2 else 3)  # head lines and tail lines both
            expected = (None, None)
            for rule in cleaner._rules_at(position[0], sum(position), language):
                if len(line) <= rule.max_length and (match := rule.pattern.fullmatch(line)):
                    expected = (rule, match.span())
                    break
            rule, match = cleaner._first_match(line, position[0], sum(position), language)
            assert (rule, match.span() if match else None) == expected, line
            found += rule is not None
    assert found >= len(FURNITURE)

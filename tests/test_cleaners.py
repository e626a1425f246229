"""Extraction and cleaning stage: seeds keep every story sentence and lose every artifact."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from re import _constants as re_constants  # type: ignore[attr-defined]
from re import _parser as re_parser  # type: ignore[attr-defined]

import ftfy
import pytest
import trafilatura
from ftfy.badness import BADNESS_RE
from lxml import etree as lxml_etree

from newswash.errors import NewswashError
from newswash.cleaners import Cleaner
from newswash.cleaners.extract import extract
from newswash.settings import load_cleaning
from newswash.cleaners.html import parse
from newswash.cleaners.text import BADNESS_WIDTH, PLAIN, fix_text, fold as fold_line
from newswash.records import Article
from newswash.step import Batch
from newswash.steps.clean import Clean

FIXTURES = Path(__file__).parent / "fixtures" / "cleaners"
SEEDS = {p.name[:3]: p for p in sorted((FIXTURES / "seeds").glob("*.txt"))}
HTML = FIXTURES / "html"
GROUND_TRUTH = json.loads((HTML / "ground-truth.json").read_text("utf-8"))

# Known artifact lines of each seed (written out by hand, not derived from the rules).
ARTIFACTS = {
    "000": ["Source: nypost.com"],
    "001": ["[ad_1]", "[ad_2]", "Source link"],
    "002": ["print-icon", "Tyler Durden's Photo", "by Tyler Durden", "Authored...", "Via Reuters", "0", "Loading..."],
    "003": ["No comments:", "Post a Comment"],
    "004": [
        "Listen to article",
        "This audio version was artificially generated. More info | Send feedback",
        "source site-34",
    ],
}
HEADLINES = {
    "000": "Ukraine’s Crimea Incursion: North Korean Rocket Connection",
    "002": "Russia Fired Over 24 North Korean Missiles at Ukraine In Recent Weeks: Kiev",
    "004": "Debris all over the country: Pentagon: Moscow fires North Korean missiles at Ukraine",
}
TITLE_REPEATS = {"004": ["Debris all over the country", "Pentagon: Moscow fires North Korean missiles at Ukraine"]}
SENTENCE_SPLIT = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])")


def fold(text: str) -> str:
    return " ".join(text.split())


def story_lines(seed: str) -> list[str]:
    """The seed's lines minus its known artifacts, headline and title repeats."""
    drop = set(ARTIFACTS[seed]) | set(TITLE_REPEATS.get(seed, [])) | {HEADLINES.get(seed)}
    lines = [fold(line) for line in SEEDS[seed].read_text("utf-8").splitlines()]
    return [line for line in lines if line and line not in drop]


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner.from_toml(None)


@pytest.fixture(scope="module")
def cleaned(cleaner: Cleaner) -> dict[str, Article]:
    return {
        seed: cleaner(extract(Article(url=f"seed:{seed}", content=path.read_text("utf-8"))))
        for seed, path in SEEDS.items()
    }


def test_five_seeds_present() -> None:
    assert sorted(SEEDS) == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("seed", sorted(ARTIFACTS))
def test_seed_artifacts_gone(cleaned: dict[str, Article], seed: str) -> None:
    paragraphs = cleaned[seed].body.split("\n\n")
    for artifact in ARTIFACTS[seed] + TITLE_REPEATS.get(seed, []) + [HEADLINES.get(seed, "\0")]:
        assert artifact not in paragraphs
    assert "[ad_" not in cleaned[seed].body and "print-icon" not in cleaned[seed].body


@pytest.mark.parametrize("seed", sorted(ARTIFACTS))
def test_seed_every_story_sentence_kept(cleaned: dict[str, Article], seed: str) -> None:
    body = cleaned[seed].body
    sentences = [s for line in story_lines(seed) for s in SENTENCE_SPLIT.split(line)]
    assert len(sentences) >= 8
    missing = [s for s in sentences if s not in body]
    assert missing == []


@pytest.mark.parametrize("seed", sorted(ARTIFACTS))
def test_seed_paragraphs_are_the_story_lines(cleaned: dict[str, Article], seed: str) -> None:
    assert cleaned[seed].body.split("\n\n") == story_lines(seed)


def test_mid_story_subheading_kept(cleaned: dict[str, Article]) -> None:
    assert "\n\nUnreliable Missiles Raise Concerns for Ukrainian Troops\n\n" in cleaned["000"].body
    assert "\n\nKim wants to develop tactical nuclear weapons\n\n" in cleaned["004"].body


def test_headline_detection(cleaned: dict[str, Article]) -> None:
    for seed, headline in HEADLINES.items():
        assert cleaned[seed].title == headline
    for seed in ("001", "003"):
        assert cleaned[seed].title is None
        assert not any(r.rule == "headline" for r in cleaned[seed].removals)


def test_author_and_attribution(cleaned: dict[str, Article]) -> None:
    assert cleaned["002"].author == "Tyler Durden"
    assert cleaned["002"].attribution == "Via Reuters"
    assert cleaned["000"].attribution == "Source: nypost.com"
    assert cleaned["001"].author is None and cleaned["001"].attribution is None


def test_removals_logged_with_rule_names(cleaner: Cleaner, cleaned: dict[str, Article]) -> None:
    for seed, article in cleaned.items():
        removed = [r.text for r in article.removals]
        expected = ARTIFACTS[seed] + TITLE_REPEATS.get(seed, []) + ([HEADLINES[seed]] if seed in HEADLINES else [])
        assert sorted(set(removed)) == sorted(set(expected))
        assert removed.count("print-icon") == (2 if seed == "002" else 0)
        assert all(r.rule in cleaner.rule_names for r in article.removals)
    rules = {r.text: r.rule for r in cleaned["002"].removals}
    assert rules["by Tyler Durden"] == "byline"
    assert rules["Loading..."] == "loading"
    assert rules["0"] == "lone_number_tail"
    assert {r.rule for r in cleaned["004"].removals} >= {"headline", "title_repeat", "listen_to_article"}


def test_lone_zero_only_at_tail(cleaner: Cleaner) -> None:
    text = "Story line one is here.\n\n0\n\n" + "\n\n".join(f"Sentence number {i}." for i in range(8))
    article = cleaner(Article(url="u", title="T", body=text))
    assert "\n\n0\n\n" in article.body


def test_rule_catalogue_covers_brief() -> None:
    """Every rule of the brief on its own; the body is nearly all furniture, so the safety
    net (which would refuse that much prose going) is off here."""
    cleaner = Cleaner({**(config := load_cleaning()), "safety": {**config["safety"], "enabled": False}})
    text = "\n".join(
        [
            "Advertisement",
            "Share this article",
            "Sign up for our newsletter to get the latest news in your inbox.",
            "Read more: Ukraine war latest",
            "Photo: Jane Doe for The Times",
            "A soldier fires a rocket near Bakhmut. (AP Photo/Libkos)",
            "Copyright 2026. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
            "The story itself is a full sentence that must stay in the body.",
            "Read more",
        ]
    )
    article = cleaner(Article(url="u", title="T", body=text))
    assert article.body == "The story itself is a full sentence that must stay in the body."
    assert len(article.removals) == 8


def test_attribution_line_variants(cleaner: Cleaner) -> None:
    body = "A full sentence of the story stays here.\nThis article originally appeared on The Conversation."
    article = cleaner(Article(url="u", title="T", body=body))
    assert article.body == "A full sentence of the story stays here."
    assert article.attribution == "This article originally appeared on The Conversation."


def test_repeated_story_block_dropped_but_recurring_lines_kept(cleaner: Cleaner) -> None:
    story = [f"Paragraph {i} of the story tells one more part of what happened." for i in range(4)]
    question = "What inspired you to start cooking for other people?"
    lines = [*story, question, "Answer one.", question, "Answer two.", *story[:3]]
    article = cleaner(Article(url="u", title="T", body="\n".join(lines)))
    assert article.body.split("\n\n") == [*story, question, "Answer one.", question, "Answer two."]
    assert [r.rule for r in article.removals] == ["duplicate"] * 3


def test_title_repeat_only_near_top_unless_exact(cleaner: Cleaner) -> None:
    title = "Storm hits the coast: thousands without power"
    lines = ["Storm hits the coast", "The storm reached land early on Monday, officials said.",
             "Thousands without power", "More text follows here.", "More text again here.",
             "thousands without power", title]
    article = cleaner(Article(url="u", title=title, body="\n".join(lines)))
    assert [r.text for r in article.removals] == ["Storm hits the coast", "Thousands without power", title]
    assert "thousands without power" in article.body.split("\n\n")


def write_rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, "utf-8")
    return path


def test_user_rule_file(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path,
        """
[[rules]]
name = "house_promo"
regex = 'Download our app.*'
""",
    )
    cleaner = Cleaner.from_toml(path)
    assert "house_promo" in cleaner.rule_names and "ad_marker" not in cleaner.rule_names
    article = cleaner(Article(url="u", title="T", body="Download our app today!\n[ad_1]\nA real sentence."))
    assert article.body == "[ad_1]\n\nA real sentence."
    assert article.removals[0].rule == "house_promo"


def test_user_file_extends_and_disables_default(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path,
        """
extend_default = true

[[rules]]
name = "source_link"
enabled = false

[[rules]]
name = "house_promo"
exact = "Download our app"
""",
    )
    cleaner = Cleaner.from_toml(path)
    assert "source_link" not in cleaner.rule_names and "house_promo" in cleaner.rule_names
    body = "Source link\nDownload our app\nprint-icon\nA real sentence."
    article = cleaner(Article(url="u", title="T", body=body))
    assert article.body == "Source link\n\nA real sentence."
    assert [r.rule for r in article.removals] == ["house_promo", "print_icon"]


def test_length_guard_protects_paragraphs(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path,
        """
[[rules]]
name = "greedy"
regex = '.*Reuters.*'
""",
    )
    long_line = "Reuters reported on Friday that " + "the talks went on for many hours, " * 5 + "officials said."
    article = Cleaner.from_toml(path)(Article(url="u", title="T", body=f"Via Reuters\n{long_line}"))
    assert article.body == long_line
    assert [r.text for r in article.removals] == ["Via Reuters"]


def test_head_and_tail_windows_and_first_rule_wins(tmp_path: Path) -> None:
    """Rules only act inside their windows, whatever the body's length, and the first
    rule in file order that matches names the removal."""
    path = write_rules(
        tmp_path,
        """
[[rules]]
name = "head2"
regex = 'x\\d'
where = "head"
lines = 2
[[rules]]
name = "tail1"
regex = 'x\\d'
where = "tail"
lines = 1
[[rules]]
name = "short"
regex = 'x[0-4]'
max_length = 2
""",
    )
    cleaner = Cleaner.from_toml(path)
    for total in range(1, 9):
        body = "\n".join(f"x{i}" for i in range(total))
        article = cleaner(Article(url="u", title="T", body=body))
        expected = [
            "head2" if i < 2 else "tail1" if i == total - 1 else "short" if i < 5 else None for i in range(total)
        ]
        assert [(r.rule, r.text) for r in article.removals] == [
            (rule, f"x{i}") for i, rule in enumerate(expected) if rule
        ]


def test_bad_rules_are_reported(tmp_path: Path) -> None:
    with pytest.raises(NewswashError, match="exactly one"):
        Cleaner.from_toml(write_rules(tmp_path, '[[rules]]\nname = "x"\n'))
    with pytest.raises(NewswashError, match="unknown keys"):
        Cleaner.from_toml(write_rules(tmp_path, '[[rules]]\nname = "x"\nexact = "a"\nmaxlen = 3\n'))


def test_text_hygiene(cleaner: Cleaner) -> None:
    body = "It\u00e2\u20ac\u2122s a   caf\u00c3\u00a9\tstory.\n\n\nCafe\u0301 two\u00a0 says \u201chi\u201d."
    article = cleaner(Article(url="u", title="T", body=body))
    assert article.body == "It’s a café story.\n\nCafé two says “hi”."


# Lines ftfy changes (mojibake, entities, controls, ligatures, line breaks, decomposed
# accents) and lines it leaves alone; fix_text must agree with plain ftfy on all of them.
FTFY_CASES = [
    "It\u00e2\u20ac\u2122s a caf\u00c3\u00a9 story.",
    "\u00c3\u00a0 la carte",
    "Clean line.\n\u00c2 \u00c2 after a line break",
    "\u00c2 at the very start",
    "Windows-1251: \u0432\u0402\u2122 and \u0413\u045e\u0412\u0402\u0412\u00a6 here",
    "MacRoman \u201a\u00c4\u00f4s quote",
    "Greek \u03b2\u20ac\u2122 mojibake",
    "Tom &amp; Jerry &eacute;t&eacute; &#8220;x&#8221;",
    "AT&T and R&D stay",
    "C1 control \x85 next line and \x93quoted\x94",
    "\ufb01ne \ufb02ow ligatures",
    "windows\r\nline\rbreaks\u2028and\u2029separators",
    "\x1b[31mred\x1b[0m terminal escape",
    "\ufeffbyte order mark and \x00 null",
    "decomposed Cafe\u0301",
    "lone surrogate \ud83d here",
    "\u201cCurly\u201d quotes \u2014 dashes \u2013 and\u2026 ellipses \u00a9 2024",
    "Na\u00efve caf\u00e9, \u00fcber \u00c9cole, \u00a3100 \u20ac5",
    "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u65e5\u672c\u8a9e \u0645\u0631\u062d\u0628\u0627",
    "\u00d7\u00b2 and \u00c3\u00a1 pairs",
]


@pytest.mark.parametrize("text", FTFY_CASES)
def test_fix_text_agrees_with_ftfy(text: str) -> None:
    """fix_text skips ftfy only where ftfy would return the text unchanged, alone or
    between other lines."""
    for case in (text, "Plain line.\n" + text + "\nAnother \u201cline\u201d."):
        assert fix_text(case) == plain_ftfy(case)


def plain_ftfy(text: str) -> str:
    """What fix_text did before its shortcut: ftfy on everything, then NFC."""
    fixed = ftfy.fix_text(text, uncurl_quotes=False, fix_character_width=False, normalization="NFC")
    return unicodedata.normalize("NFC", fixed)


EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


@pytest.mark.skipif(not (EVAL / "newsweb-dev" / "records.jsonl").exists(), reason="../shared/eval not found")
def test_fix_text_agrees_with_ftfy_on_eval_data() -> None:
    """Every record text and title of newsweb-dev, each line of them, and the same lines
    turned into mojibake (UTF-8 read as Latin-1, Windows-1252 and Windows-1251)."""
    texts = []
    for line in (EVAL / "newsweb-dev" / "records.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        texts += [record["text"], record.get("title") or "", *record["text"].split("\n")]
    for line in {t for t in texts if not t.isascii() and len(t) < 300}:
        texts += [line.encode("utf-8").decode(encoding, "replace") for encoding in ("latin-1", "cp1252", "cp1251")]
    assert [text for text in texts if fix_text(text) != plain_ftfy(text)] == []


def test_mojibake_detector_assumptions() -> None:
    """The shortcut in fix_text relies on ftfy's detector being a plain alternation whose
    matches are at most BADNESS_WIDTH long and each need one character outside ASCII and
    PLAIN (a literal or a bracket class without such characters)."""
    assert not BADNESS_RE.flags & re.IGNORECASE
    parsed = re_parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    assert parsed.getwidth()[1] <= BADNESS_WIDTH
    ((op, (_, alternatives)),) = parsed.data
    assert op is re_constants.BRANCH
    allowed = set(range(128)) | set(map(ord, PLAIN))
    assert all(any(_outside(item, allowed) for item in alternative.data) for alternative in alternatives)


def _outside(item: tuple, allowed: set[int]) -> bool:
    """A one-character item of a parsed regex that matches no character of ``allowed``."""
    op, value = item
    if op is re_constants.LITERAL:
        return value not in allowed
    if op is not re_constants.IN or any(kind not in (re_constants.LITERAL, re_constants.RANGE) for kind, _ in value):
        return False
    codes = {c for kind, v in value for c in ([v] if kind is re_constants.LITERAL else range(v[0], v[1] + 1))}
    return not codes & allowed


def test_fold_splits_at_regex_whitespace() -> None:
    """fold folds with str.split, which must split at the characters regex \\s matches."""
    assert [c for c in map(chr, range(0x110000)) if bool(re.fullmatch(r"\s", c)) != c.isspace()] == []
    assert fold_line("\u200b Two\u00a0 words\u2029\t ") == "Two words"


def test_trafilatura_leaves_the_tree_alone() -> None:
    """extract hands its parsed tree to trafilatura and reuses it afterwards (split
    bodies), which is only right while trafilatura works on a copy."""
    pid = "3cb22bfabed8de715c0813a7bb5052363c96bd71ccce3bb2dfb3ab9d1d7a9bbc"
    tree = parse(gzip.decompress((HTML / f"{pid}.html.gz").read_bytes()).decode("utf-8"))
    before = lxml_etree.tostring(tree)
    assert trafilatura.bare_extraction(tree, with_metadata=True, fast=True) is not None
    assert lxml_etree.tostring(tree) == before


def test_html_extraction(cleaner: Cleaner) -> None:
    pid = "3cb22bfabed8de715c0813a7bb5052363c96bd71ccce3bb2dfb3ab9d1d7a9bbc"
    html = gzip.decompress((HTML / f"{pid}.html.gz").read_bytes()).decode("utf-8")
    article = cleaner(extract(Article(url=GROUND_TRUTH[pid]["url"], content=html, content_type="html")))
    assert article.error is None
    assert article.title == "2020 Audi e-tron Sportback revealed as electric 4-door coupe"
    assert article.author == "Chris Davies"
    assert article.published_at == datetime(2019, 11, 20, 2, 15, 49)
    assert article.updated_at is not None and article.updated_at > article.published_at
    assert article.language == "en" and article.site_name == "SlashGear"
    assert article.canonical_url == GROUND_TRUTH[pid]["url"]
    paragraphs = article.body.split("\n\n")
    story = [fold(p) for p in GROUND_TRUTH[pid]["articleBody"].split("\n") if len(p) > 80]
    assert len(story) >= 5 and all(p in paragraphs for p in story)
    assert not article.body.startswith(article.title)


def test_html_headline_and_standfirst_leave_body(cleaner: Cleaner) -> None:
    paragraph = "The council voted on Tuesday to rebuild the old harbour wall after the winter storms, and work will start in spring. "
    html = (
        "<html lang='en'><head><title>Harbour wall to be rebuilt</title></head><body><article>"
        "<h1>Harbour wall to be rebuilt</h1>"
        "<h2>The council approved the plan after months of debate over the cost of repairs.</h2>"
        + "".join(f"<p>{paragraph * 2}Point {i}.</p>" for i in range(5))
        + "<h2>What happens next</h2><p>" + paragraph + "</p></article></body></html>"
    )
    article = cleaner(extract(Article(url="https://example.org/harbour", content=html, content_type="html")))
    assert [r.rule for r in article.removals] == ["lead_heading", "lead_heading"]
    assert article.body.startswith("The council voted")
    assert "What happens next" in article.body.split("\n\n")


@pytest.mark.parametrize("pid", sorted(GROUND_TRUTH))
def test_html_first_paragraph(cleaner: Cleaner, pid: str) -> None:
    html = gzip.decompress((HTML / f"{pid}.html.gz").read_bytes())
    article = cleaner(extract(Article(url=GROUND_TRUTH[pid]["url"], content=html.decode(), content_type="html")))
    assert article.body.split("\n\n")[0] == fold(GROUND_TRUTH[pid]["articleBody"].split("\n")[0])
    assert article.language is not None and article.published_at is not None


@pytest.mark.parametrize("content", ["", "   ", "<html><body></body></html>", "\x00\x01<<<>>>", "<?xml ?>", "<div><p>"])
def test_garbage_html_gives_reason(content: str) -> None:
    article = extract(Article(url="u", content=content, content_type="html"))
    assert article.error
    assert article.body == ""


def test_an_error_while_cleaning_one_article_fails_only_that_article(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception raised while an article's lines are matched, or while it is cleaned, makes
    that article a failure of the clean step with the error as its reason; the others are cleaned."""
    first_match, apply_rules = Cleaner._first_match, Cleaner._apply_rules

    def matching(self: Cleaner, line: str, *args: object) -> object:
        if line == "A line no rule can read.":
            raise ValueError("matching broke")
        return first_match(self, line, *args)

    def cleaning(self: Cleaner, article: Article, *args: object) -> object:
        if article.url == "https://example.com/cleaning":
            raise RuntimeError("cleaning broke")
        return apply_rules(self, article, *args)

    monkeypatch.setattr(Cleaner, "_first_match", matching)
    monkeypatch.setattr(Cleaner, "_apply_rules", cleaning)
    story = "The council met on Tuesday and agreed to rebuild the old bridge before the winter comes."
    articles = [Article(url="https://example.com/fine", body=f"{story}\n\nSource link"),
                Article(url="https://example.com/cleaning", body=story),
                Article(url="https://example.com/matching", body=f"{story}\n\nA line no rule can read.")]
    batch = Clean(Cleaner())(Batch(articles))
    assert [(a.url, a.body) for a in batch.articles] == [("https://example.com/fine", story)]
    assert [(f.location, f.stage, f.reason) for f in batch.failures] == [
        ("https://example.com/cleaning", "clean", "RuntimeError: cleaning broke"),
        ("https://example.com/matching", "clean", "ValueError: matching broke")]
    assert batch.counts[-1].dropped == {"RuntimeError": 1, "ValueError": 1}

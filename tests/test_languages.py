"""Pages beyond English news: decoding on the way in, language-aware rules, the safety net."""

from __future__ import annotations

import gzip
import importlib
import json
import logging
import threading
from pathlib import Path

import pytest

from newswash.cleaners import Cleaner
from newswash.cleaners.extract import extract
from newswash.settings import load_cleaning
import py3langid

from newswash.cleaners.language import IDENTIFY_CHARS, language_of, languages_of
from newswash.records import Article
from newswash.sources.charset import decode
from newswash.sources.files import read_file

SNIPPETS = Path(__file__).parent / "fixtures" / "cleaners" / "snippets"
EVALDATA = {item["file"]: item for item in json.loads((SNIPPETS / "evaldata.json").read_text("utf-8")).values()}
STORY = " ".join(["Die Polizei fand am Morgen viele Spuren im Haus und sprach lange mit den Nachbarn."] * 4)


def page(name: str) -> bytes:
    return gzip.decompress((SNIPPETS / f"{name}.gz").read_bytes())


def cleaned(name: str) -> Article:
    return Cleaner()(extract(Article(url="https://example.org/" + name, content=decode(page(name)), content_type="html")))


def folded(text: str) -> str:
    return " ".join(text.split())


def test_latin1_file_page_keeps_its_umlauts(tmp_path: Path) -> None:
    """A local ISO-8859-1 page is decoded by its <meta> charset, not as UTF-8 with
    replacement characters."""
    path = tmp_path / "landwirt.html"
    path.write_bytes(page("landwirt.com.sensortechnik.html"))
    (article,) = read_file(path)
    assert "Überwachung der somatischen Zellen" in article.content and "\ufffd" not in article.content
    body = folded(Cleaner()(extract(article)).body)
    assert "b) Überwachung der somatischen Zellen" in body


def test_xhtml_page_with_encoding_declaration_parses() -> None:
    name = "dsv.de-synchronschwimmen.html"
    assert page(name).lstrip().startswith(b"<?xml")
    article = cleaned(name)
    assert article.error is None
    body = folded(article.body)
    assert all(folded(segment) in body for segment in EVALDATA[name]["with"])


@pytest.mark.parametrize("name", sorted(EVALDATA))
def test_german_pages_keep_their_sentences(name: str) -> None:
    """Every segment trafilatura's evaluation expects is in the body, none it rules out."""
    body = folded(cleaned(name).body)
    assert [s for s in EVALDATA[name]["with"] if folded(s) not in body] == []
    assert [s for s in EVALDATA[name]["without"] if folded(s) in body] == []


def test_standfirst_heading_stays_outside_english() -> None:
    """The sentence-long lead heading is main text on the German page (it goes on English news)."""
    article = cleaned("biathlon-antholz.it-jubeln.html")
    assert article.language == "de"
    assert "beim letzten Weltcuprennen schlug" in folded(article.body)


def test_english_only_rule_runs_only_on_english() -> None:
    """related_headline_tail reads English Title Case; German capitalises every noun."""
    lines = ["Der Bericht beginnt mit einem ganzen Satz über die Lage im Land.", "- Neue Regeln Für Die Bahn Im Winter"]
    german = Cleaner()(Article(url="u", title="T", language="de", body="\n\n".join(lines)))
    english = Cleaner()(Article(url="u", title="T", language="en", body="\n\n".join(lines)))
    assert german.body.endswith(lines[1]) and german.removals == []
    assert [r.rule for r in english.removals] == ["related_headline_tail"]


def test_language_of_prefers_the_declared_language() -> None:
    assert language_of("en-GB", "Die Polizei fand viele Spuren.") == "en"
    assert language_of(None, STORY) == "de"
    assert language_of(None, "1 2 3 --") is None


def test_languages_identified_together_are_those_of_py3langid_one_by_one() -> None:
    texts = [Cleaner()(extract(Article(url="https://example.org/" + name, content=decode(page(name)),
                                       content_type="html"))).body for name in EVALDATA]
    texts += [STORY, "Le gouvernement a annoncé hier de nouvelles mesures.", "Это короткий текст.", "a", "¿Qué?"]
    expected = [py3langid.classify(text[:IDENTIFY_CHARS])[0] for text in texts]
    assert len(set(expected)) >= 4
    assert languages_of([None] * len(texts), texts) == expected
    assert [languages_of([None], [text])[0] for text in texts] == expected  # a batch of one walks alike
    assert languages_of([None, "pt-BR", None], ["", "Die Polizei fand viele Spuren.", "1 2 3"]) == [None, "pt", None]


def test_a_text_is_identified_only_where_its_language_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Articles without a declared language: one whose line an English-only rule would match
    first is identified (and so a German one keeps the line), one whose lines only rules for
    every language match is not, and each is cleaned as if its language had been declared."""
    cleaner_module = importlib.import_module("newswash.cleaners.cleaner")
    identified: list[str] = []

    def recorded(declared: list[str | None], texts: list[str]) -> list[str | None]:
        identified.extend(texts)
        return languages_of(declared, texts)

    monkeypatch.setattr(cleaner_module, "languages_of", recorded)
    tail = "- Neue Regeln Für Die Bahn Im Winter"  # related_headline_tail: English Title Case
    english = "The council met on Tuesday and agreed to rebuild the old bridge before the winter comes."
    bodies = {"de": [STORY, tail], "en": [english, tail], "any": [english, "Source link"]}
    undeclared = list(Cleaner().clean_all([Article(url=k, title="T", body="\n\n".join(v)) for k, v in bodies.items()]))
    declared = list(Cleaner().clean_all([Article(url=k, title="T", language="en" if k == "any" else k, body="\n\n".join(v))
                                         for k, v in bodies.items()]))
    assert identified == ["\n".join(bodies["de"]), "\n".join(bodies["en"])]
    got = [(a.body, [(r.rule, r.text) for r in a.removals]) for a in undeclared]
    assert got == [(a.body, [(r.rule, r.text) for r in a.removals]) for a in declared]
    assert [removals for _, removals in got] == [[], [("related_headline_tail", tail)], [("source_link", "Source link")]]


def test_safety_net_refuses_an_over_eager_removal(caplog: pytest.LogCaptureFixture) -> None:
    """A rule that would take a story paragraph is logged and not applied; short furniture goes."""
    config = load_cleaning()
    config["rules"].append({"name": "eager", "regex": ".*Polizei.*", "max_length": 2000})
    body = "\n\n".join([STORY, "Mehr zum Thema: Neue Regeln", "Ein zweiter Absatz ohne das Wort bleibt stehen."])
    with caplog.at_level(logging.INFO, logger="newswash.cleaners.cleaner"):
        article = Cleaner(config)(Article(url="u", title="T", language="de", body=body))
    assert article.body.split("\n\n") == [STORY, "Ein zweiter Absatz ohne das Wort bleibt stehen."]
    assert [(r.rule, r.text) for r in article.kept] == [("eager", STORY)]
    assert [r.rule for r in article.removals] == ["read_more_de"]
    assert "safety net kept 1 line(s)" in caplog.text


def test_safety_net_refuses_removing_most_of_the_prose() -> None:
    """Prose lines worth more than max_share of the body stay, however short each is."""
    config = load_cleaning()
    config["rules"].append({"name": "eager", "regex": "Satz \\d+ .*"})
    lines = [f"Satz {i} erzählt einen weiteren Teil der Geschichte im Dorf." for i in range(6)]
    article = Cleaner(config)(Article(url="u", title="T", language="de", body="\n\n".join(["Kurzer Anfang.", *lines])))
    assert article.body.split("\n\n") == ["Kurzer Anfang.", *lines]
    assert len(article.kept) == 6 and article.removals == []


def test_extraction_takes_one_page_at_a_time_on_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    extraction = importlib.import_module("newswash.cleaners.extract")  # the module, not the function of that name
    inside, most, guard = 0, 0, threading.Lock()
    real = extraction._extract_html

    def counted(article: Article) -> None:
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        try:
            real(article)
        finally:
            with guard:
                inside -= 1

    monkeypatch.setattr(extraction, "_extract_html", counted)
    pages = [decode(page(name)) for name in EVALDATA] * 4
    articles = [Article(url=f"https://example.org/{i}", content=html, content_type="html") for i, html in enumerate(pages)]
    threads = [threading.Thread(target=lambda part=part: [extract(a) for a in part]) for part in (articles[::2], articles[1::2])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1 and all(a.body for a in articles)

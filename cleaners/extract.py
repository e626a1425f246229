"""Main text and metadata from an article's HTML (trafilatura, htmldate) or plain text."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import re
import threading

import courlan
import htmldate
from htmldate.extractors import get_external_parser
import trafilatura
import trafilatura.external
from lxml import html as lxml_html
from lxml.etree import ParserError, _Element

from newswash.records import Article, Removal

from .html import drop_hover_cards, parse, recover_split_body
from .language import language_of, languages_of
from .page_metadata import Structured, read_structured, unique_tags
from .text import LEAD_HEADING, clean_inline, fold, to_body

LEAD_MIN_WORDS = 8
# A sentence-long lead heading is a standfirst that the English news of extraction-dev
# leave out of the body; trafilatura's evaluation pages (German, French, Spanish news and
# blogs) keep it as main text, so it goes only in these languages.
STANDFIRST_LANGUAGES = ("en",)
# trafilatura's fast mode (no readability/jusText comparison) was measured on the English
# news of extraction-dev: F1 0.980 against 0.979 (three pages better, one worse, a
# Portuguese one) and 1.2x faster. On the other languages of snippets-dev the comparison
# recovers text fast mode loses (F1 0.921 -> 0.931), so a page in another language (the
# language read from the fast extraction) is extracted again in full.
FAST_LANGUAGES = ("en",)
# Body choice: trafilatura's text, unless the page's JSON-LD articleBody is at least
# JSONLD_MIN_WORDS words and trafilatura found nothing or fewer than JSONLD_SHORT_SHARE of
# its words. Measured on extraction-dev (9 pages with an articleBody): where both are
# full-length, trafilatura's text is better on 7 of 9 (articleBody carries captions or is
# a cut-down teaser), so articleBody is only a fallback for a failed extraction.
JSONLD_MIN_WORDS = 50
JSONLD_SHORT_SHARE = 0.5
# A teaser cut short: a body under TEASER_MAX_WORDS words whose last line ends in an ellipsis.
TEASER_MAX_WORDS = 150
_ELLIPSIS = re.compile(r"(\.\.\.|…)[\"'”’»)\]]*$")
_WORDS = re.compile(r"\w+")
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def warm_up() -> None:
    """Load now what a process's first extraction and cleaning would: the language model,
    dateparser's patterns of every locale (htmldate's last resort compiles them on its first
    call: 2 s), jusText's stopwords of every language (trafilatura's fallback joins them on
    its first call) and the public suffix list (courlan reads it on its first URL). Both
    workers of a run paid the last two, 3.4% and 1.4% of their samples on 774 WARC pages."""
    languages_of([None], ["a warm-up sentence"])
    get_external_parser().get_date_data("a text without a date")
    trafilatura.external.JT_STOPLIST or trafilatura.external.jt_stoplist_init()
    courlan.extract_domain("https://www.example.com/")


# One page at a time in a process: a run of the samples on the `local` executor (extraction
# on two threads) died once in 52 with SIGSEGV, which the kernel placed in lxml's etree in
# a pool thread. On a worker process the lock is never contended.
_ONE_PAGE_AT_A_TIME = threading.Lock()


def extract(article: Article) -> Article:
    """Fill body and metadata from ``article.content``; set ``article.error`` when nothing
    usable comes out. Never raises for bad HTML."""
    if not article.content.strip():
        article.error = "empty content"
    elif article.content_type == "html":
        with _ONE_PAGE_AT_A_TIME:
            _extract_html(article)
    else:
        article.body = article.content
    return article


def _extract_html(article: Article) -> None:
    try:
        tree = parse(article.content)
    except (ParserError, ValueError) as exc:
        article.error = f"unparsable HTML: {exc}"
        return
    # trafilatura works on a copy, so the tree stays whole for the steps before and after it.
    data = read_structured(tree)
    article.language = article.language or _declared_language(tree)
    # htmldate reads JSON-LD, meta tags, the URL and the text; JSON-LD fills what it misses.
    article.published_at = article.published_at or _find_date(tree, article.url, original=True) or data.published
    updated = _find_date(tree, article.url, original=False) or data.modified
    if updated and article.published_at and updated > article.published_at:
        article.updated_at = article.updated_at or updated
    drop_hover_cards(tree)
    doc = meta = _trafilatura(tree, article.url, fast=True)
    text = _text(doc)
    language = language_of(getattr(doc, "language", None) or article.language, text)
    if language not in FAST_LANGUAGES:
        # The same metadata again: the second pass reads only the text, at the URL the first found.
        doc = _trafilatura(tree, article.url or getattr(meta, "url", None), fast=False, with_metadata=meta is None)
        text = _text(doc)
        meta = meta or doc
    lines = [fold(line) for line in text.splitlines() if line.strip()]
    if lines:
        lines = recover_split_body(tree, _drop_lead_headings(article, lines, doc.body, language))
    if _prefer_json_ld(lines, data):
        lines = [fold(line) for line in (data.body or "").splitlines() if line.strip()]
    if not lines:
        article.error = "no main text found in HTML"
        return
    article.body = to_body(lines)
    _fill_metadata(article, meta, data)


def _trafilatura(tree: lxml_html.HtmlElement, url: str | None, fast: bool, with_metadata: bool = True) -> Any:
    """trafilatura's main text and (``with_metadata``) metadata of the page (it works on a copy of ``tree``)."""
    return trafilatura.bare_extraction(tree, url=url or None, with_metadata=with_metadata, include_comments=False,
                                       fast=fast)


def _text(doc: Any) -> str:
    """The extracted text; none when it holds no letter."""
    return doc.text if doc is not None and any(ch.isalpha() for ch in doc.text or "") else ""


def _prefer_json_ld(lines: list[str], data: Structured) -> bool:
    """The body-choice rule (see JSONLD_MIN_WORDS): articleBody only when trafilatura failed."""
    ld_words = len(_WORDS.findall(data.body or ""))
    if ld_words < JSONLD_MIN_WORDS:
        return False
    return sum(len(_WORDS.findall(line)) for line in lines) < JSONLD_SHORT_SHARE * ld_words


def _fill_metadata(article: Article, doc: object, data: Structured) -> None:
    """Metadata from trafilatura, cross-filled from JSON-LD: the page's own headline and
    author list are preferred when trafilatura has none; tags come from both."""
    title = getattr(doc, "title", None)
    article.title = article.title or title or data.headline
    authors = data.authors or _split_authors(getattr(doc, "author", None))
    article.authors = article.authors or authors
    article.author = article.author or getattr(doc, "author", None) or ("; ".join(authors) or None)
    article.site_name = article.site_name or getattr(doc, "sitename", None) or data.site_name
    article.canonical_url = article.canonical_url or getattr(doc, "url", None) or data.url
    article.language = getattr(doc, "language", None) or article.language
    article.tags = unique_tags([*article.tags, *data.tags, *_as_list(getattr(doc, "tags", None)),
                                *_as_list(getattr(doc, "categories", None))])
    words = len(_WORDS.findall(article.body))
    last = article.body.rsplit("\n", 1)[-1]
    teaser = words < TEASER_MAX_WORDS and bool(_ELLIPSIS.search(last))
    article.paywalled = article.paywalled or data.accessible_for_free is False or teaser


def _split_authors(value: str | None) -> list[str]:
    """trafilatura joins several authors with "; "."""
    return [a for a in (clean_inline(part) for part in (value or "").split(";")) if a]


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [v for v in re.split(r"\s*[,;]\s*", value) if v]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _drop_lead_headings(article: Article, lines: list[str], body: _Element, language: str | None) -> list[str]:
    """Remove the headline and standfirst: headings that open the extracted text before
    any paragraph, when they are the page's h1 or, in STANDFIRST_LANGUAGES, sentence-long
    (>= LEAD_MIN_WORDS words). Measured on extraction-dev, such headings are almost never
    part of an English article body."""
    standfirst = language in STANDFIRST_LANGUAGES
    leading = []
    for element in body:
        text = fold("".join(element.itertext()))
        if not text:
            continue
        if element.tag != "head":
            break
        if element.get("rend") == "h1" or (standfirst and len(text.split()) >= LEAD_MIN_WORDS):
            leading.append(text)
    top = lines[: len(leading) + 1]
    for text in leading:
        if text in top:
            article.removals.append(Removal(LEAD_HEADING, text))
            top.remove(text)
    return top + lines[len(leading) + 1 :]


def _find_date(tree: lxml_html.HtmlElement, url: str, original: bool) -> datetime | None:
    """Publication (``original``) or last-update date as a naive UTC datetime."""
    found = htmldate.find_date(tree, url=url or None, original_date=original, outputformat=_DATE_FORMAT)
    if not found:
        return None
    value = datetime.fromisoformat(found)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _declared_language(tree: lxml_html.HtmlElement) -> str | None:
    """The page's declared language (``<html lang>`` or content-language meta), e.g. ``en``."""
    values = tree.xpath(
        "/html/@lang | /html/@xml:lang"
        " | //meta[translate(@http-equiv,'CONTENTLAGU','contentlagu')='content-language']/@content"
        " | //meta[@property='og:locale']/@content"
    )
    for value in values:
        code = value.strip().replace("_", "-").split("-")[0].lower()
        if code.isalpha() and 2 <= len(code) <= 3:
            return code
    return None

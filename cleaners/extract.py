"""Main text and metadata from an article's HTML (trafilatura, htmldate) or plain text."""

from __future__ import annotations

from datetime import datetime, timezone

import htmldate
import trafilatura
from lxml import html as lxml_html
from lxml.etree import ParserError, _Element

from newswash.records import Article, Removal

from .text import fold, to_body

LEAD_HEADING = "lead_heading"
LEAD_MIN_WORDS = 8
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def extract(article: Article) -> Article:
    """Fill body and metadata from ``article.content``; set ``article.error`` when nothing
    usable comes out. Never raises for bad HTML."""
    if not article.content.strip():
        article.error = "empty content"
    elif article.content_type == "html":
        _extract_html(article)
    else:
        article.body = article.content
    return article


def _extract_html(article: Article) -> None:
    try:
        tree = lxml_html.document_fromstring(article.content)
    except (ParserError, ValueError) as exc:
        article.error = f"unparsable HTML: {exc}"
        return
    # Dates and language first: trafilatura prunes the tree it is given.
    article.language = article.language or _declared_language(tree)
    article.published_at = article.published_at or _find_date(tree, article.url, original=True)
    updated = _find_date(tree, article.url, original=False)
    if updated and updated != article.published_at:
        article.updated_at = article.updated_at or updated
    doc = trafilatura.bare_extraction(
        tree,
        url=article.url or None,
        with_metadata=True,
        include_comments=False,
    )
    if doc is None or not any(ch.isalpha() for ch in doc.text or ""):
        article.error = "no main text found in HTML"
        return
    lines = [fold(line) for line in doc.text.splitlines() if line.strip()]
    article.body = to_body(_drop_lead_headings(article, lines, doc.body))
    article.title = article.title or doc.title
    article.author = article.author or doc.author
    article.site_name = article.site_name or doc.sitename
    article.canonical_url = article.canonical_url or doc.url
    article.language = doc.language or article.language


def _drop_lead_headings(article: Article, lines: list[str], body: _Element) -> list[str]:
    """Remove the headline and standfirst: headings that open the extracted text before
    any paragraph, when they are the page's h1 or sentence-long (>= LEAD_MIN_WORDS words).
    Measured on extraction-dev, such headings are almost never part of the article body."""
    leading = []
    for element in body:
        text = fold("".join(element.itertext()))
        if not text:
            continue
        if element.tag != "head":
            break
        if element.get("rend") == "h1" or len(text.split()) >= LEAD_MIN_WORDS:
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

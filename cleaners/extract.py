"""Main text and metadata from an article's HTML (trafilatura, htmldate) or plain text."""

from __future__ import annotations

from datetime import datetime, timezone

import htmldate
import trafilatura
from lxml import html as lxml_html
from lxml.etree import ParserError

from newswash.records import Article

from .text import to_body

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
    doc = trafilatura.bare_extraction(
        tree,
        url=article.url or None,
        with_metadata=True,
        include_comments=False,
    )
    if doc is None or not (doc.text or "").strip():
        article.error = "no main text found in HTML"
        return
    article.body = to_body([line for line in doc.text.splitlines() if line.strip()])
    article.title = article.title or doc.title
    article.author = article.author or doc.author
    article.site_name = article.site_name or doc.sitename
    article.canonical_url = article.canonical_url or doc.url
    article.language = article.language or doc.language or _declared_language(tree)
    article.published_at = article.published_at or _find_date(tree, article.url, original=True)
    updated = _find_date(tree, article.url, original=False)
    if updated and updated != article.published_at:
        article.updated_at = article.updated_at or updated


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

"""Structured metadata a page declares about itself: schema.org JSON-LD and meta tags.

Only what newswash stores is read: for the page's ``NewsArticle`` / ``Article`` object
(or a subtype such as ``ReportageNews`` or ``BlogPosting``) its ``headline``,
``articleBody``, ``datePublished``, ``dateModified``, ``author``, ``keywords``,
``publisher.name``, ``url`` and ``isAccessibleForFree``; from ``<meta>`` the
``article:tag`` / ``news_keywords`` tags. Broken JSON never raises: that block is skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

from lxml.etree import _Element

from .text import clean_inline

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenews", "analysisnewsarticle", "opinionnewsarticle",
    "reviewnewsarticle", "backgroundnewsarticle", "blogposting", "socialmediaposting",
    "report", "scholarlyarticle", "techarticle", "liveblogposting",
}
_SPLIT_TAGS = re.compile(r"\s*[,;|]\s*")
_MAX_TAGS = 30
_TAG_PREFIX = re.compile(r"^(topic|section|category|categories|tag|tags|keyword|keywords)\s*:\s*", re.IGNORECASE)


@dataclass
class Structured:
    """The page's own statements about the article; every field may be missing."""

    headline: str | None = None
    body: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    site_name: str | None = None
    url: str | None = None
    accessible_for_free: bool | None = None


def read_structured(tree: _Element) -> Structured:
    """JSON-LD article object (the one with the longest ``articleBody``, else the first)
    merged with the page's tag metas. Call it before trafilatura prunes the tree."""
    found = Structured()
    objects = [o for o in _json_ld_objects(tree) if _is_article(o)]
    if objects:
        best = max(objects, key=lambda o: len(_text(o.get("articleBody")) or ""))
        found = _from_object(best)
        if found.accessible_for_free is None:  # a paywall flag on any article object counts
            flags = [_as_bool(o.get("isAccessibleForFree")) for o in objects]
            found.accessible_for_free = False if False in flags else (True if True in flags else None)
    meta_tags = tree.xpath(
        "//meta[@property='article:tag' or @name='article:tag' or @name='news_keywords']/@content"
    )
    found.tags = unique_tags([*found.tags, *(t for value in meta_tags for t in _SPLIT_TAGS.split(value))])
    return found


def unique_tags(values: list[str]) -> list[str]:
    """Tags folded and deduplicated (case-insensitively), first spelling kept, at most 30."""
    seen: dict[str, str] = {}
    for value in values:
        tag = clean_inline(_TAG_PREFIX.sub("", value or ""))
        if tag and len(tag) <= 80 and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return list(seen.values())[:_MAX_TAGS]


def _json_ld_objects(tree: _Element) -> Iterator[dict[str, Any]]:
    for script in tree.xpath("//script[contains(translate(@type,'JSONLD','jsonld'),'ld+json')]"):
        text = (script.text or "").strip()
        if not text:
            continue
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            continue
        yield from _walk(data)


def _walk(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in node:
                yield from _walk(node[key], depth + 1)


def _is_article(obj: dict[str, Any]) -> bool:
    types = obj.get("@type")
    names = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and t.rsplit("/", 1)[-1].lower() in ARTICLE_TYPES for t in names)


def _from_object(obj: dict[str, Any]) -> Structured:
    publisher = obj.get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    url = obj.get("url") or obj.get("mainEntityOfPage")
    if isinstance(url, dict):
        url = url.get("@id") or url.get("url")
    keywords = obj.get("keywords")
    if isinstance(keywords, str):
        keywords = _SPLIT_TAGS.split(keywords)
    return Structured(
        headline=clean_inline(_text(obj.get("headline") or obj.get("name"))),
        body=_text(obj.get("articleBody")),
        published=parse_datetime(obj.get("datePublished")),
        modified=parse_datetime(obj.get("dateModified")),
        authors=_names(obj.get("author")),
        tags=[k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else [],
        site_name=clean_inline(_text(publisher.get("name"))) if isinstance(publisher, dict) else None,
        url=url if isinstance(url, str) and url.startswith(("http://", "https://")) else None,
        accessible_for_free=_as_bool(obj.get("isAccessibleForFree")),
    )


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value.strip() or None if isinstance(value, str) else None


def _names(value: Any) -> list[str]:
    """Author names from a string, a Person/Organization object or a list of them."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, list):
            name = name[0] if name else None
        name = clean_inline(name) if isinstance(name, str) else None
        if name and not name.startswith(("http://", "https://")) and name not in names:
            names.append(name)
    return names


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 date or datetime as a naive UTC datetime; None when unparsable."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed

"""Feed reader: RSS 0.9x/1.0/2.0 and Atom (feedparser), and JSON Feed, to article links."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from time import struct_time

import feedparser

from newswash.dates import parse_timestamp
from newswash.sources.urls import clean_url
from newswash.sources.xmlsafe import refuse_entities


@dataclass(frozen=True)
class Link:
    """An article URL a feed or sitemap lists, with what it says about it."""

    url: str
    published: datetime | None = None
    title: str | None = None


@dataclass(frozen=True)
class Feed:
    title: str | None
    links: list[Link]


def _when(value: struct_time | None) -> datetime | None:
    return datetime(*value[:6], tzinfo=timezone.utc) if value else None


def _json_feed(content: bytes, base_url: str) -> Feed:
    """A JSON Feed (https://jsonfeed.org/version/1.1): items' `url` (or `external_url`)."""
    try:
        data = json.loads(content)
        items = data["items"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"malformed feed: {exc}") from None
    links: dict[str, Link] = {}
    for item in items if isinstance(items, list) else []:
        href = item.get("url") or item.get("external_url") if isinstance(item, dict) else None
        url = clean_url(href, data.get("home_page_url") if isinstance(data.get("home_page_url"), str) and data["home_page_url"] else base_url) if isinstance(href, str) else None
        if url and url not in links:
            try:
                when = parse_timestamp(item.get("date_published"))
            except (TypeError, ValueError, OverflowError):
                when = None
            links[url] = Link(url, when.replace(tzinfo=timezone.utc) if when else None, item.get("title"))
    return Feed(data.get("title") if isinstance(data.get("title"), str) else None, list(links.values()))


def parse_feed(content: bytes, base_url: str) -> Feed:
    """Entries of a feed as absolute, normalized links; ValueError when it is malformed and has none."""
    if content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return _json_feed(content, base_url)
    refuse_entities(content)
    parsed = feedparser.parse(content, response_headers={"content-location": base_url},
                              resolve_relative_uris=True, sanitize_html=False)
    links: dict[str, Link] = {}
    for entry in parsed.entries:
        href = entry.get("link") or (entry.get("id") if str(entry.get("id", "")).startswith("http") else None)
        url = clean_url(href, base_url) if href else None
        if url and url not in links:
            when = _when(entry.get("published_parsed") or entry.get("updated_parsed"))
            links[url] = Link(url, when, entry.get("title"))
    if not links and (parsed.bozo or not parsed.get("version")):
        problem = parsed.get("bozo_exception") or "no entries"
        raise ValueError(f"malformed feed: {str(problem)[:200]}")
    return Feed(parsed.feed.get("title"), list(links.values()))

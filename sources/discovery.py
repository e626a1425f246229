"""What a fetched location is (feed, sitemap, page), and the feeds a homepage links to."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newswash.sources.sitemaps import GZIP_MAGIC
from newswash.sources.urls import clean_url

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")
# Where sites usually keep feeds and sitemaps, tried when a homepage names none.
COMMON_PATHS = ("feed.xml", "rss.xml", "atom.xml", "feed", "rss", "sitemap.xml", "news-sitemap.xml")
LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def classify(content: bytes, media_type: str) -> str:
    """`feed`, `sitemap`, `html` or `text`, from the bytes first and the media type second."""
    if content[:2] == GZIP_MAGIC:
        return "sitemap"
    head = content[:3000].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return "feed" if b"jsonfeed.org" in head else "text"
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if re.search(rb"<(rss|feed|rdf:rdf)[\s>]", head):
        return "feed"
    if b"<html" in head or b"<!doctype html" in head or "html" in media_type:
        return "html"
    return "text" if media_type in ("text/plain", "") else "feed" if "xml" in media_type else "text"


def _attributes(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in ATTRIBUTE.finditer(tag)}


def _links(html: str) -> list[dict[str, str]]:
    head = html[: html.lower().find("</head>") if "</head>" in html.lower() else 200_000]
    return [_attributes(tag) for tag in LINK_TAG.findall(head)]


def feed_links(html: str, base_url: str) -> list[str]:
    """Feeds a page announces with <link rel="alternate" type="application/rss+xml" ...>."""
    found = []
    for attrs in _links(html):
        if "alternate" in attrs.get("rel", "").lower().split() and attrs.get("type", "").lower() in FEED_TYPES:
            url = clean_url(attrs.get("href", ""), base_url)
            if url and url not in found:
                found.append(url)
    return found


def canonical_link(html: str, base_url: str) -> str | None:
    """The page's <link rel="canonical" href=...>, absolute."""
    for attrs in _links(html):
        if "canonical" in attrs.get("rel", "").lower().split() and attrs.get("href"):
            return clean_url(attrs["href"], base_url)
    return None


def looks_like_homepage(url: str) -> bool:
    """A site's root or a section: the path is empty or ends with a slash."""
    path = urlsplit(url).path
    return path in ("", "/") or path.endswith("/")


def guesses(url: str) -> list[str]:
    """The COMMON_PATHS next to a homepage."""
    base = url if url.endswith("/") else url + "/"
    return [u for u in (clean_url(p, base) for p in COMMON_PATHS) if u]

"""Sitemap reader: urlsets, sitemap indexes, news sitemaps and gzipped sitemaps, with a lastmod filter."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

from lxml import etree

from newswash.dates import parse_timestamp
from newswash.sources.feeds import Link
from newswash.sources.urls import clean_url
from newswash.sources.xmlsafe import parse_xml

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Sitemap:
    """Pages a sitemap lists, and the child sitemaps of an index."""

    pages: list[Link]
    children: list[str]


def gunzip(content: bytes, limit: int) -> bytes:
    """Gzip content inflated, up to `limit` bytes (ValueError beyond: a gzip bomb)."""
    inflater = zlib.decompressobj(47)
    try:
        out = inflater.decompress(content, limit + 1)
    except zlib.error as exc:
        raise ValueError(f"corrupt gzip: {exc}") from None
    if len(out) > limit:
        raise ValueError(f"decompressed sitemap larger than {limit} bytes")
    return out


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(element: etree._Element, name: str) -> str | None:
    for child in element.iter():
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def _date(value: str | None) -> datetime | None:
    try:
        when = parse_timestamp(value) if value else None
    except (TypeError, ValueError, OverflowError):
        return None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when


def parse_sitemap(content: bytes, base_url: str, since: datetime | None = None,
                  limit: int = 50_000_000) -> Sitemap:
    """Pages (modified at or after `since`, when given and known) and child sitemaps of one sitemap."""
    if content[:2] == GZIP_MAGIC:
        content = gunzip(content, limit)
    root = parse_xml(content)
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise ValueError(f"not a sitemap: root element <{kind}>")
    pages, children = [], []
    for entry in root:
        if _local(entry.tag) not in ("url", "sitemap"):
            continue
        url = clean_url(_child_text(entry, "loc") or "", base_url)
        if not url:
            continue
        when = _date(_child_text(entry, "lastmod") or _child_text(entry, "publication_date"))
        if since is not None and when is not None and when < since:
            continue
        if kind == "sitemapindex":
            children.append(url)
        else:
            pages.append(Link(url, when, _child_text(entry, "title")))
    return Sitemap(pages, children)

"""URL handling: recognizing, normalizing (tracking parameters stripped), hosts, and private addresses."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from courlan import normalize_url

# Beyond courlan's own list (utm_*, mc_*, …): common click and share identifiers.
EXTRA_TRACKERS = re.compile(r"^(fbclid|gclid|dclid|msclkid|yclid|igshid|mkt_tok|_hsenc|_hsmi|ocid|cmpid)$", re.I)


def is_url(location: str) -> bool:
    """True for an http(s) URL."""
    return urlsplit(location).scheme in ("http", "https")


def clean_url(url: str, base: str | None = None) -> str | None:
    """The URL made absolute against `base`, normalized, without fragment or tracking parameters.

    None when it is not an http(s) URL.
    """
    url = urljoin(base, url.strip()) if base else url.strip()
    if not is_url(url):
        return None
    try:
        parts = urlsplit(normalize_url(url))
    except ValueError:
        return None
    query = "&".join(p for p in parts.query.split("&") if p and not EXTRA_TRACKERS.match(p.split("=", 1)[0]))
    return parts._replace(query=query, fragment="").geturl()


def host_key(url: str) -> str:
    """scheme://host[:port]: the unit of politeness (robots.txt, concurrency, delay)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def matches(url: str, include: Iterable[str], exclude: Iterable[str]) -> bool:
    """True when the URL matches one `include` pattern (or there are none) and no `exclude` pattern."""
    include, exclude = list(include), list(exclude)
    if include and not any(re.search(p, url) for p in include):
        return False
    return not any(re.search(p, url) for p in exclude)


def is_private(address: str) -> bool:
    """True for private, loopback, link-local, reserved and unspecified addresses."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified

"""Fetching single article pages over http(s)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

from newswash.records import Article, Failure
from newswash.settings import FetchSettings

ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def is_url(location: str) -> bool:
    """True for an http(s) URL."""
    return urlsplit(location).scheme in ("http", "https")


def private_address(host: str) -> str | None:
    """The first private, loopback, link-local or reserved address the host resolves to."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return None  # the fetch itself reports the DNS failure
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
            return str(address)
    return None


def fetch_page(client: httpx.Client, url: str, settings: FetchSettings) -> Article | Failure:
    """GET one page; a Failure names the reason (refused host, status, type, size, network)."""
    host = urlsplit(url).hostname or ""
    if not settings.allow_private_hosts and (address := private_address(host)):
        return Failure(url, "fetch", f"refused private address {address} (use --allow-private-hosts)")
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                return Failure(url, "fetch", f"HTTP {response.status_code}")
            media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type and media_type not in ACCEPTED_TYPES:
                return Failure(url, "fetch", f"not an article page: content type {media_type}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > settings.max_bytes:
                    return Failure(url, "fetch", f"response larger than {settings.max_bytes} bytes")
            text = body.decode(response.charset_encoding or "utf-8", errors="replace")
    except httpx.HTTPError as exc:
        return Failure(url, "fetch", f"{type(exc).__name__}: {exc}")
    return Article(
        url=url,
        source=host,
        content=text,
        content_type="text" if media_type == "text/plain" else "html",
    )


def fetch_pages(urls: list[str], settings: FetchSettings) -> list[Article | Failure]:
    """Fetch pages one after another with one client (issue 5 brings the polite async fetcher)."""
    headers = {"User-Agent": settings.user_agent}
    with httpx.Client(headers=headers, timeout=settings.timeout, follow_redirects=True) as client:
        return [fetch_page(client, url, settings) for url in urls]

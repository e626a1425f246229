"""The polite async fetcher: per-host concurrency and delay, robots.txt, retries with backoff,
conditional GETs, size and redirect caps, private addresses refused."""

from __future__ import annotations

import asyncio
import random
import socket
import time
import zlib
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import AsyncIterator
from urllib.parse import urljoin, urlsplit

import httpx

from newswash.settings import FetchSettings
from newswash.sources.robots import RobotRules
from newswash.sources.urls import host_key, is_private, clean_url

PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
LISTING_TYPES = PAGE_TYPES | {
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml",
    "application/feed+json", "application/json", "application/gzip", "application/x-gzip",
    "application/octet-stream",
}
REDIRECTS = frozenset({301, 302, 303, 307, 308})
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml;q=0.9,*/*;q=0.5"


@dataclass
class Response:
    """What one fetch came to: `outcome` is fetched, unchanged (304), refused (permanent) or failed (transient)."""

    url: str
    outcome: str
    reason: str = ""
    final_url: str = ""
    status: int | None = None
    media_type: str = ""
    charset: str | None = None
    content: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    http_version: str = "HTTP/1.1"
    wire_bytes: int = 0
    attempts: int = 0
    elapsed: float = 0.0

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


class _Refused(Exception):
    """A permanent refusal while reading a response (type, size, encoding)."""


class HostGate:
    """Per-host politeness: at most `concurrency` requests at once, starts `delay` seconds apart."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.concurrency, self.delay = concurrency, delay
        self.not_before = 0.0  # time.monotonic() before which no request may start
        self._semaphore: asyncio.Semaphore | None = None
        self._lock: asyncio.Lock | None = None

    def bind(self) -> None:
        """Fresh asyncio primitives for the running event loop."""
        self._semaphore, self._lock = asyncio.Semaphore(self.concurrency), asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """No new request to this host for `seconds` (Retry-After)."""
        self.not_before = max(self.not_before, time.monotonic() + seconds)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        assert self._semaphore is not None and self._lock is not None
        async with self._semaphore:
            async with self._lock:
                wait = self.not_before - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.not_before = time.monotonic() + self.delay
            yield


@dataclass(frozen=True)
class Request:
    """A URL to fetch, with the validators of its last fetch and the settings of its source."""

    url: str
    settings: FetchSettings
    types: frozenset[str] = PAGE_TYPES
    etag: str | None = None
    last_modified: str | None = None


class Fetcher:
    """Fetches batches of requests politely; robots rules and host gates last for the fetcher's life."""

    def __init__(self, settings: FetchSettings, on_response: Callable[[Response], None] | None = None) -> None:
        self.settings = settings
        self.on_response = on_response
        self.gates: dict[str, HostGate] = {}
        self.robots: dict[str, RobotRules] = {}
        self.robots_responses: list[Response] = []  # robots.txt fetches, for the caller to log
        self._private: dict[str, str | None] = {}
        self._client: httpx.AsyncClient | None = None
        self._global: asyncio.Semaphore | None = None
        self._robots_locks: dict[str, asyncio.Lock] = {}

    def fetch_all(self, requests: list[Request]) -> list[Response]:
        """Fetch every request (concurrently, within the limits); responses in request order."""
        if not requests:
            return []
        return _run(self._fetch_all(requests))

    async def _fetch_all(self, requests: list[Request]) -> list[Response]:
        self._global = asyncio.Semaphore(self.settings.concurrency)
        self._robots_locks = {}
        for gate in self.gates.values():
            gate.bind()
        limits = httpx.Limits(max_connections=self.settings.concurrency, max_keepalive_connections=self.settings.concurrency)
        async with httpx.AsyncClient(timeout=self.settings.timeout, limits=limits, follow_redirects=False,
                                     trust_env=False) as client:
            self._client = client
            try:
                return list(await asyncio.gather(*(self._fetch_reported(r) for r in requests)))
            finally:
                self._client = None

    async def _fetch_reported(self, request: Request) -> Response:
        response = await self.fetch(request)
        if self.on_response:
            self.on_response(response)
        return response

    async def fetch(self, request: Request) -> Response:
        """One URL, following redirects (each hop checked for private addresses and robots.txt)."""
        started, attempts = time.monotonic(), 0
        url, opts = request.url, request.settings
        for _ in range(opts.max_redirects + 1):
            refusal = await self._refusal(url, opts)
            if refusal:
                return Response(request.url, "refused", refusal, final_url=url, attempts=attempts,
                                elapsed=time.monotonic() - started)
            hop = await self._with_retries(replace(request, url=url))
            attempts += hop.attempts
            hop.url, hop.attempts, hop.elapsed = request.url, attempts, time.monotonic() - started
            location = hop.header("location") if hop.status in REDIRECTS else None
            if not location:
                return hop
            target = clean_url(urljoin(url, location))
            if target is None:
                return replace(hop, outcome="refused", reason=f"redirect to a non-http URL: {location[:200]}")
            url = target
            request = replace(request, etag=None, last_modified=None)
        return Response(request.url, "refused", f"too many redirects (more than {opts.max_redirects})",
                        final_url=url, attempts=attempts, elapsed=time.monotonic() - started)

    async def _refusal(self, url: str, opts: FetchSettings) -> str | None:
        host = urlsplit(url).hostname or ""
        if not opts.allow_private_hosts and (address := await self._private_address(host)):
            return f"refused private address {address} (use --allow-private-hosts)"
        if opts.obey_robots:
            rules = await self._robots(url, opts)
            if not rules.allowed(opts.user_agent, url):
                return rules.reason or "disallowed by robots.txt"
        return None

    async def _private_address(self, host: str) -> str | None:
        if host not in self._private:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
            except OSError:
                infos = []  # the request itself reports the DNS failure
            self._private[host] = next((i[4][0] for i in infos if is_private(i[4][0])), None)
        return self._private[host]

    def _gate(self, url: str, opts: FetchSettings) -> HostGate:
        key = host_key(url)
        if key not in self.gates:
            gate = HostGate(opts.per_host_concurrency, opts.per_host_delay)
            gate.bind()
            self.gates[key] = gate
        return self.gates[key]

    async def _robots(self, url: str, opts: FetchSettings) -> RobotRules:
        """The host's robots.txt rules, fetched once; its Crawl-delay raises the host's delay."""
        key = host_key(url)
        lock = self._robots_locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self.robots:
                robots_opts = replace(opts, max_decompressed_bytes=min(opts.max_decompressed_bytes, 1_000_000))
                response = await self._with_retries(Request(f"{key}/robots.txt", robots_opts, frozenset()))
                text = response.content.decode("utf-8", "replace") if response.outcome == "fetched" else ""
                response.content = b""
                self.robots_responses.append(response)
                rules = RobotRules.from_response(response.status, text)
                gate = self._gate(url, opts)
                gate.delay = max(gate.delay, min(rules.crawl_delay(opts.user_agent), opts.max_crawl_delay))
                self.robots[key] = rules
        return self.robots[key]

    async def _with_retries(self, request: Request) -> Response:
        """One hop, retried on 429, 5xx, timeouts and connection errors with capped exponential backoff."""
        opts, gate = request.settings, self._gate(request.url, request.settings)
        for attempt in range(1, opts.retries + 2):
            assert self._global is not None
            async with gate.slot(), self._global:
                response = await self._once(request)
            response.attempts = attempt
            if response.outcome != "failed":
                return response
            retry_after = _retry_after(response.header("retry-after")) if response.status in (429, 503) else None
            if retry_after is not None and retry_after > opts.max_retry_after:
                response.reason += f" (Retry-After {retry_after:.0f}s is over max_retry_after)"
                return response
            if attempt > opts.retries:
                response.reason += f" (after {attempt} attempts)"
                return response
            if retry_after is not None:
                gate.pause(retry_after)  # the whole host waits, not just this URL
            else:
                backoff = min(opts.backoff_max, opts.backoff_base * 2 ** (attempt - 1))
                await asyncio.sleep(backoff * random.uniform(0.8, 1.2))
        raise AssertionError("unreachable")

    async def _once(self, request: Request) -> Response:
        """A single GET; the body is read only for a 200 of an accepted type within the caps."""
        opts = request.settings
        headers = {"User-Agent": opts.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        assert self._client is not None
        result = Response(request.url, "failed", final_url=request.url)
        try:
            async with self._client.stream("GET", request.url, headers=headers) as response:
                result.status = response.status_code
                result.http_version = response.http_version
                result.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
                result.media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                result.charset = response.charset_encoding
                status = response.status_code
                if status == 200:
                    result.content = await _read_body(response, request, result.media_type)
                    result.outcome = "fetched"
                elif status == 304:
                    result.outcome = "unchanged"
                elif status in REDIRECTS:
                    result.outcome = "refused" if not response.headers.get("location") else "fetched"
                    result.reason = "" if response.headers.get("location") else f"HTTP {status} without Location"
                else:
                    result.outcome = "failed" if status == 429 or status >= 500 else "refused"
                    result.reason = f"HTTP {status}"
                result.wire_bytes = response.num_bytes_downloaded
        except _Refused as exc:
            result.outcome, result.reason, result.content = "refused", str(exc), b""
        except httpx.TimeoutException as exc:
            result.outcome, result.reason = "failed", f"timeout ({type(exc).__name__})"
        except (httpx.TransportError, httpx.DecodingError) as exc:
            result.outcome, result.reason = "failed", f"{type(exc).__name__}: {exc}"[:300]
        return result


async def _read_body(response: httpx.Response, request: Request, media_type: str) -> bytes:
    """The decompressed body, refused when its type is not wanted or it passes a size cap."""
    opts = request.settings
    if request.types and media_type and media_type not in request.types:
        raise _Refused(f"not an article page: content type {media_type}")
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > opts.max_bytes:
        raise _Refused(f"response larger than {opts.max_bytes} bytes")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate", ""):
        raise _Refused(f"unsupported content encoding {encoding}")
    inflater = zlib.decompressobj(47 if "gzip" in encoding else zlib.MAX_WBITS) if encoding in (
        "gzip", "x-gzip", "deflate") else None
    body = bytearray()
    async for chunk in response.aiter_raw():
        if response.num_bytes_downloaded > opts.max_bytes:
            raise _Refused(f"response larger than {opts.max_bytes} bytes")
        if inflater is not None:
            chunk = _inflate(inflater, chunk, opts.max_decompressed_bytes - len(body))
        body.extend(chunk)
        if len(body) > opts.max_decompressed_bytes:
            raise _Refused(f"decompressed response larger than {opts.max_decompressed_bytes} bytes")
        if len(body) >= 5 and body[:5] == b"%PDF-":
            raise _Refused("not an article page: a PDF document")
    if inflater is not None:
        body.extend(inflater.flush()[: opts.max_decompressed_bytes + 1 - len(body)])
        if len(body) > opts.max_decompressed_bytes:
            raise _Refused(f"decompressed response larger than {opts.max_decompressed_bytes} bytes")
    return bytes(body)


def _inflate(inflater: zlib._Decompress, chunk: bytes, room: int) -> bytes:
    """Decompress one chunk, never producing more than `room` + 1 bytes (a gzip bomb stops here).

    Input is left over only when the output reached that limit, and then the caller refuses the body.
    """
    try:
        out = inflater.decompress(chunk, max(room, 0) + 1)
    except zlib.error as exc:
        raise _Refused(f"corrupt compressed response: {exc}") from None
    return out


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _run(coroutine):  # noqa: ANN001, ANN202 - any coroutine, its result
    """Run a coroutine to completion, in a worker thread when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()

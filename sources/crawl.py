"""One run's crawl: URL locations expanded (feeds, sitemaps, homepages, URL lists) into article
pages, pages fetched incrementally, every request logged to fetch_log and archived as WARC."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from newswash.records import Article, Failure
from newswash.settings import FetchSettings, Source
from newswash.sources.charset import decode
from newswash.sources.discovery import canonical_link, classify, feed_links, guesses, looks_like_homepage
from newswash.sources.feeds import Link, parse_feed
from newswash.sources.fetcher import LISTING_TYPES, PAGE_TYPES, Fetcher, Request, Response
from newswash.sources.history import FetchHistory
from newswash.sources.progress import Progress
from newswash.sources.sitemaps import parse_sitemap
from newswash.sources.urls import host_key, is_url, matches, clean_url
from newswash.sources.warc import WarcArchive, read_at

MAX_DEPTH = 4  # homepage → sitemap index → sitemap → pages


@dataclass(frozen=True)
class Location:
    """A URL to expand: what it is (or `auto`), the source it belongs to, and whether it is a guess."""

    url: str
    kind: str
    source: Source | None = None
    guess: bool = False


class Crawl:
    """Fetching for one ingest run; `counts` holds fetched, unchanged and skipped."""

    def __init__(self, history: FetchHistory, run_id: int, settings: FetchSettings,
                 sources: tuple[Source, ...], warc_dir: Path | None) -> None:
        self.history, self.run_id, self.settings = history, run_id, settings
        self.sources = sources
        self.progress = Progress(settings.progress)
        self.fetcher = Fetcher(settings, on_response=self.progress.done)
        self.archive = WarcArchive(warc_dir / f"run-{run_id:06d}.warc.gz") if warc_dir and settings.archive else None
        self.counts: Counter = Counter()
        self._origin: dict[str, Source] = {}

    def close(self) -> None:
        self.progress.close()
        if self.archive:
            self.archive.close()

    def source_for(self, location: str) -> Source | None:
        """The configured source a location names (by name or location)."""
        return next((s for s in self.sources if location in (s.name, s.location)), None)

    def adopt(self, article: Article, source: Source) -> None:
        """A stub read from a source's URL list: fetched with the source's options, under its name."""
        self._origin[article.url] = source
        article.source = source.name

    def options(self, source: Source | None) -> FetchSettings:
        """[fetch] settings with the source's own overrides."""
        return replace(self.settings, **dict(source.fetch)) if source and source.fetch else self.settings

    # Expanding locations into pages.

    def discover(self, locations: list[Location]) -> list[Article | Failure]:
        """Fetch locations and what they lead to, level by level; article pages come back as stubs
        (URL only) to fetch later, or with their content when a location was itself a page."""
        found: list[Article | Failure] = []
        seen = self.history.known_urls([loc.url for loc in locations])  # pages already stored
        self.counts["skipped"] += len(seen)
        queue = locations
        for _ in range(MAX_DEPTH):
            queue = [loc for loc in queue if loc.url not in seen and not seen.add(loc.url)]
            if not queue:
                break
            responses = self._fetch([(loc.url, loc.source, LISTING_TYPES) for loc in queue], kind="listing")
            next_queue: list[Location] = []
            for location, response in zip(queue, responses):
                if response is None:
                    continue
                if response.outcome in ("refused", "failed"):
                    if not location.guess:
                        found.append(Failure(location.url, "fetch", response.reason))
                    continue
                content = self._content(location.url, response)
                if content is None:
                    continue
                try:
                    next_queue += self._expand(location, response, content, found)
                except (ValueError, SyntaxError) as exc:  # lxml's XMLSyntaxError is a SyntaxError
                    found.append(Failure(location.url, "read", str(exc)))
            queue = next_queue
        return found

    def _content(self, url: str, response: Response) -> bytes | None:
        """The body; for a 304, the body archived when it was last fetched."""
        if response.outcome == "fetched":
            return response.content
        last = self.history.last_fetches([url]).get(url)
        if last and last.warc_path and last.warc_offset is not None:
            record = read_at(Path(last.warc_path), last.warc_offset)
            return record.content if record else None
        return None

    def _expand(self, location: Location, response: Response, content: bytes,
                found: list[Article | Failure]) -> list[Location]:
        """Add the pages a listing leads to (or the page itself) to `found`; return listings to fetch next."""
        url, source = location.url, location.source
        kind = location.kind if location.kind in ("feed", "sitemap", "urls") else classify(content, response.media_type)
        if kind == "feed":
            feed = parse_feed(content, response.final_url or url)
            self._stubs(feed.links, source, feed.title or urlsplit(url).hostname or "", found)
            return []
        if kind == "sitemap":
            since = self._since(source)
            sitemap = parse_sitemap(content, response.final_url or url, since, self.settings.max_decompressed_bytes)
            self._stubs(sitemap.pages, source, urlsplit(url).hostname or "", found)
            return [Location(child, "sitemap", source) for child in sitemap.children]
        if kind in ("urls", "text") and location.kind in ("urls", "auto") and not location.guess:
            links = [Link(u) for line in decode(content).splitlines() if (u := clean_url(line.split("#")[0]))]
            if kind == "urls" or links:
                self._stubs(links, source, urlsplit(url).hostname or "", found)
                return []
        if location.guess or kind != "html":
            return []
        html = decode(content, response.charset)
        if location.kind == "homepage" or (location.kind == "auto" and looks_like_homepage(url)):
            robots = self.fetcher.robots.get(host_key(url))
            listed = feed_links(html, response.final_url or url) + (robots.sitemaps() if robots else [])
            if listed:
                return [Location(u, "auto", source) for u in listed]
            if location.kind == "homepage":
                return [Location(u, "auto", source, guess=True) for u in guesses(url)]
        page = page_article(url, response.final_url, response.media_type, html)
        page.source = source.name if source else urlsplit(url).hostname or ""
        found.append(page)
        return []

    def _since(self, source: Source | None) -> datetime | None:
        days = source.lastmod_days if source and source.lastmod_days else self.settings.sitemap_max_age_days
        return datetime.now(timezone.utc) - timedelta(days=days) if days else None

    def _stubs(self, links: list[Link], source: Source | None, default_name: str,
               found: list[Article | Failure]) -> None:
        include, exclude = (source.include, source.exclude) if source else ((), ())
        for link in links:
            if matches(link.url, include, exclude):
                if source:
                    self._origin[link.url] = source
                found.append(Article(url=link.url, source=source.name if source else default_name,
                                     content_type="html"))

    # Fetching pages.

    @staticmethod
    def is_stub(article: Article) -> bool:
        """An article known by its URL only: its page is still to fetch."""
        return not article.content and is_url(article.url)

    def revisits(self, articles: list[Article]) -> dict[str, int]:
        """Of the stored articles among ``articles``, those due to be fetched again, URL → stored
        id: pages (not files) of a source with ``revisit_until`` > 0, first stored less than
        ``revisit_until`` seconds ago and last fetched ``revisit_after`` seconds ago or more."""
        windows = {a.url: self.options(self._origin.get(a.url)) for a in articles if self.is_stub(a)}
        windows = {url: opts for url, opts in windows.items() if opts.revisit_until > 0}
        stored = self.history.first_fetches(list(windows))
        last = self.history.last_fetches(list(stored))
        now = datetime.utcnow()
        return {url: article_id for url, (article_id, first) in stored.items()
                if now - first < timedelta(seconds=windows[url].revisit_until)
                and not (url in last and last[url].fresh(windows[url].revisit_after, now))}

    def fetch_pages(self, articles: list[Article]) -> list[Article | Failure]:
        """Fetch the pages of stub articles (skipping those fetched recently, unless revisited:
        ``revises`` set, due already); others pass through.

        Unchanged (304) and recently fetched pages are left out of the result.
        """
        stubs = [a for a in articles if self.is_stub(a)]
        self.counts["revisited"] += sum(a.revises is not None for a in stubs)
        pages = self._fetch([(a.url, self._origin.get(a.url), PAGE_TYPES) for a in stubs], kind="page",
                            due={a.url for a in stubs if a.revises is not None})
        by_url = {a.url: (a, r) for a, r in zip(stubs, pages)}
        result: list[Article | Failure] = []
        for article in articles:
            if article.url not in by_url or article.content:
                result.append(article)
                continue
            stub, response = by_url[article.url]
            if response is None or response.outcome == "unchanged":
                continue
            if response.outcome != "fetched":
                result.append(Failure(stub.url, "fetch", response.reason))
                continue
            page = page_article(stub.url, response.final_url, response.media_type,
                                decode(response.content, response.charset))
            page.source, page.revises = stub.source, stub.revises
            result.append(page)
        return result

    def _fetch(self, wanted: list[tuple[str, Source | None, frozenset[str]]], kind: str,
               due: set[str] = frozenset()) -> list[Response | None]:
        """Fetch URLs not fetched recently (conditionally when seen before); log and archive each.

        None stands for a URL skipped because it was fetched less than `recheck_after` ago.
        Listings, and pages in `due` (revisits), are always re-checked.
        """
        history = self.history.last_fetches([url for url, _, _ in wanted])
        now = datetime.utcnow()
        requests: list[Request | None] = []
        for url, source, types in wanted:
            opts, last = self.options(source), history.get(url)
            if kind == "page" and url not in due and last and last.fresh(opts.recheck_after, now):
                requests.append(None)
                self.counts["skipped"] += 1
                continue
            known = last if last and last.outcome != "failed" else None
            requests.append(Request(url, opts, types, etag=known and known.etag,
                                    last_modified=known and known.last_modified))
        todo = [r for r in requests if r is not None]
        self.progress.add(len(todo))
        fetched = iter(self.fetcher.fetch_all(todo))
        responses = [next(fetched) if r is not None else None for r in requests]
        rows = []
        for (url, source, _), response in zip(wanted, responses):
            if response is None:
                continue
            self.counts[response.outcome] += 1
            extra: dict = {}
            if response.outcome == "fetched":
                if self.archive:
                    extra = {"warc_path": str(self.archive.path), "warc_offset": self.archive.write(response)}
                if kind == "page" and response.media_type != "text/plain":
                    extra["canonical_url"] = canonical_link(decode(response.content[:65536], response.charset), url)
            rows.append((response, kind, source.name if source else None, extra))
        rows += [(r, "robots", None, {}) for r in self.fetcher.robots_responses]
        self.fetcher.robots_responses.clear()
        self.history.record_fetches(self.run_id, rows)
        return responses


def page_article(url: str, final_url: str | None, media_type: str | None, text: str) -> Article:
    """A fetched page as an article: HTML unless served as plain text; its canonical URL is
    the page's ``<link rel="canonical">``, else where a redirect led."""
    html = media_type != "text/plain"
    canonical = canonical_link(text, final_url or url) if html else None
    if final_url and final_url != url:
        canonical = canonical or final_url
    return Article(url=url, content=text, content_type="html" if html else "text", canonical_url=canonical)


def read_archived(rows: Iterable[tuple[str, str, str | None, str, int]]) -> Iterator[Article | Failure]:
    """Articles from archived responses, (url, source, final_url, warc_path, warc_offset) each,
    as the crawl made them when it fetched them; a record gone missing is a failure."""
    for url, source, final_url, warc_path, offset in rows:
        record = read_at(Path(warc_path), offset)
        if record is None:
            yield Failure(url, "read", f"archived response missing: {warc_path}@{offset}")
            continue
        page = page_article(url, final_url, record.media_type, decode(record.content, record.charset))
        page.source = source
        yield page

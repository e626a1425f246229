"""Where articles come from: files, folders, WARC files, URL lists, and feeds, sitemaps, homepages and pages over http(s)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from newswash.errors import NewswashError
from newswash.records import Article, Failure
from newswash.settings import Source
from newswash.sources.files import iter_files, read_file, read_url_list
from newswash.sources.urls import is_url, clean_url

__all__ = ["check_locations", "is_url", "read_locations"]


def check_locations(locations: Iterable[str], sources: Iterable[Source] = ()) -> None:
    """Refuse, before any work starts, a location that is neither a URL, a path nor a source's name."""
    names = {s.name for s in sources}
    for location in locations:
        if not is_url(location) and location not in names and not Path(location).exists():
            raise NewswashError(f"no such file or folder: {location}")


def read_locations(locations: Iterable[str], crawl: "Crawl | None" = None) -> Iterator[Article | Failure]:
    """Articles from files, folders and URLs.

    With a `crawl`, URL locations (feeds, sitemaps, homepages, pages; named sources too) are fetched
    and expanded first; pages still to fetch come as stub Articles (URL only). Without one, a URL
    comes as a stub itself.
    """
    from newswash.sources.crawl import Location

    targets = []
    for location in locations:
        source = crawl.source_for(location) if crawl else None
        targets.append((source.location if source else location, source))
    if crawl is not None:
        remote = [Location(clean_url(loc) or loc, s.kind if s else "auto", s)
                  for loc, s in targets if is_url(loc)]
        yield from crawl.discover(remote)
    for location, source in targets:
        if is_url(location):
            if crawl is None:
                yield Article(url=location, content_type="html")
            continue
        for path in iter_files(Path(location)):
            items = read_url_list(path) if source and source.kind == "urls" else read_file(path)
            for item in items:
                if crawl is not None and source is not None and isinstance(item, Article) and not item.content:
                    crawl.adopt(item, source)
                yield item


if False:  # pragma: no cover - for type checkers only
    from newswash.sources.crawl import Crawl

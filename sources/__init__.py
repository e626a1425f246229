"""Where articles come from: local files and folders, and http(s) pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from newswash.errors import NewswashError
from newswash.records import Article, Failure
from newswash.sources.files import iter_files, read_file
from newswash.sources.http import fetch_pages, is_url

__all__ = ["check_locations", "fetch_pages", "is_url", "read_locations"]


def check_locations(locations: Iterable[str]) -> None:
    """Refuse, before any work starts, a location that is neither a URL nor an existing path."""
    for location in locations:
        if not is_url(location) and not Path(location).exists():
            raise NewswashError(f"no such file or folder: {location}")


def read_locations(locations: Iterable[str]) -> Iterator[Article | Failure]:
    """Articles from files, folders and URLs; a URL comes as an Article still to fetch."""
    for location in locations:
        if is_url(location):
            yield Article(url=location, content_type="html")
            continue
        for path in iter_files(Path(location)):
            yield from read_file(path)

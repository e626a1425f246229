"""Readers for local inputs: .html/.htm pages, .txt dumps, .jsonl records, WARC files and .urls lists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import orjson

from newswash.dates import parse_timestamp
from newswash.records import Article, Failure
from newswash.sources.charset import decode
from newswash.sources.urls import clean_url
from newswash.sources.warc import is_warc, read_warc

HTML_SUFFIXES = {".html", ".htm"}
READABLE_SUFFIXES = HTML_SUFFIXES | {".txt", ".jsonl", ".urls"}


def _readable(path: Path) -> bool:
    return path.suffix.lower() in READABLE_SUFFIXES or is_warc(path)


def iter_files(root: Path) -> Iterator[Path]:
    """The readable files under a folder, in a stable (sorted) order; a file as itself."""
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file() and _readable(p))
    else:
        yield root


def read_url_list(path: Path, source: str | None = None) -> Iterator[Article | Failure]:
    """Page URLs from a text file, one a line (`#` starts a comment), as stub Articles to fetch."""
    try:
        lines = path.read_text("utf-8", errors="replace").splitlines()
    except OSError as exc:
        yield Failure(str(path), "read", f"cannot read file: {exc.strerror or exc}")
        return
    for lineno, line in enumerate(lines, start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        url = clean_url(line)
        if url is None:
            yield Failure(f"{path}:{lineno}", "read", f"line {lineno}: not an http(s) URL: {line[:200]}")
            continue
        yield Article(url=url, source=source or path.stem, content_type="html")


def read_file(path: Path) -> Iterator[Article | Failure]:
    """Articles from one local file, or a Failure saying why a file or line was refused."""
    suffix = path.suffix.lower()
    if is_warc(path):
        yield from read_warc(path)
        return
    if suffix == ".urls":
        yield from read_url_list(path)
        return
    if suffix not in READABLE_SUFFIXES:
        yield Failure(str(path), "read", f"unsupported file type {suffix or '(none)'!r}")
        return
    if suffix == ".jsonl":
        yield from _read_jsonl(path)
        return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield Failure(str(path), "read", f"cannot read file: {exc.strerror or exc}")
        return
    yield Article(
        url=path.resolve().as_uri(),
        source=path.resolve().parent.name,
        path=str(path.resolve()),
        content=decode(raw),
        content_type="html" if suffix in HTML_SUFFIXES else "text",
    )


def _read_jsonl(path: Path) -> Iterator[Article | Failure]:
    """One Article or Failure a non-blank line, read a line at a time (a file of millions of
    records is never held whole)."""
    resolved = path.resolve()
    origin = (str(resolved), resolved.stem)
    lineno = 0
    try:
        with path.open("rb") as lines:
            for lineno, raw in enumerate(lines, start=1):  # JSON Lines end at \n only: so does a binary file's line
                line = raw.decode("utf-8", errors="replace")  # JSON text is UTF-8
                if not line.strip():
                    continue
                try:
                    yield _record_to_article(_parsed(line), *origin)
                except json.JSONDecodeError as exc:
                    yield Failure(f"{path}:{lineno}", "read", f"line {lineno}: invalid JSON ({exc.msg})")
                except (ValueError, RecursionError) as exc:
                    yield Failure(f"{path}:{lineno}", "read", f"line {lineno}: {exc}")
    except OSError as exc:
        where = f"{path}:{lineno + 1}" if lineno else str(path)
        yield Failure(where, "read", f"cannot read file: {exc.strerror or exc}")


def _parsed(line: str) -> object:
    """A line's JSON value by orjson (a third of the standard library's time), or by the
    standard library when orjson refuses the line or the record's ``source`` or
    ``published_at`` is not a string: its errors, and its numbers (orjson turns an integer past
    64 bits into a float), as they always were."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)
    if isinstance(record, dict) and not all(isinstance(record.get(key), str | None) for key in ("source", "published_at")):
        return json.loads(line)
    return record


def _record_to_article(record: object, path: str, stem: str) -> Article:
    """One JSONL record as an Article (`path`: the file, resolved, `stem` its name's stem:
    the source of a record that names none)."""
    if not isinstance(record, dict):
        raise ValueError("a record must be a JSON object")
    url = record.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ValueError("missing 'url'")
    html, text = record.get("html"), record.get("text")
    content = html if isinstance(html, str) and html.strip() else text
    if not isinstance(content, str) or not content.strip():
        raise ValueError("needs a non-empty 'text' or 'html'")
    try:
        published_at = parse_timestamp(record.get("published_at"))
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"'published_at' is not ISO 8601: {record.get('published_at')!r}") from None
    title = record.get("title")
    return Article(
        url=url.strip(),
        source=str(record.get("source") or stem),
        path=path,
        content=content,
        content_type="html" if content is html else "text",
        title=title if isinstance(title, str) and title.strip() else None,
        published_at=published_at,
    )

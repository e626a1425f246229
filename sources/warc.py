"""WARC files: reading archived responses as articles (FastWARC), and archiving the raw responses
newswash fetches (warcio's writer)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import brotli
from fastwarc import ArchiveIterator, WarcRecordType
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newswash.records import Article, Failure
from newswash.sources.charset import decode
from newswash.sources.fetcher import PAGE_TYPES, Response

WARC_SUFFIXES = (".warc", ".warc.gz")
# Headers that describe the bytes on the wire, not the decoded body the archive keeps.
WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass
class Archived:
    """One response record: its URL, status, headers and body."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    content: bytes
    date: str | None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in (self.header("content-type") or "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset":
                return value.strip().strip("\"'") or None
        return None


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


class UnreadableWarc(Exception):
    """A record cut short (the file ends inside it) or a malformed header."""


def _dechunk(data: bytes) -> bytes:
    """The body of a ``Transfer-Encoding: chunked`` payload (what warcio's reader gave)."""
    out, at = bytearray(), 0
    while (end := data.find(b"\r\n", at)) != -1:
        size = int(data[at:end].split(b";")[0].strip() or b"0", 16)
        if not size:
            break
        out += data[end + 2 : end + 2 + size]
        at = end + 2 + size + 2
    return bytes(out)


def _decoded(payload: bytes, headers: list[tuple[str, str]]) -> bytes:
    """The payload without its transfer and content encodings (chunked; gzip, deflate, br)."""
    named = {k.lower(): v.strip().lower() for k, v in headers}
    if named.get("transfer-encoding") == "chunked":
        payload = _dechunk(payload)
    encoding = named.get("content-encoding")
    try:
        if encoding in ("gzip", "x-gzip", "deflate"):
            return zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(payload)  # gzip or zlib header
        if encoding == "br":
            return brotli.decompress(payload)
    except (zlib.error, brotli.error):
        try:  # a raw deflate stream (no header), as some servers send it
            return zlib.decompressobj(-zlib.MAX_WBITS).decompress(payload)
        except zlib.error:
            return payload
    return payload


def _records(stream: BinaryIO) -> Iterator[Archived]:
    """The HTTP response records of ``stream`` (FastWARC), in order. FastWARC ends quietly
    inside a cut record (it skips one whose HTTP head is cut), so the HTTP head is parsed here
    and a record whose payload is shorter than its length says is refused."""
    for record in ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=False, auto_decode="none"):
        if not record.is_http:
            continue
        record.parse_http()
        expected, payload = record.content_length, record.reader.read()
        if len(payload) < expected:  # the file ended inside the record (a killed writer)
            raise UnreadableWarc(f"record of {record.headers.get('WARC-Target-URI')} is cut short")
        headers = list(record.http_headers.astuples())
        yield Archived(
            url=record.headers.get("WARC-Target-URI") or "",
            status=record.http_headers.status_code or 0,
            headers=headers,
            content=_decoded(payload, headers),
            date=record.headers.get("WARC-Date"),
        )


def iter_responses(path: Path) -> Iterator[Archived]:
    """Every response record of a .warc or .warc.gz file."""
    with path.open("rb") as stream:
        yield from _records(stream)


def read_at(path: Path, offset: int) -> Archived | None:
    """The response record at `offset` of an archive newswash wrote."""
    try:
        with path.open("rb") as stream:
            stream.seek(offset)
            return next(_records(stream), None)
    except (OSError, UnreadableWarc):
        return None


def read_warc(path: Path) -> Iterator[Article | Failure]:
    """Articles from the HTML 200 responses of a WARC file (a Common Crawl news archive, say)."""
    try:
        for record in iter_responses(path):
            if record.status != 200 or (record.media_type and record.media_type not in PAGE_TYPES):
                continue
            yield Article(
                url=record.url,
                source=urlsplit(record.url).hostname or "",
                path=str(path.resolve()),
                content=decode(record.content, record.charset),
                content_type="text" if record.media_type == "text/plain" else "html",
            )
    except (OSError, UnreadableWarc, ValueError) as exc:  # FastWARC on a malformed header: OSError
        yield Failure(str(path), "read", f"unreadable WARC: {exc}")


class WarcArchive:
    """Appends fetched responses to one gzipped WARC file, opened on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stream: BinaryIO | None = None
        self._writer: WARCWriter | None = None

    def write(self, response: Response) -> int:
        """Archive a fetched response; returns the record's offset in the file."""
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._stream = self.path.open("ab")
            self._writer = WARCWriter(self._stream, gzip=True)
        assert self._stream is not None
        headers = [(k, v) for k, v in response.headers if k.lower() not in WIRE_HEADERS]
        headers.append(("Content-Length", str(len(response.content))))
        http_headers = StatusAndHeaders(f"{response.status} OK", headers, protocol=response.http_version)
        date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = self._writer.create_warc_record(
            response.final_url or response.url, "response", payload=BytesIO(response.content),
            http_headers=http_headers, warc_headers_dict={"WARC-Date": date},
        )
        offset = self._stream.tell()
        self._writer.write_record(record)
        return offset

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = self._writer = None

"""Feed, sitemap, discovery, robots, URL and WARC readers on inline documents (no network)."""

from __future__ import annotations

import gzip
import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newswash.sources.charset import decode
from newswash.sources.discovery import canonical_link, classify, feed_links
from newswash.records import Article, Failure
from newswash.sources.feeds import parse_feed
from newswash.sources.files import read_file
from newswash.sources.fetcher import Response
from newswash.sources.robots import RobotRules
from newswash.sources.sitemaps import parse_sitemap
from newswash.sources.urls import clean_url
from newswash.sources.warc import WarcArchive, read_at, read_warc

BASE = "https://news.example/feeds/main.xml"
FEEDS = {
    "rss2": b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><link>/a/1.html</link>'
            b"<pubDate>Fri, 20 Mar 2026 01:34:00 +0000</pubDate></item><item><link>b/2.html?utm_source=x</link></item>"
            b"</channel></rss>",
    "rss1": b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            b'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>T</title></channel>'
            b'<item rdf:about="https://news.example/a/1.html"><link>https://news.example/a/1.html</link></item>'
            b'<item rdf:about="https://news.example/feeds/b/2.html"><link>https://news.example/feeds/b/2.html</link></item>'
            b"</rdf:RDF>",
    "rss091": b'<?xml version="1.0"?><rss version="0.91"><channel><title>T</title>'
              b"<item><link>https://news.example/a/1.html</link></item>"
              b"<item><link>https://news.example/feeds/b/2.html</link></item></channel></rss>",
    "atom": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example/">'
            b'<title>T</title><entry><link href="a/1.html"/><id>1</id><updated>2026-03-20T01:34:00Z</updated></entry>'
            b'<entry><link rel="alternate" href="https://news.example/feeds/b/2.html#c"/><id>2</id></entry></feed>',
    "json": b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": ['
            b'{"id": "1", "url": "https://news.example/a/1.html"}, {"id": "2", "url": "https://news.example/feeds/b/2.html"}]}',
}


@pytest.mark.parametrize("kind", sorted(FEEDS))
def test_feeds_of_every_format_give_absolute_clean_links(kind: str) -> None:
    assert classify(FEEDS[kind], "") == "feed"
    feed = parse_feed(FEEDS[kind], BASE)
    assert [link.url for link in feed.links] == ["https://news.example/a/1.html", "https://news.example/feeds/b/2.html"]


def test_malformed_feed_and_entities_are_refused() -> None:
    with pytest.raises(ValueError, match="malformed feed"):
        parse_feed(b"<rss><channel><item><link>oops", BASE)
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><rss><channel>&b;</channel></rss>'
    with pytest.raises(ValueError, match="entities"):
        parse_feed(bomb, BASE)
    with pytest.raises(ValueError, match="entities"):
        parse_sitemap(bomb.replace(b"rss", b"urlset"), BASE)


def test_sitemaps_index_news_gzip_and_lastmod_filter() -> None:
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>https://news.example/s1.xml.gz</loc></sitemap></sitemapindex>")
    assert parse_sitemap(index, BASE).children == ["https://news.example/s1.xml.gz"]
    urlset = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
              b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
              b"<url><loc>https://news.example/old.html</loc><lastmod>2020-01-01</lastmod></url>"
              b"<url><loc>https://news.example/new.html</loc><news:news><news:publication_date>2026-03-01T10:00:00Z"
              b"</news:publication_date><news:title>New</news:title></news:news></url>"
              b"<url><loc>https://news.example/undated.html</loc></url></urlset>")
    since = datetime(2025, 1, 1, tzinfo=timezone.utc)
    sitemap = parse_sitemap(gzip.compress(urlset), BASE, since)
    assert [p.url for p in sitemap.pages] == ["https://news.example/new.html", "https://news.example/undated.html"]
    assert sitemap.pages[0].title == "New"
    with pytest.raises(ValueError, match="larger than"):
        parse_sitemap(gzip.compress(b"<urlset>" + b" " * 100_000), BASE, limit=1000)


def test_discovery_classify_canonical_robots_and_urls() -> None:
    html = ('<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
            '<link rel="canonical" href="https://news.example/story?utm_campaign=x"></head><body></body></html>')
    assert classify(html.encode(), "text/html") == "html"
    assert classify(b"<?xml version='1.0'?><urlset>", "text/xml") == "sitemap"
    assert feed_links(html, "https://news.example/") == ["https://news.example/rss.xml"]
    assert canonical_link(html, "https://news.example/") == "https://news.example/story"
    rules = RobotRules.from_response(200, "User-agent: *\nDisallow: /private/\nCrawl-delay: 2\nSitemap: https://n.example/s.xml")
    assert not rules.allowed("newswash", "https://n.example/private/x") and rules.allowed("newswash", "https://n.example/a")
    assert rules.crawl_delay("newswash") == 2 and rules.sitemaps() == ["https://n.example/s.xml"]
    assert RobotRules.from_response(404, "").allowed("newswash", "https://n.example/private/x")
    assert not RobotRules.from_response(503, "").allowed("newswash", "https://n.example/a")
    assert clean_url("HTTPS://News.Example/a?fbclid=1&id=2&utm_source=x#top") == "https://news.example/a?id=2"


def test_robots_wildcards_and_end_anchors_are_obeyed() -> None:
    rules = RobotRules.from_response(200, "User-agent: *\nDisallow: /*?print=\nDisallow: /private$")
    assert not rules.allowed("newswash", "https://n.example/a.html?print=1")
    assert rules.allowed("newswash", "https://n.example/a.html")
    assert not rules.allowed("newswash", "https://n.example/private")
    assert rules.allowed("newswash", "https://n.example/private/x")


def test_charset_from_header_then_meta_then_detection() -> None:
    text = "Le café était très crémeux, déclare le maître du château. " * 3
    assert decode(text.encode("latin-1"), "iso-8859-1") == text
    assert decode(b'<meta charset="windows-1252">' + text.encode("cp1252")).endswith(text)
    assert decode(text.encode("latin-1")) == text


def test_warc_archive_round_trip(tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path / "a.warc.gz")
    page = "<html><body><article><p>Archived words.</p></article></body></html>".encode()
    response = Response("https://news.example/a.html", "fetched", final_url="https://news.example/a.html",
                        status=200, media_type="text/html", content=page,
                        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")])
    first = archive.write(response)
    second = archive.write(response)
    archive.close()
    assert read_at(tmp_path / "a.warc.gz", second).content == page and first == 0
    articles = list(read_warc(tmp_path / "a.warc.gz"))
    assert [a.url for a in articles] == ["https://news.example/a.html"] * 2 and articles[0].content == page.decode()


def _response_record(url: str, http: bytes) -> bytes:
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Date: 2024-01-02T03:04:05Z\r\n"
            f"WARC-Record-ID: <urn:uuid:{abs(hash(url)):032x}>\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n")
    return head.encode() + http + b"\r\n\r\n"


def test_warc_payloads_are_decoded_and_a_cut_record_is_a_failure(tmp_path: Path) -> None:
    """FastWARC gives payloads as stored and reads a cut payload as a short one; the reader decodes
    chunked and gzip payloads (as warcio did) and refuses a record shorter than its length."""
    page = b"<html><body><p>" + "Stored words, é.".encode() * 40 + b"</p></body></html>"
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (page[:100], page[100:])) + b"0\r\n\r\n"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
    records = [
        _response_record("https://news.example/plain.html", head + b"\r\n" + page),
        _response_record("https://news.example/gzip.html", head + b"Content-Encoding: gzip\r\n\r\n" + gzip.compress(page)),
        _response_record("https://news.example/chunked.html", head + b"Transfer-Encoding: chunked\r\n\r\n" + chunked),
    ]
    whole = tmp_path / "whole.warc"
    whole.write_bytes(b"".join(records))
    articles = list(read_warc(whole))
    assert [a.url.rsplit("/", 1)[1] for a in articles] == ["plain.html", "gzip.html", "chunked.html"]
    assert {a.content for a in articles} == {page.decode()}
    cut = tmp_path / "cut.warc"
    cut.write_bytes(records[0] + records[1][:-12])  # inside the gzip payload
    results = list(read_warc(cut))
    assert [r.url for r in results[:1]] == ["https://news.example/plain.html"]
    assert len(results) == 2 and "gzip.html is cut short" in results[1].reason


def test_a_jsonl_file_is_read_a_line_at_a_time(tmp_path: Path) -> None:
    """The first record arrives while the writer still holds the rest back (a named pipe):
    a file of millions of records is never read whole into memory."""
    pipe = tmp_path / "records.jsonl"
    os.mkfifo(pipe)
    second, held_back = threading.Event(), []

    def write() -> None:
        with pipe.open("w", encoding="utf-8") as out:
            out.write(json.dumps({"url": "https://news.example/1", "text": "First story."}) + "\n")
            out.flush()
            held_back.append(second.wait(10))  # False: the reader waited for the end of the file
            out.write("not json\n" + json.dumps({"url": "https://news.example/3", "text": "Third. \u00e9"}))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        records = read_file(pipe)
        first = next(records)
        assert isinstance(first, Article) and first.content == "First story."
        second.set()
        rest = list(records)
    finally:
        second.set()
        writer.join(30)
    assert held_back == [True]
    assert isinstance(rest[0], Failure) and rest[0].reason.startswith("line 2: invalid JSON")
    assert isinstance(rest[1], Article) and rest[1].url == "https://news.example/3" and rest[1].content == "Third. \u00e9"


def test_jsonl_records_read_as_the_standard_library_reads_them(tmp_path: Path) -> None:
    """orjson reads the lines, but where it reads them otherwise (integers past 64 bits become
    floats; NaN, infinities and lone surrogates it refuses) the record is what the standard
    library makes of it, and a bad line's reason is its error."""
    lines = [
        '{"url": "https://news.example/1", "text": "Plain.", "source": "wire", "published_at": "2026-03-20T01:34:00Z"}',
        '{"url": "https://news.example/2", "text": "Big source.", "source": 123456789012345678901234567890}',
        '{"url": "https://news.example/3", "text": "Epoch.", "published_at": 123456789012345678901234567890}',
        '{"url": "https://news.example/4", "text": "Lone \\ud800 surrogate.", "extra": NaN}',
        '{"url": "https://news.example/5", "text": "Huge.", "extra": 1e400, "source": 18446744073709551616}',
        '{"url": "https://news.example/6", "text": "Source as a list.", "source": [1.5, 99999999999999999999]}',
        '{"url": "https://news.example/7", "text": "Cut',
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = list(read_file(path))
    assert [r.source for r in read[:2] + read[3:6]] == ["wire", "123456789012345678901234567890", "records",
                                                        "18446744073709551616", "[1.5, 99999999999999999999]"]
    assert read[2].reason == "line 3: 'published_at' is not ISO 8601: 123456789012345678901234567890"
    assert read[3].content == "Lone \ud800 surrogate."
    try:
        json.loads(lines[6] + "\n")  # as read: with its newline
    except json.JSONDecodeError as exc:
        assert isinstance(read[6], Failure) and read[6].reason == f"line 7: invalid JSON ({exc.msg})"
    assert len(read) == 7

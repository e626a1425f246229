"""Fuzzed inputs through every reader and cleaner (hypothesis): nothing crashes, every problem comes
out as a clear error (a `Failure` with a reason, an `article.error`, or the ValueError the caller
turns into a Failure), and nothing is lost (one Article or Failure per input item).

Deterministic (`derandomize=True`) and bounded: the whole file runs in well under 90 s on 2 cores.
"""

from __future__ import annotations

import encodings.aliases
import gzip
import json
import string
import tempfile
from collections.abc import Iterator
from datetime import datetime
from itertools import count
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newswash.settings import load_cleaning
from newswash.cleaners import Cleaner
from newswash.cleaners.extract import extract
from newswash.cleaners.boilerplate import SITE_BOILERPLATE, LineCounts, comparable_line
from newswash.dedup import DedupSettings, fingerprint
from newswash.step import Batch, run_steps
from newswash.steps.clean import Clean
from newswash.steps.extract import Extract
from newswash.records import Article, Failure, Removal
from newswash.sources.charset import decode
from newswash.sources.feeds import Feed, Link, parse_feed
from newswash.sources.fetcher import Response
from newswash.sources.robots import RobotRules
from newswash.sources.sitemaps import Sitemap, parse_sitemap
from newswash.sources.files import read_file
from newswash.sources.warc import WarcArchive

BASE = "https://news.example/feeds/main.xml"


def fuzz(n: int) -> settings:
    """`n` deterministic examples, no per-example deadline (the first trafilatura call is slow)."""
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


_names = count()
_DIR = Path(tempfile.mkdtemp(prefix="newswash-fuzz-"))


def _file(content: bytes, suffix: str) -> Path:
    """A fresh file holding `content` (hypothesis calls the test many times per fixture)."""
    path = _DIR / f"input{next(_names)}{suffix}"
    path.write_bytes(content)
    return path


def _is_failure(item: object) -> bool:
    return isinstance(item, Failure) and bool(item.reason.strip()) and bool(item.location) and bool(item.stage)


# ---------------------------------------------------------------------------------------------
# Strategies

# Unicode that readers trip over: line and paragraph separators, NEL, controls, BOM, CJK, RTL,
# combining marks, surrogate-free astral characters.
TRICKY = st.sampled_from(["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1e", "\x00", "\ufeff", "\u200b",
                          "\u00ad", "\r", "\t", "中文新闻", "עברית", "e\u0301", "\U0001f4f0", "ﬁ", "Ⅸ", "²", "٣"])
TEXT = st.lists(st.one_of(st.text(max_size=40), TRICKY, st.sampled_from([" ", "\n", "\n\n", "."])),
                max_size=30).map("".join)
WORDY = st.lists(st.sampled_from(
    ["The", "council", "voted", "on", "Tuesday", "to", "approve", "the", "budget", ".", "Source link", "[ad_1]",
     "By Jane Doe", "Advertisement", "新闻", "报道", "中国", "Share this:", "Photo:", "Reuters", "\n", "\n\n", "—"]),
    max_size=120).map(" ".join)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30) | TRICKY,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
DATES = st.one_of(st.none(), st.text(max_size=30), st.integers(), st.sampled_from([
    "2024-01-02", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05+05:30", "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00", "2024-02-30", "24:00", "2024-01-02T03:04:05.123456789", "",
]))
RECORDS = st.fixed_dictionaries({}, optional={
    "url": st.one_of(st.sampled_from(["https://news.example/a", " https://news.example/b ", "", " ", "x"]),
                     st.text(max_size=20), JSON_VALUES),
    "text": st.one_of(TEXT, JSON_VALUES),
    "html": st.one_of(st.just("<p>hi</p>"), TEXT, JSON_VALUES),
    "title": st.one_of(TEXT, JSON_VALUES),
    "published_at": st.one_of(DATES, JSON_VALUES),
    "source": st.one_of(TEXT, JSON_VALUES),
})
VALID_RECORDS = st.fixed_dictionaries({
    "url": st.text(min_size=1, max_size=30).filter(str.strip),
    "text": TEXT.filter(str.strip),
}, optional={"title": TEXT, "source": TEXT, "published_at": st.sampled_from(
    ["2024-01-02", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05+05:30", None])})
JSON_LINE = st.one_of(
    RECORDS.flatmap(lambda r: st.booleans().map(lambda ascii_: json.dumps(r, ensure_ascii=ascii_))),
    JSON_VALUES.map(lambda v: json.dumps(v, ensure_ascii=False)),
    st.text(max_size=60).filter(lambda s: "\n" not in s),
    st.sampled_from(["", " ", "\t", "{", "}", "[" * 5000 + "]" * 5000, "[" * 100_000, "null", '{"url": 1e999}',
                     '{"url": "u", "text": "t", "published_at": "0001-01-01T00:00:00+01:00"}']),
)

XML_FRAGMENTS = st.sampled_from([
    '<?xml version="1.0"?>', "<?xml version='1.0' encoding='latin-1'?>", "<?xml version='1.0' encoding='bogus'?>",
    "<rss version=\"2.0\">", "</rss>", "<channel>", "</channel>", "<item>", "</item>", "<title>", "</title>",
    "<link>", "</link>", "<guid>", "</guid>", "<pubDate>", "</pubDate>", "Fri, 20 Mar 2026 01:34:00 +0000",
    "Mon, 99 Foo 0000", '<feed xmlns="http://www.w3.org/2005/Atom">', "</feed>", "<entry>", "</entry>",
    '<link href="', '"/>', "<id>", "</id>", "<updated>", "</updated>", "2026-03-20T01:34:00Z",
    "0001-01-01T00:00:00+01:00", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    "</rdf:RDF>", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">', "</urlset>", "<sitemapindex>",
    "</sitemapindex>", "<url>", "</url>", "<sitemap>", "</sitemap>", "<loc>", "</loc>", "<lastmod>", "</lastmod>",
    "<news:publication_date>", "</news:publication_date>", "https://news.example/a/1.html", "/b/2.html?utm_source=x",
    "javascript:alert(1)", "mailto:x@y", "http://[::1", "http://", "//cdn.example/x", "&amp;", "&bogus;", "&#0;",
    "&#xD800;", "<![CDATA[", "]]>", "<!-- c -->", "<!DOCTYPE x>", '<!ENTITY a "b">', "<", ">", "\x00", "\xff", "中文",
])
XMLISH = st.lists(st.one_of(XML_FRAGMENTS, st.text(max_size=10)), max_size=40).flatmap(
    lambda parts: st.sampled_from(["utf-8", "latin-1", "utf-16"]).map(
        lambda enc: "".join(parts).encode(enc, errors="replace")))
JSON_FEEDS = st.fixed_dictionaries({}, optional={
    "version": st.just("https://jsonfeed.org/version/1.1"),
    "title": JSON_VALUES,
    "home_page_url": st.one_of(st.sampled_from(["https://news.example/", "", "nope"]), JSON_VALUES),
    "items": st.one_of(JSON_VALUES, st.lists(st.one_of(JSON_VALUES, st.fixed_dictionaries({}, optional={
        "url": st.one_of(st.sampled_from(["https://news.example/a", "/b", "c", "ftp://x/y", ""]), JSON_VALUES),
        "external_url": st.one_of(st.just("https://other.example/x"), JSON_VALUES),
        "title": JSON_VALUES,
        "date_published": st.one_of(DATES, JSON_VALUES),
    })), max_size=6)),
}).map(lambda d: json.dumps(d).encode())
FEED_BYTES = st.one_of(st.binary(max_size=400), XMLISH, JSON_FEEDS, JSON_VALUES.map(lambda v: json.dumps(v).encode()))


def _gzip_variants(content: bytes) -> st.SearchStrategy[bytes]:
    packed = gzip.compress(content)
    return st.sampled_from([content, packed, packed[: max(2, len(packed) // 2)], b"\x1f\x8b" + content])


SITEMAP_BYTES = st.one_of(
    st.binary(max_size=400),
    st.binary(max_size=200).map(lambda b: b"\x1f\x8b" + b),
    XMLISH.flatmap(_gzip_variants),
    st.sampled_from([b"", b"\x00", b"\x1f\x8b", gzip.compress(b""), gzip.compress(b"\x00"), b"<urlset/>",
                     gzip.compress(b"<urlset><url><loc>/a</loc></url></urlset>")]),
)

ROBOTS_LINE = st.tuples(
    st.sampled_from(["User-agent", "user-agent", "Disallow", "Allow", "Crawl-delay", "Request-rate", "Sitemap",
                     "Host", "", "#", "Noindex"]),
    st.sampled_from([":", ": ", " : ", "", "::"]),
    st.one_of(st.sampled_from(["*", "newswash", "/", "/private/", "/*.pdf$", "10", "0.5", "-1", "1/5", "abc",
                               "https://news.example/sitemap.xml", "", "%", "%zz", "/ä"]), st.text(max_size=12)),
).map("".join)
ROBOTS_TEXT = st.one_of(st.lists(ROBOTS_LINE, max_size=12).map("\n".join), st.text(max_size=200))

HTML_FRAGMENTS = st.sampled_from([
    "<!DOCTYPE html>", "<html lang=\"en\">", "<html lang=\"\">", "</html>", "<head>", "</head>", "<body>", "</body>",
    "<title>", "</title>", "<article>", "</article>", "<h1>", "</h1>", "<p>", "</p>", "<div>", "</div>", "<br>",
    "<script>", "</script>", "<style>", "</style>", "<nav>", "</nav>", "<footer>", "</footer>",
    '<meta charset="utf-8">', '<meta property="article:published_time" content="2024-01-02T03:04:05Z">',
    '<meta property="article:published_time" content="0001-01-01T00:00:00+01:00">',
    '<meta name="date" content="9999-99-99">', '<meta property="og:locale" content="zz_ZZ">',
    '<meta name="news_keywords" content="a, b; c | d">', '<link rel="canonical" href="/canon">',
    '<script type="application/ld+json">', '{"@type": "NewsArticle", "headline": "H", "articleBody": "',
    '", "datePublished": "2024-13-45", "author": [{"name": null}, 5, "A"], "isAccessibleForFree": "False"}',
    '{"@graph": [{"@type": ["NewsArticle"], "datePublished": "0001-01-01T00:00:00+01:00", "author": {"name": []}}]}',
    "<![CDATA[x]]>", "<!-- comment", "-->", "&nbsp;", "&amp;", "&#0;", "&#x110000;", "<", ">", "</", "\x00",
    "<table><tr><td>", "</td></tr></table>", "<ul><li>", "</li></ul>", "<svg><text>", "</text></svg>",
    "<template>", "<iframe>", "<noscript>", "<math>", "Source link", "[ad_1]", "Advertisement",
])
HTMLISH = st.lists(st.one_of(HTML_FRAGMENTS, WORDY, TEXT), max_size=40).map("".join)


# ---------------------------------------------------------------------------------------------
# Readers


def _jsonl_lines(text: str) -> list[int]:
    """Line numbers of the non-blank lines of a JSONL file (lines end at \\n, as JSON Lines says)."""
    return [n for n, line in enumerate(text.split("\n"), start=1) if line.strip()]


@fuzz(500)
@given(lines=st.lists(JSON_LINE, max_size=12), newline=st.sampled_from(["\n", "\r\n"]), bom=st.booleans())
@example(lines=['{"url": "https://news.example/a", "text": "one\u2028two\u2029three\x85four"}'], newline="\n", bom=False)
@example(lines=["[" * 100_000], newline="\n", bom=False)
@example(lines=['{"url": "u", "text": "t", "published_at": "0001-01-01T00:00:00+01:00"}'], newline="\n", bom=False)
def test_jsonl_reader_gives_one_result_per_nonblank_line(lines: list[str], newline: str, bom: bool) -> None:
    content = ("\ufeff" if bom else "") + newline.join(lines)
    path = _file(content.encode("utf-8", errors="surrogatepass"), ".jsonl")
    results = list(read_file(path))
    text = path.read_bytes().decode("utf-8", errors="replace")
    assert len(results) == len(_jsonl_lines(text))
    for lineno, item in zip(_jsonl_lines(text), results):
        if isinstance(item, Failure):
            assert _is_failure(item) and item.stage == "read"
            assert item.location == f"{path}:{lineno}" and item.reason.startswith(f"line {lineno}: ")
        else:
            assert isinstance(item, Article), item
            assert item.url.strip() and item.url == item.url.strip() and item.content.strip()
            assert item.content_type in ("html", "text") and isinstance(item.source, str)
            assert item.published_at is None or (isinstance(item.published_at, datetime)
                                                 and item.published_at.tzinfo is None)


@fuzz(200)
@given(records=st.lists(VALID_RECORDS, min_size=1, max_size=8), junk=st.lists(JSON_LINE, max_size=4))
def test_valid_jsonl_records_are_never_lost(records: list[dict], junk: list[str]) -> None:
    """Every well-formed record comes out as an Article with its URL, whatever the lines around it hold."""
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + junk
    path = _file("\n".join(lines).encode("utf-8", errors="surrogatepass"), ".jsonl")
    results = list(read_file(path))
    articles = [r for r in results[: len(records)] if isinstance(r, Article)]
    assert [a.url for a in articles] == [r["url"].strip() for r in records]


@fuzz(150)
@given(content=st.one_of(st.binary(max_size=3000), HTMLISH.map(lambda s: s.encode("utf-8", "surrogatepass"))),
       suffix=st.sampled_from([".txt", ".html", ".htm", ".HTML"]))
def test_txt_and_html_files_give_one_article_then_an_article_or_a_failure(content: bytes, suffix: str) -> None:
    path = _file(content, suffix)
    [article] = list(read_file(path))
    assert isinstance(article, Article) and isinstance(article.content, str)
    assert article.content_type == ("text" if suffix == ".txt" else "html")
    assert article.url.startswith("file://") and article.path
    batch = run_steps([Extract(), Clean(CLEANER)], Batch([article]))
    assert len(batch.articles) + len(batch.failures) == 1
    assert all(c.seen == c.kept + c.dropped_total for c in batch.counts)
    for failure in batch.failures:
        assert _is_failure(failure) and failure.stage in ("extract", "clean")
    for result in batch.articles:
        assert isinstance(result, Article) and result.body.strip() and result.error is None


def _check_links(links: list[Link]) -> None:
    assert len({link.url for link in links}) == len(links)
    for link in links:
        assert isinstance(link, Link) and link.url.startswith(("http://", "https://"))
        assert link.published is None or isinstance(link.published, datetime)


@fuzz(500)
@given(content=FEED_BYTES)
@example(content=b'{"home_page_url": 5, "items": [{"url": "/a"}]}')
@example(content=b'{"items": [{"url": "https://news.example/a", "date_published": "0001-01-01T00:00:00+01:00"}]}')
@example(content=b'{"title": ["not", "a", "string"], "items": [{"url": "https://news.example/a"}]}')
def test_feed_parser_returns_links_or_a_clear_value_error(content: bytes) -> None:
    try:
        feed = parse_feed(content, BASE)
    except ValueError as exc:
        assert str(exc).strip()
        return
    assert isinstance(feed, Feed)
    assert feed.title is None or isinstance(feed.title, str)  # it names the source of the feed's articles
    _check_links(feed.links)


@fuzz(500)
@given(content=SITEMAP_BYTES, since=st.one_of(st.none(), st.just(datetime.fromisoformat("2025-01-01T00:00:00+00:00"))))
@example(content=b"", since=None)
@example(content=gzip.compress(b""), since=None)
@example(content=b"<urlset><url><loc>/a</loc><lastmod>0001-01-01T00:00:00+01:00</lastmod></url></urlset>", since=None)
def test_sitemap_parser_returns_pages_or_a_clear_value_error(content: bytes, since: datetime | None) -> None:
    try:
        sitemap = parse_sitemap(content, BASE, since, limit=1_000_000)
    except (ValueError, SyntaxError) as exc:  # the crawl records either as a Failure (lxml's XMLSyntaxError)
        assert str(exc).strip()
        return
    assert isinstance(sitemap, Sitemap)
    _check_links(sitemap.pages)
    assert all(isinstance(c, str) and c.startswith("http") for c in sitemap.children)


@fuzz(400)
@given(text=ROBOTS_TEXT, status=st.one_of(st.none(), st.sampled_from([200, 204, 301, 404, 410, 429, 500, 503])),
       url=st.one_of(st.sampled_from(["https://news.example/", "https://news.example/private/x",
                                      "https://news.example/a.pdf", "https://news.example/%zz?q=ä"]),
                     st.text(max_size=30).map(lambda s: "https://news.example/" + s)))
def test_robots_rules_never_raise(text: str, status: int | None, url: str) -> None:
    rules = RobotRules.from_response(status, text)
    for agent in ("newswash/0.1", "*", ""):
        assert isinstance(rules.allowed(agent, url), bool)
        delay = rules.crawl_delay(agent)
        assert isinstance(delay, float) and delay == delay  # not NaN
    assert all(isinstance(s, str) for s in rules.sitemaps())
    if status is None or status >= 500:
        assert rules.reason and not rules.allowed("newswash/0.1", url)


@pytest.mark.parametrize("line", ["Crawl-delay: \u00b2", "Request-rate: \u00b2/\u0663", "Crawl-delay: \u2460"])
def test_robots_with_non_decimal_digits_does_not_raise(line: str) -> None:
    """`str.isdigit()` is true for superscripts and circled digits, which `int()` refuses (urllib's
    RobotFileParser raised ValueError on them and the run stopped); they read as no delay."""
    rules = RobotRules.from_response(200, f"User-agent: *\n{line}\nDisallow: /private/")
    assert not rules.allowed("newswash", "https://news.example/private/x")
    assert isinstance(rules.crawl_delay("newswash"), float)


CODEC_NAMES = sorted(set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values()) | {"undefined"})


def _text_codec(name: str) -> bool:
    """A codec `bytes.decode(..., errors="replace")` accepts (not base64, hex, zlib, idna, punycode, ...)."""
    try:
        return all(isinstance(b.decode(name, "replace"), str) for b in (b"\xff\xfe<p>", b"a\x80b", b""))
    except (LookupError, UnicodeError):
        return False


TEXT_CODECS = [name for name in CODEC_NAMES if _text_codec(name)]
BROKEN_CODECS = [name for name in CODEC_NAMES if not _text_codec(name)]


@pytest.mark.parametrize("where", ["header", "meta"])
def test_charset_naming_a_binary_or_strict_codec_still_gives_text(where: str) -> None:
    """A `Content-Type: text/html; charset=hex` header or `<meta charset="base64">` (or zlib, rot13,
    idna, punycode, undefined, ...) makes decode() raise; the crawl calls it unguarded and the run stops."""
    assert BROKEN_CODECS
    for name in BROKEN_CODECS:
        content = b"\xff<p>caf\xe9</p>"
        text = decode(content, name) if where == "header" else decode(f'<meta charset="{name}">'.encode() + content)
        assert isinstance(text, str)


@fuzz(500)
@given(content=st.one_of(st.binary(max_size=300), TEXT.flatmap(lambda s: st.sampled_from(
           ["utf-8", "cp1252", "shift_jis", "utf-16", "koi8-r", "gb18030"]).map(lambda e: s.encode(e, "replace")))),
       header=st.one_of(st.none(), st.sampled_from(TEXT_CODECS), st.text(max_size=12)),
       meta=st.one_of(st.none(), st.sampled_from(TEXT_CODECS), st.text(alphabet=string.ascii_letters + "-_.:", max_size=12)))
def test_charset_decoding_always_gives_text(content: bytes, header: str | None, meta: str | None) -> None:
    """Whatever charset a header or a <meta> names (bogus, binary codecs, ...), decoding gives text."""
    if meta is not None:
        content = f'<meta charset="{meta}">'.encode() + content
    text = decode(content, header)
    assert isinstance(text, str)
    if not content:
        assert text == ""


def _real_warc(n: int) -> tuple[bytes, list[str]]:
    """A gzipped WARC of `n` HTML 200 responses, as newswash archives them."""
    path = _DIR / f"real{next(_names)}.warc.gz"
    archive = WarcArchive(path)
    urls = [f"https://news.example/story/{i}.html" for i in range(n)]
    for i, url in enumerate(urls):
        archive.write(Response(url, "fetched", final_url=url, status=200, media_type="text/html",
                               content=f"<html><body><p>Story {i} text.</p></body></html>".encode(),
                               headers=[("Content-Type", "text/html; charset=utf-8")]))
    archive.close()
    return path.read_bytes(), urls


REAL_WARC, REAL_URLS = _real_warc(6)


@fuzz(300)
@given(content=st.one_of(
    st.binary(max_size=600),
    st.integers(0, len(REAL_WARC)).map(lambda cut: REAL_WARC[:cut]),
    st.tuples(st.integers(0, len(REAL_WARC) - 1), st.binary(min_size=1, max_size=8)).map(
        lambda t: REAL_WARC[: t[0]] + t[1] + REAL_WARC[t[0] + len(t[1]):]),
    st.integers(0, 2000).map(lambda cut: gzip.decompress(REAL_WARC)[:cut]),
    st.just(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999999\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"),
), suffix=st.sampled_from([".warc", ".warc.gz"]))
def test_warc_reader_gives_articles_then_at_most_one_failure(content: bytes, suffix: str) -> None:
    path = _file(content, suffix)
    results = list(read_file(path))
    articles = [r for r in results if isinstance(r, Article)]
    failures = [r for r in results if not isinstance(r, Article)]
    assert all(_is_failure(f) and f.location == str(path) for f in failures) and len(failures) <= 1
    assert results[: len(articles)] == articles  # a failure, if any, comes last
    for article in articles:
        assert isinstance(article.url, str) and isinstance(article.content, str)


@fuzz(60)
@given(cut=st.integers(0, len(REAL_WARC)))
def test_truncated_warc_keeps_the_records_before_the_cut(cut: int) -> None:
    """Records wholly before a truncation all come out (in order); the cut one is never half-read."""
    path = _file(REAL_WARC[:cut], ".warc.gz")
    results = list(read_file(path))
    urls = [r.url for r in results if isinstance(r, Article)]
    assert urls == REAL_URLS[: len(urls)]
    whole = 0
    for offset in _member_ends(REAL_WARC):
        whole += offset <= cut
    assert len(urls) >= whole


def test_a_record_cut_short_is_not_read_as_a_whole_article() -> None:
    """A .warc.gz cut inside the last record's payload (a run killed while archiving) gives that
    record as an Article with a truncated (or empty) page instead of a Failure."""
    ends = list(_member_ends(REAL_WARC))
    for cut in range(ends[-2] + 1, ends[-1]):
        results = list(read_file(_file(REAL_WARC[:cut], ".warc.gz")))
        for article in (r for r in results if isinstance(r, Article)):
            assert article.content.endswith("</html>"), (cut, article.content[-40:])


def _member_ends(data: bytes) -> Iterator[int]:
    """End offsets of the gzip members (one WARC record each) of a .warc.gz."""
    import zlib

    offset = 0
    while offset < len(data):
        inflater = zlib.decompressobj(31)
        inflater.decompress(data[offset:])
        offset = len(data) - len(inflater.unused_data)
        if inflater.unused_data == b"" or not inflater.eof:
            yield offset
            return
        yield offset


# ---------------------------------------------------------------------------------------------
# Extraction and cleaning

CLEANER = Cleaner()


@fuzz(250)
@given(html=HTMLISH, url=st.sampled_from(["https://news.example/2024/01/02/story.html", "", "file:///tmp/x.html",
                                          "not a url"]))
@example(html="", url="")
@example(html="\x00" * 10, url="")
@example(html="<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>", url="")
def test_extract_never_raises_and_gives_a_body_or_an_error(html: str, url: str) -> None:
    article = extract(Article(url=url, content=html, content_type="html"))
    assert isinstance(article, Article) and isinstance(article.body, str)
    if article.error is not None:
        assert isinstance(article.error, str) and article.error.strip()
    else:
        assert article.body.strip()
        assert article.published_at is None or isinstance(article.published_at, datetime)
        assert article.title is None or isinstance(article.title, str)
        assert all(isinstance(t, str) for t in article.tags)


HUGE = st.sampled_from(["x" * 200_000, ("word " * 40_000).strip(), "a" * 50_000 + "\n" * 50_000,
                        "Source link " * 10_000, "\n" * 100_000, "." * 100_000, "By " + "John " * 20_000])


@fuzz(300)
@given(text=st.one_of(TEXT, WORDY, HUGE, st.lists(st.one_of(TEXT, WORDY, st.just("\n" * 500)), max_size=8).map("\n".join)),
       title=st.one_of(st.none(), TEXT), author=st.one_of(st.none(), TEXT))
def test_cleaner_never_raises_and_logs_what_it_removes(text: str, title: str | None, author: str | None) -> None:
    article = CLEANER(Article(url="https://news.example/a", body=text, title=title, author=author))
    assert isinstance(article.body, str)
    assert "\n\n\n" not in article.body and article.body == article.body.strip()
    assert all(line.strip() for line in article.body.split("\n\n")) or article.body == ""
    if not article.body:
        assert article.error and article.error.strip()
    names = set(CLEANER.rule_names)
    assert all(isinstance(r, Removal) and r.rule in names and isinstance(r.text, str) for r in article.removals)
    assert article.title is None or (article.title.strip() and "\n" not in article.title)
    assert all(a and isinstance(a, str) for a in article.authors)


LINE_POOL = st.sampled_from(["Subscribe to our newsletter", "© Example News 2024", "Read more:", "新闻 报道", "  ",
                             "The council met on Tuesday and approved the new budget for schools.", "Share", "",
                             "Photo: Reuters", "Advertisement", "中文", "!!!", "42"])


@fuzz(150)
@given(docs=st.lists(st.tuples(st.sampled_from(["", "a.example", "b.example"]),
                               st.lists(st.one_of(LINE_POOL, TEXT), max_size=8),
                               st.booleans()), max_size=30),
       stored=st.booleans(), min_source=st.integers(0, 3), min_articles=st.integers(0, 3))
def test_learned_boilerplate_keeps_every_line_somewhere(docs: list, stored: bool, min_source: int,
                                                        min_articles: int) -> None:
    """Each line of each body ends either in the body or in a site_boilerplate Removal; an emptied
    article gets an error; the batch's counts come back."""
    config = load_cleaning()
    cleaner = Cleaner({**config, "boilerplate": {**config["boilerplate"], "min_source_articles": min_source,
                                                 "min_articles": min_articles, "sentence_min_articles": min_articles}})
    articles = []
    for i, (source, lines, errored) in enumerate(docs):
        body = "\n\n".join(line for line in lines if line)
        articles.append(Article(url=f"https://news.example/{i}", source=source, body=body,
                                error="earlier problem" if errored and i % 3 == 0 else None))
    before = [(a.body, a.error) for a in articles]
    counts = LineCounts()
    if stored:
        counts.articles.update({"a.example": 50, "b.example": 1})
    batch = cleaner.remove_boilerplate(articles, counts if stored else None)
    assert isinstance(batch, LineCounts)
    assert len(articles) == len(docs)
    for article, (body, error) in zip(articles, before):
        if error or not article.source:
            assert (article.body, article.error) == (body, error)
            continue
        removed = [r.text for r in article.removals if r.rule == SITE_BOILERPLATE]
        kept = [line for line in article.body.split("\n\n") if line]
        assert sorted(kept + removed) == sorted(line for line in body.split("\n\n") if line)
        assert all(comparable_line(line) for line in removed)  # a line with no words is never learned
        if not article.body:
            assert article.error and article.error.strip()


DEDUP = DedupSettings.from_toml()
FP_TEXTS = st.one_of(TEXT, WORDY, st.sampled_from(["", " ", "\n\n\t", "中文新闻报道" * 50, "ア" * 3, "a", "\x00",
                                                   "新闻。" * 1000]))


@fuzz(200)
@given(texts=st.lists(FP_TEXTS, max_size=12))
def test_fingerprint_gives_one_row_per_text_whatever_the_text(texts: list[str]) -> None:
    fp = fingerprint(texts, DEDUP)
    n = len(texts)
    assert len(fp.exact) == n and all(isinstance(h, str) and len(h) == 32 for h in fp.exact)
    assert fp.signatures.shape == (n, DEDUP.num_perm) and fp.signatures.dtype == np.uint32
    assert fp.sizes.shape == (n,) and (fp.sizes >= 0).all()
    assert fp.band_keys.shape == (n, DEDUP.bands)
    for i, text in enumerate(texts):
        if not text.strip():
            assert fp.sizes[i] == 0  # nothing to compare: never a duplicate
        # each row depends on its own text only
        alone = fingerprint([text], DEDUP)
        assert alone.exact[0] == fp.exact[i] and (alone.signatures[0] == fp.signatures[i]).all()
        assert alone.sizes[0] == fp.sizes[i]

"""Decoding page bytes, the one way every reader does it (files, fetched pages, WARC records,
reprocess): a byte-order mark, then the header's charset, then the page's own declaration
(``<meta>`` or the XML declaration), then UTF-8 when valid, then detection."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

WEB_DEFAULT = "cp1252"
META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']\s*([\w.:-]+)""", re.I)
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except (LookupError, ValueError):  # unknown name, or one with a NUL
        return None


def meta_charset(content: bytes) -> str | None:
    """The charset a page declares in its XML declaration or a <meta> tag within its first 4 kB."""
    match = XML_ENCODING.match(content) or META_CHARSET.search(content[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _bom(content: bytes) -> str | None:
    return next((codec for bom, codec in BOMS if content.startswith(bom)), None)


def decode(content: bytes, header_charset: str | None = None) -> str:
    """Text of `content`: BOM, else header charset, else declared charset, else UTF-8 if valid,
    else detected."""
    for name in (_bom(content), header_charset, meta_charset(content)):
        if codec := _codec(name):
            try:
                return content.decode(codec, errors="replace")
            except (LookupError, UnicodeError):  # a binary codec (hex, base64, zlib) or a strict one (idna)
                continue
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return content.decode(detect(content), errors="replace")


def detect(content: bytes) -> str:
    """The detected codec; among equally likely ones, windows-1252 (the web's undeclared default)."""
    matches = from_bytes(content[:200_000])
    best = matches.best()
    if best is None:
        return "cp1252"
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    if any(WEB_DEFAULT in m.could_be_from_charset for m in tied):
        return WEB_DEFAULT
    return _codec(best.encoding) or WEB_DEFAULT

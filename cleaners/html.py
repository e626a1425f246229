"""Tree-level repairs around trafilatura: parsing, inline hover cards, split article bodies."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import html as lxml_html
from lxml.etree import _Element

from .text import fold

_PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True)
# lxml refuses text that opens with an XML declaration naming an encoding (XHTML pages);
# the page is already decoded, so the declaration has nothing left to say.
_XML_DECLARATION = re.compile(r"\s*<\?xml\b[^>]*\?>")
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "blockquote")
_WORD = re.compile(r"\w+")
SPLIT_MIN_WORDS = 12        # a recovered paragraph must be sentence-sized
SPLIT_MAX_LINK_SHARE = 0.5  # ... and mostly not link text
ANCHOR_LINES = 6            # extracted lines used to find the body's container


def parse(content: str) -> lxml_html.HtmlElement:
    """Parse a decoded page (its XML declaration dropped). Comments are dropped at parse
    time: React pages put ``<!-- -->`` inside sentences, and a comment node would cut the
    sentence in two for later steps."""
    declaration = _XML_DECLARATION.match(content)
    return lxml_html.document_fromstring(content[declaration.end() :] if declaration else content, parser=_PARSER)


def drop_hover_cards(tree: _Element) -> int:
    """Remove inline hover cards: an element inside a paragraph that holds an image and
    two or more links and whose text is nearly all link text (a person's pop-up with
    their latest headlines). Only the innermost such element goes, so the linked name
    the card hangs on stays in the sentence. Returns how many were removed."""
    cards = []
    for paragraph in tree.iter("p"):
        for element in paragraph.iterdescendants():
            if element.tag in ("a", "img") or not _is_card(element):
                continue
            if not any(_is_card(child) for child in element.iterdescendants() if child.tag not in ("a", "img")):
                cards.append(element)
    for element in cards:
        _remove_keep_tail(element)
    return len(cards)


def _is_card(element: _Element) -> bool:
    if not isinstance(element.tag, str) or element.find(".//img") is None:
        return False
    links = element.findall(".//a")
    if len(links) < 2:
        return False
    text = len(fold(element.text_content()))
    linked = sum(len(fold(a.text_content())) for a in links)
    return text > 0 and linked >= 0.8 * text


def _remove_keep_tail(element: _Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def recover_split_body(tree: _Element, lines: list[str]) -> list[str]:
    """Lines of an article body that the CMS split into several sibling containers
    (ad slots between the chunks), which trafilatura cuts to the first chunk.

    The container of the extracted text is the nearest common ancestor of the <p>
    elements that carry its first lines; when it has a class, later elements with the
    same tag and class inside the same <article> element are further chunks of the
    body, and their sentence-sized, mostly unlinked paragraphs are appended in page
    order. Pages without an <article> element, or whose chunks hold a heading of
    their own (a listing of posts), are left as they are."""
    if not lines:
        return lines
    wanted = set(lines[:ANCHOR_LINES])
    anchors = [p for p in tree.iter("p") if fold(p.text_content()) in wanted]
    if not anchors:
        return lines
    container = anchors[0]
    for anchor in anchors[1:]:
        above = set(anchor.iterancestors())
        while container is not None and container not in above:
            container = container.getparent()
    if container is None or container.tag in ("html", "body") or not container.get("class"):
        return lines
    article = next(container.iterancestors("article"), None)
    if article is None:
        return lines
    chunks = [
        element
        for element in _after(article.iter(container.tag), container)
        if element.get("class") == container.get("class")
        and next(element.iterancestors("article"), None) is article
        and not element.xpath(".//h1")
    ]
    seen = set(lines)
    extra: list[str] = []
    for chunk in chunks:
        for block in chunk.iter(*_BLOCKS):
            if any(a.tag in _BLOCKS for a in block.iterancestors() if a is not chunk and chunk in a.iterancestors()):
                continue
            text = fold(block.text_content())
            if text in seen or len(_WORD.findall(text)) < SPLIT_MIN_WORDS:
                continue
            linked = sum(len(fold(a.text_content())) for a in block.iter("a"))
            if linked > SPLIT_MAX_LINK_SHARE * len(text):
                continue
            seen.add(text)
            extra.append(text)
    return lines + extra


def _after(elements: Iterator[_Element], start: _Element) -> Iterator[_Element]:
    """The elements that follow ``start`` in ``elements`` (document order)."""
    found = False
    for element in elements:
        if found:
            yield element
        found = found or element is start

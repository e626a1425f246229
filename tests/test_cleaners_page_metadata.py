"""JSON-LD metadata, the body-choice rule, paywall flag, tree repairs, new rules, rule hits."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from lxml import html as lxml_html

from newswash.cleaners import Cleaner, rule_hits
from newswash.cleaners.extract import extract
from newswash.cleaners.html import drop_hover_cards, parse, recover_split_body
from newswash.cleaners.page_metadata import read_structured
from newswash.records import Article

SENTENCE = "The council voted on Tuesday to rebuild the old harbour wall after the winter storms, and work starts in spring. "
STORY = "".join(f"<p>{SENTENCE * 2}Point {i}.</p>" for i in range(5))


def page(body: str, ld: object | None = None, head: str = "") -> str:
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld is not None else ""
    return f"<html lang='en'><head><title>Harbour wall</title>{script}{head}</head><body>{body}</body></html>"


def run(html: str, url: str = "https://news.example/harbour") -> Article:
    return Cleaner()(extract(Article(url=url, content=html, content_type="html")))


LD = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebPage", "name": "page"},
        {
            "@type": ["NewsArticle"],
            "headline": "Harbour wall to be rebuilt",
            "datePublished": "2019-11-20T02:15:49-06:00",
            "dateModified": "2019-11-21T10:00:00Z",
            "author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "John Roe"}],
            "keywords": "harbour, council,Storms",
            "publisher": {"@type": "Organization", "name": "The Example Times"},
            "mainEntityOfPage": {"@id": "https://news.example/harbour-wall"},
            "isAccessibleForFree": "False",
        },
    ],
}


def test_json_ld_read() -> None:
    data = read_structured(parse(page("<p>x</p>", LD, '<meta property="article:tag" content="Council">')))
    assert data.headline == "Harbour wall to be rebuilt"
    assert data.published == datetime(2019, 11, 20, 8, 15, 49)
    assert data.modified == datetime(2019, 11, 21, 10, 0)
    assert data.authors == ["Jane Doe", "John Roe"]
    assert data.tags == ["harbour", "council", "Storms"]
    assert data.site_name == "The Example Times" and data.url == "https://news.example/harbour-wall"
    assert data.accessible_for_free is False


def test_broken_json_ld_is_skipped() -> None:
    html = page("<p>x</p>").replace("</head>", '<script type="application/ld+json">{"@type": "NewsArticle",</script></head>')
    assert read_structured(parse(html)).headline is None


def test_metadata_from_json_ld_and_paywall_flag() -> None:
    article = run(page(f"<article>{STORY}</article>", LD))
    assert article.authors == ["Jane Doe", "John Roe"]
    assert {"harbour", "council"} <= {t.casefold() for t in article.tags}
    assert article.paywalled is True
    assert article.site_name and article.published_at is not None
    free = run(page(f"<article>{STORY}</article>", {**LD["@graph"][1], "isAccessibleForFree": True}))
    assert free.paywalled is False


def test_body_choice_rule() -> None:
    long_body = " ".join(f"Sentence {i} of the structured article body is here." for i in range(40))
    ld = {"@type": "NewsArticle", "headline": "H", "articleBody": long_body}
    # trafilatura's full text wins over a longer articleBody (captions, teasers) ...
    assert run(page(f"<article>{STORY}</article>", ld)).body.startswith("The council voted")
    # ... articleBody is the fallback when extraction finds (almost) nothing.
    fallback = run(page("<div><a href='/x'>Home</a></div>", ld))
    assert fallback.error is None and fallback.body.startswith("Sentence 0 of the structured")


def test_teaser_cut_short_is_paywalled() -> None:
    teaser = "<article><p>" + SENTENCE * 3 + "</p><p>The plan, which critics say costs too much, would…</p></article>"
    assert run(page(teaser)).paywalled is True
    assert run(page(f"<article>{STORY}</article>")).paywalled is False


def test_paywall_prompt_rule() -> None:
    article = Cleaner()(Article(url="u", title="T", body=f"{SENTENCE}\nSubscribe to continue reading."))
    assert article.paywalled and article.body == SENTENCE.strip()
    assert [r.rule for r in article.removals] == ["paywall_prompt"]


def test_comment_inside_sentence_keeps_it_whole() -> None:
    body = f"<article>{STORY}<p>But just because no one <!-- -->ran on it<!-- --> doesn’t mean it was not there at all.</p></article>"
    assert "But just because no one ran on it doesn’t mean" in run(page(body)).body


def test_hover_card_removed_name_kept() -> None:
    card = ('<span class="who"><a href="/p/jane">Jane Doe</a><span class="card"><span><img src="j.jpg">'
            '<a href="/p/jane">Jane Q. Doe</a><a href="/a/1">Her latest story headline</a>'
            '<a href="/a/2">Another story headline</a></span></span></span>')
    tree = lxml_html.fromstring(f"<div><p>Mayor {card} (D) said the wall will be rebuilt soon.</p></div>")
    assert drop_hover_cards(tree) == 1
    assert " ".join(tree.text_content().split()) == "Mayor Jane Doe (D) said the wall will be rebuilt soon."
    linked = lxml_html.fromstring("<div><p>See <a href='/a'>one</a> and <a href='/b'>two</a> reports.</p></div>")
    assert drop_hover_cards(linked) == 0


def test_split_body_recovered_within_article() -> None:
    first = "".join(f"<p>First part paragraph {i}: {SENTENCE}</p>" for i in range(3))
    second = "".join(f"<p>Second part paragraph {i}: {SENTENCE}</p>" for i in range(3))
    body = (f"<article><div class='chunk'><div class='body'>{first}</div></div><aside>Ad</aside>"
            f"<div class='chunk'><div class='body'>{second}<p><a href='/x'>Linked teaser line that is long enough to count here</a></p></div></div></article>")
    tree = parse(page(body))
    lines = [f"First part paragraph {i}: {SENTENCE.strip()}" for i in range(3)]
    recovered = recover_split_body(tree, lines)
    assert recovered == lines + [f"Second part paragraph {i}: {SENTENCE.strip()}" for i in range(3)]
    # the same markup outside an <article> element (a listing page) is left alone
    assert recover_split_body(parse(page(body.replace("article>", "section>"))), lines) == lines


def test_split_body_takes_only_later_chunks_of_the_same_article() -> None:
    """A same-class chunk before the body's container, or inside a nested <article>
    (a related story), is not part of the body."""
    paragraphs = {
        part: "".join(f"<p>{part} part paragraph {i}: {SENTENCE}</p>" for i in range(3))
        for part in ("Earlier", "First", "Nested", "Later")
    }
    body = (f"<article><div class='chunk'>{paragraphs['Earlier']}</div><aside>Ad</aside>"
            f"<div class='chunk'>{paragraphs['First']}</div>"
            f"<article><div class='chunk'>{paragraphs['Nested']}</div></article>"
            f"<div class='chunk'>{paragraphs['Later']}</div></article>")
    lines = [f"First part paragraph {i}: {SENTENCE.strip()}" for i in range(3)]
    recovered = recover_split_body(parse(page(body)), lines)
    assert recovered == lines + [f"Later part paragraph {i}: {SENTENCE.strip()}" for i in range(3)]


@pytest.mark.parametrize(
    "line",
    [
        "Jane Doe contributed to this report.",
        "Get Motor Monthly delivered through your letterbox every month. 12 issues for £11.99.",
        "- NASA Mission Could Spot Signs of Alien Life",
        "The harbour wall is shown in the town on Monday.Reuters",
        "Follow AP's full coverage of the elections at https://apnews.com/elections",
        "More AP sports: https://apnews.com/sports and https://twitter.com/AP_Sports",
        "______________________________",
        "Jane Doe is a harbour reporter for The Times and lives by the sea.",
    ],
)
def test_new_furniture_rules(line: str) -> None:
    body = f"{SENTENCE}\n{SENTENCE}Again.\n{line}"
    article = Cleaner()(Article(url="u", title="T", body=body))
    assert line not in article.body.split("\n\n")
    assert len(article.body.split("\n\n")) == 2


def test_story_sentences_survive_new_rules() -> None:
    lines = [
        "- bottled water",
        "Subscribers can get the magazine delivered to their homes, the publisher said.",
        "Smith is a former reporter who now runs the harbour trust.",
        SENTENCE.strip(),
    ]
    article = Cleaner()(Article(url="u", title="T", body="\n".join(lines)))
    assert article.body.split("\n\n") == lines


def test_rule_hits_counts_per_rule() -> None:
    cleaner = Cleaner()
    articles = [cleaner(Article(url=f"u{i}", title="T", body=f"[ad_1]\n{SENTENCE}\nSource link\n[ad_2]")) for i in range(2)]
    assert rule_hits(articles) == {"ad_marker": 4, "source_link": 2}
    assert rule_hits([]) == {}

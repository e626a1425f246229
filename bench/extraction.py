"""Main-text extraction benchmark on ../shared/eval/extraction-dev (102 real news pages).

Runs newswash (``extract`` + ``Cleaner()``) and plain ``trafilatura.extract(html_bytes)``
in one run and prints precision, recall, F1 and accuracy with the benchmark's own
metric (see ../shared/eval/README.md): ``\\w+`` tokens, 4-token shingles, per-page
TP/FP/FN shares, precision and recall averaged over pages, F1 of the two averages,
accuracy = share of pages whose token lists match exactly. It also prints the speed of
both on one core (pages/s over the same pages, timed page by page in a second, warm
pass) and their ratio, the number issue 5's throughput target is stated in.

Usage: ``.venv/bin/python bench/extraction.py [--eval DIR] [--worst N] [--hits]``

Measured (trafilatura 2.3.1, 102 pages, bundled config/cleaning.toml):
    plain trafilatura   P 0.929  R 0.972  F1 0.950  accuracy 0.245
    newswash            P 0.977  R 0.982  F1 0.980  accuracy 0.529
    speed, warm         newswash 46 pages/s, trafilatura.extract 52 pages/s (ratio 0.88-0.90;
                        0.66 before ftfy ran only where it acts, trafilatura ran fast=True,
                        the tree copy went and the rule loop kept per-position rule lists)

How it got there (newswash P / R / F1, each step on top of the previous):
    first cleaning stage (rules, lead headings, duplicate block) ... 0.970 / 0.969 / 0.969
    + parse without HTML comments (React's <!-- --> inside a
      sentence cut it short) and inline hover cards dropped
      (img + >= 2 links, nearly all link text, inside a <p>) ...... 0.973 / 0.970 / 0.971
    + split bodies recovered (same-class sibling containers of the
      extracted text inside one <article>; trafilatura keeps only
      the first chunk) ........................................... 0.973 / 0.981 / 0.977
    + general furniture rules: subscription offers and inline
      newsletter calls, "X contributed to this report", tail author
      bios, "- Title Case Headline" related lists at the tail, glued
      caption credits (".Reuters"), "Follow AP's full coverage at
      URL", "More X: URL and URL", "____" separators .............. 0.977 / 0.981 / 0.979
    + trafilatura fast=True (no readability/jusText comparison): three
      pages better (mensagensreflexao P 0.20 -> 1.00, dawgsbynature
      R 0.85 -> 1.00, businessinsider P 0.92 -> 1.00), one worse
      (jaraguadosul P 1.00 -> 0.07: a sidebar comes along); 1.2x
      faster ..................................................... 0.977 / 0.982 / 0.980
Earlier measurements of trafilatura options (on the first stage):
    + favor_precision=True ...................................... 0.962 / 0.957 / 0.960
    + favor_recall=True ......................................... 0.963 / 0.970 / 0.966
    + include_tables=False ...................................... 0.966 / 0.959 / 0.963
    + deduplicate=True .......................................... 0.969 / 0.968 / 0.968
Body choice: JSON-LD articleBody (9 of 102 pages have one) is worse than trafilatura's
text on 7 of those 9 (3 are 82-86-word teasers, 4 carry captions: F1 0.72-0.76 against
trafilatura's 0.93-1.00), equal on one. So trafilatura's text is the body, and
articleBody (>= 50 words) is used only when trafilatura finds nothing or fewer than half
of its words; on this set that never triggers, so the figures above are unchanged by it.
Learned site boilerplate is a batch step with per-source guards (>= 10 articles of a
source); the benchmark scores pages one by one, so it is not exercised here.
Remaining misses: a short page where trafilatura takes the sidebar along (jaraguadosul,
P 0.07), press-release "About <company>" paragraphs (ascom x2; the learned boilerplate
would take these once a source has enough releases), macrumors (trafilatura picks a
sidebar paragraph), tweets embedded in the truth (nj.com, dawgsbynature), and a
related-video list that the truth includes (nbcdfw).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

from newswash.cleaners import Cleaner, extract, rule_hits
from newswash.records import Article

DEFAULT_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "extraction-dev"
_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    words = tokens(text)
    if len(words) < n:
        return Counter([tuple(words)])
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def page_scores(predicted: str, truth: str) -> tuple[float, float, float]:
    """TP, FP, FN shingle counts of one page, divided by their sum."""
    pred, true = shingles(predicted), shingles(truth)
    tp, fp, fn = sum((pred & true).values()), sum((pred - true).values()), sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


@dataclass
class Score:
    """Running totals for one extractor."""

    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    exact: int = 0
    pages: dict[str, tuple[float, float]] = field(default_factory=dict)

    def add(self, page: str, predicted: str, truth: str) -> None:
        tp, fp, fn = page_scores(predicted, truth)
        precision = tp / (tp + fp) if tp + fp else None
        recall = tp / (tp + fn) if tp + fn else 0.0
        if precision is not None:
            self.precisions.append(precision)
        self.recalls.append(recall)
        self.exact += tokens(predicted) == tokens(truth)
        self.pages[page] = (1.0 if precision is None else precision, recall)

    def summary(self) -> tuple[float, float, float, float]:
        p = sum(self.precisions) / len(self.precisions)
        r = sum(self.recalls) / len(self.recalls)
        return p, r, 2 * p * r / (p + r), self.exact / len(self.recalls)


def newswash_text(cleaner: Cleaner, seen: list[Article] | None = None) -> Callable[[bytes, str], str]:
    def run(html: bytes, url: str) -> str:
        article = cleaner(extract(Article(url=url, content=html.decode("utf-8", "replace"), content_type="html")))
        if seen is not None:
            seen.append(article)
        return article.body

    return run


def trafilatura_text(html: bytes, url: str) -> str:
    return trafilatura.extract(html) or ""


def run_pass(
    extractors: dict[str, Callable[[bytes, str], str]],
    pages: dict[str, bytes],
    truth: dict[str, dict[str, str]],
    scores: dict[str, Score] | None = None,
) -> dict[str, float]:
    """Every extractor on every page, interleaved page by page on one core; the seconds
    each spent. With ``scores``, each prediction is scored against the truth."""
    seconds = dict.fromkeys(extractors, 0.0)
    for page, html in pages.items():
        for name, run in extractors.items():
            start = time.perf_counter()
            predicted = run(html, truth[page]["url"])
            seconds[name] += time.perf_counter() - start
            if scores is not None:
                scores[name].add(page, predicted, truth[page]["articleBody"])
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="extraction-dev folder")
    parser.add_argument("--worst", type=int, default=0, help="list the N pages with the lowest newswash precision")
    parser.add_argument("--hits", action="store_true", help="print how many lines each cleaning rule removed")
    args = parser.parse_args()
    truth_file = args.eval / "ground-truth.json"
    if not truth_file.exists():
        print(f"SKIP: evaluation data not found at {args.eval} (expected ../shared/eval/extraction-dev)")
        return 0
    truth = json.loads(truth_file.read_text("utf-8"))
    pages = {page: gzip.decompress((args.eval / "html" / f"{page}.html.gz").read_bytes()) for page in truth}
    cleaned: list[Article] = []
    extractors = {"trafilatura": trafilatura_text, "newswash": newswash_text(Cleaner(), cleaned)}
    scores = {name: Score() for name in extractors}
    seconds = run_pass(extractors, pages, truth, scores)
    print(f"{len(truth)} pages from {args.eval}")
    print(f"{'extractor':<12} {'precision':>9} {'recall':>7} {'F1':>6} {'accuracy':>8} {'seconds':>7}")
    for name, score in scores.items():
        p, r, f1, acc = score.summary()
        print(f"{name:<12} {p:>9.3f} {r:>7.3f} {f1:>6.3f} {acc:>8.3f} {seconds[name]:>7.1f}")
    # Speed from a second, warm pass: the first also pays one-off costs (dateparser's caches).
    warm = run_pass({"trafilatura": trafilatura_text, "newswash": newswash_text(Cleaner())}, pages, truth)
    speed = {name: len(pages) / spent for name, spent in warm.items()}
    print(f"speed, one core, warm: newswash extract+clean {speed['newswash']:.0f} pages/s, "
          f"trafilatura.extract {speed['trafilatura']:.0f} pages/s (ratio {speed['newswash'] / speed['trafilatura']:.2f})")
    if args.hits:
        print("rule hits:", ", ".join(f"{rule} {n}" for rule, n in rule_hits(cleaned).items()))
    if args.worst:
        worst = sorted(scores["newswash"].pages.items(), key=lambda kv: kv[1][0])[: args.worst]
        for page, (p, r) in worst:
            print(f"  {page}  P {p:.3f}  R {r:.3f}  {truth[page]['url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""newswash extract PATH...: the pipeline's steps up to clean; JSON lines to stdout, the warehouse untouched."""

from __future__ import annotations

import argparse
import json
import sys

from newswash.settings import Settings

HELP = "extract and clean files; JSON lines to stdout, the warehouse untouched"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.pipeline import article_steps, read_batches
    from newswash.sources import check_locations, read_locations
    from newswash.step import run_steps

    check_locations(args.paths)
    steps = article_steps(settings)
    failed = extracted = 0
    for batch in read_batches(read_locations(args.paths), settings.batch_size, settings.batch_chars):
        batch = run_steps(steps, batch)
        for failure in batch.failures:
            print(f"newswash: {failure.location}: {failure.stage} failed: {failure.reason}", file=sys.stderr)
        failed += len(batch.failures)
        extracted += len(batch.articles)
        for article in batch.articles:
            print(json.dumps({
                "path": article.path,
                "url": article.url,
                "title": article.title,
                "author": article.author,
                "published_at": article.published_at.isoformat() if article.published_at else None,
                "language": article.language,
                "body": article.body,
            }, ensure_ascii=False))
    return 0 if extracted or not failed else 1

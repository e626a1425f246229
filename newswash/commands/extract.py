"""newswash extract PATH...: JSON lines to stdout, the warehouse untouched."""

from __future__ import annotations

import argparse
import json
import sys

from newswash.settings import Settings

HELP = "extract and clean files; JSON lines to stdout, the warehouse untouched"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.cleaners import Cleaner
    from newswash.pipeline import extract_and_clean
    from newswash.records import Failure
    from newswash.sources import check_locations, read_locations

    check_locations(args.paths)
    cleaner = Cleaner.from_toml(settings.cleaning_rules)
    failed = extracted = 0
    for item in read_locations(args.paths):
        result = item if isinstance(item, Failure) else extract_and_clean(item, cleaner)
        if isinstance(result, Failure):
            failed += 1
            print(f"newswash: {result.location}: {result.stage} failed: {result.reason}", file=sys.stderr)
            continue
        extracted += 1
        record = {
            "path": result.path,
            "url": result.url,
            "title": result.title,
            "author": result.author,
            "published_at": result.published_at.isoformat() if result.published_at else None,
            "language": result.language,
            "body": result.body,
        }
        print(json.dumps(record, ensure_ascii=False))
    return 0 if extracted or not failed else 1

"""newswash search "QUERY": the corpus ranked by BM25, with source and date filters."""

from __future__ import annotations

import argparse
from datetime import date

from newswash.settings import Settings

HELP = "full-text search of the corpus (canonical articles), best BM25 match first"


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {value!r}")
    return int(value)


def configure(parser: argparse.ArgumentParser) -> None:
    from newswash.warehouse.query import FORMATS

    parser.add_argument("query", metavar="QUERY", help="words to find; stemmed, case and accents ignored")
    parser.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    parser.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="published on or after this day")
    parser.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="published on or before this day")
    parser.add_argument("--limit", type=_positive, default=20, help="most results (default 20)")
    parser.add_argument("--format", choices=FORMATS, default="table")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.warehouse.query import format_rows
    from newswash.warehouse.search import build_index, is_stale, search
    from newswash.warehouse.store import open_warehouse

    db = args.db or settings.db_path
    with open_warehouse(db, read_only=True) as con:
        stale = is_stale(con)
    if stale:
        with open_warehouse(db) as con:
            build_index(con)
    with open_warehouse(db, read_only=True) as con:
        result = search(con, args.query, args.source, args.since, args.until, args.limit)
    print(format_rows(*result, args.format))
    return 0

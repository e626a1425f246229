"""newswash sql "QUERY": a read-only query, formatted."""

from __future__ import annotations

import argparse

from newswash.settings import Settings

HELP = "run a read-only SQL query on the warehouse"


def configure(parser: argparse.ArgumentParser) -> None:
    from newswash.warehouse.query import FORMATS

    parser.add_argument("query")
    parser.add_argument("--format", choices=FORMATS, default="table")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.warehouse.query import format_rows, run_query

    print(format_rows(*run_query(args.db or settings.db_path, args.query), args.format))
    return 0

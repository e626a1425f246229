"""newswash export [TABLE] --format parquet|jsonl|csv --out PATH."""

from __future__ import annotations

import argparse
from pathlib import Path

from newswash.settings import Settings

HELP = "export the corpus or any table or view: Parquet partitioned by day, JSON lines, or CSV"


def configure(parser: argparse.ArgumentParser) -> None:
    from newswash.warehouse.export import FORMATS

    parser.add_argument("table", nargs="?", default="corpus", metavar="TABLE",
                        help="table or view to export (default: corpus)")
    parser.add_argument("--format", choices=FORMATS, default="parquet")
    parser.add_argument("--out", type=Path, required=True, metavar="PATH",
                        help="new directory (parquet) or file (jsonl, csv) to write")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.warehouse.export import export
    from newswash.warehouse.store import open_warehouse

    with open_warehouse(args.db or settings.db_path, read_only=True) as con:
        rows = export(con, args.table, args.format, args.out)
    print(f"{rows} rows of {args.table} written to {args.out}")
    return 0

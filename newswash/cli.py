"""The `newswash` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from newswash.errors import NewswashError
from newswash.settings import load_settings

EPILOG = "Every command takes --db PATH (the DuckDB warehouse) and --config FILE (TOML settings)."


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, help="warehouse file (default: from config, warehouse/newswash.duckdb)")
    parser.add_argument("--config", type=Path, help="TOML settings over the bundled config/newswash.toml")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newswash", description=__doc__, epilog=EPILOG)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="ingest files, folders and page URLs into the warehouse")
    ingest.add_argument("locations", nargs="+", metavar="PATH_OR_URL")
    ingest.add_argument("--allow-private-hosts", action="store_true",
                        help="allow fetching from private, loopback and link-local addresses")
    _common(ingest)

    run = commands.add_parser("run", help="ingest the sources named in the config, then print the report")
    run.add_argument("--allow-private-hosts", action="store_true")
    _common(run)

    extract = commands.add_parser("extract", help="extract and clean files; JSON lines to stdout, warehouse untouched")
    extract.add_argument("paths", nargs="+", metavar="PATH")
    _common(extract)

    sql = commands.add_parser("sql", help="run a read-only SQL query on the warehouse")
    sql.add_argument("query")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _common(sql)

    report = commands.add_parser("report", help="corpus counts, the last run and the duplicate clusters")
    _common(report)
    return parser


def _ingest(locations: list[str], args: argparse.Namespace) -> int:
    from newswash.flows.ingest import ingest_flow
    from newswash.sources import check_locations

    check_locations(locations)
    counts = ingest_flow(
        locations,
        db_path=str(args.db) if args.db else None,
        config_path=str(args.config) if args.config else None,
        allow_private_hosts=args.allow_private_hosts,
    )
    print("run #{run_id}: ".format(**counts) + ", ".join(f"{k} {v}" for k, v in counts.items() if k != "run_id"))
    return 0


def _extract(args: argparse.Namespace) -> int:
    from newswash.cleaners import Cleaner
    from newswash.pipeline import extract_and_clean
    from newswash.records import Failure
    from newswash.sources import check_locations, read_locations

    check_locations(args.paths)
    settings = load_settings(args.config)
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


def dispatch(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    db = args.db or settings.db_path
    if args.command == "ingest":
        return _ingest(args.locations, args)
    if args.command == "run":
        if not settings.sources:
            raise NewswashError("the config names no [[sources]]")
        _ingest([s.location for s in settings.sources], args)
        from newswash.warehouse.report import text_report

        print(text_report(db))
        return 0
    if args.command == "extract":
        return _extract(args)
    if args.command == "sql":
        from newswash.warehouse.query import format_rows, run_query

        print(format_rows(*run_query(db, args.query), args.format))
        return 0
    from newswash.warehouse.report import text_report

    print(text_report(db))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return dispatch(args)
    except NewswashError as exc:
        print(f"newswash: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newswash: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

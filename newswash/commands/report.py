"""newswash report [--format text|json|html] [--out FILE]: the dedup report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from newswash.errors import NewswashError
from newswash.settings import Settings

HELP = "the dedup report: counts, clusters, sources, days, cleaning rules (text, JSON or HTML with charts)"
FORMATS = ("text", "json", "html")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.warehouse.report import render_text, report_data
    from newswash.warehouse.store import open_warehouse

    with open_warehouse(args.db or settings.db_path, read_only=True) as con:
        data = report_data(con)
    if args.format == "html":
        from newswash.warehouse.report_html import html_report

        text = html_report(data)
    elif args.format == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    else:
        text = render_text(data)
    if args.out is None:
        print(text)
        return 0
    try:
        args.out.write_text(text + "\n", "utf-8")
    except OSError as exc:
        raise NewswashError(f"cannot write {args.out}: {exc.strerror}") from None
    print(f"report written to {args.out}")
    return 0

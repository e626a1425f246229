"""newswash run: the configured sources, then the report."""

from __future__ import annotations

import argparse

from newswash.commands.ingest import add_fetch_options, ingest
from newswash.errors import NewswashError
from newswash.settings import Settings

HELP = "ingest the [[sources]] of the config (the bundled samples by default), then print the report"


def configure(parser: argparse.ArgumentParser) -> None:
    add_fetch_options(parser)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.warehouse.report import text_report

    if not settings.sources:
        raise NewswashError("the config names no [[sources]]")
    ingest([s.location for s in settings.sources], args, settings)
    print(text_report(args.db or settings.db_path))
    return 0

"""newswash report: counts, the last run and the clusters."""

from __future__ import annotations

import argparse

from newswash.settings import Settings

HELP = "corpus counts, the last run and the duplicate clusters"


def configure(parser: argparse.ArgumentParser) -> None:
    """No options beyond --db and --config."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.warehouse.report import text_report

    print(text_report(args.db or settings.db_path))
    return 0

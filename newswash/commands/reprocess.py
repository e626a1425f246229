"""newswash reprocess: archived pages (WARC) through the pipeline again with today's rules, no fetching."""

from __future__ import annotations

import argparse

from newswash.settings import Settings

HELP = "re-extract and re-clean every archived page with today's rules, without fetching again"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--executor", choices=("local", "processes", "dask"),
                        help="where extract, clean and fingerprint run (default: [executor] kind in the config)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.flows.ingest import reprocess
    from newswash.flows.lifetime import reap_on_exit

    reap_on_exit()
    counts = reprocess(settings, args.db, args.config, args.executor)
    print(f"run #{counts['run_id']}: reprocessed {counts['extracted']} of {counts['read']} archived pages, "
          f"failed {counts['failed']}; clusters formed again")
    return 0

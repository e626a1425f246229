"""newswash ingest PATH_OR_URL..."""

from __future__ import annotations

import argparse

from newswash.settings import Settings

HELP = "ingest files, folders and page URLs into the warehouse"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("locations", nargs="+", metavar="PATH_OR_URL")
    add_fetch_options(parser)


def add_fetch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-private-hosts", action="store_true",
                        help="allow fetching from private, loopback and link-local addresses")


def ingest(locations: list[str], args: argparse.Namespace) -> dict[str, int]:
    """Run the ingest flow and print its one-line summary."""
    from newswash.flows.ingest import ingest_flow
    from newswash.sources import check_locations

    check_locations(locations)
    counts = ingest_flow(
        locations,
        db_path=str(args.db) if args.db else None,
        config_path=str(args.config) if args.config else None,
        allow_private_hosts=args.allow_private_hosts,
    )
    print(f"run #{counts['run_id']}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if k != "run_id"))
    return counts


def run(args: argparse.Namespace, settings: Settings) -> int:
    ingest(args.locations, args)
    return 0

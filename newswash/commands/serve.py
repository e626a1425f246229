"""newswash serve: the configured sources on their schedules, as Prefect deployments."""

from __future__ import annotations

import argparse

from newswash.settings import Settings

HELP = "run the configured sources on their schedules (Prefect deployments; Ctrl-C stops)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, help="port of the local Prefect server and UI (default: a free one)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.flows.lifetime import reap_on_exit
    from newswash.flows.local_api import prefect_api
    from newswash.flows.serve import serve_sources

    reap_on_exit()
    db_path = (args.db or settings.db_path).resolve()
    with prefect_api(db_path.parent / "prefect", args.port) as url:
        print(f"newswash serve: Prefect API at {url} (UI at {url.removesuffix('/api')})", flush=True)
        serve_sources(settings, db_path, args.config.resolve() if args.config else None)
    return 0

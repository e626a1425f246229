"""newswash ingest PATH_OR_URL_OR_SOURCE..."""

from __future__ import annotations

import argparse
from pathlib import Path

from newswash.settings import Settings

HELP = "ingest files, folders, WARC files, URL lists, feeds, sitemaps, homepages, pages and named sources"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("locations", nargs="+", metavar="PATH_OR_URL",
                        help="a file, folder, .warc(.gz), .urls list, feed, sitemap, homepage or page URL, "
                             "or the name of a source in config/sources.toml")
    add_fetch_options(parser)
    parser.add_argument("--bulk", action="store_true",
                        help="a backfill: batches clustered with each other at the end, by a shuffle on band keys "
                             "on Dask (the same clusters as without it)")


def add_fetch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-private-hosts", action="store_true",
                        help="allow fetching from private, loopback and link-local addresses")
    parser.add_argument("--executor", choices=("local", "processes", "dask"),
                        help="where extract, clean and fingerprint run (default: [executor] kind in the config)")


def ingest(locations: list[str], args: argparse.Namespace, settings: Settings) -> dict[str, int]:
    """Run the ingest flow and print its one-line counts and a summary. The run's Prefect
    server starts first (the settings are checked by then), and boots while the locations are
    checked and Prefect and the flows imported; then, for a big input, the fork server of its
    workers is forked from this process, and warms up meanwhile."""
    from newswash.flows.api_server import run_api
    from newswash.flows.lifetime import reap_on_exit

    reap_on_exit()
    with run_api(Path(args.db or settings.db_path).parent / "prefect") as api:
        from newswash.flows.executor_choice import settings_for_run, warm_workers
        from newswash.flows.fork_server import start_fork_server
        from newswash.sources import check_locations

        check_locations(locations, settings.sources)
        settings = settings_for_run(settings, locations, args.executor)
        from newswash.flows.ingest import ingest as run_flow

        if settings.executor.kind == "processes" and warm_workers(locations):
            start_fork_server()
        _import_while_the_server_boots()
        counts = run_flow(locations, args.db, args.config, args.allow_private_hosts, None, settings, api,
                          getattr(args, "bulk", False))
    print(f"run #{counts['run_id']}: " + ", ".join(
        f"{k} {v}" for k, v in counts.items() if k not in ("run_id", "failure_reasons")))
    print(summary(counts))
    return counts


def _import_while_the_server_boots() -> None:
    """What the run's process would otherwise import once the server answers, each run, in the
    stretch where nothing else can go on (0.4 s measured; 0.6 s of a WARC run): pandas, which
    pyarrow imports on its first array of Python objects, and the encoders that Prefect's
    client imports on its first call."""
    import fastapi.encoders  # noqa: F401
    import pyarrow as pa

    pa.array([None])


def summary(counts: dict) -> str:
    """fetched, unchanged, skipped, failed by reason, new articles, duplicates, revisited and revised articles."""
    reasons = counts.get("failure_reasons", {})
    failed = f"failed {counts.get('failed', 0)}" + (f" ({'; '.join(f'{w} x{n}' for w, n in reasons.items())})" if reasons else "")
    duplicates = counts.get("exact_duplicates", 0) + counts.get("near_duplicates", 0)
    return (f"summary: fetched {counts.get('fetched', 0)}, unchanged {counts.get('unchanged', 0)}, "
            f"skipped {counts.get('skipped', 0)}, {failed}, new articles {counts.get('new', 0)}, "
            f"duplicates {duplicates}, revisited {counts.get('revisited', 0)}, revised {counts.get('revised', 0)}")


def run(args: argparse.Namespace, settings: Settings) -> int:
    ingest(args.locations, args, settings)
    return 0

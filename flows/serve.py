"""Scheduled ingestion: one Prefect deployment a configured source, served by a Prefect runner."""

from __future__ import annotations

from pathlib import Path

from prefect import serve
from prefect.deployments.runner import RunnerDeployment

from newswash.errors import NewswashError
from newswash.flows.ingest import flow_for
from newswash.settings import Settings


def deployments(settings: Settings, db_path: Path, config_path: Path | None) -> list[RunnerDeployment]:
    """A deployment of `ingest` for each source with a `schedule` (cron) or an `interval` (seconds)."""
    found = []
    ingest_flow = flow_for(settings)
    for source in settings.sources:
        if not source.schedule and not source.interval:
            continue
        found.append(
            ingest_flow.to_deployment(
                name=f"ingest-{source.name}",
                cron=source.schedule or None,
                interval=source.interval or None,
                parameters={
                    "locations": [source.location],
                    "db_path": str(db_path),
                    "config_path": str(config_path) if config_path else None,
                },
                tags=["newswash", source.name],
            )
        )
    if not found:
        raise NewswashError("no source in the config has a `schedule` or an `interval` to serve")
    return found


def serve_sources(settings: Settings, db_path: Path, config_path: Path | None) -> None:
    """Serve every scheduled source until interrupted; runs write one at a time (the writer lock)."""
    serve(*deployments(settings, db_path, config_path), print_starting_message=True)

"""Timestamps as the warehouse stores them: naive datetimes in UTC."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_timestamp(value: str | None) -> datetime | None:
    """Parse ISO 8601 (a date, or a date and time with or without offset) to naive UTC.

    Raises ValueError for text that is not ISO 8601.
    """
    if value is None or not str(value).strip():
        return None
    parsed = datetime.fromisoformat(str(value).strip())
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed

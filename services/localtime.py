"""Times as people read them: Swedish local time (Europe/Stockholm, summer time included).

Times are stored in UTC (the columns hold them without a zone). Every time shown to a person,
on screen or on paper, goes through :func:`format_datetime`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

__all__ = ["SWEDEN", "format_datetime", "to_local"]

SWEDEN = ZoneInfo("Europe/Stockholm")


def to_local(ts: datetime) -> datetime:
    """``ts`` in Swedish local time; a time without a zone is UTC (as stored)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(SWEDEN)


def format_datetime(ts: datetime | None, *, seconds: bool = False) -> str:
    """ "2026-07-01 14:11" in Swedish local time ("2026-07-01 14:11:05" with ``seconds``);
    "" for no time."""
    if not isinstance(ts, datetime):
        return ""
    return to_local(ts).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")

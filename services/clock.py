"""The application clock. Tests and the testability API can move it forward.

The offset lives in the database (table key_value) so that every worker and the test
process see the same time; it is only read when the testability API is enabled.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from services.localtime import SWEDEN
from services.persistence.db import session_scope
from services.persistence.models import KeyValue
from services.settings import get_settings

__all__ = ["SWEDEN", "advance", "now", "set_offset", "today"]

_OFFSET_KEY = "clock_offset_seconds"
_cache: tuple[float, float] = (0.0, -1.0)  # (offset, read at monotonic time)


def _offset_seconds() -> float:
    global _cache
    if not get_settings().testability_enabled:
        return 0.0
    offset, read_at = _cache
    if time.monotonic() - read_at < 0.2:
        return offset
    try:
        with session_scope() as s:
            row = s.exec(select(KeyValue).where(KeyValue.key == _OFFSET_KEY)).first()
            offset = float(row.value) if row else 0.0
    except Exception:  # noqa: BLE001 - a missing table before migration means "no offset"
        offset = 0.0
    _cache = (offset, time.monotonic())
    return offset


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC) + timedelta(seconds=_offset_seconds())


def today() -> date:
    """Today's date in Sweden."""
    return now().astimezone(SWEDEN).date()


def set_offset(seconds: float) -> None:
    """Move the clock (testability only)."""
    global _cache
    with session_scope() as s:
        row = s.get(KeyValue, _OFFSET_KEY) or KeyValue(key=_OFFSET_KEY)
        row.value = str(float(seconds))
        s.add(row)
    _cache = (0.0, -1.0)


def advance(seconds: float) -> None:
    """Move the clock forward by ``seconds`` (testability only)."""
    set_offset(_offset_seconds() + seconds)

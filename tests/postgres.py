"""A PostgreSQL database of one's own on a shared server, for tests, drills and benchmarks.

Several runs (helpers, CI jobs) share the server, so each creates a database with a fresh name
and drops it afterwards (``WITH (FORCE)``: connections still open do not keep it alive).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable


def own_database(
    server_url: str, prefix: str, *, name: str | None = None
) -> tuple[str, Callable[[], None]]:
    """Create the database ``name`` (default: ``prefix`` + a random suffix) on the server of
    ``server_url`` unless it exists; return its URL and a function that drops it (after
    disposing of the app's engine for it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from services.persistence.db import engine_for

    base = make_url(server_url)
    name = name or f"{prefix}{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop

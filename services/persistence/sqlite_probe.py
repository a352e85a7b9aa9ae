"""Cheap looks at an SQLite database with the standard library only (no SQLAlchemy, no models).

`make run` asks two questions every time it starts — is the schema current, is there demo data
already — and the answer is nearly always yes. Importing Alembic or the services only to learn
that costs about a second each; these read the file directly. Any doubt (not SQLite, no file,
an error) answers None, and the caller does the real work."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def sqlite_file(url: str) -> Path | None:
    """The database file of an ``sqlite:///`` URL (None for anything else or in-memory)."""
    if not url.startswith("sqlite:///"):
        return None
    name = url.removeprefix("sqlite:///").split("?", 1)[0]
    if not name or name == ":memory:":
        return None
    return Path(name)


def query(url: str, sql: str) -> list[tuple] | None:
    """Rows of ``sql`` run read-only on the SQLite database at ``url``; None if that fails."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            return db.execute(sql).fetchall()
    except sqlite3.Error:
        return None

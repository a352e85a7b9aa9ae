"""Apply the Alembic migrations (what `make run` and the test fixtures call)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from services.persistence import sqlite_probe
from services.settings import PROJECT_ROOT, get_settings

VERSIONS = PROJECT_ROOT / "alembic" / "versions"


def upgrade(url: str | None = None) -> None:
    """Migrate the database at ``url`` (default: the configured one) to the newest schema."""
    from alembic.config import Config

    from alembic import command

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["url"] = url or get_settings().database_url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def head_revisions(versions: Path = VERSIONS) -> set[str]:
    """The head revision(s) of the migration scripts, read without importing Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        for node in ast.parse(script.read_text()).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            if target.id == "revision":
                revisions.add(ast.literal_eval(value))
            elif target.id == "down_revision":
                down = ast.literal_eval(value)
                parents.update((down,) if isinstance(down, str) else down or ())
    return revisions - parents


def at_head(url: str | None = None, versions: Path = VERSIONS) -> bool:
    """True when ``url`` is an SQLite database already at the newest schema: a check with the
    standard library that spares `make run` importing Alembic and the models (about a second).
    Any other database, or any doubt: False (then Alembic decides)."""
    rows = sqlite_probe.query(
        url or get_settings().database_url, "SELECT version_num FROM alembic_version"
    )
    if not rows:
        return False
    try:
        heads = head_revisions(versions)
    except (OSError, SyntaxError, ValueError):
        return False
    return bool(heads) and {row[0] for row in rows} == heads


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else None
    if at_head(url):
        print("Databasen har redan det senaste schemat.")
    else:
        upgrade(url)
        print("Databasen är migrerad.")

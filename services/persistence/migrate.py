"""Apply the Alembic migrations (what `make run` and the test fixtures call)."""

from __future__ import annotations

import sys

from alembic.config import Config

from alembic import command
from services.settings import PROJECT_ROOT, get_settings


def upgrade(url: str | None = None) -> None:
    """Migrate the database at ``url`` (default: the configured one) to the newest schema."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["url"] = url or get_settings().database_url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


if __name__ == "__main__":
    upgrade(sys.argv[1] if len(sys.argv) > 1 else None)
    print("Databasen är migrerad.")

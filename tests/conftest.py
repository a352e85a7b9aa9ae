"""Shared fixtures: a fresh database per test, simulators over HTTP, PostgreSQL when present."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.persistence.db import create_all, engine_for
from services.settings import get_settings

IS_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def postgres_available() -> bool:
    return _reachable("127.0.0.1", 5432)


def redis_available() -> bool:
    return _reachable("127.0.0.1", 6379)


def require_or_skip(available: bool, what: str) -> None:
    """Skip when a server is missing locally; fail in CI, where it is mandatory."""
    if available:
        return
    if IS_CI:
        pytest.fail(f"{what} is mandatory when CI=true but is not reachable")
    pytest.skip(f"{what} is not reachable")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite database for one test (tables created directly)."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    monkeypatch.setattr(get_settings(), "database_url", url)
    create_all(engine_for(url))
    yield url
    engine_for(url).dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of this test session's own (several runs may share the server)."""
    require_or_skip(postgres_available(), "PostgreSQL at 127.0.0.1:5432")
    from tests.postgres import own_database

    url, drop = own_database(PG_URL, "webcert_test_")
    try:
        yield url
    finally:
        drop()


def reset_postgres(url: str) -> None:
    from sqlalchemy import text

    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=["sqlite", "postgres"])
def migrated_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A database migrated with Alembic, on SQLite and on PostgreSQL (mandatory in CI)."""
    from services.persistence.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
    else:
        url = request.getfixturevalue("pg_url")
        reset_postgres(url)
    monkeypatch.setattr(get_settings(), "database_url", url)
    upgrade(url)
    yield url
    engine_for(url).dispose()


@pytest.fixture(scope="session")
def simulators_session():
    from scripts.run_simulators import config_from_settings
    from simulators.runner import start_simulators

    with start_simulators(config=config_from_settings()) as running:
        yield running


@pytest.fixture
def sim(simulators_session, monkeypatch: pytest.MonkeyPatch):
    """Simulators reset to their test data, with the settings pointing at them."""
    settings = get_settings()
    for name in ("hsa", "pu", "fk", "ts", "ehr"):
        monkeypatch.setattr(settings, f"{name}_url", simulators_session.url(name))
    simulators_session.reset_all()
    return simulators_session


@pytest.fixture(autouse=True)
def _generous_rate_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts with fresh rate-limit counters and limits far above what a test
    sends; tests/security/test_rate_limits.py sets small ones to see the 429s."""
    from webcert_ui import security

    settings = get_settings()
    for name in ("rate_limit_api", "rate_limit_bad_key", "rate_limit_launch"):
        monkeypatch.setattr(settings, name, "100000/minute")
    security.reset_limits()
    yield
    security.reset_limits()

"""A database outage does not wipe a tab (issue 17's drill "PostgreSQL refuses connections").

state.session_binding looks the event's session up in the database before every event. While
the database is away the lookup fails; the tab whose state was built for that very session
(the same cookie) keeps its state — what the clinician is typing — while another cookie, no
cookie, or any other failure still resets the tree as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from services import clock, identity
from services.persistence.db import get_engine
from services.settings import get_settings
from state import session_binding
from state.certificate import CertificateState
from tests.factories import DOCTOR, UNIT
from tests.reflex_harness import point, root_state


def _database_away(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("Connection refused"))


@pytest.fixture
def advance(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[float], None]]:
    """Move services.clock forward (testability's clock), back to now afterwards."""
    monkeypatch.setattr(get_settings(), "testability_enabled", True)
    yield clock.advance
    clock.set_offset(0)


async def _tab(token: str) -> tuple[Any, Any]:
    root = root_state()
    point(root, token, "/intyg/x")
    assert await session_binding.bind(root)  # built for this session
    cs = await root.get_state(CertificateState)
    cs.cert_id = "utkastet-som-skrivs"
    return root, cs


async def test_the_same_session_keeps_its_tab_while_the_database_is_away(
    migrated_db, sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await identity.login(DOCTOR, UNIT, origin="TEST")
    root, cs = await _tab(token)
    monkeypatch.setattr(identity, "get_session", _database_away)
    assert not await session_binding.bind(root)
    assert cs.cert_id == "utkastet-som-skrivs"


@pytest.mark.parametrize("other", ["another session", "no cookie", "another failure"])
async def test_anything_else_still_resets_the_tab(
    migrated_db, sim, monkeypatch: pytest.MonkeyPatch, other: str, advance: Any
) -> None:
    token = await identity.login(DOCTOR, UNIT, origin="TEST")
    second = await identity.login(DOCTOR, UNIT, origin="TEST")
    root, cs = await _tab(token)
    if other == "another session":
        monkeypatch.setattr(identity, "get_session", _database_away)
        point(root, second, "/intyg/x")
    elif other == "no cookie":
        monkeypatch.setattr(identity, "get_session", _database_away)
        point(root, None, "/intyg/x")
    else:

        def broken(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError("not an outage")

        monkeypatch.setattr(identity, "get_session", broken)
        # past the moment for which a proven session is taken as valid without a lookup
        advance(session_binding.PROVEN_FOR.total_seconds() + 1)
    assert await session_binding.bind(root)
    assert cs.cert_id == ""


def _session_lookups(engine: Any) -> list[str]:
    """The SQL statements on the session table from now on (a real count, no stand-in)."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if "server_session" in statement:
            seen.append(statement)

    return seen


async def test_a_session_proven_a_moment_ago_is_not_looked_up_for_every_event(
    migrated_db, sim, advance: Any
) -> None:
    """Issue 17: one lookup per PROVEN_FOR instead of one per event (a keystroke a second)."""
    token = await identity.login(DOCTOR, UNIT, origin="TEST")
    root, cs = await _tab(token)
    lookups = _session_lookups(get_engine())
    for _ in range(5):
        assert not await session_binding.bind(root)
    assert lookups == []
    advance(session_binding.PROVEN_FOR.total_seconds() + 1)
    assert not await session_binding.bind(root)  # looked up again, still valid
    assert len(lookups) == 1
    assert cs.cert_id == "utkastet-som-skrivs"


async def test_a_session_ended_here_resets_the_tab_at_once(migrated_db, sim) -> None:
    """Logging out (or a refused launch) in this process is noticed by the very next event."""
    token = await identity.login(DOCTOR, UNIT, origin="TEST")
    root, cs = await _tab(token)
    assert not await session_binding.bind(root)
    identity.end_session(token)
    assert await session_binding.bind(root)
    assert cs.cert_id == ""


async def test_a_session_timed_out_meanwhile_resets_the_tab(migrated_db, sim, advance: Any) -> None:
    """The proof is kept by services.clock: a clock moved past the 30-minute timeout counts."""
    token = await identity.login(DOCTOR, UNIT, origin="TEST")
    root, cs = await _tab(token)
    advance(31 * 60)
    assert await session_binding.bind(root)
    assert cs.cert_id == ""

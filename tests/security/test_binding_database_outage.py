"""A database outage does not wipe a tab (issue 17's drill "PostgreSQL refuses connections").

state.session_binding looks the event's session up in the database before every event. While
the database is away the lookup fails; the tab whose state was built for that very session
(the same cookie) keeps its state — what the clinician is typing — while another cookie, no
cookie, or any other failure still resets the tree as before.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from services import identity
from state import session_binding
from state.certificate import CertificateState
from tests.factories import DOCTOR, UNIT
from tests.reflex_harness import point, root_state


def _database_away(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("Connection refused"))


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
    migrated_db, sim, monkeypatch: pytest.MonkeyPatch, other: str
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
    assert await session_binding.bind(root)
    assert cs.cert_id == ""

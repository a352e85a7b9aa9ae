"""Issue 14: every refused attempt on patient data is in the PDL log — also the refusals of the
event pipeline itself, when the tab shows a certificate: an event that does not fit its handler
(state.guard), control characters (state.session_binding), and a tab state asked for without a
valid session or by another user's session (reset before anything is sent)."""

from __future__ import annotations

from typing import Any

from reflex.event import Event
from sqlmodel import select

from services import identity
from services.persistence.db import session_scope
from services.persistence.models import AuditRecord
from state import guard, session_binding
from state.certificate import CertificateState
from tests.factories import ADMIN, DOCTOR, TOLVAN, UNIT, draft
from tests.reflex_harness import point, root_state


def _refusals() -> list[AuditRecord]:
    with session_scope() as s:
        return list(
            s.exec(
                select(AuditRecord).where(AuditRecord.refusal_code != "").order_by(AuditRecord.id)
            ).all()
        )


async def _tab(token: str | None, cert_id: str = "") -> Any:
    """A tab bound to the session ``token`` that shows ``cert_id``."""
    root = root_state()
    point(root, token, f"/intyg/{cert_id}")
    await session_binding.bind(root)
    (await root.get_state(CertificateState)).cert_id = cert_id
    return root


async def _world() -> tuple[str, str]:
    token = await identity.login(DOCTOR, UNIT, origin="TEST")
    cert = await draft(identity.get_session(token))
    return token, cert.id


def _event(name: str, **payload: Any) -> Event:
    return Event(name=f"{CertificateState.get_full_name()}.{name}", payload=payload)


async def test_an_event_that_does_not_fit_its_handler_is_audited(migrated_db, sim) -> None:
    token, cert_id = await _world()
    root = await _tab(token, cert_id)
    update = await guard.EventGuard().preprocess(None, root, _event("set_value", nyckel="x"))
    assert update is not None  # refused
    [record] = _refusals()
    assert (record.refusal_code, record.certificate_id, record.patient_id) == (
        "EVENT_REFUSED",
        cert_id,
        TOLVAN,
    )
    assert (record.user_id, record.unit_id, record.action) == (DOCTOR, UNIT, "READ")
    assert "set_value" in record.detail


async def test_control_characters_in_an_event_are_audited(migrated_db, sim) -> None:
    token, cert_id = await _world()
    root = await _tab(token, cert_id)
    bad = _event("set_value", key="ovrigt", value="hej\x00då")
    assert await session_binding.SessionBinding().preprocess(None, root, bad) is not None
    [record] = _refusals()
    assert (record.refusal_code, record.certificate_id, record.action, record.user_id) == (
        "BAD_TEXT",
        cert_id,
        "WRITE",
        DOCTOR,
    )


async def test_a_tab_asked_for_without_a_session_or_by_another_user_is_audited(
    migrated_db, sim
) -> None:
    token, cert_id = await _world()
    root = await _tab(token, cert_id)
    point(root, None, f"/intyg/{cert_id}")  # the tab's client token, no cookie at all
    assert await session_binding.bind(root)
    [record] = _refusals()
    assert (record.refusal_code, record.certificate_id, record.user_id) == (
        "NO_SESSION",
        cert_id,
        "okänd",
    )
    assert DOCTOR in record.detail  # whose tab it was
    root = await _tab(token, cert_id)
    other = await identity.login(ADMIN, UNIT, origin="TEST")
    point(root, other, f"/intyg/{cert_id}")  # another user's session with the stolen token
    assert await session_binding.bind(root)
    assert [(r.refusal_code, r.user_id) for r in _refusals()][1:] == [("OTHER_SESSION", ADMIN)]


async def test_benign_resets_and_refusals_without_a_certificate_write_nothing(
    migrated_db, sim
) -> None:
    token, cert_id = await _world()
    root = await _tab(token, cert_id)
    point(root, await identity.login(DOCTOR, UNIT, origin="TEST"), "/")  # a new launch, same user
    assert await session_binding.bind(root)
    root = await _tab(token)  # no certificate shown
    await guard.EventGuard().preprocess(None, root, _event("set_value"))
    bad = _event("set_value", key="ovrigt", value="\x07")
    await session_binding.SessionBinding().preprocess(None, root, bad)
    assert _refusals() == []

"""Identity, sessions and draft autosave over real HTTP simulators, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from services import clock, identity, lifecycle
from services.errors import Conflict, NotAuthorized, PuUnavailable
from services.persistence.db import session_scope
from services.persistence.models import AuditRecord, ServerSession
from tests.factories import ADMIN, DOCTOR, OTHER_UNIT, TOLVAN, UNIT


async def _login(hsa_id: str = DOCTOR, unit: str | None = UNIT) -> tuple[str, identity.SessionUser]:
    token = await identity.login(hsa_id, unit, origin="TEST")
    return token, identity.get_session(token)


async def test_login_derives_role_and_unit(migrated_db, sim) -> None:
    _, doctor = await _login()
    assert doctor.role == "LAKARE" and doctor.unit is not None and doctor.unit.hsa_id == UNIT
    _, admin = await _login(ADMIN)
    assert admin.role == "VARDADMINISTRATOR" and not admin.is_doctor


async def test_multi_unit_login_without_unit_needs_a_choice(migrated_db, sim) -> None:
    token, user = await _login(unit=None)
    assert user.unit is None and len(user.units) > 1
    with pytest.raises(identity.UnitRequired):
        identity.require_unit(user)
    chosen = identity.choose_unit(token, UNIT)
    assert chosen.unit is not None and chosen.unit.hsa_id == UNIT
    with pytest.raises(NotAuthorized):
        identity.choose_unit(token, "SE-NOT-MY-UNIT")


async def test_login_on_unit_without_commission_is_refused(migrated_db, sim) -> None:
    with pytest.raises(NotAuthorized):
        await identity.login(DOCTOR, "TSTNMT2321000156-1077", origin="TEST")


async def test_session_token_is_random_and_stored_hashed(migrated_db, sim) -> None:
    token, _ = await _login()
    token2, _ = await _login()
    assert token != token2 and len(token) >= 40
    with session_scope() as s:
        rows = s.exec(select(ServerSession)).all()
        assert all(token not in (r.token_hash, str(r.params)) for r in rows)


async def test_session_expires_after_inactivity(migrated_db, sim, monkeypatch) -> None:
    token, _ = await _login()
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(minutes=29))
    identity.get_session(token)  # activity 29 minutes later keeps it alive
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(minutes=29 + 31))
    with pytest.raises(identity.SessionExpired):
        identity.get_session(token)
    monkeypatch.setattr(clock, "now", real_now)
    with pytest.raises(identity.SessionExpired):  # ended for good
        identity.get_session(token)


def test_launch_token_single_use_and_bound_to_certificate(migrated_db) -> None:
    tok = identity.issue_launch_token(hsa_id=DOCTOR, unit_id=UNIT, certificate_id="abc")
    with pytest.raises(identity.InvalidLaunchToken):
        identity.verify_launch_token(tok, certificate_id="other")
    claims = identity.verify_launch_token(tok, certificate_id="abc")
    assert claims.hsa_id == DOCTOR and claims.unit_id == UNIT
    with pytest.raises(identity.InvalidLaunchToken):
        identity.verify_launch_token(tok, certificate_id="abc")


def test_launch_token_expired_or_forged(migrated_db, monkeypatch) -> None:
    tok = identity.issue_launch_token(
        hsa_id=DOCTOR, unit_id=UNIT, certificate_id="abc", ttl_seconds=10
    )
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(seconds=11))
    with pytest.raises(identity.InvalidLaunchToken):
        identity.verify_launch_token(tok)
    monkeypatch.setattr(clock, "now", real_now)
    forged = tok[:-4] + ("AAAA" if not tok.endswith("AAAA") else "BBBB")
    with pytest.raises(identity.InvalidLaunchToken):
        identity.verify_launch_token(forged)


async def test_draft_autosave_compare_and_set(migrated_db, sim) -> None:
    _, doctor = await _login()
    _, admin = await _login(ADMIN)
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    assert cert.patient["first_name"] == "Tolvan"
    r1 = lifecycle.save_draft(doctor, cert.id, content={"ovrigt": "ett"}, expected_version=1)
    assert r1.version == 2
    with pytest.raises(Conflict) as stale:
        lifecycle.save_draft(admin, cert.id, content={"ovrigt": "två"}, expected_version=1)
    assert "Ajla" in stale.value.message  # who saved last
    assert lifecycle.get_certificate(doctor, cert.id).content == {"ovrigt": "ett"}
    with session_scope() as s:
        actions = [
            a.action
            for a in s.exec(select(AuditRecord).where(AuditRecord.certificate_id == cert.id))
        ]
    assert {"CREATE", "WRITE", "READ"} <= set(actions)


async def test_concurrent_saves_exactly_one_wins_each_version(migrated_db, sim) -> None:
    _, doctor = await _login()
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)

    def attempt(i: int) -> bool:
        try:
            lifecycle.save_draft(doctor, cert.id, content={"ovrigt": str(i)}, expected_version=1)
            return True
        except Conflict:
            return False

    results = await asyncio.gather(*[asyncio.to_thread(attempt, i) for i in range(20)])
    assert sum(results) == 1
    assert lifecycle.get_certificate(doctor, cert.id).version == 2


async def test_other_units_certificate_is_refused(migrated_db, sim) -> None:
    _, doctor = await _login()
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    _, elsewhere = await _login(unit=OTHER_UNIT)
    with pytest.raises(NotAuthorized):
        lifecycle.get_certificate(elsewhere, cert.id)
    with pytest.raises(NotAuthorized):
        lifecycle.save_draft(elsewhere, cert.id, content={}, expected_version=1)


async def test_pu_outage_blocks_creating_drafts(migrated_db, sim) -> None:
    import httpx

    _, doctor = await _login()
    httpx.post(sim.pu_url + "/admin/outage", json={"down": True}).raise_for_status()
    with pytest.raises(PuUnavailable):
        await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)


async def test_lock_job_loop_locks_old_drafts(migrated_db, sim, monkeypatch) -> None:
    from services import jobs
    from services.persistence.models import Certificate, CertificateStatus

    _, doctor = await _login()
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    with session_scope() as s:
        row = s.get(Certificate, cert.id)
        row.created_at = clock.now() - timedelta(days=15)
        s.add(row)
    task = asyncio.create_task(jobs.lock_drafts_forever(interval=0.05))
    try:
        for _ in range(100):
            await asyncio.sleep(0.05)
            with session_scope() as s:
                if s.get(Certificate, cert.id).status == CertificateStatus.LOCKED:
                    break
    finally:
        task.cancel()
    with session_scope() as s:
        assert s.get(Certificate, cert.id).status == CertificateStatus.LOCKED

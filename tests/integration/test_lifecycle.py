"""Every lifecycle transition over the simulators (real HTTP), on SQLite and PostgreSQL.

Expectations come from the manual (§4.1-§4.10, §6.3.4, §8), not from the implementation's output.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import timedelta

import pytest
from sqlmodel import select

from services import clock, identity, lifecycle
from services.errors import (
    Conflict,
    InvalidInput,
    NotAuthorized,
    NotFound,
    PuUnavailable,
    ServiceUnavailable,
    WebcertError,
)
from services.interop import samples
from services.persistence.db import session_scope
from services.persistence.models import (
    Certificate,
    CertificateStatus,
    RelationKind,
)
from services.rights import Action, InvalidState
from tests.factories import (
    ADMIN,
    DENTIST,
    DENTIST_UNIT,
    DOCTOR,
    MAJ_SEKRETESS,
    OTHER_UNIT,
    TOD_DECEASED,
    TOLVAN,
    UNIT,
    add_question,
    audits,
    complete_fk7804,
    draft,
    events,
    force,
    load,
    login,
    outage,
    pu_person,
    question,
    received,
    signed,
)

S = CertificateStatus


# --- §4.2 sign, mark ready ------------------------------------------------------------------
async def test_sign_records_signer_hash_issuer_and_is_immutable(migrated_db, sim) -> None:
    doctor = await login()
    cert = await draft(doctor, content=complete_fk7804())
    result = await lifecycle.sign(doctor, cert.id)
    assert result.status == S.SIGNED
    assert result.signed_by == DOCTOR and result.signed_by_role == "LAKARE"
    assert result.signed_at is not None and result.signed_by_name
    canonical = json.dumps(
        {
            "id": cert.id,
            "type": "fk7804",
            "type_version": cert.type_version,
            "patient_id": TOLVAN,
            "content": complete_fk7804(),
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    assert result.signature_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert result.issuer["hsa_id"] == DOCTOR and result.issuer["unit_id"] == UNIT
    assert result.issuer["name"] == doctor.name and "unit_name" in result.issuer
    assert events(cert.id) == ["SKAPAT", "ANDRAT", "SIGNAT"]  # the save before signing
    assert "SIGN" in audits(cert.id)
    # §4.1: a signed certificate cannot be changed or deleted.
    with pytest.raises(InvalidState):
        lifecycle.save_draft(doctor, cert.id, content={}, expected_version=result.version)
    with pytest.raises(InvalidState):
        await lifecycle.delete_draft(doctor, cert.id)


async def test_sign_incomplete_lists_missing_sections(migrated_db, sim) -> None:
    doctor = await login()
    cert = await draft(doctor, content={"diagnoser": []})
    with pytest.raises(InvalidInput) as exc:
        await lifecycle.sign(doctor, cert.id)
    assert exc.value.message.startswith("Utkastet saknar uppgifter i följande avsnitt:")
    assert load(cert.id).status == S.DRAFT


async def test_stale_sign_is_refused_with_who_saved(migrated_db, sim) -> None:
    doctor = await login()
    admin = await login(ADMIN)
    cert = await draft(doctor, content=complete_fk7804())
    lifecycle.save_draft(admin, cert.id, content=complete_fk7804(ovrigt="x"), expected_version=2)
    with pytest.raises(Conflict) as exc:
        await lifecycle.sign(doctor, cert.id, expected_version=2)
    assert admin.name == "Alva Vårdadministratör"  # the HSA simulator's test user
    assert f"ändrats av {admin.name}" in exc.value.message


async def test_admin_marks_ready_and_doctor_signs(migrated_db, sim) -> None:
    doctor, admin = await login(), await login(ADMIN)
    cert = await draft(admin, content=complete_fk7804())
    with pytest.raises(NotAuthorized):
        await lifecycle.sign(admin, cert.id)
    with pytest.raises(NotAuthorized):
        await lifecycle.mark_ready_for_signing(doctor, cert.id)
    marked = await lifecycle.mark_ready_for_signing(admin, cert.id)
    assert marked.status == S.READY_FOR_SIGNING and marked.ready_for_signing_at
    again = await lifecycle.mark_ready_for_signing(admin, cert.id)  # double click
    assert again.status == S.READY_FOR_SIGNING
    assert events(cert.id).count("KFSIGN") == 1  # the EHR is told once (§4.2.1)
    assert (await lifecycle.sign(doctor, cert.id)).status == S.SIGNED


async def test_double_sign_makes_one_signature(migrated_db, sim) -> None:
    doctor = await login()
    cert = await draft(doctor, content=complete_fk7804())
    results = await asyncio.gather(*[lifecycle.sign(doctor, cert.id) for _ in range(5)])
    assert {r.status for r in results} == {S.SIGNED}
    assert len({r.signature_hash for r in results}) == 1
    assert events(cert.id).count("SIGNAT") == 1
    assert audits(cert.id).count("SIGN") == 1
    again = await lifecycle.sign(doctor, cert.id)  # a later click returns the same signature
    assert again.signature_hash == results[0].signature_hash
    other = await login(DENTIST, DENTIST_UNIT)
    with pytest.raises(NotAuthorized):  # another unit's draft
        await lifecycle.sign(other, cert.id)


# --- §4.3 delete --------------------------------------------------------------------------------
async def test_delete_draft_removes_all_its_data(migrated_db, sim) -> None:
    admin = await login(ADMIN)
    cert = await draft(admin, content=complete_fk7804())
    await lifecycle.delete_draft(admin, cert.id)
    assert load(cert.id) is None
    assert events(cert.id) == ["SKAPAT", "ANDRAT", "RADERA"]  # draft() saved content first
    assert "DELETE" in audits(cert.id)
    with pytest.raises(NotFound):
        await lifecycle.delete_draft(admin, cert.id)
    with pytest.raises(NotFound):
        lifecycle.get_certificate(admin, cert.id)


# --- §4.4 send -----------------------------------------------------------------------------------
async def test_send_requires_consent_and_sets_skickat(migrated_db, sim) -> None:
    admin = await login(ADMIN)
    cert = await signed(await login())
    with pytest.raises(InvalidInput):
        await lifecycle.send(admin, cert.id, patient_consent=False)
    with pytest.raises(InvalidInput):
        await lifecycle.send(admin, cert.id, patient_consent="true")  # forged payload
    sent = await lifecycle.send(admin, cert.id, patient_consent=True)
    assert sent.status == S.SENT and sent.status.label == "Skickat" and sent.sent_at
    got = received(sim)["certificates"]
    assert [c["certificate_id"] for c in got] == [cert.id]
    assert got[0]["certificate"]["content"]["diagnoser"][0]["code"] == "J20"
    assert events(cert.id)[-1] == "SKICKA"


async def test_double_send_is_one_sending(migrated_db, sim) -> None:
    doctor = await login()
    cert = await signed(doctor)
    results = await asyncio.gather(
        *[lifecycle.send(doctor, cert.id, patient_consent=True) for _ in range(4)]
    )
    assert {r.status for r in results} == {S.SENT}
    assert len(received(sim)["certificates"]) == 1
    assert events(cert.id).count("SKICKA") == 1
    assert audits(cert.id).count("SEND") == 1


async def test_send_with_recipient_down_keeps_signerat(migrated_db, sim) -> None:
    doctor = await login()
    cert = await signed(doctor)
    outage(sim, "fk", True)
    with pytest.raises(ServiceUnavailable) as exc:
        await lifecycle.send(doctor, cert.id, patient_consent=True)
    assert "Försäkringskassan" in exc.value.message
    assert load(cert.id).status == S.SIGNED
    outage(sim, "fk", False)
    assert (await lifecycle.send(doctor, cert.id, patient_consent=True)).status == S.SENT


async def test_ts_certificate_goes_to_transportstyrelsen(migrated_db, sim) -> None:
    doctor = await login()
    cert = await draft(doctor, cert_type="tstrk1007")
    content = samples.complete_content("tstrk1007", clock.today())
    force(cert.id, status=S.SIGNED, signed_by=DOCTOR, signed_at=clock.now(), content=content)
    await lifecycle.send(doctor, cert.id, patient_consent=True)
    assert [c["certificate_id"] for c in received(sim, "ts")["certificates"]] == [cert.id]
    assert received(sim, "fk")["certificates"] == []


# --- §4.6 renew --------------------------------------------------------------------------------
async def test_renew_fk7804(migrated_db, sim) -> None:
    doctor = await login()
    original = await signed(
        doctor,
        grund_for_mu={"UNDERSOKNING": clock.today().isoformat()},
        kontakt_fk=True,
        ovrigt="Följer med",
    )
    pu_person(sim, TOLVAN, last_name="Tolvansson-Nytt")  # changed in PU-tjänsten
    admin_elsewhere = await login(ADMIN, OTHER_UNIT, params={"sjf": True})
    renewal = await lifecycle.renew(admin_elsewhere, original.id)  # table 3: all roles
    assert renewal.status == S.DRAFT and renewal.unit_id == OTHER_UNIT  # session's unit
    assert renewal.parent_id == original.id and renewal.relation_kind == RelationKind.RENEW
    assert renewal.patient["last_name"] == "Tolvansson-Nytt"
    assert renewal.content["diagnoser"] == original.content["diagnoser"]
    assert renewal.content["ovrigt"] == "Följer med"
    for gone in ("grund_for_mu", "sjukskrivningar", "kontakt_fk"):
        assert gone not in renewal.content
    view = lifecycle.relations(admin_elsewhere, renewal.id)
    today_end = (clock.today() + timedelta(days=13)).isoformat()
    assert view.previous_period is not None
    assert "50 procent" in view.previous_period and today_end in view.previous_period
    assert load(original.id).content == original.content  # the original is untouched


async def test_renew_only_signed_fk_certificates(migrated_db, sim) -> None:
    doctor = await login()
    unsigned = await draft(doctor, content=complete_fk7804())
    with pytest.raises(InvalidState):
        await lifecycle.renew(doctor, unsigned.id)
    ts = await draft(doctor, cert_type="tstrk1007")
    force(ts.id, status=S.SIGNED)
    with pytest.raises(InvalidState):
        await lifecycle.renew(doctor, ts.id)


@pytest.mark.parametrize("verb", ["renew", "replace"])
async def test_double_renew_or_replace_makes_one_draft(migrated_db, sim, verb: str) -> None:
    doctor = await login()
    original = await signed(doctor)
    derive = getattr(lifecycle, verb)
    results = await asyncio.gather(*[derive(doctor, original.id) for _ in range(4)])
    assert len({r.id for r in results}) == 1
    with session_scope() as s:
        children = s.exec(select(Certificate).where(Certificate.parent_id == original.id)).all()
    assert len(children) == 1


async def test_signing_renewal_handles_complement_requests_only(migrated_db, sim) -> None:
    doctor = await login()
    original = await signed(doctor)
    await lifecycle.send(doctor, original.id, patient_consent=True)
    komplt = add_question(original.id, "KOMPLT")
    admin_q = add_question(original.id, "OVRIGT")
    renewal = await lifecycle.renew(doctor, original.id)
    lifecycle.save_draft(doctor, renewal.id, content=complete_fk7804(), expected_version=1)
    assert question(komplt).handled is False  # not before the renewal is signed
    await lifecycle.sign(doctor, renewal.id)
    assert question(komplt).handled is True
    assert question(admin_q).handled is False  # administrative questions stay open
    assert "HANFRFM" in events(original.id)


# --- §4.7 replace -------------------------------------------------------------------------------
async def test_replace_flow(migrated_db, sim) -> None:
    doctor = await login()
    admin = await login(ADMIN)
    original = await signed(doctor, grund_for_mu={"UNDERSOKNING": clock.today().isoformat()})
    with pytest.raises(NotAuthorized):  # table 3: läkare/tandläkare only
        await lifecycle.replace(admin, original.id)
    assert lifecycle.existing_replacement_draft(doctor, original.id) is None
    first = await lifecycle.replace(doctor, original.id)
    assert first.content == original.content  # everything follows
    assert first.relation_kind == RelationKind.REPLACE
    # Ersätt stays until the new one is signed; pressing it again offers the existing draft.
    opened = await lifecycle.open_certificate(doctor, original.id)
    assert Action.REPLACE in opened.actions and Action.RENEW in opened.actions
    assert opened.relations.replacement_draft_id == first.id
    assert lifecycle.existing_replacement_draft(doctor, original.id).id == first.id
    assert (await lifecycle.replace(doctor, original.id)).id == first.id
    # A deleted replacement draft allows a new one.
    await lifecycle.delete_draft(doctor, first.id)
    assert lifecycle.existing_replacement_draft(doctor, original.id) is None
    second = await lifecycle.replace(doctor, original.id)
    assert second.id != first.id
    await lifecycle.sign(doctor, second.id)
    # The original stays valid and readable, with the text and link; Förnya/Ersätt are gone.
    opened = await lifecycle.open_certificate(doctor, original.id)
    assert opened.certificate.status == S.SIGNED
    assert Action.REPLACE not in opened.actions and Action.RENEW not in opened.actions
    assert Action.SEND not in opened.actions
    assert {Action.READ, Action.PRINT} <= opened.actions
    link = next(x for x in opened.relations.links if x.certificate_id == second.id)
    assert link.text == "Intyget har ersatts av detta intyg" and link.certificate_id == second.id
    with pytest.raises(InvalidState):
        await lifecycle.replace(doctor, original.id)
    with pytest.raises(InvalidState):
        await lifecycle.renew(doctor, original.id)


# --- §4.1 the 14-day lock and §4.8 copy ----------------------------------------------------------
async def test_lock_job_is_idempotent_and_concurrent_safe(migrated_db, sim) -> None:
    doctor = await login()
    old = [await draft(doctor) for _ in range(3)]
    young = await draft(doctor)
    ready = await draft(await login(ADMIN), content=complete_fk7804())
    await lifecycle.mark_ready_for_signing(await login(ADMIN), ready.id)
    now = clock.now()
    for c in [*old, ready]:
        force(c.id, created_at=now - timedelta(days=14, minutes=1))
    force(young.id, created_at=now - timedelta(days=13, hours=23))
    counts = await asyncio.gather(
        *[asyncio.to_thread(lifecycle.lock_expired_drafts, now) for _ in range(4)]
    )
    assert sum(counts) == 4
    assert lifecycle.lock_expired_drafts(now) == 0  # run again: nothing more
    assert {load(c.id).status for c in [*old, ready]} == {S.LOCKED}
    assert load(young.id).status == S.DRAFT
    assert lifecycle.lock_expired_drafts(now + timedelta(hours=2)) == 1  # its turn comes


async def test_locked_draft_can_only_be_copied_printed_or_revoked(migrated_db, sim) -> None:
    doctor, admin = await login(), await login(ADMIN)
    locked = await draft(doctor, content=complete_fk7804(ovrigt="kvar"))
    force(locked.id, created_at=clock.now() - timedelta(days=15))
    assert lifecycle.lock_expired_drafts() == 1
    with pytest.raises(InvalidState):
        lifecycle.save_draft(doctor, locked.id, content={}, expected_version=3)
    with pytest.raises(InvalidState):
        await lifecycle.sign(doctor, locked.id)
    with pytest.raises(InvalidState):
        await lifecycle.delete_draft(doctor, locked.id)
    opened = await lifecycle.open_certificate(admin, locked.id)
    assert opened.actions == {Action.READ, Action.PRINT, Action.COPY}
    copy = await lifecycle.copy_locked(admin, locked.id)
    assert copy.status == S.DRAFT and copy.content == load(locked.id).content
    assert (await lifecycle.copy_locked(admin, locked.id)).id == copy.id  # double click
    assert load(locked.id).status == S.LOCKED  # the locked draft stays
    revoked = await lifecycle.revoke(
        doctor, locked.id, reason_code="ANNAT_ALLVARLIGT_FEL", message="Fel"
    )
    assert revoked.status == S.REVOKED
    assert received(sim)["revocations"] == []  # never sent: nobody to tell


async def test_autosave_racing_the_lock_is_refused(migrated_db, sim) -> None:
    doctor = await login()
    cert = await draft(doctor)
    force(cert.id, created_at=clock.now() - timedelta(days=15))
    lifecycle.lock_expired_drafts()
    with pytest.raises(WebcertError):
        lifecycle.save_draft(doctor, cert.id, content={"ovrigt": "x"}, expected_version=1)
    assert load(cert.id).content == {}


# --- §4.9 revoke --------------------------------------------------------------------------------
async def test_revoke_sent_certificate(migrated_db, sim) -> None:
    doctor, admin = await login(), await login(ADMIN)
    cert = await signed(doctor)
    await lifecycle.send(doctor, cert.id, patient_consent=True)
    q1 = add_question(cert.id, "KOMPLT")
    q2 = add_question(cert.id, "OVRIGT", direction="TO_FK")
    with pytest.raises(NotAuthorized):
        await lifecycle.revoke(admin, cert.id, reason_code="FELAKTIG_PATIENT")
    with pytest.raises(InvalidInput):
        await lifecycle.revoke(doctor, cert.id, reason_code="PÅHITTAD")
    with pytest.raises(InvalidInput):  # "Annat allvarligt fel" needs a description
        await lifecycle.revoke(doctor, cert.id, reason_code="ANNAT_ALLVARLIGT_FEL", message=" ")
    results = await asyncio.gather(
        *[
            lifecycle.revoke(doctor, cert.id, reason_code="FELAKTIG_PATIENT", message="Fel pnr")
            for _ in range(3)
        ]
    )
    assert {r.status for r in results} == {S.REVOKED}
    revocations = received(sim)["revocations"]
    assert len(revocations) == 1
    # RevokeCertificate v2 carries the reason and the doctor's words in its meddelande
    assert revocations[0]["format"] == "RevokeCertificate v2"
    assert revocations[0]["message"] == "Intyget har utfärdats på fel patient. Fel pnr"
    assert revocations[0]["revokedBy"] == DOCTOR
    assert events(cert.id).count("MAKULE") == 1
    assert question(q1).handled and question(q2).handled  # §4.9.1
    # §4.9.2: kept in the database, readable, nothing else.
    opened = await lifecycle.open_certificate(doctor, cert.id)
    assert opened.certificate.status == S.REVOKED and opened.certificate.revoke_message
    assert opened.actions == {Action.READ, Action.PRINT}


async def test_revoke_with_recipient_down_changes_nothing(migrated_db, sim) -> None:
    doctor = await login()
    cert = await signed(doctor)
    await lifecycle.send(doctor, cert.id, patient_consent=True)
    outage(sim, "fk", True)
    with pytest.raises(ServiceUnavailable):
        await lifecycle.revoke(doctor, cert.id, reason_code="FELAKTIG_PATIENT")
    assert load(cert.id).status == S.SENT


async def test_revoking_a_replacing_certificate_points_at_the_replaced(migrated_db, sim) -> None:
    doctor = await login()
    original = await signed(doctor)
    replacing = await lifecycle.replace(doctor, original.id)
    await lifecycle.sign(doctor, replacing.id)
    await lifecycle.revoke(doctor, replacing.id, reason_code="ANNAT_ALLVARLIGT_FEL", message="x")
    view = lifecycle.relations(doctor, replacing.id)
    link = next(x for x in view.links if x.direction == "PARENT")
    assert link.text == "Intyget ersatte ett tidigare intyg som också kan behöva makuleras."
    assert link.certificate_id == original.id and not link.is_draft
    # The revoked replacement no longer blocks Ersätt on the original.
    opened = await lifecycle.open_certificate(doctor, original.id)
    assert Action.REPLACE in opened.actions


# --- §4.10 sekretessmarkering -------------------------------------------------------------------
async def test_sekretess_patient(migrated_db, sim) -> None:
    doctor, admin = await login(), await login(ADMIN)
    with pytest.raises(NotAuthorized):
        await lifecycle.create_draft(admin, cert_type="fk7804", personnummer=MAJ_SEKRETESS)
    with pytest.raises(NotAuthorized) as ts:
        await lifecycle.create_draft(doctor, cert_type="tstrk1007", personnummer=MAJ_SEKRETESS)
    assert "Transportstyrelsens intyg kan inte utfärdas" in ts.value.message
    cert = await draft(doctor, MAJ_SEKRETESS, content=complete_fk7804())
    with pytest.raises(NotAuthorized) as exc:
        await lifecycle.open_certificate(admin, cert.id)
    assert "inte behörig" in exc.value.message
    with pytest.raises(NotAuthorized):
        lifecycle.get_certificate(admin, cert.id)
    assert all(r["id"] != cert.id for r in lifecycle.list_for_unit(admin))
    opened = await lifecycle.open_certificate(doctor, cert.id)
    assert opened.patient.sekretess  # the UI shows the red marking
    await lifecycle.sign(doctor, cert.id)
    elsewhere = await login(DOCTOR, OTHER_UNIT, params={"sjf": True})
    with pytest.raises(NotAuthorized):  # never across units, not even with sjf
        await lifecycle.open_certificate(elsewhere, cert.id)


async def test_ts_certificate_signed_before_marking_becomes_unavailable(migrated_db, sim) -> None:
    doctor = await login()
    ts = await draft(doctor, cert_type="tstrk1007")
    force(ts.id, status=S.SIGNED)
    assert (await lifecycle.open_certificate(doctor, ts.id)).certificate.id == ts.id
    pu_person(sim, TOLVAN, sekretess=True)
    with pytest.raises(NotAuthorized):
        await lifecycle.open_certificate(doctor, ts.id)


async def test_sekretess_user_must_accept_first(migrated_db, sim) -> None:
    token = await identity.login("TSTNMT2321000156-DRAF", None, origin="TEST")
    user = identity.get_session(token)
    if user.unit is None:
        user = identity.choose_unit(token, user.units[0].hsa_id)
    assert user.sekretess and not user.sekretess_accepted
    with pytest.raises(NotAuthorized) as exc:
        await lifecycle.create_draft(user, cert_type="fk7804", personnummer=TOLVAN)
    assert exc.value.code == "SEKRETESS_NOT_ACCEPTED"
    user = identity.accept_sekretess(token)
    assert (await lifecycle.create_draft(user, cert_type="fk7804", personnummer=TOLVAN)).id


# --- §4.10.2 PU-tjänsten down -------------------------------------------------------------------
async def test_pu_outage_locks_every_function(migrated_db, sim) -> None:
    doctor = await login()
    a_draft = await draft(doctor, content=complete_fk7804())
    a_signed = await signed(doctor)
    outage(sim, "pu", True)
    calls = [
        lifecycle.open_certificate(doctor, a_signed.id),
        lifecycle.sign(doctor, a_draft.id),
        lifecycle.delete_draft(doctor, a_draft.id),
        lifecycle.send(doctor, a_signed.id, patient_consent=True),
        lifecycle.renew(doctor, a_signed.id),
        lifecycle.replace(doctor, a_signed.id),
        lifecycle.revoke(doctor, a_signed.id, reason_code="FELAKTIG_PATIENT"),
        lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN),
    ]
    for call in calls:
        with pytest.raises(PuUnavailable):
            await call
    assert load(a_draft.id).status == S.DRAFT and load(a_signed.id).status == S.SIGNED
    outage(sim, "pu", False)
    assert (await lifecycle.sign(doctor, a_draft.id)).status == S.SIGNED


# --- §8 deceased patient ------------------------------------------------------------------------
async def test_deceased_patient(migrated_db, sim) -> None:
    doctor = await login()
    with pytest.raises(NotAuthorized):
        await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOD_DECEASED)
    # A person who dies after the drafts/certificates were made.
    a_draft = await draft(doctor, content=complete_fk7804())
    a_signed = await signed(doctor)
    another = await signed(doctor)
    pu_person(sim, TOLVAN, deceased=True)
    for call in (lifecycle.renew, lifecycle.replace):
        with pytest.raises(NotAuthorized) as exc:
            await call(doctor, a_signed.id)
        assert "avliden" in exc.value.message
    assert (await lifecycle.sign(doctor, a_draft.id)).status == S.SIGNED  # created alive
    sent = await lifecycle.send(doctor, a_signed.id, patient_consent=True)
    assert sent.status == S.SENT
    revoked = await lifecycle.revoke(doctor, another.id, reason_code="FELAKTIG_PATIENT")
    assert revoked.status == S.REVOKED
    opened = await lifecycle.open_certificate(doctor, sent.id)
    assert Action.QUESTIONS in opened.actions and Action.RENEW not in opened.actions


async def test_draft_created_after_death_cannot_be_signed(migrated_db, sim) -> None:
    doctor = await login()
    cert = await draft(doctor, content=complete_fk7804())
    force(cert.id, created_alive=False)
    pu_person(sim, TOLVAN, deceased=True)
    with pytest.raises(NotAuthorized):
        await lifecycle.sign(doctor, cert.id)


# --- units and roles ---------------------------------------------------------------------------
async def test_other_unit_and_dentist_types(migrated_db, sim) -> None:
    doctor = await login()
    cert = await signed(doctor)
    elsewhere = await login(DOCTOR, OTHER_UNIT)
    for call in (
        lifecycle.open_certificate(elsewhere, cert.id),
        lifecycle.renew(elsewhere, cert.id),
        lifecycle.revoke(elsewhere, cert.id, reason_code="FELAKTIG_PATIENT"),
        lifecycle.send(elsewhere, cert.id, patient_consent=True),
    ):
        with pytest.raises(NotAuthorized):
            await call
    dentist = await login(DENTIST, DENTIST_UNIT)
    with pytest.raises(NotAuthorized):
        await lifecycle.create_draft(dentist, cert_type="fk7800", personnummer=TOLVAN)
    own = await signed(dentist)  # tandläkare: FK7804, and sign it
    assert own.signed_by_role == "TANDLAKARE"
    with pytest.raises(NotFound):
        await lifecycle.sign(doctor, "does-not-exist")

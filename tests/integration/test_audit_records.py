"""PDL audit log completeness: one test per kind of record, refusals and list views included,
and a run whose audited actions are compared with the records written.

Real simulators over HTTP, on SQLite and PostgreSQL. Expected records come from what the test
did (the issue's list: open/read, list, create, write, sign, send, revoke, delete, renew/
replace/copy, print, refusals with their code, sjf reads, EHR API person + system)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from services import audit, clock, identity, lifecycle, pdl_log, printing
from services.errors import NotAuthorized
from services.persistence.db import session_scope
from services.persistence.models import AuditRecord
from tests.factories import (
    ADMIN,
    DOCTOR,
    MAJ_SEKRETESS,
    OTHER_UNIT,
    TOLVAN,
    UNIT,
    api_client,
    complete_fk7804,
    draft_request,
    ehr_systems,
    force,
    login,
)

ALFA = "TSTNMT2321000156-ALFA"
LILLTOLVAN = "201212121212"


def records(**where: Any) -> list[AuditRecord]:
    with session_scope() as s:
        query = select(AuditRecord).order_by(col(AuditRecord.id))
        for name, value in where.items():
            query = query.where(getattr(AuditRecord, name) == value)
        return list(s.exec(query).all())


def last() -> AuditRecord:
    return records()[-1]


def chain_ok() -> bool:
    with session_scope() as s:
        return audit.verify(session=s).ok


async def test_create_read_sign_send_revoke_print_fields(migrated_db, sim) -> None:
    doctor = await login()
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    created = last()
    assert (created.action, created.activity_type) == ("CREATE", "Skriva")
    assert created.purpose == "Vård och behandling"
    assert (created.user_id, created.user_name, created.role) == (DOCTOR, doctor.name, "LAKARE")
    assert (created.unit_id, created.unit_name) == (UNIT, "Alfa Vårdcentral")
    assert (created.care_provider_id, created.care_provider_name) == (ALFA, "Alfa Regionen")
    assert (created.patient_id, created.resource_type, created.certificate_id) == (
        TOLVAN,
        "Intyg",
        cert.id,
    )
    assert (created.resource_unit_id, created.resource_care_provider_id) == (UNIT, ALFA)
    assert (created.system_id, created.system_name) == ("WEBCERT", "Webcert")
    assert created.refusal_code == "" and not created.sjf and len(created.chain) == 64

    lifecycle.save_draft(doctor, cert.id, content=complete_fk7804(), expected_version=1)
    await lifecycle.open_certificate(doctor, cert.id)
    assert (last().action, last().activity_type) == ("READ", "Läsa")
    await lifecycle.sign(doctor, cert.id)
    assert (last().action, last().activity_type) == ("SIGN", "Signera")
    await lifecycle.send(doctor, cert.id, patient_consent=True)
    assert (last().action, last().activity_type, last().detail) == ("SEND", "Utskrift", "FK")
    await printing.print_certificate(doctor, cert.id, minimal=True)
    assert (last().action, last().detail) == ("PRINT", "minimalt intyg")
    await printing.print_certificate(doctor, cert.id)
    assert (last().action, last().detail) == ("PRINT", "fullständigt intyg")
    await lifecycle.revoke(doctor, cert.id, reason_code="FELAKTIG_PATIENT")
    assert (last().action, last().activity_type) == ("REVOKE", "Radera")
    assert chain_ok()


async def test_delete_renew_replace_copy(migrated_db, sim) -> None:
    doctor = await login()
    gone = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    await lifecycle.delete_draft(doctor, gone.id)
    assert (last().action, last().activity_type, last().certificate_id) == (
        "DELETE",
        "Radera",
        gone.id,
    )
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    lifecycle.save_draft(doctor, cert.id, content=complete_fk7804(), expected_version=1)
    await lifecycle.sign(doctor, cert.id)
    renewal = await lifecycle.renew(doctor, cert.id)
    assert (last().action, last().certificate_id, last().detail) == (
        "CREATE",
        renewal.id,
        f"RENEW {cert.id}",
    )
    replacement = await lifecycle.replace(doctor, cert.id)
    assert (last().certificate_id, last().detail) == (replacement.id, f"REPLACE {cert.id}")
    locked = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    force(locked.id, status="LOCKED")
    copy = await lifecycle.copy_locked(doctor, locked.id)
    assert (last().certificate_id, last().detail) == (copy.id, f"COPY {locked.id}")


async def test_autosave_one_record_per_draft_user_and_minute(migrated_db, sim, monkeypatch):
    doctor = await login()
    admin = await login(ADMIN)
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    version = 1
    for i in range(5):
        version = lifecycle.save_draft(
            doctor, cert.id, content={"ovrigt": f"text {i}"}, expected_version=version
        ).version
    writes = records(certificate_id=cert.id, action="WRITE")
    assert len(writes) == 1
    # Another user on the same draft in the same minute gets a record of their own.
    version = lifecycle.save_draft(
        admin, cert.id, content={"ovrigt": "adm"}, expected_version=version
    ).version
    assert [w.user_id for w in records(certificate_id=cert.id, action="WRITE")] == [DOCTOR, ADMIN]
    # The log page shows the count of the open minute.
    reader_token = await identity.login("SYNT-PDL-ALVC", None, origin="TEST")
    reader = identity.get_session(reader_token)
    rows = pdl_log.read_page(reader, pdl_log.LogFilter.parse(patient=TOLVAN, action="WRITE")).rows
    assert [(r["user_id"], r["count"]) for r in rows] == [(ADMIN, "1"), (DOCTOR, "5")]
    # A minute later: a new record, naming the closed minute's count (sealed in the chain).
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(seconds=61))
    lifecycle.save_draft(doctor, cert.id, content={"ovrigt": "senare"}, expected_version=version)
    writes = records(certificate_id=cert.id, action="WRITE", user_id=DOCTOR)
    assert len(writes) == 2 and "föregående minut: 5 sparningar" in writes[-1].detail
    assert chain_ok()


async def test_refused_attempts_are_logged_with_their_code(migrated_db, sim) -> None:
    doctor = await login()
    admin = await login(ADMIN)
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    lifecycle.save_draft(doctor, cert.id, content=complete_fk7804(), expected_version=1)
    with pytest.raises(NotAuthorized):
        await lifecycle.sign(admin, cert.id)  # table 3: only läkare/tandläkare sign
    refusal = last()
    assert (refusal.action, refusal.refusal_code, refusal.user_id) == (
        "SIGN",
        "ROLE_FUNCTION",
        ADMIN,
    )
    assert refusal.patient_id == TOLVAN and refusal.certificate_id == cert.id
    assert refusal.detail.startswith("Nekad: signera intyg")
    elsewhere = await login(DOCTOR, OTHER_UNIT)
    with pytest.raises(NotAuthorized):
        await lifecycle.open_certificate(elsewhere, cert.id)
    assert (last().action, last().refusal_code, last().unit_id) == (
        "READ",
        "OTHER_UNIT",
        OTHER_UNIT,
    )
    with pytest.raises(NotAuthorized):
        lifecycle.save_draft(elsewhere, cert.id, content={}, expected_version=2)
    assert (last().action, last().refusal_code) == ("WRITE", "OTHER_UNIT")
    with pytest.raises(NotAuthorized):  # sekretessmarkerad patient, vårdadministratör
        await lifecycle.create_draft(admin, cert_type="fk7804", personnummer=MAJ_SEKRETESS)
    assert (last().action, last().refusal_code, last().patient_id) == (
        "CREATE",
        "SEKRETESS",
        MAJ_SEKRETESS,
    )
    # A refusal is its own transaction: nothing of the refused action is written.
    assert [r.action for r in records(certificate_id=cert.id, refusal_code="")] == [
        "CREATE",
        "WRITE",
    ]
    assert chain_ok()


async def test_sjf_read_of_another_units_certificate_is_marked(migrated_db, sim) -> None:
    doctor = await login()
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    lifecycle.save_draft(doctor, cert.id, content=complete_fk7804(), expected_version=1)
    await lifecycle.sign(doctor, cert.id)
    elsewhere = await login(DOCTOR, OTHER_UNIT, sjf=True)
    await lifecycle.open_certificate(elsewhere, cert.id)
    read = last()
    assert (read.action, read.sjf, read.unit_id, read.resource_unit_id) == (
        "READ",
        True,
        OTHER_UNIT,
        UNIT,
    )
    await lifecycle.open_certificate(doctor, cert.id)
    assert not last().sjf


async def test_unit_list_records_each_patient_shown(migrated_db, sim) -> None:
    doctor = await login()
    a = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    b = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    c = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=LILLTOLVAN)
    admin = await login(ADMIN)
    sekretess = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=MAJ_SEKRETESS)
    shown = lifecycle.list_for_unit(admin)
    assert sekretess.id not in {r["id"] for r in shown}  # not shown, so not logged
    lists = records(action="LIST")
    assert {r.patient_id for r in lists} == {TOLVAN, LILLTOLVAN}
    by_patient = {r.patient_id: r for r in lists}
    assert a.id in by_patient[TOLVAN].detail and b.id in by_patient[TOLVAN].detail
    assert c.id in by_patient[LILLTOLVAN].detail
    assert all(r.user_id == ADMIN and r.activity_type == "Läsa" for r in lists)
    assert by_patient[TOLVAN].resource_type == "Intygslista"


@pytest.fixture
async def api(migrated_db, sim, monkeypatch) -> AsyncIterator[httpx.AsyncClient]:
    ehr_systems(monkeypatch)
    async with api_client(headers={"X-Api-Key": "demo-ehr-key"}) as client:
        yield client


async def test_ehr_api_names_the_person_and_the_system(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/v1/certificates", json=draft_request())
    assert created.status_code == 201, created.text
    cert_id = created.json()["id"]
    assert (last().action, last().user_id, last().system_name) == ("CREATE", DOCTOR, "demo-ehr")
    r = await api.get(f"/api/v1/certificates/{cert_id}", params={"user_hsa_id": DOCTOR})
    assert r.status_code == 200
    read = last()
    assert (read.action, read.user_id, read.role, read.unit_id) == ("READ", DOCTOR, "LAKARE", UNIT)
    assert (read.system_id, read.system_name) == ("EHR:demo-ehr", "demo-ehr")
    r = await api.get(f"/api/v1/certificates/{cert_id}")
    assert r.status_code == 200
    assert (last().user_id, last().role, last().system_name) == (
        "system:demo-ehr",
        "JOURNALSYSTEM",
        "demo-ehr",
    )
    assert last().care_provider_id == ALFA  # the system's access shows in Alfa's log
    r = await api.get(f"/api/v1/units/{UNIT}/certificates", params={"user_hsa_id": ADMIN})
    assert r.status_code == 200
    listed = last()
    assert (listed.action, listed.patient_id, listed.user_id) == ("LIST", TOLVAN, ADMIN)
    assert cert_id in listed.detail and listed.system_name == "demo-ehr"
    # A person without a commission on the unit: refused, and the attempt is logged.
    r = await api.get(
        f"/api/v1/certificates/{cert_id}", params={"user_hsa_id": "TSTNMT2321000156-1079"}
    )
    assert r.status_code == 403
    assert (last().action, last().refusal_code, last().certificate_id) == (
        "READ",
        "NOT_AUTHORIZED",
        cert_id,
    )
    # A system reaching for a unit it does not cover: refused and logged.
    r = await api.get(f"/api/v1/certificates/{cert_id}", headers={"X-Api-Key": "scoped-key"})
    assert r.status_code == 403
    assert (last().refusal_code, last().system_name, last().patient_id) == (
        "UNIT_NOT_ALLOWED",
        "scoped",
        TOLVAN,
    )
    assert chain_ok()


async def test_every_audited_action_of_a_run_leaves_its_record(migrated_db, sim) -> None:
    """A run of actions, each noted as (action, user, certificate or patient, refused?) when it
    is performed; afterwards the log must hold exactly these records, in this order."""
    performed: list[tuple[str, str, str, bool]] = []
    doctor = await login()
    admin = await login(ADMIN)
    performed.append(("LOGIN", DOCTOR, "", False))
    performed.append(("LOGIN", ADMIN, "", False))

    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    performed.append(("CREATE", DOCTOR, cert.id, False))
    v = lifecycle.save_draft(doctor, cert.id, content={"ovrigt": "a"}, expected_version=1).version
    performed.append(("WRITE", DOCTOR, cert.id, False))
    v = lifecycle.save_draft(doctor, cert.id, content=complete_fk7804(), expected_version=v).version
    # (same minute: counted, no new record)
    await lifecycle.open_certificate(admin, cert.id)
    performed.append(("READ", ADMIN, cert.id, False))
    with pytest.raises(NotAuthorized):
        await lifecycle.sign(admin, cert.id)
    performed.append(("SIGN", ADMIN, cert.id, True))
    await lifecycle.sign(doctor, cert.id, expected_version=v)
    performed.append(("SIGN", DOCTOR, cert.id, False))
    await lifecycle.sign(doctor, cert.id)  # a second click: no second signature, no record
    lifecycle.list_for_unit(doctor)
    performed.append(("LIST", DOCTOR, TOLVAN, False))
    await printing.print_certificate(doctor, cert.id)
    performed.append(("READ", DOCTOR, cert.id, False))  # printing opens it first
    performed.append(("PRINT", DOCTOR, cert.id, False))
    await lifecycle.send(doctor, cert.id, patient_consent=True)
    performed.append(("SEND", DOCTOR, cert.id, False))
    renewal = await lifecycle.renew(admin, cert.id)
    performed.append(("CREATE", ADMIN, renewal.id, False))
    await lifecycle.delete_draft(admin, renewal.id)
    performed.append(("DELETE", ADMIN, renewal.id, False))
    await lifecycle.revoke(doctor, cert.id, reason_code="FELAKTIG_PATIENT")
    performed.append(("REVOKE", DOCTOR, cert.id, False))

    written = [
        (r.action, r.user_id, r.certificate_id or r.patient_id or "", bool(r.refusal_code))
        for r in records()
    ]
    assert written == performed
    assert Counter(a for a, *_ in written) == Counter(a for a, *_ in performed)
    assert chain_ok()

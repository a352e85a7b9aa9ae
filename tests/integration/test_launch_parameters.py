"""§3.2: the EHR's patient parameters on the deep link (alternatePatientSSn, name/address)."""

from __future__ import annotations

from sqlalchemy import update

from services import identity, launch, lifecycle
from services.persistence.db import session_scope
from services.persistence.models import Certificate, CertificateStatus
from tests.factories import DOCTOR, TOLVAN, UNIT

LILLTOLVAN = "201212121212"


async def _user(cert_id: str, **params: str) -> identity.SessionUser:
    """A session launched for ``cert_id`` with the given §3.2 parameters."""
    token = await identity.login(
        DOCTOR,
        UNIT,
        origin="DJUPINTEGRATION",
        params=identity.parse_launch_params(params),
        certificate_id=cert_id,
    )
    return identity.get_session(token)


async def _draft() -> Certificate:
    creator = await identity.acting_user(DOCTOR, UNIT)
    return await lifecycle.create_draft(creator, cert_type="fk7804", personnummer=TOLVAN)


def _load(cert_id: str) -> Certificate:
    with session_scope() as s:
        return s.get(Certificate, cert_id)


async def test_alternate_ssn_replaces_the_patient_of_a_draft(migrated_db, sim) -> None:
    cert = await _draft()
    user = await _user(cert.id, alternatePatientSSn="20121212-1212")
    notice = await launch.apply_patient_parameters(user, cert.id)
    row = _load(cert.id)
    assert row.patient_id == LILLTOLVAN and row.patient["first_name"] == "Lilltolvan"
    assert "20121212-1212" in notice
    assert await launch.apply_patient_parameters(user, cert.id) == ""  # idempotent


async def test_alternate_ssn_only_informs_on_a_signed_certificate(migrated_db, sim) -> None:
    cert = await _draft()
    with session_scope() as s:
        s.execute(
            update(Certificate)
            .where(Certificate.id == cert.id)
            .values(status=CertificateStatus.SIGNED)
        )
    user = await _user(cert.id, alternatePatientSSn=LILLTOLVAN)
    notice = await launch.apply_patient_parameters(user, cert.id)
    assert "har ändrats" in notice and _load(cert.id).patient_id == TOLVAN


async def test_invalid_alternate_ssn_is_reported_and_ignored(migrated_db, sim) -> None:
    cert = await _draft()
    user = await _user(cert.id, alternatePatientSSn="19121212-1213")  # wrong check digit
    notice = await launch.apply_patient_parameters(user, cert.id)
    assert "ogiltigt" in notice and _load(cert.id).patient_id == TOLVAN


async def test_ehr_patient_details_fill_what_pu_lacks(migrated_db, sim) -> None:
    cert = await _draft()
    with session_scope() as s:
        row = s.get(Certificate, cert.id)
        row.patient = {**row.patient, "address": ""}
        s.add(row)
    user = await _user(cert.id, postadress="Journalvägen 3", fornamn="Annat Namn")
    await launch.apply_patient_parameters(user, cert.id)
    patient = _load(cert.id).patient
    assert patient["address"] == "Journalvägen 3"  # missing in PU: the EHR's value
    assert patient["first_name"] == "Tolvan"  # PU's value wins

"""The sick-leave spell reads earlier signed FK7804 through the access rules (issue 20, item 5).

Certificates are stored rows in a real (SQLite) database; the user is a session user on one
care unit. Expectations: only this patient's signed/sent FK7804 at the same care provider that
the user may read count; drafts, revoked certificates, other care providers, other patients and
other types do not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from services.hsa import CareUnit
from services.identity import SessionUser
from services.persistence.db import session_scope
from services.persistence.models import AuditRecord, Certificate, CertificateStatus, RelationKind
from services.sick_leave import SPELL_READ_DETAIL, earlier_periods, length_check
from tests.factories import DOCTOR, UNIT, session_user

S = CertificateStatus
PATIENT = "191212121212"
OTHER_PATIENT = "194011306125"
PROVIDER = "TSTNMT2321000156-1002"
OTHER_PROVIDER = "TSTNMT2321000156-9999"
SAME_PROVIDER_UNIT = "TSTNMT2321000156-ALMC"
D = date(2026, 3, 2)


def _user(**params: object) -> SessionUser:
    unit = CareUnit(UNIT, "Alfa Vårdcentral", PROVIDER, "Alfa Regionen")
    return session_user(unit=unit, units=(unit,), hsa_id=DOCTOR, name="Ajla Doktor", params=params)


def _cert(
    first: int,
    last: int,
    *,
    status: S = S.SIGNED,
    provider: str = PROVIDER,
    unit: str = UNIT,
    patient: str = PATIENT,
    cert_type: str = "fk7804",
    parent: str | None = None,
    relation: RelationKind | None = None,
) -> str:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    cert = Certificate(
        type=cert_type,
        type_version="1.3",
        status=status,
        patient_id=patient,
        patient={"personnummer": patient},
        unit_id=unit,
        care_provider_id=provider,
        content={
            "diagnoser": [{"code": "J20", "text": "Akut bronkit", "system": "ICD_10_SE"}],
            "sjukskrivningar": {
                "HELT_NEDSATT": {
                    "from": (D + timedelta(first)).isoformat(),
                    "to": (D + timedelta(last)).isoformat(),
                }
            },
        },
        parent_id=parent,
        relation_kind=relation,
        created_at=now,
        created_by="x",
        updated_at=now,
        updated_by="x",
    )
    with session_scope() as s:
        s.add(cert)
    return cert.id


@pytest.fixture
def draft(db: str) -> str:
    """This certificate: a renewal draft at the user's unit, 7 days from D."""
    return _cert(0, 6, status=S.DRAFT)


def test_only_readable_signed_fk7804_at_the_same_care_provider_count(draft: str) -> None:
    _cert(-10, -1)  # signed, joins
    _cert(-30, -20, status=S.SENT)  # sent counts too (a separate spell here)
    _cert(-50, -45, status=S.REVOKED)  # revoked: never
    _cert(-60, -55, status=S.DRAFT)  # another draft: never
    _cert(-12, -11, provider=OTHER_PROVIDER, unit="TSTNMT2321000156-OTHR")  # other care provider
    _cert(-12, -11, patient=OTHER_PATIENT)  # other patient
    _cert(-12, -11, cert_type="fk7263")  # other type
    other_unit = _cert(-70, -65, unit=SAME_PROVIDER_UNIT)  # same provider, another unit

    found = sorted(earlier_periods(_user(), draft))
    assert found == [
        [(D - timedelta(30), D - timedelta(20))],
        [(D - timedelta(10), D - timedelta(1))],
    ]
    # With sammanhållen journalföring the other unit's certificate is readable and counts.
    with_sjf = earlier_periods(_user(sjf=True), draft)
    assert [(D - timedelta(70), D - timedelta(65))] in with_sjf and len(with_sjf) == 3
    assert other_unit


def test_each_earlier_certificate_read_for_the_spell_is_in_the_pdl_log(draft: str) -> None:
    """Issue 18: reading another certificate's periods is a read of patient data: one READ
    record per certificate counted, none for those not read (another care provider)."""
    counted = _cert(-10, -1)
    _cert(-12, -11, provider=OTHER_PROVIDER, unit="TSTNMT2321000156-OTHR")
    assert len(earlier_periods(_user(), draft)) == 1
    with session_scope() as s:
        rows = s.exec(select(AuditRecord).where(AuditRecord.detail == SPELL_READ_DETAIL)).all()
    assert [
        (r.certificate_id, r.action, r.user_id, r.patient_id, r.activity_type) for r in rows
    ] == [(counted, "READ", DOCTOR, PATIENT, "Läsa")]


def test_other_care_providers_do_not_join_the_spell(draft: str) -> None:
    _cert(-14, -1, provider=OTHER_PROVIDER, unit="TSTNMT2321000156-OTHR")
    content = {
        "diagnoser": [{"code": "J20", "text": "Akut bronkit", "system": "ICD_10_SE"}],
        "sjukskrivningar": {
            "HELT_NEDSATT": {"from": D.isoformat(), "to": (D + timedelta(6)).isoformat()}
        },
    }
    check = length_check("fk7804", content, earlier_periods(_user(), draft))
    assert check is not None and check.spell.days == 7 and not check.exceeds
    _cert(-14, -1)  # the same two weeks at this care provider: 21 days > J20's 14
    check = length_check("fk7804", content, earlier_periods(_user(), draft))
    assert check is not None and check.spell.days == 21 and check.exceeds


def test_replaced_certificates_count_once(db: str) -> None:
    original = _cert(-30, -1)  # 30 days, signed
    # A signed replacement with a shorter period: the replaced original no longer counts.
    _cert(-30, -16, parent=original, relation=RelationKind.REPLACE)
    renewal = _cert(0, 6, status=S.DRAFT)
    assert earlier_periods(_user(), renewal) == [[(D - timedelta(30), D - timedelta(16))]]


def test_a_replacing_draft_takes_the_place_of_its_original(db: str) -> None:
    original = _cert(-30, -1)
    replacing = _cert(-30, -20, status=S.DRAFT, parent=original, relation=RelationKind.REPLACE)
    assert earlier_periods(_user(), replacing) == []
    renewing = _cert(0, 6, status=S.DRAFT, parent=original, relation=RelationKind.RENEW)
    assert earlier_periods(_user(), renewing) == [[(D - timedelta(30), D - timedelta(1))]]

"""Test data for the testability API and the demo seed: certificates in any state."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from services import audit, clock, drafts, identity, patients
from services.certificate_access import new_certificate, patient_snapshot
from services.certificates import get_definition
from services.errors import InvalidInput, NotFound
from services.identity import require_unit
from services.persistence.db import session_scope
from services.persistence.models import Certificate, CertificateStatus
from services.signing import content_hash, issuer_snapshot

LEGACY_STATUSES = (CertificateStatus.SIGNED, CertificateStatus.SENT, CertificateStatus.REVOKED)


def example_fk7263(today: date) -> dict[str, Any]:
    """A filled-in FK7263 (the old sick-pay certificate), as it was signed in its day."""
    start = today - timedelta(days=20)
    return {
        "diagnoser": [{"code": "M545", "text": "Lumbago", "system": "ICD_10_SE"}],
        "sjukdomsforlopp": "Akut insättande ländryggssmärta efter lyft på arbetet.",
        "funktionsnedsattning": "Nedsatt rörlighet i ländryggen, smärta vid framåtböjning.",
        "intyget_baseras_pa": {"UNDERSOKNING": start.isoformat()},
        "aktivitetsbegransning": "Kan inte lyfta mer än 5 kg eller sitta längre än 30 minuter.",
        "rekommendationer": ["KONTAKT_FHV"],
        "planerad_behandling": "Sjukgymnastik två gånger i veckan.",
        "rehabilitering": "GAR_INTE_ATT_BEDOMA",
        "arbetsformaga_bedoms_mot": ["NUVARANDE_ARBETE"],
        "nuvarande_arbetsuppgifter": "Lagerarbetare med tunga lyft.",
        "sjukskrivningar": {
            "HELT_NEDSATT": {
                "from": start.isoformat(),
                "to": (start + timedelta(days=13)).isoformat(),
            },
            "HALFTEN": {
                "from": (start + timedelta(days=14)).isoformat(),
                "to": (start + timedelta(days=27)).isoformat(),
            },
        },
        "prognos": "JA",
        "arbetsresor": False,
        "ovrigt": "Intyget är utfärdat på den äldre blanketten FK7263.",
    }


async def create_legacy_certificate(
    user: identity.SessionUser,
    *,
    cert_type: str,
    personnummer: str,
    content: dict[str, Any],
    status: CertificateStatus = CertificateStatus.SIGNED,
) -> Certificate:
    """A signed certificate of a read-only type (FK7263, §2.4 table 2: only viewed and
    printed, never created in Webcert) as it would have been signed in its day: test data
    and demo data only. Any other type goes through the services like a real draft."""
    definition = get_definition(cert_type)
    if not definition.read_only:
        raise InvalidInput("Intygstypen skapas som utkast.", field="type")
    if status not in LEGACY_STATUSES:
        raise InvalidInput(
            f"{definition.form_id} finns bara som signerat intyg (SIGNED, SENT, REVOKED).",
            field="status",
        )
    unit = require_unit(user)
    patient = await patients.get_patient(personnummer)
    if patient is None:
        raise NotFound("Patienten finns inte i personuppgiftstjänsten.")
    cert = new_certificate(
        user,
        unit,
        definition,
        patient_id=patient.personnummer,
        patient=patient_snapshot(patient),
        content=content,
        created_alive=not patient.deceased,
        ehr_ref=None,
    )
    now = cert.created_at
    cert.status = status
    cert.signed_at = now
    cert.signed_by = user.hsa_id
    cert.signed_by_name = user.name
    cert.signed_by_role = user.role
    cert.issuer = issuer_snapshot(user)
    cert.signature_hash = content_hash(cert)
    cert.sent_at = now if status != CertificateStatus.SIGNED else None
    cert.revoked_at = now if status == CertificateStatus.REVOKED else None
    with session_scope() as s:
        s.add(cert)
        audit.record_for(user, audit.AuditAction.CREATE, cert, "Testdata", session=s)
    return cert


async def create_certificate_in_state(body: dict[str, Any]) -> Certificate:
    """Create a certificate directly in ``body['status']`` (DRAFT, LOCKED, SIGNED, SENT...).
    A read-only type (FK7263) is made signed, as it was in its day."""
    try:
        status = CertificateStatus(str(body.get("status", "DRAFT")))
    except ValueError as exc:
        raise InvalidInput("Okänd status.", field="status") from exc
    content = body.get("content") or {}
    if not isinstance(content, dict):
        raise InvalidInput("content måste vara ett objekt.", field="content")
    user = await identity.acting_user(str(body.get("hsa_id", "")), str(body.get("unit_id", "")))
    try:
        definition = get_definition(str(body.get("type", "fk7804")))
    except KeyError as exc:
        raise InvalidInput("Okänd intygstyp.", field="type") from exc
    if definition.read_only:
        return await create_legacy_certificate(
            user,
            cert_type=definition.type,
            personnummer=str(body.get("personnummer")),
            content=content or example_fk7263(clock.today()),
            status=status,
        )
    cert = await drafts.create_draft(
        user, cert_type=str(body.get("type", "fk7804")), personnummer=str(body.get("personnummer"))
    )
    days = body.get("created_days_ago", 0)
    with session_scope() as s:
        row = s.get(Certificate, cert.id)
        assert row is not None
        row.content = content
        row.status = status
        if isinstance(days, int) and days > 0:
            row.created_at = clock.now() - timedelta(days=days)
        if status in (CertificateStatus.SIGNED, CertificateStatus.SENT, CertificateStatus.REVOKED):
            row.signed_at = clock.now()
            row.signed_by = user.hsa_id
            row.signed_by_name = user.name
            row.signed_by_role = user.role
        if status == CertificateStatus.SENT:
            row.sent_at = clock.now()
        if status == CertificateStatus.REVOKED:
            row.revoked_at = clock.now()
        s.add(row)
        return row

"""What an EHR system (journalsystem) may do through the API: every rule, once.

The HTTP layer (``webcert_ui.api``) parses requests and calls these functions; they check the
system's scope (its care units), load, audit and shape the answer. A system is identified by
its API key (:func:`system_for_key`) and acts only for the units it covers; every read and
print is audited as the system.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlmodel import Session, col, select

from services import audit, notifications
from services.certificate_summary import certificate_detail, certificate_summary
from services.errors import InvalidInput, NotAuthorized, NotFound
from services.persistence.db import session_scope
from services.persistence.models import Certificate, CertificateStatus
from services.settings import EhrSystem, get_settings

DEFAULT_LIMIT = 200


class UnitNotAllowed(NotAuthorized):
    code = "UNIT_NOT_ALLOWED"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


def system_for_key(key: str) -> EhrSystem:
    """The EHR system owning the API key; NotAuthorized (UNAUTHENTICATED) otherwise."""
    if key:
        for system in get_settings().ehr_system_list():
            if secrets.compare_digest(key.encode(), system.api_key.encode()):
                return system
    raise NotAuthorized(
        "Ogiltig eller saknad API-nyckel (ange den i huvudet X-Api-Key).", code="UNAUTHENTICATED"
    )


def require_unit(system: EhrSystem, unit_id: str, field: str | None = None) -> None:
    """Refuse a care unit the system may not act for."""
    if not system.covers(unit_id):
        raise UnitNotAllowed(
            f"Journalsystemet {system.name} får inte hantera vårdenheten {unit_id}.", field=field
        )


def record(
    s: Session, system: EhrSystem, action: audit.AuditAction, cert: Certificate, detail: str = ""
) -> None:
    """The PDL audit record of the system acting on ``cert``."""
    audit.record(
        s,
        user_id=f"system:{system.name}"[:64],
        user_name=system.name,
        role="JOURNALSYSTEM",
        unit_id=cert.unit_id,
        action=action,
        certificate_id=cert.id,
        patient_id=cert.patient_id,
        detail=detail or "EHR API",
    )


def _load(
    s: Session, system: EhrSystem, certificate_id: str, field: str | None = None
) -> Certificate:
    cert = s.get(Certificate, certificate_id)
    if cert is None:
        raise NotFound("Intyget finns inte.")
    require_unit(system, cert.unit_id, field)
    return cert


def check_launch_target(system: EhrSystem, certificate_id: str) -> None:
    """A launch token may only be asked for a certificate on one of the system's units."""
    with session_scope() as s:
        cert = s.get(Certificate, certificate_id)
        if cert is None:
            raise NotFound("Intyget finns inte.", code="CERTIFICATE_NOT_FOUND")
        require_unit(system, cert.unit_id, "certificate_id")


def list_certificates(
    system: EhrSystem,
    unit_id: str,
    *,
    patient_id: str | None = None,
    statuses: list[CertificateStatus] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    """The unit's certificates, newest change first, as summaries with question counts
    (ListCertificatesForCareWithQA)."""
    require_unit(system, unit_id, "unit_id")
    stmt = select(Certificate).where(Certificate.unit_id == unit_id)
    if patient_id is not None:
        stmt = stmt.where(Certificate.patient_id == patient_id)
    if statuses is not None:
        stmt = stmt.where(col(Certificate.status).in_(statuses))
    stmt = stmt.order_by(col(Certificate.updated_at).desc(), col(Certificate.id)).limit(limit)
    with session_scope() as s:
        certs = list(s.exec(stmt).all())
        counts = notifications.question_counts_for(s, [c.id for c in certs])
    return [certificate_summary(c, counts[c.id]) for c in certs]


def get_certificate(system: EhrSystem, certificate_id: str) -> dict[str, Any]:
    """One certificate in full (content, status, patient, question counts); audited."""
    with session_scope() as s:
        cert = _load(s, system, certificate_id)
        counts = notifications.question_counts(s, cert.id)
        record(s, system, audit.AuditAction.READ, cert)
        return certificate_detail(cert, counts)


async def certificate_pdf(
    system: EhrSystem, certificate_id: str, *, minimal: bool
) -> tuple[bytes, str]:
    """The certificate as a PDF and its file name (§4.5; ``minimal``: §4.5.3); audited."""
    from services.pdf import render_pdf_async  # fpdf2 and fonts load on first print
    from services.printing import printable  # shared with the certificate page's "Skriv ut"

    with session_scope() as s:
        cert = _load(s, system, certificate_id)
        printable_cert = printable(cert)
    try:
        data = await render_pdf_async(printable_cert, minimal=minimal)
    except ValueError as exc:  # e.g. no minimal print for this type
        raise InvalidInput(str(exc), field="minimal", code="NOT_PRINTABLE") from None
    with session_scope() as s:
        record(s, system, audit.AuditAction.PRINT, cert, "minimal" if minimal else "")
    return data, f"intyg-{cert.type}-{cert.id}.pdf"

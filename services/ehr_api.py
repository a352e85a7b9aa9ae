"""What an EHR system (journalsystem) may do through the API: every rule, once.

The HTTP layer (``webcert_ui.api``) parses requests and calls these functions; they check the
system's scope (its care units), load, audit and shape the answer. A system is identified by
its API key (:func:`system_for_key`) and acts only for the units it covers. Every read,
list and print is audited: the acting person when the call names one (``user_hsa_id``, checked
in HSA like a login), and the system always; refused attempts are audited too.
"""

from __future__ import annotations

import secrets
from types import SimpleNamespace
from typing import Any

from sqlmodel import Session, col, select

from services import audit, hsa, identity, notifications
from services.certificate_summary import certificate_detail, certificate_summary
from services.certificates import all_definitions
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


def certificate_types() -> list[dict[str, Any]]:
    """The types an EHR may create drafts of (all but the read-only FK7263), with their form
    id, name, recipient and the roles that may write them (manual table 2)."""
    return [
        {
            "type": d.type,
            "formId": d.form_id,
            "name": d.name,
            "recipient": d.recipient.value,
            "roles": sorted(r.value for r in d.roles),
        }
        for d in all_definitions()
        if not d.read_only
    ]


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


def system_actor(system: EhrSystem, unit_id: str, care_provider_id: str = "") -> Any:
    """The journalsystem itself as the actor of an API call that names no person."""
    return SimpleNamespace(
        hsa_id=f"system:{system.name}"[:64],
        name=system.name,
        role="JOURNALSYSTEM",
        unit=hsa.CareUnit(hsa_id=unit_id, name="", care_provider_id=care_provider_id),
    )


async def acting_person(
    system: EhrSystem, hsa_id: str | None, unit_id: str, cert: Certificate | None = None
) -> identity.SessionUser | None:
    """The person an API call is made for, checked in HSA (a commission on ``unit_id``); None
    when the call names nobody (the PDL log then names the system only). A refusal is logged."""
    if hsa_id is None:
        return None
    try:
        return await identity.acting_user(hsa_id, unit_id, system_name=system.name)
    except NotAuthorized as exc:
        audit.refused(
            system_actor(system, unit_id, cert.care_provider_id if cert else ""),
            audit.AuditAction.LIST if cert is None else audit.AuditAction.READ,
            cert,
            code=exc.code,
            detail=f"{hsa_id}: {exc.message}",
            system=audit.ehr_system(system.name),
        )
        raise


def record(
    system: EhrSystem,
    action: audit.AuditAction,
    cert: Certificate,
    detail: str = "",
    person: identity.SessionUser | None = None,
    *,
    session: Session,
) -> None:
    """The PDL audit record of an API access to ``cert``: the person if named, the system
    always."""
    actor = person or system_actor(system, cert.unit_id, cert.care_provider_id)
    audit.record_for(
        actor,
        action,
        cert,
        detail or "EHR API",
        session=session,
        system=audit.ehr_system(system.name),
    )


def _load(
    s: Session,
    system: EhrSystem,
    certificate_id: str,
    field: str | None = None,
    action: audit.AuditAction = audit.AuditAction.READ,
) -> Certificate:
    cert = s.get(Certificate, certificate_id)
    if cert is None:
        raise NotFound("Intyget finns inte.")
    try:
        require_unit(system, cert.unit_id, field)
    except UnitNotAllowed as exc:  # an attempt on another unit's patient data: logged
        audit.refused(
            system_actor(system, ""),
            action,
            cert,
            code=exc.code,
            detail=exc.message,
            system=audit.ehr_system(system.name),
        )
        raise
    return cert


def check_launch_target(system: EhrSystem, certificate_id: str) -> None:
    """A launch token may only be asked for a certificate on one of the system's units."""
    with session_scope() as s:
        cert = s.get(Certificate, certificate_id)
        if cert is None:
            raise NotFound("Intyget finns inte.", code="CERTIFICATE_NOT_FOUND")
        require_unit(system, cert.unit_id, "certificate_id")


async def list_certificates(
    system: EhrSystem,
    unit_id: str,
    *,
    patient_id: str | None = None,
    statuses: list[CertificateStatus] | None = None,
    limit: int = DEFAULT_LIMIT,
    user_hsa_id: str | None = None,
) -> list[dict[str, Any]]:
    """The unit's certificates, newest change first, as summaries with question counts
    (ListCertificatesForCareWithQA). Audited: one LIST record per patient shown."""
    require_unit(system, unit_id, "unit_id")
    person = await acting_person(system, user_hsa_id, unit_id)
    stmt = select(Certificate).where(Certificate.unit_id == unit_id)
    if patient_id is not None:
        stmt = stmt.where(Certificate.patient_id == patient_id)
    if statuses is not None:
        stmt = stmt.where(col(Certificate.status).in_(statuses))
    stmt = stmt.order_by(col(Certificate.updated_at).desc(), col(Certificate.id)).limit(limit)
    with session_scope() as s:
        certs = list(s.exec(stmt).all())
        counts = notifications.question_counts_for([c.id for c in certs], session=s)
        audit.record_list(
            person or system_actor(system, unit_id),
            certs,
            session=s,
            detail="EHR API: vårdenhetens intyg",
            system=audit.ehr_system(system.name),
        )
    return [certificate_summary(c, counts[c.id]) for c in certs]


async def get_certificate(
    system: EhrSystem, certificate_id: str, *, user_hsa_id: str | None = None
) -> dict[str, Any]:
    """One certificate in full (content, status, patient, question counts); audited."""
    person = None
    if user_hsa_id is not None:
        with session_scope() as s:
            cert = _load(s, system, certificate_id)
        person = await acting_person(system, user_hsa_id, cert.unit_id, cert)
    with session_scope() as s:
        cert = _load(s, system, certificate_id)
        counts = notifications.question_counts(cert.id, session=s)
        record(system, audit.AuditAction.READ, cert, session=s, person=person)
        return certificate_detail(cert, counts)


async def certificate_pdf(
    system: EhrSystem, certificate_id: str, *, minimal: bool, user_hsa_id: str | None = None
) -> tuple[bytes, str]:
    """The certificate as a PDF and its file name (§4.5; ``minimal``: §4.5.3); audited."""
    from services.pdf import render_pdf_async  # fpdf2 and fonts load on first print
    from services.printing import printable  # shared with the certificate page's "Skriv ut"

    with session_scope() as s:
        cert = _load(s, system, certificate_id, action=audit.AuditAction.PRINT)
        printable_cert = printable(cert)
    person = await acting_person(system, user_hsa_id, cert.unit_id, cert)
    try:
        data = await render_pdf_async(printable_cert, minimal=minimal)
    except ValueError as exc:  # e.g. no minimal print for this type
        raise InvalidInput(str(exc), field="minimal", code="NOT_PRINTABLE") from None
    with session_scope() as s:
        detail = "minimalt intyg" if minimal else "fullständigt intyg"
        record(system, audit.AuditAction.PRINT, cert, detail, session=s, person=person)
    return data, f"intyg-{cert.type}-{cert.id}.pdf"

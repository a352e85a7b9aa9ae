"""Printing a certificate (§4.5): rights, mapping to the PDF renderer, audit.

Shared by the certificate page ("Skriv ut") and the EHR API (GET .../pdf).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from services import audit, certificate_views
from services.certificates import get_definition
from services.errors import InvalidInput
from services.identity import SessionUser
from services.pdf import PrintableCertificate, PrintIssuer, PrintPatient, render_pdf_async
from services.persistence.db import session_scope
from services.persistence.models import Certificate, CertificateStatus
from services.rights import Action


@dataclass(frozen=True)
class PrintedDocument:
    filename: str
    data: bytes
    sekretess: bool


def printable(cert: Certificate) -> PrintableCertificate:
    """Map a certificate row to the PDF renderer's input."""
    status = {
        CertificateStatus.DRAFT: "draft",
        CertificateStatus.READY_FOR_SIGNING: "draft",
        CertificateStatus.LOCKED: "locked",
        CertificateStatus.SIGNED: "signed",
        CertificateStatus.SENT: "sent",
        CertificateStatus.REVOKED: "revoked" if cert.signed_at else "locked_revoked",
    }[cert.status]
    patient = cert.patient or {}
    name = " ".join(
        p for p in (patient.get(k) for k in ("first_name", "middle_name", "last_name")) if p
    )
    known = {f.name for f in dataclasses.fields(PrintIssuer)}
    issuer_kwargs = {k: v for k, v in dict(cert.issuer or {}).items() if k in known}
    if isinstance(issuer_kwargs.get("specialities"), list):
        issuer_kwargs["specialities"] = tuple(issuer_kwargs["specialities"])
    issuer_kwargs.setdefault("name", cert.signed_by_name or cert.created_by_name or cert.created_by)
    issuer_kwargs.setdefault("hsa_id", cert.signed_by or cert.created_by)
    issuer_kwargs.setdefault("care_unit_name", cert.unit_name)
    issuer_kwargs.setdefault("care_giver_name", cert.care_provider_name)
    return PrintableCertificate(
        definition=get_definition(cert.type),
        content=cert.content,
        certificate_id=cert.id,
        status=status,
        patient=PrintPatient(
            name=name or cert.patient_id,
            personnummer=f"{cert.patient_id[:8]}-{cert.patient_id[8:]}",
            sekretess=bool(patient.get("sekretess")),
        ),
        issuer=PrintIssuer(**issuer_kwargs),
        signed_at=cert.signed_at,
        revoked_at=cert.revoked_at,
        sent_at=cert.sent_at,
    )


async def print_certificate(
    user: SessionUser, certificate_id: str, *, minimal: bool = False
) -> PrintedDocument:
    """Render the PDF the user asked for, after checking the right to print; audited."""
    if not isinstance(minimal, bool):
        raise InvalidInput("Välj fullständigt eller minimalt intyg.", field="minimal")
    view = await certificate_views.open_certificate(user, certificate_id)
    if Action.PRINT not in view.actions:
        from services.errors import NotAuthorized

        raise NotAuthorized("Du får inte skriva ut det här intyget.")
    cert = view.certificate
    try:
        data = await render_pdf_async(printable(cert), minimal=minimal)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="minimal") from exc
    with session_scope() as s:
        audit.record(
            s,
            user_id=user.hsa_id,
            user_name=user.name,
            role=user.role,
            unit_id=user.unit.hsa_id if user.unit else "",
            action=audit.AuditAction.PRINT,
            certificate_id=cert.id,
            patient_id=cert.patient_id,
            detail="minimalt intyg" if minimal else "fullständigt intyg",
        )
    kind = "minimalt" if minimal else cert.status.value.lower()
    return PrintedDocument(
        filename=f"{cert.type}-{kind}-{cert.patient_id}.pdf",
        data=data,
        sekretess=bool((cert.patient or {}).get("sekretess")),
    )

"""Printing a certificate (§4.5): rights, mapping to the PDF renderer, audit.

Shared by the certificate page ("Skriv ut") and the EHR API (GET .../pdf).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from services import audit, certificate_views
from services.certificates import get_definition
from services.errors import InvalidInput
from services.hsa import CareUnit
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


# The issuer snapshot (lifecycle.issuer_snapshot) under the renderer's names (§4.5.3, table 4).
_ISSUER_KEYS = {
    "unit_name": "care_unit_name",
    "care_provider_name": "care_giver_name",
    "unit_address": "address",
    "unit_postal_code": "postal_code",
    "unit_city": "city",
    "unit_phone": "phone",
}


def _issuer(cert: Certificate, unit: CareUnit | None) -> PrintIssuer:
    """Intygsutfärdaren: the snapshot taken at signing; the care unit's address and phone
    from HSA (``unit``, the unit the certificate is written on) when it lacks them."""
    known = {f.name for f in dataclasses.fields(PrintIssuer)}
    snapshot = dict(cert.issuer or {})
    kwargs: dict[str, Any] = {k: v for k, v in snapshot.items() if k in known and v}
    for key, name in _ISSUER_KEYS.items():
        if snapshot.get(key) and not kwargs.get(name):
            kwargs[name] = snapshot[key]
    if unit is not None and unit.hsa_id == cert.unit_id:
        for name, value in (
            ("address", unit.address),
            ("postal_code", unit.postal_code),
            ("city", unit.city),
            ("phone", unit.phone),
            ("workplace_code", unit.workplace_code),
        ):
            kwargs.setdefault(name, value)
    if isinstance(kwargs.get("specialities"), list):
        kwargs["specialities"] = tuple(kwargs["specialities"])
    kwargs = {k: v if k == "specialities" else str(v) for k, v in kwargs.items() if v}
    kwargs.setdefault("name", cert.signed_by_name or cert.created_by_name or cert.created_by)
    kwargs.setdefault("hsa_id", cert.signed_by or cert.created_by)
    kwargs.setdefault("care_unit_name", cert.unit_name)
    kwargs.setdefault("care_giver_name", cert.care_provider_name)
    return PrintIssuer(**kwargs)


def printable(cert: Certificate, unit: CareUnit | None = None) -> PrintableCertificate:
    """Map a certificate row to the PDF renderer's input (``unit``: the printing user's care
    unit, for the unit's address and phone of a certificate without an issuer snapshot)."""
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
        issuer=_issuer(cert, unit),
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
        data = await render_pdf_async(printable(cert, user.unit), minimal=minimal)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="minimal") from exc
    with session_scope() as s:
        audit.record_for(
            user,
            audit.AuditAction.PRINT,
            cert,
            "minimalt intyg" if minimal else "fullständigt intyg",
            session=s,
        )
    kind = "minimalt" if minimal else cert.status.value.lower()
    return PrintedDocument(
        filename=f"{cert.type}-{kind}-{cert.patient_id}.pdf",
        data=data,
        sekretess=bool((cert.patient or {}).get("sekretess")),
    )

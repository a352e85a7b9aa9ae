"""Signing and "Markera klart för signering" (manual §4.2, §4.2.1).

Idempotency against double submission, on one worker or several:

* ``sign`` — compare-and-set on status and version. A second sign by the same user returns the
  already signed certificate (no second signature, audit record or notification); a sign by
  somebody else after it is refused ("Intyget är redan signerat").
* ``mark_ready_for_signing`` — the second returns the already marked draft.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import httpx

from services import audit, clock, notifications, question_handling, rights, sending
from services.certificate_access import (
    DRAFT_STATUSES,
    SIGNED_STATUSES,
    already_done,
    definition_for,
    edit_stamp,
    prepare,
    record,
    transition,
    who,
)
from services.certificates.base import CertificateDefinition, Recipient
from services.certificates.validation import Severity, validate
from services.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from services.identity import SessionUser, staff_at_unit
from services.interop import signing as interop_signing
from services.interop.register import from_certificate
from services.persistence.models import (
    Certificate,
    CertificateStatus,
    RelationKind,
    SignedDocument,
)
from services.rights import Action


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(cert: Certificate) -> str:
    """sha256 of the canonical JSON of what is signed: id, type, version, patient and content."""
    signed = {
        "id": cert.id,
        "type": cert.type,
        "type_version": cert.type_version,
        "patient_id": cert.patient_id,
        "content": cert.content,
    }
    return hashlib.sha256(canonical_json(signed).encode("utf-8")).hexdigest()


def issuer_snapshot(user: SessionUser) -> dict[str, Any]:
    """The issuer as printed on the certificate (§4.5.3, table 4)."""
    return {
        **staff_at_unit(user),
        "role": user.role,
        "role_label": user.role_label,
        "title": user.title,
        "specialities": list(user.specialities),
        "prescription_code": user.prescription_code,
    }


def require_complete(definition: CertificateDefinition, content: dict[str, Any]) -> None:
    """InvalidInput listing the sections with missing or wrong answers, if any."""
    messages = validate(definition, content, today=clock.today())
    blocking = [m for m in messages if m.severity in (Severity.MISSING, Severity.ERROR)]
    if not blocking:
        return
    missing = {m.section_id for m in blocking if m.severity == Severity.MISSING}
    wrong = {m.section_id for m in blocking if m.severity == Severity.ERROR}
    titles = {s.id: s.title for s in definition.sections}
    order = [s.id for s in definition.sections]
    parts = []
    if missing:
        parts.append(
            "Utkastet saknar uppgifter i följande avsnitt: "
            + ", ".join(titles[i] for i in order if i in missing)
            + "."
        )
    if wrong:
        parts.append(
            "Rätta felen i följande avsnitt: "
            + ", ".join(titles[i] for i in order if i in wrong)
            + "."
        )
    raise InvalidInput(" ".join(parts), field="content", code="INCOMPLETE")


async def _sign_with_card(
    user: SessionUser, cert: Certificate, now: datetime, issuer: dict[str, Any]
) -> bytes:
    """The certificate as it will be once signed (RegisterCertificate XML), signed with the
    user's SITHS card and verified against the CA. Nothing is stored if this fails."""
    data = from_certificate(cert)
    data.signed_at = now
    data.issuer = issuer
    try:
        return await interop_signing.sign_with_card(
            interop_signing.to_be_signed(data), user.hsa_id, user.name
        )
    except (httpx.HTTPError, interop_signing.SignatureError) as exc:
        raise ServiceUnavailable(
            "Signeringen med SITHS-kortet misslyckades. Intyget har inte signerats. Försök "
            "igen om en stund.",
            code="SIGNATURE_FAILED",
        ) from exc


async def sign(
    user: SessionUser, certificate_id: str, *, expected_version: int | None = None
) -> Certificate:
    """Sign a draft (§4.2). The certificate's RegisterCertificate XML is signed with the user's
    SITHS card (XMLDSig, the SITHS simulator) and stored with the status change; records signer,
    role, unit, time, the sha256 of the content and the issuer snapshot. Missing data →
    InvalidInput listing the sections. A repeated sign by the same user returns the signed
    certificate."""
    prepared = await prepare(user, certificate_id, Action.SIGN)
    if already_done(prepared, *SIGNED_STATUSES, by=user.hsa_id):
        return prepared.cert
    cert = prepared.cert
    if expected_version is not None and expected_version != cert.version:
        raise Conflict(
            f"Utkastet har ändrats av {who(cert)} sedan du öppnade det. Ladda om utkastet "
            "innan du signerar."
        )
    definition = definition_for(cert.type)
    require_complete(definition, cert.content)
    now = clock.now().replace(microsecond=0)  # the signed XML carries whole seconds
    issuer = issuer_snapshot(user)
    digest = content_hash(cert)
    signed_xml = await _sign_with_card(user, cert, now, issuer)
    with transition(
        cert.id,
        statuses=DRAFT_STATUSES,
        version=cert.version,
        values={
            "status": CertificateStatus.SIGNED,
            "signed_at": now,
            "signed_by": user.hsa_id,
            "signed_by_name": user.name,
            "signed_by_role": user.role,
            "issuer": issuer,
            "signature_hash": digest,
            **edit_stamp(user, now, cert.version),
        },
    ) as (s, won, latest):
        if latest is None:  # deleted in between
            raise NotFound("Intyget finns inte.")
        if not won:
            if latest.status in SIGNED_STATUSES and latest.signed_by == user.hsa_id:
                return latest  # the other click won: one signature
            if latest.status in SIGNED_STATUSES:
                raise rights.InvalidState(
                    f"Intyget är redan signerat av {latest.signed_by_name or latest.signed_by}."
                )
            if latest.status not in DRAFT_STATUSES:
                raise rights.InvalidState(
                    f"Utkastet kan inte signeras: det är {latest.status.label.lower()}."
                )
            raise Conflict(
                f"Utkastet har ändrats av {who(latest)} sedan du öppnade det. Ladda om "
                "utkastet innan du signerar."
            )
        s.add(
            SignedDocument(
                certificate_id=latest.id,
                xml=signed_xml.decode("utf-8"),
                signer_hsa_id=user.hsa_id,
                created_at=now,
            )
        )
        record(user, audit.AuditAction.SIGN, latest, session=s, detail=f"sha256={digest}")
        notifications.enqueue(latest, notifications.Event.SIGNAT, session=s)
        if latest.relation_kind == RelationKind.RENEW and latest.parent_id:
            # §4.6: signing a renewal handles the original's open kompletteringsbegäran.
            question_handling.handle_complement_requests(latest.parent_id, session=s)
    if sends_when_signed(latest):
        return await _send_signed_complement(user, latest)
    return latest


class SignedNotSent(ServiceUnavailable):
    """The komplettering was signed, the sending failed: it stays Signerat and can be sent."""


def sends_when_signed(cert: Certificate) -> bool:
    """§6.3.1 A step 4 and B step 6, "Signera och skicka": a komplettering is signed and sent
    to Försäkringskassan in one action, so a signed answer is never left unsent. Where a
    vårdadministratör only marks it ready for signing, the sending happens when the läkare
    signs."""
    return (
        cert.relation_kind == RelationKind.COMPLEMENT
        and bool(cert.parent_id)
        and definition_for(cert.type).recipient == Recipient.FK
    )


async def _send_signed_complement(user: SessionUser, signed: Certificate) -> Certificate:
    try:
        return await sending.send(user, signed.id, patient_consent=True)  # FK asked for it
    except ServiceUnavailable as exc:
        raise SignedNotSent(
            "Intyget är signerat men har inte skickats: Försäkringskassan svarar inte just "
            "nu. Skicka intyget till Försäkringskassan om en stund.",
            code="RECIPIENT_UNAVAILABLE",
        ) from exc


async def mark_ready_for_signing(user: SessionUser, certificate_id: str) -> Certificate:
    """Vårdadministratör: mark a complete draft ready for signing (§4.2.1); notifies the EHR
    (KFSIGN). A repeated click returns the already marked draft."""
    prepared = await prepare(user, certificate_id, Action.MARK_READY)
    if already_done(prepared, CertificateStatus.READY_FOR_SIGNING):
        return prepared.cert
    cert = prepared.cert
    require_complete(definition_for(cert.type), cert.content)
    now = clock.now()
    with transition(
        cert.id,
        statuses=(CertificateStatus.DRAFT,),
        version=cert.version,
        values={
            "status": CertificateStatus.READY_FOR_SIGNING,
            "ready_for_signing_at": now,
            **edit_stamp(user, now, cert.version),
        },
    ) as (s, won, latest):
        if latest is None:  # deleted in between
            raise NotFound("Intyget finns inte.")
        if not won:
            if latest.status == CertificateStatus.READY_FOR_SIGNING:
                return latest
            if latest.status != CertificateStatus.DRAFT:
                raise rights.InvalidState(
                    f"Utkastet kan inte markeras: det är {latest.status.label.lower()}."
                )
            raise Conflict(
                f"Utkastet har ändrats av {who(latest)} sedan du öppnade det. Ladda om utkastet."
            )
        record(user, audit.AuditAction.WRITE, latest, session=s, detail="Klart för signering")
        notifications.enqueue(latest, notifications.Event.KFSIGN, session=s)
        return latest

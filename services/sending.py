"""Sending to the recipient and revoking (manual §4.4, §4.9, §4.9.1).

Idempotency against double submission: ``send`` and ``revoke`` are serialised per certificate
inside a worker; the recipient is called before the compare-and-set and treats a repeated
certificate id as already received/revoked (409). The second click returns the already
sent/revoked certificate; the recipient gets one certificate, one revocation.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lxml import etree

from services import audit, clock, interop, notifications, question_handling, recipients, rights
from services.certificate_access import (
    SIGNED_STATUSES,
    already_done,
    definition_for,
    lock_for,
    prepare,
    record,
    transition,
)
from services.certificates.base import Recipient
from services.errors import InvalidInput, NotFound, ServiceUnavailable
from services.identity import SessionUser, require_unit, staff_at_unit
from services.interop import messages as interop_messages
from services.persistence.models import Certificate, CertificateStatus, RelationKind
from services.rights import Action

MAX_REVOKE_MESSAGE = 4000


def _lock(user: SessionUser, certificate_id: Any) -> asyncio.Lock:
    """The lock that serialises sending and revoking one certificate (a unit is chosen)."""
    require_unit(user)
    if not isinstance(certificate_id, str):
        raise NotFound("Intyget finns inte.")
    return lock_for(certificate_id)


def _settled(latest: Certificate | None, done: CertificateStatus, verb: str) -> Certificate:
    """After a lost compare-and-set: the certificate if the other click did it already."""
    if latest is None:
        raise NotFound("Intyget finns inte.")
    if latest.status != done:
        raise rights.InvalidState(f"Intyget kan inte {verb}: det är {latest.status.label.lower()}.")
    return latest


def _recipient(cert: Certificate) -> Recipient:
    return definition_for(cert.type).recipient


async def _deliver_riv(
    recipient: Recipient, operation: str, element: Any, what: str, thing: str
) -> str:
    """A RIV-TA call to the recipient (retried). OK/INFO → the result code; a refusal
    (VALIDATION_ERROR) → InvalidInput with the recipient's own rule text; down or a technical
    error → ServiceUnavailable. Nothing is changed here: the caller changes status only after."""
    unavailable = ServiceUnavailable(
        f"{recipient.label} svarar inte just nu. {what} Försök igen om en stund.",
        code="RECIPIENT_UNAVAILABLE",
    )
    try:
        result = await recipients.call_riv(recipient, operation, element)
    except recipients.UNREACHABLE as exc:
        raise unavailable from exc
    if result.ok:
        return result.code
    if result.error_id == "VALIDATION_ERROR":
        raise InvalidInput(
            f"{recipient.label} tog inte emot {thing}: {result.text} {what}",
            code="RECIPIENT_REFUSED",
        )
    raise unavailable


def register_certificate(cert: Certificate) -> Any:
    """The RegisterCertificate v3 request of a signed certificate (its signed XML if any)."""
    return etree.fromstring(interop.export_certificate(cert))


def certificate_payload(cert: Certificate) -> dict[str, Any]:
    """The signed certificate as handed to the recipient."""
    return {
        "id": cert.id,
        "type": cert.type,
        "typeVersion": cert.type_version,
        "patient": cert.patient,
        "patientId": cert.patient_id,
        "content": cert.content,
        "signedAt": cert.signed_at.isoformat() if cert.signed_at else None,
        "signedBy": cert.signed_by,
        "issuer": cert.issuer,
        "signatureHash": cert.signature_hash,
        "unitId": cert.unit_id,
        "careProviderId": cert.care_provider_id,
        "relation": (
            {"kind": cert.relation_kind.value, "certificateId": cert.parent_id}
            if cert.relation_kind and cert.parent_id
            else None
        ),
    }


async def send(user: SessionUser, certificate_id: str, *, patient_consent: Any) -> Certificate:
    """Send a signed certificate to FK or TS after the patient's consent (§4.4): status Skickat.
    A recipient that stays down → ServiceUnavailable, status stays Signerat. A repeated send
    returns the already sent certificate."""
    if patient_consent is not True:
        raise InvalidInput(
            "Intyget kan endast skickas om patienten har lämnat sitt samtycke till det.",
            field="consent",
        )
    async with _lock(user, certificate_id):
        prepared = await prepare(user, certificate_id, Action.SEND)
        if already_done(prepared, CertificateStatus.SENT):
            return prepared.cert
        cert = prepared.cert
        recipient = _recipient(cert)
        await _deliver_riv(
            recipient,
            "RegisterCertificate",
            register_certificate(cert),
            "Intyget har inte skickats.",
            "intyget",
        )
        now = clock.now()
        with transition(
            cert.id,
            statuses=(CertificateStatus.SIGNED,),
            values={"status": CertificateStatus.SENT, "sent_at": now},
        ) as (s, won, latest):
            if latest is None or not won:
                return _settled(latest, CertificateStatus.SENT, "skickas")
            record(user, audit.AuditAction.SEND, latest, session=s, detail=recipient.value)
            notifications.enqueue(latest, notifications.Event.SKICKA, session=s)
            if latest.relation_kind == RelationKind.COMPLEMENT and latest.parent_id:
                # §6.3.1/§6.3.4: the complementing certificate answers every open request.
                question_handling.handle_complement_requests(
                    latest.parent_id, session=s, answered_with=latest.id
                )
            return latest


def _check_revoke_reason(reason_code: Any, message: Any) -> tuple[str, str]:
    if not isinstance(reason_code, str) or reason_code not in rights.REVOKE_REASONS:
        raise InvalidInput("Välj en orsak till makuleringen.", field="reason")
    text = message.strip() if isinstance(message, str) else ""
    if message is not None and not isinstance(message, str):
        raise InvalidInput("Meddelandet har fel format.", field="message")
    if len(text) > MAX_REVOKE_MESSAGE:
        raise InvalidInput(
            f"Meddelandet får vara högst {MAX_REVOKE_MESSAGE} tecken.", field="message"
        )
    if reason_code in rights.REVOKE_MESSAGE_REQUIRED and not text:
        raise InvalidInput("Beskriv felet i intyget.", field="message")
    return reason_code, text


async def revoke(
    user: SessionUser, certificate_id: str, *, reason_code: Any, message: Any = ""
) -> Certificate:
    """Revoke a signed certificate or a locked draft (§4.9). A recipient that has it is told the
    reason first; open question threads are marked handled. The row stays (status Makulerat).
    A repeated revoke returns the already revoked certificate."""
    reason_code, text = _check_revoke_reason(reason_code, message)
    async with _lock(user, certificate_id):
        prepared = await prepare(user, certificate_id, Action.REVOKE)
        if already_done(prepared, CertificateStatus.REVOKED):
            return prepared.cert
        cert = prepared.cert
        if cert.status == CertificateStatus.SENT:
            recipient = _recipient(cert)
            reason_text = rights.REVOKE_REASONS[reason_code]
            element = interop_messages.revoke_certificate(
                certificate_id=cert.id,
                unit_id=cert.unit_id,
                personnummer=cert.patient_id,
                revoked_by={**(cert.issuer or {}), **staff_at_unit(user)},
                message=f"{reason_text}. {text}" if text else reason_text,
                at=clock.now(),
            )
            await _deliver_riv(
                recipient,
                "RevokeCertificate",
                element,
                "Intyget har inte makulerats.",
                "makuleringen",
            )
        now = clock.now()
        with transition(
            cert.id,
            statuses=(*SIGNED_STATUSES, CertificateStatus.LOCKED),
            values={
                "status": CertificateStatus.REVOKED,
                "revoked_at": now,
                "revoked_by": user.hsa_id,
                "revoke_reason": reason_code,
                "revoke_message": text,
            },
        ) as (s, won, latest):
            if latest is None or not won:
                return _settled(latest, CertificateStatus.REVOKED, "makuleras")
            record(user, audit.AuditAction.REVOKE, latest, session=s, detail=reason_code)
            notifications.enqueue(
                latest, notifications.Event.MAKULE, session=s, reason=reason_code, message=text
            )
            question_handling.handle_all_questions(latest, session=s)
            return latest

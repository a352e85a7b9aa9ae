"""EHR notifications in the EHR's own contract: CertificateStatusUpdateForCare v3 (RIV-TA).

An EHR system configured with ``notification_format`` "riv" or "both" and a ``riv_url``
(services.settings.EhrSystem) gets each outbox notification as this SOAP message — instead of,
or beside, the JSON webhook — from the same outbox, with the same order and retries. A signed
certificate travels with its answers (as the contract says for signed certificates); a draft
with its identity, patient and issuer only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from services.interop import messages, soap
from services.interop.register import CertificateData, from_certificate
from services.interop.transport import SPECS
from services.notification_signature import DELIVERY_HEADER, SIGNATURE_HEADER, sign
from services.persistence.db import session_scope
from services.persistence.models import Certificate, CertificateStatus
from services.settings import EhrSystem

SIGNED = (CertificateStatus.SIGNED, CertificateStatus.SENT, CertificateStatus.REVOKED)


def _counts(raw: Any) -> messages.QuestionCounts:
    raw = raw if isinstance(raw, dict) else {}
    return messages.QuestionCounts(
        total=int(raw.get("total") or 0),
        unanswered=int(raw.get("unanswered") or 0),
        answered=int(raw.get("answered") or 0),
        handled=int(raw.get("handled") or 0),
    )


def _from_payload(payload: dict[str, Any]) -> CertificateData:
    """A deleted draft is no longer in the database: what the notification itself says."""
    patient = dict(payload.get("patient") or {})
    patient.setdefault("personnummer", payload.get("patientId") or "")
    return CertificateData(
        id=str(payload.get("certificateId") or ""),
        type=str(payload.get("certificateType") or ""),
        version=str(payload.get("certificateTypeVersion") or ""),
        signed_at=None,
        patient=patient,
        issuer={
            "unit_id": payload.get("unitId") or "",
            "unit_name": payload.get("unitName") or "",
            "care_provider_id": payload.get("careProviderId") or "",
        },
        content={},
        unit_id=str(payload.get("unitId") or ""),
    )


def build(payload: dict[str, Any]) -> bytes | None:
    """The SOAP request for one notification, or None for a type without a RIV-TA contract."""
    if str(payload.get("certificateType") or "").lower() not in SPECS:
        return None
    # signed as of the event (the payload's status), not as of the delivery
    signed_then = str(payload.get("status") or "") in {s.value for s in SIGNED}
    with session_scope() as s:
        cert = s.get(Certificate, payload.get("certificateId"))
        data = from_certificate(cert) if cert is not None else _from_payload(payload)
        signed = signed_then and cert is not None and cert.signed_at is not None
    if not signed:
        data.content = {}
    questions = payload.get("questions") or {}
    element = messages.status_update(
        certificate=data,
        event=str(payload.get("event") or ""),
        at=datetime.fromisoformat(str(payload["time"])),
        sent=_counts(questions.get("toFk")),
        received=_counts(questions.get("fromFk")),
        ref=payload.get("ref") or None,
        signed=signed,
        topic=payload.get("topic") or None,
    )
    return soap.envelope(element, str(payload.get("unitId") or ""))


async def deliver(
    client: httpx.AsyncClient, system: EhrSystem, notification_id: int, payload: dict[str, Any]
) -> str | None:
    """POST the notification as CertificateStatusUpdateForCare v3; None when the EHR answered
    OK (or the type has no RIV-TA contract), else the error to retry on."""
    body = build(payload)
    if body is None or not system.riv_url:
        return None
    headers = {
        "Content-Type": soap.CONTENT_TYPE,
        "SOAPAction": "CertificateStatusUpdateForCare",
        SIGNATURE_HEADER: sign(body, system.hmac_secret),
        DELIVERY_HEADER: str(notification_id),
    }
    try:
        response = await client.post(system.riv_url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:1000]
    result = soap.read_result(response.content)
    if response.is_success and result.ok:
        return None
    return f"RIV-TA {result.code} {result.error_id}: {result.text}"[:1000]

"""SendMessageToCare v2 received from Försäkringskassan over SOAP (RIV-TA), beside the JSON
endpoint: validated as the contract says, then handed to the same rules
(:func:`services.questions.receive_message`). Every refusal is a RIV-TA ERROR result and
nothing is stored."""

from __future__ import annotations

from typing import Any

from services import questions
from services.errors import InvalidInput, ServiceUnavailable, WebcertError
from services.interop import messages, soap
from services.persistence.db import session_scope
from services.persistence.models import Certificate

OPERATION = "SendMessageToCare"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def payload_of(m: messages.Message) -> dict[str, Any]:
    """The message in the shape :func:`services.questions.receive_message` takes."""
    payload: dict[str, Any] = {
        "id": m.message_id,
        "certificateId": m.certificate_id,
        "topic": m.topic,
        "text": m.text,
    }
    if m.subject:
        payload["subject"] = m.subject
    if m.reminder_of:
        payload["reminderOf"] = m.reminder_of
    if m.in_reply_to:
        payload["inReplyTo"] = m.in_reply_to
    if m.complements:
        payload["complements"] = [
            {"questionId": c["frage_id"], "text": c["text"]} for c in m.complements
        ]
    return payload


def receive(data: bytes) -> tuple[bytes, int, dict[str, Any] | None]:
    """Handle one SOAP request: (response body, HTTP status, the stored result or None)."""
    try:
        request = soap.parse_request(data, OPERATION)
    except soap.Refused as exc:
        body, status = soap.refusal(OPERATION, exc)
        return body, status, None
    m = messages.read_message(request.element, OPERATION)

    def refuse(text: str, error_id: str = "VALIDATION_ERROR") -> tuple[bytes, int, None]:
        return soap.response(OPERATION, soap.Result("ERROR", error_id, text)), 200, None

    if m.sender.get("part") != "FKASSA":
        return refuse("Avsändaren är inte Försäkringskassan.")
    with session_scope() as s:
        cert = s.get(Certificate, m.certificate_id)
        if cert is not None and cert.patient_id != _digits(m.personnummer):
            return refuse("Patienten i meddelandet stämmer inte med intyget.")
    try:
        result = questions.receive_message(payload_of(m))
    except ServiceUnavailable as exc:
        return refuse(exc.message, "TECHNICAL_ERROR")
    except InvalidInput as exc:
        return refuse(exc.message)
    except WebcertError as exc:
        return refuse(exc.message, "APPLICATION_ERROR")
    return soap.response(OPERATION, soap.Result("OK")), 200, result

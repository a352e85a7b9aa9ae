"""Certificate recipients: Försäkringskassan (FK) and Transportstyrelsen (TS).

Both:
  POST /certificates               receive a signed certificate (JSON); returns a receipt
  POST /certificates/{id}/revoke   {"reason": ..., ...}: the certificate was makulerat
  GET  /received                   everything received, for tests and the demo
FK also:
  POST /questions                  a question or answer sent by Webcert
  POST /admin/send-question        {"certificateId", "topic", "text", ["target_url"], ...}:
                                   FK sends a new question to Webcert's inbound endpoint
                                   (extra keys such as "complements", "reminderOf", "subject"
                                   are passed on)
  POST /admin/send-complement      {"certificateId", "text", "fields": [{"questionId", "text"}]}:
                                   a kompletteringsbegäran (topic KOMPLT)
  POST /admin/send-reminder        {"certificateId", "reminderOf", ["text"]}: a Påminnelse
  POST /admin/answer               {"questionId", "text"}: FK answers a question Webcert sent
                                   (the certificate and topic are taken from that question)

RIV-TA (SOAP 1.1, validated with the contract's XSD and, for certificates, the type's
schematron and Webcert's own rules; a refusal is a RIV-TA ERROR result and nothing is stored):
  POST /riv/RegisterCertificate/3      RegisterCertificate v3 (both)
  POST /riv/RevokeCertificate/2        RevokeCertificate v2 (both)
  POST /riv/SendMessageToRecipient/2   SendMessageToRecipient v2 (FK): a question or answer
FK's admin calls above take ``"transport": "soap"`` to deliver as SendMessageToCare v2 to
Webcert's SOAP endpoint (``/services/SendMessageToCare/2``) instead of the JSON one.

Messages to Webcert carry Webcert's FK credential (the runner's ``fk_api_key``) as X-Api-Key.

The certificate id is taken from the body ("id", "certificate_id" or "certificateId");
a missing id gets a generated one.
"""

from __future__ import annotations

from typing import Any

import httpx
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services import interop
from services.interop import messages as interop_messages
from services.interop import soap
from simulators.common import (
    SimulatorState,
    build_app,
    error,
    new_id,
    now_iso,
    read_body,
    read_json,
)
from simulators.config import Value, resolve

DEFAULT_INBOUND_PATH = "/api/v1/messages"
SOAP_INBOUND_PATH = "/services/SendMessageToCare/2"


def _certificate_id(body: dict[str, Any]) -> str | None:
    for key in ("id", "certificate_id", "certificateId"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return None


class RecipientState(SimulatorState):
    def reset(self) -> None:
        super().reset()
        self.certificates: dict[str, dict[str, Any]] = {}
        self.revocations: list[dict[str, Any]] = []
        self.questions: list[dict[str, Any]] = []
        self.sent_questions: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []  # RIV-TA calls answered with ERROR


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _send_message_to_care(message: dict[str, Any]) -> bytes:
    """FK's JSON-shaped admin message as a SendMessageToCare v2 SOAP request."""
    complements = [
        {
            "frage_id": c.get("questionId") or c.get("frageId"),
            "instans": c.get("instans"),
            "text": c.get("text", ""),
        }
        for c in message.get("complements") or []
        if isinstance(c, dict)
    ]
    m = interop_messages.Message(
        message_id=str(message["id"]),
        certificate_id=str(message["certificateId"]),
        unit_id=str(message.get("unitId") or "FKASSA"),
        personnummer=str(message.get("patientId") or "191212121212"),
        topic=str(message["topic"]),
        text=str(message["text"]),
        subject=str(message.get("subject") or ""),
        reminder_of=str(message.get("reminderOf") or ""),
        in_reply_to=str(message.get("inReplyTo") or ""),
        recipient=str(message.get("recipient") or "WEBCERT"),
        complements=complements,
        sender={"part": "FKASSA"},
    )
    element = interop_messages.send_message_to_care(m)
    return soap.envelope(element, m.recipient)


def create_app(
    name: str,
    *,
    with_questions: bool = False,
    webcert_url: Value = "",
    api_key: Value = "",
    accepted_types: tuple[str, ...] = (),
) -> Starlette:
    """A recipient simulator. ``webcert_url`` is Webcert's public base URL and ``api_key`` the
    credential its messages to Webcert carry (FK only); ``accepted_types`` the certificate
    types it takes over RIV-TA."""
    state = RecipientState()

    async def receive_certificate(request: Request) -> Response:
        body = await read_json(request)
        if body is None:
            return error(400, "Intyget måste skickas som ett JSON-objekt.")
        certificate_id = _certificate_id(body) or new_id()
        if certificate_id in state.certificates:
            return error(409, "Intyget är redan mottaget.")
        record = {
            "receipt_id": new_id(),
            "certificate_id": certificate_id,
            "received_at": now_iso(),
            "certificate": body,
            "revoked": None,
        }
        state.certificates[certificate_id] = record
        return JSONResponse(
            {"receipt_id": record["receipt_id"], "certificate_id": certificate_id},
            status_code=201,
        )

    async def revoke_certificate(request: Request) -> Response:
        certificate_id = request.path_params["certificate_id"]
        record = state.certificates.get(certificate_id)
        if record is None:
            return error(404, "Intyget är inte mottaget.")
        if record["revoked"] is not None:
            return error(409, "Intyget är redan makulerat.")
        body = await read_json(request)
        if body is None or not body.get("reason"):
            return error(400, "Orsak till makulering (reason) saknas.")
        revocation = {
            "certificate_id": certificate_id,
            "received_at": now_iso(),
            **body,
        }
        record["revoked"] = revocation
        state.revocations.append(revocation)
        return JSONResponse({"certificate_id": certificate_id, "revoked": True})

    async def received(request: Request) -> Response:
        result: dict[str, Any] = {
            "certificates": list(state.certificates.values()),
            "revocations": state.revocations,
        }
        if with_questions:
            result["questions"] = state.questions
            result["sent_questions"] = state.sent_questions
        result["refused"] = state.refused
        return JSONResponse(result)

    # --- RIV-TA (SOAP) ------------------------------------------------------------------------
    def _refuse(operation: str, text: str, error_id: str = "VALIDATION_ERROR") -> Response:
        state.refused.append(
            {"operation": operation, "error_id": error_id, "text": text, "at": now_iso()}
        )
        body = soap.response(operation, soap.Result("ERROR", error_id, text))
        return Response(body, media_type=soap.CONTENT_TYPE)

    async def _soap_request(request: Request, operation: str) -> soap.Request | Response:
        data = await read_body(request, soap.MAX_SOAP_BYTES)
        if data is None:
            return _refuse(operation, "Meddelandet är för stort.")
        try:
            return soap.parse_request(data, operation)
        except soap.Refused as exc:
            state.refused.append(
                {
                    "operation": operation,
                    "error_id": exc.error_id,
                    "text": exc.text,
                    "at": now_iso(),
                }
            )
            body, status = soap.refusal(operation, exc)
            return Response(body, status_code=status, media_type=soap.CONTENT_TYPE)

    def _ok(operation: str, text: str = "") -> Response:
        code = "INFO" if text else "OK"
        body = soap.response(operation, soap.Result(code, "", text))
        return Response(body, media_type=soap.CONTENT_TYPE)

    async def riv_register(request: Request) -> Response:
        parsed = await _soap_request(request, "RegisterCertificate")
        if isinstance(parsed, Response):
            return parsed
        tree = etree.ElementTree(etree.fromstring(etree.tostring(parsed.element)))
        problems = interop.validate_tree(tree)
        if problems:
            return _refuse(
                "RegisterCertificate", " ".join(_sentence(p.message) for p in problems[:3])
            )
        data = interop.read_certificate(tree.getroot())
        if data.type not in accepted_types:
            return _refuse("RegisterCertificate", f"{name.upper()} tar inte emot {data.type}.")
        if data.id in state.certificates:
            return _ok("RegisterCertificate", "Certificate already exists")
        state.certificates[data.id] = {
            "receipt_id": new_id(),
            "certificate_id": data.id,
            "received_at": now_iso(),
            "certificate": interop.as_json(data),
            "revoked": None,
            "format": "RegisterCertificate v3",
            "logical_address": parsed.logical_address,
            "xml": etree.tostring(parsed.element, encoding="unicode"),
        }
        return _ok("RegisterCertificate")

    async def riv_revoke(request: Request) -> Response:
        parsed = await _soap_request(request, "RevokeCertificate")
        if isinstance(parsed, Response):
            return parsed
        revocation = interop_messages.read_revoke(parsed.element)
        record = state.certificates.get(revocation.certificate_id)
        if record is None:
            return _refuse("RevokeCertificate", "Intyget är inte mottaget.")
        if record["revoked"] is not None:
            return _ok("RevokeCertificate", "Certificate already revoked")
        if record["certificate"].get("patientId") not in ("", revocation.personnummer):
            return _refuse("RevokeCertificate", "Patienten stämmer inte med intyget.")
        entry = {
            "certificate_id": revocation.certificate_id,
            "received_at": now_iso(),
            "message": revocation.message,
            "revokedBy": revocation.revoked_by,
            "revokedByName": revocation.revoked_by_name,
            "format": "RevokeCertificate v2",
        }
        record["revoked"] = entry
        state.revocations.append(entry)
        return _ok("RevokeCertificate")

    async def riv_send_message_to_recipient(request: Request) -> Response:
        parsed = await _soap_request(request, "SendMessageToRecipient")
        if isinstance(parsed, Response):
            return parsed
        m = interop_messages.read_message(parsed.element, "SendMessageToRecipient")
        if any(q["message"].get("id") == m.message_id for q in state.questions):
            return _ok("SendMessageToRecipient", "Message already received")
        message = {
            "id": m.message_id,
            "certificateId": m.certificate_id,
            "topic": m.topic,
            "text": m.text,
            "subject": m.subject,
            "type": "ANSWER" if m.in_reply_to else "QUESTION",
            **({"inReplyTo": m.in_reply_to} if m.in_reply_to else {}),
            "sender": m.sender,
            "format": "SendMessageToRecipient v2",
        }
        state.questions.append({"id": new_id(), "received_at": now_iso(), "message": message})
        return _ok("SendMessageToRecipient")

    async def receive_question(request: Request) -> Response:
        body = await read_json(request)
        if body is None:
            return error(400, "Meddelandet måste skickas som ett JSON-objekt.")
        record = {"id": new_id(), "received_at": now_iso(), "message": body}
        state.questions.append(record)
        return JSONResponse({"id": record["id"]}, status_code=201)

    async def send_question(request: Request) -> Response:
        body = await read_json(request)
        if body is None:
            return error(400, "Frågan måste skickas som ett JSON-objekt.")
        return await _send(body)

    async def send_complement(request: Request) -> Response:
        body = await read_json(request)
        if body is None:
            return error(400, "Begäran måste skickas som ett JSON-objekt.")
        fields = body.pop("fields", None)
        if not isinstance(fields, list) or not fields:
            return error(
                400, 'Ange fälten som ska kompletteras: "fields": [{"questionId", "text"}]'
            )
        body.setdefault("text", "Vi behöver en komplettering av intyget.")
        return await _send({**body, "topic": "KOMPLT", "complements": fields})

    async def send_reminder(request: Request) -> Response:
        body = await read_json(request)
        if body is None or not body.get("reminderOf"):
            return error(400, "Ange frågan som påminnelsen avser (reminderOf).")
        body.setdefault("text", "Påminnelse: vi har inte fått svar på vår fråga.")
        return await _send({**body, "topic": "PAMINN"})

    async def answer_question(request: Request) -> Response:
        body = await read_json(request)
        if body is None or not body.get("questionId") or not body.get("text"):
            return error(400, "Saknas: questionId och text.")
        asked = next(
            (
                q["message"]
                for q in state.questions
                if q["message"].get("id") == body["questionId"]
                and q["message"].get("type", "QUESTION") == "QUESTION"
            ),
            None,
        )
        if asked is None:
            return error(404, "Frågan har inte tagits emot av Försäkringskassan.")
        message = {
            "certificateId": asked.get("certificateId"),
            "topic": asked.get("topic"),
            "text": body["text"],
            "inReplyTo": body["questionId"],
            **({"target_url": body["target_url"]} if body.get("target_url") else {}),
            **({"transport": body["transport"]} if body.get("transport") else {}),
        }
        return await _send(message)

    async def _send(body: dict[str, Any]) -> Response:
        missing = [k for k in ("certificateId", "topic", "text") if not body.get(k)]
        if missing:
            return error(400, "Saknas: " + ", ".join(missing))
        as_soap = body.get("transport") == "soap"
        target = body.get("target_url")
        if not target:
            base = resolve(webcert_url)
            if not base:
                return error(400, "Ingen mottagare (target_url) angiven.")
            target = base.rstrip("/") + (SOAP_INBOUND_PATH if as_soap else DEFAULT_INBOUND_PATH)
        message = {k: v for k, v in body.items() if k not in ("target_url", "transport")}
        known = state.certificates.get(str(message.get("certificateId")))
        if known is not None:
            message.setdefault("patientId", known["certificate"].get("patientId"))
            message.setdefault("unitId", known["certificate"].get("unitId"))
        message.setdefault("id", new_id())
        message.setdefault("sender", "FKASSA")
        message.setdefault("sent_at", now_iso())
        outcome: dict[str, Any] = {"message": message, "target_url": target}
        headers = {"X-Api-Key": resolve(api_key)}
        try:
            async with httpx.AsyncClient(timeout=10.0) as client:
                if as_soap:
                    xml = _send_message_to_care(message)
                    outcome["xml"] = xml.decode("utf-8")
                    response = await client.post(
                        target,
                        content=xml,
                        headers={**headers, "Content-Type": soap.CONTENT_TYPE},
                    )
                else:
                    response = await client.post(target, json=message, headers=headers)
        except httpx.HTTPError as exc:
            outcome.update(status_code=None, error=f"{type(exc).__name__}: {exc}")
            state.sent_questions.append(outcome)
            return JSONResponse(outcome, status_code=502)
        if as_soap:
            result = soap.read_result(response.content)
            outcome.update(
                status_code=response.status_code,
                response={
                    "resultCode": result.code,
                    "errorId": result.error_id,
                    "resultText": result.text,
                },
            )
            state.sent_questions.append(outcome)
            return JSONResponse(outcome, status_code=200 if result.ok else 502)
        try:
            answer: Any = response.json()
        except ValueError:
            answer = response.text
        outcome.update(status_code=response.status_code, response=answer)
        state.sent_questions.append(outcome)
        return JSONResponse(outcome, status_code=200 if response.is_success else 502)

    routes = [
        Route("/certificates", receive_certificate, methods=["POST"]),
        Route("/certificates/{certificate_id}/revoke", revoke_certificate, methods=["POST"]),
        Route("/received", received, methods=["GET"]),
        Route("/riv/RegisterCertificate/3", riv_register, methods=["POST"]),
        Route("/riv/RevokeCertificate/2", riv_revoke, methods=["POST"]),
    ]
    if with_questions:
        routes += [
            Route("/riv/SendMessageToRecipient/2", riv_send_message_to_recipient, methods=["POST"]),
            Route("/questions", receive_question, methods=["POST"]),
            Route("/admin/send-question", send_question, methods=["POST"]),
            Route("/admin/send-complement", send_complement, methods=["POST"]),
            Route("/admin/send-reminder", send_reminder, methods=["POST"]),
            Route("/admin/answer", answer_question, methods=["POST"]),
        ]
    return build_app(name, state, routes)


def create_fk_app(webcert_url: Value = "", *, api_key: Value = "") -> Starlette:
    """Försäkringskassan: ``webcert_url`` where its messages go, ``api_key`` their credential
    (both from the runner, read per request)."""
    return create_app(
        "fk",
        with_questions=True,
        webcert_url=webcert_url,
        api_key=api_key,
        accepted_types=("fk7804", "fk7800", "fk7801", "fk7802"),
    )


def create_ts_app() -> Starlette:
    """Transportstyrelsen."""
    return create_app("ts", accepted_types=("tstrk1007", "tstrk1031"))

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

Messages to Webcert carry Webcert's FK credential (settings.fk_api_key) as X-Api-Key.

The certificate id is taken from the body ("id", "certificate_id" or "certificateId");
a missing id gets a generated one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.settings import get_settings
from simulators.common import SimulatorState, build_app, error, new_id, now_iso, read_json

DEFAULT_INBOUND_PATH = "/api/v1/messages"


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


def create_app(
    name: str,
    *,
    with_questions: bool = False,
    webcert_url: str | Callable[[], str] | None = None,
) -> Starlette:
    """A recipient simulator. ``webcert_url`` is Webcert's public base URL (FK only)."""
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
        return JSONResponse(result)

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
        }
        return await _send(message)

    async def _send(body: dict[str, Any]) -> Response:
        missing = [k for k in ("certificateId", "topic", "text") if not body.get(k)]
        if missing:
            return error(400, "Saknas: " + ", ".join(missing))
        target = body.get("target_url")
        if not target:
            base = webcert_url() if callable(webcert_url) else webcert_url
            if not base:
                return error(400, "Ingen mottagare (target_url) angiven.")
            target = base.rstrip("/") + DEFAULT_INBOUND_PATH
        message = {k: v for k, v in body.items() if k != "target_url"}
        message.setdefault("id", new_id())
        message.setdefault("sender", "FKASSA")
        message.setdefault("sent_at", now_iso())
        outcome: dict[str, Any] = {"message": message, "target_url": target}
        try:
            async with httpx.AsyncClient(timeout=10.0) as client:
                response = await client.post(
                    target, json=message, headers={"X-Api-Key": get_settings().fk_api_key}
                )
        except httpx.HTTPError as exc:
            outcome.update(status_code=None, error=f"{type(exc).__name__}: {exc}")
            state.sent_questions.append(outcome)
            return JSONResponse(outcome, status_code=502)
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
    ]
    if with_questions:
        routes += [
            Route("/questions", receive_question, methods=["POST"]),
            Route("/admin/send-question", send_question, methods=["POST"]),
            Route("/admin/send-complement", send_complement, methods=["POST"]),
            Route("/admin/send-reminder", send_reminder, methods=["POST"]),
            Route("/admin/answer", answer_question, methods=["POST"]),
        ]
    return build_app(name, state, routes)


def _settings_public_url() -> str:
    return get_settings().public_url


def create_fk_app(webcert_url: str | Callable[[], str] | None = None) -> Starlette:
    """Försäkringskassan. ``webcert_url`` defaults to settings.public_url (read per request)."""
    return create_app("fk", with_questions=True, webcert_url=webcert_url or _settings_public_url)


def create_ts_app() -> Starlette:
    """Transportstyrelsen."""
    return create_app("ts")

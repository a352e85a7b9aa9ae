"""RIV-TA (SOAP) endpoints of Webcert, beside the JSON API:

  POST /services/SendMessageToCare/2   SendMessageToCare v2 from Försäkringskassan (questions,
                                       answers, kompletteringar, påminnelser); FK's credential
                                       in X-Api-Key, as on the JSON endpoint

Answers are RIV-TA results (XML), never a stack trace; the rules live in
:mod:`services.interop.inbound`.
"""

from __future__ import annotations

import asyncio
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.interop import inbound, soap
from services.settings import get_settings

SEND_MESSAGE_TO_CARE = "/services/SendMessageToCare/2"


async def _body(request: Request) -> bytes | None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > soap.MAX_SOAP_BYTES:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > soap.MAX_SOAP_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _xml(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=soap.CONTENT_TYPE)


async def send_message_to_care(request: Request) -> Response:
    key = request.headers.get("x-api-key", "")
    expected = get_settings().fk_api_key
    if not key or not expected or not secrets.compare_digest(key.encode(), expected.encode()):
        result = soap.Result("ERROR", "VALIDATION_ERROR", "Ogiltig eller saknad nyckel.")
        return _xml(soap.response(inbound.OPERATION, result), 401)
    data = await _body(request)
    if data is None:
        result = soap.Result("ERROR", "VALIDATION_ERROR", "Meddelandet är för stort.")
        return _xml(soap.response(inbound.OPERATION, result), 413)
    body, status, stored = await asyncio.to_thread(inbound.receive, data)
    if stored is not None:
        from state import questions as question_panel

        question_panel.schedule_refresh(stored["certificateId"])
    return _xml(body, status)


def build_routes() -> list[Route]:
    return [Route(SEND_MESSAGE_TO_CARE, send_message_to_care, methods=["POST"])]

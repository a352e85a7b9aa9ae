"""Backend HTTP routes of the PDL log: the CSV export (streamed) and the patient's loggutdrag
(PDF). Both read the session from the HttpOnly cookie; services.pdl_log checks the right,
limits the rows to the reader's care provider and logs the read."""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from services import identity, pdl_log, routes
from services.errors import InvalidInput, NotAuthorized, WebcertError

log = logging.getLogger(__name__)


def _status(exc: WebcertError) -> int:
    if isinstance(exc, InvalidInput):
        return 400
    if isinstance(exc, identity.SessionExpired):
        return 401
    if isinstance(exc, NotAuthorized):
        return 403
    return 503


def _error(exc: WebcertError) -> Response:
    return PlainTextResponse(exc.message, status_code=_status(exc))


def _user(request: Request) -> identity.SessionUser:
    token = identity.token_from_cookie_header(request.headers.get("cookie"))
    return identity.get_session(token)


def _filter(request: Request) -> pdl_log.LogFilter:
    q = request.query_params
    return pdl_log.LogFilter.parse(
        patient=q.get("patient", ""),
        user=q.get("user", ""),
        action=q.get("action", ""),
        date_from=q.get("date_from", ""),
        date_to=q.get("date_to", ""),
    )


async def export_csv(request: Request) -> Response:
    try:
        user = await asyncio.to_thread(_user, request)
        flt = _filter(request)
        lines = await asyncio.to_thread(pdl_log.export_csv, user, flt)
    except WebcertError as exc:
        return _error(exc)
    filename = pdl_log.csv_filename(flt)
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


async def patient_extract(request: Request) -> Response:
    try:
        user = await asyncio.to_thread(_user, request)
        extract = await asyncio.to_thread(
            pdl_log.patient_extract, user, request.query_params.get("patient", "")
        )
    except WebcertError as exc:
        return _error(exc)
    return Response(
        extract.data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{extract.filename}"',
            "Cache-Control": "no-store",
        },
    )


def build_routes() -> list[Route]:
    return [
        Route(routes.PDL_LOG_CSV, export_csv, methods=["GET"]),
        Route(routes.PDL_LOG_EXTRACT, patient_extract, methods=["GET"]),
    ]

"""Testability API for QA teams (like Webcert's): refused unless the setting is on.

- POST /testability/login {hsa_id, unit_id?}      → sets the session cookie (fake login)
- POST /testability/clock {offset_seconds} or {advance_seconds}
- POST /testability/pu-outage {down: bool}         → switches the PU simulator's outage
- POST /testability/certificates {...}              → a certificate directly in any state
- POST /testability/launch-token {hsa_id, unit_id, certificate_id}
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services import clock, identity, routes, testdata
from services.errors import InvalidInput, NotAuthorized
from services.settings import get_settings
from webcert_ui.http_helpers import api, body_str, json_body, set_session_cookie


def _require_enabled() -> None:
    if not get_settings().testability_enabled:
        raise NotAuthorized("Testbarhets-API:t är inte påslaget.", code="NOT_ENABLED")


@api
async def login(request: Request) -> Response:
    _require_enabled()
    body = await json_body(request)
    token = await identity.login(
        body_str(body, "hsa_id", max_len=64),
        body_str(body, "unit_id", required=False, max_len=64) or None,
        origin="DEV",
        params=identity.parse_launch_params(body.get("params") or {}),
    )
    response = JSONResponse({"ok": True})
    set_session_cookie(response, token)
    return response


@api
async def set_clock(request: Request) -> Response:
    _require_enabled()
    body = await json_body(request)
    if "advance_seconds" in body:
        value = body["advance_seconds"]
        if not isinstance(value, int | float):
            raise InvalidInput("advance_seconds måste vara ett tal.", field="advance_seconds")
        clock.advance(float(value))
    else:
        value = body.get("offset_seconds", 0)
        if not isinstance(value, int | float):
            raise InvalidInput("offset_seconds måste vara ett tal.", field="offset_seconds")
        clock.set_offset(float(value))
    return JSONResponse({"now": clock.now().isoformat()})


@api
async def pu_outage(request: Request) -> Response:
    _require_enabled()
    body = await json_body(request)
    down = body.get("down")
    if not isinstance(down, bool):
        raise InvalidInput("down måste vara true eller false.", field="down")
    async with httpx.AsyncClient(timeout=get_settings().http_timeout_seconds) as client:
        r = await client.post(get_settings().pu_url + "/admin/outage", json={"down": down})
        r.raise_for_status()
    return JSONResponse({"down": down})


@api
async def create_certificate(request: Request) -> Response:
    _require_enabled()
    body = await json_body(request)
    cert = await testdata.create_certificate_in_state(body)
    return JSONResponse({"id": cert.id, "status": cert.status.value}, 201)


@api
async def launch_token(request: Request) -> Response:
    _require_enabled()
    body: dict[str, Any] = await json_body(request)
    cert_id = body_str(body, "certificate_id", max_len=64)
    token = identity.issue_launch_token(
        hsa_id=body_str(body, "hsa_id", max_len=64),
        unit_id=body_str(body, "unit_id", required=False, max_len=64) or None,
        certificate_id=cert_id,
        ttl_seconds=body.get("ttl_seconds") if isinstance(body.get("ttl_seconds"), int) else None,
    )
    return JSONResponse({"token": token, "path": routes.deep_link(cert_id, token)})


def build_routes() -> list[Route]:
    p = routes.TESTABILITY_PREFIX
    return [
        Route(p + "/login", login, methods=["POST"]),
        Route(p + "/clock", set_clock, methods=["POST"]),
        Route(p + "/pu-outage", pu_outage, methods=["POST"]),
        Route(p + "/certificates", create_certificate, methods=["POST"]),
        Route(p + "/launch-token", launch_token, methods=["POST"]),
    ]

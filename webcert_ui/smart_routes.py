"""SMART App Launch routes (backend Starlette, beside the deep link): see services/smart.py.

GET /smart/launch?iss=…&launch=…   → 303 to the EHR's authorization endpoint (+ launch cookie)
GET /smart/callback?code=…&state=… → a server session exactly as a deep link opens one, then
                                     the unit's start page; a refusal → the Swedish error page,
                                     no session, an audit record.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services import identity, routes, smart
from services.errors import NotAuthorized, WebcertError
from services.settings import get_settings
from webcert_ui.http_helpers import end_session_redirect, set_session_cookie

log = logging.getLogger(__name__)


def _refused(request: Request, exc: WebcertError) -> Response:
    """As a refused deep link: the browser's earlier session ends, the error page shows."""
    response = end_session_redirect(request, routes.error(exc.code))
    response.delete_cookie(smart.COOKIE_NAME, path=smart.CALLBACK_PATH)
    return response


async def launch(request: Request) -> Response:
    from webcert_ui import security

    if (limited := await security.check_launch(request)) is not None:
        return limited
    iss = request.query_params.get("iss", "")
    try:
        url, cookie = await smart.begin(iss, request.query_params.get("launch", ""))
    except WebcertError as exc:
        smart.record_refusal(exc, iss=iss[:200])
        return _refused(request, exc)
    except Exception:
        log.exception("SMART launch failed")
        return _refused(request, smart.SmartLaunchRefused())
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        smart.COOKIE_NAME,
        cookie,
        max_age=smart.COOKIE_TTL_SECONDS,
        httponly=True,
        samesite="lax",  # the EHR's redirect back is a top-level GET navigation
        secure=get_settings().secure_cookies(),
        path=smart.CALLBACK_PATH,
    )
    return response


async def callback(request: Request) -> Response:
    from webcert_ui import security

    if (limited := await security.check_launch(request)) is not None:
        return limited
    context: smart.SmartContext | None = None
    try:
        context = await smart.complete(
            dict(request.query_params), request.cookies.get(smart.COOKIE_NAME)
        )
        try:
            token = await identity.login(
                context.hsa_id,
                context.unit_id,
                origin=smart.ORIGIN,
                params={},
                patient_id=context.personnummer,
                extra={
                    "smart": {
                        "iss": context.iss,
                        "patient": context.personnummer,
                        "patient_ref": context.patient_ref,
                        "encounter_ref": context.encounter_ref,
                        "practitioner_ref": context.practitioner_ref,
                    }
                },
            )
        except NotAuthorized as exc:
            raise smart.SmartNoCommission() from exc
    except WebcertError as exc:
        smart.record_refusal(
            exc,
            iss=context.iss if context else "",
            hsa_id=context.hsa_id if context else "",
            unit_id=context.unit_id if context else "",
            patient_id=context.personnummer if context else None,
        )
        return _refused(request, exc)
    except Exception:
        log.exception("SMART callback failed")
        return _refused(request, smart.SmartLaunchRefused())
    response = RedirectResponse(routes.INDEX, status_code=303)
    set_session_cookie(response, token)
    response.delete_cookie(smart.COOKIE_NAME, path=smart.CALLBACK_PATH)
    return response


def build_routes() -> list[Route]:
    return [
        Route(routes.SMART_LAUNCH, launch, methods=["GET"]),
        Route(routes.SMART_CALLBACK, callback, methods=["GET"]),
    ]

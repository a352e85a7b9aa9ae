"""Request helpers shared by the backend HTTP routes (EHR API, testability API, deep link).

A leaf of ``webcert_ui``: it imports only services and Starlette, so ``api`` and
``testability`` both import it and neither imports the other.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from services import identity, text
from services.errors import (
    Conflict,
    InvalidInput,
    NotAuthorized,
    NotFound,
    ServiceUnavailable,
    WebcertError,
)
from services.settings import get_settings

log = logging.getLogger("webcert_ui.api")

Endpoint = Callable[[Request], Awaitable[Response]]


def _session_cookie() -> dict[str, Any]:
    """The session cookie's name and attributes: HttpOnly, SameSite, for the whole site."""
    settings = get_settings()
    return {
        "key": settings.session_cookie_name,
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": settings.secure_cookies(),
    }


def set_session_cookie(response: Response, token: str) -> None:
    """The server session as an HttpOnly, SameSite cookie."""
    response.set_cookie(value=token, **_session_cookie())


def end_session_redirect(request: Request, target: str) -> RedirectResponse:
    """A refused launch: the browser's earlier session ends (the server's row and the cookie),
    and a 303 to ``target``."""
    identity.end_session(identity.token_from_cookie_header(request.headers.get("cookie")))
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(**_session_cookie())
    return response


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The JSON body of every API error."""
    return {"error": {"code": code, "message": message, "field": field}}


def status_for(exc: WebcertError) -> int:
    """The HTTP status of a typed error."""
    if exc.code == "UNAUTHENTICATED":
        return 401
    if isinstance(exc, InvalidInput):
        return 400
    if isinstance(exc, NotAuthorized):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, ServiceUnavailable):
        return 503
    if exc.code == "NOT_IMPLEMENTED":
        return 501
    return 400


def api(handler: Endpoint) -> Endpoint:
    """Wrap a JSON endpoint: rate limits first (webcert_ui.security); typed errors become
    JSON with a status, never a 500 page."""
    from webcert_ui import security

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            if (limited := await security.check_api(request)) is not None:
                return limited
            return await handler(request)
        except WebcertError as exc:
            if exc.code == "UNAUTHENTICATED":  # a wrong key: counted against the client
                await security.record_bad_key(request)
            return JSONResponse(
                error_body(exc.code, exc.message, getattr(exc, "field", None)), status_for(exc)
            )
        except Exception:
            log.exception("API call failed")
            return JSONResponse(error_body("INTERNAL", "Ett tekniskt fel uppstod."), 503)

    return wrapped


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; InvalidInput for anything else."""
    try:
        body = await request.json()
    except Exception as exc:
        raise InvalidInput("Begäran måste vara ett JSON-objekt.", field="$") from exc
    if not isinstance(body, dict):
        raise InvalidInput("Begäran måste vara ett JSON-objekt.", field="$")
    if (bad := text.find_bad_text(body)) is not None:  # NUL, control characters: refused
        where, message = bad
        raise InvalidInput(message, field=where.removeprefix("$.") or "$")
    return body


def body_str(body: dict[str, Any], path: str, *, required: bool = True, max_len: int = 200) -> str:
    """The string at the dotted ``path`` of ``body``, stripped; typed Swedish errors."""
    value: Any = body
    parts = path.split(".")
    for i, part in enumerate(parts):
        if i and not isinstance(value, dict):
            raise InvalidInput(
                f"Fältet {'.'.join(parts[:i])} måste vara ett objekt.", field=".".join(parts[:i])
            )
        value = value.get(part)
        if value is None:
            break
    if value is None or value == "":
        if required:
            raise InvalidInput(f"Fältet {path} saknas.", field=path)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"Fältet {path} måste vara en textsträng.", field=path)
    text.check_text(value, field=path, free_text=False)
    if len(value) > max_len:
        raise InvalidInput(f"Fältet {path} får vara högst {max_len} tecken.", field=path)
    if not value.strip() and required:
        raise InvalidInput(f"Fältet {path} saknas.", field=path)
    return value.strip()

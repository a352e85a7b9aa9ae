"""Backend HTTP routes mounted in front of the Reflex app (one port in production).

- the EHR deep link ``/visa/intyg/{id}`` (launch token → HttpOnly session cookie → page)
- the dev login (testability only)
- the EHR service API under ``/api/v1`` (JSON; every error is a JSON body, never a 500 page),
  described by the OpenAPI document at ``/api/v1/openapi.json`` (docs/api.md)
- the testability API under ``/testability`` (refused unless enabled in settings)
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Match, Route

from services import clock, ehr_api, identity, lifecycle, routes, text
from services import personnummer as pnr
from services.certificates import creatable_types, get_definition
from services.errors import InvalidInput, NotAuthorized, NotFound, WebcertError
from services.persistence.models import CertificateStatus
from services.settings import EhrSystem, get_settings
from webcert_ui.http_helpers import (
    api,
    body_str,
    end_session_redirect,
    error_body,
    json_body,
    set_session_cookie,
)

HSA_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_.]{0,63}")

log = logging.getLogger(__name__)


def _error_redirect(exc: WebcertError) -> RedirectResponse:
    return RedirectResponse(routes.error(exc.code), status_code=303)


async def deep_link(request: Request) -> Response:
    """EHR deep link: validate the launch token, start a session, open the page (§3.2).

    The launch parameters come from the signed token alone; a copy in the URL that adds or
    changes one refuses the launch. A refused launch ends the browser's earlier session, so
    nobody is left logged in.
    """
    from webcert_ui import security

    if (limited := await security.check_launch(request)) is not None:
        return limited
    cert_id = request.path_params["cert_id"]
    query = dict(request.query_params)
    claims: identity.LaunchClaims | None = None
    try:
        claims = identity.verify_launch_token(query.get("token", ""), certificate_id=cert_id)
        identity.check_url_parameters(claims, query)
        params = claims.params
        unit_id = params.get("enhet") or claims.unit_id
        token = await identity.login(
            claims.hsa_id,
            unit_id,
            origin="DJUPINTEGRATION",
            params=params,
            certificate_id=claims.certificate_id or cert_id,
        )
        user = identity.get_session(token, touch=False)
    except WebcertError as exc:
        return _refused_launch(request, routes.error(exc.code), claims, cert_id, exc.code)
    except Exception:
        log.exception("deep link failed")
        return _refused_launch(request, routes.error("tekniskt-fel"), claims, cert_id, "INTERNAL")
    target = routes.certificate(cert_id)
    if request.url.path.endswith("/fragor"):
        target += "?flik=fragor"
    if user.unit is None:
        target = routes.CHOOSE_UNIT + "?nasta=" + target
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, token)
    return response


def _refused_launch(
    request: Request,
    target: str,
    claims: identity.LaunchClaims | None,
    cert_id: str,
    code: str,
) -> Response:
    """Log the refusal, end the browser's earlier session and drop its cookie, then show
    the error page."""
    try:
        identity.record_refused_launch(
            hsa_id=claims.hsa_id if claims else "",
            unit_id=claims.unit_id if claims else None,
            certificate_id=cert_id if len(cert_id) <= 64 else None,
            code=code,
        )
    except Exception:  # the refusal stands even if it cannot be logged
        log.exception("could not log a refused launch")
    return end_session_redirect(request, target)


async def dev_login(request: Request) -> Response:
    """Fake login as a test user (testability only), like Webcert's welcome page."""
    if not get_settings().testability_enabled:
        return JSONResponse(error_body("NOT_ENABLED", "Testinloggningen är inte påslagen."), 404)
    hsa_id = request.query_params.get("anvandare", "")
    unit_id = request.query_params.get("enhet") or None
    next_path = request.query_params.get("nasta") or routes.INDEX
    if not next_path.startswith("/") or next_path.startswith("//"):
        next_path = routes.INDEX
    try:
        token = await identity.login(hsa_id, unit_id, origin="DEV", params={})
        user = identity.get_session(token, touch=False)
    except WebcertError as exc:
        return _error_redirect(exc)
    target = next_path if user.unit else routes.CHOOSE_UNIT + "?nasta=" + next_path
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, token)
    return response


# --- authentication: one API key per EHR system, scoped to its care units ------------------
def _api_system(request: Request) -> EhrSystem:
    """The calling EHR system, from ``X-Api-Key`` or ``Authorization: Bearer``."""
    key = request.headers.get("x-api-key", "")
    if not key:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        key = value.strip() if scheme.lower() == "bearer" else ""
    return ehr_api.system_for_key(key)


# --- input helpers ---------------------------------------------------------------------------
def _hsa_id(body: dict[str, Any], path: str, *, required: bool = True) -> str:
    value = body_str(body, path, required=required, max_len=64)
    if value and not HSA_ID.fullmatch(value):
        raise InvalidInput(f"Fältet {path} är inte ett giltigt HSA-id.", field=path)
    return value


def _personnummer(value: str, field: str) -> str:
    """12 digits of a valid personnummer or samordningsnummer (python-stdnum)."""
    try:
        return pnr.normalize(value)
    except pnr.InvalidPersonnummer as exc:
        raise pnr.InvalidPersonnummer(exc.message, field=field) from None


def _only_query(request: Request, *allowed: str) -> None:
    """Refuse query parameters the endpoint does not know (a typo must not be ignored)."""
    for name, value in request.query_params.multi_items():
        if name not in allowed:
            raise InvalidInput(f"Okänd parameter {name!r}.", field=name or "?")
        text.check_text(value, field=name, free_text=False)


def _user_query(request: Request) -> str | None:
    """``?user_hsa_id=``: the person an EHR read is made for (named in the PDL log)."""
    value = request.query_params.get("user_hsa_id")
    if value is not None and not HSA_ID.fullmatch(value):
        raise InvalidInput("user_hsa_id är inte ett giltigt HSA-id.", field="user_hsa_id")
    return value


def _path_id(request: Request, name: str = "cert_id") -> str:
    value = request.path_params[name]
    if not value or len(value) > 64 or text.bad_text(value, free_text=False):
        raise NotFound("Intyget finns inte.")
    return value


def _deep_link_url(cert_id: str) -> str:
    return get_settings().public_url + routes.DEEP_LINK.format(cert_id=cert_id)


def _with_url(summary: dict[str, Any]) -> dict[str, Any]:
    return {**summary, "url": _deep_link_url(summary["id"])}


# --- endpoints -------------------------------------------------------------------------------
@api
async def list_certificate_types(request: Request) -> Response:
    """The certificate types an EHR may create drafts of (its "Intygstyp" choice)."""
    _api_system(request)
    _only_query(request)
    return JSONResponse({"types": ehr_api.certificate_types()})


@api
async def create_certificate(request: Request) -> Response:
    """Create a draft (the counterpart of CreateDraftCertificate v3)."""
    system = _api_system(request)
    body = await json_body(request)
    cert_type = body_str(body, "type", max_len=32)
    try:
        definition = get_definition(cert_type)
    except KeyError:
        raise InvalidInput(
            "Okänd intygstyp. Giltiga typer: " + ", ".join(creatable_types()) + ".", field="type"
        ) from None
    if definition.read_only:
        raise InvalidInput(
            f"{definition.form_id} kan endast visas och skrivas ut, inte skapas.", field="type"
        )
    pnr_digits = _personnummer(
        body_str(body, "patient.personnummer", max_len=20), "patient.personnummer"
    )
    user_id = _hsa_id(body, "user_hsa_id")
    unit_id = _hsa_id(body, "unit_id")
    ehr_api.require_unit(system, unit_id, "unit_id")
    overrides = {
        "first_name": body_str(body, "patient.fornamn", required=False),
        "middle_name": body_str(body, "patient.mellannamn", required=False),
        "last_name": body_str(body, "patient.efternamn", required=False),
        "address": body_str(body, "patient.postadress", required=False),
        "postal_code": body_str(body, "patient.postnummer", required=False, max_len=10),
        "city": body_str(body, "patient.postort", required=False),
    }
    ref = body_str(body, "ref", required=False) or None
    user = await identity.acting_user(user_id, unit_id, system_name=system.name)
    try:
        cert = await lifecycle.create_draft(
            user,
            cert_type=definition.type,
            personnummer=pnr_digits,
            ehr_ref=ref,
            patient_overrides=overrides,
        )
    except NotFound as exc:
        raise NotFound(exc.message, code="PATIENT_NOT_FOUND") from None
    return JSONResponse(
        {
            "id": cert.id,
            "type": cert.type,
            "status": cert.status.value,
            "url": _deep_link_url(cert.id),
        },
        201,
    )


@api
async def create_launch_token(request: Request) -> Response:
    """A short-lived single-use token for deep-linking a user into a certificate."""
    system = _api_system(request)
    body = await json_body(request)
    hsa_id = _hsa_id(body, "user_hsa_id")
    unit_id = _hsa_id(body, "unit_id", required=False) or None
    cert_id = body_str(body, "certificate_id", max_len=64)
    raw_params = body.get("parameters")
    raw_params = {} if raw_params is None else raw_params
    if not isinstance(raw_params, dict):
        raise InvalidInput("Fältet parameters måste vara ett objekt.", field="parameters")
    params: dict[str, str] = {}
    for name, value in raw_params.items():
        if name not in identity.LAUNCH_PARAMETERS:
            raise InvalidInput(f"Okänd parameter {name}.", field=f"parameters.{name}")
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, str) or len(value) > 200:
            raise InvalidInput(
                f"Parametern {name} måste vara en textsträng.", field=f"parameters.{name}"
            )
        params[name] = value
    if unit_id:
        ehr_api.require_unit(system, unit_id, "unit_id")
    enhet = params.get("enhet", "").strip()
    if enhet:  # the unit parameter is checked like unit_id: the system's and the user's
        if not HSA_ID.fullmatch(enhet):
            raise InvalidInput(
                "Parametern enhet är inte ett giltigt HSA-id.", field="parameters.enhet"
            )
        ehr_api.require_unit(system, enhet, "parameters.enhet")
        await identity.acting_user(hsa_id, enhet)
    ehr_api.check_launch_target(system, cert_id)
    if unit_id:
        await identity.acting_user(hsa_id, unit_id)  # the user must have a commission there
    token = identity.issue_launch_token(
        hsa_id=hsa_id, unit_id=unit_id, certificate_id=cert_id, params=params
    )
    return JSONResponse(
        {
            "token": token,
            "url": get_settings().public_url + routes.deep_link(cert_id, token, **params),
            "expiresIn": get_settings().launch_token_ttl_seconds,
        }
    )


@api
async def list_unit_certificates(request: Request) -> Response:
    """Certificates of a care unit with status and Q&A counts (ListCertificatesForCareWithQA)."""
    system = _api_system(request)
    unit_id = request.path_params["unit_id"]
    if not unit_id or len(unit_id) > 64:
        raise InvalidInput("Vårdenhetens HSA-id är ogiltigt.", field="unit_id")
    ehr_api.require_unit(system, unit_id, "unit_id")
    _only_query(request, "patient", "status", "limit", "user_hsa_id")
    query = request.query_params
    patient_id = _personnummer(query["patient"], "patient") if "patient" in query else None
    statuses: list[CertificateStatus] | None = None
    if "status" in query:
        statuses = []
        for value in query["status"].split(","):
            try:
                statuses.append(CertificateStatus(value.strip()))
            except ValueError:
                raise InvalidInput(
                    "Okänd status. Giltiga: " + ", ".join(s.value for s in CertificateStatus),
                    field="status",
                ) from None
    limit = ehr_api.DEFAULT_LIMIT
    if "limit" in query:
        text = query["limit"]
        if not text.isdigit() or not 1 <= int(text) <= 1000:
            raise InvalidInput("limit måste vara ett heltal 1–1000.", field="limit")
        limit = int(text)
    summaries = await ehr_api.list_certificates(
        system,
        unit_id,
        patient_id=patient_id,
        statuses=statuses,
        limit=limit,
        user_hsa_id=_user_query(request),
    )
    return JSONResponse({"unitId": unit_id, "certificates": [_with_url(c) for c in summaries]})


@api
async def get_certificate(request: Request) -> Response:
    """One certificate as JSON (content, status, patient, Q&A counts)."""
    system = _api_system(request)
    cert_id = _path_id(request)
    _only_query(request, "user_hsa_id")
    detail = await ehr_api.get_certificate(system, cert_id, user_hsa_id=_user_query(request))
    return JSONResponse(_with_url(detail))


@api
async def get_certificate_pdf(request: Request) -> Response:
    """The certificate as a PDF (§4.5); ``?minimal=true`` for the minimal print (§4.5.3)."""
    system = _api_system(request)
    cert_id = _path_id(request)
    _only_query(request, "minimal", "user_hsa_id")
    minimal_text = request.query_params.get("minimal", "false").lower()
    if minimal_text not in ("true", "false", "1", "0"):
        raise InvalidInput("minimal måste vara true eller false.", field="minimal")
    minimal = minimal_text in ("true", "1")
    data, filename = await ehr_api.certificate_pdf(
        system, cert_id, minimal=minimal, user_hsa_id=_user_query(request)
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _require_fk(request: Request) -> None:
    """Försäkringskassan's credential (settings.fk_api_key) in ``X-Api-Key``."""
    key = request.headers.get("x-api-key", "")
    expected = get_settings().fk_api_key
    if not key or not expected or not secrets.compare_digest(key.encode(), expected.encode()):
        raise NotAuthorized(
            "Ogiltig eller saknad nyckel för Försäkringskassan (ange den i huvudet X-Api-Key).",
            code="UNAUTHENTICATED",
        )


@api
async def receive_message(request: Request) -> Response:
    """Inbound message from Försäkringskassan (SendMessageToCare): a question, a reminder or
    an answer to a question from the care unit. Validated and stored by
    ``services.questions.receive_message`` (nothing is stored on an error); open pages of the
    certificate are updated at once (state.questions.schedule_refresh)."""
    _require_fk(request)
    body = await json_body(request)
    from services import questions
    from state import questions as question_panel

    result = await asyncio.to_thread(questions.receive_message, body)
    question_panel.schedule_refresh(result["certificateId"])
    return JSONResponse(result, 201)


async def openapi_document(_request: Request) -> Response:
    from webcert_ui.openapi import build_openapi

    return JSONResponse(build_openapi())


async def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok", "time": clock.now().isoformat()})


def _api_routes() -> list[Route]:
    p = routes.API_PREFIX
    return [
        Route(p + "/openapi.json", openapi_document, methods=["GET"]),
        Route(p + "/certificate-types", list_certificate_types, methods=["GET"]),
        Route(p + "/certificates", create_certificate, methods=["POST"]),
        Route(p + "/certificates/{cert_id}", get_certificate, methods=["GET"]),
        Route(p + "/certificates/{cert_id}/pdf", get_certificate_pdf, methods=["GET"]),
        Route(p + "/launch-tokens", create_launch_token, methods=["POST"]),
        Route(p + "/units/{unit_id}/certificates", list_unit_certificates, methods=["GET"]),
        Route(p + "/messages", receive_message, methods=["POST"]),
    ]


def _api_fallback(api_routes: list[Route]):  # type: ignore[no-untyped-def]
    """JSON 404/405 for anything else under /api/v1 (instead of the Reflex page)."""

    async def fallback(request: Request) -> Response:
        allowed: set[str] = set()
        for route in api_routes:
            match, _ = route.matches({**request.scope, "method": "__NONE__"})
            if match != Match.NONE and route.methods:
                allowed |= route.methods
        if allowed:
            return JSONResponse(
                error_body("METHOD_NOT_ALLOWED", "Metoden stöds inte för adressen."),
                405,
                headers={"Allow": ", ".join(sorted(allowed))},
            )
        return JSONResponse(error_body("NOT_FOUND", "Adressen finns inte i API:t."), 404)

    return fallback


def build_routes() -> list[Route]:
    from webcert_ui import pdl_routes, riv, smart_routes, testability

    api_routes = _api_routes()
    all_methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
    return [
        Route(routes.DEEP_LINK, deep_link, methods=["GET"]),
        Route(routes.DEEP_LINK_QUESTIONS, deep_link, methods=["GET"]),
        Route(routes.DEV_LOGIN, dev_login, methods=["GET"]),
        *smart_routes.build_routes(),
        *api_routes,
        Route(routes.API_PREFIX + "/{rest:path}", _api_fallback(api_routes), methods=all_methods),
        Route("/health", health, methods=["GET"]),
        *pdl_routes.build_routes(),
        *riv.build_routes(),
        *testability.build_routes(),
    ]


def make_api() -> Starlette:
    """The Starlette app Reflex mounts itself into (our routes are matched first)."""
    return Starlette(routes=build_routes())

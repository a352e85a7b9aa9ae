"""Webcert as a SMART on FHIR app (SMART App Launch v2, EHR launch), beside the deep link.

1. :func:`begin` — the EHR opens ``/smart/launch?iss=…&launch=…``. ``iss`` must be one of the
   configured EHRs (settings ``smart_issuers``); the endpoints come from its
   ``.well-known/smart-configuration``; the browser is sent to the authorization endpoint with
   state, nonce and PKCE S256 (Authlib's helpers). What the callback needs (state, nonce, code
   verifier, endpoints) travels in a short-lived signed HttpOnly cookie (joserfc, HS256).
2. :func:`complete` — the callback checks state (single use), exchanges the code, verifies the
   id_token with the EHR's JWKS (joserfc, RS256: signature, iss, aud, exp, nonce), reads the
   fhirUser, patient and encounter over FHIR (parsed with ``fhir.resources``) and maps them to
   an HSA user, a care unit and a personnummer.

The session itself is opened by :func:`services.identity.login`, exactly as for a deep link.
Every refusal is a :class:`SmartLaunchRefused` subclass with a Swedish message; the caller
logs it with :func:`record_refusal`.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fhir.resources.R4B import get_fhir_model_class
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey
from sqlalchemy.exc import IntegrityError

from services import audit, clock, http_client, personnummer
from services.errors import WebcertError
from services.persistence.db import session_scope
from services.persistence.models import UsedLaunchToken
from services.routes import SMART_CALLBACK
from services.settings import get_settings

PNR_SYSTEMS = ("urn:oid:1.2.752.129.2.1.3.1", "urn:oid:1.2.752.129.2.1.3.3")  # pnr, samordn.
HSA_SYSTEM = "urn:oid:1.2.752.129.2.1.4.1"
SCOPE = "launch openid fhirUser patient/*.read patient/DocumentReference.write"
COOKIE_NAME = "webcert_smart"
COOKIE_TTL_SECONDS = 300
CALLBACK_PATH = SMART_CALLBACK  # the redirect_uri path
ORIGIN = "SMART"


class SmartLaunchRefused(WebcertError):
    code = "SMART_REFUSED"
    default_message = (
        "Webcert kunde inte startas från journalsystemet. Starta Webcert på nytt från "
        "journalsystemet."
    )


class UnknownIssuer(SmartLaunchRefused):
    code = "SMART_UNKNOWN_ISS"
    default_message = (
        "Journalsystemet som försökte starta Webcert är inte anslutet till Webcert. Kontakta "
        "din systemförvaltare."
    )


class SmartLaunchInvalid(SmartLaunchRefused):
    code = "SMART_LAUNCH_INVALID"
    default_message = (
        "Starten från journalsystemet är ogiltig, redan använd eller har gått ut. Starta "
        "Webcert på nytt från journalsystemet."
    )


class SmartStateInvalid(SmartLaunchRefused):
    code = "SMART_STATE_INVALID"
    default_message = (
        "Inloggningen från journalsystemet hör inte till den här starten av Webcert (fel "
        "state). Starta Webcert på nytt från journalsystemet."
    )


class SmartNonceInvalid(SmartLaunchRefused):
    code = "SMART_NONCE_INVALID"
    default_message = (
        "Inloggningen från journalsystemet hör inte till den här starten av Webcert (fel "
        "nonce). Starta Webcert på nytt från journalsystemet."
    )


class SmartIdTokenInvalid(SmartLaunchRefused):
    code = "SMART_ID_TOKEN_INVALID"
    default_message = (
        "Journalsystemets intyg om vem du är (id_token) kunde inte verifieras. Starta Webcert "
        "på nytt från journalsystemet."
    )


class SmartNoPersonnummer(SmartLaunchRefused):
    code = "SMART_NO_PERSONNUMMER"
    default_message = (
        "Patienten saknar personnummer eller samordningsnummer i journalsystemet. Webcert kan "
        "bara utfärda intyg för patienter med personnummer eller samordningsnummer."
    )


class SmartNoHsaId(SmartLaunchRefused):
    code = "SMART_NO_HSA_ID"
    default_message = (
        "Din användare i journalsystemet saknar HSA-id. Webcert kräver ett HSA-id och ett "
        "medarbetaruppdrag i HSA."
    )


class SmartNoCommission(SmartLaunchRefused):
    code = "SMART_NO_COMMISSION"
    default_message = (
        "Du har inget medarbetaruppdrag med ändamål ”Vård och behandling” på vårdenheten som "
        "journalsystemet angav."
    )


class SmartEhrUnavailable(SmartLaunchRefused):
    code = "SMART_EHR_UNAVAILABLE"
    default_message = "Journalsystemet svarar inte just nu. Försök igen om en stund."


@dataclass(frozen=True)
class SmartContext:
    """What a completed launch gives: who, where, for which patient, and how to write back."""

    iss: str
    hsa_id: str
    unit_id: str
    personnummer: str
    patient_ref: str  # "Patient/<id>" on the EHR's FHIR server
    encounter_ref: str
    practitioner_ref: str
    access_token: str


@dataclass(frozen=True)
class _Actor:
    """Who a refusal is logged for (as much as is known when it happens)."""

    hsa_id: str
    name: str = ""
    role: str = ""
    unit: Any = None


def allowed_issuers() -> tuple[str, ...]:
    return get_settings().smart_issuer_list()


def redirect_uri() -> str:
    return get_settings().public_url.rstrip("/") + CALLBACK_PATH


def _cookie_key() -> OctKey:
    return OctKey.import_key(("smart:" + get_settings().launch_token_secret).encode())


async def _get_json(url: str, token: str | None = None) -> dict[str, Any]:
    headers = {"Accept": "application/fhir+json, application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = await http_client.shared().get(
            url, headers=headers, timeout=get_settings().http_timeout_seconds
        )
    except httpx.HTTPError as exc:
        raise SmartEhrUnavailable() from exc
    if response.status_code >= 500:
        raise SmartEhrUnavailable()
    if response.status_code != 200:
        raise SmartLaunchRefused(f"Journalsystemet svarade {response.status_code} på {url}.")
    try:
        body = response.json()
    except ValueError as exc:
        raise SmartLaunchRefused() from exc
    if not isinstance(body, dict):
        raise SmartLaunchRefused()
    return body


async def begin(iss: str, launch: str) -> tuple[str, str]:
    """The authorization URL to send the browser to, and the value of the launch cookie."""
    iss = (iss or "").strip().rstrip("/")
    if not iss or iss not in allowed_issuers():
        raise UnknownIssuer()
    if not launch or len(launch) > 512:
        raise SmartLaunchInvalid()
    config = await _get_json(iss + "/.well-known/smart-configuration")
    endpoints = {k: config.get(k) for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")}
    if not all(isinstance(v, str) and v for v in endpoints.values()) or "S256" not in (
        config.get("code_challenge_methods_supported") or []
    ):
        raise SmartLaunchRefused("Journalsystemets SMART-konfiguration saknar uppgifter.")
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    claims = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "iss": iss,
        "token_endpoint": endpoints["token_endpoint"],
        "jwks_uri": endpoints["jwks_uri"],
        "exp": int(time.time()) + COOKIE_TTL_SECONDS,
    }
    cookie = jwt.encode({"alg": "HS256"}, claims, _cookie_key())
    query = {
        "response_type": "code",
        "client_id": get_settings().smart_client_id,
        "redirect_uri": redirect_uri(),
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
        "aud": iss,
        "launch": launch,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return str(endpoints["authorization_endpoint"]) + "?" + urlencode(query), cookie


def _read_cookie(cookie: str | None) -> dict[str, Any]:
    if not cookie or len(cookie) > 4096:
        raise SmartStateInvalid()
    try:
        token = jwt.decode(cookie, _cookie_key(), algorithms=["HS256"])
        jwt.JWTClaimsRegistry(exp={"essential": True}).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise SmartStateInvalid() from exc
    return dict(token.claims)


def _use_state(state: str) -> None:
    """A state is used once: a replayed callback is refused."""
    try:
        with session_scope() as s:
            s.add(UsedLaunchToken(jti=("smart:" + state)[:64], used_at=clock.now()))
    except IntegrityError as exc:
        raise SmartStateInvalid() from exc


async def _verify_id_token(id_token: str, pending: dict[str, Any]) -> dict[str, Any]:
    jwks = await _get_json(pending["jwks_uri"])
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        token = jwt.decode(id_token, keys, algorithms=["RS256"])
    except (JoseError, ValueError, TypeError) as exc:
        raise SmartIdTokenInvalid() from exc
    claims = dict(token.claims)
    try:
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": pending["iss"]},
            aud={"essential": True, "value": get_settings().smart_client_id},
            exp={"essential": True},
            sub={"essential": True},
        ).validate(claims)
    except JoseError as exc:
        raise SmartIdTokenInvalid() from exc
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(
        claims["nonce"], pending["nonce"]
    ):
        raise SmartNonceInvalid()
    return claims


def _parse(resource: dict[str, Any], kind: str) -> Any:
    if resource.get("resourceType") != kind:
        raise SmartLaunchRefused(f"Journalsystemet skickade inte en {kind}.")
    try:
        return get_fhir_model_class(kind).model_validate(resource)
    except ValueError as exc:
        raise SmartLaunchRefused(f"Journalsystemets {kind} är inte giltig FHIR.") from exc


def _identifier(model: Any, systems: tuple[str, ...]) -> str:
    for ident in model.identifier or []:
        if ident.system in systems and ident.value:
            return str(ident.value)
    return ""


def _ref(iss: str, reference: str) -> str:
    """A reference (relative or absolute under ``iss``) as a URL on the EHR's FHIR server."""
    if reference.startswith(iss + "/"):
        reference = reference[len(iss) + 1 :]
    kind, _, ident = reference.partition("/")
    if not kind.isalpha() or not ident or "/" in ident or len(ident) > 64:
        raise SmartLaunchRefused("Journalsystemet skickade en ogiltig FHIR-referens.")
    return f"{iss}/{kind}/{ident}"


async def complete(query: dict[str, str], cookie: str | None) -> SmartContext:
    """The callback: check, exchange, verify, read; see the module docstring."""
    pending = _read_cookie(cookie)
    state = query.get("state", "")
    if not state or not hmac.compare_digest(state, pending["state"]):
        raise SmartStateInvalid()
    _use_state(state)
    if query.get("error") or not query.get("code"):
        raise SmartLaunchInvalid()
    settings = get_settings()
    iss = pending["iss"]
    try:
        response = await http_client.shared().post(
            pending["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": query["code"],
                "redirect_uri": redirect_uri(),
                "client_id": settings.smart_client_id,
                "code_verifier": pending["verifier"],
            },
            headers={"Accept": "application/json"},
            timeout=settings.http_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        raise SmartEhrUnavailable() from exc
    if response.status_code != 200:
        raise SmartLaunchInvalid()
    grant = response.json()
    access = grant.get("access_token")
    if not isinstance(access, str) or not isinstance(grant.get("id_token"), str):
        raise SmartLaunchInvalid()
    claims = await _verify_id_token(grant["id_token"], pending)
    fhir_user = _ref(iss, str(claims.get("fhirUser") or ""))
    practitioner = _parse(await _get_json(fhir_user, access), "Practitioner")
    hsa_id = _identifier(practitioner, (HSA_SYSTEM,))
    if not hsa_id:
        raise SmartNoHsaId()
    patient_url = _ref(iss, "Patient/" + str(grant.get("patient") or ""))
    patient = _parse(await _get_json(patient_url, access), "Patient")
    raw_pnr = _identifier(patient, PNR_SYSTEMS)
    try:
        pnr = personnummer.normalize(raw_pnr)
    except personnummer.InvalidPersonnummer as exc:
        raise SmartNoPersonnummer() from exc
    unit_id, encounter_url = "", ""
    if grant.get("encounter"):
        encounter_url = _ref(iss, "Encounter/" + str(grant["encounter"]))
        encounter = _parse(await _get_json(encounter_url, access), "Encounter")
        if encounter.serviceProvider is not None and encounter.serviceProvider.reference:
            org_url = _ref(iss, encounter.serviceProvider.reference)
            org = _parse(await _get_json(org_url, access), "Organization")
            unit_id = _identifier(org, (HSA_SYSTEM,))
    if not unit_id:
        raise SmartNoCommission("Journalsystemet angav ingen vårdenhet med HSA-id.")
    return SmartContext(
        iss=iss,
        hsa_id=hsa_id,
        unit_id=unit_id,
        personnummer=pnr,
        patient_ref=patient_url.removeprefix(iss + "/"),
        encounter_ref=encounter_url.removeprefix(iss + "/"),
        practitioner_ref=fhir_user.removeprefix(iss + "/"),
        access_token=access,
    )


def record_refusal(
    exc: WebcertError,
    *,
    iss: str = "",
    hsa_id: str = "",
    unit_id: str = "",
    patient_id: str | None = None,
) -> None:
    """The audit record of a refused SMART launch (code, reason, EHR, who if known)."""
    from services.hsa import CareUnit

    actor = _Actor(
        hsa_id=hsa_id or "okänd",
        unit=CareUnit(hsa_id=unit_id, name="") if unit_id else None,
    )
    audit.refused(
        actor,
        audit.AuditAction.LOGIN,
        code=exc.code,
        detail=f"SMART-start nekad ({iss or 'okänt journalsystem'}): {exc.message}"[:500],
        patient_id=patient_id,
        system=audit.System(f"SMART:{iss}"[:64], iss[:64] or "SMART"),
    )


# --- the launched patient on the start page --------------------------------------------------
def launched_patient(user: Any) -> str:
    """The personnummer of the patient a SMART launch opened the session for ('' if none)."""
    from services.persistence.models import ServerSession

    if not getattr(user, "token_hash", ""):
        return ""
    with session_scope() as s:
        row = s.get(ServerSession, user.token_hash)
        if row is None or row.origin != ORIGIN:
            return ""
        return str(((row.params.get("extra") or {}).get("smart") or {}).get("patient") or "")


def patient_overview(user: Any) -> dict[str, Any]:
    """The launched patient's certificates on the unit and the types the user's role may
    create (§2.4 table 2); empty when the session was not opened by a SMART launch."""
    from services import hsa, rights
    from services.certificate_views import list_for_unit
    from services.certificates import creatable_types, get_definition

    pnr = launched_patient(user)
    if not pnr:
        return {"patient": "", "rows": [], "types": []}
    shown = personnummer.format(pnr)
    try:
        role = hsa.Role(user.role)
    except ValueError:
        role = None
    types = [
        {"type": t, "label": f"{get_definition(t).form_id} – {get_definition(t).name}"}
        for t in creatable_types()
        if role is not None and role in rights.TYPES_BY_ROLE.get(t, frozenset())
    ]
    rows = [r for r in list_for_unit(user) if r.get("patient") == shown]
    return {"patient": shown, "rows": rows, "types": types}


async def create_for_launched_patient(user: Any, cert_type: str) -> str:
    """A new draft of ``cert_type`` for the launched patient (never a browser-given one)."""
    from services.drafts import create_draft

    pnr = launched_patient(user)
    if not pnr:
        raise SmartLaunchRefused("Webcert startades inte för en patient från journalsystemet.")
    cert = await create_draft(user, cert_type=str(cert_type)[:32], personnummer=pnr)
    return cert.id

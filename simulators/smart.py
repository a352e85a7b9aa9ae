"""SMART App Launch (v2) and FHIR R4 for the demo EHR: the EHR launches Webcert as a SMART app.

Mounted into the demo EHR (simulators/ehr.py), so its FHIR base URL (the ``iss``) is
``<ehr_url>/fhir``:

GET  /fhir/.well-known/smart-configuration   discovery (authorize, token, jwks, capabilities)
GET  /fhir/metadata                           a minimal CapabilityStatement
GET  /auth/jwks                               the public key the id_token is signed with (RS256)
GET  /auth/authorize                          authorization code + PKCE S256 + ``launch``; the
                                              EHR user is the one of the launch (no login page);
                                              an unknown, used or expired launch is refused
POST /auth/token                              code + code_verifier → access token, id_token,
                                              patient/encounter context
GET  /fhir/Patient|Practitioner|PractitionerRole|Organization|Encounter/{id}   (Bearer)
POST /fhir/DocumentReference, PUT /fhir/DocumentReference/{id}  (Bearer: the system token)
GET  /fhir/DocumentReference?patient=<id>     the documents written back
POST /smart/launches   JSON {patient, practitioner, unit}: a launch (tests, and the page's button)
POST /smart/start      form: the page's "Starta Webcert (SMART)" → 303 to Webcert's launch URL

Resources come from the same test data as the HSA and PU simulators and are validated with
``fhir.resources`` before they are served. Identifiers: personnummer
``urn:oid:1.2.752.129.2.1.3.1``, HSA id ``urn:oid:1.2.752.129.2.1.4.1``; a protected identity
is the security label R (restricted). Two test records exist for refusals: the patient
``reservnummer`` (no personnummer) and the practitioner ``vikarie`` (no HSA id).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fhir.resources.R4B import get_fhir_model_class
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from simulators.common import load_hsa, load_pu_persons, now_iso

PNR_SYSTEM = "urn:oid:1.2.752.129.2.1.3.1"
HSA_SYSTEM = "urn:oid:1.2.752.129.2.1.4.1"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
CLIENT_ID = "webcert"
SCOPES = "launch openid fhirUser patient/*.read patient/DocumentReference.write"
LAUNCH_TTL_SECONDS = 300
CODE_TTL_SECONDS = 60
TOKEN_TTL_SECONDS = 3600
NO_PNR_PATIENT = "reservnummer"
NO_HSA_PRACTITIONER = "vikarie"
FHIR_JSON = "application/fhir+json"


class SmartState:
    """Launches, codes, tokens and documents (in memory); the signing key outlives resets."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": "demo-ehr-1", "use": "sig", "alg": "RS256"}
        )
        self.reset()

    def reset(self) -> None:
        self.launches: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.encounters: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        # A key published instead of the signing key (tests: an id_token that fails to verify).
        self.published_key: RSAKey | None = None


def _fhir(data: dict[str, Any]) -> dict[str, Any]:
    """Validate with fhir.resources (its R4B models: R4 shapes) and return the JSON form."""
    model = get_fhir_model_class(data["resourceType"]).model_validate(data)
    return model.model_dump(mode="json", exclude_none=True)


def _fhir_response(data: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(_fhir(data), status_code=status, media_type=FHIR_JSON)


def _outcome(status: int, text: str, code: str = "processing") -> JSONResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


def patient_id(personnummer: str) -> str:
    return "pat-" + personnummer


def _identified(kind: str, ident: str, system: str, value: str, **fields: Any) -> dict[str, Any]:
    """A FHIR resource of ``kind`` with its one identifier (``system``, ``value``)."""
    return {
        "resourceType": kind,
        "id": ident,
        "identifier": [{"system": system, "value": value}],
        **fields,
    }


def _human_name(person: dict[str, Any]) -> dict[str, Any]:
    """The FHIR HumanName of a person in the test data."""
    return {
        "family": person.get("last_name") or "",
        "given": [g for g in (person.get("first_name"),) if g],
    }


def patient_resource(ident: str) -> dict[str, Any] | None:
    if ident == NO_PNR_PATIENT:
        return _identified(
            "Patient",
            NO_PNR_PATIENT,
            "urn:oid:1.2.752.97.3.1.3",
            "RES-0001",
            name=[{"family": "Reservnummer", "given": ["Okänd"]}],
        )
    for person in load_pu_persons():
        if patient_id(person["personnummer"]) != ident:
            continue
        resource = _identified(
            "Patient",
            ident,
            PNR_SYSTEM,
            person["personnummer"],
            name=[_human_name(person)],
            deceasedBoolean=bool(person.get("deceased")),
        )
        if person.get("sekretess"):
            resource["meta"] = {
                "security": [{"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}]
            }
        return resource
    return None


def _person(hsa_id: str) -> dict[str, Any] | None:
    return next((p for p in load_hsa()["persons"] if p["hsa_id"] == hsa_id), None)


def practitioner_resource(ident: str) -> dict[str, Any] | None:
    if ident == NO_HSA_PRACTITIONER:
        return {
            "resourceType": "Practitioner",
            "id": NO_HSA_PRACTITIONER,
            "name": [{"family": "Vikarie", "given": ["Ingen"]}],
        }
    person = _person(ident)
    if person is None:
        return None
    return _identified(
        "Practitioner", ident, HSA_SYSTEM, person["hsa_id"], name=[_human_name(person)]
    )


def _unit(unit_id: str) -> dict[str, Any] | None:
    for provider in load_hsa()["care_providers"]:
        for unit in provider["units"]:
            for candidate in [unit, *(unit.get("subunits") or [])]:
                if candidate["id"] == unit_id:
                    return {**candidate, "care_provider": provider}
    return None


def organization_resource(ident: str) -> dict[str, Any] | None:
    unit = _unit(ident)
    if unit is None:
        return None
    return _identified("Organization", ident, HSA_SYSTEM, unit["id"], name=unit["name"])


def practitioner_role_resource(ident: str) -> dict[str, Any] | None:
    hsa_id, _, unit_id = ident.partition(".")
    person = _person(hsa_id)
    if person is None or _unit(unit_id) is None:
        return None
    title = person.get("title") or ""
    return {
        "resourceType": "PractitionerRole",
        "id": ident,
        "practitioner": {"reference": f"Practitioner/{hsa_id}"},
        "organization": {"reference": f"Organization/{unit_id}"},
        "code": [{"text": title}] if title else [],
    }


def create_routes(
    state: SmartState,
    *,
    webcert_url: Callable[[], str],
    client_secret: Callable[[], str],
) -> list[Route]:
    """The SMART and FHIR routes of the demo EHR (``webcert_url()``: where Webcert runs;
    ``client_secret()``: Webcert's secret for client_credentials, from the runner)."""

    def base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def issuer(request: Request) -> str:
        return base(request) + "/fhir"

    def redirect_uri() -> str:
        return webcert_url().rstrip("/") + "/smart/callback"

    def new_launch(patient: str, practitioner: str, unit: str) -> str:
        launch = secrets.token_urlsafe(16)
        encounter = "enc-" + secrets.token_hex(8)
        state.encounters[encounter] = {"patient": patient, "unit": unit, "start": now_iso()}
        state.launches[launch] = {
            "patient": patient,
            "practitioner": practitioner,
            "unit": unit,
            "encounter": encounter,
            "created": time.time(),
            "used": False,
        }
        return launch

    def launch_url(request: Request, launch: str) -> str:
        query = urlencode({"iss": issuer(request), "launch": launch})
        return webcert_url().rstrip("/") + "/smart/launch?" + query

    async def create_launch(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not all(
            isinstance(body.get(k), str) for k in ("patient", "practitioner", "unit")
        ):
            return JSONResponse({"error": "Ange patient, practitioner och unit."}, 400)
        launch = new_launch(body["patient"], body["practitioner"], body["unit"])
        return JSONResponse(
            {
                "launch": launch,
                "iss": issuer(request),
                "encounter": state.launches[launch]["encounter"],
                "url": launch_url(request, launch),
            },
            201,
        )

    async def start(request: Request) -> Response:
        form = await request.form()
        user = str(form.get("user", ""))
        hsa_id, _, unit = user.partition("|")
        patient = patient_id(str(form.get("patient", "")))
        return RedirectResponse(launch_url(request, new_launch(patient, hsa_id, unit)), 303)

    async def smart_configuration(request: Request) -> Response:
        b = base(request)
        return JSONResponse(
            {
                "issuer": issuer(request),
                "jwks_uri": b + "/auth/jwks",
                "authorization_endpoint": b + "/auth/authorize",
                "token_endpoint": b + "/auth/token",
                "grant_types_supported": ["authorization_code"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none"],
                "scopes_supported": SCOPES.split(),
                "response_types_supported": ["code"],
                "capabilities": [
                    "launch-ehr",
                    "client-public",
                    "sso-openid-connect",
                    "context-ehr-patient",
                    "context-ehr-encounter",
                    "permission-patient",
                    "permission-v2",
                ],
            }
        )

    async def metadata(request: Request) -> Response:
        return JSONResponse(
            {
                "resourceType": "CapabilityStatement",
                "status": "active",
                "date": now_iso(),
                "kind": "instance",
                "fhirVersion": "4.0.1",
                "format": ["json"],
            },
            media_type=FHIR_JSON,
        )

    async def jwks(request: Request) -> Response:
        return JSONResponse(KeySet([state.published_key or state.key]).as_dict(private=False))

    async def authorize(request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("redirect_uri") != redirect_uri():
            return JSONResponse({"error": "invalid_client"}, 400)  # never redirect blindly

        def fail(code: str, text: str) -> Response:
            query = {"error": code, "error_description": text}
            if q.get("state"):
                query["state"] = q["state"]
            return RedirectResponse(redirect_uri() + "?" + urlencode(query), 303)

        if q.get("response_type") != "code":
            return fail("unsupported_response_type", "response_type must be code")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return fail("invalid_request", "PKCE S256 is required")
        if q.get("aud") != issuer(request):
            return fail("invalid_request", "aud is not this FHIR server")
        launch = state.launches.get(q.get("launch", ""))
        if launch is None or launch["used"]:
            return fail("invalid_request", "unknown or used launch")
        launch["used"] = True  # single use, even if the rest fails
        if time.time() - launch["created"] > LAUNCH_TTL_SECONDS:
            return fail("invalid_request", "expired launch")
        code = secrets.token_urlsafe(24)
        state.codes[code] = {
            **launch,
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce"),
            "scope": q.get("scope", ""),
            "issued": time.time(),
            "iss": issuer(request),
        }
        query = {"code": code, "state": q.get("state", "")}
        return RedirectResponse(redirect_uri() + "?" + urlencode(query), 303)

    async def token(request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") == "client_credentials":  # Webcert's write-back (system)
            if form.get("client_id") != CLIENT_ID or not secrets.compare_digest(
                str(form.get("client_secret", "")), client_secret()
            ):
                return JSONResponse({"error": "invalid_client"}, 401)
            access = secrets.token_urlsafe(32)
            state.tokens[access] = {"system": True, "expires": time.time() + TOKEN_TTL_SECONDS}
            return JSONResponse(
                {
                    "access_token": access,
                    "token_type": "Bearer",
                    "expires_in": TOKEN_TTL_SECONDS,
                    "scope": "system/DocumentReference.write",
                },
                headers={"Cache-Control": "no-store"},
            )
        grant = state.codes.pop(str(form.get("code", "")), None)
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or time.time() - grant["issued"] > CODE_TTL_SECONDS
            or form.get("redirect_uri") != redirect_uri()
            or form.get("client_id") != CLIENT_ID
        ):
            return JSONResponse({"error": "invalid_grant"}, 400)
        verifier = str(form.get("code_verifier", ""))
        if not verifier or create_s256_code_challenge(verifier) != grant["challenge"]:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "PKCE check failed"}, 400
            )
        access = secrets.token_urlsafe(32)
        state.tokens[access] = {**grant, "expires": time.time() + TOKEN_TTL_SECONDS}
        now = int(time.time())
        claims = {
            "iss": grant["iss"],
            "sub": grant["practitioner"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "fhirUser": f"{grant['iss']}/Practitioner/{grant['practitioner']}",
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": state.key.kid}, claims, state.key)
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": TOKEN_TTL_SECONDS,
                "scope": grant["scope"] or SCOPES,
                "id_token": id_token,
                "patient": grant["patient"],
                "encounter": grant["encounter"],
                "fhirContext": [
                    {"reference": f"PractitionerRole/{grant['practitioner']}.{grant['unit']}"}
                ],
                "need_patient_banner": False,
            },
            headers={"Cache-Control": "no-store"},
        )

    def bearer(request: Request) -> dict[str, Any] | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        grant = state.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if grant is None or grant["expires"] < time.time():
            return None
        return grant

    def encounter_resource(ident: str) -> dict[str, Any] | None:
        enc = state.encounters.get(ident)
        if enc is None:
            return None
        return {
            "resourceType": "Encounter",
            "id": ident,
            "status": "in-progress",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
            },
            "subject": {"reference": f"Patient/{enc['patient']}"},
            "serviceProvider": {"reference": f"Organization/{enc['unit']}"},
            "period": {"start": enc["start"]},
        }

    readers: dict[str, Callable[[str], dict[str, Any] | None]] = {
        "Patient": patient_resource,
        "Practitioner": practitioner_resource,
        "PractitionerRole": practitioner_role_resource,
        "Organization": organization_resource,
        "Encounter": encounter_resource,
        "DocumentReference": lambda ident: state.documents.get(ident),
    }

    async def read(request: Request) -> Response:
        grant = bearer(request)
        if grant is None or grant.get("system"):
            return _outcome(401, "Bearer token saknas eller har gått ut.", "login")
        kind, ident = request.path_params["kind"], request.path_params["ident"]
        reader = readers.get(kind)
        resource = reader(ident) if reader else None
        if resource is None:
            return _outcome(404, f"{kind}/{ident} finns inte.", "not-found")
        return _fhir_response(resource)

    def _document(body: Any, ident: str) -> dict[str, Any] | str:
        if not isinstance(body, dict) or body.get("resourceType") != "DocumentReference":
            return "Ange en DocumentReference."
        try:
            resource = _fhir({**body, "id": ident})
        except ValueError as exc:
            return f"Ogiltig DocumentReference: {exc}"[:500]
        resource["meta"] = {"lastUpdated": now_iso()}
        return resource

    async def write_document(request: Request) -> Response:
        grant = bearer(request)
        if grant is None or not grant.get("system"):
            return _outcome(401, "Bearer token saknas eller har gått ut.", "login")
        ident = request.path_params.get("ident") or "doc-" + secrets.token_hex(8)
        try:
            body = await request.json()
        except ValueError:
            body = None
        result = _document(body, ident)
        if isinstance(result, str):
            return _outcome(400, result, "invalid")
        created = ident not in state.documents
        state.documents[ident] = result
        return _fhir_response(result, 201 if created else 200)

    async def search_documents(request: Request) -> Response:
        patient = request.query_params.get("patient", "")
        entries = [
            {"resource": doc}
            for doc in state.documents.values()
            if not patient or doc.get("subject", {}).get("reference") == f"Patient/{patient}"
        ]
        return JSONResponse(
            {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(entries),
                "entry": entries,
            },
            media_type=FHIR_JSON,
        )

    return [
        Route("/fhir/.well-known/smart-configuration", smart_configuration, methods=["GET"]),
        Route("/fhir/metadata", metadata, methods=["GET"]),
        Route("/auth/jwks", jwks, methods=["GET"]),
        Route("/auth/authorize", authorize, methods=["GET"]),
        Route("/auth/token", token, methods=["POST"]),
        Route("/fhir/DocumentReference", search_documents, methods=["GET"]),
        Route("/fhir/DocumentReference", write_document, methods=["POST"]),
        Route("/fhir/DocumentReference/{ident}", write_document, methods=["PUT"]),
        Route("/fhir/{kind}/{ident}", read, methods=["GET"]),
        Route("/smart/launches", create_launch, methods=["POST"]),
        Route("/smart/start", start, methods=["POST"]),
    ]

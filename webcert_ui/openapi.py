"""The OpenAPI 3.0 document of the EHR API (served at GET /api/v1/openapi.json).

Written by hand (no FastAPI): the handlers in webcert_ui/api.py validate their input
themselves; this document describes exactly what they accept and answer. The contract tests
and schemathesis (tests/integration) keep the two in step.
"""

from __future__ import annotations

from typing import Any

from services.certificates.base import Recipient
from services.identity import LAUNCH_PARAMETERS
from services.persistence.models import CertificateStatus
from services.question_handling import Topic
from services.roles import Role
from services.settings import get_settings

OPENAPI_PATH = "/api/v1/openapi.json"

_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_DATETIME = {"type": "string", "format": "date-time"}
_NDATETIME = {"type": "string", "format": "date-time", "nullable": True}
_HSA_ID = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "pattern": r"^[A-Za-z0-9][A-Za-z0-9\-_.]*$",
}
_PNR = {
    "type": "string",
    "minLength": 10,
    "maxLength": 20,
    "pattern": r"^(\d{2})?\d{6}[-+]?\d{4}$",
    "description": "Personnummer eller samordningsnummer: ÅÅÅÅMMDD-NNNN, ÅÅÅÅMMDDNNNN, "
    "ÅÅMMDD-NNNN eller ÅÅMMDD+NNNN. Kontrollsiffran valideras.",
    "example": "19121212-1212",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


_E400 = _error("Felaktig begäran; `error.field` anger fältet (t.ex. `patient.personnummer`).")
_E401 = _error("API-nyckel saknas eller är ogiltig.")
_E403 = _error("Journalsystemet eller användaren får inte hantera vårdenheten.")
_E404 = _error("Finns inte (intyg, patient eller adress).")
_E503 = _error("En extern tjänst (HSA, PU-tjänsten) svarar inte, eller tekniskt fel.")
# The errors of every call for a system's units: input, key, unit, what is named, outside services.
_ERRORS = {"400": _E400, "401": _E401, "403": _E403, "404": _E404, "503": _E503}

_COUNTS = {
    "type": "object",
    "required": ["total", "answered", "unanswered", "handled", "unhandled"],
    "properties": {
        k: {"type": "integer", "minimum": 0}
        for k in ("total", "answered", "unanswered", "handled", "unhandled")
    },
}

_SUMMARY_PROPS: dict[str, Any] = {
    "id": _STR,
    "type": {**_STR, "example": "fk7804"},
    "typeVersion": _STR,
    "typeName": _STR,
    "status": {"type": "string", "enum": [s.value for s in CertificateStatus]},
    "statusLabel": _STR,
    "patient": _ref("PatientSummary"),
    "unitId": _STR,
    "unitName": _STR,
    "careProviderId": _STR,
    "createdAt": _DATETIME,
    "createdBy": _STR,
    "updatedAt": _DATETIME,
    "signedAt": _NDATETIME,
    "signedBy": _NSTR,
    "sentAt": _NDATETIME,
    "revokedAt": _NDATETIME,
    "ref": _NSTR,
    "questions": _ref("QuestionCounts"),
    "url": {"type": "string", "description": "Djuplänk utan token (token fås via launch-tokens)."},
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "field"],
                "properties": {
                    "code": {**_STR, "example": "INVALID_PERSONNUMMER"},
                    "message": {**_STR, "description": "Meddelande på svenska."},
                    "field": {**_NSTR, "description": "Sökväg till det felaktiga fältet."},
                },
            }
        },
    },
    "CreateDraftRequest": {
        "type": "object",
        "required": ["type", "patient", "user_hsa_id", "unit_id"],
        "properties": {
            "type": {
                "type": "string",
                "minLength": 1,
                "maxLength": 32,
                "description": "Intygstyp, t.ex. fk7804, fk7800, fk7801, fk7802, tstrk1007, "
                "tstrk1031.",
                "example": "fk7804",
            },
            "patient": {
                "type": "object",
                "required": ["personnummer"],
                "properties": {
                    "personnummer": _PNR,
                    "fornamn": {"type": "string", "maxLength": 200},
                    "mellannamn": {"type": "string", "maxLength": 200},
                    "efternamn": {"type": "string", "maxLength": 200},
                    "postadress": {"type": "string", "maxLength": 200},
                    "postnummer": {"type": "string", "maxLength": 10},
                    "postort": {"type": "string", "maxLength": 200},
                },
            },
            "user_hsa_id": {**_HSA_ID, "description": "HSA-id för användaren som skapar."},
            "unit_id": {**_HSA_ID, "description": "Vårdenhetens HSA-id."},
            "ref": {"type": "string", "maxLength": 200, "description": "Journalsystemets ref."},
        },
    },
    "CreateDraftResponse": {
        "type": "object",
        "required": ["id", "type", "status", "url"],
        "properties": {"id": _STR, "type": _STR, "status": _STR, "url": _STR},
    },
    "LaunchTokenRequest": {
        "type": "object",
        "required": ["user_hsa_id", "certificate_id"],
        "properties": {
            "user_hsa_id": _HSA_ID,
            "unit_id": {**_HSA_ID, "description": "Vårdenheten användaren loggas in på."},
            "certificate_id": {"type": "string", "minLength": 1, "maxLength": 64},
            "parameters": {
                "type": "object",
                "description": "Djupintegrationsparametrar (manualen §3.2) som läggs på länken.",
                "additionalProperties": False,
                "properties": {p: {"type": "string", "maxLength": 200} for p in LAUNCH_PARAMETERS},
            },
        },
    },
    "LaunchTokenResponse": {
        "type": "object",
        "required": ["token", "url", "expiresIn"],
        "properties": {
            "token": _STR,
            "url": {**_STR, "description": "Öppna i webbläsaren: loggar in och visar intyget."},
            "expiresIn": {"type": "integer", "description": "Sekunder tills token går ut."},
        },
    },
    "PatientSummary": {
        "type": "object",
        "required": ["personnummer", "firstName", "middleName", "lastName"],
        "properties": {
            "personnummer": _STR,
            "firstName": _STR,
            "middleName": _STR,
            "lastName": _STR,
        },
    },
    "QuestionCounts": {
        "type": "object",
        "description": "Ärenden: frågor från Försäkringskassan och frågor till den.",
        "required": ["fromFk", "toFk"],
        "properties": {"fromFk": _COUNTS, "toFk": _COUNTS},
    },
    "CertificateSummary": {
        "type": "object",
        "required": list(_SUMMARY_PROPS),
        "properties": _SUMMARY_PROPS,
    },
    "CertificateTypeList": {
        "type": "object",
        "required": ["types"],
        "properties": {
            "types": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "formId", "name", "recipient", "roles"],
                    "properties": {
                        "type": {"type": "string", "example": "fk7804"},
                        "formId": {"type": "string", "example": "FK7804"},
                        "name": _STR,
                        "recipient": {"type": "string", "enum": [r.value for r in Recipient]},
                        "roles": {
                            "type": "array",
                            "items": {"type": "string", "enum": [r.value for r in Role]},
                        },
                    },
                },
            }
        },
    },
    "CertificateList": {
        "type": "object",
        "required": ["unitId", "certificates"],
        "properties": {
            "unitId": _STR,
            "certificates": {"type": "array", "items": _ref("CertificateSummary")},
        },
    },
    "Certificate": {
        "allOf": [
            _ref("CertificateSummary"),
            {
                "type": "object",
                "required": ["version", "content"],
                "properties": {
                    "version": {"type": "integer"},
                    "careProviderName": _STR,
                    "createdByName": _STR,
                    "updatedBy": _STR,
                    "updatedByName": _STR,
                    "readyForSigningAt": _NDATETIME,
                    "lockedAt": _NDATETIME,
                    "signedByName": _NSTR,
                    "revokeReason": _NSTR,
                    "parentId": _NSTR,
                    "relationKind": _NSTR,
                    "content": {"type": "object", "description": "Svaren, per fråga-id."},
                },
            },
        ],
    },
    "InboundMessage": {
        "type": "object",
        "description": (
            "Meddelande från Försäkringskassan: en ny fråga, en påminnelse (PAMINN, reminderOf) "
            "eller ett svar på vårdens fråga (inReplyTo)."
        ),
        "required": ["certificateId", "topic", "text"],
        "properties": {
            "id": {"type": "string", "maxLength": 128, "description": "FK:s meddelande-id"},
            "certificateId": {"type": "string", "minLength": 1, "maxLength": 64},
            "topic": {"type": "string", "enum": [t.value for t in Topic]},
            "text": {"type": "string", "minLength": 1, "maxLength": 4000},
            "subject": {"type": "string", "maxLength": 255},
            "complements": {
                "type": "array",
                "maxItems": 50,
                "description": "Frågorna i intyget som kompletteringsbegäran avser (KOMPLT).",
                "items": {
                    "type": "object",
                    "required": ["questionId"],
                    "properties": {
                        "questionId": {"type": "string"},
                        "text": {"type": "string", "maxLength": 4000},
                    },
                },
            },
            "reminderOf": {"type": "string", "maxLength": 128},
            "inReplyTo": {"type": "string", "maxLength": 128},
        },
    },
    "InboundMessageReceipt": {
        "type": "object",
        "required": ["id", "certificateId", "kind"],
        "properties": {
            "id": {"type": "string"},
            "certificateId": {"type": "string"},
            "kind": {"type": "string", "enum": ["QUESTION", "ANSWER"]},
        },
    },
}


def build_openapi() -> dict[str, Any]:
    """The OpenAPI document (servers point at settings.public_url)."""
    cert_id = {"name": "cert_id", "in": "path", "required": True, "schema": {"type": "string"}}
    reader = {
        "name": "user_hsa_id",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": 64},
        "description": "HSA-id för personen som läser (PDL-loggen namnger personen och "
        "journalsystemet). Personen måste ha uppdrag på intygets vårdenhet.",
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Webcert – API för journalsystem",
            "version": "1.0.0",
            "description": (
                "Journalsystem (EHR) skapar utkast, hämtar djuplänkar, listar och hämtar intyg. "
                "Varje anrop autentiseras med journalsystemets API-nyckel i huvudet `X-Api-Key` "
                "(eller `Authorization: Bearer`), och nyckeln gäller bara systemets vårdenheter. "
                'Alla fel är JSON: `{"error": {"code", "message", "field"}}`. '
                "Notifieringar (manualen §7) skickas till systemets webhook, signerade med "
                "`X-Webcert-Signature: sha256=<hex HMAC-SHA256 av kroppen>`; se docs/api.md."
            ),
        },
        "servers": [{"url": get_settings().public_url}],
        "components": {
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                "FkApiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Api-Key",
                    "description": "Försäkringskassans nyckel (inkommande meddelanden).",
                },
            },
            "schemas": SCHEMAS,
        },
        "security": [{"ApiKey": []}],
        "paths": {
            "/api/v1/certificate-types": {
                "get": {
                    "operationId": "listCertificateTypes",
                    "summary": "Intygstyper som journalsystemet kan skapa utkast av",
                    "responses": {
                        "200": _json(
                            "Intygstyperna, med mottagare och roller.", "CertificateTypeList"
                        ),
                        "400": _E400,
                        "401": _E401,
                        "503": _E503,
                    },
                }
            },
            "/api/v1/certificates": {
                "post": {
                    "operationId": "createDraft",
                    "summary": "Skapa utkast (motsvarar CreateDraftCertificate v3)",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("CreateDraftRequest")}},
                    },
                    "responses": {
                        "201": _json("Utkastet skapades.", "CreateDraftResponse"),
                        "400": _E400,
                        "401": _E401,
                        "403": _E403,
                        "404": _error("Patienten finns inte i PU-tjänsten."),
                        "503": _E503,
                    },
                }
            },
            "/api/v1/launch-tokens": {
                "post": {
                    "operationId": "createLaunchToken",
                    "summary": "Engångstoken och djuplänk för en användare till ett intyg",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("LaunchTokenRequest")}},
                    },
                    "responses": {
                        "200": _json("Token och djuplänk.", "LaunchTokenResponse"),
                        **_ERRORS,
                    },
                }
            },
            "/api/v1/units/{unit_id}/certificates": {
                "get": {
                    "operationId": "listCertificatesForCareWithQA",
                    "summary": "Vårdenhetens intyg med status och antal ärenden",
                    "parameters": [
                        {"name": "unit_id", "in": "path", "required": True, "schema": _STR},
                        {
                            "name": "patient",
                            "in": "query",
                            "required": False,
                            "schema": _PNR,
                            "description": "Endast denna patients intyg.",
                        },
                        {
                            "name": "status",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": "En eller flera (kommaseparerade) av "
                            + ", ".join(s.value for s in CertificateStatus),
                        },
                        reader,
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                        },
                    ],
                    "responses": {
                        "200": _json("Intygen, senast ändrade först.", "CertificateList"),
                        **_ERRORS,
                    },
                }
            },
            "/api/v1/certificates/{cert_id}": {
                "get": {
                    "operationId": "getCertificate",
                    "summary": "Ett intyg som JSON",
                    "parameters": [
                        cert_id,
                        reader,
                    ],
                    "responses": {
                        "200": _json("Intyget.", "Certificate"),
                        **_ERRORS,
                    },
                }
            },
            "/api/v1/certificates/{cert_id}/pdf": {
                "get": {
                    "operationId": "getCertificatePdf",
                    "summary": "Intyget som PDF (§4.5)",
                    "parameters": [
                        cert_id,
                        {
                            "name": "minimal",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": ["true", "false", "1", "0"]},
                            "description": "Minimalt intyg (§4.5.3), bara signerade FK7804.",
                        },
                        reader,
                    ],
                    "responses": {
                        "200": {
                            "description": "PDF-filen.",
                            "content": {
                                "application/pdf": {
                                    "schema": {"type": "string", "format": "binary"}
                                }
                            },
                        },
                        **_ERRORS,
                    },
                }
            },
            "/api/v1/messages": {
                "post": {
                    "operationId": "sendMessageToCare",
                    "summary": "Meddelande från Försäkringskassan (SendMessageToCare)",
                    "description": (
                        "Anropas av Försäkringskassan med sin egen nyckel (FkApiKey) i "
                        "X-Api-Key. Vid fel sparas ingenting."
                    ),
                    "security": [{"FkApiKey": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("InboundMessage")}},
                    },
                    "responses": {
                        "201": _json("Mottaget.", "InboundMessageReceipt"),
                        "400": _E400,
                        "401": _E401,
                        "404": _error("Intyget eller frågan som avses finns inte."),
                        "409": _error(
                            "Intyget är inte skickat till Försäkringskassan, meddelandet är "
                            "redan mottaget eller frågan redan besvarad."
                        ),
                        "503": _E503,
                    },
                }
            },
        },
    }

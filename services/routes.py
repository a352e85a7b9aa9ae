"""Route constants and URL builders: one place for every path of the app.

A leaf module (it imports nothing of the app), so every layer may import it: the pages and
backend routes register these paths, state and components build links with the builders.
Services return certificate ids, not URLs; the one path a service needs is the SMART
redirect_uri (:data:`SMART_CALLBACK`).
"""

from __future__ import annotations

from urllib.parse import urlencode

INDEX = "/"
DEV_LOGIN_PAGE = "/login"
CHOOSE_UNIT = "/valj-enhet"
CERTIFICATE = "/intyg/[cert_id]"
ERROR = "/fel/[kod]"
NOT_FOUND = "404"  # Reflex's slug for the page shown at an unknown path
PDL_LOG = "/pdl-logg"  # the care provider's PDL log (log-reading right only)

# Backend HTTP routes (Starlette, matched before the Reflex pages).
DEEP_LINK = "/visa/intyg/{cert_id}"
DEEP_LINK_QUESTIONS = "/visa/intyg/{cert_id}/fragor"
DEV_LOGIN = "/dev/login"
SMART_LAUNCH = "/smart/launch"  # SMART App Launch from a FHIR-based EHR (webcert_ui/smart_routes)
SMART_CALLBACK = "/smart/callback"
API_PREFIX = "/api/v1"
TESTABILITY_PREFIX = "/testability"
PDL_LOG_CSV = "/pdl-logg/export.csv"
PDL_LOG_EXTRACT = "/pdl-logg/loggutdrag.pdf"


def certificate(cert_id: str) -> str:
    return f"/intyg/{cert_id}"


def error_slug(code: str) -> str:
    """The URL form of an error code: "LAUNCH_INVALID" → "launch-invalid"."""
    return code.lower().replace("_", "-")


def error(code: str) -> str:
    return f"/fel/{error_slug(code)}"


def deep_link(cert_id: str, token: str, **params: str) -> str:
    query = urlencode({"token": token, **{k: v for k, v in params.items() if v is not None}})
    return DEEP_LINK.format(cert_id=cert_id) + "?" + query


def dev_login(hsa_id: str, unit_id: str | None = None, next_path: str | None = None) -> str:
    query = {"anvandare": hsa_id}
    if unit_id:
        query["enhet"] = unit_id
    if next_path:
        query["nasta"] = next_path
    return DEV_LOGIN + "?" + urlencode(query)


def pdl_log_csv(**filters: str) -> str:
    """The CSV export of the PDL log with the page's filters (backend route)."""
    query = urlencode({k: v for k, v in filters.items() if v})
    return PDL_LOG_CSV + ("?" + query if query else "")


def pdl_log_extract(patient: str) -> str:
    """The patient's loggutdrag as a PDF (backend route)."""
    return PDL_LOG_EXTRACT + "?" + urlencode({"patient": patient})

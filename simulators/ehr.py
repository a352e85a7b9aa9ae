"""Demo EHR (journalsystem): try the Webcert integration end to end from a browser.

Server-rendered HTML with plain forms (no JavaScript). It talks to Webcert's EHR API exactly
as a real journalsystem would, with the demo system's API key:

GET  /                 patient list, "Skapa utkast", created drafts with "Öppna i Webcert",
                       the unit's certificates (ListCertificatesForCareWithQA) and the
                       notifications received, each with its signature check
POST /drafts           form: patient, user@unit, type, ref → POST /api/v1/certificates
POST /open             form: certificate, user@unit → POST /api/v1/launch-tokens, then a
                       303 redirect of the browser to the deep link
POST /notifications    Webcert's webhook: store the notification, check X-Webcert-Signature
GET  /notifications    JSON list of received notifications, oldest first
POST /riv/CertificateStatusUpdateForCare/3
                       the same notifications in the RIV-TA contract (SOAP), validated with its
                       XSD; a RIV-TA result back (ERROR and nothing stored when invalid)
GET  /status-updates   JSON list of the CertificateStatusUpdateForCare messages received
The page shows both kinds in one list, each with the contract it came in.

Webcert's address, the API key and the notification secret come from the runner
(:class:`simulators.config.SimulatorConfig`); tests may pass them, and an httpx transport,
to :func:`create_app`. The certificate types offered are the ones Webcert's API lists
(``GET /api/v1/certificate-types``).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from services.interop import soap
from simulators import smart
from simulators.common import (
    SimulatorState,
    build_app,
    error,
    load_hsa,
    load_pu_persons,
    new_id,
    now_iso,
    read_body,
)
from simulators.config import Value, resolve

SYSTEM_NAME = "demo-ehr"
VOB = "Vård och behandling"
TOLVAN = "191212121212"  # the patient chosen by default


class EhrState(SimulatorState):
    def reset(self) -> None:
        super().reset()
        self.notifications: list[dict[str, Any]] = []
        self.status_updates: list[dict[str, Any]] = []  # CertificateStatusUpdateForCare v3
        self.drafts: list[dict[str, Any]] = []


def signature_ok(body: bytes, header: str | None, secret: str) -> bool:
    """The receiver's check of ``X-Webcert-Signature: sha256=<hex HMAC-SHA256 of the body>``."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def _units() -> dict[str, str]:
    names: dict[str, str] = {}
    for provider in load_hsa()["care_providers"]:
        for unit in provider["units"]:
            names[unit["id"]] = unit["name"]
            for sub in unit.get("subunits") or []:
                names[sub["id"]] = sub["name"]
    return names


def _users() -> list[dict[str, str]]:
    """(user, unit) pairs of staff with a "Vård och behandling" commission."""
    unit_names = _units()
    pairs = []
    for person in load_hsa()["persons"]:
        name = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
        for commission in person.get("commissions", []):
            if VOB not in commission.get("purposes", []):
                continue
            unit_id = commission["unit_id"]
            pairs.append(
                {
                    "value": f"{person['hsa_id']}|{unit_id}",
                    "label": f"{name} ({person.get('title') or person['hsa_id']}) – "
                    f"{unit_names.get(unit_id, unit_id)}",
                    "hsa_id": person["hsa_id"],
                    "unit_id": unit_id,
                }
            )
    return pairs


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _options(items: list[tuple[str, str]], selected: str | None = None) -> str:
    return "".join(
        f'<option value="{_esc(v)}"{" selected" if v == selected else ""}>{_esc(label)}</option>'
        for v, label in items
    )


_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:80rem;color:#1b1b1b}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef5f4}.ok{color:#0a6b2d;font-weight:600}
.bad{color:#b00020;font-weight:600}.msg{padding:.5rem 1rem;border-radius:4px;background:#e6f4ea}
.err{background:#fdecea}form.inline{display:inline}pre{margin:0;white-space:pre-wrap;
font-size:.8rem;max-width:40rem}section{margin-bottom:2rem}
"""


def _page(
    state: EhrState,
    request: Request,
    unit_listing: str = "",
    smart_state: smart.SmartState | None = None,
    types: list[tuple[str, str]] | None = None,
    types_error: str = "",
) -> str:
    users = _users()
    user_items = [(u["value"], u["label"]) for u in users]
    q = request.query_params
    message = ""
    if q.get("fel"):
        message = f'<p class="msg err" role="alert">{_esc(q["fel"])}</p>'
    elif q.get("meddelande"):
        message = f'<p class="msg" role="status">{_esc(q["meddelande"])}</p>'
    persons = load_pu_persons()
    smart_user = next((u["value"] for u in users if "DRAA" in u["value"]), None)
    patient_rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            _esc(f"{p['personnummer'][:8]}-{p['personnummer'][8:]}"),
            _esc(" ".join(x for x in (p.get("first_name"), p.get("last_name")) if x)),
            _esc(
                ", ".join(
                    t
                    for t, on in (
                        ("sekretessmarkerad", p.get("sekretess")),
                        ("avliden", p.get("deceased")),
                    )
                    if on
                )
            ),
            '<form class="inline" method="post" action="/smart/start">'
            f'<input type="hidden" name="patient" value="{_esc(p["personnummer"])}">'
            f'<select name="user" aria-label="Användare">{_options(user_items, smart_user)}'
            '</select> <button type="submit">Starta Webcert (SMART)</button></form>',
            _documents_cell(smart_state, p["personnummer"]),
        )
        for p in persons
    )
    patient_items = [
        (
            p["personnummer"],
            f"{p['personnummer'][:8]}-{p['personnummer'][8:]} "
            + " ".join(x for x in (p.get("first_name"), p.get("last_name")) if x),
        )
        for p in persons
    ]
    default_user = next((u["value"] for u in users if "DRAA" in u["value"]), None)
    draft_rows = "".join(
        "<tr><td>{created}</td><td>{type}</td><td>{patient}</td><td>{who}</td><td>{id}</td>"
        '<td><form class="inline" method="post" action="/open">'
        '<input type="hidden" name="certificate_id" value="{id}">'
        '<select name="user" aria-label="Användare">{users}</select> '
        '<button type="submit">Öppna i Webcert</button></form></td></tr>'.format(
            created=_esc(d["created_at"]),
            type=_esc(d["type"]),
            patient=_esc(d["patient"]),
            who=_esc(d["user_label"]),
            id=_esc(d["id"]),
            users=_options(user_items, d["user"]),
        )
        for d in reversed(state.drafts)
    )
    received = sorted(
        [("JSON (webhook)", n) for n in state.notifications]
        + [("CertificateStatusUpdateForCare v3 (SOAP)", n) for n in state.status_updates],
        key=lambda item: item[1]["received_at"],
    )
    notification_rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td><pre>{}</pre></td></tr>".format(
            _esc(n["received_at"]),
            _esc(kind),
            _esc(_field(n, "event") or _field(n, "type")),
            _esc(_field(n, "legacyEvent")),
            _esc(_field(n, "certificateId")),
            '<span class="ok">Giltig</span>'
            if n.get("signature_ok")
            else '<span class="bad">Ogiltig eller saknas</span>',
            _esc(
                json.dumps(n["notification"], ensure_ascii=False, indent=1)
                if "notification" in n
                else n["xml"]
            ),
        )
        for kind, n in reversed(received)
    )
    unit_items = sorted({(u["unit_id"], u["label"].split(" – ")[-1]) for u in users})
    types_note = f'<p class="msg err">{_esc(types_error)}</p>' if types_error else ""
    return f"""<!doctype html><html lang="sv"><head><meta charset="utf-8">
<title>Demo-journalsystem</title><style>{_STYLE}</style></head><body>
<h1>Demo-journalsystem</h1>
<p>Ett påhittat journalsystem som använder Webcerts API. Skapa ett utkast för en patient och
öppna det i Webcert som vald användare; Webcerts notifieringar visas längst ned.</p>
{message}
<section><h2>Skapa utkast</h2>
<form method="post" action="/drafts">
<p><label>Patient <select name="patient">{_options(patient_items, TOLVAN)}</select></label></p>
<p><label>Användare och vårdenhet <select name="user">{_options(user_items, default_user)}
</select></label></p>
<p><label>Intygstyp <select name="type">{_options(types or [])}</select></label></p>{types_note}
<p><label>Referens (valfri) <input name="ref" maxlength="200"></label></p>
<p><button type="submit">Skapa utkast</button></p>
</form></section>
<section><h2>Skapade utkast</h2>
<table><thead><tr><th>Skapat</th><th>Typ</th><th>Patient</th><th>Skapat av</th><th>Id</th>
<th>Öppna</th></tr></thead><tbody>{draft_rows}</tbody></table></section>
<section><h2>Vårdenhetens intyg</h2>
<form method="get" action="/"><label>Vårdenhet <select name="enhet">
{_options(unit_items, q.get("enhet"))}</select></label>
<button type="submit">Hämta intyg</button></form>{unit_listing}</section>
<section><h2>Notifieringar från Webcert</h2>
<p>Mottagna notifieringar: {len(state.notifications)} som JSON (webhook),
{len(state.status_updates)} som CertificateStatusUpdateForCare v3 (SOAP).</p>
<table><thead><tr><th>Mottagen</th><th>Kontrakt</th><th>Händelse</th><th>Äldre kod</th>
<th>Intyg</th><th>Signatur</th><th>Innehåll</th></tr></thead>
<tbody>{notification_rows}</tbody></table>
</section>
<section><h2>Patienter i PU-tjänsten</h2>
<table><thead><tr><th>Personnummer</th><th>Namn</th><th>Markering</th><th>SMART on FHIR</th>
<th>Dokument i journalen (DocumentReference)</th></tr></thead>
<tbody>{patient_rows}</tbody></table></section>
</body></html>"""


def _documents_cell(smart_state: smart.SmartState | None, personnummer: str) -> str:
    """The DocumentReferences Webcert wrote back for the patient (title, status, date)."""
    if smart_state is None:
        return ""
    subject = "Patient/" + smart.patient_id(personnummer)
    docs = [d for d in smart_state.documents.values() if d["subject"]["reference"] == subject]
    return "".join(
        '<div data-document="{}">{} – {} – {}</div>'.format(
            _esc(d["id"]),
            _esc(d.get("description") or d["content"][0]["attachment"].get("title")),
            _esc(d["status"]),
            _esc(d.get("date")),
        )
        for d in docs
    )


def riv_status_record(element: Any) -> dict[str, Any]:
    """What the page and the tests need from a CertificateStatusUpdateForCare message."""
    from lxml import etree

    def text(path: str) -> str:
        return (element.findtext(path) or "").strip()

    intyg = element.find("{*}intyg")
    return {
        "format": "CertificateStatusUpdateForCare v3",
        "event": text("{*}handelse/{*}handelsekod/{*}code"),
        "certificateId": (intyg.findtext("{*}intygs-id/{*}extension") or "").strip()
        if intyg is not None
        else "",
        "certificateType": (intyg.findtext("{*}typ/{*}code") or "").strip()
        if intyg is not None
        else "",
        "answers": len(intyg.findall("{*}svar")) if intyg is not None else 0,
        "ref": text("{*}ref"),
        "xml": etree.tostring(element, encoding="unicode"),
    }


def _field(record: dict[str, Any], key: str) -> str:
    source = record.get("notification", record)
    return str(source.get(key) or "")


def _unit_listing(data: dict[str, Any]) -> str:
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            _esc(c["typeName"]),
            _esc(c["statusLabel"]),
            _esc(c["patient"]["personnummer"]),
            _esc(c["updatedAt"]),
            _esc(f"{c['questions']['fromFk']['unhandled']} / {c['questions']['fromFk']['total']}"),
            _esc(c["id"]),
        )
        for c in data.get("certificates", [])
    )
    return (
        "<table><thead><tr><th>Intyg</th><th>Status</th><th>Patient</th><th>Ändrat</th>"
        "<th>Ohanterade frågor från FK / totalt</th><th>Id</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _back(**query: str) -> RedirectResponse:
    return RedirectResponse("/?" + urlencode(query), status_code=303)


def _api_error(response: httpx.Response) -> str:
    try:
        err = response.json()["error"]
        field = f" (fält: {err['field']})" if err.get("field") else ""
        return f"Webcert svarade {response.status_code}: {err['message']}{field}"
    except (ValueError, KeyError, TypeError):
        return f"Webcert svarade {response.status_code}."


def create_app(
    *,
    webcert_url: Value = "",
    api_key: Value = "",
    hmac_secret: Value = "",
    smart_client_secret: Value = "",
    webcert_transport: httpx.AsyncBaseTransport | None = None,
) -> Starlette:
    """The demo EHR: ``webcert_url`` where Webcert runs, ``api_key`` the demo system's key for
    its API, ``hmac_secret`` the key Webcert signs notifications with, ``smart_client_secret``
    Webcert's secret at the SMART server (each a string or a function, read per use)."""
    state = EhrState()
    smart_state = smart.SmartState()

    def client() -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=resolve(webcert_url),
            headers={"X-Api-Key": resolve(api_key)},
            transport=webcert_transport,
            timeout=10.0,
        )

    def signed_by_webcert(request: Request, raw: bytes) -> bool:
        return signature_ok(raw, request.headers.get("x-webcert-signature"), resolve(hmac_secret))

    async def receive(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return error(400, "Notifieringen måste skickas som ett JSON-objekt.")
        ok = signed_by_webcert(request, raw)
        if not ok:  # an unsigned or forged notification is refused, never stored
            return error(401, "Notifieringens signatur (X-Webcert-Signature) stämmer inte.")
        record = {
            "id": new_id(),
            "received_at": now_iso(),
            "notification": body,
            "signature_ok": ok,
            "delivery": request.headers.get("x-webcert-delivery"),
        }
        state.notifications.append(record)
        return JSONResponse({"id": record["id"], "signature_ok": ok}, status_code=201)

    async def list_notifications(request: Request) -> Response:
        return JSONResponse(state.notifications)

    async def receive_status_update(request: Request) -> Response:
        operation = "CertificateStatusUpdateForCare"
        raw = await read_body(request, soap.MAX_SOAP_BYTES)
        try:
            if raw is None:
                raise soap.Refused("Meddelandet är för stort.")
            parsed = soap.parse_request(raw, operation)
        except soap.Refused as exc:
            body, status = soap.refusal(operation, exc)
            return Response(body, status_code=status, media_type=soap.CONTENT_TYPE)
        record = riv_status_record(parsed.element)
        record.update(
            id=new_id(),
            received_at=now_iso(),
            signature_ok=signed_by_webcert(request, raw),
            delivery=request.headers.get("x-webcert-delivery"),
        )
        state.status_updates.append(record)
        ok = soap.response(operation, soap.Result("OK"))
        return Response(ok, media_type=soap.CONTENT_TYPE)

    async def list_status_updates(request: Request) -> Response:
        return JSONResponse(state.status_updates)

    async def post_to_webcert(path: str, body: dict[str, Any], ok: int) -> dict[str, Any] | str:
        """Webcert's JSON answer (status ``ok``), or the error to show on the page."""
        try:
            async with client() as c:
                r = await c.post(path, json=body)
        except httpx.HTTPError as exc:
            return f"Webcert svarar inte: {exc}"
        return r.json() if r.status_code == ok else _api_error(r)

    known_types: list[tuple[str, str]] = []

    async def certificate_types() -> tuple[list[tuple[str, str]], str]:
        """The types Webcert lets this system create (asked once, then remembered)."""
        if known_types:
            return known_types, ""
        try:
            async with client() as c:
                r = await c.get("/api/v1/certificate-types")
        except httpx.HTTPError as exc:
            return [], f"Webcert svarar inte, intygstyperna saknas: {exc}"
        if not r.is_success:
            return [], _api_error(r)
        known_types.extend((t["type"], f"{t['formId']} – {t['name']}") for t in r.json()["types"])
        return known_types, ""

    async def index(request: Request) -> Response:
        types, types_error = await certificate_types()
        listing = ""
        unit_id = request.query_params.get("enhet")
        if unit_id:
            try:
                async with client() as c:
                    r = await c.get(f"/api/v1/units/{unit_id}/certificates")
                listing = (
                    _unit_listing(r.json())
                    if r.is_success
                    else f'<p class="msg err">{_esc(_api_error(r))}</p>'
                )
            except httpx.HTTPError as exc:
                listing = f'<p class="msg err">Webcert svarar inte: {_esc(exc)}</p>'
        return HTMLResponse(_page(state, request, listing, smart_state, types, types_error))

    async def create_draft(request: Request) -> Response:
        form = await _form(request)
        hsa_id, _, unit_id = form.get("user", "").partition("|")
        body = {
            "type": form.get("type", ""),
            "patient": {"personnummer": form.get("patient", "")},
            "user_hsa_id": hsa_id,
            "unit_id": unit_id,
        }
        if form.get("ref"):
            body["ref"] = form["ref"]
        created = await post_to_webcert("/api/v1/certificates", body, 201)
        if isinstance(created, str):
            return _back(fel=created)
        label = next((u["label"] for u in _users() if u["value"] == form.get("user")), hsa_id)
        state.drafts.append(
            {
                "id": created["id"],
                "type": created["type"],
                "patient": form.get("patient", ""),
                "user": form.get("user", ""),
                "user_label": label,
                "created_at": now_iso(),
                "url": created["url"],
            }
        )
        return _back(meddelande=f"Utkastet skapades ({created['id']}).")

    async def open_in_webcert(request: Request) -> Response:
        form = await _form(request)
        hsa_id, _, unit_id = form.get("user", "").partition("|")
        body: dict[str, Any] = {
            "user_hsa_id": hsa_id,
            "certificate_id": form.get("certificate_id", ""),
        }
        if unit_id:
            body["unit_id"] = unit_id
        launch = await post_to_webcert("/api/v1/launch-tokens", body, 200)
        if isinstance(launch, str):
            return _back(fel=launch)
        return RedirectResponse(launch["url"], status_code=303)

    app = build_app(
        "ehr",
        state,
        [
            Route("/notifications", receive, methods=["POST"]),
            Route("/notifications", list_notifications, methods=["GET"]),
            Route("/riv/CertificateStatusUpdateForCare/3", receive_status_update, methods=["POST"]),
            Route("/status-updates", list_status_updates, methods=["GET"]),
            Route("/drafts", create_draft, methods=["POST"]),
            Route("/open", open_in_webcert, methods=["POST"]),
            Route("/", index, methods=["GET"]),
            *smart.create_routes(
                smart_state,
                webcert_url=lambda: resolve(webcert_url),
                client_secret=lambda: resolve(smart_client_secret),
            ),
        ],
        on_reset=smart_state.reset,
    )
    app.state.smart = smart_state  # tests look at launches and written-back documents
    return app

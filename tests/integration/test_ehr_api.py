"""Contract tests of the EHR API (/api/v1): happy path and every error, per endpoint.

The API runs in-process (httpx ASGITransport against webcert_ui.api.make_api()); HSA and
PU-tjänsten are the simulators over real HTTP; SQLite and PostgreSQL (migrated_db).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlmodel import select

from scripts.run_simulators import config_from_settings
from services import clock, lifecycle
from services.persistence.db import session_scope
from services.persistence.models import (
    AuditRecord,
    Certificate,
    CertificateStatus,
    NotificationOutbox,
    QuestionThread,
)
from services.settings import get_settings
from simulators import ehr
from tests.factories import (
    ADMIN,
    DOCTOR,
    OTHER_UNIT,
    SAM,
    UNIT,
    api_client,
    draft_request,
    ehr_systems,
    launch_request,
)
from webcert_ui.api import make_api

TOLVAN = "19121212-1212"
KEY = {"X-Api-Key": "demo-ehr-key"}
SCOPED_KEY = {"X-Api-Key": "scoped-key"}
BASE = "http://webcert.test"


@pytest.fixture
def systems(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo system for every unit plus one system scoped to OTHER_UNIT only."""
    ehr_systems(monkeypatch)


@pytest.fixture
async def client(migrated_db, sim, systems) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client() as c:
        yield c


def draft_body(**changes: Any) -> dict[str, Any]:
    return {**draft_request(pnr=TOLVAN), **changes}


def assert_error(r: httpx.Response, status: int, code: str | None = None, field: Any = ...) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert set(err) == {"code", "message", "field"}
    assert err["message"] and isinstance(err["message"], str)
    if code:
        assert err["code"] == code, err
    if field is not ...:
        assert err["field"] == field, err


async def create(client: httpx.AsyncClient, **changes: Any) -> str:
    r = await client.post("/api/v1/certificates", json=draft_body(**changes), headers=KEY)
    assert r.status_code == 201, r.text
    return r.json()["id"]


# --------------------------------------------------------------------- create draft
async def test_create_draft_happy_path(client) -> None:
    r = await client.post(
        "/api/v1/certificates",
        json=draft_body(
            ref="journal-4711",
            patient={"personnummer": TOLVAN, "fornamn": "Tolvan", "postort": "Tolvstad"},
        ),
        headers=KEY,
    )
    assert r.status_code == 201, r.text
    data = r.json()
    assert data["type"] == "fk7804" and data["status"] == "DRAFT"
    assert data["url"] == f"{get_settings().public_url}/visa/intyg/{data['id']}"
    with session_scope() as s:
        cert = s.get(Certificate, data["id"])
        assert cert is not None and cert.unit_id == UNIT and cert.ehr_ref == "journal-4711"
        assert cert.patient_id == "191212121212" and cert.patient["city"] == "Tolvstad"
        events = s.exec(select(NotificationOutbox.event)).all()
    assert events == ["SKAPAT"]


async def test_create_draft_accepts_samordningsnummer_and_bearer(client) -> None:
    r = await client.post(
        "/api/v1/certificates",
        json=draft_body(patient={"personnummer": SAM}, type="FK7804"),
        headers={"Authorization": "Bearer demo-ehr-key"},
    )
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "headers", [{}, {"X-Api-Key": "wrong"}, {"Authorization": "Basic demo-ehr-key"}]
)
async def test_create_draft_needs_a_valid_key(client, headers) -> None:
    r = await client.post("/api/v1/certificates", json=draft_body(), headers=headers)
    assert_error(r, 401, "UNAUTHENTICATED")


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"not json", "$"),
        (b"[1, 2]", "$"),
        (b"", "$"),
    ],
)
async def test_create_draft_body_must_be_an_object(client, content, field) -> None:
    r = await client.post(
        "/api/v1/certificates",
        content=content,
        headers={**KEY, "content-type": "application/json"},
    )
    assert_error(r, 400, "INVALID_INPUT", field)


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"type": None}, "INVALID_INPUT", "type"),
        ({"type": "fk9999"}, "INVALID_INPUT", "type"),
        ({"type": 7804}, "INVALID_INPUT", "type"),
        ({"type": "fk7263"}, "INVALID_INPUT", "type"),  # read-only type
        ({"patient": None}, "INVALID_INPUT", "patient.personnummer"),
        ({"patient": "191212121212"}, "INVALID_INPUT", "patient"),
        ({"patient": {}}, "INVALID_INPUT", "patient.personnummer"),
        ({"patient": {"personnummer": "19121212-1213"}}, "INVALID_PERSONNUMMER", None),
        ({"patient": {"personnummer": "1912121212XX"}}, "INVALID_PERSONNUMMER", None),
        ({"patient": {"personnummer": "19121312-1212"}}, "INVALID_PERSONNUMMER", None),
        ({"patient": {"personnummer": 191212121212}}, "INVALID_INPUT", "patient.personnummer"),
        ({"patient": {"personnummer": TOLVAN, "postnummer": "1" * 11}}, "INVALID_INPUT", None),
        ({"user_hsa_id": ""}, "INVALID_INPUT", "user_hsa_id"),
        ({"user_hsa_id": "bad id with spaces"}, "INVALID_INPUT", "user_hsa_id"),
        ({"unit_id": None}, "INVALID_INPUT", "unit_id"),
        ({"ref": "x" * 201}, "INVALID_INPUT", "ref"),
        ({"ref": 12}, "INVALID_INPUT", "ref"),
    ],
)
async def test_create_draft_validation_errors(client, changes, code, field) -> None:
    r = await client.post("/api/v1/certificates", json=draft_body(**changes), headers=KEY)
    if code == "INVALID_PERSONNUMMER":
        field = "patient.personnummer"
    if "postnummer" in json.dumps(changes):
        field = "patient.postnummer"
    assert_error(r, 400, code, field)
    with session_scope() as s:
        assert s.exec(select(Certificate)).first() is None


async def test_create_draft_for_unit_outside_the_systems_scope_is_refused(client) -> None:
    r = await client.post("/api/v1/certificates", json=draft_body(), headers=SCOPED_KEY)
    assert_error(r, 403, "UNIT_NOT_ALLOWED", "unit_id")


async def test_create_draft_user_without_commission_is_refused(client) -> None:
    r = await client.post(
        "/api/v1/certificates", json=draft_body(unit_id="TSTNMT2321000156-1077"), headers=KEY
    )
    assert_error(r, 403, "NOT_AUTHORIZED")
    r = await client.post(
        "/api/v1/certificates", json=draft_body(user_hsa_id="NO-SUCH-USER"), headers=KEY
    )
    assert_error(r, 403)


async def test_create_draft_unknown_patient(client) -> None:
    r = await client.post(
        "/api/v1/certificates",
        json=draft_body(patient={"personnummer": "19800101-0001"}),  # valid but not in PU
        headers=KEY,
    )
    assert_error(r, 404, "PATIENT_NOT_FOUND")


async def test_create_draft_when_pu_is_down(client, sim) -> None:
    httpx.post(sim.pu_url + "/admin/outage", json={"down": True}).raise_for_status()
    r = await client.post("/api/v1/certificates", json=draft_body(), headers=KEY)
    assert_error(r, 503, "PU_UNAVAILABLE")


async def test_unexpected_failure_is_a_json_503_not_a_500(client, monkeypatch) -> None:
    async def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database exploded")

    monkeypatch.setattr(lifecycle, "create_draft", boom)
    r = await client.post("/api/v1/certificates", json=draft_body(), headers=KEY)
    assert_error(r, 503, "INTERNAL", None)
    assert "exploded" not in r.text


# --------------------------------------------------------------------- launch tokens
async def test_launch_token_happy_path_logs_in_through_the_deep_link(client) -> None:
    cert_id = await create(client)
    r = await client.post(
        "/api/v1/launch-tokens",
        json=launch_request(cert_id, sjf=True, ref="abc"),
        headers=KEY,
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["expiresIn"] == get_settings().launch_token_ttl_seconds
    url = httpx.URL(data["url"])
    assert url.path == f"/visa/intyg/{cert_id}"
    assert url.params["token"] == data["token"] and url.params["sjf"] == "true"
    opened = await client.get(url.raw_path.decode())
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/intyg/{cert_id}"
    assert get_settings().session_cookie_name in opened.headers["set-cookie"]
    again = await client.get(url.raw_path.decode())  # single use
    assert again.headers["location"].startswith("/fel/")


async def test_launch_token_without_unit(client) -> None:
    cert_id = await create(client)
    r = await client.post(
        "/api/v1/launch-tokens",
        json={"user_hsa_id": DOCTOR, "certificate_id": cert_id},
        headers=KEY,
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_hsa_id": DOCTOR}, "certificate_id"),
        ({"certificate_id": "x"}, "user_hsa_id"),
        ({"user_hsa_id": DOCTOR, "certificate_id": "x" * 65}, "certificate_id"),
        ({"user_hsa_id": DOCTOR, "certificate_id": "x", "parameters": []}, "parameters"),
        (
            {"user_hsa_id": DOCTOR, "certificate_id": "x", "parameters": {"hack": "1"}},
            "parameters.hack",
        ),
        (
            {"user_hsa_id": DOCTOR, "certificate_id": "x", "parameters": {"ref": 5}},
            "parameters.ref",
        ),
        ({"user_hsa_id": DOCTOR, "certificate_id": "x", "unit_id": 5}, "unit_id"),
    ],
)
async def test_launch_token_validation_errors(client, body, field) -> None:
    r = await client.post("/api/v1/launch-tokens", json=body, headers=KEY)
    assert_error(r, 400, "INVALID_INPUT", field)


async def test_launch_token_errors(client) -> None:
    cert_id = await create(client)
    body = {"user_hsa_id": DOCTOR, "certificate_id": cert_id}
    r = await client.post("/api/v1/launch-tokens", json=body)
    assert_error(r, 401, "UNAUTHENTICATED")
    r = await client.post(
        "/api/v1/launch-tokens", json={**body, "certificate_id": "nope"}, headers=KEY
    )
    assert_error(r, 404, "CERTIFICATE_NOT_FOUND")
    # the scoped system may not deep-link into another unit's certificate ...
    r = await client.post("/api/v1/launch-tokens", json=body, headers=SCOPED_KEY)
    assert_error(r, 403, "UNIT_NOT_ALLOWED", "certificate_id")
    # ... nor log a user in on a unit outside its scope
    r = await client.post(
        "/api/v1/launch-tokens", json={**body, "unit_id": UNIT}, headers=SCOPED_KEY
    )
    assert_error(r, 403, "UNIT_NOT_ALLOWED", "unit_id")
    # the user must have a commission on the unit
    r = await client.post(
        "/api/v1/launch-tokens",
        json={**body, "unit_id": "TSTNMT2321000156-1077"},
        headers=KEY,
    )
    assert_error(r, 403, "NOT_AUTHORIZED")


# --------------------------------------------------------------------- list for unit
def add_thread(cert_id: str, direction: str, *, answered: bool, handled: bool) -> None:
    with session_scope() as s:
        s.add(
            QuestionThread(
                certificate_id=cert_id,
                topic="OVRIGT",
                direction=direction,
                message="Fråga",
                sent_at=clock.now(),
                answer="Svar" if answered else None,
                handled=handled,
            )
        )


async def test_list_certificates_for_care_with_qa(client) -> None:
    first = await create(client)
    second = await create(client, type="fk7800", patient={"personnummer": SAM})
    other = await create(client, unit_id=OTHER_UNIT)
    add_thread(first, "FROM_FK", answered=False, handled=False)
    add_thread(first, "FROM_FK", answered=True, handled=True)
    add_thread(first, "TO_FK", answered=True, handled=False)
    r = await client.get(f"/api/v1/units/{UNIT}/certificates", headers=KEY)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["unitId"] == UNIT
    by_id = {c["id"]: c for c in data["certificates"]}
    assert set(by_id) == {first, second} and other not in by_id
    c = by_id[first]
    assert c["status"] == "DRAFT" and c["statusLabel"] == "Utkast" and c["type"] == "fk7804"
    assert c["patient"]["personnummer"] == "191212121212"
    assert c["questions"]["fromFk"] == {
        "total": 2,
        "answered": 1,
        "unanswered": 1,
        "handled": 1,
        "unhandled": 1,
    }
    assert c["questions"]["toFk"]["total"] == 1 and c["questions"]["toFk"]["unhandled"] == 1
    assert by_id[second]["questions"]["fromFk"]["total"] == 0

    r = await client.get(f"/api/v1/units/{UNIT}/certificates", params={"patient": SAM}, headers=KEY)
    assert [c["id"] for c in r.json()["certificates"]] == [second]
    r = await client.get(
        f"/api/v1/units/{UNIT}/certificates", params={"status": "SIGNED,SENT"}, headers=KEY
    )
    assert r.json()["certificates"] == []
    r = await client.get(f"/api/v1/units/{UNIT}/certificates?limit=1", headers=KEY)
    assert len(r.json()["certificates"]) == 1
    r = await client.get(f"/api/v1/units/{OTHER_UNIT}/certificates", headers=SCOPED_KEY)
    assert [c["id"] for c in r.json()["certificates"]] == [other]


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"patient": "19121212-1213"}, "INVALID_PERSONNUMMER", "patient"),
        ({"patient": "abc"}, "INVALID_PERSONNUMMER", "patient"),
        ({"status": "ARCHIVED"}, "INVALID_INPUT", "status"),
        ({"limit": "0"}, "INVALID_INPUT", "limit"),
        ({"limit": "many"}, "INVALID_INPUT", "limit"),
    ],
)
async def test_list_validation_errors(client, query, code, field) -> None:
    r = await client.get(f"/api/v1/units/{UNIT}/certificates", params=query, headers=KEY)
    assert_error(r, 400, code, field)


async def test_list_errors(client) -> None:
    assert_error(await client.get(f"/api/v1/units/{UNIT}/certificates"), 401)
    r = await client.get(f"/api/v1/units/{UNIT}/certificates", headers=SCOPED_KEY)
    assert_error(r, 403, "UNIT_NOT_ALLOWED", "unit_id")
    r = await client.get(f"/api/v1/units/{'x' * 65}/certificates", headers=KEY)
    assert_error(r, 400, "INVALID_INPUT", "unit_id")


async def test_unknown_api_paths_and_methods_are_json(client) -> None:
    assert_error(await client.get("/api/v1/nothing-here", headers=KEY), 404, "NOT_FOUND")
    r = await client.delete("/api/v1/certificates", headers=KEY)
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in r.headers["allow"]


# --------------------------------------------------------------------- get one
async def test_get_certificate(client) -> None:
    cert_id = await create(client, ref="r-1")
    add_thread(cert_id, "FROM_FK", answered=False, handled=False)
    r = await client.get(f"/api/v1/certificates/{cert_id}", headers=KEY)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["id"] == cert_id and data["version"] == 1 and data["content"] == {}
    assert data["patient"]["lastName"] and data["ref"] == "r-1"
    assert data["questions"]["fromFk"]["unhandled"] == 1
    assert data["createdBy"] == DOCTOR and data["signedAt"] is None
    with session_scope() as s:
        reads = s.exec(
            select(AuditRecord).where(
                AuditRecord.action == "READ", AuditRecord.certificate_id == cert_id
            )
        ).all()
    assert [a.user_id for a in reads] == ["system:demo-ehr"]


async def test_get_certificate_errors(client) -> None:
    cert_id = await create(client)
    assert_error(await client.get(f"/api/v1/certificates/{cert_id}"), 401)
    assert_error(await client.get("/api/v1/certificates/nope", headers=KEY), 404, "NOT_FOUND")
    r = await client.get(f"/api/v1/certificates/{cert_id}", headers=SCOPED_KEY)
    assert_error(r, 403, "UNIT_NOT_ALLOWED")


# --------------------------------------------------------------------- PDF
async def test_get_certificate_pdf(client) -> None:
    cert_id = await create(client)
    r = await client.get(f"/api/v1/certificates/{cert_id}/pdf", headers=KEY)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert "attachment" in r.headers["content-disposition"]
    with session_scope() as s:
        prints = s.exec(select(AuditRecord).where(AuditRecord.action == "PRINT")).all()
    assert len(prints) == 1


async def test_pdf_of_a_signed_certificate_minimal(client) -> None:
    cert_id = await create(client)
    with session_scope() as s:
        cert = s.get(Certificate, cert_id)
        assert cert is not None
        cert.status = CertificateStatus.SIGNED
        cert.signed_at = clock.now()
        cert.signed_by = DOCTOR
        cert.signed_by_name = "Ajla Doktor"
        s.add(cert)
    r = await client.get(f"/api/v1/certificates/{cert_id}/pdf?minimal=true", headers=KEY)
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"%PDF")


async def test_pdf_errors(client) -> None:
    cert_id = await create(client)
    assert_error(await client.get(f"/api/v1/certificates/{cert_id}/pdf"), 401)
    r = await client.get("/api/v1/certificates/nope/pdf", headers=KEY)
    assert_error(r, 404)
    r = await client.get(f"/api/v1/certificates/{cert_id}/pdf", headers=SCOPED_KEY)
    assert_error(r, 403, "UNIT_NOT_ALLOWED")
    r = await client.get(f"/api/v1/certificates/{cert_id}/pdf?minimal=true", headers=KEY)
    assert_error(r, 400, "NOT_PRINTABLE", "minimal")  # a draft has no minimal print
    r = await client.get(f"/api/v1/certificates/{cert_id}/pdf?minimal=kanske", headers=KEY)
    assert_error(r, 400, "INVALID_INPUT", "minimal")


# --------------------------------------------------------------------- inbound messages
async def test_inbound_message_needs_fk_key_and_validates(client) -> None:
    """The full rules are in tests/integration/test_questions.py (through the FK simulator)."""
    cert_id = await create(client)
    fk_key = {"X-Api-Key": get_settings().fk_api_key}
    body = {"certificateId": cert_id, "topic": "KOMPLT", "text": "x"}
    r = await client.post("/api/v1/messages", json=body)
    assert_error(r, 401, "UNAUTHENTICATED")
    r = await client.post("/api/v1/messages", json=body, headers=KEY)  # an EHR key is not FK's
    assert_error(r, 401, "UNAUTHENTICATED")
    r = await client.post("/api/v1/messages", json={"topic": "KOMPLT", "text": "x"}, headers=fk_key)
    assert_error(r, 400, "INVALID_INPUT", "certificateId")
    r = await client.post("/api/v1/messages", json={**body, "topic": "NEJ"}, headers=fk_key)
    assert_error(r, 400, "INVALID_TOPIC", "topic")
    r = await client.post(
        "/api/v1/messages", json={**body, "certificateId": "nope"}, headers=fk_key
    )
    assert_error(r, 404, "CERTIFICATE_NOT_FOUND")
    r = await client.post("/api/v1/messages", json=body, headers=fk_key)
    assert_error(r, 409, "NOT_SENT_TO_FK")  # a draft is not sent to Försäkringskassan


# --------------------------------------------------------------------- OpenAPI
async def test_openapi_document_is_served_without_a_key(client) -> None:
    r = await client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {
        "/api/v1/certificate-types",
        "/api/v1/certificates",
        "/api/v1/launch-tokens",
        "/api/v1/units/{unit_id}/certificates",
        "/api/v1/certificates/{cert_id}",
        "/api/v1/certificates/{cert_id}/pdf",
        "/api/v1/messages",
    }
    assert doc["components"]["securitySchemes"]["ApiKey"]["name"] == "X-Api-Key"


# --------------------------------------------------------------------- settings
def test_legacy_ehr_api_keys_still_configure_systems(monkeypatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "ehr_systems", "")
    monkeypatch.setattr(settings, "ehr_api_keys", "demo-ehr:k1, other:k2")
    systems = {s.name: s for s in settings.ehr_system_list()}
    assert systems["demo-ehr"].api_key == "k1"
    assert systems["demo-ehr"].webhook_url == settings.ehr_url + "/notifications"
    assert systems["other"].webhook_url is None and systems["other"].covers("any-unit")
    monkeypatch.setattr(settings, "ehr_systems", "[1]")
    with pytest.raises(ValueError, match="WEBCERT_EHR_SYSTEMS"):
        settings.ehr_system_list()


# --------------------------------------------------------------------- certificate types
async def test_certificate_types_are_the_creatable_definitions(client) -> None:
    from services.certificates import all_definitions

    assert_error(await client.get("/api/v1/certificate-types"), 401)
    r = await client.get("/api/v1/certificate-types", headers=KEY)
    assert r.status_code == 200
    listed = {t["type"]: t for t in r.json()["types"]}
    assert set(listed) == {d.type for d in all_definitions() if not d.read_only}
    assert "fk7263" not in listed  # read-only: shown and printed, never created
    assert listed["fk7804"] == {
        "type": "fk7804",
        "formId": "FK7804",
        "name": "Läkarintyg för sjukpenning",
        "recipient": "FK",
        "roles": ["LAKARE", "TANDLAKARE", "VARDADMINISTRATOR"],
    }
    assert listed["tstrk1007"]["recipient"] == "TS"
    assert "TANDLAKARE" not in listed["tstrk1007"]["roles"]
    assert_error(await client.get("/api/v1/certificate-types?x=1", headers=KEY), 400)


# --------------------------------------------------------------------- the demo EHR
async def test_demo_ehr_creates_a_draft_and_deep_links_a_chosen_user(client, monkeypatch) -> None:
    from services import notifications

    webcert = httpx.ASGITransport(app=make_api())
    demo = ehr.create_app(
        webcert_url=BASE,
        api_key="demo-ehr-key",
        hmac_secret=config_from_settings().ehr_hmac_secret,  # the runner's: Webcert's secret
        webcert_transport=webcert,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=demo), base_url="http://ehr.test"
    ) as browser:
        page = await browser.get("/")
        assert page.status_code == 200 and "Skapa utkast" in page.text
        assert "19121212-1212" in page.text  # the patient list
        # the types offered come from Webcert's API (GET /api/v1/certificate-types)
        assert '<option value="fk7804">FK7804 – Läkarintyg för sjukpenning</option>' in page.text
        assert 'value="fk7263"' not in page.text
        r = await browser.post(
            "/drafts",
            data={"patient": "191212121212", "user": f"{DOCTOR}|{UNIT}", "type": "fk7804"},
        )
        assert r.status_code == 303 and "meddelande" in r.headers["location"]
        page = await browser.get("/")
        assert "Öppna i Webcert" in page.text
        cert_id = demo.state.sim.drafts[0]["id"]
        # deep-link another user (the administrator) into the draft
        r = await browser.post("/open", data={"certificate_id": cert_id, "user": f"{ADMIN}|{UNIT}"})
        assert r.status_code == 303
        target = httpx.URL(r.headers["location"])
        assert target.path == f"/visa/intyg/{cert_id}" and "token" in target.params
        opened = await client.get(target.raw_path.decode())
        assert opened.status_code == 303 and opened.headers["location"] == f"/intyg/{cert_id}"
        # the unit's certificates through ListCertificatesForCareWithQA
        page = await browser.get("/", params={"enhet": UNIT})
        assert cert_id in page.text
        # errors from Webcert are shown, not swallowed
        r = await browser.post(
            "/drafts",
            data={"patient": "191212121213", "user": f"{DOCTOR}|{UNIT}", "type": "fk7804"},
        )
        assert "fel=" in r.headers["location"]
        page = await browser.get(r.headers["location"])
        assert "patient.personnummer" in page.text

        # Webcert's notifications reach the demo EHR, signed
        monkeypatch.setattr(get_settings(), "ehr_systems", "")
        monkeypatch.setattr(get_settings(), "ehr_url", "http://ehr.test")
        report = await notifications.deliver_pending(client=browser)
        assert len(report.delivered) == 1
        listed = (await browser.get("/notifications")).json()
        assert [n["notification"]["event"] for n in listed] == ["SKAPAT"]
        assert listed[0]["signature_ok"] is True
        page = await browser.get("/")
        assert "SKAPAT" in page.text and "HAN1" in page.text and "Giltig" in page.text

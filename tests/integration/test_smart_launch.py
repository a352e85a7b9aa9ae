"""Issue 21: SMART App Launch from the demo EHR (simulators/smart.py) into Webcert.

Webcert runs in-process (httpx ASGITransport on the public URL); the demo EHR is the real
simulator over loopback HTTP. Every redirect of the browser is followed by hand so each step
(launch → authorize → callback) and each refusal can be looked at.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey
from sqlmodel import select

from services import identity
from services.persistence.db import session_scope
from services.persistence.models import AuditRecord, ServerSession
from services.settings import get_settings
from simulators import smart as sim_smart
from webcert_ui.api import make_api

DOCTOR = "TSTNMT2321000156-DRAA"
UNIT = "TSTNMT2321000156-ALVC"
OTHER_UNIT = "SE162321000255-O11206"  # exists in HSA; the doctor has no commission there
TOLVAN = "191212121212"


@dataclass
class Browser:
    webcert: httpx.AsyncClient  # Webcert in-process, at the public URL (keeps cookies)
    ehr: httpx.AsyncClient  # the demo EHR over loopback
    sims: object

    async def new_launch(
        self, patient: str = "pat-" + TOLVAN, practitioner: str = DOCTOR, unit: str = UNIT
    ) -> dict:
        r = await self.ehr.post(
            "/smart/launches", json={"patient": patient, "practitioner": practitioner, "unit": unit}
        )
        assert r.status_code == 201, r.text
        return r.json()

    async def open_webcert(self, url: str) -> httpx.Response:
        parts = urlsplit(url)
        return await self.webcert.get(parts.path + "?" + parts.query)

    async def authorize(self, url: str) -> httpx.Response:
        assert url.startswith(self.ehr.base_url.__str__().rstrip("/") + "/auth/authorize")
        return await self.ehr.get(url)

    async def launch(self, launch_url: str, **tamper: str) -> httpx.Response:
        """Launch click → Webcert → EHR authorize → Webcert callback; the callback's answer.
        ``tamper``: authorize parameters changed on the way (a forged request)."""
        first = await self.open_webcert(launch_url)
        assert first.status_code == 303, first.text
        target = first.headers["location"]
        if target.startswith("/fel/"):
            return first
        if tamper:
            parts = urlsplit(target)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()} | tamper
            target = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"
        auth = await self.authorize(target)
        assert auth.status_code == 303, auth.text
        return await self.open_webcert(auth.headers["location"])


@pytest.fixture
async def browser(migrated_db, sim) -> AsyncIterator[Browser]:
    public = get_settings().public_url
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=make_api()), base_url=public) as w,
        httpx.AsyncClient(base_url=sim.ehr_url, timeout=10) as e,
    ):
        yield Browser(w, e, sim)


def _smart_state(sim) -> sim_smart.SmartState:
    return sim.apps["ehr"].state.smart


def _refusals(code: str) -> list[AuditRecord]:
    with session_scope() as s:
        return list(s.exec(select(AuditRecord).where(AuditRecord.refusal_code == code)).all())


def _sessions() -> int:
    with session_scope() as s:
        return len(s.exec(select(ServerSession)).all())


def _assert_refused(response: httpx.Response, code: str, slug: str) -> AuditRecord:
    assert response.status_code == 303
    assert response.headers["location"] == f"/fel/{slug}"
    assert get_settings().session_cookie_name + "=" not in response.headers.get(
        "set-cookie", ""
    ).replace(get_settings().session_cookie_name + '=""', "")
    assert _sessions() == 0
    records = _refusals(code)
    assert len(records) == 1, [r.refusal_code for r in records]
    assert records[0].action == "LOGIN"
    return records[0]


# --- the simulator (item 1) ---------------------------------------------------------------
async def test_discovery_and_fhir_resources_of_the_demo_ehr(browser: Browser) -> None:
    ehr = browser.ehr
    conf = (await ehr.get("/fhir/.well-known/smart-configuration")).json()
    assert conf["code_challenge_methods_supported"] == ["S256"]
    assert conf["issuer"] == str(ehr.base_url).rstrip("/") + "/fhir"
    assert {"launch-ehr", "sso-openid-connect", "context-ehr-patient"} <= set(conf["capabilities"])
    jwks = (await ehr.get("/auth/jwks")).json()
    assert jwks["keys"][0]["kty"] == "RSA" and "d" not in jwks["keys"][0]
    # FHIR reads need a bearer token
    assert (await ehr.get(f"/fhir/Patient/pat-{TOLVAN}")).status_code == 401


async def test_authorize_requires_pkce_s256_and_a_known_launch(browser: Browser) -> None:
    launch = await browser.new_launch()
    first = await browser.open_webcert(launch["url"])
    url = first.headers["location"]
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["aud"] == launch["iss"] and query["launch"] == launch["launch"]
    assert set(query["scope"].split()) >= {"launch", "openid", "fhirUser"}
    plain = {**query, "code_challenge_method": "plain"}
    r = await browser.ehr.get(parts.path + "?" + urlencode(plain))
    assert "error=invalid_request" in r.headers["location"]


async def test_token_endpoint_refuses_a_wrong_code_verifier(browser: Browser) -> None:
    launch = await browser.new_launch()
    first = await browser.open_webcert(launch["url"])
    auth = await browser.authorize(first.headers["location"])
    code = parse_qs(urlsplit(auth.headers["location"]).query)["code"][0]
    r = await browser.ehr.post(
        "/auth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": get_settings().public_url + "/smart/callback",
            "client_id": "webcert",
            "code_verifier": "x" * 64,
        },
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


# --- Webcert as a SMART app (item 2) --------------------------------------------------------
async def test_smart_launch_opens_a_session_like_a_deep_link(browser: Browser) -> None:
    launch = await browser.new_launch()
    done = await browser.launch(launch["url"])
    assert done.status_code == 303 and done.headers["location"] == "/"
    token = browser.webcert.cookies.get(get_settings().session_cookie_name)
    user = identity.get_session(token)
    assert user.hsa_id == DOCTOR and user.unit is not None and user.unit.hsa_id == UNIT
    assert user.origin == "SMART" and user.is_doctor
    with session_scope() as s:
        row = s.get(ServerSession, user.token_hash)
        smart_ctx = row.params["extra"]["smart"]
        logins = s.exec(select(AuditRecord).where(AuditRecord.action == "LOGIN")).all()
    assert smart_ctx["patient"] == TOLVAN and smart_ctx["patient_ref"] == f"Patient/pat-{TOLVAN}"
    assert smart_ctx["encounter_ref"] == f"Encounter/{launch['encounter']}"
    assert [(r.user_id, r.unit_id, r.detail) for r in logins] == [(DOCTOR, UNIT, "SMART")]
    # the same 30-minute inactivity timeout as any session
    assert get_settings().session_timeout_minutes == 30


async def test_protected_identity_is_a_security_label(browser: Browser) -> None:
    launch = await browser.new_launch(patient="pat-194012019149")
    first = await browser.open_webcert(launch["url"])
    auth = await browser.authorize(first.headers["location"])
    code = parse_qs(urlsplit(auth.headers["location"]).query)["code"][0]
    verifier_cookie = browser.webcert.cookies.get("webcert_smart")
    assert verifier_cookie  # HttpOnly cookie of the pending launch
    # read the patient with a token of the launch (as Webcert does)
    from services import smart

    pending = smart._read_cookie(verifier_cookie)
    tok = await browser.ehr.post(
        "/auth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": smart.redirect_uri(),
            "client_id": "webcert",
            "code_verifier": pending["verifier"],
        },
    )
    access = tok.json()["access_token"]
    patient = (
        await browser.ehr.get(
            "/fhir/Patient/pat-194012019149", headers={"Authorization": f"Bearer {access}"}
        )
    ).json()
    assert patient["identifier"][0] == {
        "system": "urn:oid:1.2.752.129.2.1.3.1",
        "value": "194012019149",
    }
    assert patient["meta"]["security"][0]["code"] == "R"
    role = (
        await browser.ehr.get(
            f"/fhir/PractitionerRole/{DOCTOR}.{UNIT}", headers={"Authorization": f"Bearer {access}"}
        )
    ).json()
    assert role["organization"]["reference"] == f"Organization/{UNIT}"


# --- refusals (item 4) ----------------------------------------------------------------------
async def test_unknown_iss_is_refused(browser: Browser) -> None:
    r = await browser.webcert.get(
        "/smart/launch?" + urlencode({"iss": "http://127.0.0.1:1/fhir", "launch": "abc"})
    )
    record = _assert_refused(r, "SMART_UNKNOWN_ISS", "smart-unknown-iss")
    assert "127.0.0.1:1" in record.detail


async def test_reused_launch_is_refused(browser: Browser) -> None:
    launch = await browser.new_launch()
    assert (await browser.launch(launch["url"])).headers["location"] == "/"
    with session_scope() as s:  # forget the first session: the second must open none
        for row in s.exec(select(ServerSession)).all():
            s.delete(row)
    r = await browser.launch(launch["url"])
    _assert_refused(r, "SMART_LAUNCH_INVALID", "smart-launch-invalid")


async def test_expired_launch_is_refused(browser: Browser) -> None:
    launch = await browser.new_launch()
    _smart_state(browser.sims).launches[launch["launch"]]["created"] -= 3600
    r = await browser.launch(launch["url"])
    _assert_refused(r, "SMART_LAUNCH_INVALID", "smart-launch-invalid")


async def test_wrong_state_is_refused(browser: Browser) -> None:
    launch = await browser.new_launch()
    r = await browser.launch(launch["url"], state="forged-state")
    _assert_refused(r, "SMART_STATE_INVALID", "smart-state-invalid")


async def test_wrong_nonce_is_refused(browser: Browser) -> None:
    launch = await browser.new_launch()
    r = await browser.launch(launch["url"], nonce="another-nonce")
    _assert_refused(r, "SMART_NONCE_INVALID", "smart-nonce-invalid")


async def test_id_token_with_a_bad_signature_is_refused(browser: Browser) -> None:
    state = _smart_state(browser.sims)
    state.published_key = RSAKey.generate_key(
        2048, parameters={"kid": state.key.kid, "use": "sig", "alg": "RS256"}
    )
    launch = await browser.new_launch()
    r = await browser.launch(launch["url"])
    _assert_refused(r, "SMART_ID_TOKEN_INVALID", "smart-id-token-invalid")


async def test_patient_without_personnummer_is_refused(browser: Browser) -> None:
    launch = await browser.new_launch(patient=sim_smart.NO_PNR_PATIENT)
    r = await browser.launch(launch["url"])
    record = _assert_refused(r, "SMART_NO_PERSONNUMMER", "smart-no-personnummer")
    assert record.user_id == "okänd"  # refused before the session's user is settled


async def test_user_without_hsa_id_is_refused(browser: Browser) -> None:
    launch = await browser.new_launch(practitioner=sim_smart.NO_HSA_PRACTITIONER)
    r = await browser.launch(launch["url"])
    _assert_refused(r, "SMART_NO_HSA_ID", "smart-no-hsa-id")


async def test_unit_without_commission_is_refused(browser: Browser) -> None:
    launch = await browser.new_launch(unit=OTHER_UNIT)
    r = await browser.launch(launch["url"])
    record = _assert_refused(r, "SMART_NO_COMMISSION", "smart-no-commission")
    assert (record.user_id, record.unit_id, record.patient_id) == (DOCTOR, OTHER_UNIT, TOLVAN)


def test_every_refusal_has_a_swedish_error_page_text() -> None:
    from webcert_ui.pages import error_texts

    texts = error_texts()
    for slug in (
        "smart-unknown-iss",
        "smart-launch-invalid",
        "smart-state-invalid",
        "smart-nonce-invalid",
        "smart-id-token-invalid",
        "smart-no-personnummer",
        "smart-no-hsa-id",
        "smart-no-commission",
    ):
        assert "journalsystem" in texts[slug].lower() or "webcert" in texts[slug].lower()


# --- write-back (item 3) --------------------------------------------------------------------
async def _deliver(client: httpx.AsyncClient | None = None, now=None):
    from services import notifications

    async with httpx.AsyncClient(timeout=30) as http:
        return await notifications.deliver_pending(client=client or http, now=now)


def _documents(sim) -> list[dict]:
    return list(_smart_state(sim).documents.values())


async def test_signed_sent_revoked_certificate_is_written_back_as_a_document_reference(
    browser: Browser,
) -> None:
    import base64
    import io
    from datetime import timedelta

    from pypdf import PdfReader

    from services import clock, lifecycle
    from tests.factories import complete_fk7804

    launch = await browser.new_launch()
    await browser.launch(launch["url"])
    user = identity.get_session(browser.webcert.cookies.get(get_settings().session_cookie_name))
    cert = await lifecycle.create_draft(user, cert_type="fk7804", personnummer=TOLVAN)
    lifecycle.save_draft(user, cert.id, content=complete_fk7804(), expected_version=1)
    await lifecycle.sign(user, cert.id)
    # the EHR is down: the outbox keeps the document and retries
    await browser.ehr.post("/admin/outage", json={"down": True})
    report = await _deliver()
    assert report.retry_scheduled and not _documents(browser.sims)
    await browser.ehr.post("/admin/outage", json={"down": False})
    await _deliver(now=clock.now() + timedelta(minutes=2))
    [doc] = _documents(browser.sims)
    assert doc["id"] == f"webcert-{cert.id}" and doc["status"] == "current"
    assert doc["subject"]["reference"] == f"Patient/pat-{TOLVAN}"
    assert doc["author"][0]["reference"] == f"Practitioner/{DOCTOR}"
    assert doc["context"]["encounter"][0]["reference"] == f"Encounter/{launch['encounter']}"
    assert doc["description"].startswith("FK 7804") or "7804" in doc["description"]
    attachment = doc["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    text = PdfReader(io.BytesIO(base64.b64decode(attachment["data"]))).pages[0].extract_text()
    assert "J20" in text and "Tolvan" in text and "19121212-1212" in text and cert.id in text
    # the demo EHR lists it on the patient's row
    page = (await browser.ehr.get("/")).text
    assert f'data-document="webcert-{cert.id}"' in page
    # revoked: the same document, entered-in-error
    await lifecycle.revoke(user, cert.id, reason_code="FELAKTIG_PATIENT", message="Fel patient")
    await _deliver(now=clock.now() + timedelta(minutes=4))
    [doc] = _documents(browser.sims)
    assert doc["status"] == "entered-in-error"


async def test_a_replaced_certificates_document_is_superseded(browser: Browser) -> None:
    """Replacing a written-back certificate: the new document replaces the original's, which
    turns superseded; revoking the replacement puts the original back in force."""
    from datetime import timedelta

    from services import clock, lifecycle
    from tests.factories import complete_fk7804

    await browser.launch((await browser.new_launch())["url"])
    user = identity.get_session(browser.webcert.cookies.get(get_settings().session_cookie_name))
    original = await lifecycle.create_draft(user, cert_type="fk7804", personnummer=TOLVAN)
    lifecycle.save_draft(user, original.id, content=complete_fk7804(), expected_version=1)
    await lifecycle.sign(user, original.id)
    await _deliver()
    replacement = await lifecycle.replace(user, original.id)
    lifecycle.save_draft(
        user, replacement.id, content=complete_fk7804(), expected_version=replacement.version
    )
    await lifecycle.sign(user, replacement.id)
    await _deliver(now=clock.now() + timedelta(minutes=2))  # past the "ändrat" coalescing
    docs = {d["id"]: d for d in _documents(browser.sims)}
    old, new = docs[f"webcert-{original.id}"], docs[f"webcert-{replacement.id}"]
    assert (old["status"], new["status"]) == ("superseded", "current")
    assert new["relatesTo"] == [
        {"code": "replaces", "target": {"reference": f"DocumentReference/webcert-{original.id}"}}
    ]
    assert "relatesTo" not in old
    await lifecycle.revoke(user, replacement.id, reason_code="ANNAT_ALLVARLIGT_FEL", message="x")
    await _deliver(now=clock.now() + timedelta(minutes=4))
    docs = {d["id"]: d for d in _documents(browser.sims)}
    assert docs[f"webcert-{replacement.id}"]["status"] == "entered-in-error"
    assert docs[f"webcert-{original.id}"]["status"] == "current"


async def test_a_certificate_not_launched_with_smart_is_not_written_back(
    browser: Browser,
) -> None:
    from services import lifecycle
    from tests.factories import complete_fk7804

    user = identity.get_session(await identity.login(DOCTOR, UNIT, origin="DJUPINTEGRATION"))
    cert = await lifecycle.create_draft(user, cert_type="fk7804", personnummer=TOLVAN)
    lifecycle.save_draft(user, cert.id, content=complete_fk7804(), expected_version=1)
    await lifecycle.sign(user, cert.id)
    await _deliver()
    assert _documents(browser.sims) == []


async def test_document_write_needs_the_system_token(browser: Browser) -> None:
    r = await browser.ehr.put(
        "/fhir/DocumentReference/x",
        json={"resourceType": "DocumentReference", "status": "current", "content": []},
    )
    assert r.status_code == 401


# --- the launched patient on the start page (item 2) ---------------------------------------
async def test_launched_patient_overview_and_create_by_role(browser: Browser) -> None:
    from services import lifecycle, smart

    launch = await browser.new_launch()
    await browser.launch(launch["url"])
    user = identity.get_session(browser.webcert.cookies.get(get_settings().session_cookie_name))
    overview = smart.patient_overview(user)
    assert overview["patient"] == "19121212-1212" and overview["rows"] == []
    types = {t["type"] for t in overview["types"]}
    assert "fk7804" in types and "fk7263" not in types  # read-only type never offered
    cert_id = await smart.create_for_launched_patient(user, "fk7804")
    other = await lifecycle.create_draft(user, cert_type="fk7804", personnummer="201212121212")
    rows = smart.patient_overview(user)["rows"]
    assert [r["id"] for r in rows] == [cert_id] and other.id != cert_id
    # a session not opened by SMART has no launched patient
    plain = identity.get_session(await identity.login(DOCTOR, UNIT, origin="DJUPINTEGRATION"))
    assert smart.patient_overview(plain)["patient"] == ""
    with pytest.raises(smart.SmartLaunchRefused):
        await smart.create_for_launched_patient(plain, "fk7804")


async def test_types_offered_follow_the_role(browser: Browser) -> None:
    from services import rights, smart

    admin = "TSTNMT2321000156-VAAA"  # vårdadministratör (table 2)
    launch = await browser.new_launch(practitioner=admin)
    done = await browser.launch(launch["url"])
    assert done.headers["location"] == "/"
    user = identity.get_session(browser.webcert.cookies.get(get_settings().session_cookie_name))
    offered = {t["type"] for t in smart.patient_overview(user)["types"]}
    role = rights._role(user)
    assert role is not None and role.value == user.role and not user.is_doctor
    assert offered == {t for t, roles in rights.TYPES_BY_ROLE.items() if role in roles} - {"fk7263"}

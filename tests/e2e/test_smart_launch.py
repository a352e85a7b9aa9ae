"""Issue 21 end to end: "Starta Webcert (SMART)" in the demo EHR, sign an FK7804 in Webcert,
and find the DocumentReference with the certificate's PDF back in the EHR."""

from __future__ import annotations

import base64
import io

import httpx
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.helpers import reload_until_shown, sign_the_opened_draft

TOLVAN = "191212121212"


def test_smart_launch_sign_fk7804_and_document_reference_back(app_server, page: Page, shot) -> None:
    page.goto(app_server.ehr_url + "/")
    patients = page.locator("section", has=page.get_by_role("heading", name="Patienter i PU"))
    row = patients.locator("tr", has_text="19121212-1212")
    row.get_by_role("button", name="Starta Webcert (SMART)").click()
    # SMART launch → authorize → callback → logged in on the unit's start page
    panel = page.get_by_test_id("launched-patient")
    expect(panel).to_contain_text("19121212-1212")
    shot("smart-launched-start-page")
    panel.get_by_test_id("create-fk7804").click()  # a type the doctor's role may create
    cert_id = sign_the_opened_draft(page)
    page.goto(app_server.ehr_url + "/")
    document = page.locator(f'[data-document="webcert-{cert_id}"]')
    reload_until_shown(page, document)
    expect(document).to_contain_text("current")
    shot("smart-document-reference-in-ehr")
    bundle = httpx.get(
        app_server.ehr_url + "/fhir/DocumentReference", params={"patient": "pat-" + TOLVAN}
    ).json()
    [doc] = [e["resource"] for e in bundle["entry"] if e["resource"]["id"] == f"webcert-{cert_id}"]
    pdf = base64.b64decode(doc["content"][0]["attachment"]["data"])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert cert_id in text and "19121212-1212" in text and "J20" in text
    assert "Läkarintyg för sjukpenning" in text

"""Ärendekommunikation (§6) in the browser: live arrival, Administrativa frågor, scenario A, B.

Försäkringskassan is the FK simulator: its admin endpoint posts to Webcert's inbound API
exactly as FK would; the open page must show the message without a reload.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.helpers import FK_OFFSET, certificate, swedish_today
from tests.factories import ADMIN


def _fk_url(app_server) -> str:
    port = urlparse(app_server.base_url).port
    return f"http://127.0.0.1:{port + FK_OFFSET}"


def _content() -> dict:
    today = swedish_today()
    return {
        "avstangning_smittskydd": True,
        "diagnoser": [{"code": "J20", "text": "Akut bronkit", "system": "ICD_10_SE"}],
        "sjukskrivningar": {
            "HALFTEN": {"from": today.isoformat(), "to": (today + timedelta(days=13)).isoformat()}
        },
        "ovrigt": "Patienten mår bättre.",
    }


def _send_komplettering(app_server, cert_id: str) -> None:
    r = httpx.post(
        _fk_url(app_server) + "/admin/send-complement",
        json={
            "certificateId": cert_id,
            "text": "Vi behöver en komplettering.",
            "fields": [{"questionId": "ovrigt", "text": "Förtydliga övriga upplysningar."}],
        },
        timeout=20,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status_code"] == 201, r.text


def test_komplettering_arrives_live_and_doctor_complements(app_server, page: Page, shot) -> None:
    cert_id = certificate(app_server, "SENT", content=_content())
    page.goto(app_server.deep_link(cert_id))
    panel = page.get_by_test_id("question-panel")
    expect(page.get_by_test_id("no-admin")).to_be_visible()  # no kompletteringsbegäran yet

    # §6.1 Administrativa frågor: ask FK a question
    page.get_by_test_id("questions-tab-admin").click()
    page.get_by_test_id("ask-toggle").click()
    page.get_by_test_id("ask-topic").click()
    page.get_by_test_id("ask-topic-KONTKT").click()
    page.get_by_test_id("ask-text").fill("Kan ni ringa mig om patientens rehabilitering?")
    page.get_by_test_id("ask-send").click()
    first = panel.locator(".question-thread").first
    expect(first).to_contain_text("Kan ni ringa mig")
    expect(first).to_contain_text("Kontakt")
    shot("questions-sent-question")

    # FK sends a kompletteringsbegäran while the page is open: it appears without reload
    page.get_by_test_id("questions-tab-komplt").click()
    _send_komplettering(app_server, cert_id)
    ref = page.get_by_test_id("complement-ref-ovrigt")
    expect(ref).to_be_visible(timeout=15_000)
    expect(ref).to_contain_text("Förtydliga övriga upplysningar.")
    expect(page.get_by_test_id("question-panel")).to_have_attribute("data-unhandled", "2")
    ref.click()  # scrolls the certificate to the framed question
    expect(page.locator("#q-ovrigt")).to_be_in_viewport()
    shot("questions-komplettering")

    # Scenario A: Komplettera intyg → a new draft with the same content; sign and send
    page.get_by_test_id("complement").click()
    expect(page).not_to_have_url(re.compile(rf"/intyg/{cert_id}$"))
    expect(page.get_by_test_id("certificate-status")).to_have_text("Utkast")
    expect(page.get_by_test_id("field-ovrigt")).to_have_value("Patienten mår bättre.")
    draft_url = page.url
    # beside the draft: what FK asked for, framed in the draft too (issue 15 item 8)
    expect(page.get_by_test_id("complement-draft-request")).to_be_visible()
    draft_ref = page.get_by_test_id("complement-ref-ovrigt")
    expect(draft_ref).to_contain_text("Förtydliga övriga upplysningar.")
    expect(page.get_by_test_id("question-panel")).not_to_contain_text(
        "Ärendekommunikation finns när intyget"
    )
    draft_ref.click()
    expect(page.get_by_test_id("field-ovrigt")).to_be_in_viewport()
    shot("questions-complement-draft-with-request")
    # "Signera och skicka" (§6.3.1 A step 4; issue 15 item 9): one action
    sign = page.get_by_test_id("action-sign")
    expect(sign).to_have_text("Signera och skicka")
    sign.click()
    expect(page.get_by_test_id("certificate-status")).to_have_text("Skickat")
    expect(page.get_by_test_id("action-notice")).to_contain_text("signerat och skickat")

    # The original: handled, "besvarades med ett nytt intyg", no Förnya/Ersätt
    page.goto(app_server.base_url + f"/intyg/{cert_id}")
    expect(page.get_by_test_id("complemented-by")).to_contain_text(
        "Kompletteringsbegäran besvarades med ett nytt intyg"
    )
    expect(page.get_by_test_id("question-panel")).to_have_attribute("data-unhandled", "1")
    expect(page.get_by_test_id("action-renew")).to_have_count(0)
    expect(page.get_by_test_id("action-replace")).to_have_count(0)
    page.get_by_test_id("complemented-link").click()
    expect(page).to_have_url(draft_url)
    shot("questions-complemented-draft")


def test_administrator_cannot_use_scenario_b(app_server, page: Page, shot) -> None:
    cert_id = certificate(app_server, "SENT", content=_content())
    _send_komplettering(app_server, cert_id)
    page.goto(app_server.deep_link(cert_id, user=ADMIN))
    expect(page.get_by_test_id("complement-ref-ovrigt")).to_be_visible()
    page.get_by_test_id("cannot-complement").click()
    # §6.3.1 B is for läkare/tandläkare only: disabled with the reason from the start (issue 15
    # item 11), not refused after the comment is written
    option_b = page.get_by_test_id("cannot-b")
    expect(option_b).to_be_disabled()
    expect(page.get_by_test_id("cannot-b-reason")).to_contain_text("Endast läkare och tandläkare")
    expect(option_b).to_have_attribute("aria-describedby", "cannot-b-reason")
    option_b.click(force=True)
    expect(option_b).not_to_have_attribute("data-state", "checked")
    expect(page.get_by_test_id("cannot-text")).to_have_count(0)  # no comment box for B
    shot("questions-admin-b-disabled")
    # the radios are named by their texts (issue 15 item 19)
    expect(
        page.get_by_role("radio", name="Ingen ytterligare medicinsk information")
    ).to_be_disabled()
    expect(page.get_by_role("radiogroup")).to_have_accessible_name(
        "Ange varför du inte kan komplettera med ett nytt intyg"
    )
    # C stays open to a vårdadministratör
    page.get_by_test_id("cannot-c").click()
    expect(page.get_by_test_id("cannot-text")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/intyg/{cert_id}$"))  # no new draft

"""Issue 4 in the browser: sign and send, roles, renew, replace, revoke, sekretess."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.helpers import FK_OFFSET, certificate, expect_signed, fill_complete_fk7804
from tests.factories import ADMIN, MAJ_SEKRETESS, full_fk7804


def test_doctor_signs_and_sends(app_server, page: Page, shot) -> None:
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id))
    fill_complete_fk7804(page)
    page.get_by_test_id("action-sign").click()
    expect_signed(page)
    page.get_by_test_id("action-send").click()
    expect(page.get_by_test_id("dialog-send")).to_contain_text("samtycke")
    page.get_by_test_id("dialog-confirm-send").click()
    expect(page.get_by_test_id("certificate-status")).to_have_text("Skickat")
    expect(page.get_by_test_id("status-text")).to_contain_text("skickat till Försäkringskassan")
    shot("certificate-sent")
    # Sent because Försäkringskassan's simulator accepted the signed RegisterCertificate v3
    # (XSD + schematron + own rules): its record is the XML with the SITHS signature.
    fk = f"http://127.0.0.1:{urlparse(app_server.base_url).port + FK_OFFSET}"
    got = httpx.get(fk + "/received").json()
    (record,) = [c for c in got["certificates"] if c["certificate_id"] == cert_id]
    assert record["format"] == "RegisterCertificate v3"
    assert "X509Certificate" in record["xml"]
    assert got["refused"] == []


def test_administrator_marks_ready_and_cannot_sign(app_server, page: Page) -> None:
    cert_id = app_server.create_draft(user=ADMIN)
    page.goto(app_server.deep_link(cert_id, user=ADMIN))
    expect(page.get_by_test_id("action-sign")).to_have_count(0)
    fill_complete_fk7804(page)
    page.get_by_test_id("action-mark-ready").click()
    expect(page.get_by_test_id("certificate-status")).to_have_text("Klart för signering")


def test_renew_creates_a_draft_with_previous_period(app_server, page: Page) -> None:
    cert_id = certificate(app_server, "SENT")
    page.goto(app_server.deep_link(cert_id))
    page.get_by_test_id("action-renew").click()
    page.get_by_test_id("dialog-confirm-renew").click()
    expect(page).not_to_have_url(re.compile(cert_id))
    expect(page.get_by_test_id("certificate-status")).to_have_text("Utkast")
    expect(page.get_by_test_id("previous-period")).to_contain_text("50 procent")
    expect(page.get_by_test_id("field-funktionsnedsattning")).to_have_value("Hosta")
    expect(page.get_by_test_id("field-sjukskrivningar-HALFTEN-from")).to_have_value("")


def test_replace_then_continue_dialog_then_revoke_replacing(app_server, page: Page, shot) -> None:
    original = certificate(app_server, "SIGNED")
    page.goto(app_server.deep_link(original))
    page.get_by_test_id("action-replace").click()
    page.get_by_test_id("dialog-confirm-replace").click()
    expect(page).not_to_have_url(re.compile(original))
    replacing = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.get_by_test_id("field-funktionsnedsattning")).to_have_value("Hosta")
    # back on the original: Ersätt again asks whether to continue on the existing draft
    page.goto(app_server.base_url + f"/intyg/{original}")
    page.get_by_test_id("action-replace").click()
    expect(page.get_by_test_id("dialog-replace-existing")).to_be_visible()
    page.get_by_test_id("dialog-confirm-continue").click()
    expect(page).to_have_url(re.compile(replacing))
    page.get_by_test_id("action-sign").click()
    expect_signed(page)
    # the original now says it has been replaced, with a link; Förnya/Ersätt are gone
    page.goto(app_server.base_url + f"/intyg/{original}")
    expect(page.get_by_test_id("relation-replace")).to_contain_text("ersatts")
    expect(page.get_by_test_id("action-replace")).to_have_count(0)
    expect(page.get_by_test_id("action-renew")).to_have_count(0)
    # revoke the replacing certificate: a link back to the replaced one
    page.goto(app_server.base_url + f"/intyg/{replacing}")
    page.get_by_test_id("action-revoke").click()
    page.get_by_test_id("revoke-reason-ANNAT_ALLVARLIGT_FEL").click()
    page.get_by_test_id("revoke-message").fill("Fel diagnos angiven")
    page.get_by_test_id("dialog-confirm-revoke").click()
    expect(page.get_by_test_id("certificate-status")).to_have_text("Makulerat")
    relation = page.get_by_test_id("relation-replace")
    expect(relation).to_contain_text("också kan behöva makuleras")
    shot("certificate-revoked")
    relation.get_by_role("link").click()
    expect(page).to_have_url(re.compile(original))


def test_escape_and_cancel_change_nothing(app_server, page: Page) -> None:
    cert_id = certificate(app_server, "SIGNED")
    page.goto(app_server.deep_link(cert_id))
    page.get_by_test_id("action-revoke").click()
    expect(page.get_by_test_id("dialog-revoke")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("dialog-revoke")).to_have_count(0)
    page.get_by_test_id("action-revoke").click()
    expect(page.get_by_test_id("dialog-revoke")).to_be_visible()
    page.get_by_test_id("dialog-cancel").click()
    expect(page.get_by_test_id("dialog-revoke")).to_have_count(0)
    expect_signed(page)


def test_sekretess_patient_is_red_and_administrator_is_refused(
    app_server, page: Page, shot
) -> None:
    cert_id = app_server.create_draft(pnr=MAJ_SEKRETESS)
    page.goto(app_server.deep_link(cert_id))
    line = page.get_by_test_id("patient-line")
    expect(line).to_contain_text("19540123-2540")
    expect(page.get_by_test_id("patient-sekretess")).to_be_visible()
    assert "rgb(" in line.evaluate("e => getComputedStyle(e).color")
    color = line.evaluate("e => getComputedStyle(e).color")
    r, g, b = (int(x) for x in re.findall(r"\d+", color)[:3])
    assert r > 150 and g < 100 and b < 100, color
    shot("sekretess-patient")
    page.context.clear_cookies()
    page.goto(app_server.deep_link(cert_id, user=ADMIN))
    expect(page.get_by_test_id("page-error")).to_contain_text("behörig")


def test_a_recipients_refusal_is_shown_and_the_certificate_stays_unsent(
    app_server, page: Page, shot
) -> None:
    """A certificate signed before today's rules, without a diagnosis: Försäkringskassan's
    simulator refuses the RegisterCertificate with its rule text; the user reads it in Swedish
    and the certificate stays Signerat."""
    broken = {k: v for k, v in full_fk7804().items() if k != "diagnoser"}
    cert_id = certificate(app_server, "SIGNED", content=broken)
    page.goto(app_server.deep_link(cert_id))
    page.get_by_test_id("action-send").click()
    page.get_by_test_id("dialog-confirm-send").click()
    error = page.get_by_test_id("action-error")
    expect(error).to_contain_text("Försäkringskassan tog inte emot intyget:")
    expect(error).to_contain_text("Ett 'MU' måste ha en 'Typ av diagnos'.")
    expect(error).to_contain_text("Intyget har inte skickats.")
    expect_signed(page)
    shot("certificate-refused-by-fk")

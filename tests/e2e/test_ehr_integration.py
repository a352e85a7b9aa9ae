"""Issue 9 end to end: from the demo journalsystem create a draft, deep-link, sign, and see
SIGNAT arrive back in the journalsystem; the patient parameters of the deep link (§3.2)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.helpers import reload_until_shown, sign_the_opened_draft


def test_demo_ehr_create_deep_link_sign_and_receive_signat(app_server, page: Page, shot) -> None:
    page.goto(app_server.ehr_url + "/")
    page.get_by_role("button", name="Skapa utkast").click()
    page.get_by_role("button", name="Öppna i Webcert").first.click()
    cert_id = sign_the_opened_draft(page)
    page.goto(app_server.ehr_url + "/")
    row = page.locator("tr", has_text="SIGNAT").filter(has_text=cert_id)
    reload_until_shown(page, row)
    expect(row.first).to_contain_text("Giltig")  # HMAC signature verified by the EHR
    expect(row.first).to_contain_text("HAN2")
    shot("demo-ehr-notifications")


def test_alternate_patient_ssn_updates_the_draft(app_server, page: Page) -> None:
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id, alternatePatientSSn="201212121212"))
    expect(page.get_by_test_id("patient-line")).to_contain_text("20121212-1212")
    expect(page.get_by_test_id("action-notice")).to_contain_text("uppdaterat")

"""Issue 15 (items 8-11, 13-20): defects a clinician hit walking the manual in Chromium.

Each test names the item it proves; every one failed on the code before the fix.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.helpers import certificate, swedish_today
from tests.factories import DOCTOR, SEKRETESS_DOCTOR, UNIT


def _login(app_server, page: Page, hsa_id: str, unit_id: str | None = None) -> None:
    body = {"hsa_id": hsa_id, **({"unit_id": unit_id} if unit_id else {})}
    r = page.request.post(app_server.base_url + "/testability/login", data=body)
    assert r.ok, r.text()


# --- item 16 ----------------------------------------------------------------------------------
def test_item16_sekretess_header_link_reopens_the_information(app_server, page: Page, shot) -> None:
    _login(app_server, page, SEKRETESS_DOCTOR, UNIT)
    page.goto(app_server.base_url + "/")
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Du har en sekretessmarkering")
    page.get_by_test_id("sekretess-user-accept").click()
    expect(dialog).to_have_count(0)
    url = page.url
    page.get_by_test_id("header-sekretess-link").click()
    expect(dialog).to_contain_text("Du har en sekretessmarkering")
    expect(dialog).to_contain_text("vid kommunikation med Försäkringskassan")
    shot("sekretess-info-reopened")
    assert page.url == url  # no navigation
    page.get_by_test_id("sekretess-user-accept").click()
    expect(dialog).to_have_count(0)


# --- item 17 ----------------------------------------------------------------------------------
def test_item17_ts_certificate_has_no_fmb_tab_and_no_fk_texts(app_server, page: Page, shot) -> None:
    cert_id = app_server.create_draft("tstrk1007")
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id("certificate-title")).to_be_visible()
    expect(page.get_by_test_id("tab-tips")).to_be_visible()
    expect(page.get_by_test_id("tab-fmb")).to_have_count(0)
    expect(page.get_by_test_id("tab-questions")).to_have_count(0)
    expect(page.get_by_test_id("question-panel")).to_have_count(0)
    expect(page.get_by_test_id("tips-text")).to_be_visible()  # the tab shown from the start
    expect(page.get_by_role("main")).not_to_contain_text("Försäkringskassan")
    shot("ts-side-panel")
    # an FK certificate keeps both
    fk_id = app_server.create_draft("fk7804")
    page.goto(app_server.deep_link(fk_id))
    expect(page.get_by_test_id("tab-fmb")).to_be_visible()
    expect(page.get_by_test_id("tab-questions")).to_be_visible()


# --- item 19 ----------------------------------------------------------------------------------
def test_item19_accessible_names_and_one_revoked_banner(app_server, page: Page, shot) -> None:
    cert_id = app_server.create_draft("fk7804")
    page.goto(app_server.deep_link(cert_id))
    for grade in ("25", "50", "75", "100"):
        expect(
            page.get_by_role("textbox", name=f"Fr.o.m, {grade} procent", exact=True)
        ).to_have_count(1)
        expect(
            page.get_by_role("textbox", name=f"t.o.m, {grade} procent", exact=True)
        ).to_have_count(1)
    # help buttons: the whole question in the name, and aria-expanded
    toggle = page.get_by_test_id("field-aktivitetsbegransning-help-toggle")
    name = toggle.get_attribute("aria-label") or ""
    assert name.startswith("Visa hjälptext för ") and not name.endswith(" "), name
    label = page.locator("#q-aktivitetsbegransning label").first.inner_text()
    assert label.lstrip("* ").strip() in name, (label, name)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("field-aktivitetsbegransning-help")).to_be_visible()

    # revoking shows one banner saying "makulerat", not two
    signed = certificate(app_server, "SIGNED", content={"funktionsnedsattning": "Hosta"})
    page.goto(app_server.deep_link(signed))
    page.get_by_test_id("action-revoke").click()
    page.get_by_test_id("revoke-reason-FELAKTIG_PATIENT").click()
    page.get_by_test_id("dialog-confirm-revoke").click()
    expect(page.get_by_test_id("certificate-status")).to_have_text("Makulerat")
    expect(page.get_by_test_id("status-text")).to_contain_text("Intyget är makulerat")
    expect(page.get_by_test_id("action-notice")).to_have_count(0)
    expect(page.get_by_role("main").get_by_text(re.compile("makulerat", re.I))).to_have_count(2)
    shot("revoked-one-banner")  # the badge "Makulerat" and the status line


# --- item 20 ----------------------------------------------------------------------------------
def test_item20_swedish_404_toast_region_header_and_no_missing_resource(
    app_server, page: Page, shot
) -> None:
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.on("console", lambda m: missing.append(m.text) if "404" in m.text else None)
    page.goto(app_server.base_url + "/login")
    expect(page.get_by_test_id(f"login-{DOCTOR}-{UNIT}")).to_be_visible()
    # the toast region is named in Swedish
    expect(page.locator("[aria-label*='Notifications']")).to_have_count(0)
    expect(page.locator("section[aria-label^='Aviseringar']")).to_have_count(1)
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id("certificate-title")).to_be_visible()
    page.wait_for_load_state("networkidle")
    # no page loads a resource that answers 404; the browser asks every page's origin for
    # its icon on its own (a headless browser does not, so it is asked here)
    missing += [u for u in ["/favicon.ico"] if not page.request.get(app_server.base_url + u).ok]
    assert missing == [], missing

    # choose-unit page: the role without a dangling dash
    page.context.clear_cookies()
    _login(app_server, page, DOCTOR)
    page.goto(app_server.base_url + "/valj-enhet")
    expect(page.get_by_test_id(f"choose-unit-{UNIT}")).to_be_visible()
    expect(page.get_by_test_id("header-role-unit")).to_have_text("Läkare")
    shot("choose-unit-header")

    # an unknown address: a Swedish page
    page.goto(app_server.base_url + "/finns-inte-alls")
    expect(page.get_by_text("Sidan finns inte")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    shot("not-found-page")


# --- item 10 ----------------------------------------------------------------------------------
def test_item10_question_panel_follows_sending_and_shows_an_unsent_question(
    app_server, page: Page, shot
) -> None:
    from tests.factories import complete_fk7804

    content = complete_fk7804(ovrigt="Patienten mår bättre.")
    cert_id = certificate(app_server, "SIGNED", content=content)  # complete: FK takes it
    page.goto(app_server.deep_link(cert_id))
    panel = page.get_by_test_id("question-panel")
    expect(panel).to_contain_text("Ärendekommunikation finns när intyget är signerat och skickat")
    page.get_by_test_id("action-send").click()
    page.get_by_test_id("dialog-confirm-send").click()
    expect(page.get_by_test_id("certificate-status")).to_have_text("Skickat")
    # at once, without a reload: the conversation is open
    expect(page.get_by_test_id("questions-tab-admin")).to_be_visible()
    expect(panel).not_to_contain_text("Ärendekommunikation finns när intyget")
    page.get_by_test_id("questions-tab-admin").click()
    page.get_by_test_id("ask-toggle").click()
    expect(page.get_by_test_id("ask-topic")).to_have_accessible_name("Ämne")  # item 19
    page.get_by_test_id("ask-text").fill("När vill ni ha ett avstämningsmöte?")
    page.wait_for_timeout(500)  # autosaved per change
    page.reload()
    # the unsent question is shown where it was written, not hidden behind the button
    page.get_by_test_id("questions-tab-admin").click()
    expect(page.get_by_test_id("ask-text")).to_have_value("När vill ni ha ett avstämningsmöte?")
    shot("questions-unsent-question-shown")


# --- item 18 ----------------------------------------------------------------------------------
def test_item18_fk7263_is_viewed_and_printed(app_server, page: Page, shot, tmp_path) -> None:
    cert_id = certificate(app_server, "SENT", cert_type="fk7263", content={})
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id("certificate-title")).to_have_text("Läkarintyg FK7263")
    expect(page.get_by_test_id("certificate-status")).to_have_text("Skickat")
    expect(page.get_by_test_id("view-sjukdomsforlopp")).to_contain_text("ländryggssmärta")
    expect(page.get_by_role("main").get_by_role("textbox")).to_have_count(0)  # read only
    for action in ("action-sign", "action-renew", "action-replace", "action-send"):
        expect(page.get_by_test_id(action)).to_have_count(0)
    shot("fk7263-view")
    page.get_by_test_id("action-print").click()
    page.get_by_test_id("print-minimal").click()
    with page.expect_download() as dl:
        page.get_by_test_id("dialog-confirm-print").click()
    pdf = tmp_path / "fk7263.pdf"
    dl.value.save_as(pdf)
    text = "\n".join(p.extract_text() or "" for p in PdfReader(str(pdf)).pages)
    assert "Minimalt intyg" in text and "Lumbago" not in text  # no diagnosis on the minimal


# --- item 13 ----------------------------------------------------------------------------------
def test_item13_three_position_f_codes_are_marked_for_fk(app_server, page: Page, shot) -> None:
    cert_id = app_server.create_draft("fk7804")
    page.goto(app_server.deep_link(cert_id))
    code = page.get_by_test_id("field-diagnoser-0-code")
    code.fill("F32")
    options = page.get_by_test_id("diagnosis-suggestion")
    expect(options.first).to_be_visible()
    expect(options.first).not_to_have_attribute("data-code", "F32")  # signable codes first
    expect(options.first).to_have_attribute("data-needs-more", "false")
    f32 = page.locator("[data-testid=diagnosis-suggestion][data-code=F32]")
    expect(f32).to_have_attribute("data-needs-more", "true")
    expect(f32).to_contain_text("minst fyra positioner")
    shot("diagnosis-f32-marked")


# --- item 15 ----------------------------------------------------------------------------------
def test_item15_ticked_basis_gets_todays_date_and_dates_have_a_calendar(
    app_server, page: Page, shot
) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    cert_id = app_server.create_draft("fk7804")
    page.goto(app_server.deep_link(cert_id))
    box = page.get_by_test_id("field-grund-for-mu-UNDERSOKNING")
    date = page.get_by_test_id("field-grund-for-mu-UNDERSOKNING-date")
    expect(date).to_have_value("")
    box.click()
    expect(box).to_have_attribute("data-state", "checked")
    expect(date).to_have_value(today.isoformat())  # filled in, as Webcert does
    earlier = (today - timedelta(days=3)).isoformat()
    date.fill(earlier)  # still editable
    date.press("Tab")
    expect(date).to_have_value(earlier)
    # a calendar beside the typed field writes the same value
    picker = page.get_by_test_id("field-sjukskrivningar-HALFTEN-from-picker")
    expect(picker).to_have_attribute("type", "date")
    expect(picker).to_have_accessible_name("Välj i kalender: Fr.o.m, 50 procent")
    picker.fill(today.isoformat())
    start = page.get_by_test_id("field-sjukskrivningar-HALFTEN-from")
    expect(start).to_have_value(today.isoformat())
    # typing and the shortcuts still work (§5.7)
    end = page.get_by_test_id("field-sjukskrivningar-HALFTEN-to")
    end.fill("d14")
    end.press("Tab")
    expect(end).to_have_value((today + timedelta(days=13)).isoformat())
    expect(page.get_by_test_id("field-sjukskrivningar-HALFTEN-to-picker")).to_have_value(
        (today + timedelta(days=13)).isoformat()
    )
    shot("dates-today-and-calendar")


# --- item 14 ----------------------------------------------------------------------------------
def test_item14_new_mandatory_question_is_announced_and_linked(
    app_server, page: Page, shot
) -> None:
    from datetime import timedelta

    from services.certificates import get_definition

    label = get_definition("fk7804").question("arbetstidsforlaggning").label
    cert_id = app_server.create_draft("fk7804")
    page.goto(app_server.deep_link(cert_id))
    question = page.locator("#q-arbetstidsforlaggning")
    expect(question).to_have_count(0)
    today = swedish_today()
    page.get_by_test_id("field-sjukskrivningar-HALFTEN-from").fill(today.isoformat())
    end = page.get_by_test_id("field-sjukskrivningar-HALFTEN-to")
    end.fill((today + timedelta(days=13)).isoformat())
    end.press("Tab")
    # the question appears with a notice where it appears, and screen readers are told
    expect(question).to_be_visible()
    expect(page.get_by_test_id("field-arbetstidsforlaggning-appeared")).to_contain_text(
        "Ny obligatorisk fråga"
    )
    expect(page.get_by_role("status").filter(has_text="Ny obligatorisk fråga")).to_contain_text(
        label
    )
    shot("new-mandatory-question")
    # the missing list links to the field itself, not only to its section
    page.get_by_test_id("action-sign").click()
    link = page.get_by_test_id("missing-field").filter(has_text=label)
    expect(link).to_have_attribute("href", re.compile(r"#q-arbetstidsforlaggning$"))
    expect(page.get_by_test_id("missing-list")).to_contain_text("Bedömning")
    page.mouse.wheel(0, 3000)
    page.get_by_test_id("missing-list").scroll_into_view_if_needed()
    link.click()
    expect(question).to_be_in_viewport()
    shot("missing-list-field-links")
    # answered: the notice goes
    page.get_by_test_id("field-arbetstidsforlaggning-false").click()
    expect(page.get_by_test_id("field-arbetstidsforlaggning-appeared")).to_have_count(0)

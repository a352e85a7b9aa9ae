"""Diagnoses, FMB and ICF (manual §5.2–5.4): autocomplete with the keyboard, FMB for two
diagnoses, ICF categories added as chips — as a doctor does it in Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import tid, wait_saved


def _open_draft(app_server, page: Page) -> None:
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id("certificate-title")).to_be_visible()


def _element_shot(locator, name: str) -> None:
    """A close-up of one part of the page, beside the full-page shots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _suggestions(page: Page):
    return page.get_by_test_id("diagnosis-suggestions")


def test_code_and_misspelt_text_picked_with_keyboard_fmb_and_icf(
    app_server, page: Page, shot
) -> None:
    _open_draft(app_server, page)
    page.get_by_test_id("tab-fmb").click()
    expect(page.get_by_test_id("fmb-empty")).to_be_visible()
    expect(page.get_by_test_id("icf-funktionsnedsattning-button")).to_be_disabled()

    # §5.2: a code gives suggestions from three characters on.
    code = page.get_by_test_id(tid("diagnoser.0.code"))
    code.click()
    page.keyboard.type("J2")
    expect(_suggestions(page)).to_have_count(0)
    page.keyboard.type("0")
    first = _suggestions(page).get_by_test_id("diagnosis-suggestion").first
    expect(first).to_have_attribute("data-code", "J20")
    expect(code).to_have_attribute("aria-expanded", "true")
    shot("diagnosis-autocomplete-code")
    _element_shot(page.get_by_test_id("section-diagnos"), "diagnosis-autocomplete-code-closeup")
    page.keyboard.press("ArrowDown")
    expect(first).to_have_attribute("data-highlighted", "true")
    page.keyboard.press("Enter")
    expect(_suggestions(page)).to_have_count(0)
    expect(code).to_have_value("J20")
    expect(page.get_by_test_id(tid("diagnoser.0.text"))).to_have_value("Akut bronkit")
    wait_saved(page)

    # A misspelt text ("depresiv") still finds the diagnosis; arrows move, Enter picks.
    text = page.get_by_test_id(tid("diagnoser.1.text"))
    text.click()
    page.keyboard.type("medelsvar depresiv")
    options = _suggestions(page).get_by_test_id("diagnosis-suggestion")
    expect(options.first).to_have_attribute("data-code", "F321")
    shot("diagnosis-autocomplete-text")
    _element_shot(page.get_by_test_id("section-diagnos"), "diagnosis-autocomplete-text-closeup")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("data-highlighted", "true")
    page.keyboard.press("ArrowUp")
    expect(options.first).to_have_attribute("data-highlighted", "true")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id(tid("diagnoser.1.code"))).to_have_value("F321")
    expect(text).to_have_value("Medelsvår depressiv episod")
    wait_saved(page)

    # Escape closes the list without choosing anything.
    third = page.get_by_test_id(tid("diagnoser.2.code"))
    third.click()
    page.keyboard.type("M54")
    expect(_suggestions(page)).to_be_visible()
    page.keyboard.press("Escape")
    expect(_suggestions(page)).to_have_count(0)
    expect(page.get_by_test_id(tid("diagnoser.2.text"))).to_have_value("")
    third.fill("")
    page.get_by_test_id(tid("ovrigt")).click()

    # §5.3: FMB for the chosen diagnoses; radio buttons switch between them.
    expect(page.get_by_test_id("fmb-title")).to_have_text("Akut bronkit")
    expect(page.get_by_test_id("fmb-choice-J20")).to_be_checked()
    section = page.get_by_test_id("fmb-section-text-FUNKTIONSNEDSATTNING")
    short = section.inner_text()
    page.get_by_test_id("fmb-more-FUNKTIONSNEDSATTNING").click()
    expect(page.get_by_test_id("fmb-more-FUNKTIONSNEDSATTNING")).to_have_text("Visa mindre")
    assert len(section.inner_text()) > len(short)
    shot("fmb-two-diagnoses")
    _element_shot(page.get_by_test_id("fmb-panel"), "fmb-two-diagnoses-closeup")
    page.get_by_test_id("fmb-choice-F321").click()
    expect(page.get_by_test_id("fmb-title")).to_have_text("Depressiv episod")
    expect(page.get_by_test_id("fmb-diagnosis")).to_contain_text("F321")
    expect(page.get_by_test_id("fmb-section-SJUKSKRIVNINGSREKOMMENDATION")).to_be_visible()
    shot("fmb-second-diagnosis")

    # §5.4: ICF – categories common to both diagnoses first, then one group per diagnosis.
    button = page.get_by_test_id("icf-funktionsnedsattning-button")
    expect(button).to_be_enabled()
    button.click()
    dialog = page.get_by_test_id("icf-funktionsnedsattning-dialog")
    groups = dialog.get_by_test_id("icf-funktionsnedsattning-group")
    expect(groups).to_have_count(3)
    expect(groups.nth(0)).to_contain_text("Akut bronkit, Medelsvår depressiv episod")
    expect(groups.nth(1)).to_contain_text("Akut bronkit")
    expect(groups.nth(2)).to_contain_text("Medelsvår depressiv episod")
    dialog.get_by_test_id("icf-funktionsnedsattning-more-b130").click()
    expect(dialog.get_by_test_id("icf-funktionsnedsattning-details-b130")).to_be_visible()
    dialog.get_by_test_id("icf-funktionsnedsattning-category-b130").click()
    dialog.get_by_test_id("icf-funktionsnedsattning-category-b440").click()
    shot("icf-dialog")
    _element_shot(dialog, "icf-dialog-closeup")
    dialog.get_by_test_id("icf-funktionsnedsattning-add").click()
    expect(dialog).to_have_count(0)
    chips = page.get_by_test_id("icf-funktionsnedsattning-chip")
    expect(chips).to_have_count(2)
    expect(chips.nth(0)).to_have_text("Energinivå, motivation, aptit, begär, impulskontroll")
    expect(chips.nth(1)).to_have_text("Andning")
    wait_saved(page)

    # Avbryt changes nothing.
    page.get_by_test_id("icf-aktivitetsbegransning-button").click()
    act = page.get_by_test_id("icf-aktivitetsbegransning-dialog")
    act.get_by_test_id("icf-aktivitetsbegransning-category-d450").click()
    act.get_by_test_id("icf-aktivitetsbegransning-cancel").click()
    expect(act).to_have_count(0)
    expect(page.get_by_test_id("icf-aktivitetsbegransning-chip")).to_have_count(0)
    page.get_by_test_id(tid("funktionsnedsattning")).fill("Hostar, trött efter kort promenad")
    page.get_by_test_id(tid("ovrigt")).click()
    wait_saved(page)
    shot("icf-chips")
    _element_shot(page.get_by_test_id("section-sjukdomens_konsekvenser"), "icf-chips-closeup")

    # Everything was saved: the chips, the diagnoses and the FMB come back after a reload.
    page.reload()
    expect(page.get_by_test_id(tid("diagnoser.1.code"))).to_have_value("F321")
    expect(page.get_by_test_id("icf-funktionsnedsattning-chip")).to_have_count(2)
    page.get_by_test_id("tab-fmb").click()
    expect(page.get_by_test_id("fmb-choice-F321")).to_be_visible()


def test_typed_code_fills_text_and_mouse_pick(app_server, page: Page) -> None:
    _open_draft(app_server, page)
    code = page.get_by_test_id(tid("diagnoser.0.code"))
    code.click()
    page.keyboard.type("m54")
    page.keyboard.press("Tab")  # leave the field without choosing: the code's text follows
    expect(page.get_by_test_id(tid("diagnoser.0.text"))).to_have_value("Ryggvärk")
    wait_saved(page)
    # Change the text with the mouse from the suggestions: code follows the text.
    text = page.get_by_test_id(tid("diagnoser.0.text"))
    text.fill("")
    text.click()
    page.keyboard.type("akut bronkt")
    _suggestions(page).get_by_test_id("diagnosis-suggestion").first.click()
    expect(code).to_have_value("J20")
    expect(text).to_have_value("Akut bronkit")
    wait_saved(page)
    page.get_by_test_id("tab-fmb").click()
    expect(page.get_by_test_id("fmb-title")).to_have_text("Akut bronkit")
    expect(page.get_by_test_id("fmb-choices")).to_have_count(0)  # one diagnosis: no radios

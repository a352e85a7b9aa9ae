"""Issue 10: a complete FK7804 filled and signed with the keyboard alone."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.e2e.helpers import expect_signed, swedish_today, tid, wait_saved

MAX_TABS = 400
# A patient without earlier sick leave here (the suite shares one database): with Tolvan's
# certificates from other tests the spell passes FMB's maximum and signing asks for a reason.
MANS = "195202131578"


def tab_to(page: Page, testid: str) -> None:
    """Press Tab until the element with ``testid`` has focus (proves it is reachable)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement?.getAttribute('data-testid')")
        if focused == testid:
            return
    raise AssertionError(f"{testid} cannot be reached with Tab")


def type_into(page: Page, testid: str, text: str) -> None:
    tab_to(page, testid)
    page.keyboard.type(text)


def test_complete_fk7804_with_keyboard_only(app_server, page: Page, shot) -> None:
    cert_id = app_server.create_draft(pnr=MANS)
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id("certificate-title")).to_be_visible()
    today = swedish_today()
    tab_to(page, tid("grund_for_mu.UNDERSOKNING"))
    page.keyboard.press("Space")
    # ticking it fills in today's date (form_model.fill_date_on_tick): wait for it before
    # typing into the field, or the typed date lands beside the filled-in one
    expect(page.get_by_test_id(tid("grund_for_mu.UNDERSOKNING.date"))).to_have_value(
        today.isoformat()
    )
    tab_to(page, tid("grund_for_mu.UNDERSOKNING.date"))
    page.keyboard.press("Control+a")
    page.keyboard.type(today.isoformat())
    tab_to(page, tid("sysselsattning.NUVARANDE_ARBETE"))
    page.keyboard.press("Space")
    type_into(page, tid("nuvarande_arbete"), "Lagerarbetare")
    type_into(page, tid("diagnoser.0.code"), "J20")
    page.keyboard.press("Tab")  # leaving a known code fills in its text
    expect(page.get_by_test_id(tid("diagnoser.0.text"))).to_have_value("Akut bronkit")
    type_into(page, tid("funktionsnedsattning"), "Hosta")
    type_into(page, tid("aktivitetsbegransning"), "Kan inte lyfta")
    type_into(page, tid("sjukskrivningar.HELT_NEDSATT.from"), today.isoformat())
    type_into(page, tid("sjukskrivningar.HELT_NEDSATT.to"), "d14")
    page.keyboard.press("Tab")  # the shortcut applies when the field is left
    expect(page.get_by_test_id(tid("sjukskrivningar.HELT_NEDSATT.to"))).to_have_value(
        (today + timedelta(days=13)).isoformat()
    )
    tab_to(page, tid("prognos.STOR_SANNOLIKHET"))
    page.keyboard.press("Space")
    tab_to(page, tid("atgarder.EJ_AKTUELLT"))
    page.keyboard.press("Space")
    wait_saved(page)
    focus_outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focus_outline != "none"  # visible focus
    tab_to(page, "action-sign-bottom")
    page.keyboard.press("Enter")
    expect_signed(page)
    shot("keyboard-signed")

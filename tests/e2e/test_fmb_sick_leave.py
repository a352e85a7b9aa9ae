"""FMB sick-leave length in FK7804 (issue 20, item 5): a renewal pushes the spell past FMB's
maximum for the main diagnosis; the warning and the reason field appear, live."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import certificate, swedish_today, tid, wait_saved

REASON = "motivering_langre_an_fmb"
# A patient no other e2e test writes certificates for: the spell counts every earlier signed
# FK7804 of the patient at the care provider, and the suite shares one database.
VALDEMAR = "195107132119"


def _period(page: Page, first: date, last: date) -> None:
    start = page.get_by_test_id(tid("sjukskrivningar.HELT_NEDSATT.from"))
    start.fill(first.isoformat())
    start.press("Tab")
    end = page.get_by_test_id(tid("sjukskrivningar.HELT_NEDSATT.to"))
    end.fill(last.isoformat())
    end.press("Tab")


def test_renewal_past_fmb_maximum_asks_for_a_reason(app_server, page: Page, shot) -> None:
    # Sent FK7804 for J20 (FMB's typfall maximum for akut bronkit: 14 days), 50 % from today
    # for 14 days (today .. today+13).
    original = certificate(app_server, "SENT", pnr=VALDEMAR)
    today = swedish_today()
    page.goto(app_server.deep_link(original))
    page.get_by_test_id("action-renew").click()
    page.get_by_test_id("dialog-confirm-renew").click()
    expect(page).not_to_have_url(re.compile(original))
    expect(page.get_by_test_id("certificate-status")).to_have_text("Utkast")
    warning = page.get_by_test_id("fmb-length-warning")
    reason = page.get_by_test_id(tid(REASON))
    expect(warning).to_have_count(0)  # no period yet
    expect(reason).to_have_count(0)  # the reason field is not asked for

    # Six days without sick leave after the original (today+14 .. today+19): a new spell of
    # 7 days, within FMB's figure.
    _period(page, today + timedelta(days=20), today + timedelta(days=26))
    wait_saved(page)
    expect(warning).to_have_count(0)
    expect(reason).to_have_count(0)

    # Five days between: the renewal joins the original, 14 + 8 = 22 days > 14.
    _period(page, today + timedelta(days=19), today + timedelta(days=26))
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("22 dagar")
    expect(warning).to_contain_text("14 dagar")
    expect(warning).to_contain_text("Akut bronkit (J20)")
    expect(warning).to_contain_text("1 tidigare intyg")
    expect(reason).to_be_visible()
    reason.fill("Kvarstående hosta och feber, röstkrävande yrke.")
    reason.press("Tab")
    wait_saved(page)
    shot("fmb-sick-leave-length-warning")

    # Back to a separate spell: the warning goes; the reason given stays in the certificate.
    _period(page, today + timedelta(days=20), today + timedelta(days=26))
    expect(warning).to_have_count(0)
    expect(reason).to_have_value("Kvarstående hosta och feber, röstkrävande yrke.")


def test_everyday_word_finds_the_code_and_writes_the_official_text(app_server, page: Page) -> None:
    """Issue 20, item 1: "hösnuva" (a KSH97-P everyday term) finds J30 in ICD-10-SE; the
    suggestion shows the official text and the word, choosing it writes the official text."""
    page.goto(app_server.deep_link(app_server.create_draft()))
    text = page.get_by_test_id(tid("diagnoser.0.text"))
    text.click()
    page.keyboard.type("hösnuva")
    option = page.get_by_test_id("diagnosis-suggestion").first
    expect(option).to_have_attribute("data-code", re.compile(r"^J30"))
    expect(option.get_by_test_id("diagnosis-suggestion-matched")).to_have_text("– Hösnuva")
    page.get_by_test_id("section-diagnos").screenshot(
        path=str(SCREENSHOTS / "diagnosis-everyday-word.png")
    )
    official = (
        option.inner_text().split("–")[0].replace(option.get_attribute("data-code") or "", "")
    )
    option.click()
    expect(text).to_have_value(official.strip())
    expect(text).not_to_have_value(re.compile("Hösnuva"))

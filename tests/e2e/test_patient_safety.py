"""Issue 15, patient safety and correctness, in the browser: the presence/priority badge, the
14-day lock, a PU-tjänsten outage on an open draft and the priority notice."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import certificate, expect_signed, fill_complete_fk7804, tid, wait_saved
from tests.factories import DOCTOR, UNIT

ZANDOR = "TSTNMT2321000156-TLZR"  # Zandor Tandläkare
ZETA = "TSTNMT2321000156-ZEVC"  # Zeta Vårdcentral


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def _open(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_test_id("certificate-title")).to_be_visible(timeout=30_000)


def test_badge_names_only_who_has_this_draft_open(app_server, page: Page) -> None:
    """Item 1: a dentist at Zeta had a draft open in this tab; a doctor at Alfa then opens a
    signed certificate in it: no badge, nobody named. On a draft the badge shows the doctor
    alone; once signed the badge and "Utkastet är sparat" are gone."""
    zeta_draft = app_server.create_draft(user=ZANDOR, unit=ZETA)
    _open(page, app_server.deep_link(zeta_draft, user=ZANDOR, unit=ZETA))
    expect(page.get_by_test_id("presence-list")).to_contain_text("Zandor Tandläkare")

    signed = certificate(app_server, "SIGNED")
    _open(page, app_server.deep_link(signed, user=DOCTOR, unit=UNIT))
    expect_signed(page)
    expect(page.get_by_test_id("presence-list")).to_have_count(0)
    expect(page.get_by_text("Zandor")).to_have_count(0)
    expect(page.get_by_text("förtur")).to_have_count(0)
    _shot(page, "issue15-signed-no-badge")

    draft = app_server.create_draft()
    _open(page, app_server.deep_link(draft))
    expect(page.get_by_test_id("presence-viewer")).to_have_count(1)
    expect(page.get_by_test_id("presence-list")).to_contain_text("Ajla Doktor (du) – förtur")
    expect(page.get_by_test_id("presence-list")).not_to_contain_text("Zandor")
    _shot(page, "issue15-draft-badge")
    fill_complete_fk7804(page)
    page.get_by_test_id("action-sign").click()
    expect_signed(page)
    expect(page.get_by_test_id("presence-list")).to_have_count(0)
    expect(page.get_by_test_id("save-indicator")).to_have_count(0)
    expect(page.get_by_text("Utkastet är sparat")).to_have_count(0)


def test_draft_older_than_14_days_opens_locked(app_server, page: Page) -> None:
    """Item 3: a draft created 15 days ago is locked the moment it is opened, not when the
    background job comes round."""
    draft = certificate(
        app_server, "DRAFT", content={"ovrigt": "Gammalt utkast"}, created_days_ago=15
    )
    _open(page, app_server.deep_link(draft))
    expect(page.get_by_test_id("certificate-status")).to_have_text("Låst utkast")
    expect(page.get_by_test_id(tid("ovrigt"))).to_have_count(0)
    expect(page.get_by_test_id("action-sign")).to_have_count(0)


def test_pu_outage_locks_an_open_draft_at_once(app_server, page: Page) -> None:
    """Item 4 (§4.10.2): PU-tjänsten stops answering while a draft is open: the page says so
    without a reload, the form turns read-only and no action is offered; when it answers
    again the draft is editable again and what was typed is kept."""
    draft = app_server.create_draft()
    _open(page, app_server.deep_link(draft))
    page.get_by_test_id(tid("ovrigt")).fill("Före avbrottet")
    wait_saved(page)
    expect(page.get_by_test_id("action-sign")).to_be_visible()
    try:
        assert app_server.testability("/pu-outage", {"down": True}).status_code == 200
        outage = page.get_by_test_id("pu-outage")
        expect(outage).to_contain_text("PU-tjänsten", timeout=10_000)
        expect(page.get_by_test_id(tid("ovrigt"))).to_have_count(0)
        expect(page.get_by_test_id("action-sign")).to_have_count(0)
        expect(page.get_by_text("Utkastet är sparat")).to_have_count(0)
        expect(page.get_by_test_id("questions-error")).to_contain_text("PU-tjänsten")
        _shot(page, "issue15-pu-outage")
    finally:
        assert app_server.testability("/pu-outage", {"down": False}).status_code == 200
    expect(page.get_by_test_id("pu-outage")).to_have_count(0, timeout=10_000)
    expect(page.get_by_test_id("questions-error")).to_have_count(0)
    expect(page.get_by_test_id(tid("ovrigt"))).to_have_value("Före avbrottet")
    expect(page.get_by_test_id("action-sign")).to_be_visible()


def test_priority_notice_stays_in_view_and_scroll_is_kept(
    app_server, page: Page, browser, browser_context_args
) -> None:
    """Item 12: A is working far down the draft when B takes priority: the notice is in A's
    viewport, announced to screen readers, and A's place on the page is kept."""
    draft = app_server.create_draft()
    _open(page, app_server.deep_link(draft))
    fill_complete_fk7804(page)
    page.get_by_test_id(tid("ovrigt")).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    before = page.evaluate("window.scrollY")
    assert before > 400, before
    other = browser.new_context(**browser_context_args)
    try:
        b = other.new_page()
        _open(b, app_server.deep_link(draft, user="TSTNMT2321000156-VAAA", unit=UNIT))
        notice = page.get_by_test_id("priority-banner")
        expect(notice).to_contain_text("har nu förtur", timeout=5_000)
        expect(notice).to_be_in_viewport()
        live = page.locator("[data-testid=priority-notice-region]")
        expect(live).to_have_attribute("aria-live", "polite")
        # The place is kept: the question A was working on is still in view (read-only now),
        # not the top of the page.
        expect(page.get_by_test_id("view-ovrigt")).to_be_in_viewport()
        assert page.evaluate("window.scrollY") > 400
        _shot(page, "issue15-priority-notice-scrolled")
    finally:
        other.close()

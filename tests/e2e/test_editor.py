"""Issue 3: the draft editor generated from the FK7804 definition (§5.1, §5.6–5.8)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.e2e.helpers import expect_signed, fill_complete_fk7804, swedish_today, tid, wait_saved


def test_fill_complete_fk7804_and_what_is_missing_shrinks(app_server, page: Page, shot) -> None:
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id("certificate-title")).to_be_visible()
    shot("editor-empty-draft")
    page.get_by_test_id("action-sign").click()  # a doctor: Signera shows what is missing
    missing = page.get_by_test_id("missing-list")
    expect(missing).to_be_visible()
    expect(missing).to_contain_text("Grund för medicinskt underlag")
    expect(missing).to_contain_text("Diagnos")
    expect(page.get_by_test_id(tid("funktionsnedsattning") + "-missing")).to_be_visible()
    shot("editor-missing-list")
    before = missing.locator("a").count()
    page.get_by_test_id(tid("grund_for_mu.TELEFONKONTAKT")).click()
    page.get_by_test_id(tid("grund_for_mu.TELEFONKONTAKT.date")).fill(swedish_today().isoformat())
    page.get_by_test_id(tid("ovrigt")).click()
    expect(missing).not_to_contain_text("Grund för medicinskt underlag")
    assert missing.locator("a").count() < before
    fill_complete_fk7804(page)
    expect(page.get_by_test_id("missing-list")).to_have_count(0)
    page.reload()  # autosave survived
    expect(page.get_by_test_id(tid("funktionsnedsattning"))).to_have_value(
        "Hosta och andfåddhet vid ansträngning"
    )
    page.get_by_test_id("action-sign").click()
    expect_signed(page)
    shot("certificate-signed")


def test_end_date_shortcut_and_working_time(app_server, page: Page) -> None:
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id))
    start = swedish_today()
    page.get_by_test_id(tid("arbetstid_timmar_per_vecka")).fill("40")
    page.get_by_test_id(tid("sjukskrivningar.EN_FJARDEDEL.from")).fill(start.isoformat())
    to_field = page.get_by_test_id(tid("sjukskrivningar.EN_FJARDEDEL.to"))
    to_field.fill("d20")
    page.get_by_test_id(tid("ovrigt")).click()  # leave the field: the shortcut applies
    expect(to_field).to_have_value((start + timedelta(days=19)).isoformat())
    line = page.get_by_test_id(tid("sjukskrivningar.EN_FJARDEDEL") + "-working-time")
    expect(line).to_have_text("Arbetstid: 30,00 timmar/vecka i 20 dagar")
    wait_saved(page)


def test_help_text_toggles(app_server, page: Page) -> None:
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id))
    toggle = page.get_by_test_id(tid("funktionsnedsattning") + "-help-toggle")
    help_text = page.get_by_test_id(tid("funktionsnedsattning") + "-help")
    expect(help_text).to_have_count(0)
    toggle.click()
    expect(help_text).to_contain_text("provsvar")
    toggle.click()
    expect(help_text).to_have_count(0)


def test_bad_date_gets_a_field_message_and_is_kept(app_server, page: Page) -> None:
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id))
    field = page.get_by_test_id(tid("sjukskrivningar.HALFTEN.from"))
    field.fill("2026-13-45")
    page.get_by_test_id(tid("ovrigt")).click()
    expect(page.get_by_test_id(tid("sjukskrivningar") + "-error")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id(tid("sjukskrivningar.HALFTEN.from"))).to_have_value("2026-13-45")


def test_sign_right_after_an_edit_signs_what_is_shown(app_server, page: Page, shot) -> None:
    """A click on "Signera intyget" while the autosave of the last edit is still under way
    signs the content on the screen: not the older stored one, and not refused as "ändrats
    av dig" (CI, 2026-12-01: the keyboard walk was left an Utkast). The write is held up
    deterministically by a write lock on the app's SQLite database, as a busy database would."""
    import sqlite3
    import threading

    from tests.e2e.helpers import certificate
    from tests.factories import DOCTOR

    cert_id = certificate(app_server, "DRAFT", pnr="195205131575")
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id("certificate-title")).to_be_visible()
    db = sqlite3.connect(
        app_server.db_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    db.execute("BEGIN IMMEDIATE")  # writers wait (the app's busy timeout is 30 s)
    released = threading.Timer(1.5, db.execute, args=("COMMIT",))
    try:
        page.get_by_test_id(tid("ovrigt")).fill("Tillägget, skrivet just före signeringen.")
        page.get_by_test_id(tid("funktionsnedsattning")).click()  # leaving it sends it
        expect(page.get_by_test_id("save-indicator")).to_have_attribute("data-state", "saving")
        released.start()
        page.get_by_test_id("action-sign").click()
        expect(page.get_by_test_id("certificate-status")).to_have_text("Signerat", timeout=15000)
    finally:
        released.join()
        db.close()
    expect(page.get_by_test_id("action-error")).to_have_count(0)
    expect(page.get_by_test_id("view-ovrigt")).to_contain_text("Tillägget, skrivet just före")
    stored = app_server.api.get(
        f"/api/v1/certificates/{cert_id}",
        headers=app_server.ehr_headers,
        params={"user_hsa_id": DOCTOR},
    )
    assert stored.status_code == 200, stored.text
    assert stored.json()["status"] == "SIGNED"
    assert "Tillägget, skrivet just före signeringen." in stored.text
    shot("signed-right-after-an-edit")

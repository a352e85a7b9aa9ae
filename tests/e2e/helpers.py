"""Helpers for the browser tests: fill the FK7804 draft the way a user does."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from playwright.sync_api import Locator, Page, expect

from services.localtime import SWEDEN
from tests.factories import DOCTOR, TOLVAN, UNIT, full_fk7804

FK_OFFSET = 3  # scripts/serve.py: simulators hsa, pu, fk, ... on the ports after the app's


def tid(key: str) -> str:
    """The data-testid of a form field (same rule as components/ids.testid)."""
    return "field-" + key.replace(".", "-").replace("_", "-")


def wait_saved(page: Page) -> None:
    expect(page.get_by_test_id("save-indicator")).to_have_attribute("data-state", "saved")


def check(page: Page, key: str) -> None:
    """Tick a checkbox or radio item (Radix: data-state="checked"); a click that a moving
    layout swallowed (the missing-fields list shrinks above the form) is retried."""
    box = page.get_by_test_id(tid(key))
    for _ in range(3):
        box.click()
        try:
            expect(box).to_have_attribute("data-state", "checked", timeout=3000)
            return
        except AssertionError:
            continue
    expect(box).to_have_attribute("data-state", "checked")


def swedish_today() -> date:
    """Today in Sweden: the app's dates (a ticked box's date, "idag") are Swedish, and between
    midnight in Stockholm and midnight UTC the machine's ``date.today()`` is a day behind."""
    return datetime.now(SWEDEN).date()


def fill_complete_fk7804(page: Page, *, today: date | None = None) -> None:
    """Fill every mandatory FK7804 field (not smittbärarpenning) through the UI."""
    today = today or swedish_today()
    check(page, "grund_for_mu.UNDERSOKNING")
    page.get_by_test_id(tid("grund_for_mu.UNDERSOKNING.date")).fill(today.isoformat())
    check(page, "sysselsattning.NUVARANDE_ARBETE")
    page.get_by_test_id(tid("nuvarande_arbete")).fill("Snickare, tunga lyft hela dagarna")
    code = page.get_by_test_id(tid("diagnoser.0.code"))
    code.fill("J20")
    code.press("Tab")  # leaving a known code fills in its text (§5.2)
    expect(page.get_by_test_id(tid("diagnoser.0.text"))).to_have_value("Akut bronkit")
    page.get_by_test_id(tid("funktionsnedsattning")).fill("Hosta och andfåddhet vid ansträngning")
    page.get_by_test_id(tid("aktivitetsbegransning")).fill("Klarar inte tunga lyft")
    page.get_by_test_id(tid("sjukskrivningar.HELT_NEDSATT.from")).fill(today.isoformat())
    page.get_by_test_id(tid("sjukskrivningar.HELT_NEDSATT.to")).fill(
        (today + timedelta(days=13)).isoformat()
    )
    check(page, "prognos.STOR_SANNOLIKHET")
    check(page, "atgarder.EJ_AKTUELLT")
    page.get_by_test_id(tid("ovrigt")).click()  # leave the last field so it is sent
    wait_saved(page)


def sign_the_opened_draft(page: Page) -> str:
    """The editor has just opened a new FK7804 draft: fill it completely, sign it; its id."""
    expect(page).to_have_url(re.compile(r"/intyg/[0-9a-f-]+$"))
    cert_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    fill_complete_fk7804(page)
    page.get_by_test_id("action-sign").click()
    expect_signed(page)
    return cert_id


def reload_until_shown(page: Page, found: Locator, seconds: int = 30) -> None:
    """Reload the (EHR's) page until ``found`` is there: the outbox worker delivers within a
    few seconds. The caller's expectation on ``found`` follows."""
    for _ in range(seconds):
        if found.count():
            break
        page.wait_for_timeout(1000)
        page.reload()


def certificate(
    app_server: Any,
    status: str,
    pnr: str = TOLVAN,
    *,
    cert_type: str = "fk7804",
    content: dict[str, Any] | None = None,
    **extra: Any,
) -> str:
    """A certificate put directly into ``status`` through the testability API (by default a
    complete FK7804; ``extra``: more of the API's fields, e.g. ``created_days_ago``); its id."""
    r = app_server.testability(
        "/certificates",
        {
            "type": cert_type,
            "personnummer": pnr,
            "hsa_id": DOCTOR,
            "unit_id": UNIT,
            "status": status,
            "content": full_fk7804() if content is None else content,
            **extra,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def expect_status(page: Page, status: str, *, timeout: float = 15_000) -> None:
    """The certificate's status badge shows ``status``; if it does not, the failure says what
    the page shows instead (its alerts and what is missing)."""
    try:
        expect(page.get_by_test_id("certificate-status")).to_have_text(status, timeout=timeout)
    except AssertionError as exc:
        alerts = [a.strip() for a in page.get_by_role("alert").all_inner_texts() if a.strip()]
        missing = page.get_by_test_id("missing-list")
        shown = missing.inner_text() if missing.count() else ""
        raise AssertionError(
            f"status is not {status!r}; alerts: {alerts}; missing: {shown!r}"
        ) from exc


def expect_signed(page: Page) -> None:
    expect_status(page, "Signerat")

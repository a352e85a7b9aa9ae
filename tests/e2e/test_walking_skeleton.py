"""Issue 2: login via deep link, unit choice, bad token, session expiry, the walking skeleton."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.factories import DOCTOR, UNIT


def test_deep_link_opens_draft_and_autosave_survives_reload(app_server, page: Page, shot) -> None:
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id))
    expect(page).to_have_url(re.compile(rf"/intyg/{cert_id}$"))
    expect(page.get_by_test_id("certificate-title")).to_have_text("Läkarintyg för sjukpenning")
    expect(page.get_by_test_id("header-user-name")).to_contain_text("Ajla")
    expect(page.get_by_test_id("patient-line")).to_contain_text("19121212-1212")
    field = page.get_by_test_id("field-ovrigt")
    text = "Patienten har haft feber i tre dagar – åäö ”citat”"
    field.fill(text)
    expect(page.get_by_test_id("save-indicator")).to_have_attribute("data-state", "saved")
    shot("skeleton-saved")
    page.reload()
    expect(page.get_by_test_id("field-ovrigt")).to_have_value(text)


def test_deep_link_with_bad_token_shows_swedish_error(app_server, page: Page) -> None:
    cert_id = app_server.create_draft()
    page.goto(f"{app_server.base_url}/visa/intyg/{cert_id}?token=inte-en-token")
    expect(page.get_by_test_id("error-text")).to_contain_text("ogiltig eller har gått ut")


def test_launch_token_is_single_use_and_expires(app_server, page: Page) -> None:
    cert_id = app_server.create_draft()
    url = app_server.deep_link(cert_id)
    page.goto(url)
    expect(page.get_by_test_id("certificate-title")).to_be_visible()
    page.context.clear_cookies()
    page.goto(url)  # the same token again
    expect(page.get_by_test_id("error-text")).to_contain_text("ogiltig eller har gått ut")
    r = app_server.testability(
        "/launch-token",
        {"hsa_id": DOCTOR, "unit_id": UNIT, "certificate_id": cert_id, "ttl_seconds": 1},
    )
    path = r.json()["path"]
    app_server.testability("/clock", {"advance_seconds": 5})
    try:
        page.goto(app_server.base_url + path)
        expect(page.get_by_test_id("error-text")).to_contain_text("ogiltig eller har gått ut")
    finally:
        app_server.testability("/clock", {"offset_seconds": 0})


def test_multi_unit_user_chooses_unit(app_server, page: Page) -> None:
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id, unit=None))
    expect(page).to_have_url(re.compile(r"/valj-enhet"))
    page.get_by_test_id(f"choose-unit-{UNIT}").click()
    expect(page).to_have_url(re.compile(rf"/intyg/{cert_id}$"))
    expect(page.get_by_test_id("header-role-unit")).to_contain_text("Alfa Vårdcentral")


def test_session_ends_after_30_minutes_of_inactivity(app_server, page: Page) -> None:
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id("certificate-title")).to_be_visible()
    app_server.testability("/clock", {"advance_seconds": 31 * 60})
    try:
        page.reload()
        expect(page.get_by_test_id("page-error")).to_contain_text("inaktiv")
    finally:
        app_server.testability("/clock", {"offset_seconds": 0})


def test_dev_login_lists_test_users(app_server, page: Page) -> None:
    page.goto(app_server.base_url + "/login")
    link = page.get_by_test_id(f"login-{DOCTOR}-{UNIT}")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_test_id("unit-certificates")).to_be_visible()

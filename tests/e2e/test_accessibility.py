"""Issue 10: axe on the main page states — zero serious or critical violations."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.helpers import certificate
from tests.factories import MAJ_SEKRETESS

AXE = Axe()


def serious_violations(page: Page) -> list[str]:
    result = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n.get("target") else "?" for n in v["nodes"][:4])
        for v in result.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_login_page_is_accessible(app_server, page: Page) -> None:
    page.goto(app_server.base_url + "/login")
    expect(page.get_by_role("table")).to_be_visible()
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", [1280, 1920])
def test_draft_and_missing_list_are_accessible(app_server, page: Page, width: int, shot) -> None:
    page.set_viewport_size({"width": width, "height": 1000})
    cert_id = app_server.create_draft()
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id("certificate-title")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_test_id("action-sign").click()
    expect(page.get_by_test_id("missing-list")).to_be_visible()
    shot(f"draft-missing-{width}")
    assert serious_violations(page) == []


@pytest.mark.parametrize("status", ["SIGNED", "SENT", "REVOKED", "LOCKED"])
def test_certificate_states_are_accessible(app_server, page: Page, status: str) -> None:
    cert_id = certificate(app_server, status)
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id("certificate-status")).to_be_visible()
    assert serious_violations(page) == []


def test_sekretess_patient_and_dialogs_are_accessible(app_server, page: Page) -> None:
    cert_id = certificate(app_server, "SIGNED", pnr=MAJ_SEKRETESS)
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id("patient-sekretess")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_test_id("action-revoke").click()
    expect(page.get_by_test_id("dialog-revoke")).to_be_visible()
    assert serious_violations(page) == []

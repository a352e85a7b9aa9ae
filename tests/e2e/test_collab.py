"""Live collaboration on a draft (§4.2.2), two users in two browser contexts.

B opens the draft after A → A is told at once that B has priority and A's view turns read-only;
B's edits appear in A's view live; A takes priority back with "Fortsätt redigera"; when B
closes its page A is the sole viewer. Once on the default app (one worker, in-process registry)
and once on the app with two workers sharing Redis (mandatory when CI=true).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SCREENSHOTS, App
from tests.e2e.helpers import tid, wait_saved
from tests.factories import ADMIN, DOCTOR, UNIT

A_NAME = "Ajla Doktor"
B_NAME = "Alva Vårdadministratör"
LIVE = 5_000  # ms: "at once" with a generous margin for a loaded CI machine


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _open(page: Page, app: App, cert_id: str, user: str) -> None:
    page.goto(app.deep_link(cert_id, user=user, unit=UNIT))
    # Generous: the first page of a freshly started instance may wait for its warm-up.
    expect(page.get_by_test_id("certificate-title")).to_be_visible(timeout=30_000)


def _collab_flow(app: App, browser: Browser, context_args: dict, tag: str) -> None:
    cert_id = app.create_draft()
    ctx_a, ctx_b = browser.new_context(**context_args), browser.new_context(**context_args)
    try:
        a, b = ctx_a.new_page(), ctx_b.new_page()
        _open(a, app, cert_id, DOCTOR)
        expect(a.get_by_test_id(tid("ovrigt"))).to_be_editable()
        expect(a.get_by_test_id("presence-list")).to_contain_text(A_NAME)
        expect(a.get_by_test_id("priority-banner")).to_have_count(0)
        a.get_by_test_id(tid("ovrigt")).fill("Skrivet av Ajla")
        wait_saved(a)

        # B opens after A: B has priority; A is told without reloading and turns read-only.
        _open(b, app, cert_id, ADMIN)
        expect(b.get_by_test_id(tid("ovrigt"))).to_be_editable()
        banner = a.get_by_test_id("priority-banner")
        expect(banner).to_contain_text(
            f"{B_NAME} har nu förtur att färdigställa utkastet", timeout=LIVE
        )
        expect(a.get_by_test_id(tid("ovrigt"))).to_have_count(0)  # the read-only rendering
        # ... which shows what A wrote before losing priority
        expect(a.get_by_test_id("view-ovrigt")).to_contain_text("Skrivet av Ajla")
        expect(a.get_by_test_id("presence-viewer")).to_have_count(2)
        expect(b.get_by_test_id("presence-viewer")).to_have_count(2)
        expect(b.get_by_test_id("priority-banner")).to_have_count(0)

        # B types: A sees the text, field by field.
        b.get_by_test_id(tid("ovrigt")).fill("Skrivet av Alva")
        wait_saved(b)
        expect(a.get_by_test_id("view-ovrigt")).to_contain_text("Skrivet av Alva", timeout=LIVE)
        b.get_by_test_id(tid("funktionsnedsattning")).fill("Hosta")
        expect(a.get_by_test_id("view-funktionsnedsattning")).to_contain_text("Hosta", timeout=LIVE)
        _shot(a, f"collab-{tag}-a-read-only")
        _shot(b, f"collab-{tag}-b-priority")

        # A takes priority back: A edits again (from B's latest version), B is read-only.
        a.get_by_test_id("continue-editing").click()
        expect(a.get_by_test_id(tid("ovrigt"))).to_be_editable()
        expect(a.get_by_test_id(tid("ovrigt"))).to_have_value("Skrivet av Alva")
        expect(a.get_by_test_id("priority-banner")).to_have_count(0)
        expect(b.get_by_test_id("priority-banner")).to_contain_text(
            f"{A_NAME} har nu förtur att färdigställa utkastet", timeout=LIVE
        )
        expect(b.get_by_test_id(tid("ovrigt"))).to_have_count(0)
        a.get_by_test_id(tid("ovrigt")).fill("Ajla tog över")
        wait_saved(a)
        expect(b.get_by_test_id("view-ovrigt")).to_contain_text("Ajla tog över", timeout=LIVE)
        _shot(b, f"collab-{tag}-b-read-only")

        # B closes its page: A is the sole viewer (the disconnect is noticed within seconds).
        b.close()
        expect(a.get_by_test_id("presence-viewer")).to_have_count(1, timeout=10_000)
        expect(a.get_by_test_id("presence-list")).not_to_contain_text(B_NAME)
        _shot(a, f"collab-{tag}-a-sole-viewer")

        # The holder leaves: priority passes to the remaining opener.
        b2 = ctx_b.new_page()
        _open(b2, app, cert_id, ADMIN)  # B opens again and has priority ...
        expect(a.get_by_test_id("priority-banner")).to_contain_text(B_NAME, timeout=LIVE)
        b2.close()  # ... and leaves: A gets priority back without doing anything
        expect(a.get_by_test_id("priority-banner")).to_have_count(0, timeout=10_000)
        expect(a.get_by_test_id(tid("ovrigt"))).to_be_editable()
        expect(a.get_by_test_id(tid("ovrigt"))).to_have_value("Ajla tog över")
    finally:
        ctx_a.close()
        ctx_b.close()


def test_collaboration_one_worker(app_server, browser: Browser, browser_context_args) -> None:
    _collab_flow(app_server, browser, browser_context_args, "1w")


@pytest.mark.redis
def test_collaboration_two_workers_redis(
    app_server_redis, browser: Browser, browser_context_args
) -> None:
    _collab_flow(app_server_redis, browser, browser_context_args, "2w-redis")

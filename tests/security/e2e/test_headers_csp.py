"""Item 6 in Chromium: every page and API response carries the security headers, and the
Reflex production build runs under the Content-Security-Policy — a listener for
``securitypolicyviolation`` (installed before any script of the page) sees none across the
main pages, while an injected inline script is blocked."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page

from tests.factories import ADMIN, DOCTOR, TOLVAN, UNIT

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""
HEADERS = {
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "permissions-policy",
    "x-frame-options",
}


def _check_headers(headers: dict[str, str]) -> None:
    lower = {k.lower(): v for k, v in headers.items()}
    assert HEADERS <= set(lower), sorted(HEADERS - set(lower))
    assert "frame-ancestors 'none'" in lower["content-security-policy"]
    assert "'unsafe-inline'" not in lower["content-security-policy"].split("style-src")[0]
    assert lower["x-content-type-options"] == "nosniff"
    assert lower["referrer-policy"] == "no-referrer"


def _visit(page: Page, url: str, ready: str, pages_seen: list[str], violations: list[str]):  # type: ignore[no-untyped-def]
    response = page.goto(url)
    assert response is not None
    _check_headers(response.all_headers())
    page.locator(ready).first.wait_for(timeout=30000)
    page.wait_for_timeout(500)  # late scripts, styles and the websocket
    violations += page.evaluate("window.__csp")
    pages_seen.append(page.url)


def test_main_pages_run_under_the_csp(app_server, page: Page) -> None:
    page.add_init_script(LISTEN)
    console = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    draft = app_server.create_draft()
    signed = app_server.create_draft()
    seen: list[str] = []
    violations: list[str] = []
    title = "[data-testid=certificate-title]"
    _visit(page, app_server.base_url + "/login", "[data-testid^=login-]", seen, violations)
    _visit(page, app_server.deep_link(draft), title, seen, violations)
    r = app_server.testability(
        "/certificates",
        {
            "type": "fk7804",
            "status": "SIGNED",
            "unit_id": UNIT,
            "hsa_id": DOCTOR,
            "personnummer": TOLVAN,
        },
    )
    assert r.status_code == 201, r.text
    _visit(page, app_server.deep_link(r.json()["id"]), title, seen, violations)
    page.get_by_test_id("tab-questions").click()
    page.wait_for_timeout(500)
    _visit(page, app_server.deep_link(signed, user=ADMIN), title, seen, violations)
    _visit(page, app_server.base_url + "/", "[data-testid=unit-certificates]", seen, violations)
    _visit(
        page,
        app_server.deep_link(draft, unit=None),
        "[data-testid^=choose-unit-]",
        seen,
        violations,
    )
    _visit(
        page,
        app_server.base_url + "/fel/launch-invalid",
        "[data-testid=error-text]",
        seen,
        violations,
    )
    violations += page.evaluate("window.__csp")
    assert len(seen) == 7
    assert violations == [], violations
    assert console == [], console


def test_an_injected_inline_script_is_blocked(app_server, page: Page) -> None:
    page.add_init_script(LISTEN)
    page.goto(app_server.base_url + "/login")
    page.locator("[data-testid^=login-]").first.wait_for(timeout=30000)
    ran = page.evaluate(
        """() => { window.__ran = false; const s = document.createElement('script');
        s.textContent = 'window.__ran = true'; document.body.appendChild(s);
        return window.__ran; }"""
    )
    assert ran is False
    page.wait_for_timeout(200)
    assert any("script-src" in v for v in page.evaluate("window.__csp"))


def test_every_kind_of_response_carries_the_headers(app_server) -> None:
    api = httpx.Client(base_url=app_server.base_url)
    for method, path in [
        ("GET", "/login"),
        ("GET", "/intyg/finns-inte"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/api/v1/certificates/finns-inte"),
        ("POST", "/api/v1/launch-tokens"),
        ("GET", "/api/v1/nothing-here"),
        ("GET", "/visa/intyg/x?token=fel"),
        ("GET", "/health"),
        ("GET", "/styles.css"),
    ]:
        r = api.request(method, path)
        _check_headers(dict(r.headers))
    assert "strict-transport-security" not in r.headers  # plain http here: no HSTS

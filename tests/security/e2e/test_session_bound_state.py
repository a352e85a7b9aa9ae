"""Item 5 and the websocket part of item 6, against the real app over its websocket.

Reflex keeps a tab's state under a client token the browser makes with Math.random and
sends in the websocket URL. A token alone must grant nothing: reconnecting with a tab's
token and no cookie (or an expired session, or another user's session) gets a first delta
without the patient's data. A page from a foreign origin cannot open the websocket at all.
"""

from __future__ import annotations

import httpx
import pytest
import socketio

from tests.factories import DOCTOR, TOLVAN, UNIT
from tests.security.wsclient import ReflexSocket, flat_vars

NAME_PARTS = ("Tolvan", "Tolvansson")
SECRET_TEXT = "Hemlig fritext i utkastet 4711"
CERT = "state___certificate____certificate_state"


def _has_patient(update: dict) -> bool:
    return any(
        k.endswith(f"{CERT}.patient_pnr_rx_state_") and v for k, v in flat_vars(update).items()
    )


def _leaks(update: dict) -> list[str]:
    """Anything of the patient or the draft in one delta."""
    text = repr(update.get("delta"))
    needles = (TOLVAN, TOLVAN[:8] + "-" + TOLVAN[8:], *NAME_PARTS, SECRET_TEXT)
    return [n for n in needles if n in text]


def _login(app, user: str = DOCTOR) -> str:  # type: ignore[no-untyped-def]
    client = httpx.Client(base_url=app.base_url)
    r = client.post("/testability/login", json={"hsa_id": user, "unit_id": UNIT})
    assert r.status_code == 200, r.text
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


@pytest.fixture
def opened_tab(app_server):  # type: ignore[no-untyped-def]
    """A doctor's tab that has opened a draft with free text: its client token is the loot."""
    cert_id = app_server.create_draft()
    cookie = _login(app_server)
    tab = ReflexSocket(app_server.base_url, cookie=cookie)
    path = f"/intyg/{cert_id}"
    tab.connect(path, {"cert_id": cert_id})
    tab.wait_for(_has_patient)
    tab.emit(
        f"reflex___state____state.{CERT}.set_value",
        {"key": "ovrigt", "value": SECRET_TEXT},
        path,
        {"cert_id": cert_id},
    )
    tab.wait_for(lambda u: SECRET_TEXT in repr(u))
    assert _leaks(tab.updates[0]) or any(_leaks(u) for u in tab.updates)  # the probe can see
    tab.close()
    return tab.token, cert_id, cookie


def _reconnect(app, token: str, cert_id: str, cookie: str | None):  # type: ignore[no-untyped-def]
    thief = ReflexSocket(app.base_url, token=token, cookie=cookie)
    thief.connect(f"/intyg/{cert_id}", {"cert_id": cert_id})
    # Wait until the page's on_load has answered (its error), then look at every delta.
    thief.wait_for(lambda u: "inte inloggad" in repr(u) or "utloggad" in repr(u))
    thief.close()
    return thief.updates


def test_a_stolen_client_token_without_cookie_gets_no_patient_data(app_server, opened_tab):
    token, cert_id, _ = opened_tab
    updates = _reconnect(app_server, token, cert_id, cookie=None)
    assert updates, "no delta at all"
    assert _leaks(updates[0]) == [], "the first delta carries the earlier session's data"
    assert all(_leaks(u) == [] for u in updates)


def test_a_stolen_client_token_with_another_users_session_gets_nothing(app_server, opened_tab):
    token, _, _ = opened_tab
    other = _login(app_server, "TSTNMT2321000156-VAAA")  # another user, same unit
    thief = ReflexSocket(app_server.base_url, token=token, cookie=other)
    thief.connect("/", {})
    thief.wait_for(lambda u: bool(u.get("delta")))
    thief.close()
    assert _leaks(thief.updates[0]) == []


def test_after_the_session_expired_the_token_gets_no_patient_data(app_server, opened_tab):
    token, cert_id, cookie = opened_tab
    app_server.testability("/clock", {"advance_seconds": 31 * 60})
    try:
        updates = _reconnect(app_server, token, cert_id, cookie=cookie)
    finally:
        app_server.testability("/clock", {"offset_seconds": 0})
    assert _leaks(updates[0]) == []
    assert all(_leaks(u) == [] for u in updates)


def test_the_owner_reconnecting_with_its_cookie_still_sees_the_draft(app_server, opened_tab):
    token, cert_id, cookie = opened_tab
    tab = ReflexSocket(app_server.base_url, token=token, cookie=cookie)
    tab.connect(f"/intyg/{cert_id}", {"cert_id": cert_id})
    tab.wait_for(_has_patient)
    tab.close()


def test_a_foreign_origin_cannot_open_the_websocket(app_server) -> None:
    cookie = _login(app_server)
    evil = ReflexSocket(app_server.base_url, cookie=cookie, origin="https://evil.example")
    with pytest.raises(socketio.exceptions.ConnectionError):
        evil.connect("/", {}, timeout=5)
    good = ReflexSocket(app_server.base_url, cookie=cookie)
    good.connect("/", {})
    good.close()


def test_cors_allows_only_the_public_origin(app_server) -> None:
    api = httpx.Client(base_url=app_server.base_url)
    preflight = {"Access-Control-Request-Method": "POST"}
    evil = api.options(
        "/api/v1/certificates", headers={"Origin": "https://evil.example", **preflight}
    )
    assert evil.headers.get("access-control-allow-origin") is None
    got = api.get("/health", headers={"Origin": "https://evil.example"})
    assert got.headers.get("access-control-allow-origin") is None
    own = api.get("/health", headers={"Origin": app_server.base_url})
    assert own.headers.get("access-control-allow-origin") == app_server.base_url

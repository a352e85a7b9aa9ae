"""Item 8: the test login and the testability API are dev-only everywhere."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("PYTEST_CURRENT_TEST", "testability-off")  # states outside the app

from services import routes
from services.settings import get_settings
from state.session import DevLoginState
from tests.reflex_harness import fn, state_for
from webcert_ui import testability

TESTABILITY_CALLS = [
    (route.path, {"hsa_id": "TSTNMT2321000156-DRAA"}) for route in testability.build_routes()
]


@pytest.fixture
def switch_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "testability_enabled", False)


async def test_the_route_table_is_what_this_test_covers() -> None:
    paths = {route.path for route in testability.build_routes()}
    assert paths == {
        routes.TESTABILITY_PREFIX + p
        for p in ("/login", "/clock", "/pu-outage", "/certificates", "/launch-token")
    }, "a new testability route: add it to this test"


@pytest.mark.parametrize(("path", "body"), TESTABILITY_CALLS)
async def test_every_testability_route_refuses_when_off(client, switch_off, path, body) -> None:
    r = await client.post(path, json=body)
    assert r.status_code in (403, 404), r.text
    assert r.json()["error"]["code"] == "NOT_ENABLED"
    assert "set-cookie" not in r.headers


async def test_the_dev_login_route_refuses_when_off(client, switch_off) -> None:
    r = await client.get(routes.dev_login("TSTNMT2321000156-DRAA", "TSTNMT2321000156-ALVC"))
    assert r.status_code == 404
    assert "set-cookie" not in r.headers


async def test_the_dev_login_page_lists_nobody_when_off(migrated_db, sim, switch_off) -> None:
    st = state_for(DevLoginState, "")
    await fn(DevLoginState.load)(st)
    assert st.users == []
    assert "inte påslagen" in st.error


async def test_the_dev_login_page_lists_the_staff_when_on(migrated_db, sim, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "testability_enabled", True)
    st = state_for(DevLoginState, "")
    await fn(DevLoginState.load)(st)
    assert len(st.users) > 10 and st.error == ""

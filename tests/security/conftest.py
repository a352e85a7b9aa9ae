"""Fixtures of the trust-boundary tests: the API in-process, simulators over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.factories import TOLVAN, UNIT, api_client, draft_request, ehr_systems, launch_request

LILLTOLVAN = "201212121212"
KEY = {"X-Api-Key": "demo-ehr-key-" + "k" * 24}
SCOPED_KEY = {"X-Api-Key": "scoped-key-" + "s" * 24}
BASE = "http://webcert.test"


@pytest.fixture
def systems(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo system for UNIT, and one system scoped to OTHER_UNIT only."""
    ehr_systems(
        monkeypatch,
        demo_key=KEY["X-Api-Key"],
        scoped_key=SCOPED_KEY["X-Api-Key"],
        demo_units=(UNIT,),
    )


@pytest.fixture
async def client(migrated_db, sim, systems) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client() as c:
        yield c


async def create_draft(
    client: httpx.AsyncClient, *, unit: str = UNIT, key: dict | None = None, pnr: str = TOLVAN
) -> str:
    r = await client.post(
        "/api/v1/certificates",
        json=draft_request(pnr=pnr, unit=unit),
        headers=key or (KEY if unit == UNIT else SCOPED_KEY),
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def launch_url(
    client: httpx.AsyncClient,
    cert_id: str,
    *,
    unit: str | None = UNIT,
    key: dict | None = None,
    **parameters: str,
) -> str:
    body = launch_request(cert_id, unit=unit, **parameters)
    r = await client.post("/api/v1/launch-tokens", json=body, headers=key or KEY)
    assert r.status_code == 200, r.text
    return httpx.URL(r.json()["url"]).raw_path.decode()


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """The adversarial suite prints how many forged-event cases it ran."""
    import sys

    props = sys.modules.get("tests.security.test_properties")
    if props is not None and props.GENERATED[0]:
        terminalreporter.write_line(
            f"property-based tests: {props.GENERATED[0]} generated inputs checked (hypothesis)"
        )
    module = sys.modules.get("tests.security.test_adversarial_handlers")
    if module is not None and module.CASES_RUN:
        scenarios = sorted({case.split(":")[0] for case in module.CASES_RUN})
        terminalreporter.write_line(
            f"adversarial event handler suite: {len(module.CASES_RUN)} forged-event cases run "
            f"({len(module.HANDLERS)} handlers, scenarios: {', '.join(scenarios)})"
        )

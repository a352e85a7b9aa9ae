"""Schemathesis against the OpenAPI document: no 500s, every response matches the schema.

The API runs in-process (ASGI); HSA and PU-tjänsten are the simulators over HTTP; one SQLite
database for the module with a few certificates in it, so that generated calls meet real
data as well as 404s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from scripts.run_simulators import config_from_settings
from services.persistence.db import create_all, engine_for
from services.settings import get_settings
from simulators.runner import RunningSimulators, start_simulators
from tests.factories import UNIT, draft_request, launch_request
from webcert_ui.api import make_api

KEY = {"X-Api-Key": "demo-ehr-key"}

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", make_api())


@pytest.fixture(scope="module")
def api_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Simulators, a fresh database and the demo EHR system, for the whole module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'api.db'}"
    settings_obj = get_settings()
    with (
        start_simulators(config=config_from_settings()) as sims,
        pytest.MonkeyPatch.context() as mp,
    ):
        sims_: RunningSimulators = sims
        mp.setattr(settings_obj, "database_url", url)
        mp.setattr(settings_obj, "ehr_systems", "")
        mp.setattr(settings_obj, "ehr_api_keys", "demo-ehr:demo-ehr-key")
        for name in ("hsa", "pu", "fk", "ts", "ehr"):
            mp.setattr(settings_obj, f"{name}_url", sims_.url(name))
        create_all(engine_for(url))
        yield {"cert_id": _seed()}
        engine_for(url).dispose()


def _seed() -> str:
    async def create() -> str:
        transport = httpx.ASGITransport(app=make_api())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            r = await client.post(
                "/api/v1/certificates",
                json=draft_request(),
                headers=KEY,
            )
        assert r.status_code == 201, r.text
        return r.json()["id"]

    return asyncio.run(create())


@schema.parametrize()
@settings(
    max_examples=100,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_openapi_document(case, api_env) -> None:
    # Every check but "schema-valid data is accepted": a schema cannot say that a personnummer
    # needs a correct check digit or that the user must have a commission on the unit.
    case.call_and_validate(headers=KEY, excluded_checks=[positive_data_acceptance])


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/certificates/{cert_id}", "GET"),
        ("/api/v1/certificates/{cert_id}/pdf", "GET"),
        ("/api/v1/units/{unit_id}/certificates", "GET"),
        ("/api/v1/launch-tokens", "POST"),
        ("/api/v1/certificates", "POST"),
    ],
)
def test_happy_responses_match_the_schema(api_env, path, method) -> None:
    """The 2xx answers on real data, checked against the document by schemathesis."""
    cert_id = api_env["cert_id"]
    params: dict[str, object] = {}
    if "{" in path:
        params["path_parameters"] = {"cert_id": cert_id, "unit_id": UNIT}
    if path.endswith("launch-tokens"):
        params["body"] = launch_request(cert_id)
    elif method == "POST":
        params["body"] = draft_request("fk7800", pnr="19121212-1212")
    case = schema[path][method].Case(**params)
    response = case.call_and_validate(headers=KEY)
    assert response.status_code in (200, 201), response.text


def test_document_is_valid_openapi() -> None:
    raw = schema.raw_schema
    assert raw["openapi"] == "3.0.3"
    assert Path(__file__).name  # loaded above through the ASGI app, without a key

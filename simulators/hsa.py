"""HSA simulator: care staff, their commissions, care providers and units.

  GET  /persons              every person, commissions resolved to units (dev login page)
  GET  /persons/{hsaId}      one person, 404 if unknown
  GET  /units/{unitId}       a care unit or mottagning with its care provider, 404 if unknown
  GET  /careproviders        care providers with their units and mottagningar
  POST /admin/persons        add or replace a person (same JSON shape as simulators/data/hsa.json)

The simulator returns HSA's facts (licences, befattningskoder, gruppförskrivarkod, commission
purposes); Webcert derives the role itself (services/hsa.py).
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators import siths
from simulators.common import SimulatorState, build_app, error, load_hsa, read_json


class HsaState(SimulatorState):
    def reset(self) -> None:
        super().reset()
        data = load_hsa()
        self.befattningskoder: dict[str, str] = data["befattningskoder"]
        self.care_providers: list[dict[str, Any]] = data["care_providers"]
        self.persons: dict[str, dict[str, Any]] = {p["hsa_id"]: p for p in data["persons"]}
        self.units: dict[str, dict[str, Any]] = {}
        for provider in self.care_providers:
            for unit in provider["units"]:
                self.units[unit["id"]] = self._unit_view(provider, unit, None)
                for sub in unit.get("subunits") or []:
                    self.units[sub["id"]] = self._unit_view(provider, sub, unit)

    @staticmethod
    def _unit_view(
        provider: dict[str, Any], unit: dict[str, Any], parent: dict[str, Any] | None
    ) -> dict[str, Any]:
        view = {k: v for k, v in unit.items() if k != "subunits"}
        view["care_provider_id"] = provider["id"]
        view["care_provider_name"] = provider["name"]
        view["parent_unit_id"] = parent["id"] if parent else None
        if parent is None:
            view["subunits"] = [
                {"id": s["id"], "name": s["name"]} for s in unit.get("subunits") or []
            ]
        return view

    def person_view(self, person: dict[str, Any]) -> dict[str, Any]:
        view = dict(person)
        view["befattningar"] = [
            {"code": c, "name": self.befattningskoder.get(c)} for c in person["befattningskoder"]
        ]
        view["commissions"] = [
            {**c, "unit": self.units.get(c["unit_id"])} for c in person.get("commissions", [])
        ]
        return view


def create_app() -> Starlette:
    state = HsaState()

    async def list_persons(request: Request) -> Response:
        return JSONResponse([state.person_view(p) for p in state.persons.values()])

    async def get_person(request: Request) -> Response:
        person = state.persons.get(request.path_params["hsa_id"])
        if person is None:
            return error(404, "Personen finns inte i HSA.")
        return JSONResponse(state.person_view(person))

    async def get_unit(request: Request) -> Response:
        unit = state.units.get(request.path_params["unit_id"])
        if unit is None:
            return error(404, "Enheten finns inte i HSA.")
        return JSONResponse(unit)

    async def list_care_providers(request: Request) -> Response:
        return JSONResponse(state.care_providers)

    async def put_person(request: Request) -> Response:
        body = await read_json(request)
        if body is None or not isinstance(body.get("hsa_id"), str) or not body["hsa_id"]:
            return error(400, "hsa_id saknas.")
        person = {
            "first_name": None,
            "last_name": None,
            "title": None,
            "legitimerade_yrkesgrupper": [],
            "befattningskoder": [],
            "gruppforskrivarkod": None,
            "prescription_code": None,
            "specialities": [],
            "sekretess": False,
            "commissions": [],
            "default_unit_id": None,
            "login_description": None,
            **state.persons.get(body["hsa_id"], {}),
            **body,
        }
        state.persons[person["hsa_id"]] = person
        return JSONResponse(state.person_view(person))

    return build_app(
        "hsa",
        state,
        [
            Route("/persons", list_persons, methods=["GET"]),
            Route("/persons/{hsa_id:path}", get_person, methods=["GET"]),
            Route("/units/{unit_id:path}", get_unit, methods=["GET"]),
            Route("/careproviders", list_care_providers, methods=["GET"]),
            Route("/admin/persons", put_person, methods=["POST"]),
            *siths.routes(siths.CertificateAuthority()),
        ],
    )

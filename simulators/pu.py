"""PU-tjänsten simulator (population register).

GET  /persons/{personnummer}  10 or 12 digits, with or without '-'/'+'; 404 if unknown
POST /admin/persons           add or update a person: {"personnummer": ..., "sekretess": true, ...}
POST /admin/outage            {"down": true|false}: every other call answers 503 while down
POST /admin/reset             back to the test data
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.common import SimulatorState, build_app, error, load_pu_persons, read_json

_PNR = re.compile(r"^(\d{2})?(\d{6})([-+]?)(\d{4})$")

PERSON_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "care_of",
    "address",
    "postal_code",
    "city",
    "sekretess",
    "deceased",
    "test_indicator",
)


def normalize(value: str) -> str | None:
    """12 digits, or None if the text is not shaped like a personnummer (no check digit test)."""
    match = _PNR.match(value.strip().replace(" ", ""))
    if not match:
        return None
    century, date, sep, tail = match.groups()
    if century is None:
        today = datetime.date.today()
        c = today.year // 100 - (1 if int(date[:2]) > today.year % 100 else 0)
        c -= 1 if sep == "+" else 0
        century = f"{c:02d}"
    return f"{century}{date}{tail}"


class PuState(SimulatorState):
    def reset(self) -> None:
        super().reset()
        self.persons: dict[str, dict[str, Any]] = {p["personnummer"]: p for p in load_pu_persons()}


def create_app() -> Starlette:
    state = PuState()

    async def get_person(request: Request) -> Response:
        digits = normalize(request.path_params["personnummer"])
        if digits is None:
            return error(400, "Felaktigt format på personnummer.")
        person = state.persons.get(digits)
        if person is None:
            return error(404, "Personen finns inte i PU-tjänsten.")
        return JSONResponse(person)

    async def put_person(request: Request) -> Response:
        body = await read_json(request)
        if body is None or not isinstance(body.get("personnummer"), str):
            return error(400, "personnummer saknas.")
        digits = normalize(body["personnummer"])
        if digits is None:
            return error(400, "Felaktigt format på personnummer.")
        person = state.persons.get(digits) or {
            "personnummer": digits,
            **{f: None for f in PERSON_FIELDS},
            "sekretess": False,
            "deceased": False,
            "test_indicator": False,
        }
        person = {**person, **{k: v for k, v in body.items() if k in PERSON_FIELDS}}
        state.persons[digits] = person
        return JSONResponse(person)

    return build_app(
        "pu",
        state,
        [
            Route("/persons/{personnummer}", get_person, methods=["GET"]),
            Route("/admin/persons", put_person, methods=["POST"]),
        ],
    )

"""Shared pieces of the simulators: test data loading and the admin endpoints.

Every simulator keeps its state in memory only, so a restart resets it. Each one answers:
  POST /admin/reset            back to the initial test data, outage off
  POST /admin/outage {"down"}  while down, every non-admin call answers 503
  GET  /health                 {"service": name, "down": bool}
"""

from __future__ import annotations

import copy
import datetime
import json
import uuid
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def _read(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def load_pu_persons() -> list[dict[str, Any]]:
    """Converted PU persons plus the synthetic ones (a fresh copy each call)."""
    persons = _read("pu_persons.json")["persons"] + _read("synthetic.json")["pu_persons"]
    return copy.deepcopy(persons)


def load_hsa() -> dict[str, Any]:
    """Converted HSA data plus the synthetic records (a fresh copy each call)."""
    hsa = _read("hsa.json")
    synthetic = _read("synthetic.json")
    return copy.deepcopy(
        {
            "befattningskoder": hsa["befattningskoder"],
            "care_providers": hsa["care_providers"] + synthetic["care_providers"],
            "persons": hsa["persons"] + synthetic["hsa_persons"],
        }
    )


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def new_id() -> str:
    return str(uuid.uuid4())


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def read_json(request: Request) -> dict[str, Any] | None:
    """The request body as a JSON object, or None if it is not one."""
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def read_body(request: Request, limit: int) -> bytes | None:
    """The raw body, or None when it is larger than ``limit`` bytes (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class SimulatorState:
    """Base state: an outage switch and a reset hook."""

    def __init__(self) -> None:
        self.down = False
        self.reset()

    def reset(self) -> None:
        """Return to the initial data. Subclasses extend this."""
        self.down = False


class _OutageMiddleware:
    """Answer 503 to everything but /admin/* and /health while the simulator is down."""

    def __init__(self, app: ASGIApp, state: SimulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and self.state.down
            and not scope["path"].startswith(("/admin/", "/health"))
        ):
            response = error(503, "Tjänsten är inte tillgänglig (simulerat avbrott).")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def build_app(
    name: str,
    state: SimulatorState,
    routes: Sequence[BaseRoute],
    *,
    on_reset: Callable[[], None] | None = None,
) -> Starlette:
    """A Starlette app with the simulator's routes plus the common admin routes."""

    async def reset(request: Request) -> Response:
        state.reset()
        if on_reset:
            on_reset()
        return JSONResponse({"service": name, "reset": True})

    async def outage(request: Request) -> Response:
        body = await read_json(request)
        if body is None or not isinstance(body.get("down"), bool):
            return error(400, 'Ange {"down": true} eller {"down": false}.')
        state.down = body["down"]
        return JSONResponse({"service": name, "down": state.down})

    async def health(request: Request) -> Response:
        return JSONResponse({"service": name, "down": state.down})

    app = Starlette(
        routes=[
            *routes,
            Route("/admin/reset", reset, methods=["POST"]),
            Route("/admin/outage", outage, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
    app.state.sim = state
    app.state.name = name
    app.add_middleware(_OutageMiddleware, state=state)
    return app

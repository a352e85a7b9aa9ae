"""A small socket.io client that talks to the app exactly as Reflex's frontend does.

Used by the security tests (forged reconnects, foreign origins) and by bench/bench_events.py.
The frontend connects to path ``/_event`` with its client token in the query string and puts
its first event (``hydrate_and_load``) into the CONNECT packet's auth payload; answers come
back as ``event`` messages carrying a ``delta``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import socketio

ROOT_STATE = "reflex___state____state"
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"


def router_data(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"pathname": path, "asPath": path}
    if query:
        data["query"] = query
    return data


class ReflexSocket:
    """One browser tab's websocket: a client token, optional cookie and Origin header."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        origin: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.token = token or str(uuid.uuid4())
        # Handed to websocket-client's handshake as the browser would send them.
        options: dict[str, Any] = {"origin": origin if origin is not None else base_url}
        if cookie:
            options["cookie"] = cookie
        self.updates: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self.sio = socketio.Client(reconnection=False, websocket_extra_options=options)
        self.sio.on("event", self._on_event, namespace="/_event")

    def _on_event(self, data: Any) -> None:
        if isinstance(data, str):
            data = json.loads(data)
        with self._cond:
            self.updates.append(data)
            self._cond.notify_all()

    def connect(
        self,
        path: str,
        query: dict[str, str] | None = None,
        *,
        hydrate: bool = True,
        timeout: float = 15,
    ) -> None:
        """Open the socket; with ``hydrate`` the boot event rides in the CONNECT packet."""
        auth: dict[str, Any] = {}
        if hydrate:
            auth["event"] = {
                "name": HYDRATE,
                "payload": {},
                "router_data": router_data(path, query),
            }
        self.sio.connect(
            f"{self.base_url}?token={self.token}",
            transports=["websocket"],
            namespaces=["/_event"],
            socketio_path="/_event",
            auth=auth or None,
            wait_timeout=timeout,
        )

    def emit(
        self, name: str, payload: dict[str, Any], path: str, query: dict[str, str] | None = None
    ) -> None:
        event = {"name": name, "payload": payload, "router_data": router_data(path, query)}
        self.sio.emit("event", event, namespace="/_event")

    def wait_for(self, predicate, timeout: float = 15) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        """The first update (from now on, or already received) for which predicate holds."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for update in self.updates[seen:]:
                    if predicate(update):
                        return update
                seen = len(self.updates)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching update among {len(self.updates)}")
                self._cond.wait(left)

    def clear(self) -> None:
        with self._cond:
            self.updates.clear()

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


def flat_vars(update: dict[str, Any]) -> dict[str, Any]:
    """{"substate.var": value} of one update's delta."""
    out: dict[str, Any] = {}
    for state, values in (update.get("delta") or {}).items():
        for name, value in values.items():
            out[f"{state}.{name}"] = value
    return out

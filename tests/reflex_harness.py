"""The private Reflex APIs the tests use, in one place.

Tests call the real event handlers on real state objects, bypassing the browser (a handler is a
public endpoint: any payload can arrive). That needs a few Reflex internals; they are wrapped
here so that a Reflex upgrade that changes them fails in one module, not in every test:

* ``EventHandler.fn`` — the handler's undecorated function (:func:`fn`, :func:`run`);
* ``rx.State(_reflex_internal_init=True)``, ``get_substate``, ``router_data`` and ``RouterData`` — a
  state tree outside the running app with a session cookie and a path (:func:`root_state`,
  :func:`point`, :func:`state_for`, :func:`substate`), and a draft open on its page
  (:func:`open_new_draft`);
* ``_get_resolved_delta`` / ``_clean`` — what Reflex would send to the browser (:func:`delta`).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

os.environ.setdefault("PYTEST_CURRENT_TEST", "reflex-harness")  # states built outside the app

import reflex as rx
from reflex.istate.data import RouterData

from services.settings import get_settings


def _register_states() -> None:
    """Import every state module now, in the main context: Reflex registers State classes in a
    context variable, and a module first imported inside an async test (its task's copy of the
    context) would leave the later tests' state trees without a registration."""
    import importlib
    import pkgutil

    import state

    for module in pkgutil.iter_modules(state.__path__):
        importlib.import_module(f"state.{module.name}")


_register_states()


def fn(handler: Any) -> Callable[..., Any]:
    """The function behind an event handler: ``await fn(State.handler)(state, *args)``."""
    return handler.fn


async def run(handler: Any, st: Any, **payload: Any) -> None:
    """Run an event handler on ``st`` to its end, as Reflex does: await what it returns and
    drain what it yields."""
    result = fn(handler)(st, **payload)
    if inspect.isawaitable(result):
        result = await result
    if inspect.isasyncgen(result):
        async for _ in result:
            pass
    elif inspect.isgenerator(result):
        for _ in result:
            pass


def root_state() -> Any:
    """An empty state tree outside the running app."""
    return rx.State(_reflex_internal_init=True)


def point(root: Any, token: str | None, path: str) -> None:
    """The connection's headers and page, as Reflex sets them before the middleware; ``token``
    None: no session cookie at all."""
    headers = (
        {"cookie": f"{get_settings().session_cookie_name}={token}"} if token is not None else {}
    )
    data = {"headers": headers, "pathname": path, "asPath": path}
    root.router_data = data
    root.router = RouterData.from_router_data(data)


def state_for(cls: type[rx.State], token: str, path: str = "/") -> Any:
    """A fresh state tree whose ``cls`` substate sees the session cookie ``token`` at ``path``."""
    st = root_state().get_substate(cls.get_full_name().split("."))
    st.router = RouterData.from_router_data(
        {
            "headers": {"cookie": f"{get_settings().session_cookie_name}={token}"},
            "pathname": path,
            "asPath": path,
        }
    )
    return st


async def open_new_draft(token: str) -> Any:
    """A new FK 7804 draft of the user of session ``token`` (for Tolvan), open on its page:
    the loaded, editable ``CertificateState`` (its tree is ``.parent_state``)."""
    from services import identity, lifecycle
    from state.certificate import CertificateState
    from tests.factories import TOLVAN

    user = identity.get_session(token)
    cert = await lifecycle.create_draft(user, cert_type="fk7804", personnummer=TOLVAN)
    cs = state_for(CertificateState, token, f"/intyg/{cert.id}")
    await fn(CertificateState.load)(cs)
    assert cs.editable
    return cs


def substate(root: rx.State, cls: type[rx.State]) -> Any:
    """The ``cls`` substate of the tree ``root``."""
    return root.get_substate(cls.get_full_name().split(".")[1:])


async def delta(root: rx.State, *, clean: bool = False) -> dict[str, Any]:
    """The delta Reflex would send now (substate name → changed vars); ``clean`` marks it sent."""
    result = await root._get_resolved_delta()
    if clean:
        root._clean()
    return result

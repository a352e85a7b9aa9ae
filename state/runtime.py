"""The running Reflex app, as the state modules reach it from outside a browser event.

A leaf module (it imports no other state module), so that every push to open tabs
(state.questions, state.live_collab, state.autosave, state.pu_watch, state.housekeeping)
uses it without importing the states it pushes to:

- :func:`app`: the app of this process (None in plain service or API tests);
- :func:`spawn`: run a coroutine as a background task that is kept referenced and whose
  failure is logged; :func:`repeat`: the loop of a lifespan task;
- :func:`modify`: one tab's substate, changed out of band with ``app.modify_state``
  (Reflex sends the changed vars over that tab's websocket). With Redis any worker may
  modify any tab's state; Reflex's Redis token manager relays the delta to the worker that
  holds the tab's websocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import reflex as rx

log = logging.getLogger(__name__)
APP_MODULE = "webcert_ui.webcert_ui"
_tasks: set[asyncio.Task[Any]] = set()
S = TypeVar("S", bound=rx.State)


def app() -> rx.App | None:
    """The running Reflex app of this process, if there is one (not in plain API tests)."""
    module = sys.modules.get(APP_MODULE)
    found = getattr(module, "app", None) if module else None
    if found is None or getattr(found, "event_namespace", None) is None:
        return None
    return found


def running() -> bool:
    """An app runs in this process: pushes to open tabs can be made."""
    return app() is not None


def token_manager() -> Any:
    """Reflex's token manager (which tabs are connected), or None without a running app."""
    found = app()
    namespace = getattr(found, "event_namespace", None) if found is not None else None
    return getattr(namespace, "_token_manager", None)


def spawn(coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any] | None:
    """Run ``coro`` as a background task of the running event loop (None, and the coroutine
    closed, outside one). The task is kept referenced until it ends; a failure is logged as
    "``what`` failed"."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        coro.close()
        return None
    task = loop.create_task(coro)
    _tasks.add(task)

    def done(task: asyncio.Task[Any]) -> None:
        _tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("%s failed", what, exc_info=task.exception())

    task.add_done_callback(done)
    return task


def tab_shows(state: rx.State, shown_id: str, cert_id: str) -> bool:
    """The tab (``state``: any of its substates, showing ``shown_id``) still shows the
    certificate ``cert_id``, not another page it navigated to since."""
    path = str(state.router.url.path or "")
    return shown_id == cert_id and (not path or path.rstrip("/").endswith(cert_id))


async def repeat(interval: float, step: Callable[[], Awaitable[Any]], what: str) -> None:
    """A lifespan task's loop: ``step()`` every ``interval`` seconds, for ever; a failure is
    logged ("``what`` failed") and the next round comes as usual."""
    while True:
        await asyncio.sleep(interval)
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("%s failed", what, exc_info=True)


@contextlib.asynccontextmanager
async def modify(client_token: str, cls: type[S]) -> AsyncIterator[S]:
    """The ``cls`` substate of the tab ``client_token``, to change out of band; Reflex sends
    the delta when the block ends. RuntimeError without a running app."""
    found = app()
    if found is None:
        raise RuntimeError("no running Reflex app in this process")
    async with found.modify_state(rx.BaseStateToken(ident=client_token, cls=cls)) as root:
        yield await root.get_state(cls)

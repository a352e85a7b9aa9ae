"""Live updates pushed to open pages, from outside any browser session (e.g. an HTTP call).

``services.presence`` knows which browser tabs (Reflex client tokens) show a certificate; this
module pushes to them with ``app.modify_state``: for each viewer it takes the tab's state,
lets the question panel reload itself and Reflex sends the changed vars over that tab's
websocket — no reload, no polling.

Several workers: with Redis (settings.redis_url / REFLEX_REDIS_URL) the registry is in Redis,
the state manager is Reflex's Redis manager (so any worker may modify any tab's state) and a
delta for a tab connected to another worker is forwarded by Reflex's Redis token manager
("lost and found"). So the worker that received the HTTP call can push to every tab.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import reflex as rx

from services import presence

log = logging.getLogger(__name__)
_tasks: set[asyncio.Task[Any]] = set()
APP_MODULE = "webcert_ui.webcert_ui"


def _app() -> rx.App | None:
    """The running Reflex app of this process, if there is one (not in plain API tests)."""
    module = sys.modules.get(APP_MODULE)
    app = getattr(module, "app", None) if module else None
    if app is None or getattr(app, "event_namespace", None) is None:
        return None
    return app


async def refresh_questions(certificate_id: str, *, exclude: str | None = None) -> int:
    """Reload the question panel of every open page of ``certificate_id``; returns how many."""
    from state.questions import QuestionState

    app = _app()
    if app is None:
        return 0
    pushed = 0
    for token in presence.viewers(certificate_id):
        if token == exclude:
            continue
        try:
            async with app.modify_state(rx.BaseStateToken(ident=token, cls=QuestionState)) as st:
                questions = await st.get_state(QuestionState)
                if questions.q_cert_id != certificate_id:  # the tab shows something else now
                    continue  # (its certificate page takes it out of the registry)
                await questions._refresh_pushed()
                pushed += 1
        except Exception:
            log.warning("live refresh of %s failed for a tab", certificate_id, exc_info=True)
    return pushed


def spawn(coro: Any, what: str) -> asyncio.Task[Any] | None:
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


def schedule_refresh(certificate_id: str, *, exclude: str | None = None) -> None:
    """Push in the background (the caller, e.g. an HTTP handler, does not wait)."""
    if _app() is not None:
        spawn(refresh_questions(certificate_id, exclude=exclude), "live question refresh")

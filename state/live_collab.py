"""Live collaboration on a draft (§4.2.2): pushes to the other open views of the same draft.

services.presence keeps, per certificate, which tabs (client tokens) show it and, for a draft,
who has priority (the last opener). This module pushes to those browser tabs with
``app.modify_state`` (state.runtime) — the same mechanism rx.SharedState uses for its fan-out,
without linking a shared substate. It sits below the certificate page (state.certificate),
which registers how one of its tabs takes a priority push (:func:`receive_priority_with`):

- ``show_to_others_first``: when the holder changes the draft, the read-only rendering of the new
  content goes to every other viewer (state.certificate_view: only the per-section substates
  that changed, so only those sections re-render there), in a task of its own; the viewers
  are updated in parallel. The holder's handler waits for it and gives the others a head
  start before its own work and its database write (``show_to_others_first``).
- ``schedule_priority``: when somebody opens the draft, takes priority back ("Fortsätt
  redigera") or leaves, every viewer gets the new banner/presence list and read-only state.
- ``sweep_forever`` (a lifespan task): every ``interval`` seconds, the viewers whose browser
  tab is no longer connected (closed tab, lost connection) are removed; if that changes the
  holder, everyone left is told.

Several workers: with Redis the registry (services.presence) and Reflex's state are in Redis, so
any worker may modify any tab's state, and Reflex's Redis token manager relays the delta to the
worker holding the tab's websocket; ``is_token_connected`` consults Redis as well. Every worker
runs the sweeper; ``presence.leave`` reports a departure only once, so only one worker pushes it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from services import lifecycle, presence
from state import certificate_view, runtime

log = logging.getLogger(__name__)
SWEEP_INTERVAL = 1.0  # seconds
# Shows one tab (client token) who has the draft (id) open and who has priority; False when
# the tab no longer shows the draft.
PriorityReceiver = Callable[[str, str, list[dict[str, str]]], Awaitable[bool]]
_receiver: list[PriorityReceiver] = []


def receive_priority_with(receiver: PriorityReceiver) -> None:
    """The certificate page says how one of its tabs takes a priority push (at import)."""
    _receiver[:] = [receiver]


def _spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
    return runtime.spawn(coro, "live collaboration push")


async def _gone(token: str, cert_id: str) -> None:
    """The tab no longer shows the draft: it leaves, and the others are told if that matters."""
    left = presence.leave(cert_id, token)
    if left is not None:
        await push_priority(cert_id, left.as_dicts())


async def _push_collab(token: str, cert_id: str, viewers: list[dict[str, str]]) -> None:
    """Show one tab who has the draft open and who has priority (Reflex sends the delta)."""
    if not runtime.running() or not _receiver:
        return
    try:
        still_shown = await _receiver[0](token, cert_id, viewers)
    except Exception:
        log.warning("live push of draft %s to a tab failed", cert_id, exc_info=True)
        return
    if not still_shown:
        await _gone(token, cert_id)


# --- values -----------------------------------------------------------------------------------
PUSH_WAIT_SECONDS = 0.1  # the holder waits at most this long for the push to be handed over
OTHERS_FIRST_SECONDS = 0.010  # ... and then this long before its own work


async def show_to_others_first(
    cert_id: str, *, cert_type: str, exclude: str, content: dict[str, Any]
) -> None:
    """The holder changed the draft: show it in the other open views before the holder goes
    on with its own work (its validation, its own delta — an echo of what the user already
    sees, and "Sparar…" — and the database write).

    The push runs in a task of its own; this waits for it (at most PUSH_WAIT_SECONDS, so a
    slow Redis never holds the holder up for long), then OTHERS_FIRST_SECONDS, in which the
    websocket writers send what the push queued and the other browsers render it without the
    holder's browser and database write competing for the machine (bench/bench_collab.py, one
    worker on a 2-core machine: p95 ratio to Reflex's floor 1.7–2.0 with 1 ms here, 1.1–1.6
    with 5 ms, 1.2–1.3 with 10 ms)."""
    if not runtime.running():
        return
    push = _spawn(
        push_values(
            cert_id, cert_type=cert_type, exclude=exclude, content=content, stamp=time.time_ns()
        )
    )
    if push is not None:
        await asyncio.wait({push}, timeout=PUSH_WAIT_SECONDS)
        await asyncio.sleep(OTHERS_FIRST_SECONDS)


async def push_values(
    cert_id: str,
    *,
    cert_type: str,
    exclude: str,
    content: dict[str, Any],
    stamp: int | None = None,
) -> int:
    """Update the read-only certificate of every other view of the draft: only their
    CertificateViewState and the section substates that changed are loaded and changed."""
    # The order of the holder's changes: pushes run concurrently and may arrive out of
    # order, so a later push is recognised by its stamp.
    stamp = stamp if stamp is not None else time.time_ns()
    tokens = [t for t in presence.snapshot(cert_id).tokens() if t != exclude]
    if not tokens:
        return 0
    parts = certificate_view.rendering(cert_type, content)
    if not runtime.running():
        return 0

    async def one(token: str) -> None:
        try:
            still_shown = await certificate_view.receive_push(token, cert_id, parts, stamp)
        except Exception:
            log.warning("live push of draft %s to a tab failed", cert_id, exc_info=True)
            return
        if not still_shown:
            await _gone(token, cert_id)

    await asyncio.gather(*[one(t) for t in tokens])
    return len(tokens)


# --- priority and presence ----------------------------------------------------------------------
def schedule_priority(
    cert_id: str, viewers: list[dict[str, str]], *, exclude: str | None = None
) -> None:
    """Tell every viewer (but ``exclude``, who already knows) who has priority now."""
    if runtime.running():
        _spawn(push_priority(cert_id, viewers, exclude=exclude))


async def push_priority(
    cert_id: str, viewers: list[dict[str, str]], *, exclude: str | None = None
) -> int:
    tokens = [v["token"] for v in viewers if v.get("token") and v["token"] != exclude]

    await asyncio.gather(*[_push_collab(t, cert_id, viewers) for t in tokens])
    return len(tokens)


# --- disconnects ------------------------------------------------------------------------------
async def sweep_once() -> int:
    """Remove viewers whose tab is no longer connected; push the change. Returns how many."""
    token_manager = runtime.token_manager()
    if token_manager is None:
        return 0
    removed = 0
    for cert_id in presence.active_certificates():
        latest: presence.Snapshot | None = None
        for token in presence.snapshot(cert_id).tokens():
            if await token_manager.is_token_connected(token):
                continue
            left = presence.leave(cert_id, token)
            if left is not None:  # another worker may have noticed it first
                latest, removed = left, removed + 1
        if latest is not None:
            await push_priority(cert_id, presence.snapshot(cert_id).as_dicts())
    return removed


async def sweep_forever(interval: float = SWEEP_INTERVAL) -> None:
    """Lifespan task: prune disconnected viewers of drafts that have viewers."""
    await runtime.repeat(interval, sweep_once, "sweeping disconnected draft viewers")


def schedule_saved_state(cert_id: str, *, exclude: str) -> None:
    """A save that others were already shown failed: show them what is saved instead."""
    if runtime.running():
        _spawn(push_saved_state(cert_id, exclude=exclude))


async def push_saved_state(cert_id: str, *, exclude: str) -> int:
    saved = await asyncio.to_thread(lifecycle.saved_content, cert_id)
    if saved is None:
        return 0
    cert_type, content = saved
    return await push_values(cert_id, cert_type=cert_type, exclude=exclude, content=content)

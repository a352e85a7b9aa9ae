"""UI state is bound to the server session (the trust boundary of Reflex's state).

Reflex keeps a tab's state under a client token that the browser makes with Math.random and
sends in the websocket URL; it is not a credential. The server session is our CSPRNG cookie
(services.identity). This middleware runs before every event — ``hydrate_and_load``
included — and compares the session the state was built for (its hash, kept in
``SessionBindingState``) with the valid session behind the event's connection (the cookie of
the websocket handshake; while the database is away, the same cookie as before keeps its
state). When they differ — no cookie, an expired or ended session, another
session — the whole state tree is reset to its defaults *before* the event runs, so the first
delta the connection receives carries nothing of the earlier session's patient data. A
client token alone grants nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

import reflex as rx
from reflex.event import Event
from reflex.middleware import Middleware
from reflex.state import StateUpdate

from services import audit, clock, identity, text
from services.persistence.db import is_unavailable
from state import guard

log = logging.getLogger(__name__)


class SessionBindingState(rx.State):
    """Which server session (hash of the cookie token) this tab's state was built for."""

    _session: str = ""


def _all_state_classes(cls: type[rx.State]) -> list[type[rx.State]]:
    out: list[type[rx.State]] = []
    for sub in cls.get_substates():
        if getattr(sub, "_mixin", False):
            continue
        out.append(sub)
        out.extend(_all_state_classes(sub))
    return out


def current_session_hash(cookie_header: str | None, *, bound: str = "") -> str:
    """The hash of the valid session behind a Cookie header, or "" (none, expired, ended).

    ``bound`` is the session the tab's state was built for. While the database cannot be
    reached the session cannot be looked up; when the cookie is that very session (its hash
    is ``bound``: it was proven valid when the state was built) the state stays bound to it,
    so a database outage does not wipe what the clinician is typing — the writes wait for
    the database anyway, and the next event after it is back checks the session again. Any
    other failure, or another cookie, is "no session"."""
    token = identity.token_from_cookie_header(cookie_header)
    if not token:
        return ""
    if bound and _recently_proven(bound) and identity.token_hash(token) == bound:
        return bound
    try:
        proven = identity.get_session(token, touch=False).token_hash
        _prove(proven)
        return proven
    except Exception as exc:  # noqa: BLE001 - any failure to prove a session is "no session"
        if bound and is_unavailable(exc) and identity.token_hash(token) == bound:
            return bound
        return ""


# A tab sends an event a second while its user types; looking its session up in the database
# for each (on the event loop) was about a tenth of the server's CPU per event at 40 editing
# clinicians (issue 17's profile). A session proven valid is taken as valid for PROVEN_FOR
# (by services.clock, so a clock moved past a timeout counts), unless this process has ended a
# session since (logout, refused launch, timeout: identity.ended_generation). Another process
# ending it is noticed within PROVEN_FOR; the services check the session on every action.
PROVEN_FOR = timedelta(seconds=2)
_proven: dict[str, tuple[datetime, int]] = {}  # session hash -> (when, ended_generation then)


def _prove(session_hash: str) -> None:
    if len(_proven) > 10_000:  # only recent proofs count: forget the rest
        _proven.clear()
    _proven[session_hash] = (clock.now(), identity.ended_generation())


def _recently_proven(session_hash: str) -> bool:
    proof = _proven.get(session_hash)
    if proof is None or proof[1] != identity.ended_generation():
        return False
    return timedelta(0) <= clock.now() - proof[0] < PROVEN_FOR


async def bind(root: Any) -> bool:
    """Reset ``root``'s tree when it was built for another session; True if it was reset."""
    headers = (root.router_data or {}).get("headers") or {}
    binding = await root.get_state(SessionBindingState)
    current = current_session_hash(headers.get("cookie"), bound=binding._session)
    if binding._session == current:
        return False
    # Load every substate (a Redis state manager loads them lazily), then reset them all.
    for cls in _all_state_classes(type(root)):
        if issubclass(cls, rx.SharedState):
            continue
        try:
            await root.get_state(cls)
        except Exception:  # noqa: BLE001 - not loadable here (no state manager): not in use
            log.debug("state %s not loaded for the reset", cls.get_full_name())
    shown, built_for = guard.shown_certificate(root), binding._session
    root.reset()
    binding._session = current
    if shown and built_for:
        await _audit_reset(root, shown, built_for, current)
    return True


async def _audit_reset(root: Any, shown: str, built_for: str, current: str) -> None:
    """A tab that showed a certificate was asked for without a valid session, or by another
    user's session: a refused attempt on that certificate (PDL log). The same user's new
    session (a new launch in the same tab) is no attempt."""
    try:
        owner = await asyncio.to_thread(identity.session_owner, built_for)
        asker = await asyncio.to_thread(identity.session_owner, current) if current else ""
    except Exception:  # noqa: BLE001 - the database is away: the reset stands, unlogged
        log.warning("a reset tab's refusal could not be written to the PDL log")
        return
    if asker and asker == owner:
        return
    await guard.audit_refused_event(
        root,
        code="OTHER_SESSION" if asker else "NO_SESSION",
        detail=(
            "Flikens uppgifter nekade "
            + ("för en annan användares session" if asker else "utan giltig session")
            + f" (fliken öppnad av {owner or 'okänd'})"
        ),
        certificate_id=shown,
    )


class SessionBinding(Middleware):
    """Reflex middleware, before every handler: bind the state tree to the event's server
    session, then refuse a payload with control characters (services.text) — the handler
    does not run, the user is told, and what they typed stays in the browser."""

    async def preprocess(self, app, state, event):  # type: ignore[no-untyped-def]
        root = state._get_root_state()
        if await bind(root):
            log.info("state of a tab reset: its server session changed or ended")
        if (bad := text.find_bad_text(event.payload)) is not None:
            await guard.audit_refused_event(
                root,
                code="BAD_TEXT",
                detail=f"Nekad händelse ({guard.handler_label(event.name)}): otillåtna tecken",
                action=audit.AuditAction.WRITE,
            )
            return StateUpdate(
                delta={}, events=Event.from_event_type([rx.toast.error(bad[1], duration=8000)])
            )
        return None

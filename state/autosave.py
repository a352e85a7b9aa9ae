"""Per-view background autosave of drafts (§4.1).

An input change only updates the page's state and hands the new content to this module; one
saver task per browser tab (Reflex client token) then writes the newest content with
compare-and-set and reports back into that tab's state with the ``report`` function the page
gave it (state.certificate.report_save, through ``app.modify_state``). Changes
that arrive while a write is under way are kept as the tab's pending content and written by
the same saver right after it — only the newest: a draft changed again before it was stored
is written once — so a tab never has two writes in flight (their versions would collide) and
fast typing is coalesced. The user's event returns at once: typing never waits for the
database, and pushes to other open views (state.live_collab) are not held up by it.

The database work runs in our own pool (services.blocking.DATABASE), not in the event loop's
small default one. When the database cannot be reached (or a worker lost its connection)
the tab is told so at once, in Swedish, and the saver keeps the content and tries again with
a growing pause (0.5 s … 5 s) until the database answers: every edit made meanwhile is saved
once it is back (tests/integration/test_fault_drills.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from services import blocking, identity, lifecycle
from services.errors import DatabaseUnavailable
from services.persistence.db import is_unavailable
from state import runtime

log = logging.getLogger(__name__)
# Per process (a tab's events go to the worker holding its websocket):
_running: set[str] = set()  # tokens with a saver task
_pending: dict[str, tuple[str, dict[str, Any], int]] = {}  # token -> (draft, content, version)
_retrying: set[str] = set()  # tokens whose saver waits for the database to come back
_idle: dict[str, asyncio.Event] = {}  # token -> set while its saver has no write under way
_written: dict[str, tuple[str, int]] = {}  # token -> (draft, version) of its saver's last write
RETRY_FIRST, RETRY_MAX = 0.5, 5.0  # seconds between attempts while the database is away
GIVE_UP_AFTER = 15 * 60.0  # then the tab shows the error and "Försök igen" saves again
# Tells the tab (client token) how the write of its draft (id) went: the version written or
# the failure; False when the tab shows another certificate now.
Report = Callable[[str, str, int | Exception], Awaitable[bool]]


def retrying(client_token: str) -> bool:
    """The tab's saver is waiting for the database: its indicator keeps saying so."""
    return client_token in _retrying


def pending(client_token: str) -> bool:
    """Content of the tab is waiting to be written after the write under way."""
    return client_token in _pending


def schedule(
    client_token: str,
    cert_id: str,
    session_token: str | None,
    *,
    content: dict[str, Any],
    version: int,
    report: Report,
) -> bool:
    """Save ``content`` (the tab's draft, at the version the tab last saw) in the background
    and ``report`` how it went; False when there is no running app to do it.

    A change that other open views are shown has been pushed to them before this is asked
    (state.live_collab.show_to_others_first), so the write does not compete with the push."""
    if not runtime.running() or not client_token or not session_token:
        return False
    _pending[client_token] = (cert_id, content, version)
    if client_token in _running:
        return True  # the running saver writes it next (and only the newest content)
    saver = _saver(client_token, session_token, report)
    if runtime.spawn(saver, f"autosave of draft {cert_id}") is None:
        _pending.pop(client_token, None)
        return False
    _running.add(client_token)
    return True


async def settle(
    client_token: str, cert_id: str, *, timeout: float = 30.0
) -> tuple[int | None, dict[str, Any] | None]:
    """Before signing (or marking ready) from a tab: wait for the write its saver has under
    way, and take over what is still waiting to be written, so that what is signed is what
    the tab shows. Called from the tab's own event, which holds the tab's state, so the saver
    cannot report into it meanwhile: returns the version the saver last wrote for
    ``cert_id`` (None: none) and the tab's content not yet written (None: nothing waits),
    which the caller writes itself. The database being away raises DatabaseUnavailable."""
    if client_token in _retrying:
        raise DatabaseUnavailable()
    waiting = _pending.pop(client_token, None)
    idle = _idle.get(client_token)
    if idle is not None and client_token in _running:
        try:
            await asyncio.wait_for(idle.wait(), timeout)
        except TimeoutError:
            if waiting is not None:
                _pending.setdefault(client_token, waiting)
            raise DatabaseUnavailable() from None
    if client_token in _retrying:  # the write under way found the database away
        raise DatabaseUnavailable()
    written = _written.get(client_token)
    version = written[1] if written and written[0] == cert_id else None
    content = waiting[1] if waiting and waiting[0] == cert_id else None
    return version, content


async def _saver(client_token: str, session_token: str, report: Report) -> None:
    app = runtime.app()
    user: identity.SessionUser | None = None
    written: dict[str, int] = {}  # draft -> version after this saver's last write
    pause, waited, told = RETRY_FIRST, 0.0, False
    cert_id = ""
    idle = _idle.setdefault(client_token, asyncio.Event())
    try:
        while app is not None and client_token in _pending:
            cert_id, content, version = _pending.pop(client_token)
            version = max(version, written.get(cert_id, 0))
            idle.clear()
            try:
                if user is None:
                    user = await blocking.DATABASE.run(identity.get_session, session_token)
                result = await blocking.DATABASE.run(
                    lifecycle.save_draft,
                    user,
                    cert_id,
                    content=content,
                    expected_version=version,
                    viewer=client_token,
                )
                _written[client_token] = (cert_id, result.version)
            except Exception as exc:  # noqa: BLE001 - reported in the tab; the input stays
                if not is_unavailable(exc) or waited >= GIVE_UP_AFTER:
                    _pending.pop(client_token, None)
                    idle.set()
                    await report(client_token, cert_id, exc)
                    return
                # The database is away: keep the newest content, say so, try again later.
                _pending.setdefault(client_token, (cert_id, content, version))
                _retrying.add(client_token)
                idle.set()
                if not told:
                    log.warning("autosave of draft %s: database unavailable (%s)", cert_id, exc)
                    told = await report(client_token, cert_id, DatabaseUnavailable())
                await asyncio.sleep(pause)
                waited += pause
                pause = min(RETRY_MAX, pause * 2)
                continue
            pause, waited, told = RETRY_FIRST, 0.0, False
            _retrying.discard(client_token)
            written[cert_id] = result.version
            idle.set()
            if not await report(client_token, cert_id, result.version):
                _pending.pop(client_token, None)
                return
    except Exception:
        log.exception("autosave of draft %s failed", cert_id)
    finally:
        idle.set()  # every report has been delivered (or failed): nothing left to know
        _idle.pop(client_token, None)
        _written.pop(client_token, None)
        _running.discard(client_token)
        _retrying.discard(client_token)
        if client_token in _pending and app is not None:
            # A change arrived after the loop decided to stop (or the report failed): start
            # again, so that no edit is left unsaved.
            cert_id, content, version = _pending.pop(client_token)
            schedule(
                client_token,
                cert_id,
                session_token,
                content=content,
                version=version,
                report=report,
            )

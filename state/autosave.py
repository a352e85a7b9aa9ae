"""Per-view background autosave of drafts (§4.1).

An input change only updates the page's state and asks for a save; one saver task per
browser tab (Reflex client token) then writes the newest content with compare-and-set and
reports back into that tab's state through ``app.modify_state``. Changes that arrive while a
write is under way are written by the same saver right after it, so a tab never has two
writes in flight (their versions would collide) and fast typing is coalesced. The user's
event returns at once: typing never waits for the database, and pushes to other open views
(state.live_collab) are not held up by it.
"""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from services import identity

log = logging.getLogger(__name__)
_running: set[str] = set()  # tokens with a saver task (per process: a tab's events go to one)
_dirty: set[str] = set()  # tokens with changes newer than the write under way


def _app() -> rx.App | None:
    from state.live import _app as app

    return app()


def schedule(client_token: str, cert_id: str, session_token: str | None) -> bool:
    """Ask for a save of this tab's draft; False when there is no running app to do it.

    A change that other open views are shown has been pushed to them before this is asked
    (state.live_collab.show_to_others_first), so the write does not compete with the push."""
    if _app() is None or not client_token or not session_token:
        return False
    if client_token in _running:
        _dirty.add(client_token)
        return True
    from state.live import spawn

    if spawn(_saver(client_token, cert_id, session_token), f"autosave of draft {cert_id}") is None:
        return False
    _running.add(client_token)
    return True


async def _saver(client_token: str, cert_id: str, session_token: str) -> None:
    from state.certificate import CertificateState

    app = _app()
    key = rx.BaseStateToken(ident=client_token, cls=CertificateState)
    try:
        while app is not None:
            _dirty.discard(client_token)
            async with app.modify_state(key) as root:
                cs = await root.get_state(CertificateState)
                if cs.cert_id != cert_id or not cs.editable:
                    return
                content, version = dict(cs._content), cs._version
            try:
                user = await asyncio.to_thread(identity.get_session, session_token)
            except Exception as exc:  # noqa: BLE001 - e.g. the session has expired
                async with app.modify_state(key) as root:
                    cs = await root.get_state(CertificateState)
                    await cs._save_failed(exc, client_token)
                return
            from services import lifecycle

            try:
                result = await asyncio.to_thread(
                    lifecycle.save_draft,
                    user,
                    cert_id,
                    content=content,
                    expected_version=version,
                    viewer=client_token,
                )
            except Exception as exc:  # noqa: BLE001 - reported in the tab; the input stays
                async with app.modify_state(key) as root:
                    cs = await root.get_state(CertificateState)
                    if cs.cert_id == cert_id:
                        await cs._save_failed(exc, client_token)
                return
            more = client_token in _dirty
            async with app.modify_state(key) as root:
                cs = await root.get_state(CertificateState)
                if cs.cert_id != cert_id:
                    return
                await cs._save_succeeded(result.version, more_pending=more)
            if not more:
                return
    except Exception:
        log.exception("autosave of draft %s failed", cert_id)
    finally:
        _running.discard(client_token)
        _dirty.discard(client_token)

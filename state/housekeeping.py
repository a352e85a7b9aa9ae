"""Closed tabs leave the backend a minute after they disconnected (issue 17).

With one worker Reflex keeps every tab's state in memory and in one pickle file per substate
(about 55 per tab here) for its token expiration — an hour — after the tab is gone, and every
2 s it stats every one of those files. After an overload of a few hundred tabs that was what
stayed behind: hundreds of megabytes, a full garbage collection walking them, 60–115 ms stalls
and a slower server for an hour. This lifespan task drops, every ``INTERVAL`` seconds, the
state (memory and files) of each tab that has been disconnected for ``EVICT_AFTER`` seconds and
is not being written. A tab that comes back later starts from a fresh state and its page
loads the draft again from the database, as a reload does. (With Redis the states live in
Redis with the same expiration; nothing stays in the worker.)

It reads Reflex's disk state manager's bookkeeping (``_token_last_touched``, ``_is_locked``,
``_write_queue``, ``_purge_token``), checked at run time: if a Reflex upgrade changes them the
task logs once and does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from state import runtime

log = logging.getLogger(__name__)
EVICT_AFTER = 60.0  # seconds disconnected
INTERVAL = 15.0
_warned = False


def _classes(root: Any) -> list[Any]:
    out = [root]
    for sub in root.get_substates():
        out.extend(_classes(sub))
    return out


def _manager_and_connected() -> tuple[Any, set[str]] | None:
    from reflex.istate.manager.disk import StateManagerDisk

    app = runtime.app()
    if app is None:
        return None
    manager = app.state_manager
    token_manager = runtime.token_manager()
    if not isinstance(manager, StateManagerDisk) or token_manager is None:
        return None
    return manager, set(token_manager.token_to_sid)


async def evict_once(now: float | None = None) -> int:
    """Drop the states of tabs disconnected for EVICT_AFTER seconds; returns how many."""
    global _warned
    found = _manager_and_connected()
    if found is None:
        return 0
    manager, connected = found
    needed = ("_token_last_touched", "_is_locked", "_write_queue", "_purge_token", "token_path")
    if not all(hasattr(manager, name) for name in needed):
        if not _warned:
            log.warning("Reflex's disk state manager changed: closed tabs are not evicted")
            _warned = True
        return 0
    now = time.time() if now is None else now
    pending = {t.cache_key for t in manager._write_queue}
    gone = [
        token
        for cache_key, (touched, token) in list(manager._token_last_touched.items())
        if now - touched > EVICT_AFTER
        and token.ident not in connected
        and cache_key not in pending
        and not manager._is_locked(token)
    ]
    paths = []
    for token in gone:
        manager._purge_token(token)
        cls = getattr(token, "cls", None)
        if cls is not None and hasattr(cls, "get_root_state"):
            paths.extend(
                manager.token_path(token.with_cls(c)) for c in _classes(cls.get_root_state())
            )

    def unlink() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    if paths:
        await asyncio.to_thread(unlink)
    return len(gone)


async def _evict_and_tell() -> None:
    evicted = await evict_once()
    if evicted:
        log.info("evicted the states of %d closed tabs", evicted)


async def evict_forever(interval: float = INTERVAL) -> None:
    """Lifespan task (one worker, disk state manager)."""
    await runtime.repeat(interval, _evict_and_tell, "evicting closed tabs' states")

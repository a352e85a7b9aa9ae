"""A tab whose worker was killed reconnects as itself (issue 17, drill "a process is killed").

Reflex's Redis token manager records, per client token, which worker instance holds the tab's
websocket (``token_manager_socket_record_<token>``, kept for the session's lifetime) and
deletes the record when the socket disconnects. A worker that is killed (or a host that dies)
never deletes its records. When such a tab reconnects — to another worker or host, as the
browser does — Reflex (0.10.1) finds the record, takes the tab for a duplicate of a connected
one and hands it a new client token: a fresh, empty state, and what the clinician typed after
the last save (still in the old token's state in Redis) is silently dropped. The presence
sweeper (state.live_collab) likewise kept counting such a tab as connected.

So every worker subscribes, for as long as it runs, to a Redis channel named after its
instance id (``webcert:worker-alive:<id>``). Redis drops a subscription the moment the
worker's connection closes — the kernel closes a killed process's sockets — so
``PUBSUB NUMSUB`` tells at once whether a record's owner is alive. A record whose owner is
not is stale:

- ``link_token_to_sid``: the stale record is removed first (only that very record, atomically),
  so the reconnecting tab keeps its token and its state; ``CertificateState.load`` then puts
  back and saves what was typed after the last save (or says that it could not);
- ``is_token_connected``: a tab on a dead worker is not connected (the sweeper removes it
  from the draft's viewers and tells the others who has priority now).

A record of a live owner is left as Reflex treats it (a duplicated browser tab gets a new
token). When Redis cannot answer, Reflex's behaviour is unchanged.

The same subscription notices Redis coming back after a restart (drill "Redis restarts": all
its data gone): the worker writes the socket records of its connected tabs again and forgets
the owners it had cached of other workers' tabs, and starts Reflex's relay of other workers'
pushes again if it gave up while Redis was away (``reannounce``), so pushes between workers
(priority, live values) reach the tabs again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
import time
from typing import Any

from reflex.utils.token_manager import RedisTokenManager

log = logging.getLogger(__name__)
ALIVE_CHANNEL = "webcert:worker-alive:"
SUBSCRIBE_WAIT = 2.0  # seconds a connect waits at most for this worker's own subscription
ALIVE_CACHE_SECONDS = 1.0  # the sweeper's answer "alive" is reused this long
_CLAIM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_original_link = RedisTokenManager.link_token_to_sid
_original_connected = RedisTokenManager.is_token_connected
_original_ensure_relay = RedisTokenManager.ensure_lost_and_found_task
_alive_at: dict[str, float] = {}  # instance id -> when it was last seen alive


class _Alive:
    """This worker's subscription to its own alive channel (per instance id)."""

    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.subscriptions = 0  # confirmed; more than one: Redis was away in between


async def _subscribe(manager: RedisTokenManager, alive: _Alive) -> None:
    """Stay subscribed (again after Redis restarted or the connection broke)."""
    channel = ALIVE_CHANNEL + alive.instance_id
    while True:
        try:
            async with manager.redis.pubsub() as pubsub:
                await pubsub.subscribe(channel)
                async for message in pubsub.listen():
                    if message.get("type") == "subscribe":
                        alive.subscriptions += 1
                        if alive.subscriptions > 1:
                            await reannounce(manager)
                        alive.ready.set()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - Redis away: subscribe again
            log.debug("alive channel of this worker: %s", exc)
        alive.ready.clear()
        await asyncio.sleep(0.5)


async def reannounce(manager: RedisTokenManager) -> int:
    """Redis is back after a restart (or a broken connection): the socket records of this
    worker's connected tabs are written again — a restarted Redis has none, and without
    them no other worker can relay a push to those tabs — and what this worker remembered
    of other workers' tabs is forgotten (asked from Redis again when needed: a tab may have
    reconnected elsewhere meanwhile). Returns how many records were written."""
    # Reflex's subscriber tasks give up after 5 failures in a minute (a Redis away for more
    # than a few seconds): the one that relays other workers' pushes to this worker's tabs
    # would stay dead until a browser happens to connect here. Start them again.
    emit_update = getattr(manager, "_webcert_emit_update", None)
    if emit_update is not None:
        manager.ensure_lost_and_found_task(emit_update)
    manager._ensure_socket_record_task()
    written = 0
    for token, record in list(manager.token_to_socket.items()):
        if record.instance_id != manager.instance_id:
            manager.token_to_socket.pop(token, None)
            if manager.sid_to_token.get(record.sid) == token:
                manager.sid_to_token.pop(record.sid, None)
        elif manager.sid_to_token.get(record.sid) == token:
            # nx: a newer record (the tab reconnected elsewhere) is left alone.
            written += await manager._store_socket_record(token, record, nx=True)
    if written:
        log.info("Redis is back: %d connected tabs of this worker announced again", written)
    return written


async def ensure_alive(manager: RedisTokenManager) -> None:
    """Make sure this worker is seen alive before it records a socket of its own."""
    alive: _Alive | None = getattr(manager, "_webcert_alive", None)
    if alive is None or alive.instance_id != manager.instance_id or alive.task is None:
        if alive is not None and alive.task is not None:
            alive.task.cancel()  # the worker got a new instance id
        alive = _Alive(manager.instance_id)
        alive.task = asyncio.get_running_loop().create_task(_subscribe(manager, alive))
        manager._webcert_alive = alive  # type: ignore[attr-defined]
    if not alive.ready.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(alive.ready.wait(), SUBSCRIBE_WAIT)


async def owner_alive(
    manager: RedisTokenManager, instance_id: str, *, max_age: float = 0.0
) -> bool:
    """Whether the worker ``instance_id`` runs (True when Redis cannot tell)."""
    if instance_id == manager.instance_id:
        return True
    if max_age and time.monotonic() - _alive_at.get(instance_id, -1e9) < max_age:
        return True
    try:
        answer = await manager.redis.pubsub_numsub(ALIVE_CHANNEL + instance_id)
    except Exception:  # noqa: BLE001 - cannot tell: as Reflex does without this module
        return True
    count = int(answer[0][1]) if answer else 0
    if count > 0:
        _alive_at[instance_id] = time.monotonic()
        return True
    # (Not remembered: during a Redis restart a live worker is briefly not subscribed.)
    _alive_at.pop(instance_id, None)
    return False


async def _claim_stale(manager: RedisTokenManager, token: str) -> bool:
    """Remove ``token``'s socket record when its owner is dead; True if it was removed."""
    key = manager._get_redis_key(token)
    try:
        raw = await manager.redis.get(key)
        if not raw:
            return False
        record: Any = pickle.loads(raw)  # written by Reflex's token manager (our Redis)
        owner = getattr(record, "instance_id", "")
        if not owner or owner == manager.instance_id or await owner_alive(manager, owner):
            return False
        removed = await manager.redis.eval(_CLAIM, 1, key, raw)  # type: ignore[misc]
    except Exception:  # cannot tell: as Reflex does without this module
        log.debug("socket record of a reconnecting tab not checked", exc_info=True)
        return False
    if removed:
        manager.token_to_socket.pop(token, None)
        log.info("a tab of a worker that is gone reconnected here with its own state")
    return bool(removed)


async def link_token_to_sid(self: RedisTokenManager, token: str, sid: str) -> str | None:
    """Reflex's link, after removing a record left behind by a dead worker."""
    record = self.token_to_socket.get(token)
    if record is None or record.sid != sid:  # (Reflex's fast path: the same socket again)
        await ensure_alive(self)
        await _claim_stale(self, token)
    return await _original_link(self, token, sid)


async def is_token_connected(self: RedisTokenManager, token: str) -> bool:
    """Reflex's answer, but a tab on a dead worker is not connected."""
    if not await _original_connected(self, token):
        return False
    record = self.token_to_socket.get(token)
    if record is None or record.instance_id == self.instance_id:
        return True
    return await owner_alive(self, record.instance_id, max_age=ALIVE_CACHE_SECONDS)


def ensure_lost_and_found_task(self: RedisTokenManager, emit_update: Any) -> None:
    """Reflex's, remembering ``emit_update`` to start the relay again after Redis was away."""
    self._webcert_emit_update = emit_update  # type: ignore[attr-defined]
    _original_ensure_relay(self, emit_update)


def install() -> None:
    """Patch Reflex's Redis token manager (idempotent; without Redis it is not used)."""
    RedisTokenManager.ensure_lost_and_found_task = ensure_lost_and_found_task  # type: ignore[method-assign]
    RedisTokenManager.link_token_to_sid = link_token_to_sid  # type: ignore[method-assign]
    RedisTokenManager.is_token_connected = is_token_connected  # type: ignore[method-assign]

"""Who has a page open: a registry of browser tabs (client tokens) per key, e.g. a certificate id.

Used to push live updates to every open page of a certificate (question threads arriving from
Försäkringskassan, and live collaboration on drafts). The interface is small and async:

    await register(key, client_token, info={"user": "..."})   # the tab shows ``key``
    await unregister(key, client_token)                       # it left
    await viewers(key)                  -> list of client tokens, oldest registration first
    await viewer_info(key)              -> {client_token: info dict}

A registration expires after ``ttl`` seconds unless it is registered again (a closed tab
cannot tell us it left), so a page should re-register on its events.

Several backend workers: with ``settings.redis_url`` the registry is in Redis (a sorted set per
key scored by expiry time, plus a hash for the info; both keys expire), shared by every worker.
Without Redis it is in this process — correct for the single-worker default only.
Nothing here imports Reflex.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from typing import Any

from services.settings import get_settings

__all__ = ["DEFAULT_TTL", "clear", "register", "unregister", "viewer_info", "viewers"]

DEFAULT_TTL = 2 * 60 * 60  # seconds; longer than the 30-minute session timeout
_PREFIX = "webcert:presence:"

# In-process registry: key -> {client_token: (expires_at, info, registered_at)}
_local: dict[str, dict[str, tuple[float, dict[str, Any], float]]] = {}
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()


def _redis():  # type: ignore[no-untyped-def]
    """One asyncio Redis client per event loop, or None without settings.redis_url."""
    url = get_settings().redis_url
    if not url:
        return None
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or getattr(client, "_webcert_url", None) != url:
        import redis.asyncio as aioredis

        client = aioredis.from_url(url, decode_responses=True)
        client._webcert_url = url
        _clients[loop] = client
    return client


def _check(key: Any, client_token: Any) -> tuple[str, str]:
    if not isinstance(key, str) or not key or len(key) > 200:
        raise ValueError("presence key must be a non-empty string")
    if not isinstance(client_token, str) or not client_token or len(client_token) > 200:
        raise ValueError("client token must be a non-empty string")
    return key, client_token


async def register(
    key: str, client_token: str, *, info: dict[str, Any] | None = None, ttl: int = DEFAULT_TTL
) -> None:
    """``client_token`` shows ``key`` now (again); refreshes the expiry and the info."""
    key, client_token = _check(key, client_token)
    now = time.time()
    client = _redis()
    if client is None:
        entries = _local.setdefault(key, {})
        registered = entries.get(client_token, (0.0, {}, now))[2]
        entries[client_token] = (now + ttl, dict(info or {}), registered)
        _prune_local(key, now)
        return
    zkey, hkey = _PREFIX + key, _PREFIX + key + ":info"
    async with client.pipeline(transaction=True) as pipe:
        pipe.zadd(zkey, {client_token: now + ttl})
        pipe.hset(hkey, client_token, json.dumps({**(info or {}), "_since": now}))
        pipe.zrange(zkey, -1, -1, withscores=True)
        results = await pipe.execute()
    latest = results[-1][0][1] if results[-1] else now + ttl
    # The keys live as long as their longest registration (never shortened by a short one).
    await client.expireat(zkey, int(latest) + 1)
    await client.expireat(hkey, int(latest) + 1)


async def unregister(key: str, client_token: str) -> None:
    """``client_token`` no longer shows ``key``."""
    key, client_token = _check(key, client_token)
    client = _redis()
    if client is None:
        entries = _local.get(key)
        if entries is not None:
            entries.pop(client_token, None)
            if not entries:
                _local.pop(key, None)
        return
    async with client.pipeline(transaction=True) as pipe:
        pipe.zrem(_PREFIX + key, client_token)
        pipe.hdel(_PREFIX + key + ":info", client_token)
        await pipe.execute()


async def viewers(key: str) -> list[str]:
    """The client tokens showing ``key`` (unexpired)."""
    return list(await viewer_info(key))


async def viewer_info(key: str) -> dict[str, dict[str, Any]]:
    """{client token: the info given at registration} of the unexpired viewers of ``key``."""
    if not isinstance(key, str) or not key:
        return {}
    now = time.time()
    client = _redis()
    if client is None:
        _prune_local(key, now)
        entries = sorted(_local.get(key, {}).items(), key=lambda kv: kv[1][2])
        return {token: dict(info) for token, (_exp, info, _since) in entries}
    zkey, hkey = _PREFIX + key, _PREFIX + key + ":info"
    await client.zremrangebyscore(zkey, "-inf", now)
    tokens = await client.zrange(zkey, 0, -1)
    if not tokens:
        return {}
    raw = await client.hmget(hkey, tokens)
    result: dict[str, dict[str, Any]] = {}
    for token, value in zip(tokens, raw, strict=True):
        try:
            info = json.loads(value) if value else {}
        except ValueError:
            info = {}
        result[token] = info
    return dict(sorted(result.items(), key=lambda kv: kv[1].pop("_since", 0.0)))


def _prune_local(key: str, now: float) -> None:
    entries = _local.get(key)
    if not entries:
        return
    for token in [t for t, (exp, _i, _s) in entries.items() if exp <= now]:
        del entries[token]
    if not entries:
        _local.pop(key, None)


async def clear() -> None:
    """Forget every registration (tests)."""
    _local.clear()
    client = _redis()
    if client is not None:
        async for k in client.scan_iter(_PREFIX + "*"):
            await client.delete(k)

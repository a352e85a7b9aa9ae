"""One shared ``httpx.AsyncClient`` per event loop for the services' calls to the outside world
(HSA, PU-tjänsten, Försäkringskassan, Transportstyrelsen).

Creating an ``httpx.AsyncClient`` builds an SSL context from the CA bundle: 20 ms of CPU on a
quiet machine, 200 ms on a busy one — which the services paid on every call (PU-tjänsten on
every opening of a certificate, HSA on every login and launch). The shared client also keeps
its connections alive between calls. Callers pass absolute URLs and the timeout from the
settings at call time, so tests may point the settings elsewhere.
"""

from __future__ import annotations

import asyncio
import threading
import weakref

import httpx

__all__ = ["shared", "shared_sync"]

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def shared() -> httpx.AsyncClient:
    """The client of the running event loop (made on first use)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50)
        )
        _clients[loop] = client
    return client


_sync_client: httpx.Client | None = None
_sync_lock = threading.Lock()


def shared_sync() -> httpx.Client:
    """The process's synchronous client, for calls from worker threads (the autosave's rights
    check asks PU-tjänsten: a new ``httpx.Client`` per save cost more than the save)."""
    global _sync_client
    with _sync_lock:
        if _sync_client is None or _sync_client.is_closed:
            _sync_client = httpx.Client(
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20)
            )
        return _sync_client

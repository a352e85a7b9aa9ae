"""In-process locks per key against double submission (two quick clicks in one worker)."""

from __future__ import annotations

import asyncio
import weakref

_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def lock_for(key: str) -> asyncio.Lock:
    """The lock for ``key`` (kept while anyone holds a reference to it)."""
    lock = _locks.get(key)
    if lock is None:
        lock = asyncio.Lock()
        _locks[key] = lock
    return lock

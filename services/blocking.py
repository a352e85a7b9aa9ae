"""Our own bounded thread pools for blocking work on the hot paths (issue 17).

``asyncio.to_thread`` runs everything on the event loop's one default executor —
min(32, cores + 4) threads, 6 on a 2-core machine — so under load the diagnosis searches (CPU)
and the autosave's database work queue behind each other and behind anything else that
borrows a thread, and the queue has no end: past saturation every request waits longer than
the last. Two pools of our own instead, each sized for what it does and with a bound on the
work that may wait:

- ``DATABASE``: the autosave's reads and writes. Sized by the database: SQLite takes one
  writer at a time, so few threads (more only wait for its write lock in SQLite's busy
  handler, which sleeps up to 100 ms at a time: the profile of 40 clinicians on SQLite showed
  most of the default pool's time there) — two, so that one thread's rights check (which asks
  PU-tjänsten over HTTP) overlaps the other's write; PostgreSQL takes many (8).
  Waiting work is naturally bounded there already (one saver per browser tab, later edits
  coalesced), the bound is a safety net.
- ``SEARCH``: the diagnosis search (CPU; rapidfuzz runs without the GIL). 2 threads; past 32
  waiting searches a new one is refused at once (``Overloaded``), and the field shows no
  suggestions for that keystroke instead of a list that arrives seconds late.

Nothing here imports Reflex.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from services.errors import ServiceUnavailable
from services.settings import get_settings

__all__ = ["DATABASE", "SEARCH", "BoundedExecutor", "Overloaded"]

P = ParamSpec("P")
T = TypeVar("T")


class Overloaded(ServiceUnavailable):
    """Too much work is waiting already: refused at once rather than queued."""

    code = "OVERLOADED"
    default_message = "Webcert är hårt belastat just nu. Försök igen om en stund."


class BoundedExecutor:
    """A thread pool of its own with at most ``max_waiting`` calls waiting for a thread."""

    def __init__(self, name: str, threads: int | Callable[[], int], max_waiting: int) -> None:
        self.name = name
        self._threads = threads
        self.max_waiting = max_waiting
        self._executor: ThreadPoolExecutor | None = None
        self.busy = 0  # calls submitted and not finished (running + waiting)

    @property
    def threads(self) -> int:
        return self._threads() if callable(self._threads) else self._threads

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix=self.name)
        return self._executor

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` in the pool; Overloaded when too much is waiting."""
        pool = self._pool()
        if self.busy - self.threads >= self.max_waiting:
            raise Overloaded()
        self.busy += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(pool, functools.partial(fn, *args, **kwargs))
        finally:
            self.busy -= 1

    def stats(self) -> dict[str, Any]:
        return {"name": self.name, "threads": self.threads, "busy": self.busy}


def _database_threads() -> int:
    return 2 if get_settings().database_url.startswith("sqlite") else 8


DATABASE = BoundedExecutor("webcert-db", _database_threads, max_waiting=10_000)
SEARCH = BoundedExecutor("webcert-search", 2, max_waiting=32)

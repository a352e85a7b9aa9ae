"""Periodic jobs run inside every backend worker (safe to run on several at once)."""

from __future__ import annotations

import asyncio
import gc
import logging

from services import drafts

log = logging.getLogger(__name__)
LOCK_INTERVAL_SECONDS = 600


async def lock_drafts_forever(interval: float = LOCK_INTERVAL_SECONDS) -> None:
    """Lock drafts 14 days after creation (§4.1). The job is one idempotent UPDATE, so running
    it on several workers at once only locks each draft once."""
    while True:
        try:
            locked = await asyncio.to_thread(drafts.lock_expired_drafts)
            if locked:
                log.info("locked %d drafts older than 14 days", locked)
        except Exception:  # a failed run is retried at the next interval
            log.exception("draft lock job failed")
        await asyncio.sleep(interval)


WARM_UP_AFTER = 3.0  # seconds after the start


async def warm_up() -> None:
    """Build the diagnosis search index and load the PDF fonts once at start-up, off the event
    loop, so the first user does not wait for them."""
    from services import diagnoses, pdf

    # Not while the server is still starting: the build holds the interpreter (GIL) for about
    # a second, which the first pages would wait for. A search before it builds the index.
    await asyncio.sleep(WARM_UP_AFTER)
    try:
        await asyncio.to_thread(diagnoses.warm_up)
        await asyncio.to_thread(pdf.preload_fonts)
    except Exception:  # a failed warm-up only means the first use pays for it
        log.exception("warm-up failed")
    # What start-up built (the search index, the compiled app, fonts) lives as long as the
    # process: take it out of the collector's generations, so that a full collection during
    # a user's event does not walk it (a pause of several milliseconds otherwise).
    gc.collect()
    gc.freeze()

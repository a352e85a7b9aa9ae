"""PU-tjänsten outage on open pages (§4.10.2): every function is locked while it does not answer.

The services refuse every save and action while PU-tjänsten does not answer. So that an open
page shows it at once, without a reload and before the user tries something, a lifespan task
asks PU-tjänsten every ``WATCH_INTERVAL`` seconds while some certificate page is open (one
lookup of the patient of an open certificate) and, when the answer changes, pushes it to every
open certificate page (``state.certificate.receive_pu``): the page locks itself, and opens the
certificate again when PU-tjänsten answers again.

Every worker watches; a push is idempotent, so two workers telling the same tab does no harm.
"""

from __future__ import annotations

import asyncio
import logging

from services import lifecycle, patients, presence
from state import certificate, runtime

log = logging.getLogger(__name__)
WATCH_INTERVAL = 2.0  # seconds
_down = False  # what this worker's watch last saw


async def _push(down: bool) -> int:
    if not runtime.running():
        return 0
    pushed = 0
    for cert_id in presence.active_certificates():
        for token in presence.viewers(cert_id):
            try:
                if await certificate.receive_pu(token, cert_id, down):
                    pushed += 1
            except Exception:
                log.warning("telling a tab about PU-tjänsten failed", exc_info=True)
    return pushed


async def check_once() -> bool | None:
    """Ask PU-tjänsten (when a certificate page is open) and push a change. Returns whether it
    is down, or None when no page is open."""
    global _down
    personnummer = None
    for cert_id in presence.active_certificates():
        personnummer = await asyncio.to_thread(lifecycle.patient_of, cert_id)
        if personnummer:
            break
    if not personnummer:
        return None
    # A save refused here meanwhile locked its page: when PU-tjänsten answers, that page is
    # told too, even if the outage was too short for the watch to see.
    noticed = patients.take_noticed_down()
    down = not await patients.answers(personnummer)
    patients.take_noticed_down()
    if down != _down or (noticed and not down):
        _down = down
        log.warning("PU-tjänsten %s", "does not answer" if down else "answers again")
        await _push(down)
    return down


async def watch_forever(interval: float = WATCH_INTERVAL) -> None:
    """Lifespan task: watch PU-tjänsten while certificate pages are open."""
    await runtime.repeat(interval, check_once, "watching PU-tjänsten")

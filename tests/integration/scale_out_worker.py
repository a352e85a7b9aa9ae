"""A stand-in for one more app process in the scale-out tests (run as a separate OS process).

python -m tests.integration.scale_out_worker jobs STOP_FILE
    runs the jobs every backend worker runs — notification delivery (services.notifications
    .run_forever) and the 14-day lock (services.lifecycle.lock_expired_drafts) — against the
    configured database (WEBCERT_* environment) until STOP_FILE exists; then prints
    {"locked": <drafts this process locked>} as JSON.
python -m tests.integration.scale_out_worker leave START_AT CERT_ID TOKEN [TOKEN ...]
    at the epoch time START_AT, reports the departure of every token (what the disconnect
    sweeper does for closed tabs; services.presence in Redis); prints {"reported": n}.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path


async def _jobs(stop_file: Path) -> dict[str, int]:
    from services import lifecycle, notifications

    stop = asyncio.Event()
    delivery = asyncio.create_task(notifications.run_forever(stop))
    locked = 0
    while not stop_file.exists():
        locked += await asyncio.to_thread(lifecycle.lock_expired_drafts)
        await asyncio.sleep(0.05)
    stop.set()
    await delivery
    return {"locked": locked}


def _leave(start_at: float, cert_id: str, tokens: list[str]) -> dict[str, int]:
    from services import presence

    presence.snapshot(cert_id)  # connect before the start
    time.sleep(max(0.0, start_at - time.time()))
    return {"reported": sum(presence.leave(cert_id, t) is not None for t in tokens)}


def main(argv: list[str]) -> None:
    if argv[0] == "jobs":
        result = asyncio.run(_jobs(Path(argv[1])))
    elif argv[0] == "leave":
        result = _leave(float(argv[1]), argv[2], argv[3:])
    else:
        raise SystemExit(f"unknown mode {argv[0]!r}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

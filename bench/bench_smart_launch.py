"""SMART App Launch: time from the demo EHR's "Starta Webcert (SMART)" click to a logged-in
Webcert (issue 21). Prints p50/p90/max over N launches.

Each launch is the browser's path over real HTTP hops: POST /smart/start on the demo EHR
(simulator, loopback) → Webcert /smart/launch (discovery, state, nonce, PKCE) → the EHR's
authorize → Webcert /smart/callback (token exchange, id_token verified against the JWKS,
Practitioner/Patient/Encounter/Organization read over FHIR, HSA lookup, server session,
audit). Webcert runs in-process (ASGI) on a fresh SQLite database; the browser's own
rendering of the start page is not included.

    .venv/bin/python bench/bench_smart_launch.py [-n 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from scripts.run_simulators import config_from_settings  # noqa: E402
from services.persistence.migrate import upgrade  # noqa: E402
from services.settings import get_settings  # noqa: E402
from simulators.runner import start_simulators  # noqa: E402

DOCTOR = "TSTNMT2321000156-DRAA"
UNIT = "TSTNMT2321000156-ALVC"
TOLVAN = "191212121212"


async def one_launch(webcert: httpx.AsyncClient, ehr: httpx.AsyncClient) -> float:
    start = time.perf_counter()
    r = await ehr.post("/smart/start", data={"patient": TOLVAN, "user": f"{DOCTOR}|{UNIT}"})
    for _ in range(4):
        location = r.headers["location"]
        parts = urlsplit(location)
        if location.startswith(str(ehr.base_url).rstrip("/")):
            r = await ehr.get(location)
        else:
            r = await webcert.get(parts.path + ("?" + parts.query if parts.query else ""))
        if r.headers.get("location") == "/":
            break
    elapsed = time.perf_counter() - start
    if r.headers.get("location") != "/":
        raise SystemExit(f"launch did not reach the start page: {r.status_code} {r.headers}")
    return elapsed


async def run(n: int) -> list[float]:
    from webcert_ui.api import make_api

    settings = get_settings()
    times = []
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=make_api()), base_url=settings.public_url
        ) as webcert,
        httpx.AsyncClient(base_url=settings.ehr_url, timeout=30) as ehr,
    ):
        await one_launch(webcert, ehr)  # warm-up (imports, first connections)
        for _ in range(n):
            webcert.cookies.clear()
            times.append(await one_launch(webcert, ehr))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    settings = get_settings()
    with (
        tempfile.TemporaryDirectory() as tmp,
        start_simulators(config=config_from_settings()) as sims,
    ):
        settings.database_url = f"sqlite:///{tmp}/bench.db"
        settings.rate_limit_launch = "100000/minute"
        upgrade(settings.database_url)
        for name in ("hsa", "pu", "fk", "ts", "ehr"):
            setattr(settings, f"{name}_url", sims.url(name))
        times = sorted(asyncio.run(run(args.n)))
    ms = [t * 1000 for t in times]
    p90 = ms[max(0, round(0.9 * len(ms)) - 1)]
    print(f"SMART launch → logged-in Webcert, {len(ms)} launches (SQLite, loopback simulators)")
    print(f"  p50 {statistics.median(ms):.0f} ms   p90 {p90:.0f} ms   max {ms[-1]:.0f} ms")


if __name__ == "__main__":
    main()

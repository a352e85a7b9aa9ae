"""Benchmark: opening a certificate and autosaving a draft, over the app's websocket (not a test).

Starts the app like the e2e fixture (scripts/serve.py on free ports, fresh SQLite, testability
on), logs a doctor in (session cookie) and drives Reflex's websocket as the browser does
(tests/security/wsclient.py):

- open certificate: a new tab (fresh client token, the cookie) connects with its boot event
  ``hydrate_and_load`` for ``/intyg/{id}``; timed from the connect call until the delta that
  carries the certificate's patient (CertificateState.load has run);
- autosave: on that tab, ``CertificateState.set_value("ovrigt", …)``; timed from the emit until
  the delta that says the draft is saved (SaveStatusState.save_state == "saved"), i.e. the
  compare-and-set write is in the database.

Prints p50/p95 of both. Run it before and after a change that touches every event (e.g. the
session binding of state) to see what it costs.

Usage (never in a tree another developer builds in; use a private copy):
    scripts/e2e_private.sh NAME --co -q >/dev/null; cd /tmp/webcert-e2e-NAME
    .venv/bin/python bench/bench_events.py [--n 60]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.conftest import DOCTOR, UNIT, App, running_app
from tests.security.wsclient import ReflexSocket, flat_vars

CERT_STATE = "state___certificate____certificate_state"
SAVE_STATE = "state___editor_parts____save_status_state"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def _has_patient(update: dict) -> bool:
    return any(
        k.endswith(f"{CERT_STATE}.patient_pnr_rx_state_") and v
        for k, v in flat_vars(update).items()
    )


def _saved(update: dict) -> bool:
    return any(
        k.endswith(f"{SAVE_STATE}.save_state_rx_state_") and v == "saved"
        for k, v in flat_vars(update).items()
    )


KEY = "bench-key-" + "x" * 32


def run(n: int, url: str | None) -> int:
    opens: list[float] = []
    saves: list[float] = []
    with contextlib.ExitStack() as stack:
        if url is None:  # start our own app (otherwise: one started with WEBCERT_EHR_API_KEYS=KEY)
            tmp = Path(tempfile.mkdtemp(prefix="bench-events-"))
            print("Starting the app (production build) …", flush=True)
            started = time.perf_counter()
            own = running_app(tmp, KEY, secret="bench-secret-" + "y" * 32)
            url = stack.enter_context(own).base_url
            print(f"App up in {time.perf_counter() - started:.1f} s", flush=True)
        app = App(url, KEY)
        cert_id = app.create_draft()
        r = app.testability("/login", {"hsa_id": DOCTOR, "unit_id": UNIT})
        assert r.status_code == 200, r.text
        cookie = "; ".join(f"{k}={v}" for k, v in app.api.cookies.items())
        path = f"/intyg/{cert_id}"
        for i in range(n + 3):  # the first three warm the process up
            tab = ReflexSocket(url, cookie=cookie)
            t0 = time.perf_counter()
            tab.connect(path, {"cert_id": cert_id})
            tab.wait_for(_has_patient)
            if i >= 3:
                opens.append((time.perf_counter() - t0) * 1000)
            if i == n + 2:
                for j in range(n + 3):
                    tab.clear()
                    t0 = time.perf_counter()
                    tab.emit(
                        f"reflex___state____state.{CERT_STATE}.set_value",
                        {"key": "ovrigt", "value": f"Övriga upplysningar {j}"},
                        path,
                        {"cert_id": cert_id},
                    )
                    tab.wait_for(_saved)
                    if j >= 3:
                        saves.append((time.perf_counter() - t0) * 1000)
            tab.close()
    for label, values in (
        ("open certificate (connect → patient shown)", opens),
        ("autosave (set_value → saved)", saves),
    ):
        print(
            f"{label}, n={len(values)}: p50 {statistics.median(values):6.1f} ms   "
            f"p95 {percentile(values, 95):6.1f} ms"
        )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--url", help="a running app (testability on, EHR key KEY)")
    args = parser.parse_args()
    sys.exit(run(args.n, args.url))

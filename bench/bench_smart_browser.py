"""SMART App Launch in Chromium: time from the click on "Starta Webcert (SMART)" in the demo
EHR to an editable FK7804 draft in Webcert (issue 21). Prints p50/p90/max over N launches
(after 3 warm-up launches).

Each launch: a fresh browser context opens the demo EHR's page (not timed), then the clock
starts at the click → SMART launch → authorize → callback → start page with the launched
patient → click "FK7804 – Läkarintyg för sjukpenning" → the draft's editor accepts input.
The app is the production build with its simulators (scripts/serve.py), on SQLite.

    .venv/bin/python bench/bench_smart_browser.py [-n 20]   (with the Makefile's Reflex env)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.e2e.conftest import running_app  # noqa: E402

KEY = "bench-key-" + "x" * 32
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def launch_once(browser, ehr_url: str) -> float:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    page = context.new_page()
    try:
        page.goto(ehr_url + "/")
        patients = page.locator("section", has=page.get_by_role("heading", name="Patienter i PU"))
        button = patients.locator("tr", has_text="19121212-1212").get_by_role(
            "button", name="Starta Webcert (SMART)"
        )
        t0 = time.perf_counter()
        button.click()
        # the panel's buttons answer once the page's websocket is up (hydrated)
        expect(page.get_by_test_id("launched-patient")).to_be_visible(timeout=30000)
        page.wait_for_function("() => document.querySelector('[data-testid=create-fk7804]')")
        page.get_by_test_id("create-fk7804").click()
        page.wait_for_url("**/intyg/*", timeout=30000)
        expect(page.get_by_test_id("field-ovrigt")).to_be_editable(timeout=30000)
        return time.perf_counter() - t0
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-smart-"))
    print("Starting the app (production build) …", flush=True)
    times: list[float] = []
    with running_app(
        tmp,
        KEY,
        secret="bench-secret-" + "y" * 32,
        extra_env={"WEBCERT_RATE_LIMIT_LAUNCH": "100000/minute"},
    ) as app:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for i in range(args.n + 3):
                elapsed = launch_once(browser, app.ehr_url)
                print(f"launch {i + 1}: {elapsed * 1000:.0f} ms", flush=True)
                if i >= 3:
                    times.append(elapsed * 1000)
            browser.close()
    times.sort()
    p90 = times[max(0, round(0.9 * len(times)) - 1)]
    print(f"SMART launch click → editable FK7804 draft, {len(times)} launches (Chromium)")
    print(f"  p50 {statistics.median(times):.0f} ms   p90 {p90:.0f} ms   max {times[-1]:.0f} ms")


if __name__ == "__main__":
    main()

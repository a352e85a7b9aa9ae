"""How long a second `make run` takes to serve (issue 16 item 6; not a test).

Runs `make run` ROUNDS times (default 5) with unchanged sources, each time from the command to
`/login` answering (polled every 50 ms), then stops it; prints each time, sorted, the median,
and the load average. The first, unmeasured round builds what a fresh checkout lacks.

Usage:  .venv/bin/python bench/bench_start.py [ROUNDS]
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
URL = "http://127.0.0.1:3000/login"


def answers() -> bool:
    try:
        return httpx.get(URL, timeout=1).status_code < 400
    except httpx.HTTPError:
        return False


def one_start() -> float:
    if answers():
        raise SystemExit("port 3000 is in use: stop the running Webcert first")
    started = time.monotonic()
    proc = subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not answers():
            if proc.poll() is not None:
                raise SystemExit(f"make run ended with {proc.returncode}")
            if time.monotonic() - started > 600:
                raise SystemExit("make run did not serve within 600 s")
            time.sleep(0.05)
        return time.monotonic() - started
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C: serve.py stops all it started
        proc.wait(timeout=60)
        while answers():
            time.sleep(0.2)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    one_start()  # builds the frontend if the sources changed since the last build
    times = sorted(one_start() for _ in range(rounds))
    print("second `make run`, command to /login answering:")
    print("  " + ", ".join(f"{t:.1f}" for t in times) + " s")
    print(f"  median {statistics.median(times):.1f} s, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

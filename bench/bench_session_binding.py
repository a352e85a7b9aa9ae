"""Benchmark: what binding UI state to the server session costs per event (not a test).

state.session_binding runs before every Reflex event: it reads the session behind the
connection's cookie (one primary-key read, no write) and compares it with the session the
tab's state was built for. This prints that cost for an unchanged session (every event of a
logged-in tab) and for a changed one (the reset of the whole state tree), in-process on a
fresh SQLite database with the simulators on loopback.

    .venv/bin/python bench/bench_session_binding.py [--n 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import pkgutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PYTEST_CURRENT_TEST", "bench")  # states built outside the app

import reflex as rx
from reflex.istate.data import RouterData

import state
from scripts.run_simulators import config_from_settings
from services import identity
from services.persistence.migrate import upgrade
from services.settings import get_settings
from simulators.runner import start_simulators
from state import session_binding

for _module in pkgutil.iter_modules(state.__path__):
    importlib.import_module(f"state.{_module.name}")


def _point(root: rx.State, token: str | None) -> None:
    headers = {"cookie": f"{get_settings().session_cookie_name}={token}"} if token else {}
    data = {"headers": headers, "pathname": "/", "asPath": "/"}
    root.router_data = data
    root.router = RouterData.from_router_data(data)


def _summary(label: str, times: list[float]) -> None:
    times.sort()
    p95 = times[int(len(times) * 0.95)]
    print(f"{label}, n={len(times)}: p50 {statistics.median(times):.3f} ms   p95 {p95:.3f} ms")


async def run(n: int) -> None:
    token = await identity.login("TSTNMT2321000156-DRAA", "TSTNMT2321000156-ALVC", origin="B")
    root = rx.State(_reflex_internal_init=True)
    _point(root, token)
    await session_binding.bind(root)
    same = []
    for _ in range(n):
        t0 = time.perf_counter()
        await session_binding.bind(root)
        same.append((time.perf_counter() - t0) * 1000)
    _summary("bind(), session unchanged (every event)", same)
    changed = []
    for i in range(max(50, n // 20)):
        _point(root, token if i % 2 else None)
        t0 = time.perf_counter()
        assert await session_binding.bind(root)
        changed.append((time.perf_counter() - t0) * 1000)
    _summary("bind(), session changed (reset of the whole tree)", changed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-binding-')) / 'b.db'}"
    get_settings().database_url = url
    upgrade(url)
    with start_simulators(config=config_from_settings()) as sims:
        for name in ("hsa", "pu", "fk", "ts", "ehr"):
            setattr(get_settings(), f"{name}_url", sims.url(name))
        asyncio.run(run(args.n))


if __name__ == "__main__":
    main()

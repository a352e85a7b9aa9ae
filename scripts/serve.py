"""Start Webcert (Reflex, production build, one port) together with its simulators.

Used by ``make run`` and by the end-to-end tests. Ports and the database come from the
environment / command line; the simulators' base URLs are handed to the app through the
same WEBCERT_* settings the services read.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SIMULATORS = ("hsa", "pu", "fk", "ts", "ehr")
_LOOPBACK_QUIET = ("--backend-host", "127.0.0.1", "--loglevel", "warning")


def build_env(
    port: int,
    sim_base_port: int | None,
    extra: dict[str, str] | None = None,
    *,
    workers: int | None = None,
) -> dict[str, str]:
    """The app's environment. ``sim_base_port`` None: the simulators' (or the real services')
    URLs come from the environment (WEBCERT_HSA_URL ...), e.g. a second app process on
    another host using the first one's simulators."""
    env = dict(os.environ)
    env.update(
        {
            "WEBCERT_PUBLIC_URL": env.get("WEBCERT_PUBLIC_URL") or f"http://127.0.0.1:{port}",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if sim_base_port is not None:
        env["WEBCERT_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        env.update(
            {
                f"WEBCERT_{name.upper()}_URL": f"http://127.0.0.1:{sim_base_port + i}"
                for i, name in enumerate(SIMULATORS)
            }
        )
    env.update(extra or {})
    redis_url = env.get("WEBCERT_REDIS_URL") or env.get("REDIS_URL")
    if redis_url:
        # Several backend workers share Reflex state (and our presence registry) in Redis.
        env["REFLEX_REDIS_URL"] = redis_url
        if workers:
            env["GRANIAN_WORKERS"] = str(workers)
        env.setdefault("GRANIAN_WORKERS", "2")
    else:
        env["GRANIAN_WORKERS"] = "1"  # the embedded default: SQLite, one worker
        # One worker keeps the tabs' UI state in memory. Reflex's default here, the disk state
        # manager, pickles every changed tab to a file and, every 2 s, stat()s every file in
        # .states (one per substate per tab ever seen, for an hour): measured at 40 editing
        # clinicians, 11-12 ms of server CPU per event on disk against 6-7 ms in memory
        # (bench/bench_load.py, issue 17). A restart loses only the UI state: each page opens
        # its certificate again from the database, where every edit is saved.
        env.setdefault("REFLEX_STATE_MANAGER_MODE", "memory")
    return env


def wait_for(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    # One client for all the tries: a new one per try loads the CA bundle each time (most of
    # what polling for a starting app costs).
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
            try:
                if client.get(url).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def reflex_run(
    port: int, *, serving: str = "--single-port", reuse_build: bool = False
) -> list[str]:
    """The production ``reflex run`` command on loopback ``port``: ``--single-port`` (frontend
    and backend on one port) or ``--backend-only``. ``reuse_build``: through
    ``scripts/reflex_prod.py``, which skips Reflex's compile and frontend build while the app's
    sources are unchanged (for this app, run from ``ROOT``)."""
    args = ["--env", "prod", serving, "--backend-port", str(port), *_LOOPBACK_QUIET]
    if reuse_build:
        return [sys.executable, "-m", "scripts.reflex_prod", *args]
    return [str(Path(sys.executable).parent / "reflex"), "run", *args]


def start(
    port: int,
    sim_base_port: int | None,
    *,
    extra_env: dict[str, str] | None = None,
    log_dir: Path | None = None,
    seed: bool = False,
    workers: int | None = None,
    migrate: bool = False,
) -> tuple[subprocess.Popen, subprocess.Popen | None]:
    """Start simulators (unless ``sim_base_port`` is None) and the app; return both processes
    once the app answers. ``workers``: granian workers (only with Redis; default 2).
    ``migrate``: bring the database to the newest schema before the app starts.

    The steps overlap where they may: the simulators start while the database is migrated,
    the app (whose start-up tasks need the migrated database, not the simulators) right after
    the migration, and the demo data are seeded while the app imports."""
    env = build_env(port, sim_base_port, extra_env, workers=workers)
    log_dir = log_dir or ROOT / "var"
    log_dir.mkdir(parents=True, exist_ok=True)
    sims = app = None
    try:
        if sim_base_port is not None:
            sim_log = open(log_dir / f"simulators-{port}.log", "w")
            sims = subprocess.Popen(
                [sys.executable, "-m", "scripts.run_simulators", "--log-level", "warning"],
                cwd=ROOT,
                env=env,
                stdout=sim_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if migrate:
            subprocess.run(
                [sys.executable, "-m", "services.persistence.migrate"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        app_log = open(log_dir / f"app-{port}.log", "w")
        app = subprocess.Popen(
            reflex_run(port, reuse_build=True),
            cwd=ROOT,
            env=env,
            stdout=app_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if sims is not None:
            wait_for(env["WEBCERT_HSA_URL"] + "/persons", 30, sims)
        if seed:
            subprocess.run([sys.executable, "-m", "services.seed"], cwd=ROOT, env=env, check=True)
        wait_for(f"http://127.0.0.1:{port}/health", 240, app)
        wait_for(f"http://127.0.0.1:{port}/login", 60, app)
    except BaseException:
        stop(app, sims)
        raise
    return app, sims


def stop(*procs: subprocess.Popen | None) -> None:
    procs = tuple(p for p in procs if p is not None)
    for proc in procs:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _interrupt(*_args: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEBCERT_PORT", "3000")))
    parser.add_argument("--sim-base-port", type=int, default=8101)
    parser.add_argument(
        "--no-simulators",
        action="store_true",
        help="start no simulators: their URLs come from WEBCERT_*_URL (e.g. another host's)",
    )
    parser.add_argument(
        "--no-testability",
        action="store_true",
        help="testability API and /login off (production); on by default for the demo",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="backend workers (needs REDIS_URL; default 2)"
    )
    parser.add_argument(
        "--migrate", action="store_true", help="migrate the database first (make run does)"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the app and simulators like Ctrl-C
    sim_base = None if args.no_simulators else args.sim_base_port
    print("Startar Webcert (produktionsbygge) …", flush=True)
    app, sims = start(
        args.port,
        sim_base,
        extra_env={"WEBCERT_TESTABILITY_ENABLED": "false" if args.no_testability else "true"},
        seed=True,
        workers=args.workers,
        migrate=args.migrate,
    )
    page = "/" if args.no_testability else "/login"
    print(f"\nWebcert körs på http://127.0.0.1:{args.port}{page}  (Ctrl-C avslutar)", flush=True)
    if sim_base is not None:
        print(f"Demojournalsystemet: http://127.0.0.1:{sim_base + 4}/", flush=True)
    print(f"Loggar: {ROOT / 'var'}", flush=True)
    workers = build_env(args.port, sim_base, workers=args.workers)["GRANIAN_WORKERS"]
    print(f"Backend-processer: {workers}", flush=True)
    try:
        while app.poll() is None and (sims is None or sims.poll() is None):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop(app, sims)


if __name__ == "__main__":
    main()

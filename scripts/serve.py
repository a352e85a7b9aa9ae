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


def build_env(port: int, sim_base_port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "WEBCERT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            **{
                f"WEBCERT_{name.upper()}_URL": f"http://127.0.0.1:{sim_base_port + i}"
                for i, name in enumerate(SIMULATORS)
            },
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    redis_url = env.get("WEBCERT_REDIS_URL") or env.get("REDIS_URL")
    if redis_url:
        # Several backend workers share Reflex state (and our presence registry) in Redis.
        env["REFLEX_REDIS_URL"] = redis_url
        env.setdefault("GRANIAN_WORKERS", "2")
    else:
        env["GRANIAN_WORKERS"] = "1"  # the embedded default: SQLite, one worker
    return env


def wait_for(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def start(
    port: int,
    sim_base_port: int,
    *,
    extra_env: dict[str, str] | None = None,
    log_dir: Path | None = None,
    seed: bool = False,
) -> tuple[subprocess.Popen, subprocess.Popen]:
    """Start simulators and the app; return both processes once the app answers."""
    env = build_env(port, sim_base_port, extra_env)
    log_dir = log_dir or ROOT / "var"
    log_dir.mkdir(parents=True, exist_ok=True)
    sim_log = open(log_dir / f"simulators-{port}.log", "w")
    sims = subprocess.Popen(
        [sys.executable, "-m", "simulators", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=sim_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for(env["WEBCERT_HSA_URL"] + "/persons", 30, sims)
    if seed:
        subprocess.run([sys.executable, "-m", "services.seed"], cwd=ROOT, env=env, check=True)
    app_log = open(log_dir / f"app-{port}.log", "w")
    reflex = str(Path(sys.executable).parent / "reflex")
    app = subprocess.Popen(
        [
            reflex,
            "run",
            "--env",
            "prod",
            "--single-port",
            "--backend-port",
            str(port),
            "--backend-host",
            "127.0.0.1",
            "--loglevel",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=app_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/health", 240, app)
        wait_for(f"http://127.0.0.1:{port}/login", 60, app)
    except Exception:
        stop(app, sims)
        raise
    return app, sims


def stop(*procs: subprocess.Popen) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEBCERT_PORT", "3000")))
    parser.add_argument("--sim-base-port", type=int, default=8101)
    args = parser.parse_args()
    print("Startar simulatorer och Webcert (produktionsbygge) …", flush=True)
    app, sims = start(
        args.port, args.sim_base_port, extra_env={"WEBCERT_TESTABILITY_ENABLED": "true"}, seed=True
    )
    print(f"\nWebcert körs på http://127.0.0.1:{args.port}/login  (Ctrl-C avslutar)", flush=True)
    print(f"Demojournalsystemet: http://127.0.0.1:{args.sim_base_port + 4}/", flush=True)
    print(f"Loggar: {ROOT / 'var'}", flush=True)
    workers = build_env(args.port, args.sim_base_port)["GRANIAN_WORKERS"]
    print(f"Backend-processer: {workers}", flush=True)
    try:
        while app.poll() is None and sims.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop(app, sims)


if __name__ == "__main__":
    main()

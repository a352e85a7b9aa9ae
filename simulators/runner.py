"""Start the simulators: all five in one asyncio loop, one uvicorn server (one port) each.

For tests::

    with start_simulators(config=config) as sims:          # free ports on 127.0.0.1
        user = await hsa.get_user("...", base_url=sims.hsa_url)

``scripts/run_simulators.py`` (``make run``) uses ``serve_forever``. Whoever runs the
simulators hands them their configuration (:class:`simulators.config.SimulatorConfig`:
Webcert's address and the shared credentials) and their ports; they read no Webcert settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from simulators import ehr, hsa, pu, recipients
from simulators.config import SimulatorConfig

SIMULATOR_NAMES: tuple[str, ...] = ("hsa", "pu", "fk", "ts", "ehr")


def create_apps(config: SimulatorConfig) -> dict[str, Starlette]:
    """A fresh app (fresh in-memory state) per simulator."""
    return {
        "hsa": hsa.create_app(),
        "pu": pu.create_app(),
        "fk": recipients.create_fk_app(config.webcert_url, api_key=config.fk_api_key),
        "ts": recipients.create_ts_app(),
        "ehr": ehr.create_app(
            webcert_url=config.webcert_url,
            api_key=config.ehr_api_key,
            hmac_secret=config.ehr_hmac_secret,
            smart_client_secret=config.smart_client_secret,
        ),
    }


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit TCP_NODELAY from the listening socket (Linux). Without it a
    # response written in two parts (headers, then body) waited for the client's delayed ACK:
    # 44 ms for every PU lookup, and so for every autosave (issue 17's profile).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to us (several servers share a loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _make_servers(
    apps: Mapping[str, Starlette], sockets: Mapping[str, socket.socket], log_level: str
) -> dict[str, _Server]:
    servers = {}
    for name, app in apps.items():
        host, port = sockets[name].getsockname()[:2]
        config = uvicorn.Config(
            app, host=host, port=port, lifespan="off", log_level=log_level, access_log=False
        )
        servers[name] = _Server(config)
    return servers


async def _serve_all(servers: Mapping[str, _Server], sockets: Mapping[str, socket.socket]) -> None:
    await asyncio.gather(*(server.serve(sockets=[sockets[n]]) for n, server in servers.items()))


@dataclass
class RunningSimulators:
    """Base URLs of running simulators, plus their apps (for direct state inspection)."""

    hsa_url: str
    pu_url: str
    fk_url: str
    ts_url: str
    ehr_url: str
    apps: dict[str, Starlette] = field(default_factory=dict, repr=False)

    def url(self, name: str) -> str:
        return getattr(self, f"{name}_url")

    def settings_env(self) -> dict[str, str]:
        """Environment variables that point Settings at these simulators."""
        return {f"WEBCERT_{n.upper()}_URL": self.url(n) for n in SIMULATOR_NAMES}

    def reset_all(self) -> None:
        """POST /admin/reset to every simulator (clears stored data and outages)."""
        with httpx.Client(timeout=30.0) as client:
            for name in SIMULATOR_NAMES:
                client.post(self.url(name) + "/admin/reset").raise_for_status()


@contextlib.contextmanager
def start_simulators(
    ports: Mapping[str, int] | None = None,
    *,
    host: str = "127.0.0.1",
    config: SimulatorConfig | None = None,
    log_level: str = "warning",
    startup_timeout: float = 10.0,
) -> Iterator[RunningSimulators]:
    """Run all simulators in a background thread; ports default to free ones (0).
    ``config``: what they know about Webcert (none: no Webcert to talk to)."""
    ports = {name: 0 for name in SIMULATOR_NAMES} | dict(ports or {})
    apps = create_apps(config or SimulatorConfig())
    sockets: dict[str, socket.socket] = {}
    try:
        for name in SIMULATOR_NAMES:
            sockets[name] = _bind(host, ports[name])
    except OSError:
        for sock in sockets.values():
            sock.close()
        raise
    servers = _make_servers(apps, sockets, log_level)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(_serve_all(servers, sockets))
        except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="webcert-simulators", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not all(s.started for s in servers.values()):
        if failure or not thread.is_alive() or time.monotonic() > deadline:
            for server in servers.values():
                server.should_exit = True
            thread.join(5)
            for sock in sockets.values():
                sock.close()
            raise RuntimeError(f"simulators did not start: {failure[0] if failure else 'timeout'}")
        time.sleep(0.01)

    url_host = f"[{host}]" if ":" in host else host
    urls: dict[str, Any] = {
        f"{n}_url": f"http://{url_host}:{sockets[n].getsockname()[1]}" for n in SIMULATOR_NAMES
    }
    try:
        yield RunningSimulators(**urls, apps=apps)
    finally:
        for server in servers.values():
            server.should_exit = True
        thread.join(10)
        for sock in sockets.values():
            sock.close()


def serve_forever(
    config: SimulatorConfig,
    ports: Mapping[str, int],
    *,
    host: str = "127.0.0.1",
    only: tuple[str, ...] = SIMULATOR_NAMES,
    log_level: str = "info",
) -> None:
    """Run the simulators in the foreground until SIGINT/SIGTERM."""
    apps = {n: a for n, a in create_apps(config).items() if n in only}
    sockets = {name: _bind(host, ports[name]) for name in apps}
    servers = _make_servers(apps, sockets, log_level)

    async def main() -> None:
        loop = asyncio.get_running_loop()

        def stop() -> None:
            for server in servers.values():
                if server.should_exit:
                    server.force_exit = True
                server.should_exit = True

        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop)
        for name in apps:
            print(f"{name:>4}: http://{host}:{sockets[name].getsockname()[1]}", flush=True)
        await _serve_all(servers, sockets)

    try:
        asyncio.run(main())
    finally:
        for sock in sockets.values():
            sock.close()

"""Load benchmark: N simulated clinicians over Reflex's real websocket protocol (not a test).

Each clinician opens a draft as a doctor does — the EHR creates it (POST /api/v1/certificates),
gets a launch token and the browser follows the deep link (/visa/intyg/{id}?token=…, which sets
the session cookie) — then connects to Reflex's socket.io endpoint (/_event, the tab's client
token in the query, the cookie on the handshake) and sends what the page sends:
``hydrate_and_load``, then every second a change of the free-text field "Övriga upplysningar"
(CertificateState.set_value: the echo comes back at once, the autosave writes in the background
and reports "saved"), every 10 s a diagnosis search (DiagnosisState.type_query), and at the end a
share of them sign (CertificateState.sign on a draft they completed). Like the browser, a
clinician sends its next event only when the previous one was answered.

The floor: the same load (an event a second, one more every 10 s) against a bare Reflex app
(bench/floor_app: one state, a handler that stores its argument) in the same run.

For each mode — (a) 1 worker on SQLite, (b) 2 workers on PostgreSQL + Redis (a redis-server and a
PostgreSQL database of the benchmark's own) — and each target it prints, for N = 50, 200, 500 …
upward until p95 passes 250 ms: events/s, p50/p95/p99 round trip, errors, the server's CPU per
event, the time until a change is stored (p50/p95), the client's event-loop lag and the load
average. Then the knee (the largest N with p95 ≤ 250 ms, and where it passes), ours vs the
floor; Redis memory per open draft tab (mode b); and the after-overload drill: the baseline
load again after an overload at 2× the knee must be back at its p95 within a minute.

Profile: BENCH_PYSPY=/path/to/py-spy writes the server's stacks during each measured window to
artifacts/profile-<target>-<mode>-<N>.txt.

Usage:  .venv/bin/python bench/bench_load.py [--levels 50,200,500] [--modes 1w,2w]
        [--targets floor,ours] [--duration 20] [--procs 2]
(make bench runs it with the defaults; the load client, the server, Redis and PostgreSQL share
the machine's cores, so also note the load average printed with each row.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROOT_STATE = "reflex___state____state"
CERT_STATE = ROOT_STATE + ".state___certificate____certificate_state"
DIAG_STATE = ROOT_STATE + ".state___diagnosis____diagnosis_state"
SAVE_STATE = ROOT_STATE + ".state___editor_parts____save_status_state"
FLOOR_STATE = ROOT_STATE + ".floor_app___floor_app____floor_state"
DOCTOR = "TSTNMT2321000156-DRAA"
UNIT = "TSTNMT2321000156-ALVC"
PATIENTS = ("191212121212", "194011306125", "194110147495", "195207122184", "196301022866")
SEARCHES = ("bronk", "diabet", "depress", "fraktur", "migr", "astma", "hyperton", "pneum")
API_KEY = "bench-load-key"
GOAL_MS = 250.0
TIMEOUT = 10.0  # an answer later than this is an error


# --- one simulated clinician ------------------------------------------------------------------
@dataclass
class Sample:
    kind: str  # edit, search, sign
    sent: float  # wall-clock epoch seconds
    rtt_ms: float | None  # None: no answer within TIMEOUT
    stored_ms: float | None = None  # edits: until "saved" came back


@dataclass
class ClientResult:
    samples: list[Sample] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    max_lag_ms: float = 0.0
    opened: int = 0
    stored: list[float] = field(default_factory=list)  # ms from an edit until "saved"

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


class Tab:
    """One browser tab on the socket.io endpoint: sends events, waits for matching answers."""

    def __init__(
        self,
        base_url: str,
        cookie: str | None,
        path: str,
        result: ClientResult,
        token: str | None = None,
    ):
        self.base_url, self.cookie, self.path, self.result = base_url, cookie, path, result
        self.token = token or str(uuid.uuid4())  # the tab's client token (sessionStorage)
        self.messages: list[tuple[float, dict[str, Any]]] = []
        self.arrived = asyncio.Event()
        self.closed = False
        self.disconnected = asyncio.Event()
        self.unsaved: list[float] = []  # send times of edits not reported saved yet
        self.stored: list[tuple[float, float]] = []  # (sent, ms until "saved")
        self._new_client()

    def _new_client(self) -> None:
        import socketio

        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self._on_event, namespace="/_event")
        self.sio.on("disconnect", self._on_disconnect, namespace="/_event")

    async def _on_event(self, data: Any) -> None:
        if isinstance(data, str):
            data = json.loads(data)
        now = time.time()
        self.messages.append((now, data))
        saving = ((data.get("delta") or {}).get(SAVE_STATE) or {}).get("save_state_rx_state_")
        if saving == "saved" and self.unsaved:
            # The browser shows "Utkastet är sparat": every edit sent before is stored.
            self.stored.extend((t, (now - t) * 1000) for t in self.unsaved)
            self.unsaved.clear()
        for event in data.get("events") or []:  # e.g. an error toast of the backend handler
            if "toast" in json.dumps(event) and "error" in json.dumps(event):
                self.result.error("error toast")
        self.arrived.set()

    async def _on_disconnect(self, *args: Any) -> None:
        self.disconnected.set()
        if not self.closed:
            self.result.error("disconnected")

    async def reconnect(self, base_url: str | None = None) -> int:
        """As the browser does after losing its connection: the same tab (token and cookie)
        connects again (to ``base_url``: another process behind the proxy) and hydrates."""
        with contextlib.suppress(Exception):
            await self.sio.disconnect()
        self.base_url = base_url or self.base_url
        self._new_client()
        self.disconnected.clear()
        await self.connect()
        return await self.send(ROOT_STATE + ".hydrate_and_load", {})

    async def connect(self) -> None:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        await self.sio.connect(
            f"{self.base_url}?token={self.token}",
            socketio_path="/_event",
            namespaces=["/_event"],
            transports=["websocket"],
            headers=headers,
            wait_timeout=TIMEOUT,
        )

    async def send(self, name: str, payload: dict[str, Any]) -> int:
        mark = len(self.messages)
        router = {"pathname": self.path, "asPath": self.path, "query": {}}
        await self.sio.emit(
            "event",
            {"name": name, "payload": payload, "router_data": router},
            namespace="/_event",
        )
        return mark

    async def wait_for(self, mark: int, predicate, timeout: float = TIMEOUT) -> float | None:  # type: ignore[no-untyped-def]
        """Epoch time of the first message after ``mark`` for which predicate(delta) holds."""
        deadline = time.monotonic() + timeout
        while True:
            for t, data in self.messages[mark:]:
                if predicate(data.get("delta") or {}):
                    return t
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)

    def trim(self) -> None:
        if len(self.messages) > 200:
            del self.messages[:-50]

    async def close(self) -> None:
        self.closed = True
        with contextlib.suppress(Exception):
            await self.sio.disconnect()


def _has(state: str, var: str | None = None, value: Any = None):  # type: ignore[no-untyped-def]
    def check(delta: dict[str, Any]) -> bool:
        part = delta.get(state)
        if part is None:
            return False
        if var is None:
            return True
        return (
            part.get(var + "_rx_state_") == value
            if value is not None
            else var + "_rx_state_" in part
        )

    return check


def _edit_echo(value: str):  # type: ignore[no-untyped-def]
    def check(delta: dict[str, Any]) -> bool:
        return any(
            isinstance(v, dict) and v.get("values_rx_state_", {}).get("ovrigt") == value
            for k, v in delta.items()
            if "section_values" in k
        )

    return check


async def _open_draft(http, base_url: str, sign: bool) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """As the EHR: create a draft, get a launch token, follow the deep link. (cookie, path)"""
    headers = {"x-api-key": API_KEY}
    body = {
        "type": "fk7804",
        "patient": {"personnummer": random.choice(PATIENTS)},
        "user_hsa_id": DOCTOR,
        "unit_id": UNIT,
    }
    r = await http.post("/api/v1/certificates", json=body, headers=headers)
    r.raise_for_status()
    cert_id = r.json()["id"]
    r = await http.post(
        "/api/v1/launch-tokens",
        json={"user_hsa_id": DOCTOR, "certificate_id": cert_id, "unit_id": UNIT},
        headers=headers,
    )
    r.raise_for_status()
    link = r.json()["url"]
    link = link[link.index("/visa/") :]
    r = await http.get(link, follow_redirects=False)
    if r.status_code not in (302, 303, 307):
        raise RuntimeError(f"deep link answered {r.status_code}")
    cookie = r.headers["set-cookie"].split(";", 1)[0]
    return cookie, r.headers["location"].split("?", 1)[0]


COMPLETE = {  # what FK 7804 needs to be signed (smittbärarpenning)
    "avstangning_smittskydd": "true",
    "diagnoser.0.code": "J20",
    "diagnoser.0.text": "Akut bronkit",
}


async def open_tab(
    i: int, base_url: str, target: str, result: ClientResult, sign: bool
) -> Tab | None:
    """Open the clinician's page (ours: a draft of its own through a launch token)."""
    import httpx

    tab: Tab | None = None
    try:
        if target == "ours":
            async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
                cookie, path = await _open_draft(http, base_url, sign)
        else:
            cookie, path = None, "/"
        tab = Tab(base_url, cookie, path, result)
        await tab.connect()
        mark = await tab.send(ROOT_STATE + ".hydrate_and_load", {})
        loaded = _has(CERT_STATE, "cert_id") if target == "ours" else (lambda d: ROOT_STATE in d)
        if await tab.wait_for(mark, loaded, timeout=120) is None:
            result.error("open: no answer")
            await tab.close()
            return None
        if target == "ours" and sign:
            today = date.today()
            fields = {
                **COMPLETE,
                "sjukskrivningar.HALFTEN.from": today.isoformat(),
                "sjukskrivningar.HALFTEN.to": (today + timedelta(days=13)).isoformat(),
            }
            for key, value in fields.items():
                mark = await tab.send(CERT_STATE + ".set_value", {"key": key, "value": value})
                await tab.wait_for(mark, _has(SAVE_STATE, "save_state", "saved"), timeout=60)
        result.opened += 1
        return tab
    except Exception as exc:  # noqa: BLE001 - counted, the run goes on
        status = getattr(getattr(exc, "response", None), "status_code", "")
        result.error(f"open: {type(exc).__name__} {status}".strip())
        if tab is not None:
            await tab.close()
        return None


async def load(
    i: int,
    tab: Tab,
    target: str,
    start_at: float,
    window: tuple[float, float],
    result: ClientResult,
    sign: bool,
) -> None:
    """An event a second (and a search every 10 s) until the window ends; then maybe sign."""
    await asyncio.sleep(max(0.0, start_at - time.time()) + random.random())
    n = 0
    try:
        while time.time() < window[1] and not tab.closed:
            tick = time.time()
            n += 1
            kinds = ["edit"] + (["search"] if n % 10 == i % 10 else [])
            for kind in kinds:
                sent = time.time()
                stored = None
                if target == "floor":
                    value = f"{i}-{n}-{kind}"
                    mark = await tab.send(FLOOR_STATE + ".echo", {"value": value})
                    got = await tab.wait_for(mark, _has(FLOOR_STATE, "value", value))
                elif kind == "edit":
                    value = f"Patienten mår bättre, dag {n} ({i})."
                    # Like the browser: the next change goes when this one is answered; the
                    # autosave reports "saved" in the background (timed in Tab._on_event).
                    tab.unsaved.append(sent)
                    mark = await tab.send(
                        CERT_STATE + ".set_value", {"key": "ovrigt", "value": value}
                    )
                    got = await tab.wait_for(mark, _edit_echo(value))
                else:
                    query = SEARCHES[(i + n) % len(SEARCHES)]
                    mark = await tab.send(
                        DIAG_STATE + ".type_query", {"key": "diagnoser.0.text", "value": query}
                    )
                    got = await tab.wait_for(mark, _has(DIAG_STATE))
                if window[0] <= sent <= window[1]:
                    rtt = (got - sent) * 1000 if got is not None else None
                    result.samples.append(Sample(kind, sent, rtt, stored))
                    if got is None:
                        result.error(f"{kind}: no answer within {TIMEOUT:.0f} s")
            tab.trim()
            await asyncio.sleep(max(0.0, tick + 1.0 - time.time()))
        if target == "ours":  # the last edits: stored within 10 s?
            deadline = time.monotonic() + TIMEOUT
            while tab.unsaved and time.monotonic() < deadline and not tab.closed:
                await asyncio.sleep(0.1)
            result.stored.extend(ms for t, ms in tab.stored if window[0] <= t <= window[1])
            late = [t for t in tab.unsaved if window[0] <= t <= window[1]]
            if late:
                key = "not saved within 10 s"
                result.errors[key] = result.errors.get(key, 0) + len(late)
        if target == "ours" and sign and not tab.closed:
            sent = time.time()
            mark = await tab.send(CERT_STATE + ".sign", {})
            got = await tab.wait_for(mark, _has(CERT_STATE, "status", "SIGNED"))
            result.samples.append(Sample("sign", sent, (got - sent) * 1000 if got else None))
            if got is None:
                why = ""
                for _t, data in reversed(tab.messages[mark:]):
                    part = (data.get("delta") or {}).get(CERT_STATE) or {}
                    why = part.get("action_error_rx_state_") or (
                        "missing: " + ",".join(part.get("missing_sections_rx_state_") or [])
                        if part.get("missing_sections_rx_state_")
                        else ""
                    )
                    if why:
                        break
                result.error(f"sign: not signed {why[:80]}".strip())
    finally:
        await tab.close()


async def _lag_probe(result: ClientResult, until: float) -> None:
    while time.time() < until:
        t = time.perf_counter()
        await asyncio.sleep(0.05)
        result.max_lag_ms = max(result.max_lag_ms, (time.perf_counter() - t - 0.05) * 1000)


async def _client_main(
    first: int, count: int, base_url: str, target: str, signers: int, ready: Any, go: Any
) -> ClientResult:
    result = ClientResult()
    gate = asyncio.Semaphore(12)  # opening drafts: a few at a time, as a morning's logins

    async def opened(k: int) -> Tab | None:
        async with gate:
            return await open_tab(first + k, base_url, target, result, k < signers)

    tabs = await asyncio.gather(*(opened(k) for k in range(count)))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, ready.wait)  # every client process has opened its tabs
    start_at, warm, end = await loop.run_in_executor(None, go.get)
    lag = asyncio.create_task(_lag_probe(result, end))
    await asyncio.gather(
        *(
            load(first + k, tab, target, start_at, (warm, end), result, k < signers)
            for k, tab in enumerate(tabs)
            if tab is not None
        ),
        return_exceptions=True,
    )
    await lag
    return result


def _client_process(args: tuple[Any, ...]) -> None:
    global API_KEY
    first, count, base_url, target, signers, ready, go, out, *rest = args
    if rest:
        API_KEY = rest[0]
    result = asyncio.run(_client_main(first, count, base_url, target, signers, ready, go))
    out.put(result)


def start_background_load(base_url: str, n: int, api_key: str, procs: int = 2):  # type: ignore[no-untyped-def]
    """N clinicians editing their own drafts on ``base_url`` until the returned stop() is
    called (bench/bench_collab.py --load N: live collaboration under load). Returns once
    every clinician has opened its draft."""
    ctx = mp.get_context("spawn")
    procs = max(1, min(procs, n))
    ready = ctx.Barrier(procs + 1)
    out = ctx.Queue()
    gos = [ctx.Queue() for _ in range(procs)]
    workers = []
    for k in range(procs):
        count = n // procs + (1 if k < n % procs else 0)
        args = (k * 100_000, count, base_url, "ours", 0, ready, gos[k], out, api_key)
        proc = ctx.Process(target=_client_process, args=(args,), daemon=True)
        proc.start()
        workers.append(proc)
    ready.wait(timeout=max(300, n * 1.0))
    now = time.time()
    for q in gos:
        q.put((now, now, now + 24 * 3600))

    def stop() -> None:
        for proc in workers:
            proc.terminate()
            proc.join(10)

    return stop


# --- the servers --------------------------------------------------------------------------------
def _free_port() -> int:
    from tests.e2e.conftest import _free_port_block

    return _free_port_block(7)


@dataclass
class Server:
    target: str
    mode: str
    base_url: str
    procs: list[subprocess.Popen[Any]]
    redis_url: str | None = None
    cleanup: list[Any] = field(default_factory=list)

    def cpu_seconds(self) -> float:
        import psutil

        total = 0.0
        for proc in self.procs[:1]:
            try:
                root = psutil.Process(proc.pid)
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        t = p.cpu_times()
                        total += t.user + t.system
            except psutil.Error:
                pass
        return total

    def rss_mb(self) -> float:
        import psutil

        total = 0
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self.procs[0].pid)
            for p in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
        return total / 2**20

    def redis_used(self) -> int | None:
        if not self.redis_url:
            return None
        import redis

        return int(redis.Redis.from_url(self.redis_url).info("memory")["used_memory"])

    def stop(self) -> None:
        from scripts import serve

        serve.stop(*self.procs)
        for fn in reversed(self.cleanup):
            with contextlib.suppress(Exception):
                fn()


def _own_redis(tmp: Path) -> tuple[str, subprocess.Popen[Any]]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--bind",
            "127.0.0.1",
            "--dir",
            str(tmp),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    import redis

    for _ in range(100):
        with contextlib.suppress(redis.ConnectionError):
            if redis.Redis(port=port).ping():
                break
        time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0", proc


def _own_postgres() -> tuple[str, Any]:
    from tests.postgres import own_database

    server = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    return own_database(os.environ.get("BENCH_DATABASE_URL", server), "webcert_bench_")


def _reflex_env() -> None:
    """What the Makefile exports for Reflex builds, when run outside make."""
    bun = ROOT / ".tools" / "bun" / "node_modules" / ".bin"
    if str(bun) not in os.environ.get("PATH", ""):
        os.environ["PATH"] = f"{bun}:{os.environ.get('PATH', '')}"
    os.environ.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
    os.environ.setdefault("REFLEX_DIR", str(ROOT / ".tools" / "reflex"))
    os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
    if "NPM_CONFIG_REGISTRY" not in os.environ:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            registry = subprocess.run(
                ["npm", "config", "get", "registry"], capture_output=True, text=True, timeout=30
            ).stdout.strip()
            if registry:
                os.environ["NPM_CONFIG_REGISTRY"] = registry


def start_server(target: str, mode: str) -> Server:
    from scripts import serve

    _reflex_env()

    tmp = Path(tempfile.mkdtemp(prefix=f"bench-load-{target}-{mode}-"))
    cleanup: list[Any] = [lambda: shutil.rmtree(tmp, ignore_errors=True)]
    redis_url = None
    procs: list[subprocess.Popen[Any]] = []
    extra: dict[str, str] = {}
    if mode == "2w":
        redis_url, redis_proc = _own_redis(tmp)
        cleanup.append(lambda: (redis_proc.terminate(), redis_proc.wait(10)))
        extra.update(
            {
                "REDIS_URL": redis_url,
                "WEBCERT_REDIS_URL": redis_url,
                "REFLEX_REDIS_URL": redis_url,
                "GRANIAN_WORKERS": "2",
            }
        )
    port = _free_port()
    if target == "ours":
        from services.persistence.migrate import upgrade

        if mode == "2w":
            db_url, drop = _own_postgres()
            cleanup.append(drop)
        else:
            db_url = f"sqlite:///{tmp / 'bench.db'}"
        upgrade(db_url)
        extra.update(
            {
                "WEBCERT_DATABASE_URL": db_url,
                "WEBCERT_EHR_API_KEYS": f"demo-ehr:{API_KEY}",
                "WEBCERT_LAUNCH_TOKEN_SECRET": "bench-load-secret-bench-load-secret",
                "WEBCERT_TESTABILITY_ENABLED": "true",  # (development secrets allowed)
                # a morning of logins in seconds: no limit on launches and API calls here
                "WEBCERT_RATE_LIMIT_LAUNCH": "1000000/minute",
                "WEBCERT_RATE_LIMIT_API": "1000000/minute",
                # no EHR takes the notifications in this benchmark: they wait in the outbox
                "WEBCERT_NOTIFICATION_POLL_SECONDS": "5",
            }
        )
        app, sims = serve.start(
            port, port + 1, extra_env=extra, log_dir=tmp, workers=2 if mode == "2w" else None
        )
        procs = [app, sims]
    else:
        env = serve.build_env(port, None, extra, workers=2 if mode == "2w" else None)
        if mode != "2w":
            env.pop("REFLEX_REDIS_URL", None)
        log = open(tmp / "floor.log", "w")
        app = subprocess.Popen(
            serve.reflex_run(port),
            cwd=ROOT / "bench" / "floor_app",
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        serve.wait_for(f"http://127.0.0.1:{port}/ping", 300, app)
        procs = [app]
    return Server(target, mode, f"http://127.0.0.1:{port}", procs, redis_url, cleanup)


# --- one level of load -------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def _profile(server: Server, n: int, duration: float) -> subprocess.Popen[Any] | None:
    """With BENCH_PYSPY=<py-spy binary>: sample the app (and its worker processes) during the
    measured window into artifacts/profile-<target>-<mode>-<N>.txt (py-spy's raw format: one
    stack and its count a line) — what each event costs the server, not the set-up."""
    spy = os.environ.get("BENCH_PYSPY")
    if not spy:
        return None
    out = ROOT / "artifacts" / f"profile-{server.target}-{server.mode}-{n}.txt"
    out.parent.mkdir(exist_ok=True)
    command = [spy, "record", "--pid", str(server.procs[0].pid), "--subprocesses", "--nonblocking"]
    command += ["--duration", str(int(duration)), "--rate", "100", "--format", "raw"]
    return subprocess.Popen([*command, "--output", str(out)], stdout=subprocess.DEVNULL)


def run_level(
    server: Server, n: int, *, procs: int, duration: float, warmup: float, sign_share: float
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    procs = max(1, min(procs, n))
    ready = ctx.Barrier(procs + 1)
    out = ctx.Queue()
    gos = [ctx.Queue() for _ in range(procs)]
    shares = [n // procs + (1 if k < n % procs else 0) for k in range(procs)]
    redis_before = server.redis_used()
    workers = []
    first = 0
    for k, count in enumerate(shares):
        signers = round(count * sign_share) if server.target == "ours" else 0
        args = (
            first + random.randrange(10**6) * 1000,
            count,
            server.base_url,
            server.target,
            signers,
            ready,
            gos[k],
            out,
        )
        proc = ctx.Process(target=_client_process, args=(args,), daemon=True)
        proc.start()
        workers.append(proc)
        first += count
    opened_at = time.time()
    ready.wait(timeout=max(300, n * 1.0))
    open_s = time.time() - opened_at
    redis_open = server.redis_used()
    start_at = time.time() + 0.5
    warm = start_at + 1 + warmup
    end = warm + duration
    for q in gos:
        q.put((start_at, warm, end))
    time.sleep(max(0.0, warm - time.time()))
    cpu0 = server.cpu_seconds()
    profiler = _profile(server, n, duration)
    time.sleep(max(0.0, end - time.time()))
    cpu1 = server.cpu_seconds()
    if profiler is not None:
        profiler.wait(timeout=60)
    load1 = os.getloadavg()[0]
    results: list[ClientResult] = [out.get(timeout=TIMEOUT * 3 + 60) for _ in workers]
    for proc in workers:
        proc.join(timeout=30)
    samples = [s for r in results for s in r.samples if s.kind != "sign"]
    answered = [s.rtt_ms for s in samples if s.rtt_ms is not None]
    stored = [ms for r in results for ms in r.stored]
    signs = [s.rtt_ms for r in results for s in r.samples if s.kind == "sign" and s.rtt_ms]
    errors: dict[str, int] = {}
    for r in results:
        for k, v in r.errors.items():
            errors[k] = errors.get(k, 0) + v
    row = {
        "n": n,
        "opened": sum(r.opened for r in results),
        "open_s": open_s,
        "events_s": len(answered) / duration,
        "p50": percentile(answered, 50),
        "p95": percentile(answered, 95),
        "p99": percentile(answered, 99),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "cpu_ms": (cpu1 - cpu0) * 1000 / max(1, len(answered)),
        "cpu_pct": (cpu1 - cpu0) / duration * 100,
        "stored_p50": percentile(stored, 50) if stored else None,
        "stored_p95": percentile(stored, 95) if stored else None,
        "sign_p50": percentile(signs, 50) if signs else None,
        "lag_ms": max(r.max_lag_ms for r in results),
        "load1": load1,
        "rss_mb": server.rss_mb(),
    }
    if redis_before is not None and redis_open is not None:
        row["redis_per_tab_kb"] = (redis_open - redis_before) / max(1, row["opened"]) / 1024
    return row


HEADER = (
    f"{'N':>5} {'ev/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'err':>4} {'CPU/ev':>7} {'srvCPU':>7}"
    f" {'stored p50/p95':>15} {'lag':>6} {'load':>5} {'RSS':>6}"
)


def fmt(row: dict[str, Any]) -> str:
    stored = (
        f"{row['stored_p50']:6.0f}/{row['stored_p95']:<6.0f}ms"
        if row.get("stored_p50")
        else " " * 15
    )
    line = (
        f"{row['n']:>5} {row['events_s']:7.1f} {row['p50']:5.0f}ms {row['p95']:5.0f}ms"
        f" {row['p99']:5.0f}ms {row['errors']:>4} {row['cpu_ms']:5.1f}ms {row['cpu_pct']:6.0f}%"
        f" {stored} {row['lag_ms']:4.0f}ms {row['load1']:5.1f} {row['rss_mb']:5.0f}M"
    )
    if row.get("redis_per_tab_kb") is not None:
        line += f"  Redis {row['redis_per_tab_kb']:.1f} KB/tab"
    if row.get("sign_p50"):
        line += f"  sign p50 {row['sign_p50']:.0f}ms"
    if row["errors"]:
        line += f"  {row['error_kinds']}"
    if row["opened"] < row["n"]:
        line += f"  (only {row['opened']} opened)"
    return line


def knee(rows: list[dict[str, Any]]) -> str:
    ok = [r["n"] for r in rows if r["p95"] <= GOAL_MS and r["opened"] == r["n"]]
    over = [r["n"] for r in rows if r["p95"] > GOAL_MS or r["opened"] < r["n"]]
    low = max(ok) if ok else 0
    high = min((o for o in over if o > low), default=None)
    return f"{low}–{high}" if high else f"> {low}"


def knee_low(rows: list[dict[str, Any]]) -> int:
    ok = [r["n"] for r in rows if r["p95"] <= GOAL_MS and r["opened"] == r["n"]]
    return max(ok) if ok else 0


def overload_drill(server: Server, knee_n: int, args: argparse.Namespace) -> None:
    """Baseline, an overload at 2× the knee, then the baseline again: back within a minute?"""
    base_n = 25
    kw = dict(procs=args.procs, warmup=2, sign_share=0.0)
    base = run_level(server, base_n, duration=15, **kw)
    print(f"  baseline  {fmt(base)}", flush=True)
    idle0 = _idle_cpu(server)
    heavy = run_level(server, max(2 * knee_n, 100), duration=20, **kw)
    print(f"  overload  {fmt(heavy)}", flush=True)
    t_end = time.time()
    for _k in range(6):
        row = run_level(server, base_n, duration=10, **kw)
        since = time.time() - t_end
        print(f"  +{since:4.0f}s    {fmt(row)}", flush=True)
        if row["p95"] <= max(1.5 * base["p95"], base["p95"] + 20):
            print(f"  back at the baseline p95 ({base['p95']:.0f} ms) after {since:.0f} s")
            break
    idle1 = _idle_cpu(server)
    print(
        f"  idle server CPU before/after: {idle0:.1f}% / {idle1:.1f}%;"
        f" RSS {server.rss_mb():.0f} MB",
        flush=True,
    )


def _idle_cpu(server: Server, seconds: float = 10) -> float:
    c0 = server.cpu_seconds()
    time.sleep(seconds)
    return (server.cpu_seconds() - c0) / seconds * 100


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--levels", default="50,100,150,200,300,400,500,750,1000,1250,1500,2000")
    parser.add_argument("--modes", default="1w,2w")
    parser.add_argument("--targets", default="floor,ours")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per level")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--procs", type=int, default=2, help="load client processes")
    parser.add_argument("--sign-share", type=float, default=0.1)
    parser.add_argument("--no-drill", action="store_true", help="skip the after-overload drill")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    knees: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for mode in args.modes.split(","):
        for target in args.targets.split(","):
            label = {"1w": "1 worker, SQLite", "2w": "2 workers, PostgreSQL + Redis"}[mode]
            what = "bare Reflex (floor)" if target == "floor" else "Webcert (ours)"
            print(f"\n== {what}, {label}", flush=True)
            server = start_server(target, mode)
            rows: list[dict[str, Any]] = []
            try:
                print(HEADER, flush=True)
                for n in levels:
                    row = run_level(
                        server,
                        n,
                        procs=args.procs,
                        duration=args.duration,
                        warmup=args.warmup,
                        sign_share=args.sign_share,
                    )
                    rows.append(row)
                    print(fmt(row), flush=True)
                    if row["p95"] > GOAL_MS or row["opened"] < n:
                        break
                knees[(mode, target)] = rows
                if target == "ours" and not args.no_drill:
                    print("after-overload drill:", flush=True)
                    overload_drill(server, knee_low(rows) or 50, args)
            finally:
                server.stop()
    print(f"\nknee = the N where p95 passes {GOAL_MS:.0f} ms (last N under it – first N over it)")
    for mode in args.modes.split(","):
        ours, floor = knees.get((mode, "ours")), knees.get((mode, "floor"))
        line = (
            f"  {mode}: ours {knee(ours) if ours else '-'}   floor {knee(floor) if floor else '-'}"
        )
        if ours and floor and knee_low(floor):
            line += f"   ratio {knee_low(ours) / knee_low(floor):.0%} (goal ≥ 60 %)"
        print(line)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    sys.exit(main())

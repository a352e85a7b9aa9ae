"""End-to-end fixtures: the real app (production build) with its simulators, in Chromium.

The app is started once per test session by scripts/serve.py — exactly what `make run`
does — on free ports with a fresh SQLite database and the testability API on.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts import serve
from services.settings import PROJECT_ROOT as ROOT
from tests.factories import DOCTOR, TOLVAN, UNIT, draft_request, launch_request

SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def _free_port_block(n: int) -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n < 65000 and all(_free(base + i) for i in range(n)):
            return base
    raise RuntimeError("no free ports")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class App:
    def __init__(self, base_url: str, ehr_api_key: str, sim_base: int = 0) -> None:
        self.base_url = base_url
        self.ehr_url = f"http://127.0.0.1:{sim_base + 4}"  # the demo journalsystem
        self.fk_url = f"http://127.0.0.1:{sim_base + 2}"
        self.api = httpx.Client(base_url=base_url, timeout=30)
        self.db_url = ""
        self.log_dir: Path | None = None  # the app's and the simulators' logs
        self.ehr_headers = {"x-api-key": ehr_api_key}

    def create_draft(
        self, cert_type: str = "fk7804", pnr: str = TOLVAN, user: str = DOCTOR, unit: str = UNIT
    ) -> str:
        r = self.api.post(
            "/api/v1/certificates",
            json=draft_request(cert_type, pnr=pnr, user=user, unit=unit),
            headers=self.ehr_headers,
        )
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def deep_link(self, cert_id: str, user: str = DOCTOR, unit: str | None = UNIT, **params) -> str:
        # §3.2 parameters travel inside the signed launch token
        body = launch_request(cert_id, user=user, unit=unit, **params)
        r = self.api.post("/api/v1/launch-tokens", json=body, headers=self.ehr_headers)
        assert r.status_code == 200, r.text
        return r.json()["url"]

    def ehr_get(self, path: str, **params: str) -> httpx.Response:
        """A GET on Webcert's EHR API, as the demo EHR system (its API key)."""
        return self.api.get(path, params=params, headers=self.ehr_headers)

    def testability(self, path: str, body: dict) -> httpx.Response:
        return self.api.post("/testability" + path, json=body)


@contextlib.contextmanager
def running_app(
    tmp: Path,
    key: str,
    *,
    secret: str = "e2e-secret",
    extra_env: dict[str, str] | None = None,
    serve_module: Any = serve,
    keep_logs: str | None = None,
) -> Iterator[App]:
    """The app (production build, as ``make run`` starts it) with its simulators on free ports,
    a fresh migrated SQLite database in ``tmp``, the testability API on and the EHR API key
    ``key``; stopped on leaving. ``keep_logs``: copy the logs to artifacts/logs with that prefix.
    """
    from services.persistence.migrate import upgrade

    db_url = f"sqlite:///{tmp / 'app.db'}"
    base = _free_port_block(7)
    port, sim_base = base, base + 1
    env = {
        "WEBCERT_DATABASE_URL": db_url,
        "WEBCERT_TESTABILITY_ENABLED": "true",
        "WEBCERT_EHR_API_KEYS": f"demo-ehr:{key}",
        "WEBCERT_LAUNCH_TOKEN_SECRET": secret,
        **(extra_env or {}),
    }
    upgrade(db_url)
    app, sims = serve_module.start(port, sim_base, extra_env=env, log_dir=tmp)
    try:
        running = App(f"http://127.0.0.1:{port}", key, sim_base)
        running.db_url = db_url  # the app's database (e.g. to verify the PDL log's chain)
        running.log_dir = tmp
        yield running
    finally:
        serve_module.stop(app, sims)
        if keep_logs is not None:
            dest = ROOT / "artifacts" / "logs"
            dest.mkdir(parents=True, exist_ok=True)
            for log in tmp.glob("*.log"):
                shutil.copy(log, dest / f"{keep_logs}{log.name}")


# The whole suite talks from one address; the limits themselves: tests/security.
NO_RATE_LIMITS = {
    "WEBCERT_RATE_LIMIT_API": "100000/minute",
    "WEBCERT_RATE_LIMIT_LAUNCH": "100000/minute",
}


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is required for e2e tests (make test installs it)")
    tmp = tmp_path_factory.mktemp("app")
    with running_app(tmp, "e2e-key", extra_env=NO_RATE_LIMITS, keep_logs="") as app:
        yield app


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "sv-SE"}


@pytest.fixture
def shot(page):
    """Save a screenshot under artifacts/screenshots (kept by CI) and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


os.environ.setdefault("PW_TEST_SCREENSHOT_DIR", str(SCREENSHOTS))


# --- a second instance: 2 backend workers sharing Redis (live collaboration across workers) ---
E2E_REDIS_URL = "redis://127.0.0.1:6379/5"  # a database of these tests' own


def _private_tree(root: Path) -> Path:
    """A copy of the tree for a second app instance.

    ``reflex run`` bakes the backend URL (port) into ``.web`` of the folder it runs in, so a
    second instance started from the same tree would rebuild the first one's frontend under
    it. The copy is kept between runs (next to the tree) so its ``.web`` build is reused.
    """
    import hashlib
    import subprocess
    import tempfile

    digest = hashlib.sha1(str(root).encode()).hexdigest()[:8]
    dst = Path(tempfile.gettempdir()) / f"webcert-redis-instance-{digest}"
    dst.mkdir(parents=True, exist_ok=True)
    excludes = [".venv", ".web", ".tools", ".git", "var", "artifacts", "__pycache__"]
    subprocess.run(
        ["rsync", "-a", "--delete", *[f"--exclude={e}" for e in excludes], f"{root}/", f"{dst}/"],
        check=True,
    )
    for link in (".venv", ".tools"):
        target, path = root / link, dst / link
        if target.exists() and not path.is_symlink():
            path.symlink_to(target)
    return dst


@pytest.fixture(scope="session")
def app_server_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app with REDIS_URL set: two granian workers, Reflex's Redis state manager and the
    registries in Redis — started from a private copy of the tree on other free ports."""
    import importlib.util

    from tests.conftest import redis_available, require_or_skip

    require_or_skip(redis_available(), "Redis at 127.0.0.1:6379")
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is required for e2e tests (make test installs it)")
    import redis

    redis.Redis.from_url(E2E_REDIS_URL).flushdb()
    tree = _private_tree(ROOT)
    spec = importlib.util.spec_from_file_location("serve_redis_instance", tree / "scripts/serve.py")
    assert spec is not None and spec.loader is not None
    serve_copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve_copy)
    assert serve_copy.ROOT == tree
    tmp = tmp_path_factory.mktemp("app-redis")
    redis_env = {
        **NO_RATE_LIMITS,
        "REDIS_URL": E2E_REDIS_URL,
        "WEBCERT_REDIS_URL": E2E_REDIS_URL,
        "GRANIAN_WORKERS": "2",
    }
    with running_app(
        tmp, "e2e-key", extra_env=redis_env, serve_module=serve_copy, keep_logs="redis-"
    ) as app:
        yield app


LOG_TAIL_LINES = 60


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed e2e test shows the end of the app's logs (CI keeps nothing else)."""
    report = yield
    app = getattr(item, "funcargs", {}).get("app_server")
    if report.failed and isinstance(app, App) and app.log_dir is not None:
        for log in sorted(app.log_dir.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
            if lines:
                report.sections.append((f"app log {log.name} (last lines)", "\n".join(lines)))
    return report

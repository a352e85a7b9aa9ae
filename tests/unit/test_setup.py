"""Issue 16 item 6, fast set-up: the lock files (runtime vs dev group), uv given pip's index."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from scripts import uv_env

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = {"pytest", "playwright", "schemathesis", "ruff", "weasyprint", "hypothesis", "pypdf"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if m := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line):
            pins[_norm(m[1])] = m[2]
    return pins


def _names(requirements: list[str]) -> set[str]:
    return {_norm(re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0]) for r in requirements}


def test_runtime_lock_has_the_app_dependencies_and_no_dev_tools() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime, dev = _pins(ROOT / "requirements.txt"), _pins(ROOT / "requirements-dev.txt")
    assert _names(project["project"]["dependencies"]) <= set(runtime)
    assert _names(project["dependency-groups"]["dev"]) <= set(dev)
    assert DEV_ONLY <= set(dev) and not DEV_ONLY & set(runtime)
    assert "selenium" not in runtime and "selenium" not in dev  # unused (reflex[testing])
    # one version of each package, whichever file installs it
    assert {name: dev[name] for name in runtime if name in dev} == runtime
    assert set(runtime) <= set(dev)


def test_lock_files_name_no_index() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        text = (ROOT / name).read_text()
        assert "://" not in text and "--index-url" not in text, name


def test_uv_gets_the_index_pip_is_configured_with() -> None:
    config = {
        "global.index-url": "https://global.invalid/simple",
        ":env:.index-url": "https://from-env.invalid/simple",
        "global.extra-index-url": "file:///srv/a/simple\nfile:///srv/b/simple",
        "global.find-links": "/srv/wheels",
        "global.cert": "/etc/ca.pem",
    }
    env = uv_env.uv_environment(config, {"PATH": "/bin"})
    assert env["UV_DEFAULT_INDEX"] == "https://from-env.invalid/simple"  # PIP_INDEX_URL wins
    assert env["UV_INDEX"] == "file:///srv/a/simple file:///srv/b/simple"
    assert env["UV_INDEX_STRATEGY"] == "unsafe-best-match"
    assert env["UV_FIND_LINKS"] == "/srv/wheels" and env["SSL_CERT_FILE"] == "/etc/ca.pem"
    # uv's own settings win; no pip configuration: uv's defaults, nothing added
    mine = uv_env.uv_environment(config, {"UV_DEFAULT_INDEX": "https://mine.invalid/simple"})
    assert mine["UV_DEFAULT_INDEX"] == "https://mine.invalid/simple" and "UV_INDEX" not in mine
    assert uv_env.uv_environment({}, {"PATH": "/bin"}) == {"PATH": "/bin"}

"""Run a uv command with the package index pip is configured with.

uv does not read pip's configuration (pip.conf, ``PIP_*`` variables). So that ``make`` installs
from the same registry as pip on every machine without naming one anywhere, this reads
``python3 -m pip config list`` and hands uv what pip would use: the index (``UV_DEFAULT_INDEX``),
extra indexes (``UV_INDEX``, searched like pip does: best match over all indexes), find-links
(``UV_FIND_LINKS``) and the CA bundle (``SSL_CERT_FILE``). A ``UV_*`` setting already in the
environment wins. Standard library only: it runs before the virtual environment exists.

Usage: ``python3 scripts/uv_env.py .tools/uv/bin/uv pip sync requirements.txt``
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

# pip's precedence for `pip install`: PIP_* variables, then [install], then [global].
_SECTIONS = (":env:", "install", "global")


def pip_config() -> dict[str, str]:
    """``pip config list`` as a dict (empty when pip is missing or has no configuration)."""
    try:
        out = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    config: dict[str, str] = {}
    for line in out.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        try:
            config[key] = str(ast.literal_eval(value))
        except (ValueError, SyntaxError):
            config[key] = value.strip("'\"")
    return config


def pip_setting(config: dict[str, str], name: str) -> list[str]:
    """The whitespace-separated values pip uses for ``name`` (e.g. ``index-url``)."""
    for section in _SECTIONS:
        value = config.get(f"{section}.{name}")
        if value is not None:
            return value.split()
    return []


def uv_environment(config: dict[str, str], env: dict[str, str]) -> dict[str, str]:
    """``env`` plus the uv settings that make uv use pip's index, extra indexes and CA bundle."""
    env = dict(env)
    uv_settings = ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_INDEX", "UV_EXTRA_INDEX_URL")
    if not any(key in env for key in uv_settings):
        if index := pip_setting(config, "index-url"):
            env["UV_DEFAULT_INDEX"] = index[0]
        if extra := pip_setting(config, "extra-index-url"):
            env["UV_INDEX"] = " ".join(extra)
            # pip picks the best version over all its indexes; uv by default stops at the
            # first index that has the package.
            env.setdefault("UV_INDEX_STRATEGY", "unsafe-best-match")
    if "UV_FIND_LINKS" not in env and (links := pip_setting(config, "find-links")):
        env["UV_FIND_LINKS"] = ",".join(links)
    if "SSL_CERT_FILE" not in env and (cert := pip_setting(config, "cert")):
        env["SSL_CERT_FILE"] = cert[0]
    return env


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    env = uv_environment(pip_config(), dict(os.environ))
    os.execvpe(sys.argv[1], sys.argv[1:], env)


if __name__ == "__main__":
    main()

"""`reflex run --env prod` that reuses the compiled frontend while its sources are unchanged.

Reflex compiles the app and runs the frontend build (Vite) on every ``reflex run --env prod``,
even when the sources are the same as last time. This wrapper fingerprints what the build is
made from — the app's sources and assets, ``rxconfig.py``, ``reflex.lock/``, the installed
packages' versions, the build-relevant environment (``REFLEX_*``, ``WEBCERT_*``, the database and
Redis URLs) and the command line (the port is baked into the build) — and stores the fingerprint
next to the build in ``.web``. When the fingerprint matches and the build is there, Reflex's
compile and frontend build are skipped and the backend serves the existing build; otherwise
Reflex builds as usual and the fingerprint is written after the build succeeded.

Used by scripts/serve.py (so ``make run`` and the end-to-end tests). Arguments are those of
``reflex run``. ``WEBCERT_FORCE_FRONTEND_BUILD=1`` always rebuilds.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = ROOT / ".web"
STAMP = WEB_DIR / "webcert-build.sha256"
BUILD_OUTPUT = WEB_DIR / "build" / "client" / "index.html"

# What the compiled frontend is made from (everything the app module imports lives here).
SOURCE_DIRS = ("webcert_ui", "components", "state", "services", "assets", "reflex.lock")
SOURCE_FILES = ("rxconfig.py",)
ENV_PREFIXES = ("REFLEX_", "WEBCERT_", "VITE_")
ENV_NAMES = ("DATABASE_URL", "REDIS_URL", "NODE_ENV")
# Set by Reflex itself while it runs, or not about the build.
ENV_IGNORED = ("REFLEX_SKIP_COMPILE", "REFLEX_MOUNT_FRONTEND_COMPILED_APP", "REFLEX_ENV_MODE")
SKIPPED_PARTS = {"__pycache__", "node_modules", ".web", ".states"}


def source_files(root: Path = ROOT) -> list[Path]:
    """The files the frontend build depends on, in a stable order."""
    files = [root / name for name in SOURCE_FILES if (root / name).is_file()]
    for name in SOURCE_DIRS:
        base = root / name
        if base.is_dir():
            files.extend(
                p
                for p in base.rglob("*")
                if p.is_file() and not SKIPPED_PARTS.intersection(p.relative_to(root).parts)
            )
    return sorted(files)


def installed_packages() -> list[str]:
    """``name-version`` of every installed distribution (from the ``.dist-info`` folders)."""
    found: set[str] = set()
    for entry in sys.path:
        path = Path(entry or ".")
        if path.is_dir():
            found.update(p.name for p in path.glob("*.dist-info"))
    return sorted(found)


def fingerprint(
    args: Iterable[str],
    env: Mapping[str, str],
    root: Path = ROOT,
    packages: Iterable[str] | None = None,
) -> str:
    """A hash of everything the compiled frontend depends on."""
    digest = hashlib.sha256()

    def add(label: str, value: bytes | str) -> None:
        data = value.encode() if isinstance(value, str) else value
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("python", sys.version)
    for arg in args:
        add("arg", arg)
    for key in sorted(env):
        relevant = key.startswith(ENV_PREFIXES) or key in ENV_NAMES
        if relevant and key not in ENV_IGNORED:
            add(f"env:{key}", env[key])
    for name in installed_packages() if packages is None else packages:
        add("package", name)
    for path in source_files(root):
        add(f"file:{path.relative_to(root).as_posix()}", path.read_bytes())
    return digest.hexdigest()


def build_is_current(stamp: Path, output: Path, expected: str) -> bool:
    """True when the stored fingerprint is ``expected`` and the build it describes exists."""
    try:
        return output.is_file() and stamp.read_text().strip() == expected
    except OSError:
        return False


def npm_registry() -> str | None:
    """The registry npm is configured with (bun, which Reflex installs the frontend packages
    with, is handed the same one; otherwise Reflex may race it against an unreachable mirror)."""
    try:
        out = subprocess.run(
            ["npm", "config", "get", "registry"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def main(argv: list[str]) -> None:
    import reflex.reflex
    import reflex.utils.build

    expected = fingerprint(argv, os.environ)
    force = os.environ.get("WEBCERT_FORCE_FRONTEND_BUILD", "").lower() in ("1", "true", "yes")
    if not force and build_is_current(STAMP, BUILD_OUTPUT, expected):
        print("Frontend oförändrat: återanvänder bygget i .web/build", flush=True)

        def skip_compile(*_args: Any, **_kwargs: Any) -> None:
            return None

        # The two steps of Reflex's `_run_prod` that compile the app and build the frontend.
        reflex.reflex._compile_app = skip_compile
        reflex.utils.build.setup_frontend_prod = skip_compile
    else:
        if "NPM_CONFIG_REGISTRY" not in os.environ and (registry := npm_registry()):
            os.environ["NPM_CONFIG_REGISTRY"] = registry
        compile_app = reflex.reflex._compile_app
        build_frontend = reflex.utils.build.setup_frontend_prod

        def compile_unstamped(*args: Any, **kwargs: Any) -> None:
            # From here on .web no longer holds the stamped build (a backend-only run, which
            # compiles nothing, leaves the stamp alone).
            STAMP.unlink(missing_ok=True)
            compile_app(*args, **kwargs)

        def build_and_stamp(root: Path) -> None:
            build_frontend(root)
            STAMP.write_text(expected + "\n")

        reflex.reflex._compile_app = compile_unstamped
        reflex.utils.build.setup_frontend_prod = build_and_stamp

    reflex.reflex.cli(["run", *argv], prog_name="reflex")


if __name__ == "__main__":
    main(sys.argv[1:])

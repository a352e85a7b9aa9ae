"""Issue 16 item 6, fast set-up: the lock files (runtime vs dev group), uv given pip's index, the
reuse of the compiled frontend, and the cheap checks a second `make run` makes instead of
importing Alembic and the services."""

from __future__ import annotations

import inspect
import re
import sqlite3
import tomllib
from pathlib import Path

import pytest

from scripts import reflex_prod, uv_env
from services import seed
from services.persistence import migrate, sqlite_probe
from services.settings import PROJECT_ROOT as ROOT

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


def _write(root: Path, files: dict[str, str]) -> Path:
    """``files`` (path below ``root`` → text) written, folders made as needed."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _tree(root: Path) -> Path:
    return _write(
        root,
        {
            "rxconfig.py": "config = 1\n",
            "webcert_ui/webcert_ui.py": "app = 1\n",
            "services/x.py": "X = 1\n",
            "assets/style.css": "body {}\n",
            "reflex.lock/package.json": "{}\n",
            "scripts/serve.py": "# not part of the build\n",
        },
    )


def test_frontend_fingerprint_follows_what_the_build_is_made_of(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    args, env, pkgs = (
        ["--backend-port", "3000"],
        {"WEBCERT_X": "1", "PATH": "/a"},
        ["reflex-0.10.1"],
    )
    base = reflex_prod.fingerprint(args, env, root, pkgs)
    assert reflex_prod.fingerprint(args, env, root, pkgs) == base
    # not about the build: other variables, scripts, byte code
    assert reflex_prod.fingerprint(args, {**env, "PATH": "/b", "HOME": "/h"}, root, pkgs) == base
    (root / "scripts/serve.py").write_text("# changed\n")
    (root / "services/__pycache__").mkdir()
    (root / "services/__pycache__/x.cpython-311.pyc").write_bytes(b"\0")
    assert reflex_prod.fingerprint(args, env, root, pkgs) == base
    # about the build: the port, settings, packages, sources, assets, the frontend lock
    assert reflex_prod.fingerprint(["--backend-port", "3001"], env, root, pkgs) != base
    assert reflex_prod.fingerprint(args, {**env, "WEBCERT_X": "2"}, root, pkgs) != base
    assert reflex_prod.fingerprint(args, {**env, "REFLEX_API_URL": "u"}, root, pkgs) != base
    assert reflex_prod.fingerprint(args, env, root, ["reflex-0.10.2"]) != base
    for name in ("services/x.py", "assets/style.css", "reflex.lock/package.json", "rxconfig.py"):
        before = (root / name).read_text()
        (root / name).write_text(before + " ")
        assert reflex_prod.fingerprint(args, env, root, pkgs) != base, name
        (root / name).write_text(before)
    (root / "services/new.py").write_text("")
    assert reflex_prod.fingerprint(args, env, root, pkgs) != base


def test_build_is_reused_only_when_stamp_matches_and_build_exists(tmp_path: Path) -> None:
    stamp, output = tmp_path / "stamp", tmp_path / "build/client/index.html"
    assert not reflex_prod.build_is_current(stamp, output, "abc")
    stamp.write_text("abc\n")
    assert not reflex_prod.build_is_current(stamp, output, "abc")  # no build
    output.parent.mkdir(parents=True)
    output.write_text("<html>")
    assert reflex_prod.build_is_current(stamp, output, "abc")
    assert not reflex_prod.build_is_current(stamp, output, "abd")


def test_reflex_private_steps_the_reuse_skips_still_exist() -> None:
    """scripts/reflex_prod.py replaces these two steps of Reflex's prod run; a Reflex upgrade
    that renames or moves them must fail here, not silently rebuild (or serve a stale build)."""
    import reflex.reflex
    import reflex.utils.build

    source = inspect.getsource(reflex.reflex._run_prod)
    assert "_compile_app(" in source and "build.setup_frontend_prod(" in source
    assert callable(reflex.reflex._compile_app)
    assert callable(reflex.utils.build.setup_frontend_prod)
    assert callable(reflex.reflex.cli)


def _sqlite(path: Path, *statements: str) -> str:
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
    return f"sqlite:///{path}"


def test_migration_check_without_alembic(tmp_path: Path) -> None:
    (head,) = migrate.head_revisions()
    assert head.startswith(sorted(p.name for p in migrate.VERSIONS.glob("0*.py"))[-1][:4])
    current = _sqlite(
        tmp_path / "a.db",
        "CREATE TABLE alembic_version (version_num TEXT)",
        f"INSERT INTO alembic_version VALUES ('{head}')",
    )
    old = _sqlite(
        tmp_path / "b.db",
        "CREATE TABLE alembic_version (version_num TEXT)",
        "INSERT INTO alembic_version VALUES ('0001')",
    )
    empty = _sqlite(tmp_path / "c.db", "CREATE TABLE other (x)")
    assert migrate.at_head(current)
    assert not migrate.at_head(old) and not migrate.at_head(empty)
    assert not migrate.at_head(f"sqlite:///{tmp_path / 'missing.db'}")
    assert not migrate.at_head("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_merge_migrations_have_no_parent_head(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "a.py": 'revision = "a"\ndown_revision = None\n',
            "b.py": 'revision: str = "b"\ndown_revision: str | None = "a"\n',
            "c.py": "revision = 'c'\ndown_revision = 'a'\n",
            "m.py": 'revision = "m"\ndown_revision = ("b", "c")\n',
        },
    )
    assert migrate.head_revisions(tmp_path) == {"m"}


def test_seed_check_without_the_services(tmp_path: Path) -> None:
    from services.persistence.models import Certificate

    assert seed.CERTIFICATE_TABLE == Certificate.__tablename__
    table = f"CREATE TABLE {seed.CERTIFICATE_TABLE} (id TEXT)"
    assert not seed.already_seeded(_sqlite(tmp_path / "a.db", table))
    filled = _sqlite(tmp_path / "b.db", table, f"INSERT INTO {seed.CERTIFICATE_TABLE} VALUES ('x')")
    assert seed.already_seeded(filled)
    assert not seed.already_seeded("postgresql+psycopg://nobody@127.0.0.1:1/none")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////abs/w.db", Path("/abs/w.db")),
        ("sqlite:///rel/w.db?timeout=3", Path("rel/w.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql://x/y", None),
    ],
)
def test_sqlite_file(url: str, expected: Path | None) -> None:
    assert sqlite_probe.sqlite_file(url) == expected


def test_printing_imports_no_pdf_library_until_a_print() -> None:
    """fpdf2 + fontTools are a fifth of the app's import: the app must not pay for them at start
    (the start-up job loads them in the background)."""
    import subprocess
    import sys

    code = (
        "import sys, services.printing, services.ehr_api, services.jobs;"
        "print(sorted(m for m in ('fpdf', 'fontTools') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"

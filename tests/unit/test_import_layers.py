"""The layers hold: no import circles among the app's modules, and services/ imports no UI layer.

Every ``import`` in services/, state/, components/ and webcert_ui/ counts, also the late ones
inside functions (a late import hides a circle, it does not remove it). A package importing its
own submodules (``services.certificates`` → ``services.certificates.fk7804``) is not a circle.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from services.settings import PROJECT_ROOT as ROOT

PACKAGES = ("services", "state", "components", "webcert_ui")
UI_LAYERS = ("reflex", "state", "components", "webcert_ui")
# Leaf modules any layer may import: they import no module of the app but other leaves.
LEAVES = ("services.routes", "services.roles", "services.localtime", "services.labelled")

# Circles still being untied. The list may only shrink: test_known_circles_still_exist fails
# once one is gone, so that it is removed from here. (Issue 16 untied the last ones.)
KNOWN_CIRCLES: list[frozenset[str]] = []


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            name = ".".join(f.relative_to(ROOT).with_suffix("").parts)
            mods[name.removesuffix(".__init__")] = f
    return mods


def _targets(mods: dict[str, Path], module: str, node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        if mods[module].name != "__init__.py":
            parts = parts[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join(parts + ([base] if base else []))
    return [base, *(f"{base}.{a.name}" for a in node.names)]


@functools.cache
def _graph() -> tuple[dict[str, set[str]], list[str]]:
    """module → the app modules it imports; and the UI imports found in services/."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    wrong_layer = []
    for module, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(mods, module, node):
                if module.startswith("services") and target.split(".")[0] in UI_LAYERS:
                    wrong_layer.append(f"{module} imports {target}")
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if target and target != module:
                    graph[module].add(target)
    return graph, wrong_layer


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Kosaraju: the groups of modules that all reach each other."""
    order: list[str] = []
    seen: set[str] = set()
    for start in graph:
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(sorted(graph[start])))]
        while stack:
            node, edges = stack[-1]
            nxt = next((m for m in edges if m not in seen), None)
            if nxt is None:
                order.append(node)
                stack.pop()
            else:
                seen.add(nxt)
                stack.append((nxt, iter(sorted(graph[nxt]))))
    reverse: dict[str, set[str]] = {m: set() for m in graph}
    for m, deps in graph.items():
        for d in deps:
            reverse[d].add(m)
    assigned: set[str] = set()
    groups = []
    for node in reversed(order):
        if node in assigned:
            continue
        group, todo = set(), [node]
        while todo:
            m = todo.pop()
            if m in assigned:
                continue
            assigned.add(m)
            group.add(m)
            todo.extend(reverse[m] - assigned)
        groups.append(group)
    return groups


def _circles() -> list[frozenset[str]]:
    graph, _ = _graph()
    circles = []
    for component in _strongly_connected(graph):
        if len(component) < 2:
            continue
        top = min(component, key=len)
        if all(m == top or m.startswith(top + ".") for m in component):
            continue  # a package and its own submodules
        circles.append(frozenset(component))
    return circles


def test_services_import_no_ui_layer() -> None:
    _, wrong_layer = _graph()
    assert wrong_layer == []


@pytest.mark.parametrize("leaf", LEAVES)
def test_leaves_import_no_app_module(leaf: str) -> None:
    graph, _ = _graph()
    assert graph[leaf] <= set(LEAVES)
    source = (ROOT / (leaf.replace(".", "/") + ".py")).read_text(encoding="utf-8")
    assert "import reflex" not in source


def test_no_import_circles() -> None:
    new = [sorted(c) for c in _circles() if c not in KNOWN_CIRCLES]
    assert new == [], "import circles: " + "; ".join(" <-> ".join(c) for c in new)


def test_the_walk_sees_late_imports() -> None:
    """The graph includes imports inside functions (else a late import would hide a circle)."""
    graph, _ = _graph()
    assert sum(len(deps) for deps in graph.values()) > 100
    assert "webcert_ui.testability" in graph["webcert_ui.api"]  # imported inside a function


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert sorted(map(sorted, _strongly_connected(graph))) == [["a", "b", "c"], ["d"]]


def _imports_of(path: Path) -> set[str]:
    """What a file imports, as dotted names (``from a import b`` counts as ``a.b``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _outside(package: str, allowed: str) -> list[str]:
    """Imports of Webcert's own code (and its scripts) in ``package`` that leave ``allowed``."""
    return sorted(
        f"{path.relative_to(ROOT)} imports {target}"
        for path in (ROOT / package).rglob("*.py")
        for target in _imports_of(path)
        if target.split(".")[0] in (*PACKAGES, "scripts")
        and target != allowed
        and not target.startswith(allowed + ".")
    )


def test_simulators_take_nothing_of_webcert_but_the_shared_formats() -> None:
    """The simulators stand for outside systems: of Webcert's code they use only the RIV-TA
    formats (services.interop), never its settings, rules or certificate definitions (their
    configuration comes from their runner, the certificate types from Webcert's API)."""
    assert _outside("simulators", "services.interop") == []


def test_the_import_check_sees_a_settings_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from services.settings import get_settings\n")
    assert _imports_of(probe) == {"services.settings.get_settings"}

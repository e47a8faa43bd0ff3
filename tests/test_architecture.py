"""The shape of the code, kept by a test: imports run one way, no module grows past 400 lines.

Layers (README, "Development"): the core modules build on nothing of the features; each feature
package may import the core, ``audit`` and the features *before* it in ``FEATURES``; ``tracker``
itself (the app factory) and ``tracker.models`` compose everything.  Lazy imports inside functions
count too: they hide an arrow from readers, not from this test.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tracker"
CORE = {"authz", "changes", "charts", "config", "database", "errors", "extensions", "files", "formatting", "forms",
        "i18n", "memo", "review", "security", "types", "web"}
COMPOSERS = {"tracker", "tracker.models"}
# Lowest first: a feature may import the ones before it, never one after it.
FEATURES = ["audit", "reference", "auth", "users", "periods", "plans", "progress", "csr", "poverty", "meetings",
            "beneficiaries", "evaluation", "reports", "main", "demo", "api", "cli"]
SERVICE_MODULES = {"services", "queries", "rules", "context", "batch", "workflow", "validation"}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path, module: str) -> list[tuple[str, bool, ast.AST]]:
    """(imported tracker module, at module level?, node) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    result = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from tracker.plans import views`` imports the module tracker.plans.views
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for name in names:
            if name == "tracker" or name.startswith("tracker."):
                result.append((name, id(node) in top_level, node))
    return result


def _unit(module: str) -> str:
    """The layer a module belongs to: a core module, a feature package, or a composer."""
    if module in COMPOSERS:
        return module
    part = module.split(".")[1]
    return part if part in CORE or part in FEATURES else module


EDGES = [(m, target, top, node) for m, path in MODULES.items() for target, top, node in _imports(path, m)]


def test_every_package_has_a_layer():
    units = {_unit(m) for m in MODULES}
    assert units <= CORE | set(FEATURES) | COMPOSERS, units - (CORE | set(FEATURES) | COMPOSERS)


def test_core_imports_no_feature():
    wrong = sorted({f"{m} -> {t}" for m, t, _top, _node in EDGES
                    if _unit(m) in CORE and _unit(t) in FEATURES})
    assert not wrong, "core modules must not import features: " + ", ".join(wrong)


def test_features_import_only_lower_layers():
    wrong = set()
    for m, t, _top, _node in EDGES:
        a, b = _unit(m), _unit(t)
        if a in FEATURES and b in FEATURES and a != b and FEATURES.index(b) > FEATURES.index(a):
            wrong.add(f"{m} -> {t}")
        if a in FEATURES and b in COMPOSERS:
            wrong.add(f"{m} -> {t}")
    assert not wrong, "imports against the layers: " + ", ".join(sorted(wrong))


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_cycle_between_packages():
    graph: dict[str, set[str]] = defaultdict(set)
    for m, t, _top, _node in EDGES:
        a, b = _unit(m), _unit(t)
        if a != b and a not in COMPOSERS:
            graph[a].add(b)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_no_cycle_between_files():
    """Module-level imports only: a package's ``init_app`` importing its views inside the function is
    how each blueprint registers its routes, and the views import ``bp`` from the package."""
    graph: dict[str, set[str]] = defaultdict(set)
    for m, t, top, _node in EDGES:
        if top and m != t and t in MODULES:
            graph[m].add(t)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_services_never_read_the_request():
    wrong = []
    for m, path in MODULES.items():
        if m.rpartition(".")[2] not in SERVICE_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask" and any(
                    a.name in ("request", "session") for a in node.names):
                wrong.append(m)
    assert not wrong, "services take values, never the request: " + ", ".join(wrong)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_size(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module}: {lines} lines; split it by job"


def test_the_checks_see_a_cycle():
    """The cycle finder itself: a planted cycle is found, a chain is not."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None

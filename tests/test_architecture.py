"""The house rules of src/liftformer (docs/architecture.md): floors, no import circles, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import liftformer

ROOT = Path(liftformer.__file__).parent
# Each floor may import only the floors before it (and itself); assets and weights are package data.
# The root package (__init__: version, top-level names) sits just below cli.
FLOORS = ("assets", "weights", "errors", "fileio", "data", "model", "inference", "evaluation", "training", "timing", "__init__", "cli")
MAX_LINES = 300


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _floor(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def import_graph() -> dict[str, set[str]]:
    """Every liftformer module → the liftformer modules it imports (at any depth of the file, lazy imports included)."""
    modules = {_module(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            found: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("liftformer"):
                found = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                found = [a.name for a in node.names if a.name.startswith("liftformer")]
            targets |= {t for t in found if t in modules and t != name}
        graph[name] = targets
    return graph


def test_no_import_runs_back_up():
    wrong = [
        f"{a} imports {b}"
        for a, targets in import_graph().items()
        for b in targets
        if FLOORS.index(_floor(b)) > FLOORS.index(_floor(a))
    ]
    assert not wrong, wrong


def test_no_import_circles():
    graph = import_graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " → ".join(path[path.index(nxt):] + [node, nxt]))
            if nxt not in state:
                visit(nxt, path + [node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_every_floor_is_known_and_modules_are_small():
    for path in ROOT.rglob("*.py"):
        assert _floor(_module(path)) in FLOORS, f"{path}: add its floor to FLOORS and docs/architecture.md"
        lines = len(path.read_text().splitlines())
        assert lines <= MAX_LINES, f"{path.relative_to(ROOT)}: {lines} lines (> {MAX_LINES}): split it by what it holds"

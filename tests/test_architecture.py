"""The house rules of src/liftformer (docs/architecture.md): floors, no import circles, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import liftformer

ROOT = Path(liftformer.__file__).parent
# Each floor may import only the floors before it (and itself); assets and weights are package data.
# The root package (__init__: version, top-level names) sits just below cli.
FLOORS = ("assets", "weights", "errors", "fileio", "threads", "data", "model", "inference", "evaluation", "training", "timing",
          "__init__", "cli")
MAX_LINES = 300
# Inside liftformer.inference the stages are floors too (docs/architecture.md): options first, the offline job last.
STAGES = ("options", "sources", "tracks", "lifting", "writers", "offline", "live", "batch", "opensim")
COMPAT = ("pretrained", "streaming", "render", "bvh")  # inference.X re-exports a stage's module for older imports


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


def _stage(module: str) -> str | None:
    """The inference stage of a module (None outside liftformer.inference or for the package itself)."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "inference" else None


def test_inference_stages_import_only_earlier_stages():
    graph = import_graph()
    stages = {_stage(m) for m in graph} - {None}
    assert stages <= set(STAGES) | set(COMPAT), f"add {sorted(stages - set(STAGES) - set(COMPAT))} to STAGES and docs/architecture.md"
    wrong = [f"{a} imports {b}" for a, targets in graph.items() for b in targets
             if _stage(a) in STAGES and _stage(b) in STAGES and STAGES.index(_stage(b)) > STAGES.index(_stage(a))]
    assert not wrong, wrong


def test_writers_import_no_other_stage():
    """Writers take arrays and frame iterators: they never read, detect, track or lift."""
    graph = import_graph()
    wrong = [f"{a} imports {b}" for a, targets in graph.items() if _stage(a) == "writers"
             for b in targets if _stage(b) not in (None, "writers")]
    assert not wrong, wrong


def test_nothing_imports_the_compat_modules():
    """``inference.pretrained`` etc. only re-export (for users' older imports); the package uses the stages."""
    graph = import_graph()
    wrong = [f"{a} imports {b}" for a, targets in graph.items() for b in targets if _stage(b) in COMPAT]
    assert not wrong, wrong


def test_imports_from_before_the_split_still_work():
    """The README's earlier import paths re-export the same objects as the stages."""
    from liftformer.inference import bvh, pretrained, render, streaming
    from liftformer.inference.lifting import lift_sequence, pretrained as new_pretrained, sequence, streaming as new_streaming
    from liftformer.inference.writers import bvh as new_bvh, render as new_render

    assert lift_sequence is sequence.lift_sequence
    for old, new in ((pretrained, new_pretrained), (streaming, new_streaming), (render, new_render), (bvh, new_bvh)):
        assert old.__all__ and all(getattr(old, name) is getattr(new, name) for name in old.__all__)

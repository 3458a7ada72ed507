"""The one-way house: imports inside ``optimizer/`` only ever point down the layers.

Every import statement of every module is read with ``ast`` (also those under
``if TYPE_CHECKING:`` and inside functions: a lazy import is still a
dependency), and each must be an edge of ``ALLOWED`` below. The table is the
layer order of DESIGN.md, written as "who may import whom" between the top
level units of the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "optimizer"

# unit -> the units it may import (besides itself). A unit is a subpackage or
# a top-level module of ``optimizer``. Lowest layers first.
_BASE = {"errors", "_jit", "files", "progress", "values"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "_jit": set(),
    "files": {"errors"},
    "progress": set(),
    "values": set(),
    "executors": {"errors", "progress"},
    "layout": _BASE,
    "distance": _BASE | {"layout"},
    "orders": _BASE | {"layout"},
    "routing": _BASE | {"layout", "distance"},
    "plot": _BASE | {"layout", "distance", "routing"},
    "batching": _BASE | {"layout", "distance", "orders", "routing"},
    "io": _BASE | {"layout", "orders", "batching"},
    "slotting": _BASE | {"layout", "distance", "orders", "routing", "batching", "io"},
    "synthetic": _BASE | {"layout", "distance", "orders", "routing", "batching", "io", "slotting"},
    "waves": _BASE | {"layout", "distance", "orders", "routing", "plot", "batching"},
    "jobs": _BASE
    | {"layout", "distance", "orders", "routing", "plot", "batching", "io", "slotting"}
    | {"synthetic", "waves", "executors"},
}
_BELOW_FRONT_ENDS = set(ALLOWED) | {"__init__"}
ALLOWED["service"] = _BELOW_FRONT_ENDS
ALLOWED["cli"] = _BELOW_FRONT_ENDS | {"service"}
ALLOWED["demo"] = _BELOW_FRONT_ENDS
ALLOWED["__init__"] = set(ALLOWED) - {"service", "cli", "demo"}  # the public names


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Fully qualified ``optimizer...`` names imported by one module file."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> set[str]:
    """The ``optimizer...`` names a module in ``package`` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            found.add(stem)
            found.update(f"{stem}.{alias.name}" for alias in node.names)
    return {n for n in found if n == "optimizer" or n.startswith("optimizer.")}


def _graph() -> dict[str, set[str]]:
    """Module -> the modules of ``optimizer`` it imports."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}

    def owner(name: str) -> str | None:
        while name not in files and "." in name:
            name = name.rpartition(".")[0]
        return name if name in files else None

    graph = {}
    for module, path in files.items():
        targets = {owner(n) for n in _imports(path)}
        graph[module] = {t for t in targets if t and t != module}
    return graph


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_unit_has_a_place_in_the_table():
    """A new subpackage or top-level module must be given its layer."""
    units = {_unit(m) for m in _graph()}
    assert units <= set(ALLOWED), f"add to ALLOWED: {sorted(units - set(ALLOWED))}"


def test_no_import_points_up_the_layers():
    """Every import between units is an edge of ``ALLOWED``."""
    wrong = [
        f"{module} imports {target}"
        for module, targets in sorted(_graph().items())
        for target in sorted(targets)
        if _unit(target) != _unit(module)
        and _unit(target) not in ALLOWED.get(_unit(module), set())
    ]
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_no_import_cycle():
    """No set of modules imports each other, even inside one unit."""
    cycles = _cycles(_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_no_private_name_crosses_a_module():
    """``from optimizer.x import _name`` reaches into another module's insides."""
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("optimizer"):
                wrong += [
                    f"{_module_name(path)}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert not wrong, "private names imported across modules:\n" + "\n".join(sorted(wrong))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from optimizer.waves import plan_wave",
            {"optimizer.waves", "optimizer.waves.plan_wave"},
        ),
        ("import optimizer.layout.model", {"optimizer.layout.model"}),
        ("from .model import Layout", {"optimizer.layout.model", "optimizer.layout.model.Layout"}),
        ("from .. import plot", {"optimizer", "optimizer.plot"}),
        ("def f():\n    from optimizer.cli import main", {"optimizer.cli", "optimizer.cli.main"}),
        ("import numpy", set()),
    ],
)
def test_import_reader_sees_every_import(source, expected):
    """The checker itself: absolute, relative and function-local imports."""
    assert _imports_in(source, "optimizer.layout") == expected


def test_cycle_finder_finds_a_cycle():
    """The checker itself: a two-module cycle and a self-contained chain."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert _cycles(graph) == [["a", "b"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []

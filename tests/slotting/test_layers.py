"""Slotting's core sits beside batching: it never imports the layers above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

SLOTTING = ROOT / "optimizer" / "slotting"
#: Layers above slotting's core (its jobs live in optimizer.jobs, above the waves).
ABOVE = ("optimizer.waves", "optimizer.jobs", "optimizer.plot", "optimizer.cli",
         "optimizer.demo", "optimizer.service", "optimizer.synthetic")  # fmt: skip


def imported_modules(path: Path) -> set[str]:
    """Every module an ``import`` statement of ``path`` names (also inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted(SLOTTING.glob("*.py")), ids=lambda p: p.name)
def test_slotting_core_imports_nothing_above_it(path: Path) -> None:
    """No module of optimizer/slotting imports waves, jobs, pictures or front ends."""
    above = sorted(m for m in imported_modules(path) if m.startswith(ABOVE))
    assert not above, f"{path.name} imports {above}"

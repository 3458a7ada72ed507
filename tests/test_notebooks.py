"""Notebooks run: each executes top to bottom in a Jupyter kernel (nbclient),
from the notebooks' folder, against this checkout of the library."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = {"compare_layouts.ipynb", "compare_policies.ipynb", "slotting_what_if.ipynb"}


def test_the_three_notebooks_are_there() -> None:
    assert {p.name for p in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cell runs without error in a fresh ``python3`` kernel; outputs are
    not written back (notebooks are committed without outputs)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    # The kernel imports this checkout's optimizer (not another install), draws
    # with Agg, and writes no figure files (PICKOPT_FIGURES unset).
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT),
                       os.environ.get("PYTHONPATH")])))  # fmt: skip
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("PICKOPT_FIGURES", raising=False)
    notebook = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        "commit notebooks without outputs"
    )
    where = {"metadata": {"path": str(path.parent)}}
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", resources=where)
    client.execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors

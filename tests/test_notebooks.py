"""Notebooks run: their code cells execute top to bottom against the current library."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_cells_run(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every code cell of the notebook runs without error, from the notebook's folder."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(path.parent)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    for k, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            code = compile("".join(cell["source"]), f"{path.name}[cell {k}]", "exec")
            exec(code, namespace)  # noqa: S102 - our own notebook
    import matplotlib.pyplot as plt

    plt.close("all")
    assert os.getcwd() == str(path.parent)

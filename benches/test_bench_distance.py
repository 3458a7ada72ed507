"""Benchmarks of the distance oracle: fixed work on every shipped layout.

Run with ``make bench`` (``pytest benches --benchmark-enable --benchmark-only``).
Kernels are compiled and warmed before any timing; building the oracle is
timed on its own. Without ``--benchmark-enable`` each case runs once, as a
smoke test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from optimizer.distance import DistanceOracle
from optimizer.layout import Layout

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
SHIPPED = sorted(p.name for p in LAYOUTS.iterdir() if p.suffix in (".toml", ".json"))
SEED = 20240611


@pytest.fixture(scope="module", params=SHIPPED)
def case(request: pytest.FixtureRequest) -> tuple[Layout, DistanceOracle]:
    """A shipped layout and its oracle, kernels warmed."""
    layout = Layout.from_file(LAYOUTS / request.param)
    oracle = DistanceOracle(layout)
    oracle.warm_up()
    oracle.matrix(layout.pick_nodes[:10])
    oracle.from_depot()
    return layout, oracle


def picks(layout: Layout, k: int) -> np.ndarray:
    """``k`` distinct pick nodes, the same on every run."""
    return np.random.default_rng(SEED).choice(layout.pick_nodes, k, replace=False)


def test_build(benchmark: Any, case: tuple[Layout, DistanceOracle]) -> None:
    """One oracle build: segments, junction table, reachability check."""
    layout, _ = case
    oracle = benchmark(DistanceOracle, layout)
    assert oracle.n_junctions > 0


def test_matrix_100(benchmark: Any, case: tuple[Layout, DistanceOracle]) -> None:
    """A 100 x 100 distance matrix of random pick nodes."""
    layout, oracle = case
    nodes = picks(layout, 100)
    m = benchmark(oracle.matrix, nodes)
    assert m.shape == (100, 100)


def test_matrix_10(benchmark: Any, case: tuple[Layout, DistanceOracle]) -> None:
    """A 10 x 10 distance matrix (one small order): the per-call overhead."""
    layout, oracle = case
    nodes = picks(layout, 10)
    m = benchmark(oracle.matrix, nodes)
    assert m.shape == (10, 10)


def test_from_depot_all(benchmark: Any, case: tuple[Layout, DistanceOracle]) -> None:
    """Distances from the depot to every pick node (slotting's inner loop)."""
    layout, oracle = case
    d = benchmark(oracle.from_depot)
    assert d.shape == layout.pick_nodes.shape

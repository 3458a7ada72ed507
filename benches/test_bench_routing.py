"""Benchmarks of routing: fixed, deterministic work.

Run with ``make bench`` (``pytest benches --benchmark-enable --benchmark-only``).

- the exact DP (``EXACT.solve``) for 10, 30 and 60 picks on
  ``layouts/single_block.toml`` and ``layouts/multi_block_large.toml``,
- every heuristic through ``route(...)`` at 30 picks on the single-block
  layout (the only one where ``return`` and ``midpoint`` apply),
- ``route(method="auto")`` at 30 and 120 picks on ``layouts/fishbone.json``,
  where it runs the local search; its budget is counted in kicks, so every
  round does the same work (the test checks that no time cap stopped it).

Pick sets are seeded. Kernels are compiled and the DP's class tables built
before any timing. Without ``--benchmark-enable`` each case runs once, as a
smoke test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from optimizer.distance import DistanceOracle
from optimizer.layout import Layout
from optimizer.routing import RoutingProblem, route
from optimizer.routing.exact import EXACT
from optimizer.routing.heuristics import HEURISTICS

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
SEED = 20240611


def load(name: str) -> tuple[Layout, DistanceOracle]:
    """A shipped layout and its shared oracle, kernels warmed."""
    layout = Layout.from_file(LAYOUTS / name)
    oracle = DistanceOracle.for_layout(layout)
    oracle.warm_up()
    return layout, oracle


def pick_codes(layout: Layout, k: int) -> list[str]:
    """Bin codes on ``k`` distinct pick nodes, the same on every run."""
    rng = np.random.default_rng([SEED, k])
    nodes = set(rng.choice(layout.pick_nodes, k, replace=False).tolist())
    codes: dict[int, str] = {}
    for slot in layout.slots:
        if slot.node in nodes:
            codes.setdefault(slot.node, slot.code)
    return list(codes.values())


def problem_of(layout: Layout, oracle: DistanceOracle, k: int) -> RoutingProblem:
    """A closed walk from the first depot through ``k`` seeded picks."""
    depot = layout.depot().node
    nodes = np.unique(layout.nodes_of(pick_codes(layout, k)))
    return RoutingProblem(layout, oracle, nodes, depot, depot)


@pytest.fixture(scope="module", params=["single_block.toml", "multi_block_large.toml"])
def dp_layout(request: pytest.FixtureRequest) -> tuple[Layout, DistanceOracle]:
    """A layout the DP applies to, its class tables built."""
    layout, oracle = load(request.param)
    EXACT.solve(problem_of(layout, oracle, 10))
    return layout, oracle


@pytest.fixture(scope="module")
def single_block() -> tuple[Layout, DistanceOracle]:
    """The standard warehouse, every heuristic run once."""
    layout, oracle = load("single_block.toml")
    for router in HEURISTICS:
        route(layout, pick_codes(layout, 10), method=router.name)
    return layout, oracle


@pytest.fixture(scope="module")
def fishbone() -> tuple[Layout, DistanceOracle]:
    """The graph-tier fishbone warehouse, the local search run once."""
    layout, oracle = load("fishbone.json")
    route(layout, pick_codes(layout, 10), method="auto")
    return layout, oracle


@pytest.mark.parametrize("k", [10, 30, 60])
def test_exact_solve(benchmark: Any, dp_layout: tuple[Layout, DistanceOracle], k: int) -> None:
    """``EXACT.solve``: the DP and the Euler walk of its optimal multigraph."""
    layout, oracle = dp_layout
    problem = problem_of(layout, oracle, k)
    tour = benchmark(EXACT.solve, problem)
    assert tour.optimal
    assert set(problem.nodes.tolist()) <= set(tour.waypoints)


@pytest.mark.parametrize("method", [r.name for r in HEURISTICS])
def test_heuristic_30(
    benchmark: Any, single_block: tuple[Layout, DistanceOracle], method: str
) -> None:
    """``route(..., method=m)`` for one heuristic at 30 picks, single block."""
    layout, _ = single_block
    codes = pick_codes(layout, 30)
    r = benchmark(route, layout, codes, method=method)
    assert r.method == method
    assert len(r.stops) == 30


@pytest.mark.parametrize("k", [30, 120])
def test_auto_fishbone(benchmark: Any, fishbone: tuple[Layout, DistanceOracle], k: int) -> None:
    """``route(method="auto")`` on the fishbone layout (the local search)."""
    layout, _ = fishbone
    codes = pick_codes(layout, k)
    r = benchmark(route, layout, codes, method="auto")
    assert r.method == "local-search"
    assert r.detail["stopped_by"] in ("budget", "no-improvement")
    assert len(r.stops) == k

"""The OR-Tools router: feasible on every layout, deterministic, never worse than
the heuristic it starts from, optimal on small instances."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.distance import DistanceOracle
from optimizer.layout import Layout
from optimizer.routing import RoutingProblem, route
from optimizer.routing.heuristics import HEURISTICS, tour_distance
from optimizer.routing.ortools_adapter import (
    ORTOOLS,
    OrToolsRouter,
    auto_time_limit,
    solve_naive,
)
from tests.naive import held_karp
from tests.routing.conftest import assert_walk, graph_layout, random_codes

LIMIT = 2.0  # seconds; the early stop ends these small searches far sooner


def problem_of(
    layout: Layout,
    codes: list[str],
    start: str | None = None,
    end: str | None = None,
    time_limit: float | None = LIMIT,
) -> RoutingProblem:
    """The routing problem ``route()`` would build for ``codes``."""
    s = layout.depot(start).node
    e = layout.depot(end).node if end is not None else s
    nodes = np.unique(layout.nodes_of(codes))
    return RoutingProblem(layout, DistanceOracle.for_layout(layout), nodes, s, e, time_limit)


def test_router_name_and_protocol() -> None:
    """ORTOOLS is the "ortools" method and applies to any layout."""
    assert ORTOOLS.name == "ortools"
    assert ORTOOLS.supports(problem_of(graph_layout(), ["S-a"])) is None
    with pytest.raises(ValueError, match="patience"):
        OrToolsRouter(patience=0)


def test_feasible_on_every_layout(layouts: dict[str, Layout]) -> None:
    """On every shipped layout the route walks graph edges from the depot back to
    it, picks everything, and its distance is the sum of the edge lengths."""
    for layout in layouts.values():
        graph = layout.to_networkx()
        depot = layout.depots[0].name
        for n, seed in ((1, 0), (2, 1), (7, 2), (30, 3)):
            codes = random_codes(layout, n, seed)
            r = route(layout, codes, method="ortools", time_limit=LIMIT)
            assert r.method == "ortools" and not r.optimal
            assert_walk(layout, graph, r, codes, depot, depot)


def test_open_walk_from_pickup_to_dropoff(two_block: Layout) -> None:
    """With start != end the walk ends at the drop-off station."""
    graph = two_block.to_networkx()
    for seed in range(3):
        codes = random_codes(two_block, 15, seed)
        r = route(two_block, codes, method="ortools", start="pickup", end="dropoff",
                  time_limit=LIMIT)  # fmt: skip
        assert_walk(two_block, graph, r, codes, "pickup", "dropoff")


def test_deterministic(layouts: dict[str, Layout]) -> None:
    """The same input twice gives the same stops (the early stop counts solutions,
    not seconds)."""
    layout = layouts["multi_block_large.toml"]
    codes = random_codes(layout, 20, 5)
    first = route(layout, codes, method="ortools", time_limit=30.0)
    second = route(layout, codes, method="ortools", time_limit=30.0)
    assert first.detail["stopped_by"] == "no-improvement"
    assert first.stops == second.stops
    assert first.distance == second.distance


def test_never_worse_than_any_heuristic(layouts: dict[str, Layout]) -> None:
    """The best applicable heuristic is the initial solution, so OR-Tools never
    returns a longer walk than any of them."""
    for layout in layouts.values():
        for seed in range(3):
            p = problem_of(layout, random_codes(layout, 12 + 6 * seed, seed))
            tour = ORTOOLS.solve(p)
            got = tour_distance(p, tour.waypoints)
            assert got <= tour.detail["initial_distance_m"] + 1e-6
            for h in HEURISTICS:
                if h.supports(p) is None:
                    assert got <= tour_distance(p, h.solve(p).waypoints) + 1e-6


@pytest.mark.parametrize("n", [3, 5, 7, 9])
def test_optimal_on_small_instances(layouts: dict[str, Layout], n: int) -> None:
    """Up to 9 picks OR-Tools finds the optimum (Held-Karp on the oracle matrix)."""
    for layout in layouts.values():
        for seed in range(2):
            p = problem_of(layout, random_codes(layout, n, 10 * n + seed))
            pts = np.concatenate([[p.start], p.nodes])
            best, _ = held_karp(p.oracle.matrix(pts), 0)
            assert tour_distance(p, ORTOOLS.solve(p).waypoints) == pytest.approx(best, abs=1e-6)


@pytest.mark.parametrize("n", [4, 8])
def test_optimal_open_walk_on_small_instances(two_block: Layout, n: int) -> None:
    """From pick-up to drop-off, too, small instances are solved to optimality."""
    for seed in range(3):
        p = problem_of(two_block, random_codes(two_block, n, seed), "pickup", "dropoff")
        pts = np.concatenate([[p.start], p.nodes, [p.end]])
        best, _ = held_karp(p.oracle.matrix(pts), 0, len(pts) - 1)
        assert tour_distance(p, ORTOOLS.solve(p).waypoints) == pytest.approx(best, abs=1e-6)


def test_detail_reports_the_search(single_block: Layout) -> None:
    """Tour.detail names the initial heuristic and its distance and how the search
    ended."""
    tour = ORTOOLS.solve(problem_of(single_block, random_codes(single_block, 20, 1)))
    d = tour.detail
    assert d["initial"] in {h.name for h in HEURISTICS}
    assert d["initial_distance_m"] > 0
    assert d["stopped_by"] in {"no-improvement", "time-limit"}
    assert d["solutions"] >= 1 and d["status"]
    assert not tour.optimal


def test_auto_time_limit_grows_with_picks() -> None:
    """The budget is positive, never shrinks with more picks, and is capped."""
    limits = [auto_time_limit(n) for n in (0, 1, 10, 30, 60, 200, 10_000)]
    assert all(x > 0 for x in limits)
    assert limits == sorted(limits)
    assert limits[-1] <= 60


def test_naive_solve_is_feasible(layouts: dict[str, Layout]) -> None:
    """solve_naive (PATH_CHEAPEST_ARC, 1 s GLS, no warm start) visits every pick."""
    layout = layouts["single_block.toml"]
    p = problem_of(layout, random_codes(layout, 10, 2))
    tour = solve_naive(p, seconds=0.2)
    assert tour.waypoints[0] == p.start and tour.waypoints[-1] == p.end
    assert sorted(tour.waypoints[1:-1]) == sorted(p.nodes.tolist())

"""The classic routing policies and nearest neighbour: every route is a real
walk on the layout graph, the policies walk what the literature prescribes,
and methods that do not apply say why."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from optimizer.distance import DistanceOracle
from optimizer.errors import RoutingError
from optimizer.layout import Layout
from optimizer.routing import RoutingProblem, route
from optimizer.routing.heuristics import HEURISTICS, tour_distance
from tests.conftest import pa_spec
from tests.routing.conftest import assert_walk, graph_layout, random_codes

NAMES = ("s-shape", "return", "midpoint", "largest-gap", "combined", "nearest")
SINGLE_BLOCK_ONLY = {"return", "midpoint"}
AISLE_POLICIES = set(NAMES) - {"nearest"}


# ---- helpers -------------------------------------------------------------------
def expect_support(layout: Layout, method: str) -> bool:
    if method == "nearest":
        return True
    if layout.aisles is None:
        return False
    return not (method in SINGLE_BLOCK_ONLY and layout.aisles.n_blocks > 1)


# ---- the registry ----------------------------------------------------------------
def test_heuristics_registry_names() -> None:
    """HEURISTICS holds the six routers, named as the public method strings."""
    assert tuple(h.name for h in HEURISTICS) == NAMES


# ---- feasibility on every shipped layout ------------------------------------------
@pytest.mark.parametrize("method", NAMES)
def test_every_method_walks_the_graph_on_every_layout(
    layouts: dict[str, Layout], method: str
) -> None:
    """On every shipped layout a method either returns a feasible walk (graph
    edges only, right depots, every pick, distance = edge sum) or raises
    RoutingError with the reason."""
    for file, layout in layouts.items():
        graph = layout.to_networkx()
        depot = layout.depots[0].name
        for n, seed in ((1, 0), (6, 1), (25, 2), (60, 3)):
            codes = random_codes(layout, n, seed)
            if not expect_support(layout, method):
                with pytest.raises(RoutingError, match="does not apply"):
                    route(layout, codes, method=method)
                break
            r = route(layout, codes, method=method)
            assert r.method == method and not r.optimal, file
            assert_walk(layout, graph, r, codes, depot, depot)


def test_reasons_name_the_problem(layouts: dict[str, Layout]) -> None:
    """supports() explains itself: graph-tier layouts and multi-block layouts for
    single-block policies."""
    two = layouts["two_block.toml"]
    with pytest.raises(RoutingError, match="single-block"):
        route(two, random_codes(two, 5, 0), method="midpoint")
    with pytest.raises(RoutingError, match="graph-tier"):
        route(graph_layout(), ["S-a"], method="s-shape")


@pytest.mark.parametrize("method", NAMES)
def test_open_walk_ends_at_the_end_depot(two_block: Layout, method: str) -> None:
    """With start != end the walk goes from the pick-up to the drop-off station
    (single-block policies: from the front to the back of a one-block layout)."""
    layout, start, end = two_block, "pickup", "dropoff"
    if method in SINGLE_BLOCK_ONLY:
        depots = [{"name": "in", "aisle": 1, "at": "front"},
                  {"name": "out", "aisle": 3, "at": "back", "setback": 1.0}]  # fmt: skip
        layout, start, end = Layout.from_spec(pa_spec(depots=depots)), "in", "out"
    graph = layout.to_networkx()
    for seed in range(3):
        codes = random_codes(layout, 12, seed)
        r = route(layout, codes, method=method, start=start, end=end)
        assert_walk(layout, graph, r, codes, start, end)


@pytest.mark.parametrize("method", sorted(AISLE_POLICIES - SINGLE_BLOCK_ONLY))
def test_open_walk_leaves_from_the_last_pick(two_block: Layout, method: str) -> None:
    """On an open walk the picker heads for the end depot right after the last
    pick instead of first finishing the tour back towards the start."""
    oracle = DistanceOracle.for_layout(two_block)
    router = next(h for h in HEURISTICS if h.name == method)
    start, end = two_block.depot("pickup").node, two_block.depot("dropoff").node
    for seed in range(5):
        nodes = np.unique(two_block.nodes_of(random_codes(two_block, 8, seed)))
        problem = RoutingProblem(two_block, oracle, nodes, start, end)
        assert router.solve(problem).waypoints[-2] in set(nodes.tolist())


@pytest.mark.parametrize(
    "depot",
    [
        {"aisle": 2, "at": 1},  # interior cross-aisle: the warehouse splits in two
        {"aisle": 3, "at": "back", "setback": 2.0},
        {"aisle": 1, "at": "front", "offset": 1.5, "setback": 1.0},
    ],
)
@pytest.mark.parametrize("method", sorted(AISLE_POLICIES - SINGLE_BLOCK_ONLY))
def test_depot_anywhere_on_a_cross_aisle(depot: dict[str, Any], method: str) -> None:
    """Multi-block policies route from a depot on an interior or back cross-aisle,
    between aisles or on a setback spur."""
    layout = Layout.from_spec(pa_spec(aisles=6, blocks=3, depots=[{"name": "D", **depot}]))
    graph = layout.to_networkx()
    for seed in range(5):
        codes = random_codes(layout, 10, seed)
        assert_walk(layout, graph, route(layout, codes, method=method), codes, "D", "D")


@pytest.mark.parametrize("method", sorted(SINGLE_BLOCK_ONLY))
def test_single_block_policies_with_depot_at_the_back(method: str) -> None:
    """Return and midpoint work from a depot on the back cross-aisle."""
    layout = Layout.from_spec(pa_spec(depots=[{"name": "D", "aisle": 2, "at": "back",
                                               "offset": 1.0}]))  # fmt: skip
    graph = layout.to_networkx()
    for seed in range(5):
        codes = random_codes(layout, 5, seed)
        assert_walk(layout, graph, route(layout, codes, method=method), codes, "D", "D")


# ---- the policies walk what the literature says --------------------------------------
# Tiny warehouse: aisles at x = 0, 3, 6; block length 5; cell c at depth c (1..4).
# Picks: aisle 1 cell 1 (depth 1), aisle 2 cells 1 and 4 (depths 1, 4), aisle 3 cell 2.
TINY_PICKS = ["A01-B1-001-L-1", "A02-B1-001-L-1", "A02-B1-004-R-1", "A03-B1-002-L-1"]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # three aisles traversed... the third (odd) in and out: 5 + 5 + 2*1 or 2*2; 12 across
        ("s-shape", 5 + 5 + 2 * 1 + 12),
        # in and out of each aisle: 2*1 + 2*4 + 2*2; 12 across
        ("return", 2 + 8 + 4 + 12),
        # first and last traversed (10); aisle 2: depth 1 from the front, 4 from the back
        ("midpoint", 10 + 2 * 1 + 2 * 1 + 12),
        # largest gap of aisle 2 is between the picks (3 m): same walk as midpoint
        ("largest-gap", 10 + 2 * 1 + 2 * 1 + 12),
        # best of traverse / return per aisle: traverse aisle 2 after returning in 1
        ("combined", 2 + 5 + 5 + 12),
    ],
)
def test_single_block_distances_by_hand(method: str, expected: float) -> None:
    """On a 3-aisle block each policy walks the distance worked out by hand."""
    layout = Layout.from_spec(pa_spec())
    assert route(layout, TINY_PICKS, method=method).distance == pytest.approx(expected)


def test_combined_never_longer_than_s_shape(layouts: dict[str, Layout]) -> None:
    """S-shape is one of the walks the combined(+) dynamic programme chooses from."""
    for layout in layouts.values():
        if layout.aisles is None:
            continue
        for seed in range(20):
            codes = random_codes(layout, 3 + 4 * seed, seed)
            s = route(layout, codes, method="s-shape").distance
            assert route(layout, codes, method="combined").distance <= s + 1e-9


def test_largest_gap_never_longer_than_midpoint(single_block: Layout) -> None:
    """In one block both policies share their structure and the largest gap is the
    best place to split an aisle."""
    for seed in range(30):
        codes = random_codes(single_block, 2 + seed, seed)
        m = route(single_block, codes, method="midpoint").distance
        assert route(single_block, codes, method="largest-gap").distance <= m + 1e-9


# ---- nearest neighbour ------------------------------------------------------------------
def test_nearest_neighbour_on_a_graph_layout() -> None:
    """Nearest neighbour routes a graph-tier layout: d -> a (3) -> b (4) -> f (3, up
    the spur) -> c (3) -> d (4)."""
    layout = graph_layout()
    codes = ["S-a", "S-b", "S-c", "S-f"]
    r = route(layout, codes, method="nearest")
    assert r.stops == ("S-a", "S-b", "S-f", "S-c")
    assert r.distance == pytest.approx(3 + 4 + 3 + 3 + 4)
    assert_walk(layout, layout.to_networkx(), r, codes, "D", "D")


def test_nearest_neighbour_is_greedy(single_block: Layout) -> None:
    """Each next stop is a closest unvisited pick of the previous one."""
    oracle = DistanceOracle.for_layout(single_block)
    codes = random_codes(single_block, 15, 4)
    nodes = np.unique(single_block.nodes_of(codes))
    problem = RoutingProblem(single_block, oracle, nodes, single_block.depots[0].node,
                             single_block.depots[0].node)  # fmt: skip
    wp = HEURISTICS[-1].solve(problem).waypoints
    for i in range(len(wp) - 2):
        rest = wp[i + 1 : -1]
        d = oracle.between([wp[i]], rest)[0]
        assert d[0] == pytest.approx(d.min())


def test_heuristics_are_deterministic(layouts: dict[str, Layout]) -> None:
    """Equal inputs give equal waypoints."""
    for layout in layouts.values():
        oracle = DistanceOracle.for_layout(layout)
        nodes = np.unique(layout.nodes_of(random_codes(layout, 20, 9)))
        d = layout.depots[0].node
        problem = RoutingProblem(layout, oracle, nodes, d, d)
        for h in HEURISTICS:
            if h.supports(problem) is None:
                assert h.solve(problem).waypoints == h.solve(problem).waypoints
                assert tour_distance(problem, h.solve(problem).waypoints) > 0

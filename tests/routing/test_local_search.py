"""The local-search router: real walks on every layout, Held-Karp's optimum on
small instances (closed and open), never longer than its construction,
deterministic for a seed whatever the chunking, a work budget it keeps, and
``auto`` choosing it where the exact DP does not apply."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest

from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError, RoutingError
from optimizer.layout import Layout
from optimizer.routing import METHODS, ROUTERS, RoutingProblem, local_search, route
from optimizer.routing.api import HELD_KARP_OVER_SWEEP, build_route, choose_router, plan_tour
from optimizer.routing.local_search import (
    HELD_KARP_MAX,
    LOCAL_SEARCH,
    LocalSearchRouter,
    held_karp_walk,
    pick_order,
    plan_held_karp,
    solve_matrix,
)
from tests import naive
from tests.conftest import ROOT, pa_spec
from tests.routing.conftest import assert_walk, graph_layout, random_codes

ATOL = 1e-9


def many_blocks(blocks: int = 5, aisles: int = 6) -> Layout:
    """A parallel-aisle warehouse with more blocks than the exact DP takes and
    two depots (front and back), so open walks are possible."""
    return Layout.from_spec(pa_spec(
        name=f"blocks{blocks}", aisles=aisles, blocks=blocks, cells=5,
        depots=[{"name": "D1", "aisle": 1, "at": "front"},
                {"name": "D2", "aisle": aisles, "at": "back"}],
    ))  # fmt: skip


def problem_of(layout: Layout, nodes: np.ndarray, start: int, end: int) -> RoutingProblem:
    return RoutingProblem(layout, DistanceOracle.for_layout(layout), np.sort(nodes), start, end)


def without_seconds(detail: dict[str, Any]) -> dict[str, Any]:
    """A route's detail without its timing, which differs from run to run."""
    return {key: value for key, value in detail.items() if key != "seconds"}


def euclidean(n: int, seed: int) -> np.ndarray:
    """Distances of ``n`` random points in the unit square; the last row is a
    copy of the first (a closed tour) on odd seeds."""
    pts = np.random.default_rng(seed).random((n, 2))
    if seed % 2:
        pts[-1] = pts[0]
    return np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2))


# ---- the registry and auto ----------------------------------------------------------------
def test_registered_beside_the_existing_methods() -> None:
    """The router "local-search" is a method; every earlier name stays."""
    assert LOCAL_SEARCH.name == "local-search"
    assert ROUTERS["local-search"] is LOCAL_SEARCH
    for name in ("auto", "exact", "ortools", "s-shape", "return", "midpoint", "largest-gap",
                 "combined", "nearest", "local-search"):  # fmt: skip
        assert name in METHODS


def test_auto_runs_local_search_where_no_dp_applies(layouts: dict[str, Layout]) -> None:
    """On the fishbone (graph tier) and on a five-block warehouse ``auto`` runs
    the local search; proven optimal only when Held-Karp ran."""
    for layout in (layouts["fishbone.json"], many_blocks()):
        small = route(layout, random_codes(layout, HELD_KARP_MAX, 1))
        assert (small.method, small.optimal) == ("local-search", True)
        big = route(layout, random_codes(layout, 40, 2))
        assert (big.method, big.optimal) == ("local-search", False)
        assert big.detail["stopped_by"] in ("budget", "no-improvement")


def test_auto_on_four_blocks_takes_the_cheaper_exact_method() -> None:
    """With four blocks ``auto`` proves the optimum either way: Held-Karp up to
    HELD_KARP_OVER_SWEEP picks, the sweep above; both agree with the sweep's optimum."""
    layout = many_blocks(blocks=4)
    for k, expected in ((HELD_KARP_OVER_SWEEP, "local-search"),
                        (HELD_KARP_OVER_SWEEP + 1, "exact")):  # fmt: skip
        codes = random_codes(layout, k, k)
        r = route(layout, codes)
        assert (r.method, r.optimal) == (expected, True)
        assert r.distance == pytest.approx(route(layout, codes, method="exact").distance)


def test_auto_chooses_as_route_runs() -> None:
    """``choose_router`` names the router whose method ``route()`` reports, on
    both sides of the four-block switch and of Held-Karp's range, on three and
    five blocks (both only routers) too."""
    for blocks in (3, 4, 5):
        layout = many_blocks(blocks=blocks)
        oracle = DistanceOracle.for_layout(layout)
        depot = layout.depots[0].node
        for k in (1, HELD_KARP_OVER_SWEEP, HELD_KARP_OVER_SWEEP + 1, HELD_KARP_MAX + 1):
            codes = random_codes(layout, k, 7 * k + blocks)
            nodes = np.unique(layout.nodes_of(codes))
            router, _ = choose_router(RoutingProblem(layout, oracle, nodes, depot, depot), "auto")
            assert route(layout, codes, oracle=oracle).method == router.name


def test_bad_parameters_are_refused() -> None:
    """Negative budgets and zero patience are not understood."""
    with pytest.raises(ValueError, match="kicks_per_pick"):
        LocalSearchRouter(kicks_per_pick=-1)
    with pytest.raises(ValueError, match="patience"):
        LocalSearchRouter(patience=0.0)
    with pytest.raises(ValueError, match="held_karp_max"):
        LocalSearchRouter(held_karp_max=HELD_KARP_MAX + 1)
    with pytest.raises(RoutingError, match="kicks"):
        solve_matrix(euclidean(5, 0), kicks=-1)


def test_asymmetric_or_broken_matrices_are_refused() -> None:
    """The moves assume symmetric finite distances; anything else is an error."""
    dist = euclidean(15, 0)
    dist[1, 2] += 1.0
    with pytest.raises(RoutingError, match="symmetric"):
        solve_matrix(dist)
    dist = euclidean(15, 0)
    dist[3, 4] = dist[4, 3] = np.inf
    with pytest.raises(RoutingError, match="infinite"):
        solve_matrix(dist)


# ---- real walks --------------------------------------------------------------------------
def test_walks_the_graph_on_every_layout(layouts: dict[str, Layout]) -> None:
    """On every shipped layout the route follows graph edges from the depot back
    to it, picks everything, and its distance is the sum of the edge lengths."""
    for layout in [*layouts.values(), many_blocks()]:
        graph = layout.to_networkx()
        depot = layout.depots[0].name
        for n, seed in ((1, 0), (7, 1), (25, 2), (80, 3)):
            codes = random_codes(layout, n, seed)
            r = route(layout, codes, method="local-search")
            assert r.method == "local-search"
            assert_walk(layout, graph, r, codes, depot, depot)


def test_open_walks_end_at_the_end_depot() -> None:
    """With start != end the walk ends at the second depot, in a warehouse
    whose blocks the exact DP does not take."""
    layout = many_blocks()
    graph = layout.to_networkx()
    for n, seed in ((0, 0), (5, 1), (30, 2)):
        codes = random_codes(layout, n, seed) if n else []
        if not codes:
            problem = problem_of(layout, np.array([], dtype=np.int64), layout.depots[0].node,
                                 layout.depots[1].node)  # fmt: skip
            tour = LOCAL_SEARCH.solve(problem)
            assert tour.waypoints == [problem.start, problem.end]
            continue
        r = route(layout, codes, method="local-search", start="D1", end="D2")
        assert_walk(layout, graph, r, codes, "D1", "D2")


# ---- optimality and quality --------------------------------------------------------------------
def test_held_karp_range_is_optimal() -> None:
    """Up to HELD_KARP_MAX picks the walk is Held-Karp's optimum, closed and
    open, on random pick sets of a five-block warehouse and the loop graph."""
    rng = np.random.default_rng(3)
    layout = many_blocks()
    ends = [d.node for d in layout.depots]
    for _ in range(60):
        k = int(rng.integers(1, HELD_KARP_MAX + 1))
        nodes = rng.choice(layout.pick_nodes, k, replace=False)
        start, end = ends[0], ends[int(rng.integers(0, 2))]
        problem = problem_of(layout, nodes, start, end)
        tour = LOCAL_SEARCH.solve(problem)
        points = [start, *problem.nodes.tolist()] + ([end] if end != start else [])
        reference, _ = naive.held_karp(problem.oracle.matrix(points), 0,
                                       len(points) - 1 if end != start else None)  # fmt: skip
        assert tour.optimal and tour.length == pytest.approx(reference, abs=ATOL)
    loop = graph_layout()
    r = route(loop, ["S-a", "S-b", "S-c", "S-f"], method="local-search")
    assert r.optimal and r.distance == pytest.approx(17.0)  # the loop, and the spur twice


def test_held_karp_on_every_size_of_its_range() -> None:
    """The meet-in-the-middle subset DP gives the plain subset DP's optimum
    (``tests/naive.py``) for every number of picks it takes, closed tours
    (one table) and open paths (two), 8 random instances each."""
    for picks in range(HELD_KARP_MAX + 1):
        for seed in range(8):
            dist = euclidean(picks + 2, seed)
            walk, length, detail = solve_matrix(dist, seed=seed)
            assert detail["optimal"] and sorted(walk.tolist()) == list(range(picks + 2))
            reference, _ = naive.held_karp(dist, 0, picks + 1)
            assert length == pytest.approx(reference, abs=ATOL)
            assert length == pytest.approx(naive.walk_length(dist, walk.tolist()), abs=ATOL)


def test_held_karp_walk_is_held_karps_optimum_on_the_graph(layouts: dict[str, Layout]) -> None:
    """``held_karp_walk`` (matrix, subset DP and node walk in one compiled call)
    gives the length of ``tests/naive.py``'s Held-Karp on the oracle's matrix,
    for 0 to HELD_KARP_MAX picks, closed on the fishbone and open on a
    five-block warehouse; its waypoints visit every pick once between the
    ends, and its node walk is the oracle's walk through them."""
    rng = np.random.default_rng(12)
    fish, blocks = layouts["fishbone.json"], many_blocks()
    ends = [(fish, fish.depots[0].node, fish.depots[0].node),
            (blocks, blocks.depots[0].node, blocks.depots[1].node)]  # fmt: skip
    for layout, start, end in ends:
        oracle = DistanceOracle.for_layout(layout)
        for k in [*range(HELD_KARP_MAX + 1), *rng.integers(8, HELD_KARP_MAX + 1, 10).tolist()]:
            nodes = np.sort(rng.choice(layout.pick_nodes, k, replace=False)).astype(np.int64)
            visits, length, path = held_karp_walk(nodes, start, end, *oracle.kernel_args)
            points = [start, *nodes.tolist(), end]
            reference, _ = naive.held_karp(oracle.matrix(points), 0, k + 1)
            assert length == pytest.approx(reference, abs=ATOL)
            assert visits[0] == start and visits[-1] == end
            assert sorted(visits[1:-1].tolist()) == nodes.tolist()
            assert path.tolist() == oracle.walk(visits)
            if k == 0:  # depot only: straight from start to end
                assert length == pytest.approx(oracle.distance(start, end), abs=ATOL)


def test_held_karp_walk_reports_a_node_outside_the_layout(layouts: dict[str, Layout]) -> None:
    """A node the layout does not have gives a negative length naming its
    place in ``[start, *nodes, end]``, not a read outside the tables."""
    layout = layouts["fishbone.json"]
    oracle = DistanceOracle.for_layout(layout)
    depot, n = layout.depots[0].node, layout.n_nodes
    nodes = np.array([int(layout.pick_nodes[0]), n + 3], dtype=np.int64)
    assert held_karp_walk(nodes, depot, depot, *oracle.kernel_args)[1] == -1.0 - 2
    assert held_karp_walk(nodes[:1], -1, depot, *oracle.kernel_args)[1] == -1.0


def test_runs_held_karp_up_to_its_range() -> None:
    """``runs_held_karp`` says where ``solve`` proves the optimum: up to
    ``held_karp_max`` picks, and the search (not proven) from one more."""
    router = LocalSearchRouter(held_karp_max=5)
    layout = many_blocks()
    oracle = DistanceOracle.for_layout(layout)
    depot = layout.depots[0].node
    for k in (1, 5, 6):
        nodes = np.sort(np.random.default_rng(k).choice(layout.pick_nodes, k, replace=False))
        tour = router.solve(RoutingProblem(layout, oracle, nodes, depot, depot))
        assert router.runs_held_karp(k) == (k <= 5) == tour.optimal
        assert (tour.detail["stopped_by"] == "held-karp") == (k <= 5)


def test_plan_held_karp_orders_the_targets_by_their_first_visit(
    layouts: dict[str, Layout],
) -> None:
    """``plan_held_karp``'s order lists the targets (repeated nodes among
    them) by the first step of its node walk at each, ties in the order given;
    its walk, length and detail are the router's tour's."""
    layout = layouts["fishbone.json"]
    oracle = DistanceOracle.for_layout(layout)
    depot = layout.depots[0].node
    rng = np.random.default_rng(3)
    for k in (1, 4, HELD_KARP_MAX):
        nodes = np.sort(rng.choice(layout.pick_nodes, k, replace=False)).astype(np.int64)
        targets = rng.choice(nodes, 2 * k)
        plan = plan_held_karp(oracle, nodes, depot, depot, 3.0, targets)
        first = {node: step for step, node in reversed(list(enumerate(plan.path.tolist())))}
        expected = sorted(range(targets.size), key=lambda j: (first[targets[j]], j))
        assert plan.order.tolist() == expected
        tour = LOCAL_SEARCH.solve(RoutingProblem(layout, oracle, nodes, depot, depot, 3.0))
        assert plan.waypoints.tolist() == tour.waypoints and plan.length == tour.length
        assert plan.path.tolist() == tour.path.tolist()
        assert without_seconds(plan.detail) == without_seconds(tour.detail)
        assert plan.detail["time_cap_s"] == 3.0


def test_plan_held_karp_names_a_node_outside_the_layout(layouts: dict[str, Layout]) -> None:
    """A node the layout does not have is refused by name, by ``plan_held_karp``
    and by the router's ``solve`` alike."""
    layout = layouts["fishbone.json"]
    oracle = DistanceOracle.for_layout(layout)
    depot, bad = layout.depots[0].node, layout.n_nodes + 3
    nodes = np.array([int(layout.pick_nodes[0]), bad], dtype=np.int64)
    with pytest.raises(PickoptError, match=f"node {bad} is not in layout"):
        plan_held_karp(oracle, nodes, depot, depot)
    with pytest.raises(PickoptError, match=f"node {bad} is not in layout"):
        LOCAL_SEARCH.solve(RoutingProblem(layout, oracle, nodes, depot, depot))


def test_pick_order_reports_a_missed_target() -> None:
    """A target the path never reaches gives ``[-1 - j]`` for the first such
    ``j``; no targets give an empty order."""
    path = np.array([0, 4, 2, 4, 0], dtype=np.int64)
    assert pick_order(path, np.array([2, 9, 4, 8], dtype=np.int64)).tolist() == [-2]
    assert pick_order(path, np.empty(0, dtype=np.int64)).tolist() == []


def test_route_of_few_picks_is_the_routers_route(layouts: dict[str, Layout]) -> None:
    """``route()`` with Held-Karp's pick counts (its one compiled call) returns
    the Route that planning with the router and building it gives: the same
    stops, distance, node walk, method, proof and detail, for ``auto`` and
    ``local-search``, closed and open walks, with repeated bin codes and
    codes sharing a pick node, and slot indices for codes."""
    rng = np.random.default_rng(5)
    fish, blocks = layouts["fishbone.json"], many_blocks()
    by_node: dict[tuple[str, int], list[str]] = {}
    for layout in (fish, blocks):
        for slot in layout.slots:
            by_node.setdefault((layout.name, slot.node), []).append(slot.code)
    cases = [(fish, "D1", None), (blocks, "D1", "D2")]
    for layout, start, end in cases:
        oracle = DistanceOracle.for_layout(layout)
        for k in [1, 2, 3, *rng.integers(4, HELD_KARP_MAX + 1, 12).tolist()]:
            codes = random_codes(layout, k, int(rng.integers(1 << 30)))
            codes += codes[: k // 3]  # repeats
            for code in codes[:2]:  # another code on the same pick node
                codes.append(by_node[(layout.name, layout.slot(code).node)][-1])
            picks: list[str | int] = list(codes)
            picks[0] = layout.slot_index(codes[0])
            for method in ("auto", "local-search"):
                r = route(layout, picks, method, start, end)
                s, e = layout.depot(start), layout.depot(end or start)
                nodes = np.unique(layout.nodes_of(codes))
                problem = RoutingProblem(layout, oracle, nodes, s.node, e.node)
                name, tour = plan_tour(problem, method)
                expected = build_route(problem, tour, codes, name, s.name, e.name)
                fields = ("stops", "path", "method", "optimal", "distance", "start", "end")
                assert [getattr(r, f) for f in fields] == [getattr(expected, f) for f in fields]
                assert without_seconds(r.detail) == without_seconds(expected.detail)
                assert r.detail["stopped_by"] == "held-karp"


@pytest.mark.parametrize("n", [HELD_KARP_MAX + 3, HELD_KARP_MAX + 4])
def test_matches_held_karp_just_above_its_range(n: int) -> None:
    """With one or two points between the ends more than HELD_KARP_MAX
    (search, not enumeration) the
    walk's length is Held-Karp's optimum on 25 random Euclidean instances,
    closed tours and open paths alike."""
    for seed in range(25):
        dist = euclidean(n, seed)
        walk, length, detail = solve_matrix(dist, kicks=300, seed=seed)
        assert not detail["optimal"]
        reference, _ = naive.held_karp(dist, 0, n - 1)
        assert length == pytest.approx(reference, abs=ATOL)


def test_walk_is_a_path_with_fixed_ends_and_its_length() -> None:
    """The walk visits every row once, starts at row 0 and ends at the last;
    the length returned is the walk's."""
    for seed in range(10):
        dist = euclidean(60, seed)
        walk, length, _ = solve_matrix(dist, kicks=200, seed=seed)
        assert walk[0] == 0 and walk[-1] == 59
        assert sorted(walk.tolist()) == list(range(60))
        assert length == pytest.approx(naive.walk_length(dist, walk.tolist()), abs=ATOL)


def test_never_longer_than_its_construction_or_nearest(layouts: dict[str, Layout]) -> None:
    """The result is at most the construction it started from, and at most
    what ``nearest`` walks."""
    layout = layouts["fishbone.json"]
    for seed in range(5):
        codes = random_codes(layout, 50, seed)
        r = route(layout, codes, method="local-search")
        assert r.distance <= r.detail["initial_distance_m"] + ATOL
        assert r.distance <= route(layout, codes, method="nearest").distance + ATOL


def test_kicks_improve_on_the_first_local_optimum() -> None:
    """On 100 random points the kicks find shorter walks than plain local search."""
    dist = euclidean(100, 4)
    _, plain, none = solve_matrix(dist, kicks=0)
    _, kicked, detail = solve_matrix(dist, kicks=3000)
    assert none["kicks"] == 0 and detail["improvements"] > 0
    assert kicked < plain - 1e-6


# ---- determinism and the budget ---------------------------------------------------------------
def test_same_seed_same_route(layouts: dict[str, Layout]) -> None:
    """Equal input and seed give equal stops and distance."""
    layout = layouts["fishbone.json"]
    codes = random_codes(layout, 60, 7)
    first = route(layout, codes, method="local-search", seed=3)
    second = route(layout, codes, method="local-search", seed=3)
    assert first.stops == second.stops and first.distance == second.distance


def test_budget_is_counted_in_kicks() -> None:
    """The search stops at its kick budget or its patience, never later."""
    dist = euclidean(80, 2)
    _, _, detail = solve_matrix(dist, kicks=700, patience=10**9)
    assert (detail["kicks"], detail["stopped_by"]) == (700, "budget")
    _, _, detail = solve_matrix(dist, kicks=10**6, patience=50)
    assert detail["stopped_by"] == "no-improvement" and detail["kicks"] < 10**6
    kicks, patience = LOCAL_SEARCH.budget(40)
    assert kicks == max(LOCAL_SEARCH.min_kicks, 40 * LOCAL_SEARCH.kicks_per_pick)
    assert LOCAL_SEARCH.min_kicks <= patience <= kicks
    assert LOCAL_SEARCH.budget(120)[1] / 120 > patience / 40  # grows faster than the picks


def test_chunks_do_what_one_run_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel carries its state between chunks: chunks of 7 kicks give the
    walk of chunks of 512 (the safety clock is read between chunks only)."""
    dist = euclidean(70, 6)
    walk, length, _ = solve_matrix(dist, kicks=300, seed=9)
    monkeypatch.setattr(local_search, "_CHUNK", 7)
    walk7, length7, detail = solve_matrix(dist, kicks=300, seed=9)
    assert walk7.tolist() == walk.tolist() and length7 == length
    assert detail["kicks"] <= 300


def test_time_cap_is_a_reported_safety_stop() -> None:
    """A zero time cap stops before the first kick and says so; the walk is
    still the local optimum of the construction."""
    dist = euclidean(50, 1)
    walk, length, detail = solve_matrix(dist, kicks=1000, time_cap=0.0)
    assert (detail["stopped_by"], detail["kicks"]) == ("time-cap", 0)
    assert sorted(walk.tolist()) == list(range(50))


def test_length_is_the_solved_walks(layouts: dict[str, Layout]) -> None:
    """``length`` (for batching) is the length of ``solve``'s walk measured by
    the oracle, closed and open, and takes nodes unsorted and repeated."""
    layout = many_blocks()
    rng = np.random.default_rng(5)
    for k, (a, b) in ((0, (0, 1)), (0, (0, 0)), (8, (0, 1)), (40, (0, 0)), (40, (1, 0))):
        nodes = rng.choice(layout.pick_nodes, k, replace=False)
        problem = problem_of(layout, nodes, layout.depots[a].node, layout.depots[b].node)
        tour = LOCAL_SEARCH.solve(problem)
        wp = tour.waypoints
        walked = float(problem.oracle.pairwise(wp[:-1], wp[1:]).sum()) if len(wp) > 1 else 0.0
        assert LOCAL_SEARCH.length(problem) == pytest.approx(walked, abs=ATOL)
        shuffled = np.concatenate([problem.nodes[::-1], problem.nodes[:3]])
        messy = RoutingProblem(layout, problem.oracle, shuffled, problem.start, problem.end)
        assert LOCAL_SEARCH.length(messy) == LOCAL_SEARCH.length(problem)


# ---- without the JIT ----------------------------------------------------------------------------
_NO_JIT_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from optimizer.routing.local_search import solve_matrix
    out = []
    for n, seed, kicks in json.loads(sys.argv[1]):
        pts = np.random.default_rng(seed).random((n, 2))
        dist = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2))
        walk, length, detail = solve_matrix(dist, kicks=kicks, seed=seed)
        out.append([walk.tolist(), length, detail["kicks"]])
    print(json.dumps(out))
    """
)


def test_kernels_without_jit() -> None:
    """With NUMBA_DISABLE_JIT=1 the kernels run as Python and give the
    compiled kernels' walks (Held-Karp, constructions, moves and kicks)."""
    cases = [(9, 1, 0), (40, 2, 60), (25, 3, 100)]
    done = subprocess.run(
        [sys.executable, "-c", _NO_JIT_SCRIPT, json.dumps(cases)],
        cwd=ROOT,
        env={**os.environ, "NUMBA_DISABLE_JIT": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for (n, seed, kicks), (walk, length, done_kicks) in zip(
        cases, json.loads(done.stdout), strict=True
    ):
        pts = np.random.default_rng(seed).random((n, 2))
        dist = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2))
        expected, expected_length, detail = solve_matrix(dist, kicks=kicks, seed=seed)
        assert walk == expected.tolist() and done_kicks == detail["kicks"]
        assert length == pytest.approx(expected_length, abs=ATOL)


def test_length_is_the_length_of_the_walk_solve_plans(layouts: dict[str, Layout]) -> None:
    """``length()`` (one compiled call for small budgets, as batching scores)
    equals the length of ``solve()``'s walk, for the batch-scoring estimate
    (Held-Karp, then the search) and for the default budget, on the fishbone
    and on open walks of a five-block warehouse; repeats in the nodes are fine."""
    rng = np.random.default_rng(11)
    fish = layouts["fishbone.json"]
    blocks = many_blocks()
    ends = [d.node for d in blocks.depots]
    for router in (local_search.LOCAL_SEARCH_ESTIMATE, LOCAL_SEARCH):
        for k in (1, 2, 3, 9, 10, 11, 13, 25, 40):
            for layout, end in ((fish, fish.depots[0].node), (blocks, ends[1])):
                nodes = rng.choice(layout.pick_nodes, k, replace=False)
                problem = problem_of(layout, nodes, ends[0] if layout is blocks else end, end)
                tour = router.solve(problem)
                again = RoutingProblem(layout, problem.oracle, np.concatenate([nodes, nodes[:2]]),
                                       problem.start, problem.end)  # fmt: skip
                assert router.length(again) == pytest.approx(tour.length, abs=ATOL)

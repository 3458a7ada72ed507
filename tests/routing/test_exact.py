"""The exact DP router: optimal against Held-Karp on thousands of random one-,
two- and three-block warehouses (any depot position, set-back spurs, open
walks), never worse than LKH-3 on 30-60 picks in the large three-block layout,
the published optimum of a Hessler-Irnich SPRP instance, walks along graph
edges only, and clear refusals where it does not apply; ``length`` (the
optimum alone) agrees with all of it, and the walks stay exact where the
sweep skips empty aisles."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from optimizer.distance import DistanceOracle
from optimizer.errors import RoutingError
from optimizer.io import read_sprp
from optimizer.layout import Layout
from optimizer.layout.spec import read_spec
from optimizer.routing import Route, route, warm_up
from optimizer.routing.api import build_route
from optimizer.routing.base import RoutingProblem, Tour
from optimizer.routing.exact import EXACT, MAX_BLOCKS
from optimizer.routing.exact import warm_up as warm_exact
from optimizer.routing.exact.columns import placement
from optimizer.routing.exact.states import (
    CLOSED,
    ZERO,
    build_machine,
    load_or_build,
    machine,
)
from optimizer.routing.exact.sweep import (
    flat_picks,
    kernel_inputs,
    length_kernel,
)
from tests import naive
from tests.conftest import LAYOUTS, ROOT, benchmark_file

ATOL = 1e-9
MAX_PICKS = 11  # Held-Karp over the depot(s) and 11 picks: a few ms each


# ---- random instances ------------------------------------------------------------
def random_depot(rng: np.random.Generator, aisles: int, blocks: int, spacing: float) -> dict:
    """A depot on any cross-aisle, at an aisle or between two, maybe set back."""
    aisle = int(rng.integers(1, aisles + 1))
    j = int(rng.integers(0, blocks + 1))
    depot: dict[str, Any] = {"aisle": aisle, "at": {0: "front", blocks: "back"}.get(j, j)}
    lo, hi = -(aisle - 1) * spacing, (aisles - aisle) * spacing
    if rng.random() < 0.3:  # anywhere on the cross-aisle, mostly between aisles
        depot["offset"] = round(float(rng.uniform(lo, hi)), 2)
    elif rng.random() < 0.5:  # halfway between aisles, so two depots often share an x
        depot["offset"] = float(rng.choice(np.arange(lo, hi + 1e-9, spacing / 2)))
    if j in (0, blocks) and rng.random() < 0.4:
        depot["setback"] = round(float(rng.uniform(0.3, 3.0)), 1)
    return depot


def random_layout(rng: np.random.Generator, blocks: int, n_depots: int = 1) -> Layout:
    """A small parallel-aisle warehouse with random sizes, spacings and depots."""
    aisles = int(rng.integers(1, 8))
    spacing = round(float(rng.uniform(1.0, 6.0)), 1)
    depots = [random_depot(rng, aisles, blocks, spacing) for _ in range(n_depots)]
    spec = {
        "kind": "parallel-aisles",
        "aisles": aisles,
        "blocks": blocks,
        "cells": int(rng.integers(1, 9)),
        "cell_length": round(float(rng.uniform(0.5, 2.0)), 1),
        "aisle_spacing": spacing,
        "cross_aisle_to_cell": round(float(rng.uniform(0.2, 3.0)), 1),
        "sides": int(rng.integers(1, 3)),
        "depots": [{"name": f"D{k}", **d} for k, d in enumerate(depots)],
    }
    return Layout.from_spec(spec, source=f"random spec {spec}")


@dataclass(frozen=True)
class Case:
    """One solved instance and its Held-Karp optimum."""

    problem: RoutingProblem
    tour: Tour
    reference: float


def solve_cases(
    blocks: int,
    layouts: int,
    per_layout: int,
    seed: int,
    open_walk: bool = False,
    max_picks: int = MAX_PICKS,
) -> list[Case]:
    """Random instances solved by the DP and by Held-Karp over the oracle's matrix."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(layouts):
        layout = random_layout(rng, blocks, n_depots=2 if open_walk else 1)
        oracle = DistanceOracle(layout)
        start, end = layout.depots[0].node, layout.depots[-1].node
        for _ in range(per_layout):
            fewest = 0 if open_walk else 1  # an open walk may just go from depot to depot
            k = int(rng.integers(fewest, min(max_picks, layout.pick_nodes.size) + 1))
            picks = np.sort(rng.choice(layout.pick_nodes, k, replace=False))
            problem = RoutingProblem(layout, oracle, picks, start, end)
            points = [start, *picks.tolist()] + ([end] if end != start else [])
            D = oracle.matrix(points)
            reference, _ = naive.held_karp(D, 0, len(points) - 1 if end != start else None)
            cases.append(Case(problem, EXACT.solve(problem), reference))
    return cases


@pytest.fixture(scope="module")
def single_cases() -> list[Case]:
    """1,000 closed tours in random one-block warehouses."""
    return solve_cases(blocks=1, layouts=125, per_layout=8, seed=1)


@pytest.fixture(scope="module")
def two_block_cases() -> list[Case]:
    """1,000 closed tours in random two-block warehouses."""
    return solve_cases(blocks=2, layouts=125, per_layout=8, seed=2)


@pytest.fixture(scope="module")
def open_cases() -> list[Case]:
    """400 walks between two random depots (rarely the same one), one and two blocks."""
    return solve_cases(1, 50, 4, seed=3, open_walk=True) + solve_cases(
        2, 50, 4, seed=4, open_walk=True
    )


@pytest.fixture(scope="module")
def three_block_cases() -> list[Case]:
    """1,000 closed tours in random three-block warehouses, depot on any of the
    four cross-aisles, 1 to 10 picks."""
    return solve_cases(blocks=3, layouts=250, per_layout=4, seed=7, max_picks=10)


@pytest.fixture(scope="module")
def three_block_open_cases() -> list[Case]:
    """400 walks between two random depots of random three-block warehouses."""
    return solve_cases(blocks=3, layouts=100, per_layout=4, seed=8, open_walk=True, max_picks=10)


@pytest.fixture(scope="module")
def four_block_cases() -> list[Case]:
    """1,000 closed tours in random four-block warehouses, depot on any of the
    five cross-aisles, 1 to 8 picks (Held-Karp stays cheap)."""
    return solve_cases(blocks=4, layouts=250, per_layout=4, seed=21, max_picks=8)


@pytest.fixture(scope="module")
def four_block_open_cases() -> list[Case]:
    """200 walks between two random depots of random four-block warehouses."""
    return solve_cases(blocks=4, layouts=50, per_layout=4, seed=22, open_walk=True, max_picks=8)


@pytest.fixture(scope="module")
def all_cases(
    single_cases, two_block_cases, open_cases, three_block_cases, three_block_open_cases,
    four_block_cases, four_block_open_cases,
) -> list[Case]:  # fmt: skip
    """Every random case above."""
    return (single_cases + two_block_cases + open_cases + three_block_cases
            + three_block_open_cases + four_block_cases + four_block_open_cases)  # fmt: skip


def walked(case: Case) -> float:
    """Sum of the oracle's distances between consecutive waypoints."""
    wp = case.tour.waypoints
    if len(wp) == 1:
        return 0.0
    return float(case.problem.oracle.pairwise(wp[:-1], wp[1:]).sum())


# ---- optimality ---------------------------------------------------------------------
def test_single_block_optimum_equals_held_karp(single_cases):
    """One block, any depot: the DP's optimum is Held-Karp's, on 1,000 instances."""
    for case in single_cases:
        assert case.tour.detail["optimum"] == pytest.approx(case.reference, abs=ATOL)


def test_two_block_optimum_equals_held_karp(two_block_cases):
    """Two blocks, any depot: the DP's optimum is Held-Karp's, on 1,000 instances."""
    for case in two_block_cases:
        assert case.tour.detail["optimum"] == pytest.approx(case.reference, abs=ATOL)


def test_open_walk_optimum_equals_held_karp(open_cases):
    """From one depot to another: the DP's optimum is Held-Karp's shortest path."""
    for case in open_cases:
        assert case.tour.detail["optimum"] == pytest.approx(case.reference, abs=ATOL)


def test_three_block_optimum_equals_held_karp(three_block_cases):
    """Three blocks, any depot: the DP's optimum is Held-Karp's, on 1,000 instances."""
    for case in three_block_cases:
        assert case.tour.detail["optimum"] == pytest.approx(case.reference, abs=ATOL)


def test_three_block_open_walk_optimum_equals_held_karp(three_block_open_cases):
    """Three blocks, from one depot to another: Held-Karp's shortest path, 400 times."""
    for case in three_block_open_cases:
        assert case.tour.detail["optimum"] == pytest.approx(case.reference, abs=ATOL)


def test_four_block_optimum_equals_held_karp(four_block_cases):
    """Four blocks, any depot: the DP's optimum is Held-Karp's, on 1,000 instances."""
    assert len(four_block_cases) == 1000
    for case in four_block_cases:
        assert case.tour.detail["optimum"] == pytest.approx(case.reference, abs=ATOL)


def test_lkh_never_beats_the_four_block_optimum(four_block_cases):
    """On the same 1,000 four-block tours LKH-3 (elkai, one run, integer
    millimetres) never walks less than the DP's optimum."""
    elkai = pytest.importorskip("elkai")
    checked = 0
    for case in four_block_cases:
        p = case.problem
        D = p.oracle.matrix([p.start, *p.nodes.tolist()])
        if D.shape[0] < 3:  # elkai needs three points; one pick is out and back
            continue
        order = elkai.DistanceMatrix(np.rint(D * 1000).astype(int).tolist()).solve_tsp(runs=1)
        assert case.tour.detail["optimum"] <= naive.walk_length(D, order) + 1e-6
        checked += 1
    assert checked > 800


def test_four_block_open_walk_optimum_equals_held_karp(four_block_open_cases):
    """Four blocks, from one depot to another: Held-Karp's shortest path, 200 times."""
    for case in four_block_open_cases:
        assert case.tour.detail["optimum"] == pytest.approx(case.reference, abs=ATOL)


def test_four_block_cases_cover_the_cross_aisles(four_block_cases, four_block_open_cases):
    """The random four-block depots sit on each of the five cross-aisles, and
    the instances reach 8 picks and open walks."""
    cases = four_block_cases + four_block_open_cases
    where = set()
    for case in cases:
        for node in (case.problem.start, case.problem.end):
            p = placement(case.problem.layout, node)
            assert p is not None
            where.add(p.cross_aisle)
    assert where == set(range(5))
    assert max(case.problem.nodes.size for case in cases) == 8
    assert sum(case.problem.start != case.problem.end for case in cases) >= 150


def test_three_block_cases_cover_the_depot_positions(three_block_cases, three_block_open_cases):
    """The random three-block instances put depots on each of the four
    cross-aisles, between aisles and set back, walk open paths, and reach
    10 picks, so the Held-Karp checks above exercise all of them."""
    cases = three_block_cases + three_block_open_cases
    where = set()
    for case in cases:
        geo = case.problem.layout.aisles
        assert geo is not None and geo.n_blocks == 3
        for node in (case.problem.start, case.problem.end):
            p = placement(case.problem.layout, node)
            assert p is not None
            where.add(("cross-aisle", p.cross_aisle))
            where.add(("between aisles", p.attach not in geo.junction[:, p.cross_aisle]))
            where.add(("set back", p.setback > 0))
    assert where >= {("cross-aisle", c) for c in range(4)} | {
        ("between aisles", True),
        ("between aisles", False),
        ("set back", True),
    }
    assert sum(case.problem.nodes.size >= 8 for case in three_block_cases) >= 250
    assert max(case.problem.nodes.size for case in cases) == 10
    assert sum(case.problem.start != case.problem.end for case in cases) >= 300


def test_small_instances_match_brute_force(single_cases, two_block_cases):
    """Up to 6 picks the optimum also equals trying every order."""
    small = [c for c in single_cases + two_block_cases if c.problem.nodes.size <= 6][:150]
    assert len(small) >= 100
    for case in small:
        p = case.problem
        expected, _ = naive.brute_force_tour(p.oracle.matrix([p.start, *p.nodes.tolist()]))
        assert case.tour.detail["optimum"] == pytest.approx(expected, abs=ATOL)


def test_tours_are_marked_optimal(all_cases):
    """Every tour the DP returns says it is proven optimal."""
    assert all(case.tour.optimal for case in all_cases)


# ---- the walk ---------------------------------------------------------------------------
def test_waypoint_distances_sum_to_the_optimum(all_cases):
    """Joining the waypoints by shortest walks costs exactly the DP's optimum."""
    for case in all_cases:
        assert walked(case) == pytest.approx(case.tour.detail["optimum"], abs=ATOL)


def test_waypoints_run_from_start_to_end(all_cases):
    """The waypoints begin at the start depot and finish at the end depot."""
    for case in all_cases:
        wp = case.tour.waypoints
        assert (wp[0], wp[-1]) == (case.problem.start, case.problem.end)


def test_waypoints_cover_every_pick(all_cases):
    """Every pick node is itself a waypoint (the DP's walk stops at it)."""
    for case in all_cases:
        assert set(case.problem.nodes.tolist()) <= set(case.tour.waypoints)


def test_tour_path_is_the_oracle_walk(all_cases):
    """The node path the DP builds is exactly the oracle's walk through its
    waypoints (the walk ``route()`` would otherwise expand)."""
    walked_by_dp = 0
    for case in all_cases:
        path = case.tour.path
        if path is None:  # no picks, depots on one vertex: solved without the DP
            assert case.problem.nodes.size == 0
        else:
            assert path.tolist() == case.problem.oracle.walk(case.tour.waypoints)
            walked_by_dp += 1
    assert walked_by_dp >= 3300


def test_consecutive_waypoints_are_straight_steps(all_cases):
    """Consecutive waypoints lie on one aisle or one cross-aisle and the walk
    between them is that straight segment, so its expansion is the DP's walk."""
    for case in all_cases:
        xy, oracle = case.problem.layout.xy, case.problem.oracle
        for u, v in itertools.pairwise(case.tour.waypoints):
            dx, dy = np.abs(xy[u] - xy[v])
            assert u != v
            assert min(dx, dy) < ATOL
            assert oracle.distance(u, v) == pytest.approx(dx + dy, abs=ATOL)


def test_three_block_depots_sharing_a_column_match_held_karp():
    """Three blocks, depots between the same two aisles on all four
    cross-aisles: every start/end pair, closed or open, is optimal (``solve``
    and ``length``)."""
    spec = {
        "kind": "parallel-aisles", "aisles": 4, "blocks": 3, "cells": 3, "cell_length": 1.0,
        "aisle_spacing": 3.0, "cross_aisle_to_cell": 1.0,
        "depots": [
            {"name": "F", "aisle": 2, "at": "front", "offset": 1.5, "setback": 1.0},
            {"name": "M1", "aisle": 2, "at": 1, "offset": 1.5},
            {"name": "M2", "aisle": 3, "at": 2},
            {"name": "B", "aisle": 2, "at": "back", "offset": 1.5},
        ],
    }  # fmt: skip
    layout = Layout.from_spec(spec)
    oracle = DistanceOracle(layout)
    rng = np.random.default_rng(9)
    for a, b in itertools.product(layout.depots, repeat=2):
        for _ in range(8):
            picks = np.sort(rng.choice(layout.pick_nodes, int(rng.integers(0, 9)), replace=False))
            points = [a.node, *picks.tolist()] + ([b.node] if b != a else [])
            expected, _ = naive.held_karp(
                oracle.matrix(points), 0, len(points) - 1 if b != a else None
            )
            problem = RoutingProblem(layout, oracle, picks, a.node, b.node)
            assert EXACT.solve(problem).detail["optimum"] == pytest.approx(expected, abs=ATOL)
            assert EXACT.length(problem) == pytest.approx(expected, abs=ATOL)


def test_depots_sharing_a_column_match_held_karp():
    """Depots between the same two aisles on the front, middle and back
    cross-aisles (one column, three depot vertices): every start/end pair,
    closed or open, is optimal (``solve`` and ``length``)."""
    spec = {
        "kind": "parallel-aisles", "aisles": 4, "blocks": 2, "cells": 3, "cell_length": 1.0,
        "aisle_spacing": 3.0, "cross_aisle_to_cell": 1.0,
        "depots": [
            {"name": "F", "aisle": 2, "at": "front", "offset": 1.5, "setback": 1.0},
            {"name": "M", "aisle": 2, "at": 1, "offset": 1.5},
            {"name": "B", "aisle": 2, "at": "back", "offset": 1.5},
        ],
    }  # fmt: skip
    layout = Layout.from_spec(spec)
    oracle = DistanceOracle(layout)
    rng = np.random.default_rng(6)
    for a, b in itertools.product(layout.depots, repeat=2):
        for _ in range(15):
            picks = np.sort(rng.choice(layout.pick_nodes, int(rng.integers(0, 8)), replace=False))
            points = [a.node, *picks.tolist()] + ([b.node] if b != a else [])
            expected, _ = naive.held_karp(
                oracle.matrix(points), 0, len(points) - 1 if b != a else None
            )
            problem = RoutingProblem(layout, oracle, picks, a.node, b.node)
            assert EXACT.solve(problem).detail["optimum"] == pytest.approx(expected, abs=ATOL)
            assert EXACT.length(problem) == pytest.approx(expected, abs=ATOL)


# ---- the classes -------------------------------------------------------------------------
def closed_classes(n_blocks: int) -> set[tuple[int, ...]]:
    """Classes reachable when no vertex needs odd degree (closed tours)."""
    m = machine(n_blocks)
    seen, todo = {m.empty}, [m.empty]
    while todo:
        s = todo.pop()
        steps = [*m.vnext[:, s].ravel().tolist(), *m.hto[0, s, : m.hcount[0, s]].tolist()]
        for t in steps:
            if t >= 0 and t not in seen:
                seen.add(t)
                todo.append(t)
    return {m.states[s] for s in seen}


def test_one_block_classes_are_ratliff_rosenthals():
    """Closed tours in one block meet exactly the 7 classes of Ratliff & Rosenthal:
    (U,U,1C) (E,0,1C) (0,E,1C) (E,E,1C) (E,E,2C) (0,0,0C) (0,0,1C)."""
    E, U = 1, 2
    expected = {
        (U, U, 0, 0),
        (E, ZERO, 0, -1),
        (ZERO, E, -1, 0),
        (E, E, 0, 0),
        (E, E, 0, 1),
        (ZERO, ZERO, -1, -1),
        CLOSED,
    }
    assert closed_classes(1) == expected


def test_class_counts():
    """Closed tours meet 7, 25 and 113 classes with 1, 2 and 3 blocks; open
    walks (odd ends) raise the totals to 14, 72, 442 and, with four blocks,
    2,956. The tables are built once per block count and cached."""
    assert [len(closed_classes(m)) for m in (1, 2, 3)] == [7, 25, 113]
    assert [len(machine(m).states) for m in (1, 2, 3, 4)] == [14, 72, 442, 2956]
    assert machine(3) is machine(3)


def test_tables_round_trip_through_the_disk_cache(tmp_path):
    """Tables written to the cache directory read back equal to freshly built
    ones; a damaged file is built again and replaced."""
    built = build_machine(2)
    first = load_or_build(2, tmp_path)
    [path] = tmp_path.glob("exact-classes-2-blocks-*.npz")
    again = load_or_build(2, tmp_path)
    for m in (first, again):
        assert m.states == built.states and (m.empty, m.closed) == (built.empty, built.closed)
        for name in ("vnext", "hcount", "hcode", "hto", "hvisit", "xsum"):
            assert np.array_equal(getattr(m, name), getattr(built, name)), name
    path.write_bytes(b"not a table")
    assert load_or_build(2, tmp_path).states == built.states
    assert load_or_build(2, tmp_path / "file-not-dir" / "x").states == built.states
    assert np.load(path)["head"].tolist()[0] == 2


def test_class_tables_go_to_the_user_cache_directory(monkeypatch, tmp_path):
    """The tables are kept in pickopt's user cache directory (``PICKOPT_CACHE_DIR``
    here), where the numba kernels of a read-only install go too."""
    monkeypatch.setenv("PICKOPT_CACHE_DIR", str(tmp_path))
    built = machine.__wrapped__(1)  # past the per-process memo
    assert [p.name.startswith("exact-classes-1-blocks-") for p in tmp_path.iterdir()] == [True]
    assert load_or_build(1, tmp_path).states == built.states


def test_warm_up_prepares_every_block_count():
    """``routing.warm_up`` builds or loads the tables of 1 to 4 blocks; a bad
    block count is refused."""
    warm_up()
    assert machine.cache_info().currsize >= 4
    with pytest.raises(RoutingError, match="max_blocks"):
        warm_exact(MAX_BLOCKS + 1)


def test_cross_step_options_are_forced_by_parity():
    """Once the parity each vertex must end with is known, each edge count's
    parity is forced: at most 2^4 of the 3^4 cross steps remain with 3 blocks."""
    m = machine(3)
    assert m.hcode.shape[2] <= 16
    assert m.hcount.max() <= 16


# ---- the published optimum ------------------------------------------------------------------
def test_sprp_published_optimum():
    """unit_F1_m5_C30_a7_12 (5 aisles, 30 cells, 7 picks, depot at aisle 3):
    the DP finds the published optimum, 94."""
    layout, picks = read_sprp(benchmark_file("hessler-irnich/SPRP/unit_F1_m5_C30_a7_12.txt"))
    r = route(layout, picks, method="exact")
    assert (r.distance, r.optimal) == (94, True)


# ---- routes through the public API ----------------------------------------------------------
@pytest.fixture(scope="module")
def large() -> Layout:
    """multi_block_large (40 aisles, 3 blocks) with two more depots, on the
    first middle cross-aisle between aisles and on the back cross-aisle."""
    spec = read_spec(LAYOUTS / "multi_block_large.toml")
    spec["depots"] = [
        *spec["depots"],
        {"name": "M1", "aisle": 7, "at": 1, "offset": 2.25},
        {"name": "BK", "aisle": 33, "at": "back", "setback": 1.0},
    ]
    return Layout.from_spec(spec, source="multi_block_large.toml + 2 depots")


@pytest.fixture(scope="module")
def routes(single_block, two_block, large) -> list[Route]:
    """Exact routes on the shipped one-, two- and three-block layouts, 1 to 60
    picks (100 on the three-block one), closed from every depot and open
    between the depots of two_block and of multi_block_large."""
    rng = np.random.default_rng(5)
    out = []
    for layout in (single_block, two_block, large):
        ends = [(d.name, d.name) for d in layout.depots]
        ends += [(a.name, b.name) for a, b in itertools.permutations(layout.depots, 2)]
        for start, end in ends:
            for k in (1, 2, 5, 10, 30, 60, *((100,) if layout is large else ())):
                picks = rng.choice(len(layout.slots), k, replace=False).tolist()
                out.append(route(layout, picks, method="exact", start=start, end=end))
    return out


def test_route_path_follows_graph_edges(routes):
    """Every step of ``Route.path`` is an edge of the layout graph."""
    for r in routes:
        edges = {tuple(e) for e in r.layout.edges.tolist()}
        for u, v in itertools.pairwise(r.path):
            assert (min(u, v), max(u, v)) in edges


def test_route_path_starts_and_ends_at_the_depots(routes):
    """``Route.path`` begins at the start depot's node and ends at the end depot's."""
    for r in routes:
        layout = r.layout
        assert (r.path[0], r.path[-1]) == (layout.depot(r.start).node, layout.depot(r.end).node)


def test_route_path_visits_every_pick(routes):
    """Every stop's pick node is on ``Route.path``."""
    for r in routes:
        assert set(r.stop_nodes) <= set(r.path)


def test_route_path_length_equals_distance(routes):
    """The edge lengths along ``Route.path`` add up to ``Route.distance``."""
    for r in routes:
        ends = map(tuple, r.layout.edges.tolist())
        length = dict(zip(ends, r.layout.edge_length.tolist(), strict=True))
        total = sum(length[min(u, v), max(u, v)] for u, v in itertools.pairwise(r.path))
        assert total == pytest.approx(r.distance, abs=ATOL)


def test_route_paths_cover_the_large_layout(routes):
    """The fixture routes on multi_block_large, closed and open, all three
    depots, and every one is exact and proven optimal."""
    on_large = [r for r in routes if r.layout.name == "multi_block_large"]
    assert {(r.start, r.end) for r in on_large} == set(
        itertools.product(["D1", "M1", "BK"], repeat=2)
    )
    assert all(r.method == "exact" and r.optimal for r in on_large)


def test_large_layout_matches_held_karp(large):
    """10 picks in multi_block_large between any two of its three depots
    (front with a spur, middle cross-aisle, back): ``solve`` and ``length``
    give Held-Karp's optimum."""
    oracle = DistanceOracle.for_layout(large)
    rng = np.random.default_rng(12)
    for a, b in itertools.product(large.depots, repeat=2):
        for _ in range(4):
            picks = np.sort(rng.choice(large.pick_nodes, 10, replace=False))
            points = [a.node, *picks.tolist()] + ([b.node] if b != a else [])
            expected, _ = naive.held_karp(
                oracle.matrix(points), 0, len(points) - 1 if b != a else None
            )
            problem = RoutingProblem(large, oracle, picks, a.node, b.node)
            assert EXACT.solve(problem).detail["optimum"] == pytest.approx(expected, abs=ATOL)
            assert EXACT.length(problem) == pytest.approx(expected, abs=ATOL)


def test_auto_is_exact_on_multi_block_large(layouts):
    """``method="auto"`` runs the exact DP on the shipped three-block layout."""
    layout = layouts["multi_block_large.toml"]
    picks = np.random.default_rng(10).choice(len(layout.slots), 40, replace=False).tolist()
    r = route(layout, picks)
    assert (r.method, r.optimal) == ("exact", True)
    assert r.distance == pytest.approx(r.detail["optimum"], abs=ATOL)


def test_never_worse_than_lkh_on_four_blocks():
    """On 30 and 60 picks in a 24-aisle four-block warehouse, closed and from
    one depot to another, LKH-3 (elkai) never finds a shorter walk."""
    elkai = pytest.importorskip("elkai")
    spec = {
        "kind": "parallel-aisles", "aisles": 24, "blocks": 4, "cells": 15,
        "cell_length": 1.2, "aisle_spacing": 4.5, "cross_aisle_to_cell": 1.5,
        "depots": [{"name": "A", "aisle": 12, "at": "front", "offset": 2.25},
                   {"name": "B", "aisle": 3, "at": 2}],
    }  # fmt: skip
    layout = Layout.from_spec(spec)
    oracle = DistanceOracle.for_layout(layout)
    a, b = layout.depots[0].node, layout.depots[1].node
    rng = np.random.default_rng(23)
    for k, end in ((30, a), (60, a), (30, b), (60, b)):
        picks = np.sort(rng.choice(layout.pick_nodes, k, replace=False))
        tour = EXACT.solve(RoutingProblem(layout, oracle, picks, a, end))
        big = 0.0
        if end == a:
            D = oracle.matrix([a, *picks.tolist()])
        else:  # a path as a tour: the end joined to the start by a zero-cost
            # edge that every tour takes (the others made very long)
            D = oracle.matrix([a, *picks.tolist(), end])
            big = 10.0 * D.max()
            D[0, -1] = D[-1, 0] = 0.0
            D[0, 1:-1] += big
            D[1:-1, 0] += big
        order = elkai.DistanceMatrix(np.rint(D * 1000).astype(int).tolist()).solve_tsp(runs=1)
        length = naive.walk_length(D, order) - big
        assert tour.detail["optimum"] <= length + 1e-6


def test_never_worse_than_lkh_on_multi_block_large(layouts):
    """On 30 and 60 picks in multi_block_large, the DP's optimum is at most
    the length of LKH-3's tour (elkai) over the oracle's matrix."""
    elkai = pytest.importorskip("elkai")
    layout = layouts["multi_block_large.toml"]
    oracle = DistanceOracle.for_layout(layout)
    depot = layout.depots[0].node
    rng = np.random.default_rng(11)
    for k in (30, 30, 60, 60):
        picks = np.sort(rng.choice(layout.pick_nodes, k, replace=False))
        tour = EXACT.solve(RoutingProblem(layout, oracle, picks, depot, depot))
        D = oracle.matrix([depot, *picks.tolist()])
        order = elkai.DistanceMatrix(np.rint(D * 1000).astype(int).tolist()).solve_tsp(runs=1)
        assert tour.detail["optimum"] <= naive.walk_length(D, order) + ATOL


# ---- the optimum alone: length() ------------------------------------------------------------
def sparse_cases(blocks: int, n: int, seed: int, one_aisle: bool = False) -> list[Case]:
    """Random instances in 4 to 14 aisles whose picks all lie in one to three
    aisles (one with ``one_aisle``), so most aisles are empty; any depots,
    closed tours and open walks, 0 to 9 picks; Held-Karp's optimum."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        aisles = int(rng.integers(4, 15))
        spacing = round(float(rng.uniform(1.0, 6.0)), 1)
        spec = {
            "kind": "parallel-aisles", "aisles": aisles, "blocks": blocks,
            "cells": int(rng.integers(1, 7)),
            "cell_length": round(float(rng.uniform(0.5, 2.0)), 1), "aisle_spacing": spacing,
            "cross_aisle_to_cell": round(float(rng.uniform(0.2, 3.0)), 1),
            "depots": [{"name": f"D{k}", **random_depot(rng, aisles, blocks, spacing)}
                       for k in range(2)],
        }  # fmt: skip
        layout = Layout.from_spec(spec)
        oracle = DistanceOracle(layout)
        start = layout.depots[0].node
        end = layout.depots[int(rng.integers(0, 2))].node
        geo = layout.aisles
        assert geo is not None
        chosen = rng.choice(aisles, 1 if one_aisle else int(rng.integers(1, 4)), replace=False)
        pool = np.intersect1d(geo.pick_node[chosen].ravel(), layout.pick_nodes)
        k = int(rng.integers(0 if end != start else 1, min(9, pool.size) + 1))
        picks = np.sort(rng.choice(pool, k, replace=False))
        problem = RoutingProblem(layout, oracle, picks, start, end)
        points = [start, *picks.tolist()] + ([end] if end != start else [])
        reference, _ = naive.held_karp(
            oracle.matrix(points), 0, len(points) - 1 if end != start else None
        )
        cases.append(Case(problem, EXACT.solve(problem), reference))
    return cases


def test_length_equals_the_optimum(all_cases):
    """``length`` (a cost-only sweep that skips columns) returns ``solve``'s
    optimum, and so Held-Karp's, on all the random instances above."""
    for case in all_cases:
        assert EXACT.length(case.problem) == pytest.approx(case.tour.detail["optimum"], abs=ATOL)


@pytest.mark.parametrize("blocks", [1, 2, 3, 4])
def test_length_with_many_empty_aisles_matches_held_karp(blocks):
    """Picks in one to three of up to 14 aisles, any depots, closed and open:
    ``length`` equals ``solve``'s optimum and Held-Karp's."""
    cases = sparse_cases(blocks, 150, seed=20 + blocks)
    empty = []
    for case in cases:
        geo = case.problem.layout.aisles
        assert geo is not None
        used = np.isin(geo.pick_node, case.problem.nodes).any(axis=(1, 2))
        empty.append(1 - used.mean())
        optimum = case.tour.detail["optimum"]
        assert EXACT.length(case.problem) == pytest.approx(optimum, abs=ATOL)
        assert optimum == pytest.approx(case.reference, abs=ATOL)
    assert np.mean(empty) > 0.7
    assert sum(c.problem.start != c.problem.end for c in cases) >= 50


@pytest.mark.parametrize("blocks", [1, 2, 3, 4])
def test_length_with_all_picks_in_one_aisle_matches_held_karp(blocks):
    """All picks in one aisle (any of its blocks), any depots, closed and
    open: ``length`` equals ``solve``'s optimum and Held-Karp's."""
    for case in sparse_cases(blocks, 100, seed=30 + blocks, one_aisle=True):
        optimum = case.tour.detail["optimum"]
        assert EXACT.length(case.problem) == pytest.approx(optimum, abs=ATOL)
        assert optimum == pytest.approx(case.reference, abs=ATOL)


def test_length_equals_solve_on_multi_block_large(large):
    """multi_block_large between any two of its three depots, 0 to 100 picks:
    ``length`` equals ``solve``'s optimum."""
    oracle = DistanceOracle.for_layout(large)
    rng = np.random.default_rng(13)
    for a, b in itertools.product(large.depots, repeat=2):
        for k in (0, 1, 2, 5, 15, 40, 100):
            picks = np.sort(rng.choice(large.pick_nodes, k, replace=False))
            problem = RoutingProblem(large, oracle, picks, a.node, b.node)
            optimum = EXACT.solve(problem).detail["optimum"]
            assert EXACT.length(problem) == pytest.approx(optimum, abs=ATOL)


# ---- the walk where the sweep skips columns ------------------------------------------------
def assert_straight_steps(case: Case) -> int:
    """Consecutive waypoints are distinct and lie on one aisle or one
    cross-aisle, joined by that straight stretch; returns how many steps run
    along a cross-aisle past at least one aisle (over a skipped column)."""
    layout, oracle = case.problem.layout, case.problem.oracle
    geo = layout.aisles
    assert geo is not None
    past = 0
    for u, v in itertools.pairwise(case.tour.waypoints):
        dx, dy = np.abs(layout.xy[u] - layout.xy[v])
        assert u != v
        assert min(dx, dy) < ATOL
        assert oracle.distance(u, v) == pytest.approx(dx + dy, abs=ATOL)
        lo, hi = sorted((layout.xy[u, 0], layout.xy[v, 0]))
        past += dy < ATOL and bool(((geo.aisle_x > lo + ATOL) & (geo.aisle_x < hi - ATOL)).any())
    return past


@pytest.mark.parametrize("blocks", [1, 2, 3, 4])
def test_solve_with_skipped_columns_matches_held_karp(blocks):
    """Picks in one to three of up to 14 aisles (most columns skipped), any
    depots, closed and open: ``solve``'s optimum is Held-Karp's, its
    waypoints run from start to end through every pick in straight steps,
    some of them along a cross-aisle past skipped aisles, and their distances
    add up to the optimum, which the tour also gives as its length."""
    cases = sparse_cases(blocks, 150, seed=40 + blocks)
    past = 0
    for case in cases:
        p, tour = case.problem, case.tour
        optimum = tour.detail["optimum"]
        assert optimum == pytest.approx(case.reference, abs=ATOL)
        assert tour.length == optimum and tour.optimal
        assert (tour.waypoints[0], tour.waypoints[-1]) == (p.start, p.end)
        assert set(p.nodes.tolist()) <= set(tour.waypoints)
        assert walked(case) == pytest.approx(optimum, abs=ATOL)
        if tour.path is not None:
            assert tour.path.tolist() == p.oracle.walk(tour.waypoints)
        past += assert_straight_steps(case)
    assert past >= 100


def test_skipped_columns_on_the_large_layout(large):
    """multi_block_large between any two of its three depots, 1 to 15 picks in
    a few aisles: the walk is optimal (Held-Karp up to 10 picks), straight,
    passes skipped aisles and, through ``route()``, follows graph edges for
    exactly the optimum."""
    oracle = DistanceOracle.for_layout(large)
    geo = large.aisles
    assert geo is not None
    rng = np.random.default_rng(16)
    length = dict(zip(map(tuple, large.edges.tolist()), large.edge_length.tolist(), strict=True))
    codes = {s.node: s.code for s in large.slots}
    past = 0
    for a, b in itertools.product(large.depots, repeat=2):
        for k in (1, 4, 10, 15):
            aisles = rng.choice(geo.n_aisles, int(rng.integers(1, 4)), replace=False)
            picks = np.sort(rng.choice(geo.pick_node[aisles].ravel(), k, replace=False))
            problem = RoutingProblem(large, oracle, picks, a.node, b.node)
            tour = EXACT.solve(problem)
            case = Case(problem, tour, tour.detail["optimum"])
            if k <= 10:
                points = [a.node, *picks.tolist()] + ([b.node] if b != a else [])
                expected, _ = naive.held_karp(
                    oracle.matrix(points), 0, len(points) - 1 if b != a else None
                )
                assert tour.detail["optimum"] == pytest.approx(expected, abs=ATOL)
            assert walked(case) == pytest.approx(tour.detail["optimum"], abs=ATOL)
            past += assert_straight_steps(case)
            r = route(large, [codes[n] for n in picks.tolist()], "exact", a.name, b.name)
            assert r.distance == tour.detail["optimum"]
            assert list(r.path) == oracle.walk(tour.waypoints)
            total = sum(length[min(u, v), max(u, v)] for u, v in itertools.pairwise(r.path))
            assert total == pytest.approx(r.distance, abs=ATOL)
    assert past >= 30


def first_pass_stops(r: Route, codes: list[str]) -> tuple[str, ...]:
    """The codes ordered by the first step of ``r.path`` at their node, ties
    (repeats, codes on one node) in the order given, each code once."""
    first: dict[int, int] = {}
    for step, node in enumerate(r.path):
        first.setdefault(node, step)
    order = sorted(range(len(codes)), key=lambda i: (first[r.layout.slot(codes[i]).node], i))
    return tuple(dict.fromkeys(codes[i] for i in order))


@pytest.mark.parametrize("method", ["exact", "s-shape", "nearest"])
def test_stops_in_first_pass_order(two_block, method):
    """``Route.stops`` lists each code once, in the order the path first
    reaches its node; codes on one node and repeats keep the order given."""
    rng = np.random.default_rng(17)
    by_node: dict[int, list[str]] = {}
    for slot in two_block.slots:
        by_node.setdefault(slot.node, []).append(slot.code)
    shared = [codes for codes in by_node.values() if len(codes) > 1]
    assert shared
    for _ in range(20):
        codes = [two_block.slots[i].code for i in rng.choice(len(two_block.slots), 12).tolist()]
        codes += list(shared[int(rng.integers(len(shared)))])[::-1] + codes[:3]
        codes = [codes[i] for i in rng.permutation(len(codes))]
        r = route(two_block, codes, method=method)
        assert r.stops == first_pass_stops(r, codes)
        assert len(r.stops) == len(set(codes))


def test_build_route_names_the_first_missed_pick(single_block):
    """A tour that misses picks is refused, naming the first missed code in
    the order given; without ``Tour.length`` the distance is the waypoints'
    sum, with it, that length."""
    oracle = DistanceOracle.for_layout(single_block)
    depot = single_block.depots[0].node
    geo = single_block.aisles
    assert geo is not None
    code_of = {s.node: s.code for s in single_block.slots}
    far = [oracle.distance(depot, int(n)) for n in geo.pick_node[:, 0, 0]]
    aisles = np.argsort(far)[[0, -1, -2]]  # the first reached without passing the others
    codes = [code_of[int(geo.pick_node[i, 0, 0])] for i in aisles]
    nodes = np.unique(single_block.nodes_of(codes))
    problem = RoutingProblem(single_block, oracle, nodes, depot, depot)
    reached = single_block.slot(codes[0]).node
    with pytest.raises(RoutingError, match=f"missed pick {codes[1]!r}"):
        build_route(problem, Tour([depot, reached, depot]), codes, "test", "D", "D")
    wp = [depot, *nodes.tolist(), depot]
    summed = build_route(problem, Tour(wp), codes, "test", "D", "D")
    assert summed.distance == float(oracle.pairwise(wp[:-1], wp[1:]).sum())
    given = build_route(problem, Tour(wp, length=123.0), codes, "test", "D", "D")
    assert given.distance == 123.0 and given.path == summed.path


def test_route_distance_is_the_optimum(routes):
    """Exact routes report the DP's optimum as their distance (the tests
    above check it against the path and the waypoints)."""
    for r in routes:
        assert r.distance == r.detail["optimum"]


_NO_JIT_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numba, numpy as np
    from optimizer.distance import DistanceOracle
    from optimizer.layout import Layout
    from optimizer.routing.base import RoutingProblem
    from optimizer.routing.exact import EXACT
    from optimizer.routing.exact.sweep import route_kernel

    assert numba.config.DISABLE_JIT and not hasattr(route_kernel, "py_func")
    out = []
    for name, picks, start, end in json.loads(sys.argv[1]):
        layout = Layout.from_file("layouts/" + name)
        problem = RoutingProblem(layout, DistanceOracle(layout), np.array(picks), start, end)
        tour = EXACT.solve(problem)
        out.append([tour.waypoints, tour.path.tolist(), tour.length, EXACT.length(problem)])
    print(json.dumps(out))
    """
)


def test_route_kernels_without_jit(layouts):
    """With NUMBA_DISABLE_JIT=1 the sweep, the walk back and the Euler walk
    run as Python and give the compiled kernels' waypoints, paths and optima
    (one, two and three blocks, closed and open)."""
    rng = np.random.default_rng(18)
    cases = []
    for name in ("single_block.toml", "two_block.toml", "multi_block_large.toml"):
        layout = layouts[name]
        ends = [layout.depots[0].node, layout.depots[-1].node]
        for k, end in ((6, ends[0]), (3, ends[1])):
            picks = np.sort(rng.choice(layout.pick_nodes, k, replace=False)).tolist()
            cases.append((name, picks, ends[0], end))
    done = subprocess.run(
        [sys.executable, "-c", _NO_JIT_SCRIPT, json.dumps(cases)],
        cwd=ROOT,
        env={**os.environ, "NUMBA_DISABLE_JIT": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for (name, picks, start, end), (waypoints, path, optimum, length) in zip(
        cases, json.loads(done.stdout), strict=True
    ):
        layout = layouts[name]
        problem = RoutingProblem(layout, DistanceOracle.for_layout(layout), np.array(picks),
                                 start, end)  # fmt: skip
        tour = EXACT.solve(problem)
        assert waypoints == tour.waypoints and path == tour.path.tolist()
        assert optimum == pytest.approx(tour.length, abs=ATOL)
        assert length == pytest.approx(tour.length, abs=ATOL)


def test_flat_picks_are_the_sorted_distinct_flat_indices(large):
    """The kernel that maps picks to flat indices (aisle, block, cell) gives
    them sorted and distinct, for unsorted and repeated picks, and the
    position of the first node that is not a pick in an aisle."""
    rng = np.random.default_rng(23)
    _, fi, _ = kernel_inputs(large, large.depots[0].node, large.depots[0].node)
    picks = rng.choice(large.pick_nodes, 30)
    one_by_one = [int(flat_picks(np.array([node]), fi)[0][0]) for node in picks]
    flat = np.unique(one_by_one)
    for nodes in (picks, np.sort(picks), np.concatenate([picks, picks[::-1]])):
        got, bad = flat_picks(nodes, fi)
        assert got.tolist() == flat.tolist() and bad == -1
    assert flat.size == np.unique(picks).size  # one flat index per pick node
    for nodes, bad in ((np.append(picks, large.depots[0].node), 30),
                       (np.array([picks[0], -1]), 1), (np.array([large.n_nodes]), 0)):  # fmt: skip
        assert flat_picks(nodes.astype(np.int64), fi)[1] == bad
    assert flat_picks(np.array([], dtype=np.int64), fi)[0].size == 0


def test_length_takes_nodes_in_any_order(two_block):
    """Unsorted, repeated, int32 or listed nodes give the same length."""
    oracle = DistanceOracle.for_layout(two_block)
    start, end = two_block.depots[0].node, two_block.depots[1].node
    rng = np.random.default_rng(14)
    picks = np.sort(rng.choice(two_block.pick_nodes, 12, replace=False))
    expected = EXACT.length(RoutingProblem(two_block, oracle, picks, start, end))
    messy = rng.permutation(np.concatenate([picks, picks[:4]]))
    for nodes in (messy, messy.astype(np.int32), messy.tolist(), messy[::-1]):
        problem = RoutingProblem(two_block, oracle, nodes, start, end)  # type: ignore[arg-type]
        assert EXACT.length(problem) == expected


def test_length_rejects_nodes_that_are_not_picks(single_block):
    """A depot's node or a node out of range is refused with a RoutingError."""
    oracle = DistanceOracle.for_layout(single_block)
    depot = single_block.depots[0].node
    for bad in (depot, -1, single_block.n_nodes):
        nodes = np.array([single_block.pick_nodes[0], bad])
        with pytest.raises(RoutingError, match=f"node {bad} is not a pick node"):
            EXACT.length(RoutingProblem(single_block, oracle, nodes, depot, depot))


def test_length_kernel_runs_as_python(large):
    """The kernel's body run as Python (as with NUMBA_DISABLE_JIT=1) gives the
    compiled kernel's result, closed and open."""
    rng = np.random.default_rng(15)
    as_python = getattr(length_kernel, "py_func", length_kernel)
    for a, b in ((0, 0), (1, 2)):
        context = kernel_inputs(large, large.depots[a].node, large.depots[b].node)
        for k in (0, 12):
            nodes = rng.choice(large.pick_nodes, k)
            assert as_python(nodes, *context) == length_kernel(nodes, *context)


# ---- where it does not apply ------------------------------------------------------------------
FIVE_BLOCKS = {
    "kind": "parallel-aisles",
    "aisles": 3,
    "blocks": 5,
    "cells": 4,
    "cell_length": 1.0,
    "aisle_spacing": 3.0,
    "cross_aisle_to_cell": 1.0,
    "depots": [{"aisle": 1}],
}


def test_supports_refuses_five_blocks():
    """``supports`` names the block count it cannot handle and the limit."""
    assert MAX_BLOCKS == 4
    layout = Layout.from_spec(FIVE_BLOCKS)
    problem = RoutingProblem(
        layout, DistanceOracle(layout), layout.pick_nodes[:3], layout.depots[0].node,
        layout.depots[0].node,
    )  # fmt: skip
    reason = EXACT.supports(problem)
    assert reason is not None and "1 to 4 blocks" in reason and "has 5" in reason


def test_route_exact_raises_on_five_blocks():
    """``route(..., method="exact")`` on five blocks raises a RoutingError."""
    layout = Layout.from_spec(FIVE_BLOCKS)
    with pytest.raises(RoutingError, match="1 to 4 blocks"):
        route(layout, [layout.slots[0].code], method="exact")


def test_supports_refuses_graph_layouts():
    """A graph-tier layout has no aisles for the DP: ``supports`` says so."""
    spec = {
        "kind": "graph",
        "nodes": [{"id": "d", "x": 0, "y": 0}, {"id": "p", "x": 3, "y": 0}],
        "edges": [{"from": "d", "to": "p"}],
        "slots": [{"code": "S1", "node": "p"}],
        "depots": [{"node": "d"}],
    }
    layout = Layout.from_spec(spec)
    d = layout.depots[0].node
    problem = RoutingProblem(layout, DistanceOracle(layout), layout.pick_nodes, d, d)
    reason = EXACT.supports(problem)
    assert reason is not None and "parallel-aisle" in reason

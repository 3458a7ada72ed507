"""Routing in warehouses whose cells sit farther from one cross-aisle than
from the other (``back_cross_aisle_to_cell``): the exact DP stays optimal
against Held-Karp, every heuristic still walks graph edges through every
pick, and the aisle policies decide with the real gaps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from optimizer.distance import DistanceOracle
from optimizer.layout import Layout
from optimizer.routing import RoutingProblem, route
from optimizer.routing.exact import EXACT
from optimizer.routing.heuristics import HEURISTICS
from tests import naive
from tests.conftest import pa_spec
from tests.routing.conftest import assert_walk, random_codes

ATOL = 1e-9
MAX_PICKS = 10  # Held-Karp over the depot(s) and 10 picks: a few ms each
SINGLE_BLOCK_ONLY = {"return", "midpoint"}


def random_gaps(rng: np.random.Generator) -> tuple[float, float]:
    """Front and back gaps between 0.2 and 8 m, at least 0.5 m apart."""
    while True:
        front, back = (round(float(g), 1) for g in rng.uniform(0.2, 8.0, size=2))
        if abs(front - back) >= 0.5:
            return front, back


def random_depot(rng: np.random.Generator, name: str, aisles: int, blocks: int,
                 spacing: float) -> dict[str, Any]:  # fmt: skip
    """A depot on any cross-aisle, at an aisle or between two, maybe set back."""
    aisle = int(rng.integers(1, aisles + 1))
    j = int(rng.integers(0, blocks + 1))
    depot: dict[str, Any] = {"name": name, "aisle": aisle,
                             "at": {0: "front", blocks: "back"}.get(j, j)}  # fmt: skip
    if rng.random() < 0.4:  # between aisles, within the cross-aisle
        lo, hi = -(aisle - 1) * spacing, (aisles - aisle) * spacing
        depot["offset"] = round(float(rng.uniform(lo, hi)), 2)
    if j in (0, blocks) and rng.random() < 0.4:
        depot["setback"] = round(float(rng.uniform(0.3, 3.0)), 1)
    return depot


def random_layout(rng: np.random.Generator, blocks: int, n_depots: int) -> Layout:
    """A small parallel-aisle warehouse with unequal front and back gaps."""
    aisles = int(rng.integers(1, 8))
    spacing = round(float(rng.uniform(1.0, 6.0)), 1)
    front, back = random_gaps(rng)
    spec = pa_spec(
        name="setbacks",
        aisles=aisles,
        blocks=blocks,
        cells=int(rng.integers(1, 9)),
        cell_length=round(float(rng.uniform(0.5, 2.0)), 1),
        aisle_spacing=spacing,
        cross_aisle_to_cell=front,
        back_cross_aisle_to_cell=back,
        depots=[random_depot(rng, f"D{k}", aisles, blocks, spacing) for k in range(n_depots)],
    )
    return Layout.from_spec(spec, source=f"random spec {spec}")


@dataclass(frozen=True)
class Case:
    """Random picks in a random layout, walked from ``start`` to ``end``, and
    the Held-Karp optimum over the oracle's matrix."""

    layout: Layout
    codes: list[str]
    start: str
    end: str
    reference: float


def make_cases(
    blocks: int, layouts: int, per_layout: int, seed: int, open_walk: bool
) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(layouts):
        layout = random_layout(rng, blocks, n_depots=2 if open_walk else 1)
        oracle = DistanceOracle(layout)
        start, end = layout.depots[0], layout.depots[-1]
        for _ in range(per_layout):
            k = int(rng.integers(1, min(MAX_PICKS, layout.pick_nodes.size) + 1))
            codes = random_codes(layout, k, int(rng.integers(1 << 31)))
            points = [start.node, *layout.nodes_of(codes).tolist()]
            if end.node != start.node:
                points.append(end.node)
            last = len(points) - 1 if end.node != start.node else None
            reference, _ = naive.held_karp(oracle.matrix(points), 0, last)
            cases.append(Case(layout, codes, start.name, end.name, reference))
    return cases


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    """Closed tours: 200 in one block, 200 in two, 80 in three; open walks
    between two random depots: 80 in one block, 80 in two."""
    return (
        make_cases(1, 50, 4, seed=11, open_walk=False)
        + make_cases(2, 50, 4, seed=12, open_walk=False)
        + make_cases(3, 20, 4, seed=13, open_walk=False)
        + make_cases(1, 20, 4, seed=14, open_walk=True)
        + make_cases(2, 20, 4, seed=15, open_walk=True)
    )


def test_cases_have_unequal_gaps(cases: list[Case]) -> None:
    """Every random layout has front and back gaps at least 0.5 m apart, the
    back one larger in some and smaller in others, and the cases reach 10
    picks and walk open paths."""
    signs = set()
    for case in cases:
        geo = case.layout.aisles
        assert geo is not None
        diff = geo.back_cross_aisle_to_cell - geo.cross_aisle_to_cell
        assert abs(diff) >= 0.5
        signs.add(diff > 0)
    assert signs == {True, False}
    assert max(len(case.codes) for case in cases) == MAX_PICKS
    assert sum(case.start != case.end for case in cases) >= 100


def test_exact_equals_held_karp(cases: list[Case]) -> None:
    """``route(method="exact")`` is the Held-Karp optimum on 640 instances with
    unequal gaps, closed and open, in one, two and three blocks; ``length``
    agrees, and the walk follows graph edges through every pick."""
    for case in cases:
        layout = case.layout
        r = route(layout, case.codes, method="exact", start=case.start, end=case.end)
        assert r.optimal
        assert r.distance == pytest.approx(case.reference, abs=ATOL), layout.source
        start, end = layout.depot(case.start).node, layout.depot(case.end).node
        nodes = np.unique(layout.nodes_of(case.codes))
        problem = RoutingProblem(layout, DistanceOracle.for_layout(layout), nodes, start, end)
        assert EXACT.length(problem) == pytest.approx(case.reference, abs=ATOL)
        assert_walk(layout, layout.to_networkx(), r, case.codes, case.start, case.end)


@pytest.mark.parametrize("method", [h.name for h in HEURISTICS])
def test_heuristics_walk_the_graph(cases: list[Case], method: str) -> None:
    """Every heuristic that applies walks graph edges only, from the start to
    the end depot through every pick, and never beats the optimum."""
    walked = 0
    for case in cases:
        geo = case.layout.aisles
        assert geo is not None
        if method in SINGLE_BLOCK_ONLY and geo.n_blocks > 1:
            continue
        r = route(case.layout, case.codes, method=method, start=case.start, end=case.end)
        assert r.method == method
        assert_walk(case.layout, case.layout.to_networkx(), r, case.codes, case.start, case.end)
        assert r.distance >= case.reference - ATOL
        walked += 1
    assert walked >= 280


# A hand-checkable case: pa_spec() (aisles at x = 0, 3, 6; cells 1..4 at 1 m
# behind the front) with the back cross-aisle 10 m behind cell 4 (y = 14).
# Picks: aisle 1 cell 1, aisle 2 cells 1 and 4, aisle 3 cell 2.
FAR_BACK_PICKS = ["A01-B1-001-L-1", "A02-B1-001-L-1", "A02-B1-004-R-1", "A03-B1-002-L-1"]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # In and out of each aisle from the front: 2*1 + 2*4 + 2*2, 12 along it.
        ("exact", 2 * 1 + 2 * 4 + 2 * 2 + 12),
        ("return", 2 * 1 + 2 * 4 + 2 * 2 + 12),
        # Aisles 1 and 3 traversed (14 each, 6 along the back); aisle 2's
        # largest gap is the 10 m behind cell 4 (with a 1 m back gap it would be
        # the 3 m between its picks), so both picks come from the front: 8,
        # with 6 along the front.
        ("largest-gap", 14 + 6 + 14 + 8 + 6),
        # Both of aisle 2's picks are in the front half (7 m): the same walk.
        ("midpoint", 14 + 6 + 14 + 8 + 6),
    ],
)
def test_policies_use_the_back_gap(method: str, expected: float) -> None:
    """With the back cross-aisle far behind the cells, the optimum returns from
    the front, and largest gap and midpoint split aisle 2 by the real gaps."""
    layout = Layout.from_spec(pa_spec(back_cross_aisle_to_cell=10.0))
    assert route(layout, FAR_BACK_PICKS, method=method).distance == pytest.approx(expected)

"""Routing policies warehouses run today, and nearest neighbour.

Every router here returns *waypoints*: aisle junctions and pick nodes chosen so
that the shortest walk between two consecutive waypoints is the walk the policy
prescribes (up an aisle, along a cross-aisle, back down). The route's distance
is then exactly what a picker following the policy walks.

Methods
-------
``"s-shape"`` (traversal; Hall 1993, Petersen 1997)
    Every aisle with picks is walked through entirely; in a single block, when
    the number of such aisles is odd the last one is entered and left from the
    front. Several blocks: Roodbergen & de Koster (2001): up the left pick
    aisle to the farthest block with picks, then block by block towards the
    depot, S-shaped within each block, starting at whichever end aisle of the
    block is nearer.
``"return"`` (Hall 1993; Petersen 1997)
    Every aisle with picks is entered and left from the depot's cross-aisle.
    Single block only.
``"midpoint"`` (Hall 1993)
    The first and last aisles with picks are traversed; the others are entered
    from the front for picks in their front half and from the back for picks
    in their back half. Single block only.
``"largest-gap"`` (Hall 1993; multi-block: Roodbergen & de Koster 2001)
    Like midpoint, but each aisle is split at its largest gap between adjacent
    picks (or between a pick and a cross-aisle), which is never walked.
``"combined"`` (Roodbergen & de Koster 1998, 2001)
    Each aisle with picks is visited once, either traversed or entered and left
    from the same side; a dynamic programme over the aisles of a block chooses
    which. On several blocks this is our *combined+*: the dynamic programme
    also picks, for every block, at which end aisle to start (so where the
    block is left), over all blocks at once, instead of greedily going to the
    nearer end aisle as the original combined heuristic does.
``"nearest"``
    Nearest neighbour over the oracle's shortest-path distances: from the start
    go to the closest unvisited pick, finally to the end depot. Any layout,
    including graph-tier ones.

Notes
-----
The aisle policies need ``layout.aisles`` (a parallel-aisle warehouse) and a
start depot on a cross-aisle, anywhere along it (between aisles, on a setback
spur, at the back). They are anchored at the start depot: the warehouse is
seen from the depot's cross-aisle, so a depot at the back is handled as a
depot at the front of the mirrored warehouse, and a depot on an interior
cross-aisle splits the warehouse into the part above and the part below, each
routed on its own. Every policy is built for both sweeping directions (left to
right and right to left) and the shorter walk is kept. When the end depot
differs from the start, the picker walks from the last pick straight to it.

Each policy costs O(k log k) for k picks plus O(blocks) for the bookkeeping;
nearest neighbour is O(k^2) on the oracle's matrix.

References
----------
- R. W. Hall (1993), Distance approximations for routing manual pickers in a
  warehouse. IIE Transactions 25(4), 76-87.
- C. G. Petersen (1997), An evaluation of order picking routeing policies.
  Int. J. Operations & Production Management 17(11), 1098-1111.
- K. J. Roodbergen, R. de Koster (2001), Routing methods for warehouses with
  multiple cross aisles. Int. J. Production Research 39(9), 1865-1883.
- K. J. Roodbergen, R. de Koster (2001), Routing order pickers in a warehouse
  with a middle aisle. European J. Operational Research 133(1), 32-43.

Examples
--------
>>> from optimizer import Layout
>>> from optimizer.routing import route
>>> layout = Layout.from_file("layouts/single_block.toml")
>>> r = route(layout, ["A01-B1-003-L-1", "A04-B1-040-R-1"], method="s-shape")
>>> r.distance, r.optimal
(124.0, False)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.layout import Layout, ParallelAisles
from optimizer.routing.base import Router, RoutingProblem, Tour

__all__ = [
    "HEURISTICS",
    "S_SHAPE",
    "RETURN",
    "MIDPOINT",
    "LARGEST_GAP",
    "COMBINED",
    "NEAREST",
    "tour_distance",
]

_EPS = 1e-9


# ---- shared helpers ----------------------------------------------------------
def tour_distance(problem: RoutingProblem, waypoints: Sequence[int]) -> float:
    """Walking distance through ``waypoints`` (metres), consecutive ones joined
    by shortest walks.

    Parameters
    ----------
    problem
        Gives the oracle.
    waypoints
        Node ids.
    """
    if len(waypoints) < 2:
        return 0.0
    pts = np.asarray(waypoints, dtype=np.int64)
    return float(problem.oracle.pairwise(pts[:-1], pts[1:]).sum())


def _dedupe(points: list[int]) -> list[int]:
    """Drop a waypoint equal to the one before it (a zero-length hop)."""
    out: list[int] = []
    for p in points:
        if not out or out[-1] != p:
            out.append(p)
    return out


def _cross_aisle_of(layout: Layout, node: int) -> int | None:
    """Index of the cross-aisle a depot node sits on (or beyond, on a spur)."""
    geo = layout.aisles
    assert geo is not None
    y = float(layout.xy[node, 1])
    if y <= geo.cross_y[0] + _EPS:
        return 0
    if y >= geo.cross_y[-1] - _EPS:
        return geo.n_blocks
    j = int(np.argmin(np.abs(geo.cross_y - y)))
    return j if abs(float(geo.cross_y[j]) - y) <= _EPS else None


def _aisle_reason(problem: RoutingProblem, single_block: bool) -> str | None:
    """Why an aisle policy cannot route ``problem``, or None."""
    geo = problem.layout.aisles
    if geo is None:
        return (
            "it needs a parallel-aisle layout and this is a graph-tier layout; "
            "use 'local-search', 'nearest', 'ortools' or 'auto'"
        )
    if single_block and geo.n_blocks > 1:
        return (
            f"it is defined for single-block warehouses and this one has {geo.n_blocks} "
            "blocks; use 's-shape', 'largest-gap' or 'combined'"
        )
    if _cross_aisle_of(problem.layout, problem.start) is None:
        return f"the start node {problem.start} is not on a cross-aisle"
    position = geo.node_position
    for node in problem.nodes.tolist():
        if node not in position:
            return f"node {node} is not a pick node inside an aisle"
    return None


# ---- the warehouse as seen from the depot ------------------------------------
@dataclass(frozen=True, eq=False)
class _Grid:
    """The picks of one part of the warehouse, seen from the depot.

    Level ``m`` is the ``m``-th cross-aisle counted from the depot's; block
    ``k`` lies between levels ``k`` and ``k + 1``; depths are measured from
    level ``k``. Aisles are *virtual*: numbered in sweeping order, so that the
    mirrored grid (right to left) is routed by the same code.
    """

    geo: ParallelAisles
    levels: tuple[int, ...]  # level -> real cross-aisle index
    mirror: bool
    length: float  # block length, cross-aisle to cross-aisle
    cells: dict[tuple[int, int], tuple[np.ndarray, list[int]]]  # (aisle, block) -> depths, nodes
    depot_x: float

    @property
    def n_blocks(self) -> int:
        return len(self.levels) - 1

    def real(self, aisle: int) -> int:
        return self.geo.n_aisles - 1 - aisle if self.mirror else aisle

    def x(self, aisle: int) -> float:
        x = float(self.geo.aisle_x[self.real(aisle)])
        return -x if self.mirror else x

    def junction(self, aisle: int, level: int) -> int:
        return int(self.geo.junction[self.real(aisle), self.levels[level]])

    def aisles_in(self, block: int) -> list[int]:
        """Aisles with picks in ``block``, left to right."""
        return sorted(a for (a, k) in self.cells if k == block)


def _grids(problem: RoutingProblem) -> list[tuple[_Grid, _Grid]]:
    """One (left-to-right, right-to-left) pair of grids per part of the warehouse."""
    layout = problem.layout
    geo = layout.aisles
    assert geo is not None
    j = _cross_aisle_of(layout, problem.start)
    assert j is not None
    depot_x = float(layout.xy[problem.start, 0])
    position = geo.node_position
    info = np.array([position[n] for n in problem.nodes.tolist()], dtype=np.float64).reshape(-1, 3)
    aisle, block, ordinate = info[:, 0].astype(np.int64), info[:, 1].astype(np.int64), info[:, 2]
    nodes = problem.nodes.astype(np.int64)
    length = geo.block_length
    parts: list[tuple[_Grid, _Grid]] = []
    for up in (True, False):
        if up and j < geo.n_blocks:
            mask = block >= j
            levels = tuple(range(j, geo.n_blocks + 1))
            k, depth = block[mask] - j, ordinate[mask]
        elif not up and j > 0:
            mask = block < j
            levels = tuple(range(j, -1, -1))
            k, depth = j - 1 - block[mask], length - ordinate[mask]
        else:
            continue
        if not mask.any():
            continue
        a, nd = aisle[mask], nodes[mask]
        pair = []
        for mirror in (False, True):
            va = geo.n_aisles - 1 - a if mirror else a
            order = np.lexsort((depth, va, k))
            cells: dict[tuple[int, int], tuple[np.ndarray, list[int]]] = {}
            sk, sa, sd, sn = k[order], va[order], depth[order], nd[order]
            bounds = np.flatnonzero((np.diff(sk) != 0) | (np.diff(sa) != 0)) + 1
            for lo, hi in zip(
                np.concatenate([[0], bounds]), np.concatenate([bounds, [sk.size]]), strict=True
            ):
                cells[(int(sa[lo]), int(sk[lo]))] = (sd[lo:hi], sn[lo:hi].tolist())
            pair.append(_Grid(geo, levels, mirror, length, cells, -depot_x if mirror else depot_x))
        parts.append((pair[0], pair[1]))
    return parts


class _Plan:
    """Waypoints of one part, built step by step; ``done`` marks routed cells."""

    def __init__(self, grid: _Grid) -> None:
        self.grid = grid
        self.points: list[int] = []
        self.done: set[tuple[int, int]] = set()

    def at(self, aisle: int, level: int) -> None:
        self.points.append(self.grid.junction(aisle, level))

    def up(self, aisle: int, block: int, nodes: Sequence[int] | None = None) -> None:
        """Pick ``nodes`` (default: the whole cell) walking away from the depot."""
        self.points.extend(self.grid.cells[(aisle, block)][1] if nodes is None else nodes)
        self.done.add((aisle, block))

    def down(self, aisle: int, block: int, nodes: Sequence[int] | None = None) -> None:
        """Pick ``nodes`` (default: the whole cell) walking towards the depot."""
        cell = self.grid.cells[(aisle, block)][1] if nodes is None else nodes
        self.points.extend(reversed(cell))
        self.done.add((aisle, block))

    def remaining(self, block: int) -> list[int]:
        return [a for a in self.grid.aisles_in(block) if (a, block) not in self.done]

    def climb(self) -> tuple[int, int]:
        """Steps 1-3 of Roodbergen & de Koster (2001): from the depot to the front
        of the left pick aisle and up it to the farthest block with picks,
        picking on the way. Returns (left pick aisle, farthest block)."""
        left = min(a for a, _ in self.grid.cells)
        far = max(k for _, k in self.grid.cells)
        self.at(left, 0)
        for k in range(far):
            if (left, k) in self.grid.cells:
                self.up(left, k)
            self.at(left, k + 1)
        return left, far


def _nearer_first(grid: _Grid, aisles: list[int], cur: int) -> list[int]:
    """``aisles`` (left to right) starting from the end nearer to ``cur``."""
    if abs(grid.x(aisles[-1]) - grid.x(cur)) < abs(grid.x(aisles[0]) - grid.x(cur)):
        return aisles[::-1]
    return aisles


# ---- S-shape -------------------------------------------------------------------
def _s_block(plan: _Plan, block: int, seq: list[int], at_back: bool) -> None:
    """Traverse the aisles ``seq`` of ``block`` in turn; end at its front cross-aisle
    (the last aisle is entered and left from the front if reached from there)."""
    for idx, a in enumerate(seq):
        if at_back:
            plan.at(a, block + 1)
            plan.down(a, block)
            plan.at(a, block)
            at_back = False
        elif idx < len(seq) - 1:
            plan.at(a, block)
            plan.up(a, block)
            plan.at(a, block + 1)
            at_back = True
        else:
            plan.at(a, block)
            plan.up(a, block)
            plan.at(a, block)


def _s_shape(grid: _Grid) -> list[int]:
    plan = _Plan(grid)
    left, far = plan.climb()
    seq = plan.remaining(far)  # all at or right of the left pick aisle
    cur = left
    if seq:
        _s_block(plan, far, seq, at_back=False)
        cur = seq[-1]
    for k in range(far - 1, -1, -1):
        rest = plan.remaining(k)
        if not rest:
            plan.at(cur, k)  # straight down through a block with nothing left
            continue
        seq = _nearer_first(grid, rest, cur)
        _s_block(plan, k, seq, at_back=True)
        cur = seq[-1]
    return plan.points


# ---- return ---------------------------------------------------------------------
def _return(grid: _Grid) -> list[int]:
    plan = _Plan(grid)
    for a in grid.aisles_in(0):
        plan.at(a, 0)
        plan.up(a, 0)
        plan.at(a, 0)
    return plan.points


# ---- midpoint and largest gap -----------------------------------------------------
Split = Callable[[np.ndarray, float], int]


def _split_midpoint(depths: np.ndarray, length: float) -> int:
    """Number of picks taken from the front: those in the front half."""
    return int(np.searchsorted(depths, length / 2, side="right"))


def _split_largest_gap(depths: np.ndarray, length: float) -> int:
    """Number of picks taken from the front: those before the largest gap."""
    gaps = np.diff(np.concatenate([[0.0], depths, [length]]))
    return int(np.argmax(gaps))


def _gap_block(plan: _Plan, block: int, cur: int, split: Split) -> int:
    """Steps 5-8 of largest gap (Roodbergen & de Koster 2001) for one block,
    entered at the back cross-aisle at aisle ``cur``: along the back to the end
    aisle farther from ``cur``, entering aisles from the back up to their split;
    down that end aisle; back along the front entering aisles up to their split.
    Returns the aisle where the picker leaves the block's front cross-aisle."""
    grid = plan.grid
    rest = plan.remaining(block)
    last = rest[-1] if grid.x(rest[-1]) - grid.x(cur) >= grid.x(cur) - grid.x(rest[0]) else rest[0]
    others = [a for a in rest if a != last]
    if last == rest[0]:
        others.reverse()  # sweep the back towards ``last``
    cuts = {a: split(grid.cells[(a, block)][0], grid.length) for a in others}
    for a in others:
        nodes = grid.cells[(a, block)][1]
        if cuts[a] < len(nodes):
            plan.at(a, block + 1)
            plan.down(a, block, nodes[cuts[a] :])
            plan.at(a, block + 1)
    plan.at(last, block + 1)
    plan.down(last, block)
    plan.at(last, block)
    out = last
    for a in reversed(others):
        nodes = grid.cells[(a, block)][1]
        if cuts[a] > 0:
            plan.at(a, block)
            plan.up(a, block, nodes[: cuts[a]])
            plan.at(a, block)
            out = a
        plan.done.add((a, block))
    return out


def _gap_policy(grid: _Grid, split: Split) -> list[int]:
    plan = _Plan(grid)
    left, far = plan.climb()
    rest = plan.remaining(far)
    cur = left
    if len(rest) == 1:  # the only aisle of the farthest block: in and out from the front
        plan.at(rest[0], far)
        plan.up(rest[0], far)
        plan.at(rest[0], far)
        cur = rest[0]
    elif rest:
        plan.at(rest[0], far)  # traverse the first aisle of the farthest block
        plan.up(rest[0], far)
        plan.at(rest[0], far + 1)
        cur = _gap_block(plan, far, rest[0], split)
    for k in range(far - 1, -1, -1):
        if not plan.remaining(k):
            plan.at(cur, k)
            continue
        cur = _gap_block(plan, k, cur, split)
    return plan.points


def _midpoint(grid: _Grid) -> list[int]:
    return _gap_policy(grid, _split_midpoint)


def _largest_gap(grid: _Grid) -> list[int]:
    return _gap_policy(grid, _split_largest_gap)


# ---- combined (+) -------------------------------------------------------------------
_FRONT, _BACK = 0, 1


def _block_dp(grid: _Grid, block: int, seq: list[int], at_back: bool) -> tuple[float, list[int]]:
    """Vertical walking in ``block`` visiting the aisles ``seq`` in order, each
    traversed or entered and left from one side, ending at the front.

    Returns the cost and, per aisle, the side the picker is on after it.
    """
    length = grid.length
    inf = np.inf
    cost = [inf, 0.0] if at_back else [0.0, inf]
    choice: list[tuple[int, int]] = []  # per aisle: predecessor side of (front, back)
    for a in seq:
        depths = grid.cells[(a, block)][0]
        deep, shallow = float(depths[-1]), float(depths[0])
        f_ret, f_cross = cost[_FRONT] + 2 * deep, cost[_BACK] + length
        b_ret, b_cross = cost[_BACK] + 2 * (length - shallow), cost[_FRONT] + length
        choice.append(
            (_FRONT if f_ret <= f_cross else _BACK, _BACK if b_ret <= b_cross else _FRONT)
        )
        cost = [min(f_ret, f_cross), min(b_ret, b_cross)]
    sides = [_FRONT]
    for pred in reversed(choice[1:]):
        sides.append(pred[sides[-1]])
    sides.reverse()
    return cost[_FRONT], sides


def _emit_block(plan: _Plan, block: int, seq: list[int], sides: list[int], at_back: bool) -> None:
    side = _BACK if at_back else _FRONT
    for a, after in zip(seq, sides, strict=True):
        plan.at(a, block + side)
        if side == _FRONT:
            plan.up(a, block)
        else:
            plan.down(a, block)
        plan.at(a, block + after)
        side = after


def _combined(grid: _Grid) -> list[int]:
    plan = _Plan(grid)
    left, far = plan.climb()
    # Block-level dynamic programme: the state is the aisle where the picker
    # leaves a block's front cross-aisle (one of its two end aisles).
    states: dict[int, float] = {left: 0.0}
    steps: list[tuple[int, dict[int, tuple[int, list[int], list[int]]]]] = []
    for k in range(far, -1, -1):
        rest = plan.remaining(k)
        if not rest:
            steps.append((k, {a: (a, [], []) for a in states}))
            continue
        at_back = k < far
        options = [rest] if len(rest) == 1 else [rest, rest[::-1]]
        sweep = abs(grid.x(rest[-1]) - grid.x(rest[0]))
        new: dict[int, float] = {}
        back: dict[int, tuple[int, list[int], list[int]]] = {}
        for seq in options:
            inner, sides = _block_dp(grid, k, seq, at_back)
            for cur, base in states.items():
                total = base + abs(grid.x(seq[0]) - grid.x(cur)) + sweep + inner
                if total < new.get(seq[-1], np.inf) - _EPS:
                    new[seq[-1]] = total
                    back[seq[-1]] = (cur, seq, sides)
        states = new
        steps.append((k, back))
    exit_aisle = min(states, key=lambda a: (states[a] + abs(grid.x(a) - grid.depot_x), a))
    chosen: list[tuple[int, int, list[int], list[int]]] = []
    for k, back in reversed(steps):
        prev, seq, sides = back[exit_aisle]
        chosen.append((k, prev, seq, sides))
        exit_aisle = prev
    for k, prev, seq, sides in reversed(chosen):
        if not seq:
            if k < far:
                plan.at(prev, k)
            continue
        _emit_block(plan, k, seq, sides, at_back=k < far)
    return plan.points


# ---- routers ------------------------------------------------------------------------
Policy = Callable[[_Grid], list[int]]


@dataclass(frozen=True)
class AislePolicy:
    """A classic aisle-by-aisle routing policy (see the module docstring).

    Parameters
    ----------
    name
        The ``method`` string.
    policy
        Builds the waypoints of one part of the warehouse from a grid.
    single_block
        True for policies the literature defines for one block only.
    """

    name: str
    policy: Policy
    single_block: bool = False

    def supports(self, problem: RoutingProblem) -> str | None:
        """``None`` for a parallel-aisle layout (with one block if required)."""
        return _aisle_reason(problem, self.single_block)

    def solve(self, problem: RoutingProblem) -> Tour:
        """Route ``problem`` by the policy.

        Both sweeping directions of every part of the warehouse are tried and
        the shortest walk is kept. When the end depot differs from the start,
        the picker walks from the last pick straight to it.
        """
        if not problem.nodes.size:
            return Tour(_dedupe([problem.start, problem.end]), optimal=False)
        plans = [[(self.policy(grid), grid.mirror) for grid in pair] for pair in _grids(problem)]
        picks = set(problem.nodes.tolist())
        best: tuple[float, list[int], list[bool]] | None = None
        for combo in itertools.product(*plans):
            points = [problem.start]
            for part, _ in combo:
                points.extend(part)
            if problem.end != problem.start:
                while points[-1] not in picks:  # no detour back towards the start
                    points.pop()
            points = _dedupe([*points, problem.end])
            d = tour_distance(problem, points)
            if best is None or d < best[0] - _EPS:
                best = (d, points, [mirror for _, mirror in combo])
        assert best is not None
        return Tour(best[1], optimal=False, detail={"mirrored": best[2]})


@dataclass(frozen=True)
class NearestNeighbour:
    """Nearest neighbour on shortest-path distances; applies to any layout."""

    name: str = "nearest"

    def supports(self, problem: RoutingProblem) -> str | None:
        """Always ``None``: any connected layout will do."""
        return None

    def solve(self, problem: RoutingProblem) -> Tour:
        """From the start, repeatedly walk to the closest unvisited pick (ties:
        the lowest node id), then to the end depot. O(k^2)."""
        k = int(problem.nodes.size)
        pts = np.concatenate([[problem.start], problem.nodes]).astype(np.int64)
        dist = problem.oracle.matrix(pts)
        free = np.ones(k + 1, dtype=bool)
        free[0] = False
        cur, order = 0, []
        for _ in range(k):
            row = np.where(free, dist[cur], np.inf)
            cur = int(np.argmin(row))
            free[cur] = False
            order.append(int(pts[cur]))
        return Tour(_dedupe([problem.start, *order, problem.end]), optimal=False)


S_SHAPE = AislePolicy("s-shape", _s_shape)
RETURN = AislePolicy("return", _return, single_block=True)
MIDPOINT = AislePolicy("midpoint", _midpoint, single_block=True)
LARGEST_GAP = AislePolicy("largest-gap", _largest_gap)
COMBINED = AislePolicy("combined", _combined)
NEAREST = NearestNeighbour()

HEURISTICS: tuple[Router, ...] = (S_SHAPE, RETURN, MIDPOINT, LARGEST_GAP, COMBINED, NEAREST)
"""The heuristic routers, in the order ``ROUTERS`` lists them."""

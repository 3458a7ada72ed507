"""A fast router for any layout: iterated local search over the distance matrix.

The router ``LOCAL_SEARCH`` (``route(..., method="local-search")``) plans a
walk from the start depot through every pick to the end depot on the oracle's
shortest-path matrix, so it applies to graph-tier layouts (fishbone,
obstacles) and to parallel-aisle warehouses with any number of cross-aisles.

How it solves
-------------
1. Up to :data:`HELD_KARP_MAX` picks, the Bellman-Held-Karp dynamic
   programme over subsets gives the optimum (``optimal=True``), run from
   both ends to the middle. On a layout, the distance matrix, the DP and
   the node walk are one compiled call (:func:`held_karp_walk`): at such
   sizes the calls between them would cost as much as the DP.
   :func:`plan_held_karp` runs it for the router and for ``route()``, which
   gets the order of its picks along the walk from the same call.
2. Otherwise two constructions, nearest neighbour and cheapest insertion,
   both over the matrix; the shorter is the start.
3. Local search to a local optimum: 2-opt and Or-opt (segments of one to
   three picks moved, either way round, next to one of their nearest
   neighbours), over neighbour lists of the :data:`NEIGHBOURS` nearest picks,
   with don't-look bits (Bentley 1992).
4. Iterated local search (Lourenço, Martin & Stützle 2003): a double-bridge
   kick of short segments (Martin, Otto & Felten 1991; Applegate et al. 2003)
   followed by local search from the kicked nodes; the result replaces the
   current walk unless it is longer. The best walk seen is returned.

The open walk from ``start`` to ``end`` is a Hamiltonian path with fixed
ends: the walk is an array whose first and last entries never move, and
every move keeps them in place, so closed tours (``start == end``) and walks
between two depots are the same problem.

Work budget and determinism
---------------------------
The search stops after a number of kicks fixed in advance
(:attr:`~LocalSearchRouter.kicks_per_pick` per pick) or after a number of
kicks in a row without a shorter walk (:attr:`~LocalSearchRouter.patience`
times the square of the picks), both counts, never seconds; the kicks come
from a seeded generator of its own. Equal input and
seed therefore give equal routes on any machine load. ``problem.time_limit``
(default :data:`TIME_CAP`) is only a safety cap, checked between chunks of
kicks, far above what the budget takes; ``Tour.detail``
reports ``stopped_by`` (``"budget"``, ``"no-improvement"``, or
``"time-cap"``, the one non-deterministic stop, which a normal run never
reaches).

Cost
----
For ``k`` picks the neighbour lists and the constructions cost
``O(k^2 log k)`` and ``O(k^2)`` once; a 2-opt or Or-opt move is found by
looking at :data:`NEIGHBOURS` candidates per node and applied in ``O(k)``
(array reversals); a kick costs ``O(k)`` plus a local search around the six
nodes it touched. The kicks are at most ``100 k`` and the patience ``0.2
k^2``, so a search is ``O(k^3)`` at worst and far less in practice (times in
``benches/results/routing_everywhere_quick.md``). Held-Karp is
``O(2^k k^2)``, for ``k <= 12``; meeting in the middle (tables up to half
the picks from each end) halves its work.

For callers that score many pick sets (batching),
:meth:`LocalSearchRouter.length` returns a walk's length without building
it, and :func:`solve_matrix` works on any symmetric distance matrix.

Examples
--------
>>> from optimizer import Layout
>>> from optimizer.routing import route
>>> layout = Layout.from_file("layouts/fishbone.json")
>>> codes = ["F01-001-L-1", "F02-011-R-1", "F03-025-L-1", "F05-012-R-1",
...          "F07-012-L-1", "F10-009-R-1", "F18-006-L-1", "F21-003-R-1"]
>>> r = route(layout, codes, method="local-search")
>>> round(r.distance, 1), r.optimal, r.detail["stopped_by"]
(207.7, True, 'held-karp')

References
----------
- J. L. Bentley (1992), Fast algorithms for geometric traveling salesman
  problems. ORSA J. Computing 4(4), 387-411.
- O. Martin, S. W. Otto, E. W. Felten (1991), Large-step Markov chains for
  the traveling salesman problem. Complex Systems 5(3), 299-326.
- H. R. Lourenço, O. Martin, T. Stützle (2003), Iterated local search.
  Handbook of Metaheuristics, 321-353.
- D. Applegate, W. Cook, A. Rohe (2003), Chained Lin-Kernighan for large
  traveling salesman problems. INFORMS J. Computing 15(1), 82-92.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from optimizer._jit import jit
from optimizer.distance import DistanceOracle
from optimizer.distance.kernels import first_outside, node_vector, square_matrix
from optimizer.distance.walks import walk_kernel
from optimizer.errors import RoutingError
from optimizer.routing.base import RoutingProblem, Tour

__all__ = [
    "LOCAL_SEARCH",
    "LOCAL_SEARCH_ESTIMATE",
    "LocalSearchRouter",
    "solve_matrix",
    "walk_length",
    "held_karp_walk",
    "plan_held_karp",
    "HeldKarpPlan",
    "pick_order",
    "HELD_KARP_MAX",
    "NEIGHBOURS",
    "TIME_CAP",
]

HELD_KARP_MAX = 12  # picks up to which the subset DP costs about what a search does
NEIGHBOURS = 10  # candidate partners per pick in 2-opt and Or-opt
_EPS = 1e-9  # gains below this are rounding noise, not improvements
_CHUNK = 512  # kicks per kernel call between two looks at the safety clock
TIME_CAP = 10.0  # seconds: the safety cap when the problem sets no time limit
_RNG_MOD = 2147483647  # Park-Miller minimal standard generator (2^31 - 1)
_RNG_MUL = 48271


# ---- kernels: helpers ------------------------------------------------------------------
@jit
def _next_random(state: np.ndarray, below: int) -> int:
    """Advance the generator in ``state[0]``; an integer in ``[0, below)``."""
    state[0] = (state[0] * _RNG_MUL) % _RNG_MOD
    return int(state[0] % below)


@jit
def _walk_cost(dist: np.ndarray, walk: np.ndarray) -> float:
    """Length of visiting the matrix rows ``walk`` in turn."""
    total = 0.0
    for i in range(walk.size - 1):
        total += dist[walk[i], walk[i + 1]]
    return total


@jit
def _reverse(walk: np.ndarray, pos: np.ndarray, i: int, j: int) -> None:
    """Reverse ``walk[i..j]`` in place and keep ``pos`` (row -> index) in step."""
    while i < j:
        a, b = walk[i], walk[j]
        walk[i], walk[j] = b, a
        pos[b], pos[a] = i, j
        i += 1
        j -= 1


@jit
def _neighbour_lists(dist: np.ndarray, width: int) -> np.ndarray:
    """``width`` nearest other rows of every row, nearest first (ties: lower row).

    An insertion into a sorted list of ``width`` per row, rather than a full
    sort of the row: the lists are short and most rows are rejected at once.
    """
    n = dist.shape[0]
    out = np.empty((n, width), dtype=np.int64)
    near = np.empty(width)
    for a in range(n):
        got = 0
        for b in range(n):
            if b == a:
                continue
            d = dist[a, b]
            if got == width and d >= near[width - 1]:
                continue
            i = got if got < width else width - 1
            while i > 0 and near[i - 1] > d:  # strictly: equal distances keep row order
                near[i] = near[i - 1]
                out[a, i] = out[a, i - 1]
                i -= 1
            near[i] = d
            out[a, i] = b
            if got < width:
                got += 1
    return out


# ---- kernels: constructions ---------------------------------------------------------------
@jit
def _nearest_neighbour(dist: np.ndarray) -> np.ndarray:
    """Row 0, then always the closest unvisited row, and row ``n - 1`` last."""
    n = dist.shape[0]
    walk = np.empty(n, dtype=np.int64)
    free = np.ones(n, dtype=np.bool_)
    free[0] = free[n - 1] = False
    walk[0], walk[n - 1] = 0, n - 1
    cur = 0
    for step in range(1, n - 1):
        best, best_d = -1, np.inf
        for b in range(1, n - 1):
            if free[b] and dist[cur, b] < best_d:
                best, best_d = b, dist[cur, b]
        walk[step] = best
        free[best] = False
        cur = best
    return walk


@jit
def _cheapest_insertion(dist: np.ndarray) -> np.ndarray:
    """From the walk ``0 -> n - 1``, insert the row whose cheapest insertion
    costs least, until every row is in (Rosenkrantz, Stearns & Lewis 1977)."""
    n = dist.shape[0]
    nxt = np.full(n, -1, dtype=np.int64)  # successor in the growing walk
    nxt[0] = n - 1
    # For each free row: its cheapest insertion cost and the row it follows.
    cost = np.empty(n)
    after = np.zeros(n, dtype=np.int64)
    free = np.ones(n, dtype=np.bool_)
    free[0] = free[n - 1] = False
    for b in range(1, n - 1):
        cost[b] = dist[0, b] + dist[b, n - 1] - dist[0, n - 1]
    for _ in range(n - 2):
        pick, pick_cost = -1, np.inf
        for b in range(1, n - 1):
            if free[b] and cost[b] < pick_cost:
                pick, pick_cost = b, cost[b]
        u = after[pick]
        v = nxt[u]
        nxt[u], nxt[pick] = pick, v
        free[pick] = False
        for b in range(1, n - 1):
            if not free[b]:
                continue
            if after[b] == u:  # its best edge u-v is gone: rescan every edge
                best, best_u = np.inf, 0
                x = 0
                while x != n - 1:
                    c = dist[x, b] + dist[b, nxt[x]] - dist[x, nxt[x]]
                    if c < best:
                        best, best_u = c, x
                    x = nxt[x]
                cost[b], after[b] = best, best_u
            else:  # only the two new edges can be cheaper
                for x in (u, pick):
                    c = dist[x, b] + dist[b, nxt[x]] - dist[x, nxt[x]]
                    if c < cost[b]:
                        cost[b], after[b] = c, x
    walk = np.empty(n, dtype=np.int64)
    x = 0
    for i in range(n):
        walk[i] = x
        x = nxt[x] if i < n - 1 else x
    return walk


@jit
def _subset_table(dist: np.ndarray, source: int, most: int, size: np.ndarray) -> np.ndarray:
    """``best[mask, t]``: the shortest walk from row ``source`` through the
    picks of ``mask`` (bit ``t`` is row ``t + 1``) ending at pick ``t``, for
    masks of at most ``most`` picks (``size[mask]``, :func:`_popcounts`);
    infinite elsewhere and when ``t`` is not in ``mask``. With the
    infinities in place the pull over the predecessors runs over every column
    without a branch, faster than a loop over each mask's members only."""
    k = dist.shape[0] - 2
    full = (1 << k) - 1
    inner = np.empty((k, k))  # inner[t, j]: between picks t and j
    for t in range(k):
        for j in range(k):
            inner[t, j] = dist[t + 1, j + 1]
    best = np.full((full + 1, k), np.inf)
    for t in range(k):
        best[1 << t, t] = dist[source, t + 1]
    for mask in range(1, full + 1):
        if size[mask] == 1 or size[mask] > most:
            continue
        for t in range(k):
            if (mask >> t) & 1:
                row = best[mask ^ (1 << t)]
                near = inner[t]
                value = np.inf
                for j in range(k):
                    value = min(value, row[j] + near[j])
                best[mask, t] = value
    return best


@jit
def _trace(
    dist: np.ndarray, best: np.ndarray, mask: int, t: int, walk: np.ndarray, at: int, step: int
) -> None:
    """Write the walk that gives ``best[mask, t]`` into ``walk``: pick ``t``
    at ``at``, its predecessor at ``at + step``, and so on. Each predecessor
    is recomputed (the one whose value gives the successor's), not stored."""
    k = best.shape[1]
    while True:
        walk[at] = t + 1
        prev = mask ^ (1 << t)
        if prev == 0:
            return
        target, arg, gap = best[mask, t], -1, np.inf
        for j in range(k):
            if (prev >> j) & 1:
                miss = abs(best[prev, j] + dist[t + 1, j + 1] - target)
                if miss < gap:
                    arg, gap = j, miss
        mask, t, at = prev, arg, at + step


@jit
def _popcounts(full: int) -> np.ndarray:
    """The number of set bits of every integer ``0..full``."""
    size = np.zeros(full + 1, dtype=np.int64)
    for m in range(1, full + 1):
        size[m] = size[m >> 1] + (m & 1)
    return size


@jit
def _meet_at_pick(
    ahead: np.ndarray, back: np.ndarray, h: int, size: np.ndarray
) -> tuple[int, int]:
    """The best walk whose first ``h`` picks are a set ``m`` ending at ``u``
    (``ahead[m, u]``), continued by a shortest walk from ``u`` through the
    rest to the end (``back[rest | u, u]``, read backwards); ``(m, u)``."""
    k = ahead.shape[1]
    full = (1 << k) - 1
    best_cost, best_m, best_u = np.inf, 0, 0
    for m in range(1, full + 1):
        if size[m] != h:
            continue
        rest = full ^ m
        for u in range(k):  # no test of u in m: ahead[m, u] is infinite if not
            c = ahead[m, u] + back[rest | (1 << u), u]
            if c < best_cost:
                best_cost, best_m, best_u = c, m, u
    return best_m, best_u


@jit
def _meet_at_edge(
    dist: np.ndarray, ahead: np.ndarray, back: np.ndarray, a: int, half: bool, size: np.ndarray
) -> tuple[int, int, int]:
    """The best walk whose first ``a`` picks are a set ``m`` ending at ``u``,
    then the edge ``u -> v``, then the rest from ``v`` (``back[rest, v]``,
    read backwards) to the end; ``(m, u, v)``. With ``half`` (a closed tour
    cut in two equal halves) only sets holding the first pick: the others
    are the same tours walked the other way round."""
    k = ahead.shape[1]
    full = (1 << k) - 1
    best_cost, best_m, best_v = np.inf, 0, 0
    for m in range(1, full + 1):
        if size[m] != a or (half and not m & 1):
            continue
        rest = full ^ m
        row = ahead[m]
        for v in range(k):
            if (rest >> v) & 1:
                near = dist[v + 1, 1:]  # the matrix is symmetric: v's row, not its column
                value = np.inf
                for u in range(k):  # no test of u in m: row[u] is infinite if not
                    value = min(value, row[u] + near[u])
                value += back[rest, v]
                if value < best_cost:
                    best_cost, best_m, best_v = value, m, v
    row, near = ahead[best_m], dist[best_v + 1, 1:]
    best_u = 0
    for u in range(k):
        if row[u] + near[u] < row[best_u] + near[best_u]:
            best_u = u
    return best_m, best_u, best_v


@jit
def _held_karp_kernel(dist: np.ndarray) -> np.ndarray:
    """Meet in the middle: the walk is cut in two, each half a shortest walk
    from its own end (start or end depot) through its picks, so each subset
    table stops at about half the picks, which more than halves the plain
    subset DP's work. With an even number of picks ``k`` the cut is at an
    edge (halves of ``k / 2`` picks, joined by the edge between their last
    picks), with an odd number at a pick (halves of ``(k + 1) / 2`` picks
    sharing it): either way the tables stop at ``ceil(k / 2)`` picks, and
    joining costs least. A closed tour (start and end rows equal) needs one
    table."""
    n = dist.shape[0]
    k = n - 2
    full = (1 << k) - 1
    closed = True  # start and end rows equal up to rounding (the oracle's sums
    for j in range(n):  # of a pair in either order can differ in the last bit)
        if abs(dist[0, j] - dist[n - 1, j]) > _EPS:
            closed = False
            break
    walk = np.empty(n, dtype=np.int64)
    walk[0], walk[n - 1] = 0, n - 1
    half = (k + 1) // 2  # picks in the larger half
    size = _popcounts(full)  # the picks in each mask, for the tables and the meeting
    ahead = _subset_table(dist, 0, half, size)
    back = ahead if closed else _subset_table(dist, n - 1, half, size)
    if k % 2:
        m, u = _meet_at_pick(ahead, back, half, size)
        _trace(dist, ahead, m, u, walk, half, -1)
        _trace(dist, back, (full ^ m) | (1 << u), u, walk, half, 1)
    else:
        m, u, v = _meet_at_edge(dist, ahead, back, half, closed, size)
        _trace(dist, ahead, m, u, walk, half, -1)
        _trace(dist, back, full ^ m, v, walk, half + 1, 1)
    return walk


@jit
def _held_karp(dist: np.ndarray) -> tuple[np.ndarray, float]:
    """The shortest walk row 0 -> every row -> row ``n - 1`` (subset DP) and its length."""
    n = dist.shape[0]
    if n > 4:
        walk = _held_karp_kernel(dist)
    else:  # two picks or fewer: the order matters at most by its direction
        walk = np.arange(n)
        if n == 4 and dist[0, 2] + dist[1, 3] < dist[0, 1] + dist[2, 3]:
            walk[1], walk[2] = 2, 1
    return walk, _walk_cost(dist, walk)


@jit
def held_karp_walk(
    nodes: np.ndarray, start: int, end: int,
    ints: np.ndarray, floats: np.ndarray, table: np.ndarray, at: Any, hub: Any, labels: Any,
    seg_a: np.ndarray, inner_at: np.ndarray, inner: np.ndarray, jnode: np.ndarray,
    hop_at: np.ndarray, hop_to: np.ndarray, hop_seg: np.ndarray, hop_length: np.ndarray,
) -> tuple[np.ndarray, float, np.ndarray]:  # fmt: skip
    """Held-Karp's walk from ``start`` through ``nodes`` to ``end`` in one
    compiled call: the distance matrix, the subset DP and the node walk, on a
    layout's graph given by the oracle's ``kernel_args`` (``ints`` onwards).

    Returns ``(waypoints, length, path)``: the nodes in visiting order, the
    walk's length and its node walk; a length of ``-1 - j`` (and empty
    arrays) if entry ``j`` of ``[start, *nodes, end]`` is not a node.

    Examples
    --------
    Two picks from the depot and back, the 118 m that :func:`~optimizer.routing.route`
    finds for them:

    >>> from optimizer import DistanceOracle, Layout
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> nodes = np.unique(layout.nodes_of(["A01-B1-003-L-1", "A04-B1-040-R-1"]))
    >>> depot = layout.depots[0].node
    >>> oracle = DistanceOracle.for_layout(layout)
    >>> waypoints, length, path = held_karp_walk(nodes, depot, depot, *oracle.kernel_args)
    >>> length, sorted(waypoints[1:-1].tolist()) == nodes.tolist()
    (118.0, True)
    """
    k = nodes.size
    rows = np.empty(k + 2, dtype=np.int64)
    rows[0], rows[k + 1] = start, end
    for i in range(k):
        rows[i + 1] = nodes[i]
    bad = first_outside(rows, ints.shape[0])
    if bad >= 0:
        return rows[:0], -1.0 - bad, rows[:0]
    dist = square_matrix(rows, ints, floats, table, at, hub, labels)
    walk, length = _held_karp(dist)
    waypoints = np.empty(k + 2, dtype=np.int64)
    for i in range(k + 2):
        waypoints[i] = rows[walk[i]]
    path = walk_kernel(
        waypoints, ints, floats, table, at, hub, labels,
        seg_a, inner_at, inner, jnode, hop_at, hop_to, hop_seg, hop_length,
    )  # fmt: skip
    return waypoints, length, path


@jit
def pick_order(path: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The indices of ``targets`` (nodes) sorted by the first step of ``path``
    at each, ties in the order given; ``[-1 - j]`` if ``path`` misses
    ``targets[j]``. One pass over the path, a binary search per step.

    Plain loops rather than ``np.unique``/``np.argsort``/``np.searchsorted``:
    numba compiles each of those on first use, seconds of a cold first route,
    and an insertion sort of a pick list is as fast at route sizes.

    Examples
    --------
    >>> pick_order(np.array([0, 7, 3, 7, 5, 0]), np.array([5, 3, 7, 3]))
    array([2, 1, 3, 0])
    >>> pick_order(np.array([0, 7, 0]), np.array([7, 4]))
    array([-2])
    """
    n = targets.size
    by_node = np.empty(n, dtype=np.int64)  # indices of targets, stably sorted by node
    for j in range(n):
        k = j
        while k > 0 and targets[by_node[k - 1]] > targets[j]:
            by_node[k] = by_node[k - 1]
            k -= 1
        by_node[k] = j
    order = np.empty(n, dtype=np.int64)
    placed = np.zeros(n, dtype=np.bool_)
    done = 0
    for step in range(path.size):
        node = path[step]
        lo, hi = 0, n  # the first sorted target >= node
        while lo < hi:
            mid = (lo + hi) // 2
            if targets[by_node[mid]] < node:
                lo = mid + 1
            else:
                hi = mid
        # The first visit places every target at this node, in the order given.
        while lo < n and targets[by_node[lo]] == node and not placed[by_node[lo]]:
            placed[by_node[lo]] = True
            order[done] = by_node[lo]
            done += 1
            lo += 1
    if done < n:
        missed = np.empty(1, dtype=np.int64)
        for j in range(n):
            if not placed[j]:
                missed[0] = -1 - j
                break
        return missed
    return order


@jit
def _held_karp_with_order(
    nodes: np.ndarray, start: int, end: int, targets: np.ndarray,
    ints: np.ndarray, floats: np.ndarray, table: np.ndarray, at: Any, hub: Any, labels: Any,
    seg_a: np.ndarray, inner_at: np.ndarray, inner: np.ndarray, jnode: np.ndarray,
    hop_at: np.ndarray, hop_to: np.ndarray, hop_seg: np.ndarray, hop_length: np.ndarray,
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:  # fmt: skip
    """:func:`held_karp_walk` and the :func:`pick_order` of ``targets`` along
    its node walk, in one compiled call: ``(waypoints, length, path, order)``."""
    waypoints, length, path = held_karp_walk(
        nodes, start, end, ints, floats, table, at, hub, labels,
        seg_a, inner_at, inner, jnode, hop_at, hop_to, hop_seg, hop_length,
    )  # fmt: skip
    if length < 0.0:
        return waypoints, length, path, path
    return waypoints, length, path, pick_order(path, targets)


# ---- kernels: local search ---------------------------------------------------------------
@jit
def _activate(node: int, queue: np.ndarray, queued: np.ndarray, size: int) -> int:
    """Push ``node`` on the stack of nodes to look at, unless it is on it."""
    if not queued[node]:
        queued[node] = True
        queue[size] = node
        size += 1
    return size


@jit
def _move_segment(walk: np.ndarray, pos: np.ndarray, i: int, j: int, g: int, fwd: bool) -> None:
    """Move ``walk[i..j]`` into the gap between ``walk[g]`` and ``walk[g + 1]``
    (``g < i - 1`` or ``g > j``), in its order if ``fwd`` else reversed."""
    seg = j - i + 1
    if g > j:  # A S B C -> A B S C: reverse S B, then B back
        _reverse(walk, pos, i, g)
        _reverse(walk, pos, i, g - seg)
        if fwd:
            _reverse(walk, pos, g - seg + 1, g)
    else:  # A B S C -> A S B C
        _reverse(walk, pos, g + 1, j)
        _reverse(walk, pos, g + 1 + seg, j)
        if fwd:
            _reverse(walk, pos, g + 1, g + seg)


@jit
def _try_two_opt(
    dist: np.ndarray,
    walk: np.ndarray,
    pos: np.ndarray,
    nbr: np.ndarray,
    a: int,
    queue: np.ndarray,
    queued: np.ndarray,
    size: int,
) -> tuple[float, int]:
    """An improving 2-opt move that gives ``a`` a nearer neighbour, applied;
    returns ``(gain, stack size)``, gain 0 if there is none."""
    n = walk.size
    pa = pos[a]
    for side in range(2):  # 0: the edge to a's successor, 1: to its predecessor
        if (side == 0 and pa == n - 1) or (side == 1 and pa == 0):
            continue
        b = walk[pa + 1] if side == 0 else walk[pa - 1]
        dab = dist[a, b]
        for c in nbr[a]:
            dac = dist[a, c]
            if dac >= dab - _EPS:
                break
            pc = pos[c]
            if (side == 0 and pc == n - 1) or (side == 1 and pc == 0):
                continue
            d = walk[pc + 1] if side == 0 else walk[pc - 1]
            if c == b or d == a:
                continue
            gain = dab + dist[c, d] - dac - dist[b, d]
            if gain > _EPS:
                if side == 0:
                    lo, hi = (pa + 1, pc) if pa < pc else (pc + 1, pa)
                else:
                    lo, hi = (pa, pc - 1) if pa < pc else (pc, pa - 1)
                _reverse(walk, pos, lo, hi)
                for x in (a, b, c, d):
                    size = _activate(x, queue, queued, size)
                return gain, size
    return 0.0, size


@jit
def _try_or_opt(
    dist: np.ndarray,
    walk: np.ndarray,
    pos: np.ndarray,
    nbr: np.ndarray,
    a: int,
    queue: np.ndarray,
    queued: np.ndarray,
    size: int,
) -> tuple[float, int]:
    """An improving Or-opt move of a segment of 1 to 3 rows starting at ``a``,
    applied next to a near neighbour of one of its ends; ``(gain, size)``."""
    n = walk.size
    i = pos[a]
    if i == 0 or i == n - 1:
        return 0.0, size
    for seg in range(1, 4):
        j = i + seg - 1
        if j > n - 2:
            break
        p, q = walk[i - 1], walk[j + 1]
        s1, s2 = walk[i], walk[j]
        removed = dist[p, s1] + dist[s2, q] - dist[p, q]
        if removed <= _EPS:
            continue
        for e_is_s1 in (True, False):
            e = s1 if e_is_s1 else s2
            other = s2 if e_is_s1 else s1
            for c in nbr[e]:
                dec = dist[e, c]
                if dec >= removed - _EPS:
                    break
                pc = pos[c]
                if i <= pc <= j:
                    continue
                for after_c in (True, False):
                    # The gap (u, v) beside c; e goes next to c.
                    if after_c:
                        if pc == n - 1 or c == p:
                            continue
                        g = pc
                        u, v = c, walk[pc + 1]
                        added = dec + dist[other, v] - dist[u, v]
                        fwd = e_is_s1  # u s1 .. s2 v
                    else:
                        if pc == 0 or c == q:
                            continue
                        g = pc - 1
                        u, v = walk[pc - 1], c
                        added = dec + dist[u, other] - dist[u, v]
                        fwd = not e_is_s1  # u s1 .. s2 v with s2 next to c
                    gain = removed - added
                    if gain > _EPS:
                        _move_segment(walk, pos, i, j, g, fwd)
                        for x in (p, q, s1, s2, u, v):
                            size = _activate(x, queue, queued, size)
                        return gain, size
    return 0.0, size


@jit
def _descend(
    dist: np.ndarray,
    walk: np.ndarray,
    pos: np.ndarray,
    nbr: np.ndarray,
    queue: np.ndarray,
    queued: np.ndarray,
    size: int,
) -> float:
    """Apply improving moves around the nodes on the stack until none is left;
    returns the total gain."""
    total = 0.0
    while size > 0:
        size -= 1
        a = queue[size]
        queued[a] = False
        gain, size = _try_two_opt(dist, walk, pos, nbr, a, queue, queued, size)
        if gain <= 0.0:
            gain, size = _try_or_opt(dist, walk, pos, nbr, a, queue, queued, size)
        if gain > 0.0:
            total += gain
            size = _activate(a, queue, queued, size)
    return total


@jit
def _double_bridge(walk: np.ndarray, pos: np.ndarray, cut: np.ndarray, buf: np.ndarray) -> None:
    """``A B C D -> A C B D`` at positions ``cut[0] < cut[1] < cut[2]``."""
    p1, p2, p3 = cut[0], cut[1], cut[2]
    m = 0
    for x in range(p2, p3):
        buf[m] = walk[x]
        m += 1
    for x in range(p1, p2):
        buf[m] = walk[x]
        m += 1
    for x in range(m):
        walk[p1 + x] = buf[x]
        pos[buf[x]] = p1 + x


@jit
def _search(
    dist: np.ndarray,
    nbr: np.ndarray,
    cur: np.ndarray,
    best: np.ndarray,
    costs: np.ndarray,
    state: np.ndarray,
    kicks: int,
    patience: int,
    max_seg: int,
) -> int:
    """Run up to ``kicks`` kicks of iterated local search; returns the kicks done.

    ``cur`` is the current walk (a local optimum), ``best`` the best seen;
    ``costs = [current, best]``; ``state = [generator, kicks since the best
    improved, improvements]`` carries over between calls, so several calls
    do exactly what one call with their total would.
    """
    n = cur.size
    inner = n - 2
    pos = np.empty(n, dtype=np.int64)
    for i in range(n):
        pos[cur[i]] = i
    trial = cur.copy()
    tpos = pos.copy()
    queue = np.empty(n, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    buf = np.empty(n, dtype=np.int64)
    cut = np.empty(3, dtype=np.int64)
    rng = state[:1]
    done = 0
    while done < kicks and state[1] < patience:
        done += 1
        # Two adjacent segments of 1..max_seg rows, swapped.
        len1 = 1 + _next_random(rng, max_seg)
        len2 = 1 + _next_random(rng, max_seg)
        if len1 + len2 > inner:
            len1, len2 = inner // 2, inner - inner // 2
        cut[0] = 1 + _next_random(rng, inner - len1 - len2 + 1)
        cut[1] = cut[0] + len1
        cut[2] = cut[1] + len2
        p1, p2, p3 = cut[0], cut[1], cut[2]
        a, b = trial[p1 - 1], trial[p1]
        c, d = trial[p2 - 1], trial[p2]
        e, f = trial[p3 - 1], trial[p3]
        delta = dist[a, d] + dist[e, b] + dist[c, f] - dist[a, b] - dist[c, d] - dist[e, f]
        _double_bridge(trial, tpos, cut, buf)
        size = 0
        for x in (a, b, c, d, e, f):
            size = _activate(x, queue, queued, size)
        cost = costs[0] + delta - _descend(dist, trial, tpos, nbr, queue, queued, size)
        if cost <= costs[0] + _EPS:  # accept: not longer than the current walk
            cur[:] = trial
            pos[:] = tpos
            costs[0] = cost
            if cost < costs[1] - _EPS:
                costs[1] = cost
                best[:] = cur
                state[1] = 0
                state[2] += 1
                continue
        else:
            trial[:] = cur
            tpos[:] = pos
        state[1] += 1
    return done


@jit
def _local_optimum(dist: np.ndarray, nbr: np.ndarray, walk: np.ndarray) -> float:
    """Improve ``walk`` in place to a 2-opt / Or-opt local optimum; its length."""
    n = walk.size
    pos = np.empty(n, dtype=np.int64)
    for i in range(n):
        pos[walk[i]] = i
    queue = np.empty(n, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    size = 0
    for i in range(n - 1, -1, -1):
        size = _activate(walk[i], queue, queued, size)
    _descend(dist, walk, pos, nbr, queue, queued, size)
    return _walk_cost(dist, walk)


@jit
def walk_length(dist: np.ndarray, kicks: int, patience: int, seed: int, exact_max: int) -> float:
    """The length of the walk :func:`_solve` finds, in one compiled call (for
    budgets of one chunk of kicks, which :func:`_solve` runs without a look at
    the clock): Held-Karp up to ``exact_max`` picks, else the shorter
    construction, its local optimum and up to ``kicks`` kicks."""
    n = dist.shape[0]
    k = n - 2
    if k <= 2:
        walk = np.arange(n)
        if k == 2 and dist[0, 2] + dist[1, 3] < dist[0, 1] + dist[2, 3]:
            walk[1], walk[2] = 2, 1
        return _walk_cost(dist, walk)
    if k <= exact_max:
        return _walk_cost(dist, _held_karp_kernel(dist))
    nbr = _neighbour_lists(dist, min(NEIGHBOURS, n - 1))
    cur = _nearest_neighbour(dist)
    other = _cheapest_insertion(dist)
    if _walk_cost(dist, other) < _walk_cost(dist, cur):
        cur = other
    cost = _local_optimum(dist, nbr, cur)
    if kicks == 0:
        return cost
    best = cur.copy()
    costs = np.array([cost, cost])
    state = np.array([seed % (_RNG_MOD - 1) + 1, 0, 0], dtype=np.int64)
    _search(dist, nbr, cur, best, costs, state, kicks, patience, min(50, max(4, k // 2)))
    return _walk_cost(dist, best)


# ---- the driver ------------------------------------------------------------------------------
def _check_matrix(dist: np.ndarray) -> np.ndarray:
    """``dist`` as a contiguous float64 matrix, checked."""
    dist = np.ascontiguousarray(dist, dtype=np.float64)
    if dist.ndim != 2 or dist.shape[0] != dist.shape[1] or dist.shape[0] < 2:
        raise RoutingError(f"need a square distance matrix of 2 rows or more, got {dist.shape}")
    if not np.isfinite(dist).all():
        raise RoutingError("the distance matrix has infinite or missing entries")
    if np.abs(dist - dist.T).max() > 1e-9:
        raise RoutingError("the distance matrix is not symmetric; the moves assume it is")
    return dist


def solve_matrix(
    dist: np.ndarray,
    *,
    kicks: int = 0,
    patience: int | None = None,
    seed: int = 0,
    time_cap: float | None = None,
) -> tuple[np.ndarray, float, dict[str, Any]]:
    """The shortest walk this search finds from row 0 through every row to row ``n - 1``.

    Parameters
    ----------
    dist
        Symmetric ``(n, n)`` distance matrix; row 0 is the start and row
        ``n - 1`` the end (for a closed tour, a copy of the start).
    kicks
        Double-bridge kicks after the first local optimum (0: local search only).
    patience
        Stop after this many kicks in a row without a shorter walk (default: ``kicks``).
    seed
        Seeds the kicks; equal input and seed give equal walks.
    time_cap
        Seconds after which the search stops between two chunks of kicks
        (a safety cap; ``None``: none).

    Returns
    -------
    walk, length, detail
        The rows in walking order (``walk[0] == 0``, ``walk[-1] == n - 1``),
        its length, and counters: the construction used, kicks done,
        improvements, ``stopped_by`` and ``optimal`` (Held-Karp ran).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.0, 3.0, 1.0, 2.0, 4.0])  # points on a line, from 0 to 4
    >>> walk, length, detail = solve_matrix(np.abs(x[:, None] - x[None, :]), kicks=10)
    >>> walk.tolist(), length, detail["optimal"]
    ([0, 2, 3, 1, 4], 4.0, True)
    """
    if kicks < 0 or (patience is not None and patience < 1):
        raise RoutingError("kicks must be >= 0 and patience >= 1")
    return _solve(_check_matrix(dist), kicks, patience, seed, time_cap)


_HELD_KARP_DETAIL: dict[str, Any] = {"initial": "held-karp", "kicks": 0, "improvements": 0,
                     "stopped_by": "held-karp", "optimal": True}  # fmt: skip


class HeldKarpPlan(NamedTuple):
    """The local search's walk where Held-Karp runs, as :func:`plan_held_karp` gives it."""

    waypoints: np.ndarray
    """The start, the pick nodes in visiting order, the end."""
    length: float
    """The walk's length in metres, optimal."""
    path: np.ndarray
    """The node walk through the waypoints."""
    order: np.ndarray
    """The indices of the targets in the order the walk first reaches them."""
    detail: dict[str, Any]
    """``Tour.detail``: how it ran, the seconds it took and the safety cap."""


_NO_TARGETS = np.empty(0, dtype=np.int64)


def plan_held_karp(
    oracle: DistanceOracle,
    nodes: np.ndarray,
    start: int,
    end: int,
    time_limit: float | None = None,
    targets: np.ndarray = _NO_TARGETS,
) -> HeldKarpPlan:
    """Held-Karp's walk from ``start`` through ``nodes`` to ``end`` on the
    oracle's layout, and the order along it of ``targets``, from one compiled
    call (matrix, subset DP, node walk and order): at ten picks the Python
    between separate calls would cost as much as the DP.

    This is :meth:`LocalSearchRouter.solve` where it runs Held-Karp, and
    :func:`~optimizer.routing.route` calls it straight for its stops, without
    a problem or a tour between.

    Parameters
    ----------
    oracle
        The layout's distance oracle.
    nodes
        The pick nodes, sorted and distinct (int64), at most :data:`HELD_KARP_MAX`.
    start, end
        The walk's ends (nodes).
    time_limit
        The problem's time limit; ``None`` stands for :data:`TIME_CAP`. Only
        reported, as the safety cap: Held-Karp's work is fixed.
    targets
        Nodes to order by their first visit (the pick node of each bin code);
        each one of ``nodes``; none by default.

    Raises
    ------
    PickoptError
        A node that is not one of the layout's.

    Examples
    --------
    >>> from optimizer import DistanceOracle, Layout
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> targets = layout.nodes_of(["A04-B1-040-R-1", "A01-B1-003-L-1"])
    >>> depot = layout.depots[0].node
    >>> oracle = DistanceOracle.for_layout(layout)
    >>> plan = plan_held_karp(oracle, np.sort(targets), depot, depot, targets=targets)
    >>> plan.length, plan.order.tolist(), plan.detail["stopped_by"]
    (118.0, [1, 0], 'held-karp')
    """
    t0 = time.perf_counter()
    cap = TIME_CAP if time_limit is None else time_limit
    waypoints, length, path, order = _held_karp_with_order(nodes, start, end, targets,
                                                           *oracle.kernel_args)  # fmt: skip
    if length < 0.0:
        oracle.matrix([start, *nodes.tolist(), end])  # raises, naming the node
    seconds = round(time.perf_counter() - t0, 6)
    detail = {**_HELD_KARP_DETAIL, "seconds": seconds, "time_cap_s": cap}
    return HeldKarpPlan(waypoints, float(length), path, order, detail)


def _solve(
    dist: np.ndarray,
    kicks: int,
    patience: int | None,
    seed: int,
    time_cap: float | None,
    held_karp_max: int = HELD_KARP_MAX,
) -> tuple[np.ndarray, float, dict[str, Any]]:
    """:func:`solve_matrix` on a matrix known to be good (the oracle's)."""
    n = dist.shape[0]
    k = n - 2
    if k <= held_karp_max:
        walk, length = _held_karp(dist)
        return walk, length, dict(_HELD_KARP_DETAIL)
    nbr = _neighbour_lists(dist, min(NEIGHBOURS, n - 1))
    starts = {"nearest": _nearest_neighbour(dist), "insertion": _cheapest_insertion(dist)}
    lengths = {name: float(_walk_cost(dist, w)) for name, w in starts.items()}
    initial = min(lengths, key=lengths.__getitem__)  # ties: nearest neighbour
    cur = starts[initial]
    cost = _local_optimum(dist, nbr, cur)
    best = cur.copy()
    costs = np.array([cost, cost])
    state = np.array([seed % (_RNG_MOD - 1) + 1, 0, 0], dtype=np.int64)
    patience = kicks if patience is None else patience
    max_seg = min(50, max(4, k // 2))  # Or-opt undoes swaps of segments up to 3 long
    t0 = time.perf_counter()
    done, stopped_by = 0, "budget"
    while done < kicks:
        if state[1] >= patience:
            stopped_by = "no-improvement"
            break
        if time_cap is not None and time.perf_counter() - t0 > time_cap:
            stopped_by = "time-cap"
            break
        chunk = min(_CHUNK, kicks - done)
        done += _search(dist, nbr, cur, best, costs, state, chunk, patience, max_seg)
    if done < kicks and state[1] >= patience:
        stopped_by = "no-improvement"
    detail = {
        "initial": initial,
        "initial_distance_m": round(lengths[initial], 6),
        "kicks": int(done),
        "improvements": int(state[2]),
        "stopped_by": stopped_by,
        "optimal": False,
    }
    return best, float(_walk_cost(dist, best)), detail


@dataclass(frozen=True)
class LocalSearchRouter:
    """Iterated 2-opt / Or-opt local search on the oracle's matrix (any layout).

    Parameters
    ----------
    name
        The ``method`` string, ``"local-search"``.
    kicks_per_pick
        Work budget: at most this many kicks per pick node.
    min_kicks
        At least this many kicks, and as much patience (few picks are cheap).
    patience
        Stop after ``patience * k**2`` kicks in a row without a shorter walk,
        for ``k`` picks: more picks need more kicks to escape a local optimum
        (30 picks about 6 per pick, 120 picks about 24), and LKH-3's time, the
        yardstick, grows faster than ``k^2``. With 0.2, ``auto`` stays within
        a few hundredths of a percent of LKH-3 on average from 30 to 120
        picks (``benches/results/routing_everywhere.md``).
    held_karp_max
        Up to this many picks Held-Karp runs (proven optimal) instead of the
        search; at most :data:`HELD_KARP_MAX`.
    """

    name: str = "local-search"
    kicks_per_pick: int = 100
    min_kicks: int = 100
    patience: float = 0.2
    held_karp_max: int = HELD_KARP_MAX

    def __post_init__(self) -> None:
        if self.kicks_per_pick < 0 or self.min_kicks < 0:
            raise ValueError("kicks_per_pick < 0 or min_kicks < 0 not understood.")
        if not 2 <= self.held_karp_max <= HELD_KARP_MAX:
            raise ValueError(f"held_karp_max outside 2..{HELD_KARP_MAX} not understood.")
        if not self.patience > 0:
            raise ValueError("patience <= 0 not understood.")

    def budget(self, n_picks: int) -> tuple[int, int]:
        """Kicks and patience (kicks without improvement) for ``n_picks`` pick nodes."""
        kicks = max(self.min_kicks, self.kicks_per_pick * n_picks)
        patience = max(self.min_kicks, round(self.patience * n_picks**2))
        return kicks, min(kicks, patience)

    def supports(self, problem: RoutingProblem) -> str | None:
        """Always ``None``: the search only needs the distance matrix."""
        return None

    def runs_held_karp(self, n_picks: int) -> bool:
        """True if :meth:`solve` plans ``n_picks`` pick nodes (one or more) with
        Held-Karp, :func:`plan_held_karp`, rather than the search."""
        return n_picks <= self.held_karp_max

    def solve(self, problem: RoutingProblem) -> Tour:
        """Plan the walk: start depot, every pick node, end depot.

        ``Tour.detail`` says how the search started and stopped; ``optimal``
        is True only when Held-Karp ran (few picks).
        """
        k = int(problem.nodes.size)
        if k == 0:
            wp = [problem.start] if problem.closed else [problem.start, problem.end]
            return Tour(wp, optimal=True, detail={"stopped_by": "no-picks"})
        if self.runs_held_karp(k):  # no budget to work out; the walk comes along
            plan = plan_held_karp(problem.oracle, node_vector(problem.nodes), int(problem.start),
                                  int(problem.end), problem.time_limit)  # fmt: skip
            return Tour(plan.waypoints.tolist(), True, plan.detail, plan.length, plan.path)
        t0 = time.perf_counter()
        cap = TIME_CAP if problem.time_limit is None else problem.time_limit
        rows = np.concatenate(([problem.start], problem.nodes, [problem.end]))
        dist = problem.oracle.matrix(rows)
        kicks, patience = self.budget(k)
        walk, length, detail = _solve(dist, kicks, patience, problem.seed, cap, self.held_karp_max)
        detail["seconds"] = round(time.perf_counter() - t0, 6)
        detail["time_cap_s"] = cap
        return Tour(rows[walk].tolist(), bool(detail["optimal"]), detail, float(length))

    def length(self, problem: RoutingProblem) -> float:
        """The length (metres) of the walk :meth:`solve` plans, without the walk.

        ``problem.nodes`` need not be sorted or distinct.
        """
        nodes = np.unique(problem.nodes)
        if nodes.size == 0:
            return 0.0 if problem.closed else float(problem.oracle.matrix(
                [problem.start, problem.end])[0, 1])  # fmt: skip
        kicks, patience = self.budget(int(nodes.size))
        dist = problem.oracle.matrix(np.concatenate(([problem.start], nodes, [problem.end])))
        if kicks <= _CHUNK:  # one chunk: _solve would not look at the clock; one call
            return float(walk_length(dist, kicks, patience, problem.seed, self.held_karp_max))
        cap = TIME_CAP if problem.time_limit is None else problem.time_limit
        return _solve(dist, kicks, patience, problem.seed, cap, self.held_karp_max)[1]


LOCAL_SEARCH = LocalSearchRouter()
"""The ``"local-search"`` router with the default work budget."""

LOCAL_SEARCH_ESTIMATE = LocalSearchRouter(kicks_per_pick=1, min_kicks=5, held_karp_max=10)
"""A cheap local search for scoring candidate batches tour by tour off the exact
DP's layouts, where the compiled scoring kernel has no matrix
(:data:`optimizer.routing.scoring.MATRIX_MAX_ROWS`): Held-Karp up to 10 picks,
then one kick per pick, all in one compiled call through
:meth:`LocalSearchRouter.length`; its tours stay within a fraction of a per
cent of ``LOCAL_SEARCH``'s, where nearest neighbour is 6-10 % longer
(``benches/routing_estimate.py`` writes the figures)."""

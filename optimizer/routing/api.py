"""``route()``: validate a pick list, pick a router, and build the :class:`Route`."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, cast

import numpy as np

from optimizer._jit import jit
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError, RoutingError, suggest
from optimizer.layout import Depot, Layout
from optimizer.routing.arrays import sort_distinct
from optimizer.routing.base import Route, Router, RoutingProblem, Tour
from optimizer.routing.exact import EXACT, MAX_BLOCKS
from optimizer.routing.exact import warm_up as warm_exact
from optimizer.routing.heuristics import HEURISTICS
from optimizer.routing.local_search import (
    HELD_KARP_MAX,
    LOCAL_SEARCH,
    TIME_CAP,
    held_karp_detail,
    held_karp_walk,
    solve_matrix,
)
from optimizer.routing.ortools_adapter import ORTOOLS
from optimizer.routing.scoring import warm_up as warm_scoring

__all__ = [
    "route",
    "ROUTERS",
    "METHODS",
    "plan_tour",
    "choose_router",
    "tour_length",
    "warm_up",
    "HELD_KARP_OVER_SWEEP",
]

ROUTERS: dict[str, Router] = {r.name: r for r in (EXACT, *HEURISTICS, LOCAL_SEARCH, ORTOOLS)}
METHODS: tuple[str, ...] = ("auto", *ROUTERS)
_HELD_KARP_FROM_BLOCKS = 4  # auto: from here Held-Karp beats the sweep on few picks
HELD_KARP_OVER_SWEEP = 11  # ... up to this many picks (faster than the sweep on 4 blocks there)


def choose_router(problem: RoutingProblem, method: str) -> tuple[Router, RoutingProblem]:
    """The router for ``method`` (resolving ``"auto"``) and the problem it gets.

    ``"auto"`` is the exact DP where it applies (parallel-aisle layouts of up
    to :data:`~optimizer.routing.exact.MAX_BLOCKS` blocks, depots on
    cross-aisles), else the local search, which proves optimality itself for
    a few picks (Held-Karp) and otherwise does a fixed amount of work. With
    four blocks and up to :data:`HELD_KARP_OVER_SWEEP` picks Held-Karp is the
    cheaper of the two exact methods (the sweep carries 2,956 classes per
    column), so it runs there.
    """
    if method == "auto":
        if _auto_prefers_local_search(problem.layout, problem.nodes.size) or (
            EXACT.supports(problem) is not None
        ):
            return LOCAL_SEARCH, problem
        return EXACT, problem
    router = ROUTERS.get(method)
    if router is None:
        raise RoutingError(
            f"unknown routing method {method!r}" + suggest(method, METHODS)
            + f"; known: {', '.join(METHODS)}"
        )  # fmt: skip
    reason = router.supports(problem)
    if reason is not None:
        raise RoutingError(f"method {method!r} does not apply to layout "
                           f"{problem.layout.name!r}: {reason}")  # fmt: skip
    return router, problem


def _auto_prefers_local_search(layout: Layout, picks: int) -> bool:
    """True if ``"auto"`` runs the local search for ``picks`` pick nodes on
    ``layout`` wherever they are: the sweep does not take the layout (not
    parallel aisles, or more blocks than it takes), or Held-Karp is the
    cheaper exact method there. False: it asks the sweep."""
    geo = layout.aisles
    if geo is None or geo.n_blocks > MAX_BLOCKS:
        return True
    return geo.n_blocks >= _HELD_KARP_FROM_BLOCKS and picks <= HELD_KARP_OVER_SWEEP


def plan_tour(problem: RoutingProblem, method: str = "auto") -> tuple[str, Tour]:
    """Solve ``problem`` with ``method``; returns the router name and its tour.

    This is the entry point for callers that route many pick sets on one
    layout (batching) and need only distances, not :class:`Route` objects.
    """
    router, problem = choose_router(problem, method)
    return router.name, router.solve(problem)


def tour_length(router: Router, problem: RoutingProblem) -> float:
    """Length in metres of ``router``'s walk for ``problem``, as cheaply as it allows.

    Routers that can measure without building the walk (the exact DP) expose
    ``length(problem)``; for the others the tour is planned and summed.
    """
    measure = getattr(router, "length", None)
    if measure is not None:
        return float(measure(problem))
    wp = router.solve(problem).waypoints
    return float(problem.oracle.pairwise(wp[:-1], wp[1:]).sum()) if len(wp) > 1 else 0.0


def warm_up() -> None:
    """Prepare every router a request can reach: the exact DP's class tables
    (read from the disk cache or built; closed tours of 1 to 4 blocks), the
    local search's compiled kernels and the batch-scoring kernel. Call it
    once per worker process."""
    warm_exact()
    warm_scoring()
    for picks in (HELD_KARP_MAX, HELD_KARP_MAX + 2):  # Held-Karp, then the search
        points = np.arange(picks + 2.0)
        solve_matrix(np.abs(points[:, None] - points[None, :]), kicks=2)


def _resolve_picks(layout: Layout, picks: Iterable[str | int]) -> tuple[list[str], np.ndarray]:
    """The bin code and the pick node of each pick, in order (codes as the
    layout spells them, nodes as an int64 array). Slot indices, not
    :class:`Slot` objects: a route looks up every pick."""
    if isinstance(picks, str):
        raise RoutingError("picks must be a list of bin codes, not one string")
    keys = list(picks)
    if not keys:
        raise RoutingError("the pick list is empty: nothing to route")
    table = layout.table
    index_of = table.index_of
    found = [index_of(p) if type(p) is str else None for p in keys]
    if None not in found:  # bin codes only, the common case: straight from the table
        return cast(list[str], keys), table.node[cast(list[int], found)]
    # Slot indices, numpy strings, or an unknown code that slot_index reports.
    index = [layout.slot_index(p) if i is None else i for p, i in zip(keys, found, strict=True)]
    codes = [p if type(p) is str else table.code(i) for p, i in zip(keys, index, strict=True)]
    return codes, table.node[index]


def route(
    layout: Layout,
    picks: Iterable[str | int],
    method: str = "auto",
    start: str | None = None,
    end: str | None = None,
    *,
    oracle: DistanceOracle | None = None,
    time_limit: float | None = None,
    seed: int = 0,
) -> Route:
    """Plan a walk that picks every slot in ``picks``.

    Parameters
    ----------
    layout
        The warehouse.
    picks
        Bin codes or slot indices; repeats and codes sharing a pick node are
        visited once.
    method
        One of :data:`METHODS`. ``"auto"`` runs the exact DP where the layout
        allows it, else the local search (``"local-search"``) with a work
        budget scaled to the number of picks.
    start, end
        Depot names; default the first depot, and ``end`` defaults to ``start``.
    oracle
        A distance oracle of ``layout`` to reuse (default: the shared one).
    time_limit
        Seconds for search-based methods: OR-Tools' limit (``None`` picks
        one); for the local search only a safety cap, since its budget is
        counted in work.
    seed
        For methods with randomness; equal inputs give equal routes.

    Returns
    -------
    Route
        Stops, distance (m), node path, the method that ran and whether the
        distance is proven optimal.

    Raises
    ------
    UnknownSlotError
        A bin code the layout does not have.
    RoutingError
        An empty pick list, an unknown method or one that does not apply.

    Examples
    --------
    >>> from optimizer import Layout
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> r = route(layout, ["A01-B1-003-L-1", "A04-B1-040-R-1"])
    >>> r.distance, r.method, r.optimal
    (118.0, 'exact', True)
    """
    codes, code_nodes = _resolve_picks(layout, picks)
    if time_limit is not None and not (np.isfinite(time_limit) and time_limit > 0):
        raise RoutingError(f"time_limit must be a positive number of seconds, got {time_limit}")
    start_depot = layout.depot(start)
    end_depot = layout.depot(end) if end is not None else start_depot
    oracle = oracle or DistanceOracle.for_layout(layout)
    if oracle.layout is not layout and oracle.layout.version != layout.version:
        raise PickoptError("the oracle was built for another layout")
    nodes = _distinct_nodes(code_nodes)
    if _runs_held_karp(layout, method, nodes.size):
        return _held_karp_route(layout, oracle, codes, code_nodes, nodes, start_depot, end_depot,
                                time_limit)  # fmt: skip
    problem = RoutingProblem(layout, oracle, nodes, start_depot.node, end_depot.node,
                             time_limit, seed)  # fmt: skip
    name, tour = plan_tour(problem, method)
    return build_route(problem, tour, codes, name, start_depot.name, end_depot.name, code_nodes)


def _distinct_nodes(code_nodes: np.ndarray) -> np.ndarray:
    """The pick nodes sorted, each once (compiled: no list of Python ints between)."""
    nodes = np.array(code_nodes, dtype=np.int64)
    return nodes[: sort_distinct(nodes)]


def _runs_held_karp(layout: Layout, method: str, picks: int) -> bool:
    """True if ``method`` on ``picks`` distinct pick nodes of ``layout`` is the
    local search's Held-Karp, which :func:`_held_karp_route` runs in one call."""
    if picks > LOCAL_SEARCH.held_karp_max:
        return False
    return method == LOCAL_SEARCH.name or (
        method == "auto" and _auto_prefers_local_search(layout, picks)
    )


def _held_karp_route(
    layout: Layout,
    oracle: DistanceOracle,
    codes: list[str],
    code_nodes: np.ndarray,
    nodes: np.ndarray,
    start: Depot,
    end: Depot,
    time_limit: float | None,
) -> Route:
    """:func:`route` where the local search runs Held-Karp (few pick nodes):
    the walk, length and detail of ``LOCAL_SEARCH.solve`` and the stops of
    :func:`build_route`, from one compiled call (matrix, subset DP, node walk
    and stop order) with no :class:`RoutingProblem` or :class:`Tour` between:
    at ten picks the Python around the kernels costs as much as the DP."""
    t0 = time.perf_counter()
    order, length, path = _held_karp_stops(code_nodes, nodes, start.node, end.node,
                                           *oracle.kernel_args)  # fmt: skip
    if length < 0.0 or (order.size and order[0] < 0):  # the layout's own nodes: cannot happen
        raise RoutingError(f"Held-Karp could not route picks {codes} on layout {layout.name!r}")
    cap = TIME_CAP if time_limit is None else time_limit
    detail = held_karp_detail(time.perf_counter() - t0, cap)
    stops = tuple(dict.fromkeys([codes[i] for i in order.tolist()]))
    return Route(stops, float(length), tuple(path.tolist()), LOCAL_SEARCH.name, True,
                 start.name, end.name, layout, detail)  # fmt: skip


@jit
def _held_karp_stops(
    code_nodes: np.ndarray, nodes: np.ndarray, start: int, end: int,
    ints: np.ndarray, floats: np.ndarray, table: np.ndarray, at: Any, hub: Any, labels: Any,
    seg_a: np.ndarray, inner_at: np.ndarray, inner: np.ndarray, jnode: np.ndarray,
    hop_at: np.ndarray, hop_to: np.ndarray, hop_seg: np.ndarray, hop_length: np.ndarray,
) -> tuple[np.ndarray, float, np.ndarray]:  # fmt: skip
    """:func:`~optimizer.routing.local_search.held_karp_walk` through ``nodes``
    (sorted, distinct) and the order of the picks ``code_nodes`` along its node
    walk (:func:`_pick_order`): ``(order, length, path)``; a negative length if
    a node is not one of the layout."""
    _, length, path = held_karp_walk(
        nodes, start, end, ints, floats, table, at, hub, labels,
        seg_a, inner_at, inner, jnode, hop_at, hop_to, hop_seg, hop_length,
    )  # fmt: skip
    if length < 0.0:
        return path, length, path
    return _pick_order(path, code_nodes), length, path


@jit
def _pick_order(path: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The indices of ``targets`` (nodes) sorted by the first step of ``path``
    at each, ties in the order given; ``[-1 - j]`` if ``path`` misses
    ``targets[j]``. One pass over the path, a binary search per step.

    Plain loops rather than ``np.unique``/``np.argsort``/``np.searchsorted``:
    numba compiles each of those on first use, seconds of a cold first route,
    and an insertion sort of a pick list is as fast at route sizes.
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


def build_route(
    problem: RoutingProblem,
    tour: Tour,
    codes: list[str],
    method: str,
    start: str,
    end: str,
    code_nodes: np.ndarray | None = None,
) -> Route:
    """Expand a tour into a :class:`Route`, checking it visits every pick.

    ``code_nodes`` are the pick nodes of ``codes`` (looked up if not given).
    The distance is ``tour.length`` and the path ``tour.path`` if the router
    gives them, else the sum of the oracle's distances between consecutive
    waypoints and its walk through them.
    """
    wp = tour.waypoints
    if wp[0] != problem.start or wp[-1] != problem.end:
        raise RoutingError(f"router {method!r} returned a tour with the wrong ends")
    if code_nodes is None:
        code_nodes = problem.layout.nodes_of(codes)
    path = problem.oracle.walk_array(wp) if tour.path is None else tour.path
    order = _pick_order(path, code_nodes).tolist()
    if order and order[0] < 0:
        raise RoutingError(f"router {method!r} missed pick {codes[-1 - order[0]]!r}")
    stops = tuple(dict.fromkeys([codes[i] for i in order]))
    if tour.length is not None:
        distance = float(tour.length)
    else:
        distance = float(problem.oracle.pairwise(wp[:-1], wp[1:]).sum()) if len(wp) > 1 else 0.0
    return Route(stops, distance, tuple(path.tolist()), method, tour.optimal, start, end,
                 problem.layout, tour.detail)  # fmt: skip

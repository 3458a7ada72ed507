"""``route()``: validate a pick list, pick a router, and build the :class:`Route`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import numpy as np

from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError, RoutingError, suggest
from optimizer.layout import Layout
from optimizer.routing.arrays import sort_distinct
from optimizer.routing.base import Route, Router, RoutingProblem, Tour
from optimizer.routing.exact import EXACT, MAX_BLOCKS
from optimizer.routing.exact import warm_up as warm_exact
from optimizer.routing.heuristics import HEURISTICS
from optimizer.routing.local_search import (
    HELD_KARP_MAX,
    LOCAL_SEARCH,
    pick_order,
    plan_held_karp,
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
        router = _auto_router(problem.layout, problem.nodes.size)
        if router is None:
            router = EXACT if EXACT.supports(problem) is None else LOCAL_SEARCH
        return router, problem
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


def _auto_router(layout: Layout, picks: int) -> Router | None:
    """``"auto"``'s router for ``picks`` pick nodes on ``layout`` if these
    decide it wherever the picks are: the local search where the sweep does
    not take the layout (not parallel aisles, or more blocks than it takes)
    or Held-Karp is the cheaper exact method. ``None``: the sweep, if it
    takes the problem (its depots), else the local search."""
    geo = layout.aisles
    if geo is None or geo.n_blocks > MAX_BLOCKS:
        return LOCAL_SEARCH
    if geo.n_blocks >= _HELD_KARP_FROM_BLOCKS and picks <= HELD_KARP_OVER_SWEEP:
        return LOCAL_SEARCH
    return None


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
    router = _auto_router(layout, nodes.size) if method == "auto" else ROUTERS.get(method)
    if router is LOCAL_SEARCH and LOCAL_SEARCH.runs_held_karp(nodes.size):
        # One compiled call for stops, length and walk: at ten picks a problem,
        # a tour and build_route's calls would cost as much as the DP.
        plan = plan_held_karp(oracle, nodes, start_depot.node, end_depot.node, time_limit,
                              code_nodes)  # fmt: skip
        return Route(_stops(codes, plan.order, LOCAL_SEARCH.name), plan.length,
                     tuple(plan.path.tolist()), LOCAL_SEARCH.name, True, start_depot.name,
                     end_depot.name, layout, plan.detail)  # fmt: skip
    problem = RoutingProblem(layout, oracle, nodes, start_depot.node, end_depot.node,
                             time_limit, seed)  # fmt: skip
    name, tour = plan_tour(problem, method)
    return build_route(problem, tour, codes, name, start_depot.name, end_depot.name, code_nodes)


def _distinct_nodes(code_nodes: np.ndarray) -> np.ndarray:
    """The pick nodes sorted, each once (compiled: no list of Python ints between)."""
    nodes = np.array(code_nodes, dtype=np.int64)
    return nodes[: sort_distinct(nodes)]


def _stops(codes: list[str], order: np.ndarray, method: str) -> tuple[str, ...]:
    """The bin codes in the :func:`pick_order` ``order`` of their pick nodes,
    each once; a :class:`RoutingError` if the walk missed one."""
    indices = order.tolist()
    if indices and indices[0] < 0:
        raise RoutingError(f"router {method!r} missed pick {codes[-1 - indices[0]]!r}")
    return tuple(dict.fromkeys([codes[i] for i in indices]))


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
    stops = _stops(codes, pick_order(path, code_nodes), method)
    if tour.length is not None:
        distance = float(tour.length)
    else:
        distance = float(problem.oracle.pairwise(wp[:-1], wp[1:]).sum()) if len(wp) > 1 else 0.0
    return Route(stops, distance, tuple(path.tolist()), method, tour.optimal, start, end,
                 problem.layout, tour.detail)  # fmt: skip

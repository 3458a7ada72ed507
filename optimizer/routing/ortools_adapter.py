"""OR-Tools routing solver as a pickopt router, for any layout.

The only module that knows about ``RoutingIndexManager`` and ``RoutingModel``:
it turns a :class:`~optimizer.routing.base.RoutingProblem` into a one-vehicle
routing model and the solver's assignment back into a
:class:`~optimizer.routing.base.Tour`.

How it solves
-------------
1. Distances: the oracle's matrix of ``[start, *picks(, end)]`` in whole
   millimetres, registered with ``RegisterTransitMatrix`` (kept in C++; no
   Python callback per arc). A different end depot is the vehicle's end node.
2. Initial solution: every applicable heuristic of
   :mod:`optimizer.routing.heuristics` runs and the shortest tour is read in
   with ``ReadAssignmentFromRoutes``, so OR-Tools never returns a tour longer
   than the best classic policy.
3. Improvement: guided local search (Voudouris & Tsang 1999) from that
   assignment, ``SolveFromAssignmentWithParameters``, with penalty weight
   :data:`GLS_LAMBDA` (0.2 beat the default 0.1 on multi-block layouts) and
   two stops: the time limit, and an early stop once ``patience``
   consecutive solutions have not improved the best objective (an
   ``AddAtSolutionCallback`` that calls ``solver().FinishCurrentSearch()``).

Up to :data:`SMALL` picks every visiting order is tried instead. The float
length of the result is checked against the initial route's, so millimetre
rounding can never make OR-Tools return a longer walk than its start.

Determinism
-----------
The routing solver runs in one thread and its local search is deterministic,
so the trajectory of solutions is fixed for a given input. The time limit is
the only non-deterministic stop; the early stop counts *solutions*, not
seconds, so whenever it fires first (the normal case with
:func:`auto_time_limit`) equal inputs give identical tours. ``Tour.detail``
says which stop ended the search (``"stopped_by"``).

Examples
--------
On the fishbone layout (graph tier), warm-started by nearest neighbour; the
early stop ends the search long before the time limit:

>>> from optimizer import Layout
>>> from optimizer.routing import route
>>> layout = Layout.from_file("layouts/fishbone.json")
>>> codes = ["F01-001-L-1", "F02-011-R-1", "F03-025-L-1", "F05-012-R-1",
...          "F07-012-L-1", "F10-009-R-1", "F18-006-L-1", "F21-003-R-1"]
>>> r = route(layout, codes, method="ortools", time_limit=10.0)
>>> r.detail["initial"], round(r.detail["initial_distance_m"], 1), round(r.distance, 1)
('nearest', 220.9, 207.7)
>>> r.detail["stopped_by"]
'no-improvement'

References
----------
- L. Perron, V. Furnon, OR-Tools routing library, https://developers.google.com/optimization/routing
- C. Voudouris, E. Tsang (1999), Guided local search and its application to
  the traveling salesman problem. European J. Operational Research 113(2).
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from functools import cache
from itertools import permutations
from typing import Any

import numpy as np

from optimizer.errors import RoutingError
from optimizer.routing.base import RoutingProblem, Tour
from optimizer.routing.heuristics import HEURISTICS, tour_distance

__all__ = [
    "ORTOOLS",
    "OrToolsRouter",
    "auto_time_limit",
    "default_patience",
    "solve_naive",
    "MM_PER_M",
    "GLS_LAMBDA",
    "SMALL",
]

MM_PER_M = 1000.0  # OR-Tools works on integers: millimetres
GLS_LAMBDA = 0.2  # penalty weight of guided local search (OR-Tools default 0.1)


@cache
def _status_names() -> dict[int, str]:
    """OR-Tools' search statuses by number (imported on first use: a route
    that does not run OR-Tools does not load it)."""
    from ortools.constraint_solver import routing_enums_pb2

    status = dict(routing_enums_pb2.RoutingSearchStatus.Value.items())
    return {v: k.removeprefix("ROUTING_").lower() for k, v in status.items()}


def auto_time_limit(n_picks: int) -> float:
    """A guided-local-search budget in seconds for ``n_picks`` pick nodes.

    Parameters
    ----------
    n_picks
        Number of distinct pick nodes.

    Returns
    -------
    float
        ``n_picks**3 / 15000`` seconds, at least 1 s and at most 60 s
        (1 s up to 24 picks, 1.8 s for 30, 6 s for 45, 14.4 s for 60, 49 s
        for 90).

    Notes
    -----
    Calibrated against LKH-3 on ``layouts/multi_block_large.toml``: the time
    the search needs to come within 0.5 % of LKH-3 grows about as the cube of
    the picks (a local-search solution costs about O(n^2) and the number of
    solutions needed grows with n). The budget is three to four times that,
    because it is only the safety net: the count-based early stop
    (:func:`default_patience`) is meant to end the search first, even on a
    loaded machine, so that the tour is deterministic. The measurements are
    in ``benches/results/routing_docstring_figures.md``.
    """
    n = max(int(n_picks), 0)
    return float(min(60.0, max(1.0, n**3 / 15_000)))


def default_patience(n_picks: int) -> int:
    """Solutions without improvement after which the search stops early.

    Parameters
    ----------
    n_picks
        Number of distinct pick nodes.

    Returns
    -------
    int
        ``max(200, 20 * n_picks)``: with :data:`GLS_LAMBDA` the search on
        ``multi_block_large`` then stops within 0.1 % of LKH-3 on average (30
        to 60 picks), in about a third to half of :func:`auto_time_limit`.
        The solutions needed to escape a local optimum are heavy-tailed, so
        now and then a search stops a few tenths of a percent above LKH-3.
    """
    return int(max(200, 20 * int(n_picks)))


# ---- the model -----------------------------------------------------------------
class _Model:
    """A one-vehicle routing model of ``problem``; node 0 is the start, nodes
    ``1..k`` are the picks and, when the walk is open, node ``k + 1`` the end."""

    def __init__(self, problem: RoutingProblem) -> None:
        from ortools.constraint_solver import pywrapcp

        self.problem = problem
        self.k = int(problem.nodes.size)
        closed = problem.start == problem.end
        ids = [problem.start, *problem.nodes.tolist()] + ([] if closed else [problem.end])
        self.ids = np.asarray(ids, dtype=np.int64)
        self.metres = problem.oracle.matrix(self.ids)
        self.mm = np.rint(self.metres * MM_PER_M).astype(np.int64)
        n = len(ids)
        self.last = 0 if closed else n - 1  # model node where the walk ends
        if closed:
            self.manager = pywrapcp.RoutingIndexManager(
                n,  # number of nodes: start + picks
                1,  # number of vehicles: one picker
                0,  # depot node: the walk starts and ends at node 0
            )
        else:
            self.manager = pywrapcp.RoutingIndexManager(
                n,  # number of nodes: start + picks + end
                1,  # number of vehicles: one picker
                [0],  # start node of each vehicle
                [n - 1],  # end node of each vehicle
            )
        self.routing = pywrapcp.RoutingModel(self.manager)
        transit = self.routing.RegisterTransitMatrix(
            self.mm.tolist(),  # arc costs by node pair, millimetres
        )
        self.routing.SetArcCostEvaluatorOfAllVehicles(
            transit,  # index of the registered matrix
        )

    def order_cost(self, order: list[int], *, millimetres: bool = False) -> float:
        """Metres (or the model's millimetres) of the walk start -> picks (model
        nodes ``order``) -> end."""
        seq = np.array([0, *order, self.last], dtype=np.int64)
        table = self.mm if millimetres else self.metres
        return float(table[seq[:-1], seq[1:]].sum())

    def order_of(self, assignment: Any) -> list[int]:
        """Model nodes of the picks in the order the assignment visits them."""
        routing, manager = self.routing, self.manager
        index = routing.Start(0)
        order: list[int] = []
        index = assignment.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            order.append(int(manager.IndexToNode(index)))
            index = assignment.Value(routing.NextVar(index))
        return order

    def waypoints(self, order: list[int]) -> list[int]:
        """Layout nodes start -> picks -> end."""
        return [self.problem.start, *self.ids[order].tolist(), self.problem.end]

    def parameters(
        self,
        seconds: float,
        *,
        first_solution: int | None = None,
        gls_lambda: float | None = None,
    ) -> Any:
        """Search parameters: guided local search for at most ``seconds``."""
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2

        params = pywrapcp.DefaultRoutingSearchParameters()
        if first_solution is not None:
            params.first_solution_strategy = first_solution
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        if gls_lambda is not None:
            params.guided_local_search_lambda_coefficient = gls_lambda
        params.time_limit.FromMilliseconds(max(1, int(round(seconds * 1000))))
        params.log_search = False
        return params

    def status(self) -> str:
        return _status_names().get(int(self.routing.status()), str(self.routing.status()))


class _EarlyStop:
    """At-solution callback: counts solutions and finishes the search once
    ``patience`` consecutive ones did not improve the best objective."""

    def __init__(self, routing: Any, patience: int) -> None:
        self._routing = weakref.ref(routing)  # no cycle model -> callback -> model
        self.patience = patience
        self.best: int | None = None
        self.solutions = 0
        self.improvements = 0
        self.since = 0
        self.fired = False

    def __call__(self) -> None:
        routing = self._routing()
        if routing is None:
            return
        value = int(routing.CostVar().Value())
        self.solutions += 1
        if self.best is None or value < self.best:
            self.best, self.since = value, 0
            self.improvements += 1
            return
        self.since += 1
        if self.since >= self.patience and not self.fired:
            self.fired = True
            routing.solver().FinishCurrentSearch()


# ---- the router --------------------------------------------------------------------
def _best_heuristic(problem: RoutingProblem) -> tuple[str, Tour, float]:
    """Run every applicable heuristic; the shortest tour (ties: the first)."""
    best: tuple[str, Tour, float] | None = None
    for router in HEURISTICS:
        if router.supports(problem) is not None:
            continue
        tour = router.solve(problem)
        d = tour_distance(problem, tour.waypoints)
        if best is None or d < best[2] - 1e-9:
            best = (router.name, tour, d)
    assert best is not None  # nearest neighbour always applies
    return best


def _pick_order(model: _Model, waypoints: list[int]) -> list[int]:
    """Model nodes of the picks in the order the waypoints first reach them."""
    slot = {node: i + 1 for i, node in enumerate(model.problem.nodes.tolist())}
    seen: dict[int, None] = {}
    for node in waypoints:
        i = slot.get(node)
        if i is not None:
            seen.setdefault(i)
    return list(seen)


@dataclass(frozen=True)
class OrToolsRouter:
    """Guided local search with OR-Tools, warm-started by the best heuristic.

    Parameters
    ----------
    name
        The ``method`` string, ``"ortools"``.
    patience
        Consecutive non-improving solutions before the early stop; ``None``
        means :func:`default_patience` of the number of picks.
    """

    name: str = "ortools"
    patience: int | None = None

    def __post_init__(self) -> None:
        if self.patience is not None and self.patience < 1:
            raise ValueError("patience < 1 not understood.")

    def supports(self, problem: RoutingProblem) -> str | None:
        """Always ``None``: the model only needs the distance matrix."""
        return None

    def solve(self, problem: RoutingProblem) -> Tour:
        """Warm start from the best heuristic, then guided local search.

        ``problem.time_limit`` (default :func:`auto_time_limit`) bounds the
        search; it also stops after ``patience`` solutions without improvement.
        ``Tour.detail`` holds the initial heuristic and its distance, the
        solver status, the number of solutions and improvements, the stop
        reason and the wall time.
        """
        k = int(problem.nodes.size)
        seconds = problem.time_limit if problem.time_limit is not None else auto_time_limit(k)
        patience = self.patience if self.patience is not None else default_patience(k)
        t0 = time.perf_counter()
        name, tour, distance = _best_heuristic(problem)
        detail: dict[str, Any] = {
            "initial": name,
            "initial_distance_m": round(distance, 6),
            "time_limit_s": seconds,
            "patience": patience,
        }
        if k <= SMALL:
            order = _enumerate(problem)
            detail.update(
                status="enumerated",
                solutions=0,
                improvements=0,
                stopped_by="enumeration",
                seconds=round(time.perf_counter() - t0, 6),
            )
            return Tour([problem.start, *order, problem.end], optimal=False, detail=detail)

        model = _Model(problem)
        initial = _pick_order(model, tour.waypoints)
        assignment = model.routing.ReadAssignmentFromRoutes(
            [[model.manager.NodeToIndex(i) for i in initial]],  # one route per vehicle
            True,  # ignore_inactive_indices: every pick is on the route anyway
        )
        if assignment is None:
            raise RoutingError("OR-Tools rejected the initial route (internal error)")
        stop = _EarlyStop(model.routing, patience)
        model.routing.AddAtSolutionCallback(
            stop,  # called at each solution the local search accepts
        )
        solution = model.routing.SolveFromAssignmentWithParameters(
            assignment,  # initial solution: the best heuristic's order
            model.parameters(seconds, gls_lambda=GLS_LAMBDA),  # guided local search
        )
        order = initial if solution is None else model.order_of(solution)
        if model.order_cost(order) > model.order_cost(initial):  # mm rounding only
            order = initial
        detail.update(
            status=model.status(),
            solutions=stop.solutions,
            improvements=stop.improvements,
            stopped_by="no-improvement" if stop.fired else "time-limit",
            objective_mm=int(model.order_cost(order, millimetres=True)),
            seconds=round(time.perf_counter() - t0, 6),
        )
        return Tour(model.waypoints(order), optimal=False, detail=detail)


SMALL = 3  # up to this many picks every order is tried instead of searching


def _enumerate(problem: RoutingProblem) -> list[int]:
    """The best order of at most :data:`SMALL` picks, trying them all."""
    nodes = problem.nodes.tolist()
    pts = np.array([problem.start, *nodes, problem.end], dtype=np.int64)
    dist = problem.oracle.matrix(pts)
    k = len(nodes)
    best = min(
        permutations(range(1, k + 1)),
        key=lambda perm: sum(dist[a, b] for a, b in zip((0, *perm), (*perm, k + 1), strict=True)),
    )
    return [nodes[i - 1] for i in best]


def solve_naive(problem: RoutingProblem, seconds: float = 1.0) -> Tour:
    """OR-Tools as a naive user runs it: ``PATH_CHEAPEST_ARC`` first solution,
    guided local search for ``seconds``, no warm start and no early stop.

    For benchmarks that compare against :data:`ORTOOLS`.

    Parameters
    ----------
    problem
        The walk to plan.
    seconds
        The time limit.

    Returns
    -------
    Tour
        ``detail`` holds the status and the wall time.
    """
    if not (np.isfinite(seconds) and seconds > 0):
        raise RoutingError(f"seconds must be a positive number, got {seconds}")
    t0 = time.perf_counter()
    if problem.nodes.size <= 1:
        return Tour([problem.start, *problem.nodes.tolist(), problem.end], optimal=False,
                    detail={"status": "trivial", "seconds": 0.0})  # fmt: skip
    from ortools.constraint_solver import routing_enums_pb2

    model = _Model(problem)
    solution = model.routing.SolveWithParameters(
        model.parameters(
            seconds,  # time limit, seconds
            first_solution=routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC,
        ),
    )
    if solution is None:
        raise RoutingError(f"OR-Tools found no route (status {model.status()})")
    order = model.order_of(solution)
    detail = {"status": model.status(), "seconds": round(time.perf_counter() - t0, 6)}
    return Tour(model.waypoints(order), optimal=False, detail=detail)


ORTOOLS = OrToolsRouter()
"""The ``"ortools"`` router with the default early stop."""

"""One walking route for one set of picks.

Methods (``route(..., method=...)``):

``"exact"``
    Ratliff & Rosenthal (1983) dynamic programme for one block, Roodbergen &
    de Koster (2001) for two and its extension to three and four blocks
    (after Pansart, Catusse & Cambazard 2018): optimal, linear in the number
    of aisles, any depot position, start and end may differ.
``"s-shape"``, ``"return"``, ``"midpoint"``, ``"largest-gap"``, ``"combined"``
    The classic aisle-by-aisle policies warehouses run today (multi-block
    variants where the literature defines them).
``"nearest"``
    Nearest neighbour over shortest-path distances; any layout.
``"local-search"``
    Iterated 2-opt / Or-opt local search with double-bridge kicks over the
    oracle's matrix, compiled, with a deterministic work budget (Held-Karp,
    proven optimal, up to 12 picks); any layout.
``"ortools"``
    OR-Tools guided local search over the oracle's matrix, seeded with the
    best heuristic route, with a time budget and an early stop; any layout.
``"auto"``
    ``"exact"`` where it applies, else ``"local-search"``. ``Route.method``
    says what ran and ``Route.optimal`` whether it is proven optimal.

Callers that measure many tours (batching) use
:func:`optimizer.routing.scoring.tour_length_kernel` from their own compiled
loops: the exact DP's optimum, or off its layouts the local search's
estimate on the oracle's matrix, behind one signature.
"""

from optimizer.routing.api import METHODS, ROUTERS, plan_tour, route, warm_up
from optimizer.routing.base import Route, Router, RoutingProblem, Tour

__all__ = [
    "route",
    "Route",
    "Router",
    "RoutingProblem",
    "Tour",
    "METHODS",
    "ROUTERS",
    "plan_tour",
    "warm_up",
]

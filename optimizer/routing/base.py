"""What every router shares: the problem it is given, the tour it returns,
the :class:`Route` users see, and the protocol routers implement.

A router only decides an order of *waypoints* (nodes, starting at the start
depot and ending at the end depot, visiting every pick node); consecutive
waypoints are joined by shortest walks. The distance is then the sum of the
oracle's distances between consecutive waypoints, which by construction
equals the length of the node walk in ``Route.path``; a router that has the
length or the node walk already (the exact DP: its optimum and the walk it
priced) passes them as ``Tour.length`` and ``Tour.path``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from optimizer.distance import DistanceOracle
from optimizer.layout import Layout

__all__ = ["RoutingProblem", "Tour", "Router", "Route"]


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """One walk to plan: visit every node of ``nodes`` from ``start`` to ``end``.

    ``nodes`` are distinct pick nodes, sorted; several bin codes on one node
    are one visit. ``time_limit`` (seconds) bounds search-based routers.
    """

    layout: Layout
    oracle: DistanceOracle
    nodes: np.ndarray
    start: int
    end: int
    time_limit: float | None = None
    seed: int = 0

    @property
    def closed(self) -> bool:
        """True when the walk returns to where it started."""
        return self.start == self.end

    def matrix(self) -> np.ndarray:
        """Distances between ``[start, *nodes, end]`` (end repeated even if closed)."""
        return self.oracle.matrix(np.concatenate([[self.start], self.nodes, [self.end]]))


@dataclass(frozen=True)
class Tour:
    """A router's answer: waypoints from start to end, and whether proven optimal.

    ``length`` is the walk's length in metres and ``path`` its node walk
    (``oracle.walk(waypoints)``) when the router has them already (the exact
    DP); ``None`` has them computed from the waypoints.
    """

    waypoints: list[int]
    optimal: bool = False
    detail: dict[str, Any] = field(default_factory=dict)
    length: float | None = None
    path: np.ndarray | None = field(default=None, repr=False, compare=False)


class Router(Protocol):
    """A routing method. ``supports`` says whether it applies to a problem."""

    @property
    def name(self) -> str:
        """The ``method`` string that selects this router."""
        ...

    def supports(self, problem: RoutingProblem) -> str | None:
        """``None`` if the method applies, else the reason it does not."""
        ...

    def solve(self, problem: RoutingProblem) -> Tour:
        """Plan the walk."""
        ...


@dataclass(frozen=True)
class Route:
    """A planned walk through a set of picks.

    Attributes
    ----------
    stops
        Bin codes in the order they are picked (first pass of their node).
    distance
        Walking distance, metres, start depot to end depot.
    path
        The node walk, start depot to end depot, along graph edges.
    method
        The router that ran (``"auto"`` resolves to one of them).
    optimal
        True only when the router proved the distance optimal.
    start, end
        Depot names.
    """

    stops: tuple[str, ...]
    distance: float
    path: tuple[int, ...]
    method: str
    optimal: bool
    start: str
    end: str
    layout: Layout = field(repr=False, compare=False)
    detail: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def stop_nodes(self) -> list[int]:
        """Pick node of each stop."""
        return [self.layout.slot(code).node for code in self.stops]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: stops, distance, method, optimal, depots, path."""
        return {
            "layout": self.layout.name,
            "layout_hash": self.layout.version,
            "method": self.method,
            "optimal": self.optimal,
            "distance_m": round(self.distance, 6),
            "start": self.start,
            "end": self.end,
            "stops": list(self.stops),
            "path": list(self.path),
            **({"detail": self.detail} if self.detail else {}),
        }

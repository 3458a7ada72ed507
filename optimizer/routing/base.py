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
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from optimizer.distance import DistanceOracle
from optimizer.layout import Layout
from optimizer.values import summary_html

if TYPE_CHECKING:
    import pandas as pd

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

    def legs(self) -> list[tuple[str | None, float, float]]:
        """``(bin, walked so far, leg)`` per stop and a last ``(None, distance, leg)``
        for the walk to the end depot, metres; the legs add up to :attr:`distance`."""
        edges = zip(self.layout.edges.tolist(), self.layout.edge_length.tolist(), strict=True)
        length = {(u, v): w for (u, v), w in edges}
        at: dict[int, float] = {}
        walked = 0.0
        for k, node in enumerate(self.path):
            if k:
                prev = self.path[k - 1]
                walked += length.get((prev, node), length.get((node, prev), 0.0))
            at.setdefault(node, walked)
        out: list[tuple[str | None, float, float]] = []
        last = 0.0
        for code in self.stops:
            here = at[self.layout.slot(code).node]
            out.append((code, here, here - last))
            last = here
        out.append((None, self.distance, self.distance - last))
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per stop in walking order and a last ``"end"`` row back to the
        end depot: ``stop``, ``action``, ``bin``, ``x``, ``y``, ``distance_m``
        (walked so far) and ``leg_m`` (since the previous row; they add up to
        :attr:`distance`). Needs pandas."""
        import pandas as pd

        rows = []
        end_node = self.layout.depot(self.end).node
        for k, (code, walked, leg) in enumerate(self.legs(), start=1):
            node = end_node if code is None else self.layout.slot(code).node
            x, y = self.layout.xy[node].tolist()
            rows.append({"stop": k, "action": "pick" if code else "end", "bin": code,
                         "x": x, "y": y, "distance_m": walked, "leg_m": leg})  # fmt: skip
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return (f"Route({len(self.stops)} stops, {self.distance:,.1f} m, {self.method!r}, "
                f"optimal={self.optimal}, {self.start!r} -> {self.end!r})")  # fmt: skip

    def _repr_html_(self) -> str:
        """A short summary for Jupyter: distance, method, stops (the first few)."""
        shown = ", ".join(self.stops[:6]) + (", ..." if len(self.stops) > 6 else "")
        return summary_html(f"Route on {self.layout.name!r}", {
            "distance": f"{self.distance:,.1f} m",
            "method": self.method + (" (optimal)" if self.optimal else ""),
            "depots": self.start if self.start == self.end else f"{self.start} -> {self.end}",
            "stops": f"{len(self.stops)}: {shown}",
        })  # fmt: skip

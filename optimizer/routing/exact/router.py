"""The router ``EXACT``: says where the DP applies, prepares the kernels'
inputs per layout and depot pair, and turns their answer into a :class:`Tour`."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from optimizer.distance.kernels import node_vector
from optimizer.errors import RoutingError
from optimizer.layout import Layout
from optimizer.routing.base import RoutingProblem, Tour
from optimizer.routing.exact.columns import Frame, frame, placement
from optimizer.routing.exact.sweep import (
    flat_picks,
    kernel_inputs,
    length_kernel,
    route_kernel,
    warm_tables,
)

__all__ = ["EXACT", "ExactRouter", "MAX_BLOCKS", "warm_up"]

MAX_BLOCKS = 4  # 5 blocks: tables past 4 GB to build (see optimizer.routing.exact)
_INF = float("inf")


_Prepared = tuple[str | None, Frame | None, tuple[np.ndarray, ...]]


@lru_cache(maxsize=256)
def _depot_reason(layout: Layout, start: int, end: int) -> str | None:
    """Why the DP does not apply to ``layout`` and these depots, or None."""
    geo = layout.aisles
    if geo is None:
        return f"needs a parallel-aisle layout; this one is a {layout.kind!r} layout"
    if not 1 <= geo.n_blocks <= MAX_BLOCKS:
        return (
            f"needs a parallel-aisle layout with 1 to {MAX_BLOCKS} blocks "
            f"({MAX_BLOCKS + 1} cross-aisles); this one has {geo.n_blocks}"
        )
    for role, node in (("start", start), ("end", end)):
        if placement(layout, node) is None:
            return f"the {role} node {node} is not a depot of layout {layout.name!r}"
    return None


class ExactRouter:
    """Optimal routes by dynamic programming over the aisles (1 to 4 blocks).

    Examples
    --------
    >>> from optimizer import Layout
    >>> from optimizer.routing import route
    >>> layout = Layout.from_file("layouts/two_block.toml")
    >>> r = route(layout, ["A02-B1-004-L-1", "A07-B2-020-R-2"], method="exact")
    >>> r.distance, r.optimal
    (152.0, True)
    """

    name = "exact"
    # (layout, start, end, _prepare(...)) of the last call
    _last: tuple[Layout | None, int, int, _Prepared] = (None, -1, -1, (None, None, ()))

    def _prepare(self, layout: Layout, start: int, end: int) -> _Prepared:
        """``(reason, frame, context)`` for this layout and depots: why the DP
        does not apply (then no frame and context) or None, :func:`frame` and
        :func:`kernel_inputs`. Batching and route() ask about one layout and depot
        pair over and over, so the last one is kept at hand."""
        last = self._last
        if last[0] is layout and last[1] == start and last[2] == end:
            return last[3]
        reason = _depot_reason(layout, start, end)
        if reason is None:
            inputs = kernel_inputs(layout, start, end)
            prepared: _Prepared = (None, frame(layout, start, end), inputs)
        else:
            prepared = (reason, None, ())
        self._last = (layout, start, end, prepared)
        return prepared

    def supports(self, problem: RoutingProblem) -> str | None:
        """``None`` if the DP applies to ``problem``, else the reason it does not.

        Parameters
        ----------
        problem
            The walk to plan.
        """
        reason, _, context = self._prepare(problem.layout, int(problem.start), int(problem.end))
        if reason is not None:
            return reason
        nodes = node_vector(problem.nodes)
        bad = flat_picks(nodes, context[1])[1]
        if bad >= 0:
            return f"node {int(nodes[bad])} is not a pick node in an aisle"
        return None

    def solve(self, problem: RoutingProblem) -> Tour:
        """The optimal walk, as waypoints adjacent along aisles and cross-aisles.

        Parameters
        ----------
        problem
            The walk to plan; :meth:`supports` must return ``None``.

        Returns
        -------
        Tour
            Waypoints from start to end and ``optimal=True``;
            ``detail["optimum"]`` and ``length`` are the DP's optimum in
            metres, and ``path`` the node walk (``oracle.walk(waypoints)``) if
            there are picks.

        Raises
        ------
        RoutingError
            If the method does not apply to ``problem``.
        """
        layout, start, end = problem.layout, int(problem.start), int(problem.end)
        reason, fr, context = self._prepare(layout, start, end)
        if fr is None:
            raise RoutingError(f"method 'exact' does not apply: {reason}")
        nodes = node_vector(problem.nodes)
        if nodes.size == 0 and (start == end or fr.first == fr.last):
            # Nothing to pick: stay put, or walk the spurs between two depots
            # that share their attach node.
            if start == end:
                return Tour([start], optimal=True, detail={"optimum": 0.0}, length=0.0)
            wp = [*fr.head, int(fr.grid[fr.first]), *fr.tail]
            return Tour(wp, optimal=True, detail={"optimum": fr.spur}, length=fr.spur)
        cost, waypoints, path = route_kernel(nodes, *context)
        if cost < 0.0:
            node = int(nodes[int(-1.0 - cost)])
            raise RoutingError(
                f"method 'exact' does not apply: node {node} is not a pick node in an aisle"
            )
        if not cost < _INF:  # cannot happen on a valid layout; guard anyway
            raise RoutingError(f"the exact DP found no tour in layout {layout.name!r}")
        return Tour(waypoints.tolist(), True, {"optimum": cost}, length=cost, path=path)

    def length(self, problem: RoutingProblem) -> float:
        """The optimal walk's length in metres, without building the walk.

        ``solve(problem).detail["optimum"]``, from the same sweep without the
        walk back through its choices; batching scores thousands of candidate
        batches with it. ``problem.nodes`` need not be sorted or distinct.

        Parameters
        ----------
        problem
            The walk to measure.

        Raises
        ------
        RoutingError
            If the method does not apply to the layout or depots, or a node
            is not a pick node in an aisle.
        """
        nodes = node_vector(problem.nodes)
        layout = problem.layout
        reason, _, context = self._prepare(layout, int(problem.start), int(problem.end))
        if reason is not None:
            raise RoutingError(f"method 'exact' does not apply: {reason}")
        cost = length_kernel(nodes, *context)
        if 0.0 <= cost < _INF:
            return cost
        if cost < 0.0:
            node = int(nodes[int(-1.0 - cost)])
            raise RoutingError(f"node {node} is not a pick node in an aisle of {layout.name!r}")
        # Cannot happen on a valid layout; guard anyway.
        raise RoutingError(f"the exact DP found no tour in layout {layout.name!r}")


def warm_up(max_blocks: int = MAX_BLOCKS) -> None:
    """Load (or build and store) the class tables of 1 to ``max_blocks``
    blocks and pack those of closed tours, so that no route pays for them.

    Parameters
    ----------
    max_blocks
        The largest block count to prepare (at most :data:`MAX_BLOCKS`).
    """
    if not 1 <= max_blocks <= MAX_BLOCKS:
        raise RoutingError(f"max_blocks must be 1 to {MAX_BLOCKS}, got {max_blocks}")
    for n_blocks in range(1, max_blocks + 1):
        warm_tables(n_blocks)


EXACT = ExactRouter()

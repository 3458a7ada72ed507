"""Exact walking distances between any nodes of a layout, fast, in memory
linear in the layout.

The graph is cut (:mod:`~optimizer.distance.decompose`) into dead-end trees
hanging from a core (pick faces on spurs, dead-end aisles: a node is its
root plus an offset), and the core into *segments*: maximal chains of
degree-2 nodes (aisle pieces, cross-aisle pieces) between *junctions*. Only
the junctions need distances between them: a table from scipy's Dijkstra on
the compressed junction graph when there are at most ``MAX_JUNCTIONS`` of
them, exact hub labels (:mod:`~optimizer.distance.labels`) beyond. A
distance is then a min over four sums, which a numba kernel evaluates for a
k x k matrix in microseconds. Memory is O(nodes + junctions^2) up to the
table's bound and O(nodes + junctions x hubs) beyond, never O(slots^2).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
from scipy.sparse import coo_array, csr_array
from scipy.sparse.csgraph import connected_components, dijkstra

from optimizer.distance.decompose import Decomposition, decompose
from optimizer.distance.kernels import (
    first_outside,
    node_vector,
    pair_vector,
    rect_matrix,
    square_matrix,
)
from optimizer.distance.labels import HubLabels
from optimizer.distance.walks import walk_kernel, walk_tables
from optimizer.errors import PickoptError
from optimizer.layout import Layout

__all__ = ["DistanceOracle", "MAX_JUNCTIONS"]

MAX_JUNCTIONS = 1024  # 1024^2 float64 = 8 MB; beyond it, hub labels
SHARED_COUNT = 32  # oracles kept by ``DistanceOracle.for_layout``


class _SharedOracles:
    """The oracles :meth:`DistanceOracle.for_layout` keeps, by layout version.

    Least recently used ones are dropped past ``SHARED_COUNT`` or, when a budget
    is set, past ``budget`` bytes; the newest always stays.
    """

    def __init__(self) -> None:
        self.oracles: OrderedDict[str, DistanceOracle] = OrderedDict()
        self.budget: int | None = None

    def get(self, layout: Layout) -> DistanceOracle:
        oracle = self.oracles.get(layout.version)
        if oracle is None:
            oracle = self.oracles[layout.version] = DistanceOracle(layout)
        else:
            self.oracles.move_to_end(layout.version)
        self.evict()
        return oracle

    def evict(self) -> None:
        while len(self.oracles) > 1 and (
            len(self.oracles) > SHARED_COUNT
            or (self.budget is not None and self.nbytes() > self.budget)
        ):
            self.oracles.popitem(last=False)

    def nbytes(self) -> int:
        return sum(o.nbytes for o in self.oracles.values())


def _adjacency(layout: Layout) -> csr_array:
    e, w = layout.edges, layout.edge_length
    n = layout.n_nodes
    both = coo_array(
        (
            np.concatenate([w, w]),
            (np.concatenate([e[:, 0], e[:, 1]]), np.concatenate([e[:, 1], e[:, 0]])),
        ),
        shape=(n, n),
    )
    return csr_array(both)


class DistanceOracle:
    """Shortest walking distances (metres) between nodes of a :class:`Layout`.

    Parameters
    ----------
    layout
        The warehouse.
    max_junctions
        Above this many junctions in the core the oracle keeps hub labels
        instead of an all-pairs junction table (``mode`` says which).

    Examples
    --------
    >>> from optimizer import Layout
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> oracle = DistanceOracle(layout)
    >>> oracle.matrix(layout.nodes_of(["A01-B1-001-L-1", "A02-B1-010-R-1"])).tolist()
    [[0.0, 17.0], [17.0, 0.0]]
    >>> oracle.mode, DistanceOracle(layout, max_junctions=0).mode
    ('table', 'labels')

    Notes
    -----
    Build: linear in the graph for the trees and segments, then one Dijkstra
    per junction on the junction graph, O(J (J + S) log J) for J junctions
    and S segments, with the table; pruned ones, O(J L log J) for labels of
    L hubs, without. Query: O(k^2) for a k x k matrix with the table,
    O(k^2 L) with labels, plus O(log n) per pair of nodes in one dead-end tree.
    """

    @classmethod
    def for_layout(cls, layout: Layout) -> DistanceOracle:
        """The shared oracle of ``layout``, built on first use and kept.

        Layouts are immutable, so one oracle per version serves every caller.
        """
        return _SHARED.get(layout)

    @staticmethod
    def set_shared_budget(max_bytes: int | None) -> None:
        """Bound the memory of the oracles :meth:`for_layout` keeps, in bytes.

        Least recently used oracles are dropped first; the newest always stays.
        A long-running process (a service worker) sets this from its memory
        budget; ``None`` keeps up to ``SHARED_COUNT`` oracles whatever their size.

        Examples
        --------
        >>> DistanceOracle.set_shared_budget(64 * 2**20)
        >>> DistanceOracle.set_shared_budget(None)
        """
        if max_bytes is not None and max_bytes < 0:
            raise PickoptError(f"shared oracle budget must be >= 0 bytes, got {max_bytes}")
        _SHARED.budget = max_bytes
        _SHARED.evict()

    def __init__(self, layout: Layout, *, max_junctions: int = MAX_JUNCTIONS) -> None:
        self.layout = layout
        self._max_junctions = max_junctions
        graph = _adjacency(layout)
        if layout.n_nodes and connected_components(graph, directed=False)[0] > 1:
            raise PickoptError(f"layout {layout.name!r} is not connected")
        self._graph: csr_array | None = graph  # dropped once decomposed

    # The decomposition and the junction distances are built on the first query:
    # a route whose router walks the graph itself (the exact DP) never needs
    # them, and building them compiles numba kernels, seconds in a cold process.
    @cached_property
    def _parts(self) -> Decomposition:
        # The graph is dropped once decomposed; a thread racing this one rebuilds it.
        graph = self._graph if self._graph is not None else _adjacency(self.layout)
        self._graph = None
        return decompose(graph)

    @cached_property
    def _junction_distances(self) -> tuple[np.ndarray, HubLabels]:
        """The all-pairs junction table and empty labels, or the reverse."""
        junction_graph = self._parts.junction_graph()
        if self.n_junctions <= self._max_junctions:
            table = np.ascontiguousarray(dijkstra(junction_graph, directed=False))
            return table, HubLabels(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64),
                                    np.zeros(0))  # fmt: skip
        labels = HubLabels.build(junction_graph, self.layout.xy[self._parts.junction_node])
        return np.zeros((0, 0)), labels

    @cached_property
    def _distances(self) -> tuple[Any, ...]:
        """What the kernels take: the table and no labels, or labels and an empty table."""
        table, labels = self._junction_distances
        if self.mode == "table":
            return (self._parts.ints, self._parts.floats, table, None, None, None)
        return (self._parts.ints, self._parts.floats, table, labels.at, labels.hub, labels.dist)

    @cached_property
    def kernel_args(self) -> tuple[Any, ...]:
        """The arrays the compiled queries take after their nodes.

        For callers that call the queries from compiled code of their own:
        :func:`~optimizer.distance.kernels.square_matrix` (and ``rect_matrix``,
        ``pair_vector``, ``node_distance``) take the first six,
        :func:`~optimizer.distance.walks.walk_kernel` all of them. The caller
        checks its nodes (``0 <= node < layout.n_nodes``, e.g. with
        :func:`~optimizer.distance.kernels.first_outside`): the kernels do not.
        """
        return (*self._distances, *walk_tables(self._parts))

    @property
    def n_junctions(self) -> int:
        """Junctions of the graph's core (nodes the distance table spans)."""
        return self._parts.n_junctions

    @property
    def mode(self) -> str:
        """``"table"`` (all-pairs junction distances) or ``"labels"`` (hub labels)."""
        return "table" if self._junction_distances[0].shape[0] else "labels"

    # ---- queries --------------------------------------------------------------
    def _checked(self, nodes: Sequence[int] | np.ndarray) -> np.ndarray:
        """``nodes`` as a contiguous int64 vector (as given if it is one), each
        checked to be a node of the layout."""
        arr = nodes if type(nodes) is np.ndarray else np.asarray(nodes)
        if arr.dtype.kind not in "iu":
            if arr.size == 0:
                return arr.astype(np.int64)
            raise PickoptError(f"node ids must be integers, got dtype {arr.dtype}")
        arr = node_vector(arr)
        bad = first_outside(arr, self.layout.n_nodes)
        if bad >= 0:
            raise PickoptError(
                f"node {int(arr[bad])} is not in layout {self.layout.name!r} "
                f"(nodes 0..{self.layout.n_nodes - 1})"
            )
        return arr

    def matrix(self, nodes: Sequence[int] | np.ndarray) -> np.ndarray:
        """Distance matrix of ``nodes`` (float64, k x k, metres).

        Parameters
        ----------
        nodes
            Node ids, e.g. ``layout.nodes_of(codes)``; repeats are allowed.
        """
        return square_matrix(self._checked(nodes), *self._distances)

    def between(
        self, sources: Sequence[int] | np.ndarray, targets: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """Distances from each source to each target (float64, k x l, metres).

        Parameters
        ----------
        sources, targets
            Node ids.
        """
        return rect_matrix(self._checked(sources), self._checked(targets), *self._distances)

    def pairwise(
        self, sources: Sequence[int] | np.ndarray, targets: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """Distances ``d(sources[i], targets[i])`` element by element (metres)."""
        s, t = self._checked(sources), self._checked(targets)
        if s.size != t.size:
            raise PickoptError(f"pairwise needs equal lengths, got {s.size} and {t.size}")
        return pair_vector(s, t, *self._distances)

    def distance(self, u: int, v: int) -> float:
        """Walking distance between two nodes, metres."""
        return float(self.between([u], [v])[0, 0])

    def from_depot(
        self, nodes: Sequence[int] | np.ndarray | None = None, depot: str | None = None
    ) -> np.ndarray:
        """Distances from a depot to ``nodes`` (default: every pick node).

        Parameters
        ----------
        nodes
            Node ids; ``None`` means ``layout.pick_nodes``.
        depot
            Depot name; ``None`` means the first depot.
        """
        targets = self.layout.pick_nodes if nodes is None else nodes
        return self.between([self.layout.depot(depot).node], targets)[0]

    def path(self, u: int, v: int) -> list[int]:
        """A shortest walk from ``u`` to ``v`` as a list of nodes, both included.

        Parameters
        ----------
        u, v
            Node ids.
        """
        return self.walk_array(self._checked([u, v])).tolist()

    def walk(self, waypoints: Sequence[int] | np.ndarray) -> list[int]:
        """Concatenate shortest walks through ``waypoints`` in order.

        Parameters
        ----------
        waypoints
            Node ids; consecutive ones are joined by a shortest walk.
        """
        return self.walk_array(waypoints).tolist()

    def walk_array(self, waypoints: Sequence[int] | np.ndarray) -> np.ndarray:
        """:meth:`walk` as an int64 array (one kernel call, no Python loop).

        Within one dead-end tree the walk goes through the two nodes' lowest
        common ancestor. Otherwise, between two nodes of one core segment it
        follows the segment if that is shortest; else it leaves ``u``'s
        segment by the end of the shortest combination (the first of equals),
        hops from junction to junction along shortest segments and enters
        ``v``'s segment.

        Parameters
        ----------
        waypoints
            Node ids; consecutive ones are joined by a shortest walk.
        """
        pts = np.asarray(waypoints)
        if pts.dtype != np.int64 or pts.ndim != 1:
            pts = self._checked(pts)
        path = walk_kernel(pts, *self.kernel_args)
        if path.size == 1 and path[0] < 0:
            self._checked(pts)  # raises, naming the node
        return path

    @property
    def nbytes(self) -> int:
        """Memory held by the oracle's tables, bytes (building them if no query has)."""
        table, labels = self._junction_distances
        return int(self._parts.nbytes + table.nbytes + labels.nbytes)

    def build(self) -> DistanceOracle:
        """Build the tables now rather than on the first query; returns the oracle.

        Examples
        --------
        >>> from optimizer import Layout
        >>> oracle = DistanceOracle(Layout.from_file("layouts/single_block.toml")).build()
        >>> oracle.mode
        'table'
        """
        self._distances  # noqa: B018 (a cached property: reading it builds every table)
        return self

    def warm_up(self) -> None:
        """Compile the kernels now (a no-op after the first process)."""
        first = self.layout.pick_nodes[:2]
        self.matrix(first)
        self.between(first, first)
        self.pairwise(first, first)
        self.walk_array(first)


_SHARED = _SharedOracles()

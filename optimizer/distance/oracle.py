"""Exact walking distances between any nodes of a layout, fast.

The graph is cut into *segments*: maximal chains of degree-2 nodes (aisle
pieces, cross-aisle pieces) between *junctions* (nodes of another degree,
depots). Shortest paths between junctions, a few hundred of them even in a
large warehouse, are precomputed with scipy's Dijkstra on the compressed
junction graph; every node keeps only its segment, its two end junctions and
its offsets to them. A distance is then a min over four sums, which a numba
kernel evaluates for a k x k matrix in microseconds. Memory is
O(nodes + junctions^2), never O(slots^2).

When a graph has too many junctions for that table (dense grids), the oracle
falls back to Dijkstra rows on the full graph, cached per source node.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from functools import cached_property

import numpy as np
from scipy.sparse import coo_array, csr_array
from scipy.sparse.csgraph import dijkstra

from optimizer._jit import jit
from optimizer.distance.kernels import pair_vector, rect_matrix, square_matrix
from optimizer.errors import PickoptError
from optimizer.layout import Layout

__all__ = ["DistanceOracle", "MAX_JUNCTIONS"]

MAX_JUNCTIONS = 4096  # 4096^2 float64 = 128 MB; beyond it, Dijkstra rows
ROW_CACHE = 2048  # Dijkstra rows kept in fallback mode
SHARED_COUNT = 32  # oracles kept by ``DistanceOracle.for_layout``


class _SharedOracles:
    """The oracles :meth:`DistanceOracle.for_layout` keeps, by layout version.

    Least recently used ones are dropped past ``SHARED_COUNT`` or, when a budget
    is set, past ``budget`` bytes; the newest always stays. Sizes are read each
    time because a fallback-mode oracle grows as it caches Dijkstra rows.
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


# Layout of the int64 array of ``DistanceOracle._walk_tables``: a header,
# then per node its segment's end junctions ``a`` and ``b``, its segment and
# its index in it; per segment its end junction ``a`` and the offsets of its
# interior nodes (from end ``a`` to end ``b``) in ``inner``; the node of each
# junction; per junction the offsets of its hops in ``hop_to`` (the junction
# reached) and ``hop_seg`` (the shortest segment walked).
_W_NODES, _W_JUNCTIONS, _W_SEGMENTS = range(3)
_W_HEAD = 3


@jit
def _walk_kernel(
    pts: np.ndarray, wi: np.ndarray, oa: np.ndarray, ob: np.ndarray, jd: np.ndarray,
    pred: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Shortest walks through ``pts`` joined (see :meth:`DistanceOracle.walk_array`),
    as nodes; ``[-1 - j]`` if ``pts[j]`` is not a node."""
    n, n_j, n_s = wi[_W_NODES], wi[_W_JUNCTIONS], wi[_W_SEGMENTS]
    a, b, seg, pos = _W_HEAD, _W_HEAD + n, _W_HEAD + 2 * n, _W_HEAD + 3 * n
    seg_a, inner_at = _W_HEAD + 4 * n, _W_HEAD + 4 * n + n_s
    inner = inner_at + n_s + 1
    jnode = inner + wi[inner_at + n_s]
    hop_at = jnode + n_j
    hop_to = hop_at + n_j + 1
    hop_seg = hop_to + wi[hop_at + n_j]
    for p in range(pts.size):
        if pts[p] < 0 or pts[p] >= n:
            return np.full(1, -1 - p, dtype=np.int64)
    out = np.empty(16 * pts.size + 64, dtype=np.int64)
    hops = np.empty(n_j + 1, dtype=np.int64)  # junctions from ev back to eu
    sids = np.empty(n_j + 1, dtype=np.int64)  # the segment of each hop
    m = 0
    if pts.size:
        out[0], m = pts[0], 1
    for p in range(1, pts.size):
        u, v = pts[p - 1], pts[p]
        if u == v:
            continue
        su, sv = wi[seg + u], wi[seg + v]
        best, side_u, side_v = np.inf, -1, -1
        if su == sv and su >= 0:
            best = abs(oa[u] - oa[v])
        for side0 in range(2):
            eu, du = (wi[a + u], oa[u]) if side0 == 0 else (wi[b + u], ob[u])
            for side1 in range(2):
                ev, dv = (wi[a + v], oa[v]) if side1 == 0 else (wi[b + v], ob[v])
                d = du + jd[eu, ev] + dv
                if d < best - 1e-12:
                    best, side_u, side_v = d, side0, side1
        if side_u < 0:  # straight along the shared segment
            lo, pu, pv = wi[inner_at + su], wi[pos + u], wi[pos + v]
            step = 1 if pu <= pv else -1
            if m + abs(pv - pu) > out.size:
                out = _grown(out, m, m + abs(pv - pu))
            for q in range(pu + step, pv + step, step):
                out[m] = wi[inner + lo + q]
                m += 1
            continue
        eu = wi[a + u] if side_u == 0 else wi[b + u]
        ev = wi[a + v] if side_v == 0 else wi[b + v]
        # The hops from eu to ev, each along its shortest segment to the next
        # junction; first their count and size, to grow ``out`` once.
        n_hops, hops[0], need = 1, ev, 0
        while hops[n_hops - 1] != eu:
            hops[n_hops] = pred[eu, hops[n_hops - 1]]
            ja, jb = hops[n_hops], hops[n_hops - 1]
            for e in range(wi[hop_at + ja], wi[hop_at + ja + 1]):
                if wi[hop_to + e] == jb:
                    sids[n_hops] = wi[hop_seg + e]
            need += wi[inner_at + sids[n_hops] + 1] - wi[inner_at + sids[n_hops]] + 1
            n_hops += 1
        lo_u = hi_u = pu = lo_v = hi_v = pv = 0  # u's and v's segments, if not junctions
        if su >= 0:
            lo_u, hi_u, pu = wi[inner_at + su], wi[inner_at + su + 1], wi[pos + u]
            need += (pu if side_u == 0 else hi_u - lo_u - pu - 1) + 1
        if sv >= 0:
            lo_v, hi_v, pv = wi[inner_at + sv], wi[inner_at + sv + 1], wi[pos + v]
            need += (pv if side_v == 0 else hi_v - lo_v - pv - 1) + 1
        if m + need > out.size:
            out = _grown(out, m, m + need)
        # From u to the end of its segment (u excluded).
        if su >= 0:
            if side_u == 0:
                for q in range(lo_u + pu - 1, lo_u - 1, -1):
                    out[m] = wi[inner + q]
                    m += 1
            else:
                for q in range(lo_u + pu + 1, hi_u):
                    out[m] = wi[inner + q]
                    m += 1
            out[m] = wi[jnode + eu]
            m += 1
        for h in range(n_hops - 1, 0, -1):
            ja, jb, sid = hops[h], hops[h - 1], sids[h]
            lo, hi = wi[inner_at + sid], wi[inner_at + sid + 1]
            if wi[seg_a + sid] == ja:
                for q in range(lo, hi):
                    out[m] = wi[inner + q]
                    m += 1
            else:
                for q in range(hi - 1, lo - 1, -1):
                    out[m] = wi[inner + q]
                    m += 1
            out[m] = wi[jnode + jb]
            m += 1
        # From the end of v's segment to v.
        if sv >= 0:
            if side_v == 0:
                for q in range(lo_v, lo_v + pv + 1):
                    out[m] = wi[inner + q]
                    m += 1
            else:
                for q in range(hi_v - 1, lo_v + pv - 1, -1):
                    out[m] = wi[inner + q]
                    m += 1
    return out[:m]


@jit
def _grown(out: np.ndarray, m: int, need: int) -> np.ndarray:
    """``out`` with room for ``need`` entries, its first ``m`` kept."""
    new = np.empty(max(2 * out.size, need), dtype=out.dtype)
    new[:m] = out[:m]
    return new


class DistanceOracle:
    """Shortest walking distances (metres) between nodes of a :class:`Layout`.

    Parameters
    ----------
    layout
        The warehouse.
    max_junctions
        Above this many junctions the oracle uses cached Dijkstra rows
        instead of a junction table.

    Examples
    --------
    >>> from optimizer import Layout
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> oracle = DistanceOracle(layout)
    >>> oracle.matrix(layout.nodes_of(["A01-B1-001-L-1", "A02-B1-010-R-1"])).tolist()
    [[0.0, 17.0], [17.0, 0.0]]

    Notes
    -----
    Build: one Dijkstra per junction on the junction graph,
    O(J (J + S) log J) for J junctions and S segments. Query: O(k^2) for a
    k x k matrix.
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
        self._graph = _adjacency(layout)
        n = layout.n_nodes
        self._a = np.full(n, -1, dtype=np.int64)
        self._b = np.full(n, -1, dtype=np.int64)
        self._oa = np.zeros(n)
        self._ob = np.zeros(n)
        self._seg = np.zeros(n, dtype=np.int64)
        self._pos = np.zeros(n, dtype=np.int64)  # index of a node inside its segment
        junctions = self._decompose()
        self.n_junctions = int(junctions.size)
        self._rows: OrderedDict[int, np.ndarray] = OrderedDict()
        self.fallback = self.n_junctions > max_junctions
        self._hop: dict[tuple[int, int], int] = {}  # junction pair -> shortest segment
        self._pred = np.zeros((0, 0), dtype=np.int32)
        self._junction_nodes = junctions
        if self.fallback:
            self._junction_dist = np.zeros((0, 0))
        else:
            self._junction_dist = self._junction_table(junctions)
        self._check_reachable()

    # ---- build ----------------------------------------------------------------
    def _decompose(self) -> np.ndarray:
        """Find the junctions and describe every node by its segment."""
        degree = np.diff(self._graph.indptr)
        is_junction = degree != 2
        is_junction[[d.node for d in self.layout.depots]] = True
        self._junction_of = np.full(self.layout.n_nodes, -1, dtype=np.int64)
        self._visited = is_junction.copy()
        self._segments: list[tuple[int, int, float]] = []
        self._interior: dict[int, list[int]] = {}  # segment -> nodes from end a to end b
        order: list[int] = []
        for node in np.flatnonzero(is_junction).tolist():
            self._promote(node, order)
        for node in list(order):
            self._walk_from(node)
        while not self._visited.all():
            # A cycle of degree-2 nodes without a junction: promote one of them.
            node = int(np.flatnonzero(~self._visited)[0])
            self._visited[node] = True
            self._promote(node, order)
            self._walk_from(node)
        del self._visited
        return np.array(order, dtype=np.int64)

    def _promote(self, node: int, order: list[int]) -> None:
        j = len(order)
        order.append(node)
        self._junction_of[node] = j
        self._a[node] = self._b[node] = j
        self._seg[node] = -1 - j  # a segment of its own

    def _walk_from(self, start: int) -> None:
        """Follow every edge out of junction ``start`` to the next junction."""
        g = self._graph
        indptr, indices, weights = g.indptr, g.indices, g.data
        ja = int(self._junction_of[start])
        for k in range(indptr[start], indptr[start + 1]):
            cur, dist = int(indices[k]), float(weights[k])
            if self._junction_of[cur] >= 0:  # a segment with no interior node
                if ja < self._junction_of[cur]:
                    self._interior[len(self._segments)] = []
                    self._segments.append((ja, int(self._junction_of[cur]), dist))
                continue
            if self._visited[cur]:  # walked already from its other end
                continue
            chain: list[tuple[int, float]] = []
            prev = start
            while self._junction_of[cur] < 0:
                self._visited[cur] = True
                chain.append((cur, dist))
                lo = indptr[cur]
                step = lo if int(indices[lo]) != prev else lo + 1
                prev, cur = cur, int(indices[step])
                dist += float(weights[step])
            jb = int(self._junction_of[cur])
            sid = len(self._segments)
            self._segments.append((ja, jb, dist))
            self._interior[sid] = [node for node, _ in chain]
            for pos, (node, off) in enumerate(chain):
                self._pos[node] = pos
                self._a[node], self._b[node] = ja, jb
                self._oa[node], self._ob[node] = off, dist - off
                self._seg[node] = sid

    def _junction_table(self, junctions: np.ndarray) -> np.ndarray:
        """All-pairs shortest paths on the compressed junction graph."""
        m = junctions.size
        best: dict[tuple[int, int], float] = {}
        for sid, (a, b, length) in enumerate(self._segments):
            if a != b and length < best.get((a, b), np.inf):  # loops never shorten a path
                best[(a, b)] = best[(b, a)] = length
                self._hop[(a, b)] = self._hop[(b, a)] = sid
        self._junction_nodes = junctions
        if not best:
            self._pred = np.full((m, m), -9999, dtype=np.int32)
            return np.zeros((m, m))
        pairs = np.array(list(best), dtype=np.int64)
        w = np.array(list(best.values()))
        junction_graph = csr_array((w, (pairs[:, 0], pairs[:, 1])), shape=(m, m))
        table, pred = dijkstra(junction_graph, directed=True, return_predecessors=True)
        self._pred = pred.astype(np.int32)
        return np.ascontiguousarray(table)

    def _check_reachable(self) -> None:
        """Layouts are validated connected; this guards graphs built by hand."""
        if self.fallback or self.n_junctions == 0:
            return
        if not np.isfinite(self._junction_dist).all():
            raise PickoptError(f"layout {self.layout.name!r} is not connected")

    # ---- queries --------------------------------------------------------------
    def _checked(self, nodes: Sequence[int] | np.ndarray) -> np.ndarray:
        arr = np.asarray(nodes)
        if arr.dtype.kind not in "iu":
            if arr.size == 0:
                return arr.astype(np.int64)
            raise PickoptError(f"node ids must be integers, got dtype {arr.dtype}")
        arr = arr.astype(np.int64, copy=False).ravel()
        bad = (arr < 0) | (arr >= self.layout.n_nodes)
        if bad.any():
            raise PickoptError(
                f"node {int(arr[bad][0])} is not in layout {self.layout.name!r} "
                f"(nodes 0..{self.layout.n_nodes - 1})"
            )
        return arr

    def _row(self, node: int) -> np.ndarray:
        row = self._rows.get(node)
        if row is None:
            row = dijkstra(self._graph, directed=False, indices=node)
            self._rows[node] = row
            if len(self._rows) > ROW_CACHE:
                self._rows.popitem(last=False)
        else:
            self._rows.move_to_end(node)
        return row

    def matrix(self, nodes: Sequence[int] | np.ndarray) -> np.ndarray:
        """Distance matrix of ``nodes`` (float64, k x k, metres).

        Parameters
        ----------
        nodes
            Node ids, e.g. ``layout.nodes_of(codes)``; repeats are allowed.
        """
        idx = self._checked(nodes)
        if self.fallback:  # rows from each end round differently: keep it exactly symmetric
            out = self.between(idx, idx)
            return np.minimum(out, out.T)
        return square_matrix(
            self._a[idx], self._b[idx], self._oa[idx], self._ob[idx], self._seg[idx],
            self._junction_dist,
        )  # fmt: skip

    def between(
        self, sources: Sequence[int] | np.ndarray, targets: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """Distances from each source to each target (float64, k x l, metres).

        Parameters
        ----------
        sources, targets
            Node ids.
        """
        s, t = self._checked(sources), self._checked(targets)
        if self.fallback:
            out = np.empty((s.size, t.size))
            for p, node in enumerate(s.tolist()):
                out[p] = self._row(node)[t]
            return out
        return rect_matrix(
            self._a[s], self._b[s], self._oa[s], self._ob[s], self._seg[s],
            self._a[t], self._b[t], self._oa[t], self._ob[t], self._seg[t],
            self._junction_dist,
        )  # fmt: skip

    def pairwise(
        self, sources: Sequence[int] | np.ndarray, targets: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """Distances ``d(sources[i], targets[i])`` element by element (metres)."""
        s, t = self._checked(sources), self._checked(targets)
        if s.size != t.size:
            raise PickoptError(f"pairwise needs equal lengths, got {s.size} and {t.size}")
        if self.fallback:
            return np.array([self._row(u)[v] for u, v in zip(s.tolist(), t.tolist(), strict=True)])
        return pair_vector(
            self._a[s], self._b[s], self._oa[s], self._ob[s], self._seg[s],
            self._a[t], self._b[t], self._oa[t], self._ob[t], self._seg[t],
            self._junction_dist,
        )  # fmt: skip

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
        u, v = (int(x) for x in self._checked([u, v]))
        if self.fallback:
            return self._dijkstra_path(u, v)
        return self.walk_array(np.array([u, v], dtype=np.int64)).tolist()

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

        Between two nodes of one segment the walk follows it if that is
        shortest; otherwise it leaves ``u``'s segment by the end of the
        shortest combination (the first of equals), follows the junction
        table's shortest path and enters ``v``'s segment.

        Parameters
        ----------
        waypoints
            Node ids; consecutive ones are joined by a shortest walk.
        """
        pts = np.asarray(waypoints)
        if pts.dtype != np.int64 or pts.ndim != 1 or self.fallback:
            pts = self._checked(pts)
        if self.fallback:
            out = pts[:1].tolist()
            for u, v in zip(pts[:-1].tolist(), pts[1:].tolist(), strict=True):
                out.extend(self._dijkstra_path(u, v)[1:])
            return np.array(out, dtype=np.int64)
        path = _walk_kernel(pts, *self._walk_tables)
        if path.size == 1 and path[0] < 0:
            self._checked(pts)  # raises, naming the node
        return path

    @cached_property
    def _walk_tables(self) -> tuple[np.ndarray, ...]:
        """What :func:`_walk_kernel` needs: ``(ints, oa, ob, junction table, pred)``."""
        n_j, n_s = self.n_junctions, len(self._segments)
        inner = [self._interior[sid] for sid in range(n_s)]
        hops: list[list[tuple[int, int]]] = [[] for _ in range(n_j)]
        for (ja, jb), sid in self._hop.items():
            hops[ja].append((jb, sid))
        flat_hops = [h for row in hops for h in row]
        parts = [
            np.array([self.layout.n_nodes, n_j, n_s]),
            self._a,
            self._b,
            self._seg,
            self._pos,
            np.array([a for a, _, _ in self._segments], dtype=np.int64),
            np.concatenate([[0], np.cumsum([len(x) for x in inner], dtype=np.int64)]),
            np.array([node for x in inner for node in x], dtype=np.int64),
            self._junction_nodes,
            np.concatenate([[0], np.cumsum([len(row) for row in hops], dtype=np.int64)]),
            np.array([jb for jb, _ in flat_hops], dtype=np.int64),
            np.array([sid for _, sid in flat_hops], dtype=np.int64),
        ]
        ints = np.concatenate(parts).astype(np.int64)
        return ints, self._oa, self._ob, self._junction_dist, self._pred

    def _dijkstra_path(self, u: int, v: int) -> list[int]:
        """A shortest walk from ``u`` to ``v`` by Dijkstra on the full graph (fallback)."""
        if u == v:
            return [u]
        _, pred = dijkstra(self._graph, directed=False, indices=u, return_predecessors=True)
        walk = [v]
        while walk[-1] != u:
            walk.append(int(pred[walk[-1]]))
        return walk[::-1]

    @property
    def nbytes(self) -> int:
        """Memory held by the oracle's tables, bytes."""
        arrays = (self._a, self._b, self._oa, self._ob, self._seg, self._junction_dist, self._pred)
        graph = self._graph.data.nbytes + self._graph.indices.nbytes + self._graph.indptr.nbytes
        rows = sum(r.nbytes for r in self._rows.values())
        return int(sum(a.nbytes for a in arrays) + graph + rows)

    def warm_up(self) -> None:
        """Compile the kernels now (a no-op after the first process)."""
        first = self.layout.pick_nodes[:2]
        self.matrix(first)
        self.between(first, first)


_SHARED = _SharedOracles()

"""Exact hub labels for junction graphs too large for an all-pairs table.

Every junction keeps a short list of *hubs* with its distance to each; the
distance of two junctions is the least sum over the hubs they share (pruned
landmark labelling, Akiba, Iwata and Yoshida 2013). The labels are exact for
any order of the junctions; their size depends on the order. Warehouses are
drawn on a plane, so junctions are ordered by geometric nested dissection:
the few junctions on a cut through the middle of the building come first,
then the cuts through each half, and so on. On a grid of aisles and
cross-aisles a cut meets one junction per cross-aisle, so a label holds
about (cross-aisles x log2(aisles)) hubs and memory stays linear in the
junctions.

Examples
--------
A square 0 - 1 - 2 - 3 - 0 with one long side:

>>> import numpy as np
>>> from scipy.sparse import csr_array
>>> frm, to = np.array([0, 1, 2, 3, 1, 2, 3, 0]), np.array([1, 2, 3, 0, 0, 1, 2, 3])
>>> w = np.array([1.0, 1.0, 1.0, 5.0, 1.0, 1.0, 1.0, 5.0])
>>> g = csr_array((w, (frm, to)), shape=(4, 4))
>>> xy = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
>>> labels = HubLabels.build(g, xy)
>>> float(labels.distance(0, 3)), float(labels.distance(3, 1))
(3.0, 2.0)

Notes
-----
Build: one pruned Dijkstra per junction, O(J L log J) for labels of L hubs.
Query: O(L) for one pair, a merge of two sorted lists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array

from optimizer._jit import jit

__all__ = ["HubLabels", "dissection_order", "label_distance"]


@dataclass(frozen=True, eq=False)
class HubLabels:
    """Hubs of every junction: ``hub[at[j]:at[j + 1]]`` (ranks, ascending) and
    the distances ``dist`` to them."""

    at: np.ndarray
    hub: np.ndarray
    dist: np.ndarray

    @classmethod
    def build(cls, graph: csr_array, xy: np.ndarray) -> HubLabels:
        """Labels of a symmetric weighted graph whose nodes sit at ``xy``.

        Parameters
        ----------
        graph
            Symmetric adjacency with lengths as data.
        xy
            Coordinates of the nodes (m x 2), for the order.
        """
        order = dissection_order(graph, xy)
        at, hub, dist = _pruned_labels(
            graph.indptr.astype(np.int64), graph.indices.astype(np.int64),
            graph.data.astype(np.float64), order,
        )  # fmt: skip
        return cls(at, hub, dist)

    def distance(self, u: int, v: int) -> float:
        """Shortest distance between junctions ``u`` and ``v``."""
        return label_distance(u, v, self.at, self.hub, self.dist)

    @property
    def nbytes(self) -> int:
        """Memory of the labels, bytes."""
        return int(self.at.nbytes + self.hub.nbytes + self.dist.nbytes)

    @property
    def mean_size(self) -> float:
        """Hubs per junction, on average."""
        return float(self.hub.size / max(1, self.at.size - 1))


def dissection_order(graph: csr_array, xy: np.ndarray) -> np.ndarray:
    """Nodes, most important first, by geometric nested dissection.

    All parts of one level are cut at once: each part at the median of x or
    of y, whichever cuts fewer of its edges; the nodes with an edge across the cut, on the lower
    side, form that part's separator and take the next ranks; the rest go on
    as two parts. Nodes left alone end the order.

    Parameters
    ----------
    graph
        Symmetric adjacency.
    xy
        Coordinates (m x 2).
    """
    m = graph.shape[0]
    coo = graph.tocoo()
    frm, to = coo.row.astype(np.int64), coo.col.astype(np.int64)
    degree = np.bincount(frm, minlength=m)
    part = np.zeros(m, dtype=np.int64)  # -1 once ranked
    ranked: list[np.ndarray] = []
    while True:
        active = np.flatnonzero(part >= 0)
        if active.size == 0:
            break
        sizes = np.bincount(part[active])
        small = active[sizes[part[active]] <= 2]
        part[small] = -1
        active = np.flatnonzero(part >= 0)
        if active.size == 0:
            ranked.append(small[np.argsort(-degree[small], kind="stable")])
            break
        side = _cheaper_cut(part, active, xy, frm, to)
        crossing = (part[frm] >= 0) & (part[frm] == part[to]) & (side[frm] != side[to])
        lower = np.where(side[frm] == 0, frm, to)[crossing]
        sep = np.unique(lower)
        ranked.append(sep[np.argsort(-degree[sep], kind="stable")])
        part[sep] = -1
        rest = active[part[active] >= 0]
        part[rest] = 2 * part[rest] + side[rest]
        part[rest] = np.unique(part[rest], return_inverse=True)[1]
        ranked.append(small[np.argsort(-degree[small], kind="stable")])
    order = np.concatenate(ranked) if ranked else np.zeros(0, dtype=np.int64)
    return order.astype(np.int64)


def _cheaper_cut(
    part: np.ndarray, active: np.ndarray, xy: np.ndarray, frm: np.ndarray, to: np.ndarray
) -> np.ndarray:
    """0 or 1 per active node: its half of its part, cut across x or across y,
    whichever cuts fewer edges of the part (a long thin building is cut
    across, where it has few junctions)."""
    n_parts = int(part[active].max()) + 1
    inside = (part[frm] >= 0) & (part[frm] == part[to])
    sides, cut = [], []
    for axis in (0, 1):
        side = _halves(part, active, xy[:, axis])
        crossing = inside & (side[frm] != side[to])
        sides.append(side)
        cut.append(np.bincount(part[frm][crossing], minlength=n_parts))
    across_y = (cut[1] < cut[0])[np.maximum(part, 0)]
    return np.where(across_y, sides[1], sides[0])


def _halves(part: np.ndarray, active: np.ndarray, coord_all: np.ndarray) -> np.ndarray:
    """0 or 1 per active node: the lower or upper half of its part along
    ``coord_all`` (ties split by node, so halves are even)."""
    p = part[active]
    n_parts = int(p.max()) + 1
    coord = coord_all[active]
    order = np.lexsort((active, coord, p))
    counts = np.bincount(p, minlength=n_parts)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank_in_part = np.empty(active.size, dtype=np.int64)
    rank_in_part[order] = np.arange(active.size) - start[p[order]]
    side = np.zeros(part.size, dtype=np.int64)
    side[active] = (rank_in_part >= counts[p] // 2).astype(np.int64)
    return side


@jit
def _pruned_labels(
    indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pruned Dijkstra from each node in ``order``; labels as CSR by node,
    hubs (ranks) ascending."""
    m = indptr.size - 1
    rank = np.empty(m, dtype=np.int64)
    for i in range(m):
        rank[order[i]] = i
    cap = 8 * m + 16
    hub = np.empty(cap, dtype=np.int64)
    dist = np.empty(cap)
    owner = np.empty(cap, dtype=np.int64)
    nxt = np.empty(cap, dtype=np.int64)
    first = np.full(m, -1, dtype=np.int64)  # newest entry of each node
    count = 0
    to_hub = np.full(m, np.inf)  # distances from the current root to its hubs, by rank
    tentative = np.full(m, np.inf)
    settled = np.full(m, -1, dtype=np.int64)
    touched = np.empty(m, dtype=np.int64)
    heap_key = np.empty(indices.size + m, dtype=np.float64)
    heap_node = np.empty(indices.size + m, dtype=np.int64)
    for i in range(m):
        root = order[i]
        e = first[root]
        while e >= 0:
            to_hub[hub[e]] = dist[e]
            e = nxt[e]
        n_touched = 1
        touched[0] = root
        tentative[root] = 0.0
        size = _heap_push(heap_key, heap_node, 0, 0.0, root)
        while size > 0:
            d, u = heap_key[0], heap_node[0]
            size = _heap_pop(heap_key, heap_node, size)
            if settled[u] == i or d > tentative[u]:
                continue
            settled[u] = i
            covered = np.inf
            e = first[u]
            while e >= 0:
                covered = min(covered, to_hub[hub[e]] + dist[e])
                e = nxt[e]
            if covered <= d:
                continue
            if count == cap:
                cap *= 2
                hub, dist = _grown_i(hub, cap), _grown_f(dist, cap)
                owner, nxt = _grown_i(owner, cap), _grown_i(nxt, cap)
            hub[count], dist[count], owner[count], nxt[count] = i, d, u, first[u]
            first[u] = count
            count += 1
            for k in range(indptr[u], indptr[u + 1]):
                x = indices[k]
                nd = d + weights[k]
                if rank[x] > i and nd < tentative[x]:
                    if tentative[x] == np.inf:
                        touched[n_touched] = x
                        n_touched += 1
                    tentative[x] = nd
                    size = _heap_push(heap_key, heap_node, size, nd, x)
        e = first[root]
        while e >= 0:
            to_hub[hub[e]] = np.inf
            e = nxt[e]
        for t in range(n_touched):
            tentative[touched[t]] = np.inf
    at = np.zeros(m + 1, dtype=np.int64)
    for e in range(count):
        at[owner[e] + 1] += 1
    for v in range(m):
        at[v + 1] += at[v]
    fill = at[:-1].copy()
    out_hub = np.empty(count, dtype=np.int64)
    out_dist = np.empty(count)
    for e in range(count):  # entries were made in rank order: each list comes out sorted
        v = owner[e]
        out_hub[fill[v]], out_dist[fill[v]] = hub[e], dist[e]
        fill[v] += 1
    return at, out_hub, out_dist


@jit
def label_distance(u: int, v: int, at: np.ndarray, hub: np.ndarray, dist: np.ndarray) -> float:
    """Shortest distance of nodes ``u`` and ``v``: the best shared hub."""
    if u == v:
        return 0.0
    p, p_end, q, q_end = at[u], at[u + 1], at[v], at[v + 1]
    best = np.inf
    while p < p_end and q < q_end:
        hp, hq = hub[p], hub[q]
        if hp == hq:
            best = min(best, dist[p] + dist[q])
            p += 1
            q += 1
        elif hp < hq:
            p += 1
        else:
            q += 1
    return best


@jit
def _heap_push(key: np.ndarray, node: np.ndarray, size: int, k: float, v: int) -> int:
    """Push ``(k, v)`` on the binary min-heap of ``size`` entries; the new size."""
    i = size
    while i > 0:
        parent = (i - 1) // 2
        if key[parent] <= k:
            break
        key[i], node[i] = key[parent], node[parent]
        i = parent
    key[i], node[i] = k, v
    return size + 1


@jit
def _heap_pop(key: np.ndarray, node: np.ndarray, size: int) -> int:
    """Drop the least entry of the heap; the new size."""
    size -= 1
    k, v = key[size], node[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and key[child + 1] < key[child]:
            child += 1
        if key[child] >= k:
            break
        key[i], node[i] = key[child], node[child]
        i = child
    key[i], node[i] = k, v
    return size


@jit
def _grown_i(a: np.ndarray, cap: int) -> np.ndarray:
    out = np.empty(cap, dtype=a.dtype)
    out[: a.size] = a
    return out


@jit
def _grown_f(a: np.ndarray, cap: int) -> np.ndarray:
    out = np.empty(cap, dtype=a.dtype)
    out[: a.size] = a
    return out

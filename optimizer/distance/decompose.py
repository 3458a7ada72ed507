"""Cut a layout's graph into hanging trees, chains and junctions.

Three steps, each linear in the graph:

1. **Peel** dead ends: a node of degree 1 (a pick face on a spur, the end of
   a dead-end aisle) is removed, and so on until only the 2-core is left.
   Every removed node hangs in a tree from one *root* in the core, at a
   walking distance ``up`` from it. Paths between two nodes of one tree stay
   in that tree; every other path leaves through the root.
2. **Heavy-light** split of those trees, so that the lowest common ancestor
   of two tree nodes is found in O(log n) steps with O(n) memory.
3. **Chains** of the core: maximal runs of core-degree-2 nodes between
   *junctions* (core nodes of another core degree) become segments; a core
   node is described by its segment's two end junctions and its offsets to
   them.

All of it runs in numba over the CSR adjacency; no Python loop visits nodes.

Examples
--------
A path 0 - 1 - 2 with a spur 3 off node 1 is a tree: everything hangs from
one root, and nothing is left of the core but that root.

>>> import numpy as np
>>> from scipy.sparse import csr_array
>>> e = np.array([[0, 1], [1, 2], [1, 3]])
>>> w = np.array([1.0, 2.0, 0.5])
>>> g = csr_array((np.r_[w, w], (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])), shape=(4, 4))
>>> parts = decompose(g)
>>> parts.n_junctions, int(np.unique(parts.ints[:, ROOT]).size)
(1, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array

from optimizer._jit import jit

__all__ = ["Decomposition", "decompose", "A", "B", "SEG", "ROOT", "PARENT", "HEAD", "HOPS",
           "POS", "OA", "OB", "UP"]  # fmt: skip

# Columns of ``Decomposition.ints`` (one row per node, one cache line): the end junctions of
# the node's core segment (its root's, for a tree node), the segment (junction
# nodes have ``-1 - j``), the root in the core, the tree parent (-1 in the
# core), the top of its heavy path, its depth in hops below the root, and
# its index inside its segment.
A, B, SEG, ROOT, PARENT, HEAD, HOPS, POS = range(8)
# Columns of ``Decomposition.floats``: offsets of the root to the segment ends
# ``A`` and ``B``, and the walking distance of the node up to its root.
OA, OB, UP = range(3)


@dataclass(frozen=True, eq=False)
class Decomposition:
    """Trees, chains and junctions of a graph, as flat arrays.

    ``ints`` (n x 8) and ``floats`` (n x 3) describe each node by the columns
    named in this module. Segments are ``seg_a``/``seg_b`` (end junctions),
    ``seg_length`` and their interior nodes ``inner[inner_at[s]:inner_at[s + 1]]``
    from end ``a`` to end ``b``. ``junction_node[j]`` is the node of junction
    ``j``; the junction graph keeps, per pair of junctions, its shortest
    segment: ``hop_to[hop_at[j]:hop_at[j + 1]]`` are the neighbours of ``j``,
    ``hop_seg`` the segments walked, ``hop_length`` their lengths.
    """

    ints: np.ndarray
    floats: np.ndarray
    seg_a: np.ndarray
    seg_b: np.ndarray
    seg_length: np.ndarray
    inner_at: np.ndarray
    inner: np.ndarray
    junction_node: np.ndarray
    hop_at: np.ndarray
    hop_to: np.ndarray
    hop_seg: np.ndarray
    hop_length: np.ndarray

    @property
    def n_junctions(self) -> int:
        """Junctions of the core."""
        return int(self.junction_node.size)

    def junction_graph(self) -> csr_array:
        """The junctions joined by their shortest segments (symmetric CSR)."""
        m = self.n_junctions
        return csr_array((self.hop_length, self.hop_to, self.hop_at), shape=(m, m))

    @property
    def nbytes(self) -> int:
        """Memory of all arrays, bytes."""
        return int(sum(getattr(self, f).nbytes for f in self.__dataclass_fields__))


def decompose(graph: csr_array) -> Decomposition:
    """Trees, chains and junctions of a symmetric CSR graph without self-loops
    or parallel edges (a compiled layout's graph).

    Parameters
    ----------
    graph
        Symmetric adjacency with edge lengths (metres) as data.
    """
    indptr = graph.indptr.astype(np.int64)
    indices = graph.indices.astype(np.int64)
    weights = graph.data.astype(np.float64)
    ints, floats, removal, n_removed = _peel(indptr, indices, weights)
    _heavy_light(ints, removal[:n_removed])
    seg_a, seg_b, seg_len, inner_at, inner, jnode = _chains(indptr, indices, weights, ints, floats)
    hop_at, hop_to, hop_seg, hop_len = _hops(seg_a, seg_b, seg_len, jnode.size)
    return Decomposition(ints, floats, seg_a, seg_b, seg_len, inner_at, inner, jnode,
                         hop_at, hop_to, hop_seg, hop_len)  # fmt: skip


@jit
def _peel(
    indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Remove degree-1 nodes until none is left; the tree columns of every node
    and the removal order (children before their parents)."""
    n = indptr.size - 1
    ints = np.zeros((n, 8), dtype=np.int64)
    floats = np.zeros((n, 3))
    degree = indptr[1:] - indptr[:-1]
    removed = np.zeros(n, dtype=np.bool_)
    queue = np.empty(n, dtype=np.int64)
    head = tail = 0
    for v in range(n):
        ints[v, PARENT] = -1
        if degree[v] == 1:
            queue[tail] = v
            tail += 1
    n_removed = 0
    while head < tail:
        v = queue[head]
        head += 1
        if degree[v] == 0:  # the last node of a tree: it stays, as the core
            continue
        removed[v] = True
        queue[n_removed] = v  # the removal order overwrites the consumed queue
        n_removed += 1
        for k in range(indptr[v], indptr[v + 1]):
            u = indices[k]
            if not removed[u]:
                ints[v, PARENT] = u
                floats[v, UP] = weights[k]  # the edge, for now
                degree[u] -= 1
                if degree[u] == 1:
                    queue[tail] = u
                    tail += 1
                break
    for v in range(n):
        ints[v, ROOT] = v
    for q in range(n_removed - 1, -1, -1):  # parents before children
        v = queue[q]
        p = ints[v, PARENT]
        ints[v, ROOT] = ints[p, ROOT]
        floats[v, UP] += floats[p, UP]
        ints[v, HOPS] = ints[p, HOPS] + 1
    return ints, floats, queue, n_removed


@jit
def _heavy_light(ints: np.ndarray, removal: np.ndarray) -> None:
    """Fill ``HEAD``: each tree node's heavy path top (a core node heads its own)."""
    n = ints.shape[0]
    size = np.ones(n, dtype=np.int64)
    heavy = np.full(n, -1, dtype=np.int64)
    for v in removal:  # children before parents
        size[ints[v, PARENT]] += size[v]
    for v in removal:
        p = ints[v, PARENT]
        if heavy[p] < 0 or size[v] > size[heavy[p]]:
            heavy[p] = v
    for v in range(n):
        ints[v, HEAD] = v
    for q in range(removal.size - 1, -1, -1):  # parents before children
        v = removal[q]
        p = ints[v, PARENT]
        if heavy[p] == v:
            ints[v, HEAD] = ints[p, HEAD]


@jit
def lowest_common_ancestor(u: int, v: int, ints: np.ndarray) -> int:
    """The lowest common ancestor of two nodes of one hanging tree."""
    while ints[u, HEAD] != ints[v, HEAD]:
        if ints[ints[u, HEAD], HOPS] > ints[ints[v, HEAD], HOPS]:
            u = ints[ints[u, HEAD], PARENT]
        else:
            v = ints[ints[v, HEAD], PARENT]
    return u if ints[u, HOPS] < ints[v, HOPS] else v


@jit
def _chains(
    indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, ints: np.ndarray,
    floats: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Segments and junctions of the core; fills ``A``, ``B``, ``SEG``, ``POS``,
    ``OA`` and ``OB`` of every node (a tree node takes its root's)."""
    n = indptr.size - 1
    in_core = ints[:, PARENT] < 0
    core_degree = np.zeros(n, dtype=np.int64)
    for v in range(n):
        if in_core[v]:
            for k in range(indptr[v], indptr[v + 1]):
                if in_core[indices[k]]:
                    core_degree[v] += 1
    junction_of = np.full(n, -1, dtype=np.int64)
    jnode = np.empty(n, dtype=np.int64)
    n_j = 0
    for v in range(n):
        if in_core[v] and core_degree[v] != 2:
            junction_of[v], jnode[n_j] = n_j, v
            n_j += 1
    max_seg = indices.size // 2 + 1
    seg_a = np.empty(max_seg, dtype=np.int64)
    seg_b = np.empty(max_seg, dtype=np.int64)
    seg_len = np.empty(max_seg)
    inner_at = np.zeros(max_seg + 1, dtype=np.int64)
    inner = np.empty(n, dtype=np.int64)
    visited = junction_of >= 0
    n_s = n_inner = 0
    j = 0
    while True:
        if j == n_j:  # a ring of degree-2 nodes without a junction: promote one
            v = -1
            for x in range(n):
                if in_core[x] and not visited[x]:
                    v = x
                    break
            if v < 0:
                break
            junction_of[v], jnode[n_j], visited[v] = n_j, v, True
            n_j += 1
        start = jnode[j]
        for k in range(indptr[start], indptr[start + 1]):
            cur, dist = indices[k], weights[k]
            if not in_core[cur]:
                continue
            if junction_of[cur] >= 0:  # a segment with no interior node, kept once
                if j < junction_of[cur]:
                    seg_a[n_s], seg_b[n_s], seg_len[n_s] = j, junction_of[cur], dist
                    n_s += 1
                    inner_at[n_s] = n_inner
                continue
            if visited[cur]:  # walked already from its other end
                continue
            first, prev = n_inner, start
            while junction_of[cur] < 0:
                visited[cur] = True
                inner[n_inner] = cur
                floats[cur, OA] = dist
                ints[cur, POS] = n_inner - first
                n_inner += 1
                for q in range(indptr[cur], indptr[cur + 1]):
                    nxt = indices[q]
                    if in_core[nxt] and nxt != prev:
                        prev, cur = cur, nxt
                        dist += weights[q]
                        break
            for q in range(first, n_inner):
                node = inner[q]
                ints[node, A], ints[node, B], ints[node, SEG] = j, junction_of[cur], n_s
                floats[node, OB] = dist - floats[node, OA]
            seg_a[n_s], seg_b[n_s], seg_len[n_s] = j, junction_of[cur], dist
            n_s += 1
            inner_at[n_s] = n_inner
        j += 1
    for q in range(n_j):
        v = jnode[q]
        ints[v, A] = ints[v, B] = q
        ints[v, SEG] = -1 - q
    for v in range(n):  # tree nodes: their root's segment
        r = ints[v, ROOT]
        if r != v:
            ints[v, A], ints[v, B], ints[v, SEG] = ints[r, A], ints[r, B], ints[r, SEG]
            floats[v, OA], floats[v, OB] = floats[r, OA], floats[r, OB]
    return (seg_a[:n_s].copy(), seg_b[:n_s].copy(), seg_len[:n_s].copy(),
            inner_at[: n_s + 1].copy(), inner[:n_inner].copy(), jnode[:n_j].copy())  # fmt: skip


def _hops(
    seg_a: np.ndarray, seg_b: np.ndarray, seg_len: np.ndarray, n_junctions: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The junction graph: per pair of junctions its shortest segment, both ways,
    as CSR (``hop_at``, ``hop_to``) with the segment and its length."""
    proper = np.flatnonzero(seg_a != seg_b)  # loops never shorten a path
    lo = np.minimum(seg_a[proper], seg_b[proper])
    hi = np.maximum(seg_a[proper], seg_b[proper])
    order = np.lexsort((seg_len[proper], hi, lo))  # shortest first within a pair
    lo, hi, sid = lo[order], hi[order], proper[order]
    first = np.ones(lo.size, dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    lo, hi, sid = lo[first], hi[first], sid[first]
    frm = np.concatenate([lo, hi])
    to = np.concatenate([hi, lo])
    sids = np.concatenate([sid, sid])
    by_from = np.lexsort((to, frm))
    hop_at = np.zeros(n_junctions + 1, dtype=np.int64)
    np.cumsum(np.bincount(frm, minlength=n_junctions), out=hop_at[1:])
    hop_seg = sids[by_from]
    return hop_at, to[by_from].astype(np.int64), hop_seg, seg_len[hop_seg]

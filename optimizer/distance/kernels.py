"""numba kernels behind :class:`~optimizer.distance.DistanceOracle`.

A node is described by the columns of :mod:`optimizer.distance.decompose`:
the root it hangs from in the core (itself for a core node) and its walking
distance ``up`` to it; the two junctions ``a``, ``b`` that end the root's
segment, the root's offsets ``oa``, ``ob`` to them and the segment id.

Two nodes of one hanging tree are joined inside it, through their lowest
common ancestor. Otherwise the walk climbs to both roots, and a shortest
path between two core nodes on different segments leaves each segment
through one of its ends: the least of four sums; on the same segment the
direct gap is a fifth candidate.

Junction distances come from a table when the oracle has one (the labels
are then ``None``, so numba compiles that mode apart and its inner loop
stays a few loads) and from hub labels otherwise (the table is empty).
"""

from __future__ import annotations

import numpy as np

from optimizer._jit import jit
from optimizer.distance.decompose import (
    OA,
    OB,
    ROOT,
    SEG,
    UP,
    A,
    B,
    lowest_common_ancestor,
)
from optimizer.distance.labels import label_distance

__all__ = [
    "node_vector",
    "first_outside",
    "junction_distance",
    "core_distance",
    "tree_distance",
    "node_distance",
    "square_matrix",
    "rect_matrix",
    "pair_vector",
]


_INT64 = np.dtype(np.int64)


def node_vector(nodes: np.ndarray) -> np.ndarray:
    """``nodes`` as the kernels take them: a contiguous int64 vector (the array
    itself if it is one, so a hot caller pays no copy).

    Examples
    --------
    >>> node_vector(np.array([[3, 1], [2, 0]], dtype=np.int32))
    array([3, 1, 2, 0])
    >>> v = np.arange(4)
    >>> node_vector(v) is v
    True
    """
    if type(nodes) is not np.ndarray or nodes.dtype is not _INT64 or nodes.strides != (8,):
        nodes = np.ascontiguousarray(nodes, dtype=np.int64).reshape(-1)
    return nodes


@jit
def first_outside(nodes: np.ndarray, n: int) -> int:
    """The index of the first entry of ``nodes`` outside ``0..n - 1``, or -1.

    One compiled pass: the kernels read the node columns without bounds
    checks, so every query checks its nodes first, and for the few nodes of
    a route numpy's comparisons and reductions cost more than the query.

    Examples
    --------
    >>> first_outside(np.array([0, 4, -1]), 4), first_outside(np.array([3, 0]), 4)
    (1, -1)
    """
    for p in range(nodes.size):
        if nodes[p] < 0 or nodes[p] >= n:
            return p
    return -1


@jit
def junction_distance(
    x: int, y: int, table: np.ndarray, at: np.ndarray, hub: np.ndarray, dist: np.ndarray,
) -> float:  # fmt: skip
    """Shortest distance of junctions ``x`` and ``y``, from ``table`` when the
    labels ``at``, ``hub``, ``dist`` are ``None``, else from the labels."""
    if at is None:  # decided when numba compiles: the table mode is a single load
        return table[x, y]
    return label_distance(x, y, at, hub, dist)


@jit
def core_distance(
    a1: int, b1: int, oa1: float, ob1: float, s1: int,
    a2: int, b2: int, oa2: float, ob2: float, s2: int,
    table: np.ndarray, at: np.ndarray, hub: np.ndarray, dist: np.ndarray,
) -> float:  # fmt: skip
    """Shortest distance between two core nodes described by their segments."""
    d = abs(oa1 - oa2) if s1 == s2 else np.inf
    d = min(d, oa1 + junction_distance(a1, a2, table, at, hub, dist) + oa2)
    d = min(d, oa1 + junction_distance(a1, b2, table, at, hub, dist) + ob2)
    d = min(d, ob1 + junction_distance(b1, a2, table, at, hub, dist) + oa2)
    d = min(d, ob1 + junction_distance(b1, b2, table, at, hub, dist) + ob2)
    return d


@jit
def tree_distance(u: int, v: int, ints: np.ndarray, floats: np.ndarray) -> float:
    """Distance of two nodes of one hanging tree, through their lowest common ancestor."""
    top = lowest_common_ancestor(u, v, ints)
    return floats[u, UP] + floats[v, UP] - 2.0 * floats[top, UP]


@jit
def node_distance(
    u: int, v: int, ints: np.ndarray, floats: np.ndarray,
    table: np.ndarray, at: np.ndarray, hub: np.ndarray, dist: np.ndarray,
) -> float:  # fmt: skip
    """Shortest walking distance between nodes ``u`` and ``v``."""
    if ints[u, ROOT] == ints[v, ROOT]:
        return tree_distance(u, v, ints, floats)
    d = core_distance(
        ints[u, A], ints[u, B], floats[u, OA], floats[u, OB], ints[u, SEG],
        ints[v, A], ints[v, B], floats[v, OA], floats[v, OB], ints[v, SEG],
        table, at, hub, dist,
    )  # fmt: skip
    return d + floats[u, UP] + floats[v, UP]


@jit
def _gathered(
    nodes: np.ndarray, ints: np.ndarray, floats: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The columns of ``nodes`` as contiguous arrays, for the k^2 loops."""
    k = nodes.size
    a, b = np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64)
    seg, root = np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64)
    oa, ob, up = np.empty(k), np.empty(k), np.empty(k)
    for p in range(k):
        u = nodes[p]
        a[p], b[p], seg[p], root[p] = ints[u, A], ints[u, B], ints[u, SEG], ints[u, ROOT]
        oa[p], ob[p], up[p] = floats[u, OA], floats[u, OB], floats[u, UP]
    return a, b, seg, root, oa, ob, up


@jit
def square_matrix(
    nodes: np.ndarray, ints: np.ndarray, floats: np.ndarray,
    table: np.ndarray, at: np.ndarray, hub: np.ndarray, dist: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Symmetric k x k distance matrix of k nodes."""
    a, b, seg, root, oa, ob, up = _gathered(nodes, ints, floats)
    k = nodes.size
    out = np.zeros((k, k))
    for p in range(k):
        for q in range(p + 1, k):
            if root[p] == root[q]:
                d = tree_distance(nodes[p], nodes[q], ints, floats)
            else:
                d = core_distance(
                    a[p], b[p], oa[p], ob[p], seg[p], a[q], b[q], oa[q], ob[q], seg[q],
                    table, at, hub, dist,
                ) + up[p] + up[q]  # fmt: skip
            out[p, q] = d
            out[q, p] = d
    return out


@jit
def rect_matrix(
    sources: np.ndarray, targets: np.ndarray, ints: np.ndarray, floats: np.ndarray,
    table: np.ndarray, at: np.ndarray, hub: np.ndarray, dist: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """k x l distance matrix from k nodes to l others."""
    a1, b1, s1, r1, oa1, ob1, up1 = _gathered(sources, ints, floats)
    a2, b2, s2, r2, oa2, ob2, up2 = _gathered(targets, ints, floats)
    out = np.empty((sources.size, targets.size))
    for p in range(sources.size):
        for q in range(targets.size):
            if r1[p] == r2[q]:
                out[p, q] = tree_distance(sources[p], targets[q], ints, floats)
            else:
                out[p, q] = core_distance(
                    a1[p], b1[p], oa1[p], ob1[p], s1[p], a2[q], b2[q], oa2[q], ob2[q], s2[q],
                    table, at, hub, dist,
                ) + up1[p] + up2[q]  # fmt: skip
    return out


@jit
def pair_vector(
    sources: np.ndarray, targets: np.ndarray, ints: np.ndarray, floats: np.ndarray,
    table: np.ndarray, at: np.ndarray, hub: np.ndarray, dist: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Distances of k node pairs, element by element."""
    out = np.empty(sources.size)
    for p in range(sources.size):
        out[p] = node_distance(sources[p], targets[p], ints, floats, table, at, hub, dist)
    return out

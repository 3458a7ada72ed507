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

__all__ = ["junction_distance", "node_distance", "square_matrix", "rect_matrix", "pair_vector"]


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
def node_distance(
    u: int, v: int, ints: np.ndarray, floats: np.ndarray,
    table: np.ndarray, at: np.ndarray, hub: np.ndarray, dist: np.ndarray,
) -> float:  # fmt: skip
    """Shortest walking distance between nodes ``u`` and ``v``."""
    if ints[u, ROOT] == ints[v, ROOT]:
        lca = lowest_common_ancestor(u, v, ints)
        return floats[u, UP] + floats[v, UP] - 2.0 * floats[lca, UP]
    a1, b1, a2, b2 = ints[u, A], ints[u, B], ints[v, A], ints[v, B]
    oa1, ob1, oa2, ob2 = floats[u, OA], floats[u, OB], floats[v, OA], floats[v, OB]
    d = abs(oa1 - oa2) if ints[u, SEG] == ints[v, SEG] else np.inf
    d = min(d, oa1 + junction_distance(a1, a2, table, at, hub, dist) + oa2)
    d = min(d, oa1 + junction_distance(a1, b2, table, at, hub, dist) + ob2)
    d = min(d, ob1 + junction_distance(b1, a2, table, at, hub, dist) + oa2)
    d = min(d, ob1 + junction_distance(b1, b2, table, at, hub, dist) + ob2)
    return d + floats[u, UP] + floats[v, UP]


@jit
def square_matrix(
    nodes: np.ndarray, ints: np.ndarray, floats: np.ndarray,
    table: np.ndarray, at: np.ndarray, hub: np.ndarray, dist: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Symmetric k x k distance matrix of k nodes."""
    k = nodes.size
    out = np.zeros((k, k))
    for p in range(k):
        for q in range(p + 1, k):
            d = node_distance(nodes[p], nodes[q], ints, floats, table, at, hub, dist)
            out[p, q] = d
            out[q, p] = d
    return out


@jit
def rect_matrix(
    sources: np.ndarray, targets: np.ndarray, ints: np.ndarray, floats: np.ndarray,
    table: np.ndarray, at: np.ndarray, hub: np.ndarray, dist: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """k x l distance matrix from k nodes to l others."""
    out = np.empty((sources.size, targets.size))
    for p in range(sources.size):
        for q in range(targets.size):
            out[p, q] = node_distance(sources[p], targets[q], ints, floats, table, at, hub, dist)
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

"""numba kernels behind :class:`~optimizer.distance.DistanceOracle`.

Every node is described by the two junctions that end its segment (``a``,
``b``), its walking offsets to them (``oa``, ``ob``) and a segment id (``seg``;
junction nodes get a negative id of their own). A shortest path between two
nodes on different segments leaves each segment through one of its ends, so
the distance is the least of four sums; on the same segment the direct gap
is a fifth candidate.
"""

from __future__ import annotations

import numpy as np

from optimizer._jit import jit


@jit
def pair_distance(
    a1: int, b1: int, oa1: float, ob1: float, s1: int,
    a2: int, b2: int, oa2: float, ob2: float, s2: int,
    junction_dist: np.ndarray,
) -> float:  # fmt: skip
    """Shortest walking distance between two described nodes."""
    d = abs(oa1 - oa2) if s1 == s2 else np.inf
    d = min(d, oa1 + junction_dist[a1, a2] + oa2)
    d = min(d, oa1 + junction_dist[a1, b2] + ob2)
    d = min(d, ob1 + junction_dist[b1, a2] + oa2)
    d = min(d, ob1 + junction_dist[b1, b2] + ob2)
    return d


@jit
def square_matrix(
    a: np.ndarray, b: np.ndarray, oa: np.ndarray, ob: np.ndarray, seg: np.ndarray,
    junction_dist: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Symmetric k x k distance matrix of k described nodes."""
    k = a.size
    out = np.zeros((k, k))
    for p in range(k):
        for q in range(p + 1, k):
            d = pair_distance(
                a[p], b[p], oa[p], ob[p], seg[p], a[q], b[q], oa[q], ob[q], seg[q], junction_dist
            )
            out[p, q] = d
            out[q, p] = d
    return out


@jit
def rect_matrix(
    a1: np.ndarray, b1: np.ndarray, oa1: np.ndarray, ob1: np.ndarray, s1: np.ndarray,
    a2: np.ndarray, b2: np.ndarray, oa2: np.ndarray, ob2: np.ndarray, s2: np.ndarray,
    junction_dist: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """k x l distance matrix from k described nodes to l others."""
    out = np.empty((a1.size, a2.size))
    for p in range(a1.size):
        for q in range(a2.size):
            out[p, q] = pair_distance(
                a1[p],
                b1[p],
                oa1[p],
                ob1[p],
                s1[p],
                a2[q],
                b2[q],
                oa2[q],
                ob2[q],
                s2[q],
                junction_dist,
            )
    return out


@jit
def pair_vector(
    a1: np.ndarray, b1: np.ndarray, oa1: np.ndarray, ob1: np.ndarray, s1: np.ndarray,
    a2: np.ndarray, b2: np.ndarray, oa2: np.ndarray, ob2: np.ndarray, s2: np.ndarray,
    junction_dist: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Distances of k node pairs, element by element."""
    out = np.empty(a1.size)
    for p in range(a1.size):
        out[p] = pair_distance(
            a1[p], b1[p], oa1[p], ob1[p], s1[p], a2[p], b2[p], oa2[p], ob2[p], s2[p], junction_dist
        )
    return out

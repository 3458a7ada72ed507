"""The numba kernel that turns waypoints into a walk of adjacent nodes.

Between two nodes of one hanging tree the walk goes through their lowest
common ancestor. Otherwise it climbs to the first node's root, crosses the
core and descends to the second node. In the core it follows the shared
segment when that is shortest, else leaves the first segment by the end of
the shortest combination (the first of equals), hops from junction to
junction, each time to the neighbour that lies on a shortest path to the
target junction, and enters the last segment.
"""

from __future__ import annotations

import numpy as np

from optimizer._jit import jit
from optimizer.distance.decompose import (
    HOPS,
    OA,
    OB,
    PARENT,
    POS,
    ROOT,
    SEG,
    A,
    B,
    Decomposition,
    lowest_common_ancestor,
)
from optimizer.distance.kernels import junction_distance

__all__ = ["walk_kernel", "walk_tables"]


def walk_tables(parts: Decomposition) -> tuple[np.ndarray, ...]:
    """The arrays of ``parts`` that :func:`walk_kernel` takes after the junction
    distances, in its order."""
    return (parts.seg_a, parts.inner_at, parts.inner, parts.junction_node, parts.hop_at,
            parts.hop_to, parts.hop_seg, parts.hop_length)  # fmt: skip


@jit
def walk_kernel(
    pts: np.ndarray, ints: np.ndarray, floats: np.ndarray,
    table: np.ndarray, at: np.ndarray, hub: np.ndarray, dist: np.ndarray,
    seg_a: np.ndarray, inner_at: np.ndarray, inner: np.ndarray, jnode: np.ndarray,
    hop_at: np.ndarray, hop_to: np.ndarray, hop_seg: np.ndarray, hop_length: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Shortest walks through ``pts`` joined, as nodes; ``[-1 - j]`` if
    ``pts[j]`` is not a node."""
    n = ints.shape[0]
    for p in range(pts.size):
        if pts[p] < 0 or pts[p] >= n:
            return np.full(1, -1 - p, dtype=np.int64)
    out = np.empty(16 * pts.size + 64, dtype=np.int64)
    m = 0
    if pts.size:
        out[0], m = pts[0], 1
    for p in range(1, pts.size):
        u, v = pts[p - 1], pts[p]
        if u == v:
            continue
        ru, rv = ints[u, ROOT], ints[v, ROOT]
        if ru == rv:
            top = lowest_common_ancestor(u, v, ints)
            out, m = _climb(out, m, u, top, ints)
            out, m = _descend(out, m, v, top, ints)
            continue
        out, m = _climb(out, m, u, ru, ints)
        out, m = _core_walk(
            out, m, ru, rv, ints, floats, table, at, hub, dist,
            seg_a, inner_at, inner, jnode, hop_at, hop_to, hop_seg, hop_length,
        )  # fmt: skip
        out, m = _descend(out, m, v, rv, ints)
    return out[:m]


@jit
def _climb(out: np.ndarray, m: int, x: int, top: int, ints: np.ndarray) -> tuple[np.ndarray, int]:
    """Append the ancestors of ``x`` up to ``top`` (``x`` excluded, ``top`` included)."""
    out = _room(out, m, ints[x, HOPS] - ints[top, HOPS])
    while x != top:
        x = ints[x, PARENT]
        out[m] = x
        m += 1
    return out, m


@jit
def _descend(
    out: np.ndarray, m: int, x: int, top: int, ints: np.ndarray
) -> tuple[np.ndarray, int]:
    """Append the walk from ``top`` down to ``x`` (``top`` excluded, ``x`` included)."""
    count = ints[x, HOPS] - ints[top, HOPS]
    out = _room(out, m, count)
    for q in range(count - 1, -1, -1):
        out[m + q] = x
        x = ints[x, PARENT]
    return out, m + count


@jit
def _core_walk(
    out: np.ndarray, m: int, u: int, v: int, ints: np.ndarray, floats: np.ndarray,
    table: np.ndarray, at: np.ndarray, hub: np.ndarray, dist: np.ndarray,
    seg_a: np.ndarray, inner_at: np.ndarray, inner: np.ndarray, jnode: np.ndarray,
    hop_at: np.ndarray, hop_to: np.ndarray, hop_seg: np.ndarray, hop_length: np.ndarray,
) -> tuple[np.ndarray, int]:  # fmt: skip
    """Append a shortest walk between core nodes ``u`` and ``v`` (``u`` excluded)."""
    su, sv = ints[u, SEG], ints[v, SEG]
    best, side_u, side_v = np.inf, -1, -1
    if su == sv:
        best = abs(floats[u, OA] - floats[v, OA])
    for s0 in range(2):
        eu, du = (ints[u, A], floats[u, OA]) if s0 == 0 else (ints[u, B], floats[u, OB])
        for s1 in range(2):
            ev, dv = (ints[v, A], floats[v, OA]) if s1 == 0 else (ints[v, B], floats[v, OB])
            d = du + junction_distance(eu, ev, table, at, hub, dist) + dv
            if d < best - 1e-12:
                best, side_u, side_v = d, s0, s1
    if side_u < 0:  # straight along the shared segment
        lo, pu, pv = inner_at[su], ints[u, POS], ints[v, POS]
        step = 1 if pu <= pv else -1
        out = _room(out, m, abs(pv - pu))
        for q in range(pu + step, pv + step, step):
            out[m] = inner[lo + q]
            m += 1
        return out, m
    eu = ints[u, A] if side_u == 0 else ints[u, B]
    ev = ints[v, A] if side_v == 0 else ints[v, B]
    if su >= 0:  # from u to the end of its segment
        lo, hi, pu = inner_at[su], inner_at[su + 1], ints[u, POS]
        out = _room(out, m, hi - lo + 1)
        if side_u == 0:
            for q in range(lo + pu - 1, lo - 1, -1):
                out[m] = inner[q]
                m += 1
        else:
            for q in range(lo + pu + 1, hi):
                out[m] = inner[q]
                m += 1
        out[m] = jnode[eu]
        m += 1
    x, steps = eu, 0
    while x != ev:  # each hop to a neighbour on a shortest path to ev
        steps += 1
        if steps > jnode.size:
            raise RuntimeError("no shortest path between junctions: lengths must be > 0")
        best_e, best_d = -1, np.inf
        for e in range(hop_at[x], hop_at[x + 1]):
            d = hop_length[e] + junction_distance(hop_to[e], ev, table, at, hub, dist)
            if d < best_d:
                best_e, best_d = e, d
        y, sid = hop_to[best_e], hop_seg[best_e]
        lo, hi = inner_at[sid], inner_at[sid + 1]
        out = _room(out, m, hi - lo + 1)
        if seg_a[sid] == x:
            for q in range(lo, hi):
                out[m] = inner[q]
                m += 1
        else:
            for q in range(hi - 1, lo - 1, -1):
                out[m] = inner[q]
                m += 1
        out[m] = jnode[y]
        m += 1
        x = y
    if sv >= 0:  # from the end of v's segment to v
        lo, hi, pv = inner_at[sv], inner_at[sv + 1], ints[v, POS]
        out = _room(out, m, hi - lo)
        if side_v == 0:
            for q in range(lo, lo + pv + 1):
                out[m] = inner[q]
                m += 1
        else:
            for q in range(hi - 1, lo + pv - 1, -1):
                out[m] = inner[q]
                m += 1
    return out, m


@jit
def _room(out: np.ndarray, m: int, extra: int) -> np.ndarray:
    """``out``, or a copy twice as large, with room for ``extra`` more after ``m``."""
    if m + extra <= out.size:
        return out
    new = np.empty(max(2 * out.size, m + extra), dtype=out.dtype)
    new[:m] = out[:m]
    return new

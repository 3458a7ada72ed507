"""Slow, obviously correct references that the fast routers are checked against.

Every function takes a plain distance matrix ``D`` (``D[i, j]`` = shortest
walking distance from point ``i`` to point ``j``), so nothing here knows about
warehouses, layouts or the distance oracle.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["held_karp", "brute_force_tour", "brute_force_path", "walk_length"]


def walk_length(D: np.ndarray, order: list[int] | tuple[int, ...]) -> float:
    """Length of visiting the points ``order`` in turn (no return leg added)."""
    return float(sum(D[u, v] for u, v in itertools.pairwise(order)))


def held_karp(D: np.ndarray, start: int = 0, end: int | None = None) -> tuple[float, list[int]]:
    """Shortest tour (``end`` None) or path (``start`` -> ``end``) through all points.

    Bellman-Held-Karp dynamic programme over subsets: ``best[S, j]`` is the
    shortest walk that leaves ``start``, visits exactly the points of ``S`` (in
    some order) and stops at ``j`` in ``S``. Each point appears once in the
    order, so ``best[all, end]`` is the shortest path that finishes at ``end``.
    Subsets are processed by size, one numpy step per last point, so 13
    points take milliseconds.

    Parameters
    ----------
    D
        Square distance matrix.
    start
        Index of the first point.
    end
        Index of the last point; ``None`` (or ``start``) for a closed tour back
        to ``start``.

    Returns
    -------
    cost, order
        The optimum and the visiting order, starting at ``start`` and ending
        at ``end`` (at ``start`` again for a tour).
    """
    closed = end is None or end == start
    targets = [p for p in range(D.shape[0]) if p != start]
    k = len(targets)
    if k == 0:
        return 0.0, [start, start]
    sub = D[np.ix_(targets, targets)]
    full = (1 << k) - 1
    best = np.full((1 << k, k), np.inf)
    parent = np.full((1 << k, k), -1, dtype=np.int64)
    for j in range(k):
        best[1 << j, j] = D[start, targets[j]]
    masks = np.arange(1 << k)
    size = np.array([bin(s).count("1") for s in range(1 << k)])
    for n_in in range(1, k):
        layer = masks[size == n_in]
        for j in range(k):  # extend every subset of this size by point j
            base = layer[(layer >> j) & 1 == 0]
            step = best[base] + sub[:, j]  # walk over subset, then last -> j
            arg = step.argmin(axis=1)
            best[base | 1 << j, j] = step[np.arange(base.size), arg]
            parent[base | 1 << j, j] = arg
    if closed:
        total = best[full] + D[targets, start]
        last = int(total.argmin())
    else:
        last = targets.index(end)
        total = best[full]
    order: list[int] = [start] if closed else []
    mask, j = full, last
    while j >= 0:
        order.append(targets[j])
        mask, j = mask & ~(1 << j), int(parent[mask, j])
    order.append(start)
    return float(total[last]), order[::-1]


def brute_force_tour(D: np.ndarray, start: int = 0) -> tuple[float, list[int]]:
    """Shortest closed tour from ``start`` by trying every order (tiny cases).

    Parameters
    ----------
    D
        Square distance matrix, at most 9 points or so.
    start
        Index of the point the tour starts and ends at.
    """
    rest = [p for p in range(D.shape[0]) if p != start]
    best, best_order = np.inf, [start, start]
    for perm in itertools.permutations(rest):
        order = [start, *perm, start]
        cost = walk_length(D, order)
        if cost < best:
            best, best_order = cost, order
    return float(best), best_order


def brute_force_path(D: np.ndarray, start: int, end: int) -> tuple[float, list[int]]:
    """Shortest path ``start`` -> every point -> ``end`` by trying every order.

    Parameters
    ----------
    D
        Square distance matrix, at most 9 points or so.
    start, end
        Indices of the first and last point (distinct).
    """
    rest = [p for p in range(D.shape[0]) if p not in (start, end)]
    best, best_order = np.inf, [start, end]
    for perm in itertools.permutations(rest):
        order = [start, *perm, end]
        cost = walk_length(D, order)
        if cost < best:
            best, best_order = cost, order
    return float(best), best_order


def optimal_batching(n: int, fits, cost) -> tuple[float, list[list[int]]]:
    """Optimal partition of orders ``0..n-1`` into feasible batches.

    Dynamic programme over subsets: ``best[S] = min over feasible T that
    contains the lowest member of S of cost(T) + best[S - T]``. O(3^n) and
    exact; fine up to ~12 orders.

    Parameters
    ----------
    n
        Number of orders.
    fits
        ``fits(list_of_orders) -> bool``: the group fits one cart.
    cost
        ``cost(list_of_orders) -> float``: tour length of the group.
    """
    full = (1 << n) - 1
    members = [[i for i in range(n) if mask >> i & 1] for mask in range(full + 1)]
    feasible = [False] + [fits(members[m]) for m in range(1, full + 1)]
    group_cost = [0.0] + [cost(members[m]) if feasible[m] else np.inf for m in range(1, full + 1)]
    best = [0.0] + [np.inf] * full
    choice = [0] * (full + 1)
    for s in range(1, full + 1):
        low = s & -s
        rest = s ^ low
        t = rest
        while True:  # every subset t of rest; the group is t | low
            g = t | low
            if feasible[g]:
                value = group_cost[g] + best[s ^ g]
                if value < best[s]:
                    best[s], choice[s] = value, g
            if t == 0:
                break
            t = (t - 1) & rest
    groups, s = [], full
    while s:
        groups.append(members[choice[s]])
        s ^= choice[s]
    return best[full], groups

"""Small compiled helpers on sorted int64 arrays, shared by the routers' kernels.

Loops rather than ``np.unique``, ``np.sort`` or ``np.searchsorted``: numba
compiles its own implementation of each on first use, seconds of a fresh
install's first route, and the arrays here are a route's picks.
"""

from __future__ import annotations

import numpy as np

from optimizer._jit import jit

__all__ = ["sort_distinct", "first_at_least"]


@jit
def sort_distinct(values: np.ndarray) -> int:
    """Sort ``values`` in place (Shell sort) and move its distinct values to the
    front; returns how many there are.

    Examples
    --------
    >>> values = np.array([5, 1, 5, 3, 1])
    >>> values[: sort_distinct(values)]
    array([1, 3, 5])
    """
    k = values.size
    gap = k // 2
    while gap > 0:
        for i in range(gap, k):
            v = values[i]
            j = i
            while j >= gap and values[j - gap] > v:
                values[j] = values[j - gap]
                j -= gap
            values[j] = v
        gap //= 2
    distinct = min(k, 1)
    for i in range(1, k):
        if values[i] != values[distinct - 1]:
            values[distinct] = values[i]
            distinct += 1
    return distinct


@jit
def first_at_least(values: np.ndarray, x: int) -> int:
    """The first position of sorted ``values`` holding ``x`` or more (``values.size``
    if none does).

    Examples
    --------
    >>> first_at_least(np.array([1, 3, 3, 7]), 3), first_at_least(np.array([1, 3]), 9)
    (1, 2)
    """
    lo, hi = 0, values.size
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo

"""Co-picked pairs: the SKU pairs that most often share an order.

:func:`count_pairs` counts, for distinct ``(order, sku)`` rows, how many orders
contain each pair of SKUs, with numpy on packed ``a * n_skus + b`` keys (one
sort, no Python loop per order), and keeps the most frequent. Very large
orders are left out: one order of 500 lines alone would add 124,750 pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CoPick", "count_pairs"]


@dataclass(frozen=True, slots=True)
class CoPick:
    """Two SKUs and the number of orders that contain both."""

    a: str
    b: str
    orders: int


def count_pairs(o: np.ndarray, s: np.ndarray, n_skus: int, top: int, max_lines: int) -> np.ndarray:
    """The ``top`` most frequent SKU pairs within orders, as rows (a, b, count).

    Parameters
    ----------
    o, s
        Distinct (order, sku) rows sorted by order then SKU, as integers
        (SKUs ``0 .. n_skus - 1``).
    n_skus
        Number of SKUs.
    top
        Pairs to keep; 0 keeps none.
    max_lines
        Orders with more distinct SKUs than this are left out.

    Returns
    -------
    numpy.ndarray
        ``(k, 3)`` rows ``a < b, orders``, most frequent first, ties by
        ``(a, b)``.

    Examples
    --------
    >>> o, s = np.array([0, 0, 0, 1, 1]), np.array([0, 1, 2, 1, 2])
    >>> count_pairs(o, s, n_skus=3, top=2, max_lines=10).tolist()
    [[1, 2, 2], [0, 1, 1]]
    """
    if top <= 0 or o.size < 2:
        return np.zeros((0, 3), dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, o[1:] != o[:-1]])
    sizes = np.diff(np.r_[starts, o.size])
    size = np.repeat(sizes, sizes)
    after = size - (np.arange(o.size) - np.repeat(starts, sizes)) - 1  # rows after it in its order
    rows = np.flatnonzero((after >= 1) & (size <= max_lines))
    keys = []
    d = 1
    while rows.size:
        keys.append(s[rows] * n_skus + s[rows + d])
        d += 1
        rows = rows[after[rows] >= d]
    if not keys:
        return np.zeros((0, 3), dtype=np.int64)
    packed = np.sort(np.concatenate(keys))
    del keys
    edge = np.flatnonzero(np.r_[True, packed[1:] != packed[:-1], True])
    counts = np.diff(edge)
    distinct = packed[edge[:-1]]
    k = min(top, distinct.size)
    best = np.argpartition(-counts, k - 1)[:k]
    best = best[np.lexsort((distinct[best], -counts[best]))]
    return np.column_stack([distinct[best] // n_skus, distinct[best] % n_skus, counts[best]])

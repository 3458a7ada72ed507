"""What a compiled layout costs a solver worker, and caches bounded by bytes.

The estimate is made from the layout's graph *before* its distance oracle is
built, so that an upload whose tables would not fit a worker's budget
(``PICKOPT_WORKER_MEMORY_MB``) is refused instead of built. It follows
:class:`~optimizer.distance.DistanceOracle`: per-node arrays and the sparse
graph, plus either the junction table (J^2 float64) or, past
:data:`~optimizer.distance.oracle.MAX_JUNCTIONS` junctions, hub labels of
about ``LABEL_BYTES`` per junction.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np

from optimizer.distance.oracle import MAX_JUNCTIONS
from optimizer.layout import Layout

__all__ = ["layout_bytes", "oracle_bytes", "junctions", "SizedCache"]

#: Per slot: the layout's slot columns (node, aisle, block, cell, side, level, zone, capacity).
SLOT_BYTES = 48
#: Per listed bin code (graph layouts): the string and its lookup entry.
CODE_BYTES = 160
#: Per node: the layout's arrays plus the oracle's six arrays and segment lists.
NODE_BYTES = 184
#: Per edge: the layout's arrays plus both directions of the sparse graph.
EDGE_BYTES = 40
#: Per junction past the table's bound: hub labels of up to 64 hubs, 16 bytes each.
LABEL_BYTES = 64 * 16

K = TypeVar("K")
V = TypeVar("V")


def junctions(layout: Layout) -> int:
    """Nodes that are not the inside of a chain (degree other than 2), plus depots:
    the size of the oracle's junction table."""
    degree = np.bincount(np.asarray(layout.edges).ravel(), minlength=layout.n_nodes)
    return int(np.count_nonzero(degree != 2)) + len(layout.depots)


def oracle_bytes(layout: Layout) -> int:
    """An upper estimate of the distance oracle's memory, without building it."""
    n, j = layout.n_nodes, junctions(layout)
    base = NODE_BYTES * n + EDGE_BYTES * len(layout.edges)
    if j > MAX_JUNCTIONS:
        return base + j * LABEL_BYTES
    return base + j * j * 8


def layout_bytes(layout: Layout) -> int:
    """A compiled layout with its oracle, as a worker caches it."""
    listed = layout.table.codes is not None
    return (SLOT_BYTES + CODE_BYTES * listed) * len(layout.slots) + oracle_bytes(layout)


class SizedCache(Generic[K, V]):
    """Least-recently-used entries, evicted when their sizes sum past ``budget`` bytes.

    The newest entry always stays, even alone over the budget: it is in use.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.nbytes = 0
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[K]:
        """Keys, least recently used first."""
        return list(self._items)

    def get(self, key: K, make: Callable[[], V], size: Callable[[V], int]) -> V:
        """The cached value of ``key``, or ``make()`` weighed by ``size`` and cached."""
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            return found[0]
        value = make()
        nbytes = size(value)
        self._items[key] = (value, nbytes)
        self.nbytes += nbytes
        while self.nbytes > self.budget and len(self._items) > 1:
            _, (_, old) = self._items.popitem(last=False)
            self.nbytes -= old
        return value

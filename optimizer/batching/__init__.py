"""Carts and capacities, and grouping orders into batches (one tour each).

Methods (``batch_orders(..., method=...)``), one module each:

``"fcfs"``
    Next fit in arrival order: the textbook baseline.
``"seed"``
    Seed-and-add with several seed and add rules, best combination kept.
``"savings"``
    Clarke & Wright savings, variant (ii), on real tour lengths.
``"local-search"``
    Iterated local search (moves and swaps of orders between batches)
    started from the better of savings and seed.
``"alns"``
    Adaptive large neighbourhood search (destroy and repair over orders)
    that keeps every batch it forms, then a set-partitioning selection over
    them with CP-SAT. ``ALNS(iterations=...)`` sets its work budget.
``"columns"``
    Column generation: batches priced with the duals of the set-partitioning
    relaxation by a beam search, a dive that fixes the batches the
    relaxation wants, a CP-SAT partition of the pool and a last descent.
    ``ColumnGeneration(rounds=...)`` sets its work budget.
``"hybrid"``
    The column generation, then the ALNS from its batching over a pool that
    starts with its columns, one selection over both and a last descent.
    ``Hybrid(ColumnGeneration(...), iterations=...)`` sets its work budget.
``"bulk"``
    For big waves: savings and a descent of moves and swaps in compiled
    loops next to the exact DP's kernel, at a flat cost per order.
    ``BulkBatching(evaluations=...)`` sets its work budget.
``"auto"``
    ``"alns"`` with its default budget, ``"bulk"`` above ``LARGE_WAVE``
    orders where the exact DP scores the batches; ``BatchingResult.method``
    says what ran.

Every batch is scored with the exact routing DP where the layout allows, so
methods compete on the distance pickers really walk. Each method is a
:class:`Batcher` (see :mod:`optimizer.batching.base`).
"""

from optimizer.batching.alns import ALNS
from optimizer.batching.api import AUTO, BATCHERS, METHODS, batch_orders, choose_batcher
from optimizer.batching.base import (
    Batch,
    Batcher,
    Batching,
    BatchingResult,
    Budgeted,
    batches_of,
)
from optimizer.batching.carts import Cart
from optimizer.batching.columns import ColumnGeneration
from optimizer.batching.hybrid import Hybrid
from optimizer.batching.problem import (
    UNASSIGNED_CODES,
    BatchingProblem,
    TourCost,
    Unassigned,
    prepare,
)

__all__ = [
    "Cart",
    "Batch",
    "Batching",
    "BatchingResult",
    "Batcher",
    "Budgeted",
    "BatchingProblem",
    "TourCost",
    "Unassigned",
    "UNASSIGNED_CODES",
    "ALNS",
    "ColumnGeneration",
    "Hybrid",
    "batch_orders",
    "choose_batcher",
    "prepare",
    "batches_of",
    "AUTO",
    "BATCHERS",
    "METHODS",
]

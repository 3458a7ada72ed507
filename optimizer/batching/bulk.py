"""Batching for big waves (thousands to 200,000 orders) at a flat cost per order.

Three steps, all in compiled loops next to the tour-length kernel (the exact
routing DP's, or off its layouts the estimate on the oracle's matrix:
:mod:`optimizer.routing.scoring`), with the wave held in arrays (order pick
nodes as CSR, loads, batch membership as linked lists) instead of Python sets
and lists:

1. *Savings* (Clarke & Wright, variant ii) over orders: every order starts
   alone; the merge with the largest saving ``d(A) + d(B) - d(A + B)`` among
   the batches of each order's nearest orders is made, and only the merged
   batch's savings with its neighbours are scored again (a heap with lazy
   deletion).
2. *Leftover merges in bulk*: batches whose candidate orders all sat in full
   batches are merged with the batches nearest their pick centroid, again
   by savings over a heap; the candidate lists are updated as batches merge,
   not rebuilt, and one pass takes every merge (a round recomputes the
   centroids only when the pass merged anything).
3. *Descent*: each order tries to move to, or swap with an order of, the
   batches of its nearest orders; the best improving change is made and
   the orders around it are queued again, until nothing improves or the
   work budget (tour evaluations per order) is spent.

The budget is work, not time, so the same wave gives the same batches on
any machine. Costs are the problem's own objective (exact tour length plus
``tour_penalty`` per batch), so the result is scored exactly like every
other method's. The compiled path needs a compiled kernel; where tours are
scored one by one (a routing method named for scoring, a layout too big
for the estimate's matrix) :class:`BulkBatching` runs the Python local
search's first descent from savings instead.
"""

from __future__ import annotations

import time

import numpy as np

from optimizer.batching.base import Batching
from optimizer.batching.kernels import descend
from optimizer.batching.local_search import LocalSearch
from optimizer.batching.problem import BatchingProblem
from optimizer.batching.savings import CompiledWave, compiled_savings, groups_of

__all__ = ["BulkBatching", "DEFAULT_EVALUATIONS"]

TARGETS = 10  # batches of the nearest orders an order may move to or swap into
DEFAULT_EVALUATIONS = 400  # descent's budget: tour evaluations per order


class BulkBatching:
    """Savings, leftover merges in bulk and a budgeted descent, for big waves.

    Parameters
    ----------
    evaluations
        The descent's work budget in tour evaluations per order; ``None``:
        :data:`DEFAULT_EVALUATIONS`. 0 stops after the savings.
    targets
        Batches (those of an order's nearest orders) it may move to or swap into.

    Notes
    -----
    ``detail`` reports ``merges`` (savings merges), ``leftover_rounds``,
    ``evaluations`` and ``changes`` (the descent's work and improving
    moves), ``compiled`` (False where no compiled kernel scores tours and
    the Python local search's descent ran instead) and ``timed_out``.

    Examples
    --------
    >>> from optimizer import Cart, Layout
    >>> from optimizer.batching import prepare
    >>> from optimizer.synthetic import large_wave
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> slotting, orders = large_wave(layout, 300, seed=1)
    >>> problem, _ = prepare(layout, slotting, orders, Cart(max_items=45))
    >>> result = BulkBatching().run(problem)
    >>> sorted(i for g in result.groups for i in g) == list(range(300))
    True
    """

    name = "bulk"

    def __init__(self, evaluations: int | None = None, targets: int = TARGETS) -> None:
        if evaluations is not None and evaluations < 0:
            raise ValueError("evaluations < 0 not understood.")
        if targets < 1:
            raise ValueError("targets < 1 not understood.")
        self.evaluations = evaluations
        self.targets = targets

    def with_effort(self, effort: int) -> BulkBatching:
        """The same method with a descent of ``effort`` tour evaluations per order."""
        return BulkBatching(evaluations=effort, targets=self.targets)

    def run(
        self, problem: BatchingProblem, *, seed: int = 0, time_limit: float | None = None
    ) -> Batching:
        """Batches of ``problem`` (deterministic: ``seed`` does not matter). A
        ``time_limit`` is checked between the steps; ``detail["timed_out"]``
        says if it cut the descent."""
        deadline = time.perf_counter() + time_limit if time_limit else np.inf
        per_order = DEFAULT_EVALUATIONS if self.evaluations is None else self.evaluations
        wave = CompiledWave.of(problem, estimate=True)
        if wave is None:
            found = LocalSearch(kicks=0, seed_start=False).run(problem, time_limit=time_limit)
            return Batching(found.groups, {**found.detail, "compiled": False})
        batch_of, detail = compiled_savings(problem, wave)
        timed_out = time.perf_counter() > deadline
        changes = 0
        if per_order and not timed_out and problem.size > 1:
            w = wave
            batch_of, spent, changes = descend(w.ptr, w.idx, w.loads, w.cap, w.near, batch_of,
                                               w.penalty, w.tab, w.fi, w.ff, w.n_nodes,
                                               per_order * problem.size, self.targets,
                                               True)  # fmt: skip
            detail["evaluations"] = int(detail["evaluations"]) + int(spent)
        detail |= {"changes": int(changes), "compiled": True, "timed_out": timed_out}
        return Batching(groups_of(batch_of), detail)

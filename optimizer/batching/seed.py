"""Seed batching (Ho & Tseng 2006; de Koster, van der Poort & Wolters 1999).

A batch is opened with a *seed* order and filled with the order that fits
best by an *add rule*, until nothing more fits; then the next seed.

Seed rules
    ``"farthest"``: the order whose own tour is longest (hardest to combine
    later); ``"largest"``: the order with the most pick locations;
    ``"first"``: arrival order.
Add rules
    ``"min-added"``: the order that lengthens the batch's tour least (with the
    real route length); ``"centroid"``: the order whose picks' centroid is
    nearest the batch's (cheap, no routing).

``method="seed"`` runs every combination and keeps the shortest total, so it
is never worse than any single rule. Candidates come from each order's
nearest neighbours by centroid, so a step costs O(k) tour evaluations.
"""

from __future__ import annotations

import numpy as np

from optimizer.batching.base import Batching
from optimizer.batching.problem import BatchingProblem, neighbours

__all__ = ["SeedBatching", "SEED_RULES", "ADD_RULES"]

SEED_RULES = ("farthest", "largest", "first")
ADD_RULES = ("min-added", "centroid")
CANDIDATES = 40  # neighbours considered per batch member


def _seed_order(problem: BatchingProblem, rule: str) -> list[int]:
    n = problem.size
    if rule == "first":
        return list(range(n))
    if rule == "largest":
        key = [-float(len(nodes)) for nodes in problem.nodes]
    else:  # farthest
        key = [-problem.batch_cost([i]) for i in range(n)]
    return sorted(range(n), key=lambda i: (key[i], i))


def _fill(
    problem: BatchingProblem, batch: list[int], free: set[int], near: list[list[int]],
    add_rule: str,
) -> None:  # fmt: skip
    """Grow ``batch`` from ``free`` until no order fits (``near``: each order's
    nearest orders, as lists)."""
    load = problem.load(batch)
    limits = problem.cart.limits * (1 + 1e-12)  # the cart's own tolerance, as Cart.fits
    while True:
        cands = {j for i in batch for j in near[i] if j in free}
        if not cands:  # all neighbours taken: fall back to the nearest free orders
            pool = np.fromiter(free, dtype=np.int64)
            if pool.size == 0:
                return
            centre = problem.centroids[batch].mean(axis=0)
            d = np.abs(problem.centroids[pool] - centre).sum(axis=1)
            cands = set(pool[np.argsort(d, kind="stable")[: len(near[0]) or 1]].tolist())
        ordered = sorted(cands)
        # Every candidate's fit at once: the same sums and comparisons as Cart.fits.
        fit = ((load + problem.loads[ordered]) <= limits).all(axis=1).tolist()
        fitting = [j for j, ok in zip(ordered, fit, strict=True) if ok]
        if not fitting:
            return
        if add_rule == "min-added":
            scores = [problem.batch_cost([*batch, j]) for j in fitting]
        else:
            centre = problem.centroids[batch].mean(axis=0)
            scores = np.abs(problem.centroids[fitting] - centre).sum(axis=1).tolist()
        best = fitting[int(np.argmin(scores))]
        batch.append(best)
        free.discard(best)
        load = load + problem.loads[best]


class SeedBatching:
    """Seed-and-add batching; ``rules=None`` tries every (seed, add) pair.

    Parameters
    ----------
    rules
        ``(seed_rule, add_rule)`` to run only one combination.
    """

    name = "seed"

    def __init__(self, rules: tuple[str, str] | None = None) -> None:
        if rules is not None and (rules[0] not in SEED_RULES or rules[1] not in ADD_RULES):
            raise ValueError(f"unknown seed rules {rules!r}; seed: {SEED_RULES}, add: {ADD_RULES}")
        self.rules = rules

    def run(
        self, problem: BatchingProblem, *, seed: int = 0, time_limit: float | None = None
    ) -> Batching:
        """The best rule's batches (deterministic: ``seed`` and ``time_limit`` do not matter)."""
        combos = [self.rules] if self.rules else [(s, a) for s in SEED_RULES for a in ADD_RULES]
        near = neighbours(problem, CANDIDATES).tolist()
        best: list[list[int]] | None = None
        best_total = np.inf
        for seed_rule, add_rule in combos:
            batches = self._run_one(problem, seed_rule, add_rule, near)
            total = problem.total(batches)
            if total < best_total - 1e-9:
                best, best_total = batches, total
        assert best is not None
        return Batching(best)

    @staticmethod
    def _run_one(
        problem: BatchingProblem, seed_rule: str, add_rule: str, near: list[list[int]]
    ) -> list[list[int]]:
        free = set(range(problem.size))
        batches: list[list[int]] = []
        for s in _seed_order(problem, seed_rule):
            if s not in free:
                continue
            free.discard(s)
            batch = [s]
            _fill(problem, batch, free, near, add_rule)
            batches.append(batch)
        return batches

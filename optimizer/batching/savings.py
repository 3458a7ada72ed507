"""Clarke & Wright savings batching, variant (ii) (de Koster et al. 1999).

Every order starts as its own batch. The saving of merging batches A and B is
``d(A) + d(B) - d(A + B)`` with ``d`` the real tour length; the feasible
merge with the largest saving is made, the savings of the merged batch with
its neighbours are recomputed (that recomputation is what makes it variant
ii), and so on until no merge saves anything or fits.

Notes
-----
On waves up to ``ALL_PAIRS`` orders every pair is a candidate (O(n^2) tour
evaluations to start); beyond, each order's ``CANDIDATES`` nearest neighbours
by pick centroid, O(n k). A heap with lazy deletion keeps each step
O(log n) plus the re-evaluations.
"""

from __future__ import annotations

import heapq

import numpy as np

from optimizer.batching.base import Batching
from optimizer.batching.problem import BatchingProblem, neighbours

__all__ = ["Savings"]

ALL_PAIRS = 40
CANDIDATES = 15


class Savings:
    """Clarke-Wright (ii) savings batching."""

    name = "savings"

    def run(
        self, problem: BatchingProblem, *, seed: int = 0, time_limit: float | None = None
    ) -> Batching:
        """Savings batches (deterministic: ``seed`` and ``time_limit`` do not matter)."""
        n = problem.size
        k = n - 1 if n <= ALL_PAIRS else CANDIDATES
        near = neighbours(problem, k)
        members: dict[int, list[int]] = {i: [i] for i in range(n)}
        cost = {i: problem.batch_cost([i]) for i in range(n)}
        load = {i: problem.loads[i].copy() for i in range(n)}
        batch_of = list(range(n))
        heap: list[tuple[float, int, int]] = []

        def push(a: int, b: int) -> None:
            if not problem.cart.fits(load[a] + load[b]):
                return
            saving = cost[a] + cost[b] - problem.batch_cost(members[a] + members[b])
            if saving > 1e-9:
                heapq.heappush(heap, (-saving, min(a, b), max(a, b)))

        for i in range(n):
            for j in near[i].tolist():
                if i < j or i not in near[j]:  # each unordered pair once
                    push(i, j)
        next_id = n
        while heap:
            _, a, b = heapq.heappop(heap)
            if a not in members or b not in members:
                continue  # one side was merged away since this saving was computed
            new = next_id
            next_id += 1
            members[new] = members.pop(a) + members.pop(b)
            load[new] = load.pop(a) + load.pop(b)
            cost.pop(a), cost.pop(b)
            cost[new] = problem.batch_cost(members[new])
            for i in members[new]:
                batch_of[i] = new
            around = {batch_of[j] for i in members[new] for j in near[i].tolist()} - {new}
            for other in sorted(around):
                push(new, other)
        groups = [sorted(m) for _, m in sorted(members.items())]
        return Batching(_merge_leftovers(problem, groups))


def _merge_leftovers(problem: BatchingProblem, groups: list[list[int]]) -> list[list[int]]:
    """Merge batches whose candidate lists ran dry with their nearest batches.

    Neighbour lists by centroid can all point into batches that are full
    already (many orders with the same single pick, say), leaving other
    batches with no partner although merging still saves. One more savings
    round over the batches themselves, with neighbours by batch centroid,
    takes those merges.
    """
    if len(groups) < 2:
        return groups
    from scipy.spatial import cKDTree

    xy = problem.cost.layout.xy
    while True:
        cost = [problem.batch_cost(g) for g in groups]
        load = [problem.load(g) for g in groups]
        centres = np.array([xy[list(problem.union(g))].mean(axis=0) for g in groups])
        k = min(CANDIDATES, len(groups) - 1)
        _, near = cKDTree(centres).query(centres, k=k + 1)
        offers = []
        for a in range(len(groups)):
            for b in near[a].reshape(-1).tolist():
                if a < b and problem.cart.fits(load[a] + load[b]):
                    saving = cost[a] + cost[b] - problem.batch_cost(groups[a] + groups[b])
                    if saving > 1e-9:
                        offers.append((-saving, a, b))
        if not offers:
            return groups
        used: set[int] = set()
        merged = []
        for _, a, b in sorted(offers):
            if a not in used and b not in used:
                used.update((a, b))
                merged.append(sorted(groups[a] + groups[b]))
        groups = merged + [g for i, g in enumerate(groups) if i not in used]

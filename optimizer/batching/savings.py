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

from optimizer.batching.problem import BatchingProblem, neighbours

__all__ = ["Savings"]

ALL_PAIRS = 40
CANDIDATES = 15


class Savings:
    """Clarke-Wright (ii) savings batching."""

    name = "savings"

    def run(self, problem: BatchingProblem) -> list[list[int]]:
        """Batches as lists of order indices."""
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
        return [sorted(m) for _, m in sorted(members.items())]

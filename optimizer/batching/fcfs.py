"""First come, first served: the textbook baseline.

Orders are taken in arrival (input) order and added to the open batch until
the next one does not fit, which then opens a new batch (next fit). It
ignores where the picks are, which is why every other method beats it.
"""

from __future__ import annotations

from optimizer.batching.base import Batching
from optimizer.batching.problem import BatchingProblem

__all__ = ["FCFS"]


class FCFS:
    """Next-fit batching in arrival order. O(n)."""

    name = "fcfs"

    def run(
        self, problem: BatchingProblem, *, seed: int = 0, time_limit: float | None = None
    ) -> Batching:
        """Batches in arrival order (``seed`` and ``time_limit`` do not matter)."""
        batches: list[list[int]] = []
        current: list[int] = []
        for i in range(problem.size):
            if current and not problem.fits([*current, i]):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        return Batching(batches)

"""The set-partitioning selection over a pool of batches."""

from __future__ import annotations

import pytest

from optimizer.batching.selection import select

# Three orders; columns and their costs (metres).
COLUMNS = [[0], [1], [2], [0, 1], [1, 2], [0, 2]]
COSTS = [10.0, 10.0, 10.0, 12.0, 19.0, 25.0]


def test_selection_finds_and_proves_the_best_partition() -> None:
    """[0, 1] + [2] (22 m) is the cheapest partition, and the solver proves it."""
    s = select(3, COLUMNS, COSTS, hint=[0, 1, 2], work=1.0)
    assert sorted(s.chosen) == [2, 3]
    assert s.proven and not s.timed_out
    assert s.bound == pytest.approx(22.0, abs=s.tolerance + 1e-9)


def test_selection_covers_every_order_once() -> None:
    """Each order is in exactly one chosen column."""
    s = select(3, COLUMNS, COSTS, hint=[1, 5], work=1.0)
    covered = sorted(i for j in s.chosen for i in COLUMNS[j])
    assert covered == [0, 1, 2]


def test_selection_without_work_keeps_the_hint() -> None:
    """With no budget to search, the known partition comes back, unproven."""
    s = select(3, COLUMNS, COSTS, hint=[1, 5], work=0.0)
    assert sum(COSTS[j] for j in s.chosen) <= COSTS[1] + COSTS[5]

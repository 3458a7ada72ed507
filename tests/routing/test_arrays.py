"""Tests of optimizer.routing.arrays: the compiled helpers on sorted arrays."""

from __future__ import annotations

import numpy as np

from optimizer.routing.arrays import first_at_least, sort_distinct


def test_sort_distinct_is_numpys_unique() -> None:
    """The front of the array after ``sort_distinct`` is ``np.unique`` of it, for
    empty, repeated, sorted and reversed inputs."""
    rng = np.random.default_rng(3)
    cases = [np.array([], dtype=np.int64), np.array([4, 4, 4]), np.arange(9), np.arange(9)[::-1]]
    cases += [rng.integers(-5, 40, int(rng.integers(1, 300))) for _ in range(50)]
    for case in cases:
        values = np.array(case, dtype=np.int64)
        assert values[: sort_distinct(values)].tolist() == np.unique(case).tolist()


def test_first_at_least_is_numpys_searchsorted() -> None:
    """``first_at_least`` is the left insertion point of ``np.searchsorted``, below,
    inside and above the values."""
    rng = np.random.default_rng(4)
    for _ in range(50):
        values = np.sort(rng.integers(0, 30, int(rng.integers(0, 20)))).astype(np.int64)
        for x in range(-2, 33):
            assert first_at_least(values, x) == int(np.searchsorted(values, x, side="left"))

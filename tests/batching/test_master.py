"""The set-partitioning relaxation over a large pool, by column generation over it."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.batching import Cart, prepare
from optimizer.batching.columns import Pool
from optimizer.batching.master import incidence, relax, relax_large
from optimizer.batching.pricing import enumerate_batches
from optimizer.layout import Layout
from optimizer.orders import Slotting
from tests.conftest import random_wave


def test_relaxation_over_a_large_pool_equals_one_solve(single_block: Layout) -> None:
    """Growing the relaxation from the singletons reaches the optimum of one
    solve over every column, with no column of negative reduced cost left."""
    orders = random_wave(single_block, 12, np.random.default_rng(5))
    problem = prepare(single_block, Slotting.identity(single_block), orders, Cart(max_items=14))[0]
    pool = Pool(problem)
    ptr, val = enumerate_batches(pool.loads, pool.cap, 10_000)
    cols = [tuple(val[ptr[b] : ptr[b + 1]].tolist()) for b in range(ptr.size - 1)]
    costs = np.array(problem.batch_costs(cols))
    whole = relax(np.ones(problem.size), cols, costs)
    alone = [j for j, c in enumerate(cols) if len(c) == 1]
    grown = relax_large(cols, costs, alone, grow=5)
    assert grown.value == pytest.approx(whole.value, rel=1e-9)
    assert grown.x.size == len(cols) and costs @ grown.x == pytest.approx(grown.value)
    assert (costs - incidence(problem.size, cols).T @ grown.duals).min() >= -1e-6

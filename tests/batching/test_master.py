"""The set-partitioning relaxation over a large pool, by column generation over it."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.batching import Cart, prepare
from optimizer.batching.columns import Pool
from optimizer.batching.master import (
    cut_penalty,
    cut_rows,
    incidence,
    relax,
    relax_large,
    separate_subset_rows,
)
from optimizer.batching.pricing import best_partition, enumerate_batches
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


TRIANGLE = [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)]  # every pair and singleton of 3 orders


def test_the_triangle_cut_closes_the_half_pairs() -> None:
    """Three orders whose pairs cost what a singleton does: the relaxation
    takes each pair half (1.5); their subset-row cut is violated by 0.5, and
    with it the relaxation rises to the integer optimum (2)."""
    costs = np.ones(len(TRIANGLE))
    lp = relax(np.ones(3), TRIANGLE, costs)
    assert lp.value == pytest.approx(1.5)
    cuts, violation = separate_subset_rows(3, TRIANGLE, lp.x, limit=10)
    assert cuts.tolist() == [[0, 1, 2]] and violation == pytest.approx([0.5])
    cut = relax(np.ones(3), TRIANGLE, costs, cuts)
    assert cut.value == pytest.approx(2.0)
    assert cut.cut_duals.shape == (1,) and cut.cut_duals[0] >= 0


def test_cut_rows_count_two_or_more_orders_of_the_cut() -> None:
    """A column is in a cut's row exactly when it holds two or three of its orders."""
    columns = [(0,), (0, 1), (0, 1, 2), (2, 3), (1, 3)]
    rows = cut_rows(4, columns, np.array([[0, 1, 2], [1, 2, 3]])).toarray()
    assert rows.tolist() == [[0, 1, 1, 0, 0], [0, 0, 1, 1, 1]]


def test_cuts_keep_the_relaxation_a_bound_and_price_columns(single_block: Layout) -> None:
    """Over every batch of a small wave, the relaxation with its violated
    subset-row cuts lies between the one without and the optimal partition;
    at its optimum no column has negative reduced cost once it pays the
    cuts' duals (:func:`cut_penalty`, equal to the cut rows' sum)."""
    slotting = Slotting.identity(single_block)
    for case in range(4):
        orders = random_wave(single_block, 11, np.random.default_rng(40 + case))
        problem = prepare(single_block, slotting, orders, Cart(max_items=16))[0]
        pool = Pool(problem)
        ptr, val = enumerate_batches(pool.loads, pool.cap, 10_000)
        cols = [tuple(val[ptr[b] : ptr[b + 1]].tolist()) for b in range(ptr.size - 1)]
        costs = np.array(problem.batch_costs(cols))
        masks = np.array([sum(1 << i for i in c) for c in cols], dtype=np.int64)
        optimum = costs[best_partition(problem.size, masks, costs)].sum()
        plain = relax(np.ones(problem.size), cols, costs)
        cuts, _ = separate_subset_rows(problem.size, cols, plain.x, limit=20)
        cut = relax(np.ones(problem.size), cols, costs, cuts)
        assert plain.value - 1e-6 <= cut.value <= optimum + 1e-6
        if not len(cuts):
            continue
        penalties = cut_rows(problem.size, cols, cuts).T @ cut.cut_duals
        reduced = costs - incidence(problem.size, cols).T @ cut.duals + penalties
        assert reduced.min() >= -1e-6
        for j in range(0, len(cols), 97):
            assert cut_penalty(cols[j], cuts, cut.cut_duals) == pytest.approx(penalties[j])

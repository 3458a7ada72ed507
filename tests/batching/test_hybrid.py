"""The hybrid batcher: column generation, then the ALNS over its pool."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.batching import Cart, ColumnGeneration, Hybrid, batch_orders, prepare
from optimizer.batching.alns import mask_of
from optimizer.batching.hybrid import select_reduced
from optimizer.layout import Layout
from optimizer.orders import Slotting
from tests.conftest import random_wave
from tests.naive import optimal_batching


@pytest.fixture(scope="module")
def problem(single_block: Layout):
    """40 random orders, carts of 20 units."""
    orders = random_wave(single_block, 40, np.random.default_rng(17))
    return prepare(single_block, Slotting.identity(single_block), orders, Cart(max_items=20))[0]


def test_every_order_once_and_no_batch_over_the_cart(single_block: Layout) -> None:
    """``batch_orders`` with ``"hybrid"`` covers each order once, every batch fits."""
    orders = random_wave(single_block, 30, np.random.default_rng(8))
    cart = Cart(max_items=15)
    result = batch_orders(single_block, Slotting.identity(single_block), orders, cart, "hybrid",
                          effort=100)  # fmt: skip
    batched = [o.id for b in result.batches for o in b.orders]
    assert sorted(batched) == sorted(o.id for o in orders)
    assert all(sum(o.items for o in b.orders) <= 15 for b in result.batches)
    assert result.method == "hybrid" and result.detail["iterations"] == 100


def test_same_seed_same_batches(problem) -> None:
    """The budget is work, not time: equal seeds give equal batches."""
    method = Hybrid(ColumnGeneration(rounds=3), iterations=150)
    assert method.run(problem, seed=4).groups == method.run(problem, seed=4).groups


def test_never_worse_than_the_column_generation(problem) -> None:
    """The search starts from the column generation's batching and the
    selection from the search's best: the result is never worse than either."""
    columns = ColumnGeneration(rounds=3)
    alone = problem.total(columns.run(problem).groups)
    result = Hybrid(columns, iterations=150).run(problem)
    assert problem.total(result.groups) <= alone + 1e-6
    assert problem.total(result.groups) <= float(result.detail["search_total"]) + 1e-6
    assert result.detail["columns_rounds"] >= 1 and result.detail["iterations"] == 150


def test_never_worse_than_its_dive_over_the_joint_pool(problem) -> None:
    """With the compiled pricing, the first selection is followed by a dive
    over the joint pool; the next search starts from the better of the two,
    so the result is at most the dive it reports."""
    method = Hybrid(ColumnGeneration(rounds=2, dive_rounds=1, tries=1), iterations=150)
    result = method.run(problem, seed=1)
    assert problem.total(result.groups) <= float(result.detail["redive_total"]) + 1e-6
    assert sorted(i for g in result.groups for i in g) == list(range(problem.size))


def test_solve_returns_the_pool_with_costs(problem) -> None:
    """``ColumnGeneration.solve`` gives every column with its batch cost, and
    the chosen batches are among them."""
    batching, pool = ColumnGeneration(rounds=2).solve(problem)
    assert all(k == tuple(sorted(k)) for k in pool)
    for members in list(pool)[:50]:
        assert pool[members] == pytest.approx(problem.batch_cost(members))
    assert len(pool) > problem.size


def test_mask_of() -> None:
    """Bit ``i`` set for order ``i``."""
    assert mask_of([0, 3]) == 0b1001 and mask_of(()) == 0


def test_reduced_cost_selection_over_every_batch_is_the_optimum(single_block: Layout) -> None:
    """Over a pool of every feasible batch, the selection among the columns
    of least reduced cost finds the enumerated optimum and proves it."""
    slotting = Slotting.identity(single_block)
    for case in range(5):
        rng = np.random.default_rng(700 + case)
        orders = random_wave(single_block, 8, rng)
        problem, _ = prepare(single_block, slotting, orders, Cart(max_items=16))
        every = [m for m in range(1, 1 << problem.size) if problem.fits(_orders(m))]
        members = {m: tuple(_orders(m)) for m in every}
        cost = {m: problem.batch_cost(list(members[m])) for m in every}
        start = [[i] for i in range(problem.size)]
        groups, said, *_ = select_reduced(problem, members, cost, start, work=1.0, seed=0,
                                         time_limit=None)  # fmt: skip
        best, _ = optimal_batching(problem.size, problem.fits, problem.batch_cost)
        assert sorted(i for g in groups for i in g) == list(range(problem.size))
        assert problem.total(groups) == pytest.approx(best)
        assert said["pool_optimal"] is True


def test_reduced_cost_selection_never_worse_than_its_start(problem) -> None:
    """Over a pool of a few batches, the selection keeps a partition at most
    as long as the one it starts from, and claims no proof it lacks."""
    start = ColumnGeneration(rounds=1).run(problem).groups
    members = {mask_of(g): tuple(sorted(g)) for g in start}
    cost = {m: problem.batch_cost(list(k)) for m, k in members.items()}
    groups, said, *_ = select_reduced(problem, members, cost, start, work=0.5, seed=0,
                                     time_limit=None)  # fmt: skip
    assert sorted(i for g in groups for i in g) == list(range(problem.size))
    assert problem.total(groups) <= problem.total(start) + 1e-6
    assert said["pool_bound"] <= problem.total(groups) + 1e-6


def _orders(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def test_fast_is_optimal_on_small_waves(single_block: Layout) -> None:
    """``Hybrid.fast()`` (no column generation: the ALNS's start, two searches
    and a dive between) equals the enumerated optimum on seeded waves of 4 to
    9 orders."""
    slotting = Slotting.identity(single_block)
    misses = []
    for case in range(40):
        rng = np.random.default_rng(3000 + case)
        orders = random_wave(single_block, int(rng.integers(4, 10)), rng)
        cart = Cart(max_items=int(rng.integers(14, 26)))
        problem, _ = prepare(single_block, slotting, orders, cart)
        best, _ = optimal_batching(problem.size, problem.fits, problem.batch_cost)
        ours = problem.total(Hybrid.fast().run(problem, seed=case).groups)
        assert ours >= best - 1e-6
        if ours > best + 1e-6:
            misses.append(case)
    assert not misses


def test_fast_scales_its_search_with_the_wave(problem) -> None:
    """The fast setting runs ``FAST_PER_ORDER`` rounds an order, dives over the
    joint pool, and never ends above its dive or its search; ``effort`` sets
    its rounds outright and keeps it warm (no column generation)."""
    from optimizer.batching.hybrid import FAST_PER_ORDER

    result = Hybrid.fast().run(problem, seed=2)
    assert result.detail["iterations"] == FAST_PER_ORDER * problem.size
    assert problem.total(result.groups) <= float(result.detail["redive_total"]) + 1e-6
    assert problem.total(result.groups) <= float(result.detail["search_total"]) + 1e-6
    assert "columns_rounds" not in result.detail
    short = Hybrid.fast().with_effort(300).run(problem, seed=2)
    assert short.detail["iterations"] == 300 and "columns_rounds" not in short.detail
    assert sorted(i for g in short.groups for i in g) == list(range(problem.size))


def test_searches_share_the_iterations_and_carry_over_with_effort(problem) -> None:
    """``searches`` searches (each followed by a selection) share the
    iterations; ``with_effort`` keeps their number; fewer than one is refused."""
    method = Hybrid(ColumnGeneration(rounds=2), iterations=150, searches=3)
    result = method.run(problem, seed=3)
    assert result.detail["searches"] == 3 and result.detail["iterations"] == 150
    assert problem.total(result.groups) <= float(result.detail["search_total"]) + 1e-6
    assert method.with_effort(90).searches == 3
    with pytest.raises(ValueError):
        Hybrid(searches=0)

"""The column-generation batcher: valid, reproducible, optimal on small waves."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.batching import Cart, ColumnGeneration, batch_orders, prepare
from optimizer.batching.columns import (
    CUTS_PER_ROUND,
    Pool,
    dive_candidates,
    dive_over,
    pair_savings,
    partition_tail,
    price,
)
from optimizer.batching.master import Relaxation, relax
from optimizer.layout import Layout
from optimizer.orders import Slotting
from tests.conftest import random_wave
from tests.naive import optimal_batching


@pytest.fixture(scope="module")
def problem(single_block: Layout):
    """50 random orders, carts of 20 units."""
    orders = random_wave(single_block, 50, np.random.default_rng(11))
    return prepare(single_block, Slotting.identity(single_block), orders, Cart(max_items=20))[0]


def test_every_order_once_and_no_batch_over_the_cart(single_block: Layout) -> None:
    """``batch_orders`` with ``"columns"`` covers each order once, every batch fits."""
    orders = random_wave(single_block, 45, np.random.default_rng(5))
    cart = Cart(max_items=18)
    result = batch_orders(single_block, Slotting.identity(single_block), orders, cart, "columns")
    batched = [o.id for b in result.batches for o in b.orders]
    assert sorted(batched) == sorted(o.id for o in orders)
    assert all(sum(o.items for o in b.orders) <= 18 for b in result.batches)
    assert result.method == "columns"


def test_same_seed_same_batches(problem) -> None:
    """The budget is work, not time: two runs give the same batches."""
    a = ColumnGeneration(rounds=4).run(problem, seed=3)
    b = ColumnGeneration(rounds=4).run(problem, seed=3)
    assert a.groups == b.groups


def test_never_worse_than_its_start(problem) -> None:
    """The result is at most the local-search start it reports."""
    result = ColumnGeneration(rounds=3).run(problem)
    assert problem.total(result.groups) <= float(result.detail["start_total"]) + 1e-6
    assert result.detail["rounds"] >= 1 and result.detail["columns"] > problem.size


def test_priced_columns_have_negative_reduced_cost(problem) -> None:
    """Every batch the pricing returns fits a cart and costs less than its orders' prices."""
    pool = Pool(problem)
    single, saving = pair_savings(pool)
    for i in range(problem.size):
        pool.keep((i,))
    lp = relax(np.ones(problem.size), list(pool.columns), np.array(list(pool.columns.values())))
    assert lp.duals == pytest.approx(single)  # singletons alone: each order pays its own tour
    found = price(pool, lp.duals, single, saving, beam=2, branch=4,
                  seeds=np.arange(problem.size))  # fmt: skip
    assert found
    for members, rc in found.items():
        assert pool.fits(members)
        assert rc == pytest.approx(problem.batch_cost(members) - single[list(members)].sum())
        assert rc < 0


def test_equals_the_enumerated_optimum_on_small_waves(single_block: Layout) -> None:
    """On 40 seeded waves of up to 9 orders, the partition is the enumerated optimum."""
    slotting = Slotting.identity(single_block)
    misses = []
    for case in range(40):
        rng = np.random.default_rng(2000 + case)
        orders = random_wave(single_block, int(rng.integers(4, 10)), rng)
        cart = Cart(max_items=int(rng.integers(14, 26)))
        problem, unassigned = prepare(single_block, slotting, orders, cart)
        assert not unassigned
        best, _ = optimal_batching(problem.size, problem.fits, problem.batch_cost)
        ours = problem.total(ColumnGeneration().run(problem, seed=case).groups)
        assert ours >= best - 1e-6, "better than optimal: the enumeration or scoring is wrong"
        if ours > best + 1e-6:
            misses.append((case, ours / best - 1))
    assert len(misses) <= 1, misses


def test_a_time_cap_is_reported(single_block: Layout) -> None:
    """A wall-clock cap that fires stops the rounds and says so; the result stays valid."""
    orders = random_wave(single_block, 80, np.random.default_rng(9))
    slotting, slow = Slotting.identity(single_block), ColumnGeneration(rounds=10**6)
    result = batch_orders(single_block, slotting, orders, Cart(max_items=20), slow, time_limit=0.3)
    assert result.detail["timed_out"] is True
    assert sorted(o.id for b in result.batches for o in b.orders) == sorted(o.id for o in orders)


def test_large_waves_are_split(single_block: Layout, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wave over ``CHUNK`` orders is batched in parts; every order still once."""
    import optimizer.batching.columns as columns

    monkeypatch.setattr(columns, "CHUNK", 20)
    orders = random_wave(single_block, 70, np.random.default_rng(4))
    problem = prepare(single_block, Slotting.identity(single_block), orders, Cart(max_items=20))[0]
    result = ColumnGeneration(rounds=2).run(problem)
    assert sorted(i for g in result.groups for i in g) == list(range(70))
    assert result.detail["parts"] == 4
    assert all(problem.fits(g) for g in result.groups)


@pytest.mark.parametrize(
    "bad",
    [
        {"rounds": -1},
        {"beam": 0},
        {"branch": 0},
        {"work": 0.0},
        {"cut_rounds": -1},
        {"expand": -0.5},
    ],
)
def test_bad_budgets_are_refused(bad: dict[str, float]) -> None:
    """Negative or empty budgets raise ValueError."""
    with pytest.raises(ValueError):
        ColumnGeneration(**bad)  # type: ignore[arg-type]


def test_the_tail_is_the_optimum_of_its_open_orders(single_block: Layout) -> None:
    """The end of a dive partitions the open orders exactly: over every batch
    of them, the enumerated optimum of those orders alone."""
    slotting = Slotting.identity(single_block)
    for case in range(6):
        rng = np.random.default_rng(300 + case)
        orders = random_wave(single_block, 9, rng)
        problem, _ = prepare(single_block, slotting, orders, Cart(max_items=18))
        open_ = np.ones(problem.size, dtype=bool)
        open_[rng.choice(problem.size, 3, replace=False)] = False
        idx = np.flatnonzero(open_).tolist()
        tail = partition_tail(Pool(problem), open_)
        assert tail is not None
        assert sorted(i for g in tail for i in g) == idx
        best, _ = optimal_batching(len(idx), _on(problem.fits, idx), _on(problem.batch_cost, idx))
        assert problem.total([list(g) for g in tail]) == pytest.approx(best)


def test_the_tail_waits_for_few_enough_batches(single_block: Layout) -> None:
    """With more open orders than ``TAIL_ORDERS``, the dive goes on (None)."""
    orders = random_wave(single_block, 30, np.random.default_rng(6))
    problem = prepare(single_block, Slotting.identity(single_block), orders, Cart(max_items=40))[0]
    assert partition_tail(Pool(problem), np.ones(problem.size, dtype=bool)) is None


def _on(f, idx: list[int]):
    """``f`` of a group of the orders ``idx`` given by their positions in ``idx``."""
    return lambda g: f([idx[i] for i in g])


def test_a_dive_over_a_pool_is_valid_and_reproducible(problem) -> None:
    """``dive_over`` from a column generation's pool: every order once, every
    batch fits, the given columns kept, equal seeds give equal batches."""
    _, columns = ColumnGeneration(rounds=2).solve(problem)
    first, kept = dive_over(problem, columns, rounds=2, dive_rounds=1, tries=1, seed=5)
    again, _ = dive_over(problem, columns, rounds=2, dive_rounds=1, tries=1, seed=5)
    assert first == again
    assert sorted(i for g in first for i in g) == list(range(problem.size))
    assert all(problem.fits(g) for g in first)
    assert set(columns) <= set(kept)


def test_dive_candidates_are_the_first_column_then_fractional_ones() -> None:
    """The plain dive's first column, then the fractional columns most taken
    first (ties by position); whole and unused columns open no dive."""
    lp = Relaxation(0.0, np.zeros(3), np.array([0.5, 1.0, 0.0, 0.3, 0.5, 1.0]))
    active = [(0,), (1,), (2,), (0, 2), (0, 1), (2,)]
    assert dive_candidates(lp, active, 10) == [1, 0, 4, 3]
    assert dive_candidates(lp, active, 2) == [1, 0]
    empty = Relaxation(0.0, np.zeros(1), np.zeros(2))
    assert dive_candidates(empty, [(0,), (0,)], 3) == []


def test_more_dives_are_valid_reproducible_and_never_worse(problem) -> None:
    """``dive_over`` with several dives: every order once, every batch fits,
    equal seeds give equal batches, and the best of them is at most the
    plain dive (its first)."""
    _, columns = ColumnGeneration(rounds=2).solve(problem)
    one, _ = dive_over(problem, columns, rounds=2, dive_rounds=1, tries=1, seed=5)
    many, kept = dive_over(problem, columns, rounds=2, dive_rounds=1, tries=1, seed=5, dives=3)
    again, _ = dive_over(problem, columns, rounds=2, dive_rounds=1, tries=1, seed=5, dives=3)
    assert many == again
    assert sorted(i for g in many for i in g) == list(range(problem.size))
    assert all(problem.fits(g) for g in many)
    assert problem.total(many) <= problem.total(one) + 1e-6
    assert set(columns) <= set(kept)


def test_subset_row_cuts_keep_the_batching_valid_and_reproducible(problem) -> None:
    """With cut rounds (compiled pricing) cuts are added, the batching covers
    every order once within the cart, and equal seeds give equal batches."""
    method = ColumnGeneration(rounds=4, dive_rounds=1, tries=1, cut_rounds=2)
    first, again = method.run(problem, seed=2), method.run(problem, seed=2)
    assert first.groups == again.groups
    assert sorted(i for g in first.groups for i in g) == list(range(problem.size))
    assert all(problem.fits(g) for g in first.groups)
    assert 0 < int(first.detail["cuts"]) <= 2 * CUTS_PER_ROUND  # type: ignore[call-overload]

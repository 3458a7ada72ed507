"""The compiled pricing and the column generation's quality setting: the
columns it returns are what it says, small waves are solved exactly, equal
seeds give equal batches."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optimizer.batching import Cart, ColumnGeneration, Hybrid, batch_orders, prepare
from optimizer.batching.columns import CompiledPricing, Pool, pair_savings
from optimizer.batching.master import partition
from optimizer.batching.pricing import best_partition, enumerate_batches
from optimizer.layout import Layout
from optimizer.orders import Slotting
from tests.conftest import random_wave
from tests.naive import optimal_batching


@pytest.fixture(scope="module")
def problem(single_block: Layout):
    """45 random orders, carts of 20 units: too many batches to enumerate."""
    orders = random_wave(single_block, 45, np.random.default_rng(21))
    return prepare(single_block, Slotting.identity(single_block), orders, Cart(max_items=20))[0]


def test_enumeration_lists_every_batch_that_fits_once() -> None:
    """Every subset within the limits, each once, members ascending; none over them."""
    rng = np.random.default_rng(3)
    loads = rng.integers(1, 6, size=(9, 2)).astype(float)
    cap = np.array([9.0, 11.0])
    ptr, val = enumerate_batches(loads, cap, 10_000)
    found = [tuple(val[ptr[b] : ptr[b + 1]].tolist()) for b in range(ptr.size - 1)]
    expected = [c for k in range(1, 10) for c in itertools.combinations(range(9), k)
                if np.all(loads[list(c)].sum(axis=0) <= cap)]  # fmt: skip
    assert sorted(found) == sorted(expected)
    assert len(set(found)) == len(found)
    assert all(list(c) == sorted(c) for c in found)


def test_enumeration_says_when_there_are_too_many() -> None:
    """Beyond ``limit`` batches it returns no batch at all (one pointer)."""
    ptr, val = enumerate_batches(np.ones((12, 1)), np.array([6.0]), 100)
    assert ptr.tolist() == [0] and val.size == 0


def test_priced_batches_fit_cost_what_they_say_and_are_negative(problem) -> None:
    """Each returned batch fits the cart, its cost is the exact tour's and its
    reduced cost under the given prices is below the threshold; none twice."""
    pool = Pool(problem)
    single, saving = pair_savings(pool)
    pricing = CompiledPricing(pool, single, saving, tries=2, width=6, seed=1)
    duals = single * 0.8  # each order pays most of its own tour: batching pays
    allowed = np.ones(problem.size, dtype=bool)
    found = pricing(duals, duals, allowed, [(0, 1), (2,)], below=-1e-6)
    assert found and pricing.evaluations > 0
    for members, rc in found.items():
        assert list(members) == sorted(set(members))
        assert pool.fits(members)
        assert pool.cost[members] == problem.batch_cost(members)
        assert rc == pytest.approx(problem.batch_cost(members) - duals[list(members)].sum())
        assert rc < -1e-6


def test_priced_batches_use_only_allowed_orders(problem) -> None:
    """Orders not allowed (fixed by the dive) join no batch."""
    pool = Pool(problem)
    single, saving = pair_savings(pool)
    allowed = np.arange(problem.size) % 3 != 0
    found = CompiledPricing(pool, single, saving, tries=2, width=6)(
        single, single, allowed, [], below=-1e-6
    )
    assert found
    assert all(allowed[list(m)].all() for m in found)


def test_equals_the_enumerated_optimum_on_small_waves(single_block: Layout) -> None:
    """On 60 seeded waves of 2 to 9 orders, every feasible batch is a column and
    the partition is the enumerated optimum, proven, with the relaxation as a bound."""
    slotting = Slotting.identity(single_block)
    for case in range(60):
        rng = np.random.default_rng(4000 + case)
        orders = random_wave(single_block, int(rng.integers(2, 10)), rng)
        cart = Cart(max_items=int(rng.integers(10, 30)))
        problem, unassigned = prepare(single_block, slotting, orders, cart)
        assert not unassigned
        best, _ = optimal_batching(problem.size, problem.fits, problem.batch_cost)
        result = ColumnGeneration.quality().run(problem, seed=case)
        assert problem.total(result.groups) == pytest.approx(best, abs=1e-6)
        assert result.detail["pricing"] == "enumerated"
        assert result.detail["wave_optimal"] is True
        assert float(result.detail["lower_bound"]) <= best + 1e-6


def test_quality_setting_is_valid_and_reproducible(problem) -> None:
    """The compiled pricing covers each order once within the cart; equal
    seeds give equal batches; it says what it did."""
    method = ColumnGeneration(rounds=4, dive_rounds=1, tries=2, width=6)
    a, b = method.run(problem, seed=5), method.run(problem, seed=5)
    assert a.groups == b.groups
    assert sorted(i for g in a.groups for i in g) == list(range(problem.size))
    assert all(problem.fits(g) for g in a.groups)
    assert a.detail["pricing"] == "compiled" and int(a.detail["pricing_evaluations"]) > 0
    assert "lower_bound" not in a.detail, "a heuristic pricing bounds the pool, not the wave"
    assert problem.total(a.groups) <= float(a.detail["start_total"]) + 1e-6


def test_hybrid_quality_is_a_named_method(single_block: Layout) -> None:
    """``batch_orders(..., "hybrid-quality")`` runs the quality setting."""
    orders = random_wave(single_block, 25, np.random.default_rng(8))
    cart = Cart(max_items=18)
    slotting = Slotting.identity(single_block)
    result = batch_orders(single_block, slotting, orders, cart, "hybrid-quality")
    assert result.method == "hybrid-quality" == Hybrid.quality().name
    assert sorted(o.id for b in result.batches for o in b.orders) == sorted(o.id for o in orders)
    assert all(sum(o.items for o in b.orders) <= 18 for b in result.batches)
    assert result.detail["columns_pricing"] in ("compiled", "enumerated")


@pytest.mark.parametrize("bad", [{"tries": -1}, {"width": 0}])
def test_bad_pricing_budgets_are_refused(bad: dict[str, int]) -> None:
    """A negative number of constructions or no order per step raise ValueError."""
    with pytest.raises(ValueError):
        ColumnGeneration(**bad)  # type: ignore[arg-type]


def test_highs_partition_over_every_batch_is_the_optimum(single_block: Layout) -> None:
    """HiGHS's MIP over every feasible batch of a small wave proves the enumerated optimum."""
    slotting = Slotting.identity(single_block)
    for case in range(5):
        rng = np.random.default_rng(700 + case)
        orders = random_wave(single_block, 8, rng)
        problem = prepare(single_block, slotting, orders, Cart(max_items=16))[0]
        pool = Pool(problem)
        ptr, val = enumerate_batches(pool.loads, pool.cap, 10_000)
        cols = [tuple(val[ptr[b] : ptr[b + 1]].tolist()) for b in range(ptr.size - 1)]
        costs = np.array(problem.batch_costs(cols))
        found = partition(problem.size, cols, costs, nodes=1_000)
        best, _ = optimal_batching(problem.size, problem.fits, problem.batch_cost)
        assert found.proven
        assert sorted(i for j in found.chosen for i in cols[j]) == list(range(problem.size))
        assert costs[found.chosen].sum() == pytest.approx(best, abs=1e-6)


def test_best_partition_over_every_batch_is_the_optimum(single_block: Layout) -> None:
    """The dynamic programme over subsets partitions a small wave like the
    enumeration: every order once, the enumerated optimum."""
    slotting = Slotting.identity(single_block)
    for case in range(5):
        rng = np.random.default_rng(900 + case)
        orders = random_wave(single_block, int(rng.integers(3, 10)), rng)
        problem = prepare(single_block, slotting, orders, Cart(max_items=16))[0]
        pool = Pool(problem)
        ptr, val = enumerate_batches(pool.loads, pool.cap, 10_000)
        cols = [tuple(val[ptr[b] : ptr[b + 1]].tolist()) for b in range(ptr.size - 1)]
        masks = np.array([sum(1 << i for i in c) for c in cols], dtype=np.int64)
        costs = np.array(problem.batch_costs(cols))
        chosen = best_partition(problem.size, masks, costs).tolist()
        best, _ = optimal_batching(problem.size, problem.fits, problem.batch_cost)
        assert sorted(i for j in chosen for i in cols[j]) == list(range(problem.size))
        assert costs[chosen].sum() == pytest.approx(best, abs=1e-6)


def test_expansion_records_every_negative_add_and_swap(problem) -> None:
    """Every batch one add or one one-for-one swap away from a recorded batch,
    fitting and of reduced cost below the threshold, is recorded (each once, at
    its exact cost). A budget of one tour still scores the first batch's whole
    neighbourhood (the budget is checked between batches); an unbounded one
    would expand every batch it records, minutes of tours here."""
    from numba import typed, types

    from optimizer.batching.pricing import _expand, _key

    pool = Pool(problem)
    n = problem.size
    duals = pair_savings(pool)[0] * 0.8
    allowed = np.ones(n, dtype=bool)
    ptr, idx = problem.node_csr
    tab, fi, ff = problem.cost.kernel
    nodes = len(problem.cost.layout.xy)
    start = (0, 5, 9)
    assert pool.fits(start)
    zob = np.random.default_rng(0).integers(1, 2**62, size=n)
    seen = typed.Dict.empty(types.int64, types.int64)
    seen[_key(np.array(start), 3, zob)] = 0
    out_val, out_ptr, out_cost = typed.List(start), typed.List([0, 3]), typed.List([pool(start)])
    below = -1e-6
    _expand(duals, duals, allowed, pool.loads, pool.cap, ptr, idx, tab, fi, ff,
            float(problem.tour_penalty), np.zeros(nodes + 1, dtype=np.int64),
            np.empty(nodes, dtype=np.int64), np.empty(n, dtype=np.int64),
            np.zeros(n, dtype=bool), below, seen, zob, out_val, out_ptr, out_cost,
            1.0, np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64))  # fmt: skip
    # Plain lists first: each item of a numba typed list costs a call from Python.
    vals, ptrs, costs = list(out_val), list(out_ptr), list(out_cost)
    found = {tuple(vals[ptrs[b] : ptrs[b + 1]]): costs[b] for b in range(len(costs))}
    assert len(found) == len(out_cost)
    for members, cost in found.items():
        assert cost == pytest.approx(pool(members))
        assert pool.fits(members)
    neighbours = [tuple(sorted((*start, j))) for j in range(n) if j not in start]
    neighbours += [tuple(sorted((*(o for o in start if o != d), j)))
                   for d in start for j in range(n) if j not in start]  # fmt: skip
    expected = {m for m in neighbours
                if pool.fits(m) and pool(m) - duals[list(m)].sum() < below}  # fmt: skip
    assert expected
    assert expected <= set(found)


def test_the_expansion_only_adds_negative_columns_that_fit(problem) -> None:
    """With ``expand`` the pricing returns what it returns without (the same
    constructions, the expansion runs after them) and more, each fitting the
    cart at its reduced cost below the threshold; its tours stay within the
    share (plus one batch's neighbourhood: the budget is checked between batches)."""
    pool = Pool(problem)
    single, saving = pair_savings(pool)
    duals = single * 0.8
    allowed = np.ones(problem.size, dtype=bool)
    plain = CompiledPricing(pool, single, saving, tries=1, width=4, seed=5)
    wide = CompiledPricing(pool, single, saving, tries=1, width=4, seed=5)
    base = plain(duals, duals, allowed, [], below=-1e-6)
    more = wide(duals, duals, allowed, [], below=-1e-6, expand=0.2)
    assert set(base) < set(more)
    for members, rc in more.items():
        assert pool.fits(members)
        assert rc == pytest.approx(problem.batch_cost(members) - duals[list(members)].sum())
        assert rc < -1e-6
    assert plain.evaluations < wide.evaluations <= 1.2 * plain.evaluations + 30 * problem.size


def test_a_converged_root_prices_until_dry(problem) -> None:
    """With the expansion and a high round cap the root stops because its
    pricing finds nothing, before the cap; the batching stays valid and equal
    seeds give equal batches."""
    method = ColumnGeneration(rounds=200, dive_rounds=1, tries=1, width=4, expand=0.2)
    first, again = method.run(problem, seed=1), method.run(problem, seed=1)
    assert first.detail["root_converged"] is True
    assert 0 < int(first.detail["root_rounds"]) < 200  # type: ignore[call-overload]
    assert first.groups == again.groups
    assert sorted(i for g in first.groups for i in g) == list(range(problem.size))
    assert all(problem.fits(g) for g in first.groups)

"""The compiled ALNS (optimizer.batching.alns_kernels through alns.compiled_search):
valid batchings, exact costs, a verified memo, and results that depend on the
work only."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from optimizer.batching import ALNS, Cart, batch_orders, prepare
from optimizer.batching import alns as alns_module
from optimizer.batching.alns import compiled_search, mask_of
from optimizer.batching.alns_kernels import (
    ANNEAL,
    C_ENTRIES,
    C_STORED,
    MEMO_BYTES,
    THRESHOLD,
    _must_grow,
)
from optimizer.batching.carts import LOAD_FIELDS
from optimizer.batching.savings import CompiledWave
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting
from tests.conftest import random_wave


@pytest.fixture(scope="module")
def problem(single_block: Layout):
    """70 random orders, carts of 18 units: a few dozen batches."""
    orders = random_wave(single_block, 70, np.random.default_rng(17))
    return prepare(single_block, Slotting.identity(single_block), orders, Cart(max_items=18))[0]


def singletons(n: int) -> list[list[int]]:
    return [[i] for i in range(n)]


def test_the_best_batching_is_a_valid_partition(problem) -> None:
    """Every order in exactly one batch, every batch within the cart."""
    found = compiled_search(problem, CompiledWave.of(problem), singletons(problem.size), 500)
    assert sorted(i for g in found.groups for i in g) == list(range(problem.size))
    assert all(problem.fits(g) for g in found.groups)
    assert found.iterations == 500 and not found.timed_out


def test_search_improves_on_its_start_and_reports_its_best_exactly(problem) -> None:
    """The best total found is the problem's own total of the returned batches (the
    kernel scores with the same DP), and no worse than the start."""
    start = singletons(problem.size)
    found = compiled_search(problem, CompiledWave.of(problem), start, 300, seed=2)
    total = problem.total(found.groups)
    assert total <= problem.total(start) + 1e-9
    assert found.trace[-1][2] == pytest.approx(total, abs=1e-6)
    assert found.scored > 0


def test_pool_columns_are_feasible_and_costed_exactly(problem) -> None:
    """The memo's columns are batches that fit, at their true objective, and hold the
    best batching (the selection's hint)."""
    found = compiled_search(problem, CompiledWave.of(problem), singletons(problem.size), 400,
                            seed=3, pool_size=200)  # fmt: skip
    pool = found.pool
    assert 0 < len(pool.members) <= 200 + len(found.groups)
    for mask, members in pool.members.items():
        assert mask == mask_of(members) and problem.fits(members)
        assert pool.cost[mask] == pytest.approx(problem.batch_cost(members), abs=1e-9)
    assert all(mask_of(g) in pool.members for g in found.groups)


def test_same_seed_same_batches_and_the_memo_size_changes_nothing(
    problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Equal seeds give equal batches; a memo that starts small and grows many
    times (its entries move) gives the same batches as a large one."""
    start = singletons(problem.size)
    wave = CompiledWave.of(problem)
    first = compiled_search(problem, wave, start, 400, seed=5).groups
    assert compiled_search(problem, wave, start, 400, seed=5).groups == first
    monkeypatch.setattr(alns_module, "MEMO_BITS", 1)  # 8 n slots: grows from the start
    assert compiled_search(problem, wave, start, 400, seed=5).groups == first


def test_a_cap_that_does_not_fire_changes_nothing(problem) -> None:
    """The wall-clock deadline is only checked, never part of the search."""
    start = singletons(problem.size)
    wave = CompiledWave.of(problem)
    free = compiled_search(problem, wave, start, 300, seed=6)
    capped = compiled_search(problem, wave, start, 300, seed=6, deadline=1e18)
    assert free.groups == capped.groups and not capped.timed_out


def test_every_capacity_dimension_is_respected(single_block: Layout) -> None:
    """With items, volume and weight limited, no batch exceeds any of them."""
    rng = np.random.default_rng(23)
    orders = [
        Order(o.id, tuple(OrderLine(line.sku, line.qty, unit_volume=float(rng.uniform(0.5, 3)),
                                    unit_weight=float(rng.uniform(0.1, 4))) for line in o.lines))
        for o in random_wave(single_block, 50, rng)
    ]  # fmt: skip
    cart = Cart(max_items=24, max_volume=40.0, max_weight=50.0)  # any one order fits
    result = batch_orders(single_block, Slotting.identity(single_block), orders, cart,
                          ALNS(iterations=400))  # fmt: skip
    assert result.detail["compiled"] is True
    assert sorted(o.id for b in result.batches for o in b.orders) == sorted(o.id for o in orders)
    for b in result.batches:
        assert cart.fits(np.array([b.load[k] for k in LOAD_FIELDS]))


def test_layouts_without_the_exact_dp_run_the_compiled_search(
    layouts: dict[str, Layout],
) -> None:
    """Off the exact DP's layouts the compiled search runs on the estimate kernel
    (``effort`` compiled rounds), and every order is in one batch."""
    layout = layouts["fishbone.json"]
    orders = random_wave(layout, 12, np.random.default_rng(29))
    result = batch_orders(layout, Slotting.identity(layout), orders, Cart(max_items=12),
                          effort=30)  # fmt: skip
    assert result.detail["compiled"] is True and result.detail["iterations"] == 30
    assert sorted(o.id for b in result.batches for o in b.orders) == sorted(o.id for o in orders)


def test_tours_scored_one_by_one_run_the_python_search(layouts: dict[str, Layout]) -> None:
    """Where no compiled kernel scores tours (here a routing method named for
    scoring), the ALNS batches with the Python search, and says so."""
    layout = layouts["fishbone.json"]
    orders = random_wave(layout, 12, np.random.default_rng(29))
    result = batch_orders(layout, Slotting.identity(layout), orders, Cart(max_items=12),
                          effort=30, scoring="nearest")  # fmt: skip
    assert result.detail["compiled"] is False and result.detail["iterations"] == 30
    assert sorted(o.id for b in result.batches for o in b.orders) == sorted(o.id for o in orders)


def test_soft_carts_still_return_batches_within_the_cart(problem) -> None:
    """With overfilling allowed during the search (a fifth of a cart, a cheap penalty),
    the best batching and every pool column still fit the cart."""
    found = compiled_search(problem, CompiledWave.of(problem), singletons(problem.size), 600,
                            seed=3, penalty=0.1, max_excess=0.2)  # fmt: skip
    assert sorted(i for g in found.groups for i in g) == list(range(problem.size))
    assert all(problem.fits(g) for g in found.groups)
    assert all(problem.fits(list(m)) for m in found.pool.members.values())


def test_hard_carts_are_the_soft_search_at_penalty_zero(problem) -> None:
    """``penalty=0`` never lets a repair overfill: ``max_excess`` then changes nothing."""
    wave, start = CompiledWave.of(problem), singletons(problem.size)
    runs = [compiled_search(problem, wave, start, 300, seed=4, penalty=0.0, max_excess=x).groups
            for x in (0.0, 0.3)]  # fmt: skip
    assert runs[0] == runs[1]


def test_lookups_at_once_find_what_one_by_one_finds(problem) -> None:
    """:func:`_known_pairs` (the repairs' look-up of many batches for one order, or
    many orders for one batch) finds the objectives and entries :func:`_known` finds,
    hits and misses alike."""
    from optimizer.batching.alns_kernels import _known, _known_pairs

    state = alns_module._CompiledState(problem, CompiledWave.of(problem),
                                       singletons(problem.size), 12, 0.05, 1.0, 0.05)  # fmt: skip
    state.run(seed=4, iterations=300)
    zob = state.wave[5]
    batch_of, size, hsh, perm = state.sol[0], state.sol[4], state.sol[7], state.sol[9]
    mkey, mval, moff, mcnt, _, store = state.memo
    arrays = (batch_of, size, hsh, zob, mkey, mval, moff, mcnt, store)
    batches = np.unique(batch_of)
    out_c, out_e = np.zeros(problem.size), np.zeros(problem.size, dtype=np.int64)
    hits = 0
    for o in range(problem.size):
        targets = batches[batches != batch_of[o]]
        _known_pairs(targets, 1, np.array([o]), 0, targets.size, *arrays, out_c, out_e)
        for j, b in enumerate(targets.tolist()):
            assert (out_c[j], out_e[j]) == _known(b, o, -1, *arrays)
            hits += out_e[j] >= 0
    assert 0 < hits < problem.size * batches.size  # both kinds were asked
    orders = np.arange(problem.size)
    b = int(perm[0])
    _known_pairs(np.array([b]), 0, orders, 1, orders.size, *arrays, out_c, out_e)
    for o in range(problem.size):
        if batch_of[o] != b:
            assert (out_c[o], out_e[o]) == _known(b, o, -1, *arrays)


@pytest.mark.parametrize("accept", [ANNEAL, THRESHOLD])
def test_either_acceptance_rule_gives_valid_repeatable_batchings(problem, accept: int) -> None:
    """Annealing and threshold accepting: a partition within the carts, no worse than
    the start, the same for the same seed."""
    wave, start = CompiledWave.of(problem), singletons(problem.size)
    found = compiled_search(problem, wave, start, 400, seed=4, accept=accept)
    assert sorted(i for g in found.groups for i in g) == list(range(problem.size))
    assert all(problem.fits(g) for g in found.groups)
    assert problem.total(found.groups) <= problem.total(start) + 1e-9
    assert compiled_search(problem, wave, start, 400, seed=4, accept=accept).groups == found.groups


def test_auto_searches_with_threshold_accepting(problem, monkeypatch: pytest.MonkeyPatch) -> None:
    """ALNS's compiled search accepts worse batchings by threshold; the other callers'
    default stays annealing."""
    rules: list[int] = []
    real = alns_module.compiled_search

    def spy(*args: Any, **kwargs: Any) -> Any:
        rules.append(kwargs["accept"])
        return real(*args, **kwargs)

    monkeypatch.setattr(alns_module, "compiled_search", spy)
    ALNS(iterations=200, selection_work=0).run(problem, seed=1)
    assert rules == [THRESHOLD]
    monkeypatch.undo()
    found = compiled_search(problem, CompiledWave.of(problem), singletons(problem.size), 300,
                            seed=2)  # fmt: skip
    same = compiled_search(problem, CompiledWave.of(problem), singletons(problem.size), 300,
                           seed=2, accept=ANNEAL)  # fmt: skip
    assert found.groups == same.groups


def test_the_memo_stops_doubling_at_its_bound() -> None:
    """A half-full memo doubles while it stays within ``MEMO_BYTES``, and not beyond:
    table entries take 40 bytes, stored members 8, each part at most half the bound."""
    count = np.zeros(8, dtype=np.int64)
    small = 1 << 14
    count[C_ENTRIES] = small // 2 + 1
    assert _must_grow(small, 1 << 20, count)  # the table is half full and small
    big = 1 << 23  # 2 * big * 40 bytes is over half the bound
    assert 2 * big * 40 > MEMO_BYTES // 2
    count[C_ENTRIES] = big // 2 + 1
    assert not _must_grow(big, 1 << 20, count)
    count[C_ENTRIES] = 0
    count[C_STORED] = (1 << 20) // 2 + 1
    assert _must_grow(small, 1 << 20, count)  # the store is half used and small
    slots = MEMO_BYTES // 16 + 1  # 2 * slots * 8 bytes is over half the bound
    count[C_STORED] = slots // 2 + 1
    assert not _must_grow(small, slots, count)

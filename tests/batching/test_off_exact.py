"""Batching off the exact DP's layouts: the compiled loops (savings, descent,
the ALNS's search, bulk) score tours with the estimate kernel on the oracle's
matrix (``optimizer.routing.scoring``), with the problem's own objective."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.batching import BATCHERS, Cart, batch_orders, prepare
from optimizer.batching.alns import compiled_search
from optimizer.batching.carts import LOAD_FIELDS
from optimizer.batching.local_search import LocalSearch, compiled_descent
from optimizer.batching.problem import BatchingProblem
from optimizer.batching.savings import CompiledWave
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting
from tests.conftest import random_wave

CART = Cart(max_items=20, max_volume=30.0, max_weight=40.0)


def _orders(layout: Layout, n: int, seed: int) -> list[Order]:
    """Random orders with unit volumes and weights, so that every cart limit binds."""
    rng = np.random.default_rng(seed)
    return [
        Order(o.id, tuple(OrderLine(line.sku, line.qty, unit_volume=float(rng.uniform(0.5, 3)),
                                    unit_weight=float(rng.uniform(0.1, 4))) for line in o.lines))
        for o in random_wave(layout, n, rng)
    ]  # fmt: skip


def _problem(layout: Layout, n: int, seed: int) -> BatchingProblem:
    problem, unassigned = prepare(layout, Slotting.identity(layout), _orders(layout, n, seed),
                                  CART, tour_penalty=144.0)  # fmt: skip
    assert not unassigned
    return problem


def _partition(problem: BatchingProblem, groups: list[list[int]]) -> None:
    """Every order in exactly one group, and every group within every cart limit."""
    assert sorted(i for g in groups for i in g) == list(range(problem.size))
    for g in groups:
        assert g and problem.fits(g)


@pytest.mark.parametrize("method", ["auto", "savings", "local-search", "bulk"])
def test_every_order_once_and_every_cart_respected(
    layouts: dict[str, Layout], method: str
) -> None:
    """On the fishbone each compiled method puts every order in one batch and no
    batch over the cart's items, volume or weight."""
    layout = layouts["fishbone.json"]
    orders = _orders(layout, 70, 1)
    result = batch_orders(layout, Slotting.identity(layout), orders, CART, method,
                          effort=30 if method in ("auto", "local-search") else None)  # fmt: skip
    assert not result.unassigned
    ids = [o.id for b in result.batches for o in b.orders]
    assert sorted(ids) == sorted(o.id for o in orders)
    for b in result.batches:
        assert CART.fits(np.array([b.load[k] for k in LOAD_FIELDS]))


def test_the_compiled_paths_run_off_the_exact_dp(layouts: dict[str, Layout]) -> None:
    """The fishbone's problem has a compiled wave scored by the estimate, and the
    ALNS and the local search's first descent say they ran compiled."""
    problem = _problem(layouts["fishbone.json"], 50, 2)
    wave = CompiledWave.of(problem, estimate=True)
    assert wave is not None and not wave.exact and problem.cost.kernel is None
    assert BATCHERS["alns"].with_effort(10).run(problem).detail["compiled"] is True
    assert LocalSearch(kicks=0).run(problem).detail["compiled"] is True


def test_the_exact_layouts_keep_the_python_descent(single_block: Layout) -> None:
    """Where the exact DP scores batches the local search's descent stays the
    Python one (moves, swaps and re-splits)."""
    problem, _ = prepare(single_block, Slotting.identity(single_block),
                         random_wave(single_block, 30, np.random.default_rng(3)),
                         Cart(max_items=20))  # fmt: skip
    wave = CompiledWave.of(problem, estimate=True)
    assert wave is not None and wave.exact
    assert LocalSearch(kicks=0).run(problem).detail["compiled"] is False


def test_the_same_seed_gives_the_same_batches(layouts: dict[str, Layout]) -> None:
    """Equal input and seed give equal batches through the compiled search."""
    layout = layouts["fishbone.json"]
    orders = _orders(layout, 60, 4)

    def groups(seed: int) -> list[list[str]]:
        result = batch_orders(layout, Slotting.identity(layout), orders, CART, effort=200,
                              seed=seed)  # fmt: skip
        return [[o.id for o in b.orders] for b in result.batches]

    assert groups(5) == groups(5)


def test_compiled_batch_costs_are_the_problems_objective(layouts: dict[str, Layout]) -> None:
    """The compiled loops' objective of a batch (tour estimate plus the tour
    penalty) is ``batch_cost``'s to the last bit, memo or not."""
    problem = _problem(layouts["fishbone.json"], 40, 5)
    rng = np.random.default_rng(6)
    groups = [sorted(rng.choice(problem.size, int(rng.integers(1, 6)), replace=False).tolist())
              for _ in range(30)]  # fmt: skip
    expected = [problem.batch_cost(g) for g in groups]
    assert problem.batch_costs(groups) == expected
    assert problem.batch_costs(groups) == expected  # now from the memo


def test_the_compiled_descent_never_worsens_its_start(layouts: dict[str, Layout]) -> None:
    """From one order per batch the descent keeps a valid partition, changes
    something and lowers the problem's own total."""
    problem = _problem(layouts["fishbone.json"], 40, 7)
    wave = CompiledWave.of(problem, estimate=True)
    assert wave is not None
    start = [[i] for i in range(problem.size)]
    groups, spent, changes = compiled_descent(problem, wave, start)
    _partition(problem, groups)
    assert spent > 0 and changes > 0
    assert problem.total(groups) < problem.total(start)


def test_the_compiled_search_measures_the_problems_total(layouts: dict[str, Layout]) -> None:
    """The compiled ALNS's best total on the estimate is ``problem.total`` of the
    batches it returns, and never above its start's."""
    problem = _problem(layouts["fishbone.json"], 40, 8)
    wave = CompiledWave.of(problem, estimate=True)
    assert wave is not None
    start = LocalSearch(kicks=0).run(problem).groups
    found = compiled_search(problem, wave, start, 300, seed=1)
    _partition(problem, found.groups)
    assert found.trace[-1][2] == pytest.approx(problem.total(found.groups), abs=1e-6)
    assert problem.total(found.groups) <= problem.total(start) + 1e-9


def test_hybrid_fast_off_the_exact_dp(layouts: dict[str, Layout]) -> None:
    """Off the exact DP the fast hybrid searches with the estimate, skips the
    dive (it needs the exact DP's pricing), and respects every cart limit."""
    problem = _problem(layouts["fishbone.json"], 40, 6)
    result = BATCHERS["hybrid-fast"].with_effort(200).run(problem, seed=1)
    _partition(problem, result.groups)
    assert result.detail["compiled"] is True and "redive_total" not in result.detail

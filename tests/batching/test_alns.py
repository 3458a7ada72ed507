"""The ALNS batcher: its work budget, its pool, its reports."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.batching import ALNS, Cart, batch_orders, prepare
from optimizer.batching.alns import SELECTION_FROM, search
from optimizer.layout import Layout
from optimizer.orders import Slotting
from tests.conftest import random_wave


@pytest.fixture(scope="module")
def problem(single_block: Layout):
    """60 random orders, carts of 20 units."""
    orders = random_wave(single_block, 60, np.random.default_rng(7))
    return prepare(single_block, Slotting.identity(single_block), orders, Cart(max_items=20))[0]


def test_search_never_ends_worse_than_its_start(problem) -> None:
    """The best batching of the search is no longer than the batching it starts from."""
    start = [[i] for i in range(problem.size)]
    found = search(problem, start, 200, seed=1)
    assert problem.total(found.groups) <= problem.total(start) + 1e-9
    assert found.iterations == 200 and not found.timed_out


def test_pool_holds_the_best_batching(problem) -> None:
    """Every batch of the search's best batching is a column of its pool."""
    found = search(problem, [[i] for i in range(problem.size)], 100, seed=2)
    columns = set(found.pool.members.values())
    assert all(tuple(sorted(g)) in columns for g in found.groups)


def test_selection_and_polish_are_never_worse_than_the_search(problem) -> None:
    """The result is at most the search's best, and the detail says what each step saved."""
    result = ALNS(iterations=SELECTION_FROM).run(problem, seed=3)
    total = problem.total(result.groups)
    d = result.detail
    assert d["iterations"] == SELECTION_FROM
    assert d["selection_gain"] >= 0 and d["polish_gain"] >= 0
    assert float(d["search_total"]) - total == pytest.approx(
        float(d["selection_gain"]) + float(d["polish_gain"]), abs=1e-5
    )
    assert isinstance(d["pool_optimal"], bool)


def test_a_short_search_is_not_followed_by_a_selection(problem) -> None:
    """Below ``SELECTION_FROM`` rounds the pool is one short walk: no selection runs,
    and the polish alone accounts for the difference to the search's best."""
    d = ALNS(iterations=SELECTION_FROM - 1).run(problem, seed=3).detail
    assert "selection_gain" not in d and "pool_optimal" not in d
    assert d["iterations"] == SELECTION_FROM - 1


def test_a_time_cap_is_reported(single_block: Layout) -> None:
    """A wall-clock cap that fires stops the search and says so."""
    orders = random_wave(single_block, 80, np.random.default_rng(9))
    result = batch_orders(single_block, Slotting.identity(single_block), orders,
                          Cart(max_items=20), ALNS(iterations=10**7), time_limit=0.2)  # fmt: skip
    assert result.detail["timed_out"] is True
    assert result.detail["iterations"] < 10**7
    assert sorted(o.id for b in result.batches for o in b.orders) == sorted(o.id for o in orders)


def test_more_work_is_no_worse(problem) -> None:
    """A larger budget with the same seed continues the same search: never longer."""
    short = problem.total(ALNS(iterations=100, selection_work=0).run(problem, seed=5).groups)
    long = problem.total(ALNS(iterations=400, selection_work=0).run(problem, seed=5).groups)
    assert long <= short + 1e-6


@pytest.mark.parametrize("kwargs", [{"iterations": -1}, {"selection_work": -0.5}])
def test_bad_budgets_are_rejected(kwargs: dict) -> None:
    """Negative budgets raise ValueError."""
    with pytest.raises(ValueError):
        ALNS(**kwargs)

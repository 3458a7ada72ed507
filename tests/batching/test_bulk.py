"""Big-wave batching: the compiled savings and descent, and the ``auto`` size rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from optimizer.batching import BATCHERS, Cart, api, batch_orders, prepare
from optimizer.batching.bulk import BulkBatching
from optimizer.batching.kernels import descend
from optimizer.batching.problem import BatchingProblem
from optimizer.batching.savings import (
    COMPILED_FROM,
    CompiledWave,
    Savings,
    compiled_savings,
    groups_of,
    python_savings,
)
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.routing import RoutingProblem
from optimizer.routing.exact import EXACT
from optimizer.synthetic import large_wave
from tests.conftest import random_wave


@pytest.fixture(scope="module")
def wave(single_block: Layout) -> BatchingProblem:
    slotting, orders = large_wave(single_block, 600, seed=4)
    problem, unassigned = prepare(single_block, slotting, orders, Cart(max_items=45),
                                  tour_penalty=144.0)  # fmt: skip
    assert not unassigned
    return problem


def assert_partition(problem: BatchingProblem, groups: list[list[int]]) -> None:
    """Every order in exactly one batch, no batch over the cart."""
    assert sorted(i for g in groups for i in g) == list(range(problem.size))
    assert all(g and problem.fits(g) for g in groups)


def test_compiled_costs_equal_the_problem_objective(wave: BatchingProblem) -> None:
    """The compiled loop and the memoised evaluator give the same objective, to the bit."""
    groups = BATCHERS["fcfs"].run(wave).groups + [[0, 5, 9], [], [17]]
    assert wave.batch_costs(groups) == [wave.batch_cost(g) for g in groups]


def test_tour_cost_calls_the_kernel_as_the_router_does(wave: BatchingProblem) -> None:
    """The evaluator's direct kernel call equals ``EXACT.length``."""
    cost = wave.cost
    for g in ([0], [1, 2, 3], list(range(40, 52))):
        nodes = wave.union(g)
        problem = RoutingProblem(cost.layout, cost.oracle, np.array(nodes), cost.start, cost.end)
        assert cost(nodes) == EXACT.length(problem)


def test_bulk_is_a_deterministic_partition_that_beats_fcfs(wave: BatchingProblem) -> None:
    first = BulkBatching().run(wave)
    assert_partition(wave, first.groups)
    assert first.detail["compiled"] is True
    assert BulkBatching().run(wave).groups == first.groups
    fcfs = wave.total(BATCHERS["fcfs"].run(wave).groups)
    assert wave.total(first.groups) < 0.7 * fcfs


def test_descent_only_improves_the_savings(wave: BatchingProblem) -> None:
    """The descent starts from the savings batches and keeps only improving changes."""
    savings = BulkBatching(evaluations=0).run(wave)
    descended = BulkBatching().run(wave)
    assert savings.detail["changes"] == 0
    assert descended.detail["changes"] > 0
    assert wave.total(descended.groups) < wave.total(savings.groups) - 1.0


def test_what_the_descent_remembers_changes_nothing_but_the_work(wave: BatchingProblem) -> None:
    """Moves and swaps the descent skips because their batches did not change
    since a scan found nothing in them could not improve: remembering gives
    the same batches with fewer evaluations."""
    w = CompiledWave.of(wave)
    assert w is not None
    start, _ = compiled_savings(wave, w)
    args = (w.ptr, w.idx, w.loads, w.cap, w.near, start, w.penalty, w.tab, w.fi, w.ff,
            w.n_nodes, 10**9, 10)  # fmt: skip
    remembered, spent, changes = descend(*args, True)
    plain, spent_plain, changes_plain = descend(*args, False)
    assert changes > 0 and changes == changes_plain
    assert remembered.tolist() == plain.tolist()
    assert spent < spent_plain


def test_a_small_budget_stops_the_descent_early(wave: BatchingProblem) -> None:
    small = BulkBatching(evaluations=2).run(wave)
    assert_partition(wave, small.groups)
    assert small.detail["evaluations"] < BulkBatching().run(wave).detail["evaluations"]


def test_savings_leaves_no_two_batches_that_fit_one_cart(single_block: Layout) -> None:
    """With a per-tour penalty every feasible merge saves; the leftover rounds over
    the open batches take them all when there are few open batches."""
    slotting, orders = large_wave(single_block, 400, seed=2)
    problem, _ = prepare(single_block, slotting, orders, Cart(max_items=45), tour_penalty=144.0)
    wave = CompiledWave.of(problem)
    assert wave is not None
    groups = groups_of(compiled_savings(problem, wave)[0])
    assert_partition(problem, groups)
    loads = [problem.load(g) for g in groups]
    pairs = [(a, b) for a in range(len(groups)) for b in range(a)
             if problem.cart.fits(loads[a] + loads[b])]  # fmt: skip
    assert pairs == []


def test_savings_is_compiled_above_its_size(single_block: Layout) -> None:
    """Up to ``COMPILED_FROM`` orders the Python loop batches (every pair a
    candidate); above, the compiled loops, which say what they did."""
    cart = Cart(max_items=45)
    for n, compiled in ((COMPILED_FROM, False), (COMPILED_FROM + 1, True)):
        problem, _ = prepare(single_block, *large_wave(single_block, n, seed=5), cart)
        result = Savings().run(problem)
        assert_partition(problem, result.groups)
        assert ("merges" in result.detail) is compiled
        if not compiled:
            assert result.groups == python_savings(problem)


def test_compiled_savings_is_a_function_of_its_problem(single_block: Layout) -> None:
    """Nothing carries from one call to the next: a wave batched before and after
    another wave, and on a fresh tour memo, gets the same batches."""
    cart = Cart(max_items=45)
    one, _ = prepare(single_block, *large_wave(single_block, 90, seed=6), cart, tour_penalty=144.0)
    other, _ = prepare(single_block, *large_wave(single_block, 150, seed=7), cart)

    def batches(problem: BatchingProblem) -> list[list[int]]:
        wave = CompiledWave.of(problem)
        assert wave is not None
        return groups_of(compiled_savings(problem, wave)[0])

    first = batches(one)
    batches(other)
    assert batches(one) == first
    again, _ = prepare(single_block, *large_wave(single_block, 90, seed=6), cart,
                       tour_penalty=144.0)  # fmt: skip
    assert batches(again) == first


def test_off_the_exact_dp_the_loops_run_on_the_estimate(layouts: dict[str, Layout]) -> None:
    """Off the exact DP's layouts the compiled savings and descent score tours
    with the estimate kernel, and their objective is the problem's own."""
    layout = layouts["fishbone.json"]
    orders = random_wave(layout, 60, np.random.default_rng(1))
    problem, _ = prepare(layout, Slotting.identity(layout), orders, Cart(max_items=20),
                         tour_penalty=144.0)  # fmt: skip
    assert problem.cost.kernel is None and CompiledWave.of(problem) is None
    wave = CompiledWave.of(problem, estimate=True)
    assert wave is not None and not wave.exact
    assert_partition(problem, Savings().run(problem).groups)
    result = BulkBatching().run(problem)
    assert_partition(problem, result.groups)
    assert result.detail["compiled"] is True


def test_tours_scored_one_by_one_run_in_python(layouts: dict[str, Layout]) -> None:
    """Where no compiled kernel scores tours (a routing method named for
    scoring), the Python savings and descent run instead."""
    layout = layouts["fishbone.json"]
    orders = random_wave(layout, 60, np.random.default_rng(1))
    problem, _ = prepare(layout, Slotting.identity(layout), orders, Cart(max_items=20),
                         scoring="nearest")  # fmt: skip
    assert CompiledWave.of(problem, estimate=True) is None
    assert_partition(problem, Savings().run(problem).groups)
    result = BulkBatching().run(problem)
    assert_partition(problem, result.groups)
    assert result.detail["compiled"] is False


def test_auto_runs_bulk_above_the_large_wave_size(
    single_block: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    slotting, orders = large_wave(single_block, 120, seed=3)
    cart = Cart(max_items=45)
    assert batch_orders(single_block, slotting, orders, cart, effort=5).method == "alns"
    monkeypatch.setattr(api, "LARGE_WAVE", 100)
    result = batch_orders(single_block, slotting, orders, cart, effort=5)
    assert result.method == "bulk"
    assert sorted(o.id for b in result.batches for o in b.orders) == sorted(o.id for o in orders)


def test_auto_stays_the_alns_off_the_exact_layouts(
    layouts: dict[str, Layout], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the exact DP's kernel the bulk path has no compiled loops: ``auto``
    keeps the ALNS (and its effort) on big waves there."""
    layout = layouts["fishbone.json"]
    orders = random_wave(layout, 30, np.random.default_rng(2))
    monkeypatch.setattr(api, "LARGE_WAVE", 10)
    result = batch_orders(layout, Slotting.identity(layout), orders, Cart(max_items=20), effort=3)
    assert result.method == "alns"


_NO_JIT_SCRIPT = """
import json
from optimizer import Cart, Layout
from optimizer.batching import prepare
from optimizer.batching.bulk import BulkBatching
from optimizer.batching.kernels import descend
from optimizer.synthetic import large_wave
layout = Layout.from_file("layouts/single_block.toml")
slotting, orders = large_wave(layout, 80, seed=1)
problem, _ = prepare(layout, slotting, orders, Cart(max_items=45), tour_penalty=144.0)
print(json.dumps(BulkBatching().run(problem).groups))
"""


def test_kernels_without_jit(single_block: Layout) -> None:
    """With NUMBA_DISABLE_JIT=1 the savings and descent run as Python and give
    the compiled loops' batches."""
    done = subprocess.run(
        [sys.executable, "-c", _NO_JIT_SCRIPT],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "NUMBA_DISABLE_JIT": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    slotting, orders = large_wave(single_block, 80, seed=1)
    problem, _ = prepare(single_block, slotting, orders, Cart(max_items=45), tour_penalty=144.0)
    assert json.loads(done.stdout) == BulkBatching().run(problem).groups

"""Benchmarks of batching and wave planning: fixed, deterministic work.

Run with ``make bench`` (``pytest benches --benchmark-enable --benchmark-only``).
``batch_orders`` with every method on the generated Henn & Wäscher instance
``henn_instance(60, 45, "abc", seed=1)`` (each call builds its problem, so the
route cache starts empty every round), and ``plan_wave`` on a 100-order
``large_wave`` of ``layouts/single_block.toml``. Searches run their default
budgets with a fixed seed and no time limit, so every round
does the same work (the ALNS a fixed number of iterations and a deterministic
selection budget). Kernels are compiled and warmed before any timing.
Without ``--benchmark-enable`` each case runs once, as a smoke test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from optimizer.batching import AUTO, METHODS, Cart, batch_orders
from optimizer.distance import DistanceOracle
from optimizer.layout import Layout
from optimizer.orders import Order, Slotting
from optimizer.synthetic import henn_instance, large_wave
from optimizer.waves import WavePolicy, plan_wave

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"

Instance = tuple[Layout, Slotting, list[Order], Cart, DistanceOracle]


@pytest.fixture(scope="module")
def henn() -> Instance:
    """60 orders, capacity 45, ABC storage; kernels warmed with every method."""
    layout, slotting, orders, cart = henn_instance(60, 45, "abc", seed=1)
    oracle = DistanceOracle.for_layout(layout)
    oracle.warm_up()
    for method in METHODS:
        batch_orders(layout, slotting, orders[:20], cart, method, oracle=oracle)
    return layout, slotting, orders, cart, oracle


@pytest.fixture(scope="module")
def wave() -> Instance:
    """100 orders of ``large_wave`` on the single-block layout, ``Cart(max_items=45)``."""
    layout = Layout.from_file(LAYOUTS / "single_block.toml")
    oracle = DistanceOracle.for_layout(layout)
    oracle.warm_up()
    cart = Cart(max_items=45)
    slotting, orders = large_wave(layout, 20, seed=0)
    plan_wave(layout, slotting, orders, cart, oracle=oracle)
    slotting, orders = large_wave(layout, 100, seed=1)
    return layout, slotting, orders, cart, oracle


@pytest.mark.parametrize("method", METHODS)
def test_batch_orders_henn_60(benchmark: Any, henn: Instance, method: str) -> None:
    """``batch_orders`` on 60 orders (about 900 articles) with one method."""
    layout, slotting, orders, cart, oracle = henn
    result = benchmark(batch_orders, layout, slotting, orders, cart, method, oracle=oracle)
    assert not result.unassigned
    assert result.scoring == "exact"
    assert sorted(o.id for b in result.batches for o in b.orders) == sorted(o.id for o in orders)
    assert result.method == (AUTO if method == "auto" else method)
    assert not result.detail.get("timed_out", False)


def test_plan_wave_100(benchmark: Any, wave: Instance) -> None:
    """``plan_wave`` on 100 orders: batching, final routes, pick lists, KPIs."""
    layout, slotting, orders, cart, oracle = wave
    plan = benchmark(plan_wave, layout, slotting, orders, cart, WavePolicy(), oracle=oracle)
    assert plan.kpis.assigned_orders == 100
    assert plan.kpis.saving_vs_fcfs_pct > 0

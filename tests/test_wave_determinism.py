"""One wave on a graph-tier layout, planned ten times while other processes
keep both cores busy, gives one plan: batching (``effort``) and final routes
(the local search's kicks) are budgeted in work, with wall time only as a
safety cap that does not fire."""

from __future__ import annotations

import subprocess
import sys

import pytest

from optimizer.batching import Cart
from optimizer.layout import Layout
from optimizer.synthetic import large_wave
from optimizer.waves import WavePlan, WavePolicy, plan_wave
from tests.conftest import LAYOUTS

# A busy process for at most 30 s: bounded even if the test dies before its
# ``finally``; the test kills it as soon as its runs are done.
_BURN = "import time\nend = time.monotonic() + 30\nwhile time.monotonic() < end:\n    pass\n"


def fingerprint(plan: WavePlan) -> tuple[object, ...]:
    """Everything a picker sees of a plan: batches, stops in order, distances."""
    return tuple(
        (tuple(o.id for o in b.orders), b.route.stops, b.route.method, round(b.distance, 9))
        for b in plan.batches
    )


@pytest.mark.parametrize(("file", "n"), [("obstacles.json", 20), ("fishbone.json", 60)])
def test_ten_runs_under_load_give_one_plan_on_a_graph_layout(file: str, n: int) -> None:
    """Graph-tier layouts (estimate scoring in compiled loops, local-search final
    routes), 20 and 60 orders (the Python savings and the compiled one), a 60 s
    cap: ten runs while two busy processes run beside them give one plan, and
    no cap fired."""
    layout = Layout.from_file(LAYOUTS / file)
    slotting, orders = large_wave(layout, n, seed=5)
    policy = WavePolicy(effort=20, seed=3, time_limit=60.0)
    cart = Cart(max_items=45)
    plan_wave(layout, slotting, orders[:5], cart, policy)  # kernels compiled before the load
    burners = [subprocess.Popen([sys.executable, "-c", _BURN]) for _ in range(2)]
    try:
        plans = [plan_wave(layout, slotting, orders, cart, policy) for _ in range(10)]
    finally:
        for p in burners:
            p.kill()
            p.wait()
    assert len({fingerprint(p) for p in plans}) == 1
    assert not any(p.kpis.batching_capped or p.kpis.routes_capped for p in plans)
    assert plans[0].kpis.routing_methods == ("local-search",)


def test_a_cap_that_fires_on_final_routes_is_reported() -> None:
    """A per-route cap too short for any kick stops the final routes' searches
    (``stopped_by == "time-cap"``), and the KPIs say the routes were capped;
    the batching's own cap did not fire."""
    layout = Layout.from_file(LAYOUTS / "obstacles.json")
    slotting, orders = large_wave(layout, 20, seed=5)
    policy = WavePolicy(effort=5, route_time_limit=1e-9)
    plan = plan_wave(layout, slotting, orders, Cart(max_items=45), policy, baselines=False)
    searched = [b for b in plan.batches if not b.route.optimal]  # above Held-Karp's range
    assert searched and all(b.route.detail["stopped_by"] == "time-cap" for b in searched)
    assert plan.kpis.routes_capped and not plan.kpis.batching_capped

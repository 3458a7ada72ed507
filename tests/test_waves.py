"""plan_wave and release_waves: complete plans, consistent KPIs, ordered releases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from optimizer.batching import Cart
from optimizer.errors import PickoptError
from optimizer.layout import Layout
from optimizer.orders import Order, OrderError, OrderLine, Slotting
from optimizer.synthetic import large_wave
from optimizer.waves import WavePolicy, plan_wave, release_waves
from tests.conftest import LAYOUTS, random_wave


@pytest.fixture(scope="module")
def plan(single_block: Layout):
    """A 40-order wave with one bad order, planned with default settings."""
    rng = np.random.default_rng(2)
    orders = random_wave(single_block, 40, rng)
    orders.append(Order("ghost", (OrderLine("no-such-sku"),)))
    return plan_wave(single_block, Slotting.identity(single_block), orders, Cart(max_items=20))


def test_every_order_is_planned_or_reported(plan) -> None:
    """Each order is in exactly one batch or in unassigned with a reason."""
    ids = [o.id for b in plan.batches for o in b.orders] + [u.order_id for u in plan.unassigned]
    assert sorted(ids) == sorted([f"o{k}" for k in range(40)] + ["ghost"])
    assert plan.unassigned[0].order_id == "ghost" and "no-such-sku" in plan.unassigned[0].reason


def test_steps_cover_every_line_in_walking_order(plan) -> None:
    """A batch's pick list has one step per order line, by distance walked."""
    for b in plan.batches:
        assert len(b.steps) == sum(len(o.lines) for o in b.orders)
        walked = [s.distance_m for s in b.steps]
        assert walked == sorted(walked)
        assert walked[-1] <= b.distance + 1e-9
        assert [s.bin for s in b.steps][0] in b.route.stops


def test_kpis_add_up(plan) -> None:
    """Total distance is the sum of route distances, and the savings are consistent."""
    k = plan.kpis
    assert k.total_distance_m == pytest.approx(sum(b.distance for b in plan.batches), abs=1e-3)
    assert k.batches == len(plan.batches)
    assert k.total_distance_m <= k.fcfs_distance_m <= k.single_order_distance_m
    assert k.saving_vs_fcfs_pct == pytest.approx(
        100 * (1 - k.total_distance_m / k.fcfs_distance_m), abs=0.01
    )


def test_routes_are_exact_and_time_is_estimated(plan) -> None:
    """On the standard warehouse every tour is routed optimally and timed."""
    policy = WavePolicy()
    for b in plan.batches:
        assert b.route.method == "exact" and b.route.optimal
        lines = sum(len(o.lines) for o in b.orders)
        assert b.time_s == pytest.approx(policy.tour_time(b.distance, lines))


def test_cluster_picking_puts_totes_on_steps(single_block: Layout) -> None:
    """In cluster picking each step names its order's tote, and totes are not shared."""
    rng = np.random.default_rng(4)
    orders = random_wave(single_block, 20, rng)
    plan = plan_wave(single_block, Slotting.identity(single_block), orders, Cart(totes=3))
    for b in plan.batches:
        tote_of = {s.order_id: s.tote for s in b.steps}
        assert len(set(tote_of.values())) == len(tote_of)


def test_to_dict_is_json_ready(plan) -> None:
    """The plan serialises to JSON."""
    import json

    data = json.loads(json.dumps(plan.to_dict()))
    assert len(data["batches"]) == len(plan.batches)


@pytest.mark.parametrize(
    "kwargs", [{"walk_speed": 0}, {"time_per_pick": -1}, {"time_limit": 0}, {"batching": "x"},
               {"route_time_limit": float("nan")}],
)  # fmt: skip
def test_bad_policies_are_rejected(kwargs: dict) -> None:
    """Nonsense policy values raise PickoptError."""
    with pytest.raises(PickoptError):
        WavePolicy(**kwargs)


def test_empty_wave_is_rejected(single_block: Layout) -> None:
    """plan_wave without orders raises OrderError."""
    with pytest.raises(OrderError):
        plan_wave(single_block, Slotting.identity(single_block), [], Cart(max_items=5))


def test_release_waves_takes_earliest_cutoff_first(single_block: Layout) -> None:
    """Waves are released by cut-off then priority, each within the pickers' time."""
    rng = np.random.default_rng(9)
    base = random_wave(single_block, 60, rng)
    dues = [16 * 3600, 14 * 3600, None]
    orders = [Order(o.id, o.lines, due=dues[k % 3], priority=k % 2) for k, o in enumerate(base)]
    slotting = Slotting.identity(single_block)
    waves = release_waves(orders, single_block, slotting, Cart(max_items=20), pickers=2,
                          window_s=1800)  # fmt: skip
    flat = [o for w in waves for o in w]
    assert sorted(o.id for o in flat) == sorted(o.id for o in orders)
    keys = [(o.due is None, o.due or 0, -o.priority) for o in flat]
    assert keys == sorted(keys)
    assert len(waves) > 1


def test_release_waves_rejects_nonsense(single_block: Layout) -> None:
    """No pickers or a zero window is an error, not an endless loop."""
    orders = [Order("o1", (OrderLine("A01-B1-001-L-1"),))]
    with pytest.raises(PickoptError):
        release_waves(orders, single_block, Slotting.identity(single_block), Cart(max_items=5),
                      pickers=0, window_s=60)  # fmt: skip


def test_kpi_baselines_use_the_plans_routing(single_block: Layout) -> None:
    """With s-shape routes, the one-order-per-tour and FCFS baselines are s-shape
    tours too, so the savings compare like with like."""
    from optimizer.routing import route

    orders = [
        Order("a", (OrderLine("A02-B1-010-L-1"),)),
        Order("b", (OrderLine("A05-B1-030-R-1"),)),
    ]
    plan = plan_wave(single_block, Slotting.identity(single_block), orders, Cart(max_items=5),
                     WavePolicy(routing="s-shape"))  # fmt: skip
    k = plan.kpis
    s_shape = {o.id: route(single_block, list(o.skus), "s-shape").distance for o in orders}
    both = route(single_block, [sku for o in orders for sku in o.skus], "s-shape").distance
    assert k.routing_methods == ("s-shape",)
    assert k.single_order_distance_m == pytest.approx(sum(s_shape.values()), abs=1e-3)
    assert k.fcfs_distance_m == pytest.approx(both, abs=1e-3)  # FCFS: both in one tour
    assert k.total_distance_m == pytest.approx(both, abs=1e-3)
    assert k.saving_vs_fcfs_pct == 0.0
    assert k.saving_vs_single_pct == pytest.approx(100 * (1 - both / sum(s_shape.values())),
                                                      abs=0.01)  # fmt: skip


def test_kpis_are_typed_and_export_by_name(plan) -> None:
    """KPIs are attributes with one meaning each; to_dict gives the same figures by name,
    JSON-ready, and leaves out the baselines when they were not scored."""
    d = plan.kpis.to_dict()
    assert d["total_distance_m"] == plan.kpis.total_distance_m
    assert d["routing_methods"] == list(plan.kpis.routing_methods)
    json.dumps(plan.to_dict())
    orders = list(plan.batches[0].orders)
    layout = plan.batches[0].route.layout
    bare = plan_wave(layout, Slotting.identity(layout), orders, Cart(max_items=20),
                     baselines=False)  # fmt: skip
    assert bare.kpis.fcfs_distance_m is None and "fcfs_distance_m" not in bare.kpis.to_dict()


def test_off_the_exact_layouts_batches_are_scored_near_their_final_routes() -> None:
    """On a graph layout batching scores tours with a cheap local search whose lengths
    stay within 2 % of the final routes (nearest neighbour was 6-10 % off), so the
    batching optimises what pickers walk (issue 12)."""
    layout = Layout.from_file(LAYOUTS / "fishbone.json")
    slotting, orders = large_wave(layout, 40, seed=3)
    plan = plan_wave(layout, slotting, orders, Cart(max_items=45), WavePolicy(effort=5))
    assert plan.kpis.scoring_method == "local-search"
    for b in plan.batches:
        assert b.batch.distance == pytest.approx(b.route.distance, rel=0.02)

"""The tour gain model: sampled tours measure moves exactly, and tour-ranked move
lists are applicable and add up.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.batching import Cart, TourCost
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting import ReslotParams, SlottingWarning, apply_moves, assign, reslot
from optimizer.slotting.tours import TOUR_PENALTY, SampledTours, TourGain, sample_tours
from optimizer.synthetic import generate_history
from optimizer.waves import WavePolicy
from tests.slotting.conftest import check_applicable, tiny_layout, with_capacities

SMALL_TOURS = TourGain(max_tours=60)


def slot_array(layout: Layout, skus: list[str], slotting: Slotting) -> np.ndarray:
    """Slot index of each SKU (-1: none)."""
    index = {s.code: s.index for s in layout.slots}
    return np.array([index[slotting.bins[s]] if s in slotting else -1 for s in skus])


def test_tour_gain_equals_the_measured_change(single_block: Layout, history) -> None:
    """The gain of a move or a swap is the change of the sampled tours' length, and
    equals routing every sampled tour again from scratch."""
    p = history.window(0, 6).profile()
    current = assign(single_block, p, "random", seed=2)
    skus = list(p.skus)
    slot_of = slot_array(single_block, skus, current)
    orders = history.window(0, 6).orders_by_day()
    index = {s: k for k, s in enumerate(skus)}
    for batching in ("savings", "fcfs"):
        tours = sample_tours(single_block, orders, current, index, slot_of, Cart(max_items=45),
                             TourGain(batching=batching, max_tours=50))  # fmt: skip
        assert tours.tours >= 50
        assert tours.per_day() == pytest.approx(tours.per_day_under(slot_of))
        rng = np.random.default_rng(7)
        free = sorted(set(range(len(single_block.slots))) - set(slot_of.tolist()))
        hot = np.argsort(-p.picks)[:30].tolist()
        for _ in range(12):
            i, t = (int(x) for x in rng.choice(hot, 2, replace=False))
            if rng.random() < 0.5:  # into a free slot
                who, dests = [i], [free.pop(int(rng.integers(len(free))))]
                free.append(int(tours.slot_of[i]))
            else:  # a swap
                who, dests = [i, t], [int(tours.slot_of[t]), int(tours.slot_of[i])]
            before = tours.per_day()
            gain = tours.delta(who, dests)
            after = tours.slot_of.copy()
            after[who] = dests
            assert gain == pytest.approx(before - tours.per_day_under(after), abs=1e-9)
            tours.apply(who, dests)
            assert tours.per_day() == pytest.approx(before - gain, abs=1e-9)
            assert tours.per_day() == pytest.approx(tours.per_day_under(tours.slot_of), abs=1e-9)


def test_apply_names_the_tours_whose_gains_it_changes() -> None:
    """A tour whose node set stays but whose node counts change is among the tours
    ``apply`` returns: another SKU's gain in it changes, and the tour greedy
    measures again only the SKUs of the tours returned."""
    layout = tiny_layout(cells=3, aisles=2)  # both sides of a cell share one pick node
    depot = layout.depot(None).node
    cost = TourCost(layout, DistanceOracle.for_layout(layout), depot, depot)
    slot_node = np.array([s.node for s in layout.slots], dtype=np.int64)
    slot = {c: layout.slot(c).index for c in ("A02-B1-003-L-1", "A02-B1-003-R-1",
                                              "A02-B1-001-L-1", "A02-B1-001-R-1")}  # fmt: skip
    far, far_right = slot["A02-B1-003-L-1"], slot["A02-B1-003-R-1"]
    near_left, near_right = slot["A02-B1-001-L-1"], slot["A02-B1-001-R-1"]
    # SKUs 0 and 1 share the far node, SKU 2 is alone at the near one: one tour.
    tours = SampledTours(cost, [np.array([0, 1, 2])], slot_node,
                         np.array([far, far_right, near_left]), 1)  # fmt: skip
    front = layout.slot("A01-B1-001-L-1").index
    before = tours.delta([1], [front])
    changed = tours.apply([0], [near_right])  # to the node SKU 2 holds: same node set
    assert tours.nodes[0] == tuple(sorted(int(slot_node[s]) for s in (far, near_left)))
    assert tours.delta([1], [front]) != pytest.approx(before)  # SKU 1 is alone there now
    assert changed == [0]


@pytest.mark.parametrize(
    ("seed", "policy", "start"), [(48, "turnover", "class-based"), (65, "class-based", "random")]
)
def test_tour_gains_add_up_where_skus_share_pick_nodes(seed: int, policy: str, start: str) -> None:
    """On a tiny warehouse, where most tours hold two SKUs at one pick node, the
    per-step tour gains add up to the sampled tours' drop (these two re-slots were
    2.5 m a day off, one over and one under, while a move that left a tour's node
    set alone was not seen to change the gains of the tour's other SKUs)."""
    layout = tiny_layout(cells=4, aisles=3)
    history = generate_history(20, days=8, orders_per_day=8, seed=seed, max_lines=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        current = assign(layout, history.window(0, 3).profile(), start, seed=seed)
    plan = reslot(layout, history.window(4, 7).profile(), current, 20,
                  orders=history.window(4, 7).orders_by_day(),
                  params=ReslotParams(policy, gain="tours", cart=Cart(max_items=15),
                                      tours=TourGain(max_tours=20)))  # fmt: skip
    t = plan.tour_m_per_day
    gains = sum(m.expected_gain_m for m in plan.moves if m.kind != "put-away")
    assert t["planned"] < t["current"]
    assert gains == pytest.approx(t["current"] - t["planned"], abs=1e-9)


def test_apply_leaves_the_gains_of_skus_outside_the_returned_tours(
    single_block: Layout, history
) -> None:
    """After any relocation, every SKU that moved not and sits in no tour ``apply``
    returned has the same gain for every move as before."""
    p = history.window(0, 6).profile()
    current = assign(single_block, p, "class-based")
    skus = list(p.skus)
    slot_of = slot_array(single_block, skus, current)
    tours = sample_tours(single_block, history.window(0, 6).orders_by_day(), current,
                         {s: k for k, s in enumerate(skus)}, slot_of, Cart(max_items=45),
                         TourGain(max_tours=40))  # fmt: skip
    rng = np.random.default_rng(3)
    hot = np.argsort(-p.picks)[:40].tolist()
    n_slots = len(single_block.slots)
    for i in hot:
        # The SKUs sharing a tour with ``i``: the only ones whose gains can change.
        watched = sorted({int(s) for k in tours.of_sku[i] for s in tours.members[k]} - {i})
        probes = rng.integers(n_slots, size=len(watched)).tolist()
        before = [tours.delta([j], [d]) for j, d in zip(watched, probes, strict=True)]
        changed = tours.apply([i], [int(rng.integers(n_slots))])
        named = {int(s) for k in changed for s in tours.members[k]}
        for j, d, was in zip(watched, probes, before, strict=True):
            if j not in named:
                assert tours.delta([j], [d]) == pytest.approx(was, abs=1e-9), (i, j)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 1000),
    budget=st.integers(0, 40),
    policy=st.sampled_from(["class-based", "turnover", "coi"]),
    start=st.sampled_from(["random", "class-based"]),
)
def test_tour_move_lists_are_applicable(
    single_block: Layout, history, seed: int, budget: int, policy: str, start: str
) -> None:
    """Tour-ranked moves apply in order: each SKU once, never into an occupied bin,
    within budget; each step saves on the sampled tours, and the steps' gains add
    up to the sampled tours' drop."""
    old = history.window(0, 9).profile()
    new = history.window(10, 20).profile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        current = assign(single_block, old, start, seed=seed)
    orders = history.window(10, 20).orders_by_day()
    plan = reslot(
        single_block,
        new,
        current,
        budget,
        orders=orders,
        params=ReslotParams(policy, gain="tours", tours=SMALL_TOURS),
    )
    check_applicable(single_block, current, plan)
    assert plan.gain == "tours"
    steps: dict[int, float] = {}
    for m in plan.moves:
        if m.kind != "put-away":
            steps[m.step] = steps.get(m.step, 0.0) + m.expected_gain_m
    assert all(g >= -1e-9 for g in steps.values())
    t = plan.tour_m_per_day
    if budget:
        assert sum(steps.values()) == pytest.approx(t["current"] - t["planned"], abs=1e-6)
    else:
        assert not steps


def test_tour_plan_is_measured_on_its_own_sample(single_block: Layout, history) -> None:
    """Routing the sampled tours again under the planned slotting and the target
    gives the lengths the plan reports; the budgeted plan walks less than before."""
    current = assign(single_block, history.window(0, 9).profile(), "random", seed=4)
    new = history.window(10, 20).profile()
    orders = history.window(10, 20).orders_by_day()
    plan = reslot(
        single_block,
        new,
        current,
        30,
        orders=orders,
        params=ReslotParams("turnover", gain="tours", tours=SMALL_TOURS),
    )
    skus = [s for s in new.skus]
    index = {s: k for k, s in enumerate(skus)}
    cart = Cart(max_items=45)
    start = slot_array(single_block, skus, apply_moves(
        current, [m for m in plan.moves if m.kind == "put-away"]))  # fmt: skip
    tours = sample_tours(single_block, orders, plan.target, index, start, cart, SMALL_TOURS)
    assert tours.per_day() == pytest.approx(plan.tour_m_per_day["current"])
    planned = slot_array(single_block, skus, plan.slotting)
    assert tours.per_day_under(planned) == pytest.approx(plan.tour_m_per_day["planned"])
    target = slot_array(single_block, skus, plan.target)
    assert tours.per_day_under(target) == pytest.approx(plan.tour_m_per_day["target"])
    assert plan.tour_m_per_day["planned"] < plan.tour_m_per_day["current"]
    assert 0 < plan.moves_used <= 30


def test_tour_moves_respect_capacities(single_block: Layout, history) -> None:
    """With mixed slot sizes every tour-ranked destination holds the SKU."""
    layout = with_capacities(single_block, [3.0, 3.0, 8.0, 40.0])
    old = history.window(0, 9).profile(with_cube=True)
    new = history.window(10, 20).profile(with_cube=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        current = assign(layout, old, "random", seed=3)
        orders = history.window(10, 20).orders_by_day()
        plan = reslot(
            layout,
            new,
            current,
            40,
            orders=orders,
            params=ReslotParams("turnover", gain="tours", tours=SMALL_TOURS),
        )
    space = dict(zip(new.skus, new.space().tolist(), strict=True))
    assert plan.moves_used > 0
    check_applicable(layout, current, plan, space)


def test_tour_gain_without_budget_is_the_full_reslot(single_block: Layout, history) -> None:
    """Without a budget every action toward the target is taken, whatever the gain model."""
    current = assign(single_block, history.window(0, 9).profile(), "random", seed=1)
    new = history.window(10, 20).profile()
    picks = reslot(single_block, new, current, None, params=ReslotParams("turnover"))
    tours = reslot(single_block, new, current, None, params=ReslotParams("turnover", gain="tours"),
                   orders=history.window(10, 20).orders_by_day())  # fmt: skip
    assert tours.slotting.bins == picks.slotting.bins


def test_tour_gain_options_are_checked(single_block: Layout, profile) -> None:
    """Unknown gain models, missing orders and bad options are named."""
    current = assign(single_block, profile, "random")
    with pytest.raises(PickoptError, match="did you mean 'tours'"):
        reslot(single_block, profile, current, 10, params=ReslotParams(gain="tour"))
    with pytest.raises(PickoptError, match="needs the historical orders"):
        reslot(single_block, profile, current, 10, params=ReslotParams(gain="tours"))
    with pytest.raises(PickoptError, match="did you mean 'savings'"):
        TourGain(batching="saving")
    with pytest.raises(PickoptError, match="max_tours must be a whole number"):
        TourGain(max_tours=0)


def test_tour_penalty_is_the_default_wave_setup() -> None:
    """The savings batching of the sample charges a tour what a default wave does."""
    assert TourGain().tour_penalty == TOUR_PENALTY == WavePolicy().tour_penalty

"""Every step prefix of a re-slot's move list is a plan a shift can carry out on its own;
labour, payback and where a move list stops paying."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.errors import PickoptError
from optimizer.orders import Slotting
from optimizer.slotting import (
    DemandProfile,
    Move,
    MoveCost,
    MoveError,
    ReslotParams,
    ReslotPlan,
    SlottingWarning,
    apply_moves,
    assign,
    paying_steps,
    reslot,
    step_prefix,
)
from tests.slotting.conftest import tiny_layout


def _boundaries(moves: tuple[Move, ...]) -> list[int]:
    return [k for k in range(len(moves) + 1)
            if k in (0, len(moves)) or moves[k].step != moves[k - 1].step]  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_skus=st.integers(3, 22),
    policy=st.sampled_from(["class-based", "turnover", "coi"]),
    start=st.sampled_from(["random", "class-based"]),
)
def test_every_step_prefix_applies_to_the_start(
    seed: int, n_skus: int, policy: str, start: str
) -> None:
    """Cut after any step, the move list applies cleanly to the starting slotting: no
    SKU left homeless, no bin holding two SKUs, every needed free bin free."""
    layout = tiny_layout(levels=2, cells=3, aisles=2)  # 24 slots
    rng = np.random.default_rng(seed)
    skus = [f"s{k}" for k in range(n_skus)]
    lines = np.concatenate([np.arange(n_skus), rng.zipf(1.6, size=6 * n_skus) % n_skus])
    profile = DemandProfile.from_arrays([f"o{k // 2}" for k in range(lines.size)],
                                        [skus[i] for i in lines], [1] * lines.size)  # fmt: skip
    older = rng.permutation(n_skus)[: max(1, n_skus - 2)]  # a few SKUs are new: put-aways
    old_skus = [skus[i] for i in older]
    old_profile = DemandProfile.from_arrays([f"p{k}" for k in range(older.size)], old_skus,
                                            [1] * older.size)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        current = assign(layout, old_profile, start, seed=seed)
    plan = reslot(layout, profile, current, params=ReslotParams(policy=policy))
    moves = plan.moves
    for k in _boundaries(moves):
        after = apply_moves(current, moves[:k], layout=layout)
        held = list(after.bins.values())
        assert len(held) == len(set(held)), "a bin holds two SKUs"
        assert set(current.bins) <= set(after.bins), "a SKU lost its bin"
    for m in moves:
        assert (m.needs_free == m.to_bin) == (m.kind in ("move", "chain", "put-away"))
        assert m.labour_min > 0
    assert apply_moves(current, moves).bins == plan.slotting.bins


def test_a_swap_is_never_cut_in_half() -> None:
    """step_prefix never splits a step, so a swap is done whole or not at all."""
    moves = (Move(1, "a", "b1", "b2", 5.0, "swap"), Move(1, "c", "b2", "b1", -1.0, "swap"),
             Move(2, "d", "b3", "b4", 1.0, "move"))  # fmt: skip
    assert [step_prefix(moves, b) for b in range(4)] == [0, 0, 2, 3]


def test_prefix_of_a_plan_splitting_a_step_is_refused() -> None:
    """ReslotPlan.prefix refuses a cut inside a step and applies a whole one."""
    a, b = "A01-B1-001-L-1", "A01-B1-002-L-1"
    current = Slotting({"x": a, "y": b})
    swap = (Move(1, "x", a, b, 2.0, "swap"), Move(1, "y", b, a, -1.0, "swap"))
    plan = ReslotPlan(Slotting({"x": b, "y": a}), swap, Slotting({"x": b, "y": a}), "turnover",
                      None, {"current": 10.0, "planned": 9.0, "target": 9.0})  # fmt: skip
    with pytest.raises(MoveError, match="splits step"):
        plan.prefix(current, 1)
    assert plan.prefix(current, 2).slotting.bins == {"x": b, "y": a}
    assert plan.prefix(current, 0).expected_m_per_day["planned"] == 10.0


def test_labour_is_handling_plus_carrying() -> None:
    """A move's labour is the handling minutes plus the walk from the old bin to the new."""
    layout = tiny_layout()
    profile = DemandProfile.from_arrays(["o1", "o2"], ["hot", "hot"], [1, 1])
    cost = MoveCost(handling_min=3.0, walk_speed=10.0)
    far, near = layout.slots[-1].code, layout.slots[0].code
    plan = reslot(layout, profile, Slotting({"hot": far}),
                  params=ReslotParams(policy="turnover", move_cost=cost))  # fmt: skip
    (m,) = plan.moves
    from optimizer.distance import DistanceOracle

    metres = DistanceOracle(layout).distance(layout.slot(far).node, layout.slot(m.to_bin).node)
    assert m.to_bin == near or layout.slot(m.to_bin).node == layout.slot(near).node
    assert m.labour_min == pytest.approx(3.0 + metres / 10.0)
    assert m.payback_days == pytest.approx(m.labour_min / (m.expected_gain_m / 10.0))


def test_paying_steps_stops_at_min_gain_and_labour() -> None:
    """The cut comes before the first step below the minimum gain per move, or past
    the labour budget; put-aways are always kept."""
    moves = (
        Move(1, "n", "", "b0", 0.0, "put-away", 5.0),
        Move(2, "a", "b1", "b2", 9.0, "swap", 4.0), Move(2, "b", "b2", "b1", 1.0, "swap", 4.0),
        Move(3, "c", "b3", "b4", 3.0, "move", 4.0),
        Move(4, "d", "b5", "b6", 6.0, "move", 4.0),
    )  # fmt: skip
    assert paying_steps(moves) == 5
    assert paying_steps(moves, min_gain=4.0) == 3  # the swap pays 5 a move, the move 3
    assert paying_steps(moves, labour_minutes=8.0) == 3
    assert paying_steps(moves, labour_minutes=7.9) == 1
    assert paying_steps(moves, min_gain=1e9) == 1
    assert paying_steps(moves, min_gain=-math.inf, labour_minutes=12.0) == 4
    with pytest.raises(PickoptError, match="min_gain"):
        paying_steps(moves, min_gain=math.nan)

"""reslot: every move list applicable, capacities honoured, gains best first,
put-aways, unknown SKUs, parameters checked.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.errors import PickoptError, UnknownSlotError
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting import DemandProfile, ReslotParams, SlottingWarning, assign, reslot
from tests.slotting.conftest import check_applicable, with_capacities

TURNOVER = ReslotParams("turnover")


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 1000),
    budget=st.one_of(st.none(), st.integers(0, 60)),
    policy=st.sampled_from(["class-based", "turnover", "coi"]),
    start=st.sampled_from(["random", "class-based"]),
)
def test_every_move_list_is_applicable(
    single_block: Layout, history, seed: int, budget: int | None, policy: str, start: str
) -> None:
    """Moves apply in order: each SKU once, never into an occupied bin, within budget."""
    old = history.window(0, 9).profile()
    new = history.window(10, 20).profile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        current = assign(single_block, old, start, seed=seed)
    plan = reslot(single_block, new, current, budget, params=ReslotParams(policy))
    check_applicable(single_block, current, plan)


def test_moves_respect_capacities(single_block: Layout, history) -> None:
    """With mixed slot sizes every destination holds the SKU that moves there."""
    layout = with_capacities(single_block, [3.0, 3.0, 8.0, 40.0])
    old = history.window(0, 9).profile(with_cube=True)
    new = history.window(10, 20).profile(with_cube=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        current = assign(layout, old, "random", seed=3)
        plan = reslot(layout, new, current, None, params=TURNOVER)
    space = dict(zip(new.skus, new.space().tolist(), strict=True))
    assert plan.moves_used > 0
    check_applicable(layout, current, plan, space)


def test_move_gains_come_best_first(single_block: Layout, history) -> None:
    """Each step (one action: a move, chain, swap or rotation) saves walking, and a
    larger budget never walks more."""
    current = assign(single_block, history.window(0, 9).profile(), "random", seed=1)
    new = history.window(10, 20).profile()
    walked = []
    for budget in (0, 10, 40, None):
        plan = reslot(single_block, new, current, budget, params=TURNOVER)
        steps: dict[int, float] = {}
        for m in plan.moves:
            if m.kind != "put-away":
                steps[m.step] = steps.get(m.step, 0.0) + m.expected_gain_m
        assert all(g > 0 for g in steps.values())
        walked.append(plan.expected_m_per_day["planned"])
    assert walked == sorted(walked, reverse=True)
    assert walked[-1] < walked[0]


def test_zero_budget_moves_nothing(single_block: Layout, history) -> None:
    """``max_moves=0`` keeps every slotted SKU where it is."""
    current = assign(single_block, history.window(0, 9).profile(), "random")
    plan = reslot(single_block, history.window(10, 20).profile(), current, 0)
    assert plan.moves_used == 0
    assert all(plan.slotting.bins[s] == b for s, b in current.bins.items())


def test_new_skus_are_put_away(single_block: Layout) -> None:
    """A SKU without a bin gets a put-away into a free bin, free of the budget."""
    current = Slotting({"a": "A05-B1-040-L-1"})
    p = DemandProfile.from_arrays(["o1", "o2", "o2"], ["a", "a", "new"], [1, 1, 1])
    plan = reslot(single_block, p, current, 0, params=TURNOVER)
    put = [m for m in plan.moves if m.kind == "put-away"]
    assert [m.sku for m in put] == ["new"] and put[0].from_bin == ""
    check_applicable(single_block, current, plan)


def test_unknown_skus_in_current_are_kept_and_reported(single_block: Layout) -> None:
    """SKUs of the current slotting without history stay slotted and are listed."""
    current = Slotting({"a": "A01-B1-001-L-1", "ghost": "A01-B1-002-L-1"})
    p = DemandProfile.from_arrays(["o1"], ["a"], [1])
    plan = reslot(single_block, p, current, 5)
    assert plan.unknown_skus == ("ghost",) and "ghost" in plan.slotting
    with pytest.raises(
        UnknownSlotError, match="1 SKUs of slotting .* not in the history: 'ghost'"
    ):
        reslot(single_block, p, current, 5, params=ReslotParams(unknown_skus="error"))


def test_current_of_another_catalogue_is_an_error(single_block: Layout) -> None:
    """When no SKU of the current slotting is in the history, the error says so."""
    current = Slotting({"X-1": "A01-B1-001-L-1"}, name="other")
    p = DemandProfile.from_arrays(["o1"], ["a"], [1])
    with pytest.raises(UnknownSlotError, match="none of the 1 SKUs of slotting 'other'"):
        reslot(single_block, p, current, 5)


def test_unknown_bin_in_current_is_named(single_block: Layout) -> None:
    """A bin the layout lacks is named with its SKU."""
    current = Slotting({"a": "A99-B1-001-L-1"})
    p = DemandProfile.from_arrays(["o1"], ["a"], [1])
    with pytest.raises(UnknownSlotError, match=r"SKU 'a' is slotted in .*A99-B1-001-L-1"):
        reslot(single_block, p, current, 5)


def test_random_cannot_reslot(single_block: Layout, profile) -> None:
    """Re-slotting toward random storage is refused with the reason."""
    current = assign(single_block, profile, "random")
    with pytest.raises(PickoptError, match="random storage has nothing to improve"):
        reslot(single_block, profile, current, 10, params=ReslotParams("random"))


def test_reslot_params_check_themselves() -> None:
    """Bad parameters are refused when they are made, naming the value."""
    with pytest.raises(PickoptError, match="did you mean 'turnover'"):
        ReslotParams("turnvoer")
    with pytest.raises(PickoptError, match="did you mean 'tours'"):
        ReslotParams(gain="tour")
    with pytest.raises(PickoptError, match="unknown_skus must be 'keep' or 'error', got 'drop'"):
        ReslotParams(unknown_skus="drop")
    with pytest.raises(PickoptError, match="class shares must add up to 1"):
        ReslotParams(shares=(0.5, 0.4))
    with pytest.raises(PickoptError, match="cover_days must be >= 0"):
        ReslotParams(cover_days=-1.0)
    assert ReslotParams(shares=[80, 15, 5]).shares == (80, 15, 5)


def test_default_params_are_the_design_call(single_block: Layout, history) -> None:
    """``reslot(layout, profile, current, max_moves=20)`` plans with the default
    parameters: class-based, picks gain; a negative budget is refused."""
    current = assign(single_block, history.window(0, 9).profile(), "random", seed=1)
    new = history.window(10, 20).profile()
    plan = reslot(single_block, new, current, max_moves=20)
    again = reslot(single_block, new, current, 20, params=ReslotParams())
    assert plan.moves == again.moves and (plan.policy, plan.gain) == ("class-based", "picks")
    with pytest.raises(PickoptError, match="max_moves must be a whole number >= 0"):
        reslot(single_block, new, current, max_moves=-1)

"""The budget curve's expected saving: built from the profile window only, and
calibrated by a backtest whose noisy factors are shrunk toward their pooled value."""

from __future__ import annotations

import math
import warnings

import pytest

from optimizer.batching import Cart
from optimizer.jobs.curve import (
    BudgetCurve,
    Calibration,
    budget_curve,
    holdout_calibration,
    replay_curve,
)
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting import SlottingWarning, assign, reslot
from optimizer.synthetic import DemandDrift, History, generate_history

CART = Cart(max_items=45)
SHARES = (0.05, 0.2)
PREVIOUS, PROFILE, FOLD, HOLDOUT = (0, 6), (7, 13), (7, 10), (11, 13)


@pytest.fixture(scope="module")
def drifting() -> History:
    return generate_history(120, days=20, orders_per_day=25, seed=4,
                            events=DemandDrift(promotions=4.0))  # fmt: skip


@pytest.fixture(scope="module")
def start(single_block: Layout, drifting: History) -> Slotting:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        return assign(single_block, drifting.window(*PREVIOUS).profile(), "class-based")


def _curve(layout: Layout, h: History, current: Slotting, replay_days: tuple[int, int],
           calibrated: bool = True) -> BudgetCurve:  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        plan = reslot(layout, h.window(*PROFILE).profile(), current)
        early = reslot(layout, h.window(*FOLD).profile(), current)
    factors = None
    if calibrated:
        fold = (early, h.window(*FOLD).orders_by_day(), h.window(*HOLDOUT).orders_by_day())
        factors = holdout_calibration(layout, current, [fold], CART, shares=SHARES)
    return budget_curve(layout, current, plan, h.window(*PROFILE).orders_by_day(),
                        h.window(*replay_days).orders_by_day(), CART, shares=SHARES,
                        factors=factors)  # fmt: skip


def test_expected_saving_uses_only_the_profile_window(
    single_block: Layout, drifting: History, start: Slotting
) -> None:
    """Replaying other days after the profile window changes the replayed saving,
    never the expected one, its interval or the calibrated move gains."""
    a = _curve(single_block, drifting, start, (14, 16))
    b = _curve(single_block, drifting, start, (17, 19))
    assert [p.expected_m_per_day for p in a.points] == [p.expected_m_per_day for p in b.points]
    assert [p.expected_se for p in a.points] == [p.expected_se for p in b.points]
    assert [m.expected_gain_m for m in a.moves] == [m.expected_gain_m for m in b.moves]
    assert [p.replayed_m_per_day for p in a.points] != [p.replayed_m_per_day for p in b.points]
    assert all(p.expected_se is not None and p.expected_se >= 0 for p in a.points)


def test_redrawn_replay_window_does_not_change_the_plan(
    single_block: Layout, drifting: History, start: Slotting
) -> None:
    """Other orders in the replay window (orders_seed) leave the profile window, so
    the plan's expected saving, as they are."""
    other = generate_history(120, days=20, orders_per_day=25, seed=4,
                             events=DemandDrift(promotions=4.0), orders_seed=0)  # fmt: skip
    mixed = History(*(getattr(drifting.window(0, 13), f) for f in ("order", "sku", "qty", "day")),
                    drifting.skus, drifting.unit_cube, drifting.family, drifting.start,
                    drifting.launch_day)  # fmt: skip
    a = _curve(single_block, drifting, start, (14, 16), calibrated=False)
    b = _curve(single_block, mixed, start, (7, 9), calibrated=False)
    c = replay_curve(single_block, start, a, other.window(14, 16).orders_by_day(), CART)
    assert [p.expected_m_per_day for p in a.points] == [p.expected_m_per_day for p in b.points]
    assert [p.expected_m_per_day for p in c.points] == [p.expected_m_per_day for p in a.points]
    assert [p.replayed_m_per_day for p in c.points] != [p.replayed_m_per_day for p in a.points]


def test_replay_curve_matches_the_curves_own_replay(
    single_block: Layout, drifting: History, start: Slotting
) -> None:
    """Replaying a curve's prefixes on its own replay window gives its own figures."""
    a = _curve(single_block, drifting, start, (14, 16), calibrated=False)
    again = replay_curve(single_block, start, a, drifting.window(14, 16).orders_by_day(), CART)
    for p, q in zip(a.points, again.points, strict=True):
        assert q.replayed_m_per_day == pytest.approx(p.replayed_m_per_day)
        assert q.replayed_se == pytest.approx(p.replayed_se)


def test_noisy_factor_is_shrunk_toward_the_pooled_one() -> None:
    """A factor measured with a large standard error moves toward the pooled value;
    a precise one stays near its own; the shrunk factor is no less certain."""
    c = Calibration.shrunk({"1 %": 0.2, "5 %": 0.7, "20 %": 0.9, "full": 0.85},
                           {"1 %": 0.5, "5 %": 0.1, "20 %": 0.03, "full": 0.03})  # fmt: skip
    assert abs(c.factors["1 %"] - c.pooled) < abs(0.2 - c.pooled) / 2
    assert c.factors["20 %"] == pytest.approx(0.9, abs=0.05)
    assert c.factor_se["1 %"] < 0.5


def test_factors_within_their_noise_collapse_to_the_pooled_one() -> None:
    """When the factors differ by less than their noise, every point gets the pooled
    factor (no spread beyond the noise)."""
    c = Calibration.shrunk({"a": 0.78, "b": 0.82, "c": 0.80}, {"a": 0.1, "b": 0.1, "c": 0.1})
    assert c.spread == 0.0
    assert all(f == pytest.approx(0.80) for f in c.factors.values())
    assert c.factor_se["a"] == pytest.approx(0.1 / math.sqrt(3))


def test_unmeasured_factors_fall_back_to_one() -> None:
    """Without a measured factor there is nothing to shrink toward: factor 1, no error."""
    c = Calibration.shrunk({"a": 0.5}, {"a": math.inf})
    assert c.factors == {"a": 1.0} and c.factor_se == {"a": 0.0}

"""The seeded history generator: deterministic, skewed, co-ordered, drifting."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.errors import PickoptError
from optimizer.slotting import DemandProfile
from optimizer.synthetic import DemandDrift, generate_history


def test_generator_is_deterministic() -> None:
    """Equal seeds give equal histories; another seed another one."""
    a = generate_history(200, days=5, orders_per_day=30, seed=3)
    b = generate_history(200, days=5, orders_per_day=30, seed=3)
    c = generate_history(200, days=5, orders_per_day=30, seed=4)
    assert np.array_equal(a.sku, b.sku) and np.array_equal(a.qty, b.qty)
    assert not np.array_equal(a.sku[:50], c.sku[:50])


def test_generated_demand_is_skewed(profile: DemandProfile) -> None:
    """A fifth of the SKUs make most of the lines (Zipf-like popularity)."""
    picks = np.sort(profile.picks)[::-1]
    assert picks[: len(picks) // 5].sum() / picks.sum() > 0.6


def test_generated_families_are_co_ordered(history, profile: DemandProfile) -> None:
    """Family pairs lead the co-picked pairs far above chance (about 1 % of pairs)."""
    fam = dict(zip(history.skus, history.family.tolist(), strict=True))
    same = [fam[c.a] == fam[c.b] for c in profile.pairs[:10]]
    assert sum(same) >= 4


def test_generated_popularity_drifts_between_weeks() -> None:
    """Week-to-week SKU popularity is correlated but not fixed."""
    h = generate_history(300, days=28, orders_per_day=300, seed=2)
    first = np.bincount(h.sku[h.day < 7], minlength=300)
    last = np.bincount(h.sku[h.day >= 21], minlength=300)
    r = np.corrcoef(np.log1p(first), np.log1p(last))[0, 1]
    assert 0.5 < r < 0.98


def test_generated_history_has_one_line_per_sku_per_order(history) -> None:
    """No order lists a SKU twice."""
    keys = history.order.astype(np.int64) * len(history.skus) + history.sku
    assert np.unique(keys).size == keys.size


def test_without_events_the_history_is_unchanged() -> None:
    """events=None draws exactly the history the generator drew before events existed."""
    a = generate_history(200, days=10, orders_per_day=40, seed=7)
    b = generate_history(200, days=10, orders_per_day=40, seed=7, events=None)
    assert np.array_equal(a.sku, b.sku) and np.array_equal(a.order, b.order)
    assert a.launch_day is not None and not a.launch_day.any()


def test_launched_skus_sell_nothing_before_launch_and_ramp_up() -> None:
    """A launched SKU has no line before its launch day, and sells after it."""
    h = generate_history(300, days=60, orders_per_day=300, seed=4,
                         events=DemandDrift(launches=0.1, fades=0.0, promotions=0.0))  # fmt: skip
    launch = h.launch_day
    assert launch is not None
    assert (h.day >= launch[h.sku]).all()
    launched = np.flatnonzero(launch > 0)
    assert launched.size >= 10
    early_launch = launched[launch[launched] < 30]
    assert np.isin(early_launch, h.sku).mean() > 0.5


def test_fading_skus_halve_every_half_life() -> None:
    """A fading SKU's weight halves every ``fade_half_life`` days once its end of life starts."""
    drift = DemandDrift(fades=1.0, launches=0.0, promotions=0.0, fade_half_life=5.0)
    offsets, launch = drift.day_offsets(np.zeros(50), 60, np.random.default_rng(0))
    assert not launch.any()
    steps = np.diff(offsets, axis=0)
    assert np.allclose(steps[(steps != 0)], -np.log(2) / 5.0)
    assert (offsets[-1] < -np.log(2)).mean() > 0.5  # most have lost over half by day 59


def test_a_promotion_lifts_one_skus_demand() -> None:
    """A promotion makes some SKU sell several times its usual rate while it runs."""
    h = generate_history(300, days=30, orders_per_day=400, seed=3,
                         events=DemandDrift(promotions=3.0, promotion_lift=8.0, launches=0.0,
                                            fades=0.0))  # fmt: skip
    base = generate_history(300, days=30, orders_per_day=400, seed=3)
    lifted = np.bincount(h.sku, minlength=300) / np.maximum(
        1, np.bincount(base.sku, minlength=300)
    )
    assert lifted.max() > 1.8


def test_demand_drift_checks_itself() -> None:
    """Shares outside [0, 1] or a non-positive lift are refused."""
    with pytest.raises(PickoptError, match="fades"):
        DemandDrift(fades=-0.1)
    with pytest.raises(PickoptError, match="promotion_lift"):
        DemandDrift(promotion_lift=0.0)


def test_orders_seed_keeps_the_world_and_redraws_the_orders() -> None:
    """Other orders from the same world: SKU master, families and launches stay,
    the lines change; the seed's own history does not depend on the argument."""
    drift = DemandDrift(launches=0.2)
    kw = {"days": 30, "orders_per_day": 40, "seed": 5, "events": drift}
    own = generate_history(200, **kw)
    again = generate_history(200, orders_seed=None, **kw)
    other = generate_history(200, orders_seed=0, **kw)
    assert np.array_equal(own.sku, again.sku) and np.array_equal(own.qty, again.qty)
    assert np.array_equal(own.unit_cube, other.unit_cube)
    assert np.array_equal(own.family, other.family)
    assert np.array_equal(own.launch_day, other.launch_day)
    assert own.n_lines != other.n_lines
    assert bool((other.day >= other.launch_day[other.sku]).all())
    repeat = generate_history(200, orders_seed=0, **kw)
    assert np.array_equal(other.sku, repeat.sku)
    third = generate_history(200, orders_seed=1, **kw)
    assert not np.array_equal(other.sku[:100], third.sku[:100])


def test_redrawn_orders_follow_the_same_popularity() -> None:
    """Two draws of one world pick the same SKUs often (correlation far above
    two different worlds')."""
    kw = {"days": 14, "orders_per_day": 300}
    a = np.bincount(generate_history(300, seed=2, **kw).sku, minlength=300)
    b = np.bincount(generate_history(300, seed=2, orders_seed=0, **kw).sku, minlength=300)
    c = np.bincount(generate_history(300, seed=3, **kw).sku, minlength=300)
    same = np.corrcoef(np.log1p(a), np.log1p(b))[0, 1]
    other = np.corrcoef(np.log1p(a), np.log1p(c))[0, 1]
    assert same > 0.9 and same > other + 0.3

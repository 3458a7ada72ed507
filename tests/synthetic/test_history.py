"""The seeded history generator: deterministic, skewed, co-ordered, drifting."""

from __future__ import annotations

import numpy as np

from optimizer.slotting import DemandProfile
from optimizer.synthetic import generate_history


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

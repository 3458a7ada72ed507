"""ABC and COI classes: pick shares, rankings, share validation."""

from __future__ import annotations

import pytest

from optimizer.errors import PickoptError
from optimizer.slotting import (
    DemandProfile,
    classify,
)


def test_abc_classes_follow_pick_share(profile: DemandProfile) -> None:
    """A SKUs out-pick B SKUs out-pick C SKUs; A is the smallest set reaching 80 %."""
    c = classify(profile)
    picks = profile.picks
    for hi, lo in ((0, 1), (1, 2)):
        assert picks[c.code == hi].min() >= picks[c.code == lo].max()
    a_share = c.rows[0].pick_share
    assert a_share >= 0.8 and a_share - picks[c.code == 0].min() / picks.sum() < 0.8
    assert sum(r.skus for r in c.rows) == len(profile)
    assert abs(sum(r.pick_share for r in c.rows) - 1) < 1e-9


def test_coi_ranks_small_cube_per_order_first() -> None:
    """With cubes, COI puts the SKU with the least cube per order first."""
    skus = ["big", "big", "big", "small", "small"]
    p = DemandProfile.from_arrays(["1", "2", "3", "1", "2"], skus, [1] * 5)
    p = p.with_master(["big", "small"], [50.0, 0.1])
    c = classify(p, "coi", shares=(0.5, 0.5))
    assert p.skus[int(c.ranking[0])] == "small"
    assert c.label_of(p.index["small"]) == "A"


@pytest.mark.parametrize("shares", [(0.5, 0.4), (80, -15, 35), ()])
def test_bad_shares_are_rejected(profile: DemandProfile, shares: tuple[float, ...]) -> None:
    """Shares must be positive and add up to 1 (or 100)."""
    with pytest.raises(PickoptError, match="shares"):
        classify(profile, shares=shares)


def test_shares_in_per_cent_are_accepted(profile: DemandProfile) -> None:
    """80/15/5 in per cent means 0.80/0.15/0.05."""
    assert classify(profile, shares=(80, 15, 5)).shares == pytest.approx((0.8, 0.15, 0.05))

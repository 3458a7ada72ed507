"""Slot costs and assignment: golden zone, round trips, each policy's order,
capacities and zones honoured, SKUs without a slot named.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimizer.errors import CapacityError, PickoptError
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting import (
    DemandProfile,
    SlotCosts,
    SlottingWarning,
    assign,
    slot_costs,
)
from tests.slotting.conftest import tiny_layout, with_capacities


# ---- slot costs ---------------------------------------------------------------------------
def test_golden_zone_is_cheapest_level() -> None:
    """At one pick node, level 2 costs less than the floor and the top level."""
    layout = tiny_layout(levels=3)
    cost = slot_costs(layout)
    node = layout.slots[0].node
    by_level = {s.level: cost[s.index] for s in layout.slots if s.node == node and s.side == "L"}
    assert by_level[2] < by_level[1] and by_level[2] < by_level[3]


def test_slot_cost_is_round_trip_from_depot(single_block: Layout) -> None:
    """Without level penalties a slot costs twice its walking distance from the depot."""
    from optimizer.distance import DistanceOracle

    cost = slot_costs(single_block, SlotCosts(level_penalty={}))
    nodes = [s.node for s in single_block.slots]
    expected = 2 * DistanceOracle.for_layout(single_block).from_depot(nodes)
    assert np.allclose(cost, expected)


# ---- assignment ---------------------------------------------------------------------------
def test_turnover_gives_busier_skus_cheaper_slots(single_block: Layout, profile) -> None:
    """Under turnover storage a SKU with more picks never has a dearer slot."""
    s = assign(single_block, profile, "turnover")
    cost = slot_costs(single_block)
    slot_cost = np.array([cost[single_block.slot(s.bin_of(k)).index] for k in profile.skus])
    order = np.lexsort((slot_cost, -profile.picks))  # ties in picks may go either way
    assert np.all(np.diff(slot_cost[order]) >= -1e-9)


def test_class_based_puts_classes_in_zones(single_block: Layout, profile) -> None:
    """Every A SKU sits in a slot no dearer than any B SKU's, and B no dearer than C."""
    s = assign(single_block, profile, "class-based")
    cost = slot_costs(single_block)
    code = s.classes.code if s.classes is not None else None
    assert code is not None
    slot_cost = np.array([cost[single_block.slot(s.bin_of(k)).index] for k in profile.skus])
    for hi, lo in ((0, 1), (1, 2)):
        assert slot_cost[code == hi].max() <= slot_cost[code == lo].min() + 1e-9


def test_assignment_is_one_sku_per_slot(single_block: Layout, profile) -> None:
    """Every policy slots every SKU, each in its own existing bin."""
    for policy in ("class-based", "turnover", "coi", "random"):
        s = assign(single_block, profile, policy)
        s.check(single_block)
        assert len(s) == len(profile) and len(set(s.bins.values())) == len(s)


def test_random_policy_is_seeded(single_block: Layout, profile) -> None:
    """Random storage is the same for a seed and differs between seeds."""
    a = assign(single_block, profile, "random", seed=1)
    assert a.bins == assign(single_block, profile, "random", seed=1).bins
    assert a.bins != assign(single_block, profile, "random", seed=2).bins


def test_assignment_has_its_own_version(single_block: Layout, profile) -> None:
    """Different slottings have different versions; equal ones the same."""
    a = assign(single_block, profile, "class-based")
    b = assign(single_block, profile, "turnover")
    assert a.version != b.version
    assert a.version == Slotting(a.bins).version


def test_assignment_honours_capacity(single_block: Layout) -> None:
    """No SKU goes to a slot smaller than the space it needs; a too-big SKU is named."""
    layout = with_capacities(single_block, [2.0, 40.0])
    p = DemandProfile.from_arrays(["o1", "o1", "o2", "o3"], ["s", "m", "m", "huge"], [1, 4, 4, 1])
    p = p.with_master(["s", "m", "huge"], [1.0, 1.0, 500.0])  # needs 2, 16 and 1000 l
    with pytest.warns(SlottingWarning, match="huge"):
        s = assign(layout, p, "turnover")
    space = dict(zip(p.skus, p.space().tolist(), strict=True))
    for sku, code in s.bins.items():
        assert space[sku] <= (layout.slot(code).capacity or np.inf)
    assert [u.sku for u in s.unslotted] == ["huge"]
    assert "largest slot holds 40" in s.unslotted[0].reason


def test_zone_of_the_master_is_honoured() -> None:
    """A SKU with a zone goes only to slots of that zone."""
    base = tiny_layout(aisles=2)
    slots = tuple(dataclasses.replace(s, zone="cold" if s.aisle == 2 else None)
                  for s in base.slots)  # fmt: skip
    layout = dataclasses.replace(base, slots=slots)
    p = DemandProfile.from_arrays(["o1", "o2"], ["ice", "tea"], [1, 1])
    p = p.with_master(["ice", "tea"], [float("nan")] * 2, ["cold", None])
    s = assign(layout, p, "turnover")
    assert layout.slot(s.bin_of("ice")).zone == "cold"


def test_more_skus_than_slots_are_reported() -> None:
    """With 12 slots and 15 SKUs the 3 least picked stay unslotted and are named."""
    layout = tiny_layout()
    skus = [f"s{k:02d}" for k in range(15)]
    rows = [(f"o{k}-{j}", sku) for k, sku in enumerate(skus) for j in range(20 - k)]
    p = DemandProfile.from_arrays([r[0] for r in rows], [r[1] for r in rows], [1] * len(rows))
    with pytest.warns(SlottingWarning, match="3 of 15 SKUs stay unslotted"):
        s = assign(layout, p, "turnover")
    assert len(s) == 12 and [u.sku for u in s.unslotted] == ["s12", "s13", "s14"]
    with pytest.raises(CapacityError, match="s12"):
        assign(layout, p, "turnover", strict=True)


def test_unknown_policy_is_named(single_block: Layout, profile) -> None:
    """A misspelt policy is rejected with a suggestion."""
    with pytest.raises(PickoptError, match="did you mean 'turnover'"):
        assign(single_block, profile, "turnvoer")

"""Layout builders: equal-capacity alternatives, one call each, and the
fishbone generator behind the shipped ``layouts/fishbone.json``."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError
from optimizer.layout import Layout
from optimizer.synthetic.layouts import (
    fishbone,
    fishbone_spec,
    parallel_aisles,
    parallel_aisles_spec,
)
from tests.conftest import LAYOUTS


@pytest.mark.parametrize("blocks", [1, 2])
def test_parallel_aisles_hold_exactly_the_target_when_a_shape_allows(blocks: int) -> None:
    """2,080 slots (the fishbone's) factor into 26 aisles of 40 cells, one or two
    blocks: equal capacity, near 2:1."""
    layout = parallel_aisles(2080, blocks=blocks)
    assert len(layout.slots) == 2080
    assert layout.aisles is not None
    assert (layout.aisles.n_aisles, layout.aisles.n_blocks) == (26, blocks)


def test_parallel_aisles_never_hold_fewer_than_asked() -> None:
    """A prime number of slots is met with the least surplus a sensible shape allows."""
    for slots in (101, 997, 1531):
        spec = parallel_aisles_spec(slots)
        held = spec["aisles"] * spec["cells"] * spec["sides"] * spec["levels"]
        assert slots <= held <= slots * 1.1


def test_parallel_aisles_follow_the_footprint() -> None:
    """A wide footprint gives more, shorter aisles than a deep one."""
    wide = parallel_aisles_spec(2000, footprint=(120, 30))
    deep = parallel_aisles_spec(2000, footprint=(30, 120))
    assert wide["aisles"] > deep["aisles"] and wide["cells"] < deep["cells"]


@pytest.mark.parametrize("aisles_even", [True, False])
def test_middle_depot_is_halfway_across(aisles_even: bool) -> None:
    """The depot stands on the front cross-aisle at the middle of the aisles."""
    layout = parallel_aisles(2080 if aisles_even else 2 * 25 * 40, footprint=(2.0, 1.0))
    assert layout.aisles is not None
    xs = layout.aisles.aisle_x
    depot_x = layout.xy[layout.depot().node][0]
    assert depot_x == pytest.approx((xs.min() + xs.max()) / 2)
    assert layout.xy[layout.depot().node][1] == pytest.approx(layout.aisles.cross_y[0])


def test_bad_builder_arguments_are_named() -> None:
    with pytest.raises(PickoptError, match="blocks >= 1"):
        parallel_aisles_spec(100, blocks=0)
    with pytest.raises(PickoptError, match="depot must be"):
        parallel_aisles_spec(100, depot="back")
    with pytest.raises(PickoptError, match="no aisle long enough"):
        fishbone_spec(2.0)


def test_fishbone_default_is_the_shipped_file() -> None:
    """fishbone() compiles to the same layout as layouts/fishbone.json."""
    assert fishbone() == Layout.from_file(LAYOUTS / "fishbone.json")


def test_fishbone_by_slots_is_the_smallest_that_holds_them() -> None:
    """A target slot count gives the shallowest fishbone (in half metres) that holds it."""
    for slots in (500, 2080, 4000):
        spec = fishbone_spec(slots=slots)
        depth = spec["nodes"][0]["x"]  # the depot sits at (depth, 0)
        assert len(spec["slots"]) >= slots
        assert len(fishbone_spec(depth - 0.5)["slots"]) < slots


def test_fishbone_is_symmetric_and_every_slot_reachable() -> None:
    """Left and right halves mirror each other: the distances from the depot to
    the slots of aisle k and of its mirror image are equal."""
    layout = fishbone(slots=600)
    oracle = DistanceOracle(layout)
    n_aisles = max(s.aisle for s in layout.slots if s.aisle is not None)
    for k in (1, n_aisles // 4 + 1):
        mine = [s.node for s in layout.slots if s.aisle == k]
        mirror = [s.node for s in layout.slots if s.aisle == n_aisles + 1 - k]
        assert np.allclose(sorted(oracle.from_depot(mine)), sorted(oracle.from_depot(mirror)))
    assert np.isfinite(oracle.from_depot()).all()

"""Experiments: a grid of scenarios over the same orders gives one row per
scenario and wave, the same on any executor; the layout measures agree with
hand-checkable cases and with routing."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.batching import Cart
from optimizer.errors import PickoptError
from optimizer.executors import LocalProcesses
from optimizer.jobs.experiments import (
    pick_list_curve,
    run_experiments,
    saving_vs,
    single_command_travel,
)
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting
from optimizer.routing import route
from optimizer.synthetic import generate_history
from optimizer.synthetic.layouts import parallel_aisles
from optimizer.waves import WavePolicy, plan_wave
from tests.conftest import pa_spec, random_wave

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def small() -> Layout:
    return parallel_aisles(240, name="small")


@pytest.fixture(scope="module")
def small_two() -> Layout:
    return parallel_aisles(240, blocks=2, name="small-two")


def test_one_row_per_scenario_and_wave(small: Layout, small_two: Layout) -> None:
    """2 layouts x 2 batchings x 2 carts x 3 waves = 24 rows, grid columns first,
    a scenario label of the values that vary."""
    history = generate_history(60, days=3, orders_per_day=12, seed=1)
    waves = history.orders_by_day()
    frame = run_experiments([small, small_two], waves, profile=history.profile(),
                            batching=["fcfs", "savings"], carts=[10, Cart(max_items=30)],
                            progress=False)  # fmt: skip
    assert len(frame) == 24
    assert list(frame.columns[:7]) == ["scenario", "layout", "slotting", "batching",
                                       "routing", "cart", "wave"]  # fmt: skip
    assert set(frame["wave"]) == set(waves)
    assert frame["scenario"].iloc[0] == "small / fcfs / cart 10"
    assert (frame["orders"] == frame["wave"].map({d: len(o) for d, o in waves.items()})).all()
    assert (frame["runtime_s"] > 0).all()
    assert frame["saving_vs_single_pct"].notna().all()


def test_rows_are_what_plan_wave_gives(single_block: Layout) -> None:
    """A row's figures are those of plan_wave on the same wave and policy."""
    orders = random_wave(single_block, 20, np.random.default_rng(3))
    identity = Slotting.identity(single_block)
    frame = run_experiments({"hw": single_block}, orders, slottings={"bins": identity},
                            batching=["savings"], carts=[20], progress=False)  # fmt: skip
    plan = plan_wave(single_block, identity, orders, Cart(max_items=20),
                     WavePolicy(batching="savings"))  # fmt: skip
    (row,) = frame.to_dict("records")
    assert row["distance_m"] == plan.kpis.total_distance_m
    assert row["tours"] == plan.kpis.batches
    assert row["saving_vs_fcfs_pct"] == plan.kpis.saving_vs_fcfs_pct
    assert row["scenario"] == "all"


def test_same_frame_on_local_processes(single_block: Layout) -> None:
    """The executor changes where scenarios run, not what they give."""
    orders = random_wave(single_block, 12, np.random.default_rng(5))
    grid = {"slottings": {"bins": Slotting.identity(single_block)},
            "batching": ["fcfs", "savings"], "carts": [15], "progress": False}  # fmt: skip
    here = run_experiments([single_block], orders, **grid)
    there = run_experiments([single_block], orders, executor=LocalProcesses(2), **grid)
    columns = [c for c in here.columns if c != "runtime_s"]
    pd.testing.assert_frame_equal(here[columns], there[columns])


def test_policy_names_need_a_profile(single_block: Layout) -> None:
    orders = [Order("o", (OrderLine("sku"),))]
    with pytest.raises(PickoptError, match="needs a demand profile"):
        run_experiments([single_block], orders, slottings=["coi"], progress=False)


def test_saving_vs_a_baseline_matches_rows() -> None:
    """The saving compares each row with the baseline's row of the same wave and
    other grid values."""
    frame = pd.DataFrame({
        "layout": ["one", "one", "fish", "fish"], "slotting": "abc", "batching": "auto",
        "routing": "auto", "cart": [10, 20, 10, 20], "wave": "all",
        "distance_m": [200.0, 100.0, 150.0, 110.0],
    })  # fmt: skip
    out = saving_vs(frame, layout="one")
    assert out["saving_vs_one_pct"].tolist() == [0.0, 0.0, 25.0, -10.0]
    with pytest.raises(PickoptError, match="no rows with layout == 'two'"):
        saving_vs(frame, layout="two")
    with pytest.raises(PickoptError, match="not a grid column"):
        saving_vs(frame, distance_m=1.0)


def test_single_command_travel_by_hand() -> None:
    """One aisle of two cells 1 m and 2 m from the depot: 3 m on average there and
    back; weighting the far cell 3:1 gives 2 x (1 + 3 x 2) / 4 = 3.5 m."""
    layout = Layout.from_spec(pa_spec(aisles=1, cells=2, sides=1))
    codes = [s.code for s in layout.slots]
    assert single_command_travel(layout) == pytest.approx(3.0)
    assert single_command_travel(layout, {codes[0]: 1, codes[1]: 3}) == pytest.approx(3.5)


def test_single_command_travel_is_a_mean_of_routes(single_block: Layout) -> None:
    """The expectation equals the mean of one-pick routes over every slot."""
    sample = single_block.slots[::97]
    expected = np.mean([route(single_block, [s.code]).distance for s in sample])
    weights = {s.code: 1.0 for s in sample}
    assert single_command_travel(single_block, weights) == pytest.approx(expected)


def test_pick_list_curve_routes_distinct_slots(single_block: Layout) -> None:
    """Each row is a routed list of distinct slots; a seed gives the same lists."""
    curve = pick_list_curve({"hw": single_block}, [1, 5], samples=4, seed=2)
    assert curve.groupby("picks")["sample"].count().to_dict() == {1: 4, 5: 4}
    assert curve.equals(pick_list_curve({"hw": single_block}, [1, 5], samples=4, seed=2))
    one = curve[curve["picks"] == 1]["distance_m"]
    assert (one > 0).all() and (curve["method"] == "exact").all()
    with pytest.raises(PickoptError, match="does not fit"):
        pick_list_curve([single_block], [901])


def test_an_effort_applies_where_a_method_has_a_budget(single_block: Layout) -> None:
    """A policy's effort budgets the searches and is left out for fixed methods
    (FCFS has no budget) instead of failing the grid."""
    orders = random_wave(single_block, 10, np.random.default_rng(9))
    frame = run_experiments([single_block], orders, slottings={"bins": Slotting.identity},
                            batching=["fcfs", "auto"], policy=WavePolicy(effort=5),
                            progress=False)  # fmt: skip
    assert frame["batching_method"].tolist() == ["fcfs", "alns"]

"""DataFrames at the edges: every tabular result has ``to_frame()``, whose
distances add up to the result's own, and Jupyter shows short HTML summaries
(no array dumps); numpy scalars and strings are accepted where Python ones are."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.batching import Cart, batch_orders
from optimizer.jobs import replay
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting
from optimizer.routing import route
from optimizer.slotting import reslot
from optimizer.synthetic import generate_history
from optimizer.waves import plan_wave
from tests.conftest import LAYOUTS, random_wave

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def fishbone() -> Layout:
    return Layout.from_file(LAYOUTS / "fishbone.json")


@pytest.mark.parametrize("name", ["single_block.toml", "two_block.toml", "fishbone.json"])
def test_wave_plan_frame_legs_add_up_to_the_plan(name: str) -> None:
    """One row per pick step plus a drop-off per tour; the legs add up to the
    plan's total distance, each tour's to its route's, and the steps are the
    pick lists' sequence numbers."""
    layout = Layout.from_file(LAYOUTS / name)
    orders = random_wave(layout, 25, np.random.default_rng(7))
    plan = plan_wave(layout, Slotting.identity(layout), orders, Cart(max_items=20),
                     baselines=False)  # fmt: skip
    frame = plan.to_frame()
    picks = frame[frame["action"] == "pick"]
    assert len(picks) == sum(len(b.steps) for b in plan.batches)
    assert (frame["action"] == "drop-off").sum() == len(plan.batches)
    assert frame["leg_m"].sum() == pytest.approx(plan.kpis.total_distance_m, abs=1e-3)
    per_tour = frame.groupby("tour")["leg_m"].sum().to_numpy()
    assert per_tour == pytest.approx([b.distance for b in plan.batches])
    assert (frame["leg_m"] >= -1e-9).all()
    for t, b in enumerate(plan.batches):
        mine = picks[picks["tour"] == t]
        assert mine["step"].tolist() == list(range(1, len(b.steps) + 1))
        assert mine["bin"].tolist() == [s.bin for s in b.steps]
    assert picks["qty"].sum() == plan.kpis.units


def test_route_frame_legs_add_up(fishbone: Layout) -> None:
    """A route's frame: one row per stop and one back to the end depot; legs add
    up to the route's distance; positions are the stops' pick nodes."""
    codes = [fishbone.slots[i].code for i in range(0, 2080, 97)]
    r = route(fishbone, codes)
    frame = r.to_frame()
    assert frame["bin"].tolist()[:-1] == list(r.stops)
    assert frame["action"].tolist() == ["pick"] * len(r.stops) + ["end"]
    assert frame["leg_m"].sum() == pytest.approx(r.distance)
    assert frame["distance_m"].is_monotonic_increasing
    first = fishbone.xy[fishbone.slot(r.stops[0]).node]
    assert (frame.loc[0, "x"], frame.loc[0, "y"]) == tuple(first.tolist())


def test_batching_result_frame(single_block: Layout) -> None:
    """One row per batched order, with its batch and the batch's distance."""
    orders = random_wave(single_block, 15, np.random.default_rng(2))
    result = batch_orders(single_block, Slotting.identity(single_block), orders,
                          Cart(max_items=12), "savings")  # fmt: skip
    frame = result.to_frame()
    assert sorted(frame["order_id"]) == sorted(o.id for b in result.batches for o in b.orders)
    distances = frame.groupby("batch")["batch_distance_m"].first().sum()
    assert distances == pytest.approx(result.distance)
    assert frame.groupby("batch")["items"].sum().max() <= 12


def test_reslot_plan_and_replay_frames(single_block: Layout) -> None:
    """The re-slot plan's frame lists its moves; the replay's frame is tidy (day,
    slotting) and its totals are the report's distances."""
    history = generate_history(120, days=4, orders_per_day=30, seed=3)
    profile = history.profile()
    skus = sorted(profile.skus)
    current = Slotting(dict(zip(skus, (s.code for s in single_block.slots[::7]), strict=False)))
    plan = reslot(single_block, profile, current, max_moves=10)
    moves = plan.to_frame()
    assert len(moves) == len(plan.moves)
    assert moves["sku"].tolist() == [m.sku for m in plan.moves]
    report = replay(single_block, history.orders_by_day(),
                    {"old": current, "new": plan.slotting}, Cart(max_items=30))  # fmt: skip
    frame = report.to_frame()
    assert len(frame) == len(report.days) * 2
    totals = frame.groupby("slotting")["distance_m"].sum().to_dict()
    assert totals == pytest.approx(report.distance)


def test_html_reprs_are_short_summaries(single_block: Layout) -> None:
    """Layout, Route and WavePlan show a small table: name, sizes, distance, no arrays."""
    r = route(single_block, [s.code for s in single_block.slots[:40]])
    orders = [Order("a", (OrderLine("A01-B1-003-L-1"),))]
    plan = plan_wave(single_block, Slotting.identity(single_block), orders, Cart(max_items=4))
    for obj, must in ((single_block, "900"), (r, f"{r.distance:,.1f} m"),
                      (plan, "1 planned")):  # fmt: skip
        html = obj._repr_html_()
        assert html.startswith("<table>") and must in html
        assert len(html) < 2000 and "array(" not in html and "[[" not in html


def test_numpy_scalars_and_strings_are_accepted(single_block: Layout) -> None:
    """Codes, ids, SKUs and limits taken from numpy arrays work as Python values do."""
    codes = np.array([s.code for s in single_block.slots[:5]])
    assert route(single_block, codes).stops == route(single_block, codes.tolist()).stops
    slotting = Slotting({np.str_("a"): codes[0], np.str_("b"): codes[3]})
    order = Order(np.str_("o1"), (OrderLine(np.str_("a"), np.int64(2)), OrderLine("b")))
    plan = plan_wave(single_block, slotting, [order], Cart(max_items=np.int64(10)))
    frame = plan.to_frame()
    assert frame["order_id"].iloc[0] == "o1" and type(frame["qty"].iloc[0]) is not str

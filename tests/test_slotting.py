"""Slotting: demand profiles, classes, slot costs, assignment, re-slotting moves,
replay, the history generator and ``pickopt slot``.

Each test checks one invariant; small hand-checkable fixtures first, seeded
generated histories where scale matters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.batching import Cart
from optimizer.cli import main
from optimizer.errors import CapacityError, PickoptError, UnknownSlotError
from optimizer.io import read_slotting, write_slotting
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting
from optimizer.progress import Progress
from optimizer.slotting import (
    DemandProfile,
    HistoryError,
    Move,
    MoveError,
    SlotCosts,
    SlottingWarning,
    apply_moves,
    assign,
    classify,
    history_orders,
    replay,
    reslot,
    slot_costs,
)
from optimizer.slotting.tours import TourGain, sample_tours
from optimizer.synthetic import generate_history
from tests.conftest import LAYOUTS, ROOT

HISTORY = ROOT / "instances" / "history_single_block_30d_s1.csv"
MASTER = ROOT / "instances" / "history_single_block_30d_s1_skus.csv"
SINGLE = str(LAYOUTS / "single_block.toml")


# ---- fixtures -----------------------------------------------------------------------------
def tiny_layout(levels: int = 1, cells: int = 3, aisles: int = 2) -> Layout:
    """``aisles`` x ``cells`` x 2 sides x ``levels`` slots, depot at the front of aisle 1."""
    return Layout.from_spec(
        {
            "name": "tiny",
            "kind": "parallel-aisles",
            "aisles": aisles,
            "cells": cells,
            "cell_length": 1.0,
            "aisle_spacing": 4.0,
            "cross_aisle_to_cell": 1.0,
            "levels": levels,
            "depots": [{"name": "D", "aisle": 1, "at": "front"}],
        }
    )


def with_capacities(layout: Layout, capacities: list[float]) -> Layout:
    """The layout with slot ``k`` holding ``capacities[k % len(capacities)]`` litres."""
    slots = tuple(
        dataclasses.replace(s, capacity=capacities[k % len(capacities)])
        for k, s in enumerate(layout.slots)
    )
    return dataclasses.replace(layout, slots=slots)


@pytest.fixture(scope="module")
def history():
    """A seeded 21-day history on 300 SKUs (about 100 orders a day)."""
    return generate_history(300, days=21, orders_per_day=100, seed=5)


@pytest.fixture(scope="module")
def profile(history) -> DemandProfile:
    """Its demand profile."""
    return history.profile()


def naive_profile(rows: list[tuple[str, str, int]]) -> dict[str, tuple[int, int, int]]:
    """SKU -> (picks, units, orders), by plain counting."""
    picks: Counter[str] = Counter()
    units: Counter[str] = Counter()
    orders: dict[str, set[str]] = {}
    for oid, sku, qty in rows:
        picks[sku] += 1
        units[sku] += qty
        orders.setdefault(sku, set()).add(oid)
    return {s: (picks[s], units[s], len(orders[s])) for s in picks}


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---- profile ------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["o1", "o2", "o3", "o4", "o5"]),
            st.sampled_from(["a", "b", "c", "d", "e", "f"]),
            st.integers(1, 9),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_profile_counts_match_naive(rows: list[tuple[str, str, int]]) -> None:
    """Picks, units and distinct orders per SKU equal a plain count."""
    oids, skus, qty = zip(*rows, strict=True)
    p = DemandProfile.from_arrays(list(oids), list(skus), list(qty))
    got = {s: (int(p.picks[k]), int(p.units[k]), int(p.orders[k])) for k, s in enumerate(p.skus)}
    assert got == naive_profile(rows)
    assert p.n_lines == len(rows) and p.n_orders == len(set(oids))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_copick_pairs_match_naive(seed: int) -> None:
    """The top co-picked pairs and their counts are those of a plain count."""
    rng = np.random.default_rng(seed)
    rows = [(f"o{rng.integers(20)}", f"s{rng.integers(8)}", 1) for _ in range(80)]
    oids, skus, qty = zip(*rows, strict=True)
    p = DemandProfile.from_arrays(list(oids), list(skus), list(qty), top_pairs=100)
    by_order: dict[str, set[str]] = {}
    for oid, sku, _ in rows:
        by_order.setdefault(oid, set()).add(sku)
    naive = Counter(
        pair for skus_ in by_order.values() for pair in itertools.combinations(sorted(skus_), 2)
    )
    assert {(c.a, c.b): c.orders for c in p.pairs} == dict(naive)
    counts = [c.orders for c in p.pairs]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_chunked_reading_equals_one_chunk(tmp_path: Path, history, suffix: str) -> None:
    """Reading in small chunks (orders straddle chunks) gives the same profile."""
    path = history.write(tmp_path / f"h{suffix}")
    whole = DemandProfile.from_file(path)
    chunked = DemandProfile.from_file(path, chunk_rows=7)
    assert whole.skus == chunked.skus
    for name in ("picks", "units", "orders"):
        assert np.array_equal(getattr(whole, name), getattr(chunked, name))
    assert whole.n_orders == chunked.n_orders and whole.pairs == chunked.pairs


def test_csv_and_parquet_agree(tmp_path: Path, history) -> None:
    """The same history as CSV and as Parquet gives the same profile."""
    a = DemandProfile.from_file(history.write(tmp_path / "h.csv"))
    b = DemandProfile.from_file(history.write(tmp_path / "h.parquet"))
    assert dict(zip(a.skus, a.picks.tolist(), strict=True)) == dict(
        zip(b.skus, b.picks.tolist(), strict=True)
    )
    assert (a.n_orders, a.n_days, a.first_day, a.last_day) == (
        b.n_orders, b.n_days, b.first_day, b.last_day)  # fmt: skip
    assert a.pairs[0] == b.pairs[0]


def test_generated_profile_matches_generator(history, profile: DemandProfile) -> None:
    """The profile of a generated history counts exactly its lines, orders and days."""
    assert profile.n_lines == history.n_lines
    assert profile.n_orders == history.n_orders
    assert profile.n_days == 21 and profile.first_day == dt.date(2024, 1, 1)


BAD_CSV = """order_id,sku,qty,date
o1,a,1,2024-01-01
o1,b,x,2024-01-01

,,,
o2,a,2
o3,,1,2024-01-02
,c,1,2024-01-02
o4,c,-1,2024-01-02
o5,d,1.5,2024-01-02
o6,d,3,2024-01-0x
o7,e,2,2024-01-03T10:00:00
o7,a,1,2024-01-03
"""


def test_malformed_rows_are_counted_and_the_rest_processed(tmp_path: Path) -> None:
    """Each kind of bad row is counted with its line; the good rows still count."""
    p = DemandProfile.from_file(write_csv(tmp_path / "bad.csv", BAD_CSV))
    assert dict(p.issues.counts) == {
        "empty row": 2,
        "wrong number of fields": 1,
        "missing order_id": 1,
        "missing sku": 1,
        "bad qty": 3,
        "bad date": 1,
    }
    assert p.issues.total == 9
    assert dict(zip(p.skus, p.picks.tolist(), strict=True)) == {"a": 2, "e": 1}
    assert any("line 3" in e and "'x'" in e for e in p.issues.examples["bad qty"])
    assert any("line 6" in e for e in p.issues.examples["wrong number of fields"])
    assert any("line 11" in e for e in p.issues.examples["bad date"])
    assert "9 rows skipped" in p.issues.describe()


def test_missing_column_is_named(tmp_path: Path) -> None:
    """A history without ``qty`` is rejected naming the column and the near miss."""
    path = write_csv(tmp_path / "h.csv", "order_id,sku,qtty\no1,a,1\n")
    with pytest.raises(HistoryError, match=r"missing column 'qty'.*did you mean 'qtty'"):
        DemandProfile.from_file(path)


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("h.txt", "order_id,sku,qty\n", "unknown history file type"),
        ("missing.csv", None, "no such history file"),
        ("empty.csv", "", "empty file"),
        ("allbad.csv", "order_id,sku,qty\no1,,1\n,a,1\n", "no usable order lines.*2 rows skipped"),
    ],
)
def test_unreadable_histories_are_clear_errors(
    tmp_path: Path, name: str, text: str | None, match: str
) -> None:
    """Wrong type, missing file, empty file, no usable row: one clear HistoryError each."""
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(HistoryError, match=match):
        DemandProfile.from_file(path)


def test_sku_master_gives_cubes(tmp_path: Path) -> None:
    """Master cubes join by SKU; SKUs it lacks stay unknown; its extra SKUs are counted."""
    hist = write_csv(tmp_path / "h.csv", "order_id,sku,qty\no1,a,1\no1,b,2\n")
    master = write_csv(tmp_path / "m.csv", "sku,unit_cube\na,2.5\nz,1\n")
    p = DemandProfile.from_file(hist, sku_master=master)
    assert p.unit_cube[p.index["a"]] == 2.5 and np.isnan(p.unit_cube[p.index["b"]])
    assert p.master_only == 1 and p.known_cube == 1


def test_sku_master_bad_cube_names_line(tmp_path: Path) -> None:
    """A negative unit cube in the master is an error naming the line and SKU."""
    hist = write_csv(tmp_path / "h.csv", "order_id,sku,qty\no1,a,1\n")
    master = write_csv(tmp_path / "m.csv", "sku,unit_cube\na,1\nb,-3\n")
    with pytest.raises(HistoryError, match=r"line 3: SKU 'b'"):
        DemandProfile.from_file(hist, sku_master=master)


def test_date_window_keeps_only_those_days(tmp_path: Path, history) -> None:
    """``since``/``until`` keep the lines of those days and count the others."""
    path = history.write(tmp_path / "h.parquet")
    p = DemandProfile.from_file(path, since="2024-01-08", until=dt.date(2024, 1, 14))
    assert (p.first_day, p.last_day, p.n_days) == (dt.date(2024, 1, 8), dt.date(2024, 1, 14), 7)
    assert p.n_lines + p.outside == history.n_lines


# ---- classes ------------------------------------------------------------------------------
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


# ---- re-slotting --------------------------------------------------------------------------
def check_applicable(layout: Layout, current: Slotting, plan, space=None) -> None:
    """The plan's moves apply in order to ``current`` and give ``plan.slotting``."""
    after = apply_moves(current, plan.moves, layout=layout, space=space)
    assert after.bins == plan.slotting.bins
    assert Counter(after.bins.values()).most_common(1)[0][1] == 1, "two SKUs in one bin"
    moved = [m.sku for m in plan.moves]
    assert len(moved) == len(set(moved)), "a SKU moved twice"
    if plan.max_moves is not None:
        assert plan.moves_used <= plan.max_moves


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
    plan = reslot(single_block, new, current, budget, policy)
    check_applicable(single_block, current, plan)


def test_moves_respect_capacities(single_block: Layout, history) -> None:
    """With mixed slot sizes every destination holds the SKU that moves there."""
    layout = with_capacities(single_block, [3.0, 3.0, 8.0, 40.0])
    old = history.window(0, 9).profile(with_cube=True)
    new = history.window(10, 20).profile(with_cube=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        current = assign(layout, old, "random", seed=3)
        plan = reslot(layout, new, current, None, "turnover")
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
        plan = reslot(single_block, new, current, budget, "turnover")
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
    plan = reslot(single_block, p, current, 0, "turnover")
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
        reslot(single_block, p, current, 5, unknown_skus="error")


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
        reslot(single_block, profile, current, 10, "random")


@pytest.mark.parametrize(
    ("moves", "match"),
    [
        ([Move(1, "a", "A01-B1-001-L-1", "A01-B1-002-L-1", 0, "move")], "not empty"),
        ([Move(1, "a", "A01-B1-009-L-1", "A01-B1-003-L-1", 0, "move")], "expected in bin"),
        ([Move(1, "a", "A01-B1-001-L-1", "A01-B1-003-L-1", 0, "move"),
          Move(2, "a", "A01-B1-003-L-1", "A01-B1-004-L-1", 0, "move")], "moved again"),
        ([Move(1, "a", "A01-B1-001-L-1", "A01-B1-003-L-1", 0, "swap"),
          Move(1, "b", "A01-B1-002-L-1", "A01-B1-003-L-1", 0, "swap")], "not empty"),
        ([Move(2, "a", "A01-B1-001-L-1", "A01-B1-003-L-1", 0, "move"),
          Move(1, "b", "A01-B1-002-L-1", "A01-B1-004-L-1", 0, "move")], "steps must increase"),
    ],
)  # fmt: skip
def test_inapplicable_move_lists_are_rejected(moves: list[Move], match: str) -> None:
    """apply_moves names the step and SKU of the first move that cannot be done."""
    current = Slotting({"a": "A01-B1-001-L-1", "b": "A01-B1-002-L-1"})
    with pytest.raises(MoveError, match=match):
        apply_moves(current, moves)


def test_swap_is_applicable_as_one_step() -> None:
    """Two moves sharing a step exchange two SKUs' bins."""
    current = Slotting({"a": "A01-B1-001-L-1", "b": "A01-B1-002-L-1"})
    moves = [Move(1, "a", "A01-B1-001-L-1", "A01-B1-002-L-1", 1.0, "swap"),
             Move(1, "b", "A01-B1-002-L-1", "A01-B1-001-L-1", -0.5, "swap")]  # fmt: skip
    after = apply_moves(current, moves)
    assert after.bins == {"a": "A01-B1-002-L-1", "b": "A01-B1-001-L-1"}


# ---- re-slotting by tour gains ------------------------------------------------------------
SMALL_TOURS = TourGain(max_tours=60)


def slot_array(layout: Layout, skus: list[str], slotting: Slotting) -> np.ndarray:
    """Slot index of each SKU (-1: none)."""
    index = {s.code: s.index for s in layout.slots}
    return np.array([index[slotting.bins[s]] if s in slotting else -1 for s in skus])


def test_tour_gain_equals_the_measured_change(single_block: Layout, history) -> None:
    """The gain of a move or a swap is the change of the sampled tours' length, and
    equals routing every sampled tour again from scratch."""
    p = history.window(0, 6).profile()
    current = assign(single_block, p, "random", seed=2)
    skus = list(p.skus)
    slot_of = slot_array(single_block, skus, current)
    orders = history.window(0, 6).orders_by_day()
    index = {s: k for k, s in enumerate(skus)}
    for batching in ("savings", "fcfs"):
        tours = sample_tours(single_block, orders, current, index, slot_of, Cart(max_items=45),
                             TourGain(batching=batching, max_tours=50))  # fmt: skip
        assert tours.tours >= 50
        assert tours.per_day() == pytest.approx(tours.per_day_under(slot_of))
        rng = np.random.default_rng(7)
        free = sorted(set(range(len(single_block.slots))) - set(slot_of.tolist()))
        hot = np.argsort(-p.picks)[:30].tolist()
        for _ in range(12):
            i, t = (int(x) for x in rng.choice(hot, 2, replace=False))
            if rng.random() < 0.5:  # into a free slot
                who, dests = [i], [free.pop(int(rng.integers(len(free))))]
                free.append(int(tours.slot_of[i]))
            else:  # a swap
                who, dests = [i, t], [int(tours.slot_of[t]), int(tours.slot_of[i])]
            before = tours.per_day()
            gain = tours.delta(who, dests)
            after = tours.slot_of.copy()
            after[who] = dests
            assert gain == pytest.approx(before - tours.per_day_under(after), abs=1e-9)
            tours.apply(who, dests)
            assert tours.per_day() == pytest.approx(before - gain, abs=1e-9)
            assert tours.per_day() == pytest.approx(tours.per_day_under(tours.slot_of), abs=1e-9)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 1000),
    budget=st.integers(0, 40),
    policy=st.sampled_from(["class-based", "turnover", "coi"]),
    start=st.sampled_from(["random", "class-based"]),
)
def test_tour_move_lists_are_applicable(
    single_block: Layout, history, seed: int, budget: int, policy: str, start: str
) -> None:
    """Tour-ranked moves apply in order: each SKU once, never into an occupied bin,
    within budget; each step saves on the sampled tours, and the steps' gains add
    up to the sampled tours' drop."""
    old = history.window(0, 9).profile()
    new = history.window(10, 20).profile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        current = assign(single_block, old, start, seed=seed)
    orders = history.window(10, 20).orders_by_day()
    plan = reslot(single_block, new, current, budget, policy, gain="tours", orders=orders,
                  tours=SMALL_TOURS)  # fmt: skip
    check_applicable(single_block, current, plan)
    assert plan.gain == "tours"
    steps: dict[int, float] = {}
    for m in plan.moves:
        if m.kind != "put-away":
            steps[m.step] = steps.get(m.step, 0.0) + m.expected_gain_m
    assert all(g >= -1e-9 for g in steps.values())
    t = plan.tour_m_per_day
    if budget:
        assert sum(steps.values()) == pytest.approx(t["current"] - t["planned"], abs=1e-6)
    else:
        assert not steps


def test_tour_plan_is_measured_on_its_own_sample(single_block: Layout, history) -> None:
    """Routing the sampled tours again under the planned slotting and the target
    gives the lengths the plan reports; the budgeted plan walks less than before."""
    current = assign(single_block, history.window(0, 9).profile(), "random", seed=4)
    new = history.window(10, 20).profile()
    orders = history.window(10, 20).orders_by_day()
    plan = reslot(single_block, new, current, 30, "turnover", gain="tours", orders=orders,
                  tours=SMALL_TOURS)  # fmt: skip
    skus = [s for s in new.skus]
    index = {s: k for k, s in enumerate(skus)}
    cart = Cart(max_items=45)
    start = slot_array(single_block, skus, apply_moves(
        current, [m for m in plan.moves if m.kind == "put-away"]))  # fmt: skip
    tours = sample_tours(single_block, orders, plan.target, index, start, cart, SMALL_TOURS)
    assert tours.per_day() == pytest.approx(plan.tour_m_per_day["current"])
    planned = slot_array(single_block, skus, plan.slotting)
    assert tours.per_day_under(planned) == pytest.approx(plan.tour_m_per_day["planned"])
    target = slot_array(single_block, skus, plan.target)
    assert tours.per_day_under(target) == pytest.approx(plan.tour_m_per_day["target"])
    assert plan.tour_m_per_day["planned"] < plan.tour_m_per_day["current"]
    assert 0 < plan.moves_used <= 30


def test_tour_moves_respect_capacities(single_block: Layout, history) -> None:
    """With mixed slot sizes every tour-ranked destination holds the SKU."""
    layout = with_capacities(single_block, [3.0, 3.0, 8.0, 40.0])
    old = history.window(0, 9).profile(with_cube=True)
    new = history.window(10, 20).profile(with_cube=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        current = assign(layout, old, "random", seed=3)
        orders = history.window(10, 20).orders_by_day()
        plan = reslot(layout, new, current, 40, "turnover", gain="tours", orders=orders,
                      tours=SMALL_TOURS)  # fmt: skip
    space = dict(zip(new.skus, new.space().tolist(), strict=True))
    assert plan.moves_used > 0
    check_applicable(layout, current, plan, space)


def test_tour_gain_without_budget_is_the_full_reslot(single_block: Layout, history) -> None:
    """Without a budget every action toward the target is taken, whatever the gain model."""
    current = assign(single_block, history.window(0, 9).profile(), "random", seed=1)
    new = history.window(10, 20).profile()
    picks = reslot(single_block, new, current, None, "turnover")
    tours = reslot(single_block, new, current, None, "turnover", gain="tours",
                   orders=history.window(10, 20).orders_by_day())  # fmt: skip
    assert tours.slotting.bins == picks.slotting.bins


def test_tour_gain_options_are_checked(single_block: Layout, profile) -> None:
    """Unknown gain models, missing orders and bad options are named."""
    current = assign(single_block, profile, "random")
    with pytest.raises(PickoptError, match="did you mean 'tours'"):
        reslot(single_block, profile, current, 10, gain="tour")
    with pytest.raises(PickoptError, match="needs the historical orders"):
        reslot(single_block, profile, current, 10, gain="tours")
    with pytest.raises(PickoptError, match="did you mean 'savings'"):
        TourGain(batching="saving")
    with pytest.raises(PickoptError, match="max_tours must be a whole number"):
        TourGain(max_tours=0)


# ---- replay -------------------------------------------------------------------------------
def test_replay_of_equal_slottings_walks_equally(single_block: Layout, history) -> None:
    """Two names for one slotting walk the same metres; days add up to the total."""
    p = history.profile()
    s = assign(single_block, p, "class-based")
    days = dict(list(history.orders_by_day().items())[:3])
    r = replay(single_block, days, {"x": s, "y": s}, Cart(max_items=45))
    assert r.distance["x"] == r.distance["y"] > 0
    assert sum(r.per_day[d]["x"] for d in r.days) == pytest.approx(r.distance["x"])
    assert r.orders == sum(len(v) for v in days.values())


def test_replay_leaves_out_orders_a_slotting_cannot_place(single_block: Layout) -> None:
    """Orders with a SKU missing from one slotting are excluded from all and counted."""
    a = Slotting({"x": "A01-B1-001-L-1", "y": "A02-B1-001-L-1"})
    b = Slotting({"x": "A03-B1-001-L-1"})
    orders = [Order("o1", (OrderLine("x"),)), Order("o2", (OrderLine("x"), OrderLine("y")))]
    r = replay(single_block, orders, {"a": a, "b": b}, Cart(max_items=10))
    assert r.orders == 1 and r.excluded == 1
    assert "order 'o2': SKU 'y' not in 'b'" in r.excluded_examples[0]


def test_class_based_beats_random_in_replay(single_block: Layout) -> None:
    """On skewed demand, class-based storage walks at least 20 % less than random."""
    h = generate_history(600, days=4, orders_per_day=80, seed=11)
    p = h.profile()
    slottings = {pol: assign(single_block, p, pol) for pol in ("random", "class-based")}
    r = replay(single_block, h.orders_by_day(), slottings, Cart(max_items=45))
    assert r.saving_pct("random", "class-based") >= 20


def test_history_orders_keeps_the_last_days(tmp_path: Path, history) -> None:
    """The last 3 days are read back as orders, at most 5 a day if asked."""
    path = history.write(tmp_path / "h.csv")
    days = history_orders(path, days=3)
    assert list(days) == ["2024-01-19", "2024-01-20", "2024-01-21"]
    expected = history.window(18, 20).orders_by_day()
    assert {d: len(v) for d, v in days.items()} == {d: len(v) for d, v in expected.items()}
    assert days["2024-01-19"][0] == expected["2024-01-19"][0]
    sampled = history_orders(path, days=3, max_orders_per_day=5, seed=1)
    assert all(len(v) == 5 for v in sampled.values())


# ---- generator ----------------------------------------------------------------------------
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


# ---- progress bar -------------------------------------------------------------------------
def test_progress_bar_draws_only_when_asked() -> None:
    """Disabled bars write nothing; enabled ones draw and end the line."""
    import io

    quiet, loud = io.StringIO(), io.StringIO()
    for stream, enabled in ((quiet, False), (loud, True)):
        with Progress("work", total=2, enabled=enabled, stream=stream) as bar:
            bar.advance(2)
    assert quiet.getvalue() == ""
    assert "work [" in loud.getvalue() and "100%" in loud.getvalue()
    assert loud.getvalue().endswith("\n")


# ---- command line -------------------------------------------------------------------------
def test_cli_slot_writes_slotting_and_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`pickopt slot` writes the slotting, the CSV report and a summary with the ABC table."""
    code = main(["slot", "--layout", SINGLE, "--history", str(HISTORY), "--sku-master",
                 str(MASTER), "--out", str(tmp_path), "--replay-days", "2"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "replay" in out
    report = (tmp_path / "report.md").read_text()
    assert "## ABC classes" in report and "| A |" in report and "saving" in report
    assert read_slotting(tmp_path / "slotting.csv").bins
    assert (tmp_path / "skus.csv").exists() and (tmp_path / "replay.csv").exists()


def test_cli_slot_reslots_with_a_move_budget(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, single_block: Layout
) -> None:
    """With --current and --max-moves the move list is written and applies in order."""
    p = DemandProfile.from_file(HISTORY)
    current = assign(single_block, p, "random", seed=1)
    write_slotting(current, tmp_path / "current.csv")
    code = main(["slot", "--layout", SINGLE, "--history", str(HISTORY), "--current",
                 str(tmp_path / "current.csv"), "--max-moves", "20", "--out",
                 str(tmp_path / "out"), "--replay-days", "1"])  # fmt: skip
    assert code == 0 and "moves" in capsys.readouterr().out
    import csv

    with (tmp_path / "out" / "moves.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    moves = [
        Move(int(r["step"]), r["sku"], r["from_bin"], r["to_bin"], float(r["expected_gain_m"]),
             r["kind"])
        for r in rows
    ]  # fmt: skip
    assert 0 < sum(m.kind != "put-away" for m in moves) <= 20
    after = apply_moves(read_slotting(tmp_path / "current.csv"), moves, layout=single_block)
    assert after.bins == read_slotting(tmp_path / "out" / "slotting.csv").bins


def test_cli_slot_bad_history_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A history without a qty column: exit code 2 and one line naming the column."""
    bad = write_csv(tmp_path / "h.csv", "order_id,sku\no1,a\n")
    code = main(["slot", "--layout", SINGLE, "--history", str(bad), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "missing column 'qty'" in err and len(err.strip().splitlines()) == 1

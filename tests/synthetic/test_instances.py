"""Seeded instance generators: deterministic for a seed, the sizes they
promise, a real ABC skew in the Henn & Wäscher setting, Zipf demand with
fast movers nearest the depot in large waves, and committed instance files
that are exactly what ``instances/generate.py`` writes."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from optimizer.batching.carts import Cart
from optimizer.distance import DistanceOracle
from optimizer.errors import CapacityError, PickoptError
from optimizer.io import read_orders, read_slotting
from optimizer.layout import Layout
from optimizer.orders import Order, Slotting
from optimizer.synthetic import HENN_CLASSES, henn_instance, henn_layout, large_wave
from tests.conftest import ROOT

INSTANCES = ROOT / "instances"


def class_shares(layout: Layout, slotting: Slotting, orders: list[Order]) -> dict[str, float]:
    """Share of order lines whose SKU is stored in each ABC class's aisles."""
    cls = {a: name for name, aisles, _ in HENN_CLASSES for a in aisles}
    aisles = [layout.slot(slotting.bin_of(ln.sku)).aisle for o in orders for ln in o.lines]
    counts = Counter(cls[a] for a in aisles if a is not None)
    total = sum(counts.values())
    return {name: counts[name] / total for name, _, _ in HENN_CLASSES}


# ---- henn_instance -----------------------------------------------------------------------


def test_henn_layout_is_single_block(single_block: Layout) -> None:
    """The generator's warehouse is layouts/single_block.toml."""
    assert henn_layout().version == single_block.version


def test_henn_deterministic() -> None:
    """The same seed gives the same instance; another seed another one."""
    a = henn_instance(40, 30, "abc", seed=7)
    b = henn_instance(40, 30, "abc", seed=7)
    c = henn_instance(40, 30, "abc", seed=8)
    assert a[2] == b[2] and a[1].bins == b[1].bins
    assert a[2] != c[2] and a[1].bins != c[1].bins


@pytest.mark.parametrize("storage", ["abc", "random"])
def test_henn_sizes(storage: str) -> None:
    """n orders of 5..25 distinct SKUs of one unit, 900 SKUs one per slot, the cart."""
    layout, slotting, orders, cart = henn_instance(100, 45, storage, seed=3)  # type: ignore[arg-type]
    assert len(orders) == 100 and len({o.id for o in orders}) == 100
    sizes = [len(o.lines) for o in orders]
    assert min(sizes) >= 5 and max(sizes) <= 25 and len(set(sizes)) > 10
    assert all(len(o.skus) == len(o.lines) for o in orders)
    assert all(ln.qty == 1 for o in orders for ln in o.lines)
    assert len(slotting) == 900 and len(set(slotting.bins.values())) == 900
    slotting.check(layout)
    assert cart == Cart(max_items=45)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_henn_abc_skew(seed: int) -> None:
    """Under ABC storage the share of picks in each class is within 0.025 of
    52 / 36 / 12 % (about 4,500 lines; 3 standard deviations for class A)."""
    layout, slotting, orders, _ = henn_instance(300, 45, "abc", seed=seed)
    shares = class_shares(layout, slotting, orders)
    for name, _, target in HENN_CLASSES:
        assert shares[name] == pytest.approx(target, abs=0.025), (name, shares)


def test_henn_random_storage_is_flat() -> None:
    """Under random storage each class gets its share of the slots: 10/30/60 %."""
    layout, slotting, orders, _ = henn_instance(300, 45, "random", seed=0)
    shares = class_shares(layout, slotting, orders)
    assert shares == pytest.approx({"A": 0.1, "B": 0.3, "C": 0.6}, abs=0.025)


def test_henn_abc_classes_in_their_aisles() -> None:
    """SKUs 1-90 are in aisle 1, 91-360 in aisles 2-4, the rest in 5-10."""
    layout, slotting, _, _ = henn_instance(10, 30, "abc", seed=0)
    aisle = {int(s[4:]): layout.slot(b).aisle for s, b in slotting.bins.items()}
    assert {aisle[k] for k in range(1, 91)} == {1}
    assert {aisle[k] for k in range(91, 361)} == {2, 3, 4}
    assert {aisle[k] for k in range(361, 901)} == set(range(5, 11))


def test_henn_bad_arguments() -> None:
    """A misspelt storage, no orders and a cart smaller than an order are refused."""
    with pytest.raises(PickoptError, match="did you mean 'random'"):
        henn_instance(10, 30, "randm", seed=0)  # type: ignore[arg-type]
    with pytest.raises(PickoptError, match="n_orders must be a positive integer"):
        henn_instance(0, 30)
    with pytest.raises(CapacityError, match=">= 25"):
        henn_instance(10, 20)


# ---- large_wave ---------------------------------------------------------------------------


def test_wave_deterministic(single_block: Layout) -> None:
    """The same seed gives the same wave and slotting."""
    a = large_wave(single_block, 300, seed=5)
    b = large_wave(single_block, 300, seed=5)
    assert a[1] == b[1] and a[0].bins == b[0].bins
    assert large_wave(single_block, 300, seed=6)[1] != a[1]


def test_wave_sizes(single_block: Layout) -> None:
    """n orders of 1..10 distinct SKUs, quantities 1..5 with unit volume and
    weight, mostly small orders, and every SKU slotted in its own slot."""
    slotting, orders = large_wave(single_block, 2000, seed=1)
    assert len(orders) == 2000 and len({o.id for o in orders}) == 2000
    sizes = np.array([len(o.lines) for o in orders])
    assert sizes.min() == 1 and sizes.max() <= 10
    assert 0.35 < (sizes == 1).mean() < 0.45 and 2.0 < sizes.mean() < 2.8
    assert all(len(o.skus) == len(o.lines) for o in orders)
    lines = [ln for o in orders for ln in o.lines]
    assert {ln.qty for ln in lines} <= {1, 2, 3, 4, 5}
    assert all(ln.unit_volume and ln.unit_weight for ln in lines)
    assert len(slotting) == 900 and len(set(slotting.bins.values())) == 900
    slotting.check(single_block)
    assert all(o.due is None and o.carrier is None for o in orders)


def test_wave_zipf_and_fast_movers_near_the_depot(single_block: Layout) -> None:
    """The top 20 % of SKUs take over 70 % of the lines, and the more a SKU is
    ordered the nearer the depot it is stored (rank correlation below -0.5;
    the 20 most ordered SKUs all within the nearest 10 % of slots)."""
    slotting, orders = large_wave(single_block, 5000, seed=2)
    counts = Counter(ln.sku for o in orders for ln in o.lines)
    ranked = sorted(counts.values(), reverse=True)
    assert sum(ranked[:180]) / sum(ranked) > 0.7
    oracle = DistanceOracle.for_layout(single_block)
    skus = sorted(slotting)
    dist = oracle.from_depot(single_block.nodes_of([slotting.bin_of(s) for s in skus]))
    freq = np.array([counts.get(s, 0) for s in skus], dtype=float)
    rank = lambda v: np.argsort(np.argsort(v))  # noqa: E731
    assert np.corrcoef(rank(freq), rank(dist))[0, 1] < -0.5
    all_slots = np.sort(oracle.from_depot(single_block.nodes_of(range(len(single_block.slots)))))
    top = [s for s, _ in counts.most_common(20)]
    top_dist = oracle.from_depot(single_block.nodes_of([slotting.bin_of(s) for s in top]))
    assert top_dist.max() <= all_slots[90]


def test_wave_other_layouts(two_block: Layout, layouts: dict[str, Layout]) -> None:
    """Waves work on a two-level, two-depot layout and on the graph-tier fishbone."""
    for layout in (two_block, layouts["fishbone.json"]):
        slotting, orders = large_wave(layout, 100, seed=0, n_skus=300)
        assert len(slotting) == 300 and len(orders) == 100
        slotting.check(layout)


def test_wave_cutoffs(single_block: Layout) -> None:
    """With cut-offs every order gets a carrier and that carrier's due time."""
    cutoffs = {"DHL": 50_400.0, "UPS": 57_600.0}
    _, orders = large_wave(single_block, 200, seed=0, cutoffs=cutoffs)
    assert {o.carrier for o in orders} == {"DHL", "UPS"}
    assert all(o.carrier is not None and o.due == cutoffs[o.carrier] for o in orders)


def test_wave_bad_arguments(single_block: Layout) -> None:
    """More SKUs than slots, no orders and a negative skew are refused."""
    with pytest.raises(CapacityError, match="901 SKUs do not fit the 900 slots"):
        large_wave(single_block, 10, n_skus=901)
    with pytest.raises(PickoptError, match="n_orders must be a positive integer"):
        large_wave(single_block, 0)
    with pytest.raises(PickoptError, match="skew must be >= 0"):
        large_wave(single_block, 10, skew=-1.0)


# ---- the committed files --------------------------------------------------------------------


def load_generate() -> ModuleType:
    path = INSTANCES / "generate.py"
    spec = importlib.util.spec_from_file_location("generate_instances", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_files_are_generated(tmp_path: Path) -> None:
    """instances/ holds exactly what generate.py writes, every file under 1 MB."""
    written = load_generate().write_all(tmp_path)
    assert written
    for path in written:
        committed = INSTANCES / path.name
        assert committed.read_bytes() == path.read_bytes(), (
            f"rerun instances/generate.py ({path.name})"
        )
        assert committed.stat().st_size < 1_000_000


def test_committed_files_read_back(single_block: Layout) -> None:
    """The committed Henn instance reads back as henn_instance(60, 45, "abc", seed=1)."""
    _, slotting, orders, _ = henn_instance(60, 45, "abc", seed=1)
    assert read_orders(INSTANCES / "henn_abc_60_45_s1.csv") == orders
    back = read_slotting(INSTANCES / "henn_abc_60_45_s1_slotting.csv")
    assert back.bins == slotting.bins
    back.check(single_block)

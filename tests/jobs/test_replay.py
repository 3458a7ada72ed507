"""Replay of historical orders under several slottings, and reading the last days
of a history back as orders.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.batching import Cart
from optimizer.jobs import history_orders, replay
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting
from optimizer.slotting import (
    assign,
)
from optimizer.synthetic import generate_history


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

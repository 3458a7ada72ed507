"""Orders, order lines and slottings take numpy and pandas scalars wherever they
take Python ones, and store plain Python values (issue 11)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from optimizer.orders import Order, OrderError, OrderLine, Slotting


def test_order_line_takes_numpy_scalars() -> None:
    """np.int64 quantities, np.str_ SKUs and np.float64 volumes give the same line
    as Python values, with Python types inside."""
    line = OrderLine(np.str_("SKU-1"), np.int64(2), np.float64(0.5), np.float32(1.5))
    assert line == OrderLine("SKU-1", 2, 0.5, 1.5)
    assert [type(v) for v in (line.sku, line.qty, line.unit_volume, line.unit_weight)] == [
        str,
        int,
        float,
        float,
    ]


def test_order_line_takes_a_pandas_row() -> None:
    """Values taken from a DataFrame row (numpy scalars, pd.NA for a missing volume)."""
    frame = pd.DataFrame({"sku": ["A"], "qty": [3]}).astype({"qty": "Int64"})
    frame["unit_volume"] = pd.array([pd.NA], dtype="Float64")
    row = frame.iloc[0]
    line = OrderLine(row["sku"], row["qty"], row["unit_volume"])
    assert line == OrderLine("A", 3) and type(line.qty) is int


@pytest.mark.parametrize("qty", [np.int64(0), np.float64(1.5), np.bool_(True), np.str_("2")])
def test_order_line_still_refuses_bad_numpy_quantities(qty: object) -> None:
    """Coercion does not loosen the checks: zero, fractions, booleans, text."""
    with pytest.raises(OrderError, match="quantity of SKU 'A'"):
        OrderLine("A", qty)  # type: ignore[arg-type]


def test_order_takes_numpy_scalars() -> None:
    """Due, priority, id and carrier from numpy scalars; the order is JSON-ready."""
    order = Order(np.int64(7), (OrderLine("A"),), due=np.float64(50400.0),
                  priority=np.int64(2), carrier=np.str_("DHL"))  # fmt: skip
    assert order == Order("7", (OrderLine("A"),), due=50400.0, priority=2, carrier="DHL")
    assert [type(v) for v in (order.due, order.priority, order.carrier)] == [float, int, str]
    json.dumps([order.id, order.due, order.priority, order.carrier])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("due", np.float64("nan"), "due must be finite"),
        ("priority", np.float64(1.5), "priority must be a whole number"),
        ("priority", "high", "priority must be a whole number"),
    ],
)
def test_order_refuses_bad_values(field: str, value: object, message: str) -> None:
    """A NaN due and a priority that is not a whole number are refused, naming the order."""
    with pytest.raises(OrderError, match=f"order 'o1': {message}"):
        Order("o1", (OrderLine("A"),), **{field: value})  # type: ignore[arg-type]


def test_slotting_takes_numpy_strings() -> None:
    """SKUs and bin codes from numpy string arrays are stored as str."""
    skus, bins = np.array(["s1", "s2"]), np.array(["A01-B1-001-L-1", "A01-B1-002-L-1"])
    slotting = Slotting(dict(zip(skus, bins, strict=True)))
    assert slotting.bins == {"s1": "A01-B1-001-L-1", "s2": "A01-B1-002-L-1"}
    assert {type(k) for k in slotting.bins} | {type(v) for v in slotting.bins.values()} == {str}

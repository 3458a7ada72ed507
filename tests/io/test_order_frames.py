"""Orders from a DataFrame, a pyarrow Table or a Parquet file: the CSV
reader's columns, checks and messages, with missing values as empty cells."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from optimizer.io import read_orders, write_orders
from optimizer.io.orders import orders_from_frame
from optimizer.orders import OrderError

pd = pytest.importorskip("pandas")


def lines() -> dict[str, list]:
    return {
        "order_id": ["o1", "o1", "o2"],
        "sku": ["SKU-17", " lead", "SKU-03"],
        "qty": [2, 1, 3],
        "due": [50400.0, np.nan, None],
        "carrier": ["DHL", None, "UPS"],
        "unit_volume": [0.8, 1.5, np.nan],
    }


def test_frame_gives_the_orders_of_the_same_csv(tmp_path: Path) -> None:
    """A frame and the CSV with the same cells give equal orders (SKUs kept exactly)."""
    frame = pd.DataFrame(lines())
    orders = orders_from_frame(frame)
    write_orders(orders, tmp_path / "orders.csv")
    assert read_orders(tmp_path / "orders.csv") == orders
    assert [o.id for o in orders] == ["o1", "o2"]
    assert orders[0].lines[1].sku == " lead"
    assert (orders[0].due, orders[1].due, orders[0].carrier) == (50400.0, None, "DHL")
    assert orders[0].lines[0].unit_volume == 0.8 and orders[1].lines[0].unit_volume is None


def test_nullable_and_numpy_columns() -> None:
    """Nullable pandas dtypes (pd.NA) and numpy ints/floats are plain values."""
    frame = pd.DataFrame(lines()).astype({"qty": "Int64", "carrier": "string"})
    frame["order_id"] = frame["order_id"].astype("category")
    orders = orders_from_frame(frame)
    assert type(orders[0].lines[0].qty) is int and orders[0].lines[0].qty == 2
    assert orders[1].carrier == "UPS"


def test_parquet_file_and_arrow_table(tmp_path: Path) -> None:
    """read_orders reads Parquet; a pyarrow Table converts as a frame does."""
    table = pa.table(lines())
    pq.write_table(table, tmp_path / "orders.parquet")
    expected = orders_from_frame(pd.DataFrame(lines()))
    assert read_orders(tmp_path / "orders.parquet") == expected
    assert orders_from_frame(table) == expected


def test_messages_name_the_frame_and_row(tmp_path: Path) -> None:
    """Errors name the source and the row (from 1), as CSV errors name the line."""
    bad = pd.DataFrame({"order_id": ["o1", "o2"], "sku": ["a", "b"], "qty": [1, 2.5]})
    with pytest.raises(OrderError, match=r"data frame, row 2: order 'o2', SKU 'b': quantity"):
        orders_from_frame(bad)
    with pytest.raises(OrderError, match=r"history, columns: missing column 'qty'"):
        orders_from_frame(bad.drop(columns="qty"), source="history")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    with pytest.raises(OrderError, match="broken.parquet: not a readable Parquet file"):
        read_orders(tmp_path / "broken.parquet")

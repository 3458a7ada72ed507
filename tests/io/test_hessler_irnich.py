"""Reading Hessler & Irnich order-batching files: the public files read with
the counts and capacities their headers state, and malformed files are
reported with file and line."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from optimizer.batching.carts import Cart
from optimizer.errors import CapacityError, LayoutError
from optimizer.io import read_hessler_irnich_batching
from optimizer.orders import OrderError
from tests.conftest import benchmark_file
from tests.io.conftest import raises_at, replace_line, write

HI_HENN = "hessler-irnich/HennWaescherUniform/1l-20-30-0.txt"
HI_MUTER = "hessler-irnich/MuterOencan/100_48_5.txt"


# ==== Hessler & Irnich batching files ===========================================================


def test_hessler_irnich_henn_waescher() -> None:
    """1l-20-30-0: NUM_ORDERS orders, the article units of ORDER_SECTION (an
    article listed twice in an order is one line of 2), capacity 30 items,
    and the Henn & Wäscher geometry."""
    path = benchmark_file(HI_HENN)
    layout, slotting, orders, cart = read_hessler_irnich_batching(path)
    text = path.read_text(encoding="latin-1")
    section = text.split("ORDER_SECTION")[1]
    assert len(orders) == 20 == len(re.findall(r"NUM_ARTICLES_IN_ORDER", section))
    assert sum(o.items for o in orders) == len(re.findall(r"^ID ", section, re.M)) == 279
    assert cart == Cart(max_items=30)
    assert len(slotting) == 214
    slotting.check(layout)
    assert ("59", 2) in [(ln.sku, ln.qty) for ln in orders[5].lines]
    geo = layout.aisles
    assert geo is not None
    assert (geo.n_aisles, geo.cells, geo.cross_aisle_to_cell) == (10, 45, 1.5)
    np.testing.assert_array_equal(np.diff(geo.aisle_x), 5.0)


def test_hessler_irnich_muter_oencan() -> None:
    """100_48_5: 100 orders, quantities of 2 kept, capacity 48 units,
    10 aisles 2.4 apart of 10 cells."""
    layout, _, orders, cart = read_hessler_irnich_batching(benchmark_file(HI_MUTER))
    assert len(orders) == 100
    assert cart == Cart(max_items=48)
    assert sum(o.items for o in orders) == 587 and sum(len(o.lines) for o in orders) == 571
    geo = layout.aisles
    assert geo is not None
    assert (geo.n_aisles, geo.cells, geo.cross_aisle_to_cell) == (10, 10, 1.0)
    np.testing.assert_allclose(np.diff(geo.aisle_x), 2.4)


def test_hessler_irnich_truncated_public_file() -> None:
    """The public 2l-20-45-0.txt stops inside ARTICLE_SECTION; it is refused
    with a message that says so."""
    path = benchmark_file("hessler-irnich/HennWaescherUniform/2l-20-45-0.txt")
    with raises_at(LayoutError, path, None, "no SKU_SECTION (is the file truncated?"):
        read_hessler_irnich_batching(path)


HI_TINY = """\
NAME : tiny.txt
TYPE : Order_batching
PICKER_CAPACITY : 4
LAYOUT : single-block
NUM_AISLES : 3
NUM_CELLS : 10
DEPOT_AISLE : 0
DEPOT_LOCATION : bottom
DISTANCE_AISLE_TO_AISLE : 4
DISTANCE_CELL_TO_CELL : 1
DISTANCE_TOP_TO_CELL : 2
DISTANCE_BOTTOM_TO_CELL : 2
DISTANCE_TOP_OR_BOTTOM_TO_DEPOT : 0
ARTICLE_SECTION
NUM_ARTICLES : 2
ID 0 WEIGHT 1
ID 1 WEIGHT 1
SKU_SECTION
NUM_SKUS : 2
ID 0 AISLE 2 CELL 0 QUANTITY 5 LEFT_RIGHT_HAND_SIDE right
ID 1 AISLE 1 CELL 9 QUANTITY 5 LEFT_RIGHT_HAND_SIDE left
ORDER_SECTION
NUM_ORDERS : 2
NUM_ARTICLES_IN_ORDER : 2
ID 1 QUANTITY 1
ID 0 QUANTITY 2
NUM_ARTICLES_IN_ORDER : 1
ID 1 QUANTITY 1
EOF
"""


def test_hessler_irnich_tiny(tmp_path: Path) -> None:
    """The made-up file reads as written; unequal weights give a weight cart."""
    path = write(tmp_path, "tiny.txt", HI_TINY)
    _, slotting, orders, cart = read_hessler_irnich_batching(path)
    assert slotting.bins == {"0": "A03-B1-010-R-1", "1": "A02-B1-001-L-1"}
    assert [[(ln.sku, ln.qty) for ln in o.lines] for o in orders] == [
        [("1", 1), ("0", 2)],
        [("1", 1)],
    ]
    assert cart == Cart(max_items=4)
    heavy = write(tmp_path, "heavy.txt", HI_TINY.replace("ID 0 WEIGHT 1", "ID 0 WEIGHT 2.5"))
    _, _, orders, cart = read_hessler_irnich_batching(heavy)
    assert cart == Cart(max_weight=4.0)
    assert orders[0].lines[1].unit_weight == 2.5


@pytest.mark.parametrize(
    ("line", "text", "error", "message"),
    [
        (23, "NUM_ORDERS : 3", OrderError, "NUM_ORDERS is 3 but the section lists 2 orders"),
        (24, "NUM_ARTICLES_IN_ORDER : 3", OrderError, "order 0 announces 3 articles but lists 2"),
        (25, "ID 1 QUANTITY 0", OrderError, "order 0, article 1: quantity '0' is not a positive"),
        (25, "ID 7 QUANTITY 1", OrderError, "order 0: article 7 has no storage location"),
        (25, "ID 1 AMOUNT 1", OrderError, "malformed order line"),
        (24, "ID 1 QUANTITY 1", OrderError, "article line before the first NUM_ARTICLES"),
        (16, "ID 0 WEIGHT heavy", LayoutError, "article 0: weight 'heavy' is not a number"),
        (3, "PICKER_CAPACITY : 0", CapacityError, "PICKER_CAPACITY must be positive"),
    ],
)
def test_hessler_irnich_malformed(
    tmp_path: Path, line: int, text: str, error: type[Exception], message: str
) -> None:
    """A bad batching line is reported with file, line and order."""
    path = write(tmp_path, "tiny.txt", replace_line(HI_TINY, line, text))
    at = None if line == 3 else line
    with raises_at(error, path, at, message):
        read_hessler_irnich_batching(path)

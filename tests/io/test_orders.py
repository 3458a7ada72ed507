"""CSV and JSON order files: they round-trip, and every malformed input is
reported with its file and line (or, in JSON, its order)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optimizer.io import read_orders, write_orders
from optimizer.orders import Order, OrderError, OrderLine
from tests.io.conftest import DIALECTS, in_dialect, raises_at, write

# ==== CSV and JSON order files =================================================================


def sample_orders() -> list[Order]:
    """Orders using every field, awkward floats, a repeated SKU and a zero due."""
    return [
        Order(
            "o1",
            (
                OrderLine("A", 2, unit_volume=0.1, unit_weight=1 / 3),
                OrderLine("B,comma", 1),
                OrderLine("A", 1, unit_weight=2.0),
            ),
            due=0.0,
            priority=-1,
            carrier="DHL",
        ),
        Order("o2", (OrderLine("ünï", 7),), due=86399.999, carrier=None),
        Order("o3", (OrderLine("C", 1, unit_volume=0.0),), priority=3),
    ]


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    """write_orders then read_orders gives back equal orders."""
    path = tmp_path / f"orders{suffix}"
    write_orders(sample_orders(), path)
    assert read_orders(path) == sample_orders()


#: Text a spreadsheet or a WMS may put in an id, SKU or carrier, which must come back unchanged.
AWKWARD = [" lead", "trail ", " both ", "a,b", 'say "hi"', "x;y", "tab\there", "ünï €", "'"]


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_round_trip_keeps_text_exactly(tmp_path: Path, suffix: str) -> None:
    """Order ids, SKUs and carriers with surrounding spaces, delimiters, quotes and
    unicode come back exactly (issue 11: " lead" became "lead")."""
    orders = [
        Order(text, (OrderLine(text, 1), OrderLine(f"{text}-2", 2)), carrier=text)
        for text in AWKWARD
    ]
    path = tmp_path / f"orders{suffix}"
    write_orders(orders, path)
    assert read_orders(path) == orders


def test_round_trip_minimal_columns(tmp_path: Path) -> None:
    """Orders without optional values are written as order_id,sku,qty only."""
    orders = [Order("1", (OrderLine("x", 3),)), Order("2", (OrderLine("y"), OrderLine("x")))]
    path = tmp_path / "o.csv"
    write_orders(orders, path)
    assert path.read_text(encoding="utf-8") == "order_id,sku,qty\n1,x,3\n2,y,1\n2,x,1\n"
    assert read_orders(path) == orders


def test_csv_lenient_header(tmp_path: Path) -> None:
    """A byte-order mark, upper-case names, spaces and an unrelated column are accepted."""
    path = tmp_path / "o.csv"
    path.write_bytes("\ufeffOrder_ID, SKU ,Qty,Warehouse Note\nx,s1,2,fragile\n".encode())
    assert read_orders(path) == [Order("x", (OrderLine("s1", 2),))]


def test_csv_order_fields_on_any_row(tmp_path: Path) -> None:
    """Order-level values may sit on any row of the order; rows need not be adjacent."""
    path = write(
        tmp_path, "o.csv", "order_id,sku,qty,due,carrier\na,s1,1,,\nb,s2,1,5,\na,s3,1,60,UPS\n"
    )
    assert read_orders(path) == [
        Order("a", (OrderLine("s1"), OrderLine("s3")), due=60.0, carrier="UPS"),
        Order("b", (OrderLine("s2"),), due=5.0),
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("order,sku,qty\n", 1, "missing column 'order_id' (did you mean 'order'?)"),
        ("order_id,sku\n", 1, "missing column 'qty'"),
        ("order_id,sku,qty,prority\n", 1, "unknown column 'prority' (did you mean 'priority'?)"),
        ("order_id,sku,qty,sku\n", 1, "column 'sku' appears twice"),
        ("order_id,sku,qty\na,s,1,9\n", 2, "expected 3 fields (order_id,sku,qty), got 4"),
        ("order_id,sku,qty\na,s\n", 2, "expected 3 fields"),
        ("order_id,sku,qty\n,s,1\n", 2, "empty order_id"),
        ("order_id,sku,qty\na,s,1\nb,,1\n", 3, "order 'b': empty sku"),
        (
            "order_id,sku,qty\na,s,0\n",
            2,
            "order 'a', SKU 's': quantity must be a positive integer, got '0'",
        ),
        ("order_id,sku,qty\na,s,-2\n", 2, "order 'a', SKU 's': quantity must be a positive"),
        (
            "order_id,sku,qty\na,s,two\n",
            2,
            "order 'a', SKU 's': quantity 'two' is not a whole number",
        ),
        ("order_id,sku,qty\na,s,1.5\n", 2, "quantity '1.5' is not a whole number"),
        ("order_id,sku,qty\na,s,\n", 2, "quantity '' is not a whole number"),
        (
            "order_id,sku,qty,due\na,s,1,soon\n",
            2,
            "order 'a', SKU 's': due 'soon' is not a number",
        ),
        ("order_id,sku,qty,due\na,s,1,inf\n", 2, "due must be finite"),
        ("order_id,sku,qty,priority\na,s,1,1.5\n", 2, "priority '1.5' is not a whole number"),
        ("order_id,sku,qty,unit_weight\na,s,1,-1\n", 2, "unit_weight must be >= 0"),
        (
            "order_id,sku,qty,due\na,s,1,5\n\na,t,1,6\n",
            4,
            "order 'a': due 6.0 disagrees with 5.0 at line 2",
        ),
        ('order_id,sku,qty\na,"s\n', 2, "malformed CSV"),
    ],
)
def test_csv_malformed(tmp_path: Path, text: str, line: int, message: str) -> None:
    """Every malformed CSV input names the file and line (and the order and SKU)."""
    path = write(tmp_path, "orders.csv", text)
    with raises_at(OrderError, path, line, message):
        read_orders(path)


def test_csv_empty_file(tmp_path: Path) -> None:
    """An empty file is named."""
    path = write(tmp_path, "orders.csv", "")
    with raises_at(OrderError, path, None, "empty file"):
        read_orders(path)


def test_csv_header_only(tmp_path: Path) -> None:
    """A header without rows is a wave of no orders."""
    assert read_orders(write(tmp_path, "orders.csv", "order_id,sku,qty\n")) == []


def test_csv_not_utf8(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are reported with the file."""
    path = tmp_path / "orders.csv"
    path.write_bytes(b"order_id,sku,qty\na,\xff,1\n")
    with raises_at(OrderError, path, None, "not UTF-8 text"):
        read_orders(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "a"}, "orders[0] (order 'a'): missing key 'lines'"),
        ({"id": "a", "lines": []}, "orders[0] (order 'a'): lines must be a non-empty list"),
        ({"id": "a", "lines": [{"sku": "s", "qty": 1}], "prio": 1}, "unknown key 'prio'"),
        (
            {"id": "a", "lines": [{"sku": "s", "qty": 0}]},
            "(order 'a'): lines[0] (SKU 's'): quantity must be a positive integer, got 0",
        ),
        (
            {"id": "a", "lines": [{"sku": "s", "qty": 1.5}]},
            "(SKU 's'): quantity 1.5 is not a whole number",
        ),
        (
            {"id": "a", "lines": [{"sku": "s", "qty": True}]},
            "(SKU 's'): quantity True is not a whole number",
        ),
        ({"id": "a", "lines": [{"sku": "s"}]}, "lines[0]: missing key 'qty'"),
        (
            {"id": "a", "lines": [{"sku": "", "qty": 1}]},
            "lines[0]: sku must be a non-empty string",
        ),
        (
            {"id": "a", "lines": [{"sku": "s", "qty": 1, "unit_weight": -1}]},
            "unit_weight must be >= 0",
        ),
        (
            {"id": "a", "due": "noon", "lines": [{"sku": "s", "qty": 1}]},
            "(order 'a'): due 'noon' is not a number",
        ),
        ({"id": None, "lines": []}, "orders[0]: id must be a non-empty string"),
        ("a", "orders[0]: expected an object, got str"),
    ],
)
def test_json_malformed(tmp_path: Path, data: object, message: str) -> None:
    """Every malformed JSON order names the file and the order (and line and SKU)."""
    path = write(tmp_path, "orders.json", json.dumps([data]))
    with raises_at(OrderError, path, None, message):
        read_orders(path)


def test_json_syntax_and_shape(tmp_path: Path) -> None:
    """A syntax error names the line; a non-list and a duplicate id are named too;
    ``{"orders": [...]}`` is accepted."""
    path = write(tmp_path, "orders.json", '[\n {"id": "a",\n  "lines": [}\n]')
    with raises_at(OrderError, path, 3, "malformed JSON"):
        read_orders(path)
    path = write(tmp_path, "orders.json", '{"id": "a"}')
    with raises_at(OrderError, path, None, "expected a list of orders"):
        read_orders(path)
    line = {"sku": "s", "qty": 1}
    path = write(tmp_path, "orders.json", json.dumps([{"id": "a", "lines": [line]}] * 2))
    with raises_at(
        OrderError, path, None, "orders[1] (order 'a'): order id 'a' is also orders[0]"
    ):
        read_orders(path)
    path = write(tmp_path, "orders.json", json.dumps({"orders": [{"id": 7, "lines": [line]}]}))
    assert read_orders(path) == [Order("7", (OrderLine("s"),))]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('[{"id": "a", "lines": [{"sku": "s", "qty": ' + "1" * 5000 + "}]}]", "4300 digits"),
    ],
    ids=["100k-deep", "5000-digit"],
)
def test_json_the_parser_refuses(tmp_path: Path, text: str, message: str) -> None:
    """Deep nesting and a 5000-digit integer, which json refuses with other
    errors than JSONDecodeError, name the file (issue 11: tracebacks)."""
    path = write(tmp_path, "orders.json", text)
    with raises_at(OrderError, path, None, message):
        read_orders(path)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    """Only .csv and .json are understood; a missing file is named."""
    unknown = r"unknown orders file type '\.cvs'.*did you mean '\.csv'"
    with pytest.raises(OrderError, match=unknown):
        read_orders(tmp_path / "orders.cvs")
    with pytest.raises(OrderError, match=r"unknown orders file type '\.parquet'"):
        write_orders(sample_orders(), tmp_path / "orders.parquet")
    with pytest.raises(OrderError, match="nowhere.csv: no such orders file"):
        read_orders(tmp_path / "nowhere.csv")


def test_write_order_without_lines(tmp_path: Path) -> None:
    """An order without lines cannot be written to CSV; it is named."""
    with pytest.raises(OrderError, match="order 'empty' has no lines"):
        write_orders([Order("empty", ())], tmp_path / "o.csv")


DIALECT_ORDERS = (
    "order_id,sku,qty,due,carrier\no1,SKU-17,2,50400,DHL\no1,SKU-03,1,,\no2,SKU-03,4,,\n"
)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_csv_every_dialect_reads_alike(tmp_path: Path, dialect: str) -> None:
    """BOM, CRLF, ';' and tab delimiters give the orders the plain CSV gives."""
    plain = read_orders(write(tmp_path, "plain.csv", DIALECT_ORDERS))
    path = tmp_path / "orders.csv"
    path.write_bytes(in_dialect(DIALECT_ORDERS, dialect))
    assert read_orders(path) == plain
    assert plain[0] == Order("o1", (OrderLine("SKU-17", 2), OrderLine("SKU-03")), 50400, 0, "DHL")


def test_csv_quoted_delimiter_stays_in_its_field(tmp_path: Path) -> None:
    """In a ';' file a quoted ';' is part of the SKU; commas are plain text."""
    path = write(tmp_path, "o.csv", 'order_id;sku;qty\no1;"a;b";2\no2;c,d;1\n')
    assert [ln.sku for o in read_orders(path) for ln in o.lines] == ["a;b", "c,d"]


def test_csv_dialect_errors_keep_their_line(tmp_path: Path) -> None:
    """With CRLF and ';' a bad quantity is still reported at its line."""
    path = tmp_path / "o.csv"
    path.write_bytes(in_dialect("order_id,sku,qty\no1,a,1\no2,b,x\n", "semicolon bom crlf"))
    with raises_at(OrderError, path, 3, "quantity 'x' is not a whole number"):
        read_orders(path)

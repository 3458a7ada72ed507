"""Order files: CSV, JSON and Parquet; order lines from a data frame.

CSV has one row per order line, rows of one order sharing its
``order_id``::

    order_id,sku,qty,due,priority,carrier,unit_volume,unit_weight
    o1,SKU-17,2,50400,1,DHL,0.8,0.25
    o1,SKU-03,1,50400,1,DHL,1.5,1.2

``order_id``, ``sku`` and ``qty`` are required; ``due`` (seconds),
``priority`` (integer, larger is more urgent), ``carrier``, ``unit_volume``
(litres) and ``unit_weight`` (kg) are optional, and an empty cell means "not
given". The order-level columns may be given on any row of an order but must
not disagree. Column names are case-insensitive; columns pickopt does not know
are ignored unless they look like a misspelt known one. Ids, SKUs and
carriers are kept exactly as written, surrounding spaces included, so that
:func:`write_orders` then :func:`read_orders` gives back equal orders;
numbers may have spaces around them.

JSON is a list of orders (or ``{"orders": [...]}``)::

    [{"id": "o1", "due": 50400, "priority": 1, "carrier": "DHL",
      "lines": [{"sku": "SKU-17", "qty": 2, "unit_volume": 0.8}]}]

Parquet has the CSV's columns, typed or as text; :func:`orders_from_frame`
takes the same columns from a pandas DataFrame (or a pyarrow Table), where a
missing value (``NaN``, ``None``, ``pd.NA``) is an empty cell.

Every error names the file and the line (CSV), or the file and the order
(JSON, whose parser does not keep line numbers past the syntax check).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from optimizer.errors import suggest
from optimizer.files import MAX_TEXT_BYTES, check_format, detect_delimiter, input_file, read_text
from optimizer.orders import Order, OrderError, OrderLine
from optimizer.values import python_scalar

__all__ = [
    "read_orders",
    "write_orders",
    "orders_from_frame",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
]

REQUIRED_COLUMNS = ("order_id", "sku", "qty")
OPTIONAL_COLUMNS = ("due", "priority", "carrier", "unit_volume", "unit_weight")
_ORDER_FIELDS = ("due", "priority", "carrier")
_LINE_FIELDS = ("unit_volume", "unit_weight")
_FORMATS = (".csv", ".json", ".parquet")
_WRITE_FORMATS = (".csv", ".json")


# ---- converting one value ------------------------------------------------------------
def _quantity(value: Any) -> int:
    """A positive whole number, or ``ValueError`` with the reason."""
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"quantity {value!r} is not a whole number") from None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"quantity {value!r} is not a whole number")
    else:
        number = float(value)
    if not math.isfinite(number) or number != int(number):
        raise ValueError(f"quantity {value!r} is not a whole number")
    if number <= 0:
        raise ValueError(f"quantity must be a positive integer, got {value!r}")
    return int(number)


def _real(name: str, value: Any, *, minimum: float | None = None) -> float:
    """A finite float (>= minimum), or ``ValueError`` naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} {value!r} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {value!r}")
    return number


def _whole(name: str, value: Any) -> int:
    number = _real(name, value)
    if number != int(number):
        raise ValueError(f"{name} {value!r} is not a whole number")
    return int(number)


def _field(name: str, value: Any) -> Any:
    """An optional field's value from its text or JSON value."""
    if name == "carrier":
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError(f"carrier {value!r} is not a string")
        return str(value)
    if name == "priority":
        return _whole("priority", value)
    if name == "due":
        return _real("due", value)
    return _real(name, value, minimum=0.0)


# ---- reading -------------------------------------------------------------------------
def read_orders(path: str | Path, *, max_bytes: int | None = MAX_TEXT_BYTES) -> list[Order]:
    """Read orders from a ``.csv``, ``.json`` or ``.parquet`` file (formats in the
    module docstring).

    Parameters
    ----------
    path
        The file; its suffix picks the format.
    max_bytes
        Refuse larger files before reading them (the whole file is held in
        memory); ``None``: no limit.

    Returns
    -------
    list of Order
        In the order their ids first appear; CSV rows of one order become its
        lines in row order.

    Raises
    ------
    OrderError
        Naming the file and line (CSV) or order (JSON): a file over
        ``max_bytes``, text that is not UTF-8, a missing column
        (with the closest header name), a row with too many or too few
        fields, an empty id or SKU, a quantity that is not a positive whole
        number, a bad optional value, disagreeing order-level values.

    Examples
    --------
    >>> orders = read_orders("instances/henn_abc_60_45_s1.csv")
    >>> len(orders), orders[0].id, orders[0].items
    (60, 'o001', 25)
    """
    p = input_file(path, OrderError, kind="orders", formats=_FORMATS)
    if p.suffix.lower() == ".parquet":
        return _read_parquet(p, max_bytes)
    text = read_text(p, OrderError, max_bytes=max_bytes)
    return _read_csv(p, text) if p.suffix.lower() == ".csv" else _read_json(p, text)


def _read_parquet(p: Path, max_bytes: int | None) -> list[Order]:
    """A Parquet file of order lines, columns as in CSV."""
    import pyarrow.parquet as pq

    if max_bytes is not None and p.stat().st_size > max_bytes:
        raise OrderError(f"{p}: {p.stat().st_size:,} bytes is over the limit of {max_bytes:,}")
    try:
        table = pq.read_table(p)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise OrderError(f"{p}: not a readable Parquet file ({exc})") from None
    return orders_from_frame(table, source=str(p))


def _read_csv(p: Path, text: str) -> list[Order]:
    text_lines = text.splitlines(keepends=True)
    delimiter = detect_delimiter(text_lines[0] if text_lines else "")
    reader = csv.reader(text_lines, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise OrderError(f"{p}: empty file (expected a header row order_id,sku,qty)") from None
    except csv.Error as exc:
        raise OrderError(f"{p}:1: malformed CSV: {exc}") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            raise OrderError(f"{p}:{reader.line_num}: malformed CSV: {exc}") from None

    return _orders_from_rows(header, rows(), lambda line: f"{p}:{line}")


def _orders_from_rows(
    header: Sequence[str],
    rows: Iterable[tuple[int, Sequence[str]]],
    place: Callable[[int], str],
) -> list[Order]:
    """Orders from text rows of order lines (CSV, or a table's cells as text).

    ``place(line)`` says where a row is, for messages (line 1 is the header).
    """
    columns = [c.strip().lower() for c in header]
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    for k, name in enumerate(columns):
        if name in columns[:k]:
            raise OrderError(f"{place(1)}: column {name!r} appears twice")
    unknown = [c for c in columns if c not in known]
    for col in REQUIRED_COLUMNS:
        if col not in columns:
            raise OrderError(f"{place(1)}: missing column {col!r}" + suggest(col, unknown))
    for col in unknown:
        hint = suggest(col, known)
        if hint:
            raise OrderError(f"{place(1)}: unknown column {col!r}{hint}")
    index = {c: k for k, c in enumerate(columns) if c in known}

    # order id -> (first line, order-level values with their lines, lines)
    found: dict[str, tuple[int, dict[str, tuple[int, Any]], list[OrderLine]]] = {}
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(columns):
            raise OrderError(
                f"{place(line)}: expected {len(columns)} fields ({','.join(columns)}), "
                f"got {len(row)}"
            )
        cell = {c: row[k] for c, k in index.items()}
        oid, sku = cell["order_id"], cell["sku"]
        if not oid.strip():
            raise OrderError(f"{place(line)}: empty order_id")
        where = f"{place(line)}: order {oid!r}"
        if not sku.strip():
            raise OrderError(f"{where}: empty sku")
        try:
            qty = _quantity(cell["qty"])
            values = {
                c: _field(c, v) for c, v in cell.items() if c in OPTIONAL_COLUMNS and v.strip()
            }
            order_line = OrderLine(sku, qty, values.get("unit_volume"), values.get("unit_weight"))
        except (ValueError, OrderError) as exc:
            raise OrderError(f"{where}, SKU {sku!r}: {exc}") from None
        first_line, fields, lines = found.setdefault(oid, (line, {}, []))
        for name in _ORDER_FIELDS:
            if name not in values:
                continue
            seen = fields.setdefault(name, (line, values[name]))
            if seen[1] != values[name]:
                raise OrderError(
                    f"{where}: {name} {values[name]!r} disagrees with {seen[1]!r} "
                    f"at line {seen[0]}"
                )
        lines.append(order_line)
    orders = []
    for oid, (first_line, fields, lines) in found.items():
        try:
            orders.append(
                Order(
                    oid,
                    tuple(lines),
                    due=fields["due"][1] if "due" in fields else None,
                    priority=fields["priority"][1] if "priority" in fields else 0,
                    carrier=fields["carrier"][1] if "carrier" in fields else None,
                )
            )
        except OrderError as exc:
            raise OrderError(f"{place(first_line)}: order {oid!r}: {exc}") from None
    return orders


def _cell_text(value: Any) -> str:
    """A table cell as the text a CSV would hold: missing values (None, NaN,
    ``pd.NA``) are empty, numpy scalars their Python values, strings unchanged."""
    value = python_scalar(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 2.0 from a float column is the quantity 2
    return str(value)


def orders_from_frame(frame: Any, *, source: str = "data frame") -> list[Order]:
    """Orders from a pandas DataFrame (or a pyarrow Table) of order lines.

    The columns are those of an orders CSV (module docstring): ``order_id``,
    ``sku``, ``qty`` and the optional ones; a missing value (``NaN``,
    ``None``, ``pd.NA``) means "not given", as an empty CSV cell does.

    Parameters
    ----------
    frame
        One row per order line.
    source
        What to call the frame in messages.

    Raises
    ------
    OrderError
        As :func:`read_orders`, naming ``source`` and the row (the first row
        of the table is row 1).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"order_id": ["o1", "o1", "o2"], "sku": ["a", "b", "a"],
    ...                       "qty": [2, 1, 3], "due": [50400.0, None, None]})
    >>> orders = orders_from_frame(frame)
    >>> [(o.id, o.items, o.due) for o in orders]
    [('o1', 3, 50400.0), ('o2', 3, None)]
    """
    if hasattr(frame, "to_pylist"):  # a pyarrow Table
        header = [str(c) for c in frame.column_names]
        records = [list(r.values()) for r in frame.to_pylist()]
    else:
        header = [str(c) for c in frame.columns]
        records = [list(r) for r in frame.itertuples(index=False, name=None)]
    rows = ((k + 2, [_cell_text(v) for v in r]) for k, r in enumerate(records))
    return _orders_from_rows(header, rows, lambda line: _row_place(source, line))


def _row_place(source: str, line: int) -> str:
    return f"{source}, columns" if line == 1 else f"{source}, row {line - 1}"


def _check_keys(
    d: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> Mapping[str, Any]:
    if not isinstance(d, Mapping):
        raise OrderError(f"{where}: expected an object, got {type(d).__name__}")
    for key in d:
        if key not in required + optional:
            raise OrderError(
                f"{where}: unknown key {key!r}" + suggest(str(key), required + optional)
            )
    for key in required:
        if key not in d:
            raise OrderError(f"{where}: missing key {key!r}" + suggest(key, [str(k) for k in d]))
    return d


def _read_json(p: Path, text: str) -> list[Order]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OrderError(f"{p}:{exc.lineno}: malformed JSON: {exc.msg}") from None
    except RecursionError:
        raise OrderError(f"{p}: malformed JSON: nested too deeply") from None
    except ValueError:  # json's only other refusal: an integer too long to convert
        limit = sys.get_int_max_str_digits()
        raise OrderError(
            f"{p}: malformed JSON: an integer over the limit of {limit} digits"
        ) from None
    if isinstance(data, Mapping) and set(data) == {"orders"}:
        data = data["orders"]
    if not isinstance(data, list):
        raise OrderError(f'{p}: expected a list of orders (or {{"orders": [...]}})')
    orders: list[Order] = []
    first: dict[str, int] = {}
    for i, raw in enumerate(data):
        where = f"{p}: orders[{i}]"
        if isinstance(raw, Mapping) and isinstance(raw.get("id"), str | int):
            where += f" (order {str(raw['id'])!r})"
        d = _check_keys(raw, where, ("id", "lines"), _ORDER_FIELDS)
        if isinstance(d["id"], bool) or not isinstance(d["id"], str | int) or d["id"] == "":
            raise OrderError(f"{where}: id must be a non-empty string, got {d['id']!r}")
        oid = str(d["id"])
        if oid in first:
            raise OrderError(f"{where}: order id {oid!r} is also orders[{first[oid]}]")
        first[oid] = i
        if not isinstance(d["lines"], list) or not d["lines"]:
            raise OrderError(f"{where}: lines must be a non-empty list")
        try:
            fields = {
                k: _field(k, v) for k, v in d.items() if k in _ORDER_FIELDS and v is not None
            }
        except ValueError as exc:
            raise OrderError(f"{where}: {exc}") from None
        lines = []
        for j, raw_line in enumerate(d["lines"]):
            w = f"{where}: lines[{j}]"
            ln = _check_keys(raw_line, w, ("sku", "qty"), _LINE_FIELDS)
            sku = ln["sku"]
            if isinstance(sku, bool) or not isinstance(sku, str | int) or sku == "":
                raise OrderError(f"{w}: sku must be a non-empty string, got {sku!r}")
            try:
                extra = {
                    k: _field(k, v) for k, v in ln.items() if k in _LINE_FIELDS and v is not None
                }
                lines.append(OrderLine(str(sku), _quantity(ln["qty"]), **extra))
            except (ValueError, OrderError) as exc:
                raise OrderError(f"{w} (SKU {str(sku)!r}): {exc}") from None
        try:
            orders.append(Order(oid, tuple(lines), **fields))
        except OrderError as exc:
            raise OrderError(f"{where}: {exc}") from None
    return orders


# ---- writing -------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back to the same float
    return str(value)


def _uses(column: str, orders: list[Order]) -> bool:
    """True if some order (or line) gives ``column`` a value other than its default."""
    if column == "priority":
        return any(o.priority != 0 for o in orders)
    if column in _ORDER_FIELDS:
        return any(getattr(o, column) is not None for o in orders)
    return any(getattr(ln, column) is not None for o in orders for ln in o.lines)


def write_orders(orders: Iterable[Order], path: str | Path) -> None:
    """Write orders to a ``.csv`` or ``.json`` file that :func:`read_orders` reads back.

    Parameters
    ----------
    orders
        The orders; every one needs at least one line.
    path
        The file; its suffix picks the format. CSV gets only the optional
        columns some order or line uses.

    Raises
    ------
    OrderError
        For an unknown suffix or an order without lines (CSV has no row for
        it).
    """
    p = Path(path)
    check_format(p, OrderError, kind="orders", formats=_WRITE_FORMATS)
    suffix = p.suffix.lower()
    orders = list(orders)
    for order in orders:
        if not order.lines:
            raise OrderError(f"{p}: order {order.id!r} has no lines and cannot be written")
    if suffix == ".json":
        out = []
        for order in orders:
            item: dict[str, Any] = {"id": order.id}
            if order.due is not None:
                item["due"] = order.due
            if order.priority:
                item["priority"] = order.priority
            if order.carrier is not None:
                item["carrier"] = order.carrier
            item["lines"] = [
                {"sku": ln.sku, "qty": ln.qty}
                | {k: getattr(ln, k) for k in _LINE_FIELDS if getattr(ln, k) is not None}
                for ln in order.lines
            ]
            out.append(item)
        body = ",\n".join(" " + json.dumps(item, ensure_ascii=False) for item in out)
        p.write_text(f"[\n{body}\n]\n" if out else "[]\n", encoding="utf-8")  # an order a line
        return
    used = [c for c in OPTIONAL_COLUMNS if _uses(c, orders)]
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([*REQUIRED_COLUMNS, *used])
        for order in orders:
            for ln in order.lines:
                extra = [
                    _text(getattr(order, c) if c in _ORDER_FIELDS else getattr(ln, c))
                    for c in used
                ]
                w.writerow([order.id, ln.sku, ln.qty, *extra])

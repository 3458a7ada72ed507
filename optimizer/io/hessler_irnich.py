"""Readers for the TSPLIB-like text files of Hessler & Irnich (2024).

One header of ``KEY : value`` lines describes a single-block warehouse
(aisles, cells per side, distances, depot), then sections list articles,
their storage locations (``SKU_SECTION``) and the order(s). Aisles are
numbered from 0 and cells from the *top* cross-aisle, so cell 0 is the one
nearest the back; pickopt counts from the front, and the readers convert.

:func:`read_sprp` reads single-picker routing files (one pick list);
:func:`read_hessler_irnich_batching` reads order-batching files
(``PICKER_CAPACITY`` in the header, several orders in ``ORDER_SECTION``).
Both share :func:`parse_file`, :func:`layout_from_header`,
:func:`sku_locations` and :func:`bin_code`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from optimizer.batching.carts import Cart
from optimizer.errors import CapacityError, LayoutError
from optimizer.files import MAX_TEXT_BYTES, input_file
from optimizer.layout import Layout
from optimizer.orders import Order, OrderError, OrderLine, Slotting

__all__ = [
    "read_sprp",
    "read_hessler_irnich_batching",
    "parse_file",
    "layout_from_header",
    "sku_locations",
    "bin_code",
]

_SECTIONS = ("ARTICLE_SECTION", "SKU_SECTION", "ORDER_SECTION")


def parse_file(path: str | Path) -> tuple[dict[str, str], dict[str, list[tuple[int, list[str]]]]]:
    """Split a file into its header and sections.

    Returns
    -------
    header
        ``KEY -> value`` of the leading ``KEY : value`` lines.
    sections
        Section name -> list of ``(line number, tokens)`` of its body lines.
    """
    p = input_file(path, LayoutError, max_bytes=MAX_TEXT_BYTES)
    header: dict[str, str] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    text = p.read_bytes().decode("latin-1")  # comments carry non-UTF-8 names
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line in _SECTIONS:
            current = line
            sections[current] = []
        elif current is None:
            key, sep, value = line.partition(":")
            if not sep:
                raise LayoutError(f"{p}:{lineno}: expected 'KEY : value', got {line!r}")
            header[key.strip()] = value.strip()
        else:
            sections[current].append((lineno, line.replace(":", " ").split()))
    return header, sections


def _get(header: dict[str, str], key: str, path: str | Path, kind: type = float) -> Any:
    if key not in header:
        raise LayoutError(f"{path}: header has no {key!r}")
    try:
        return kind(header[key])
    except ValueError:
        raise LayoutError(f"{path}: {key} = {header[key]!r} is not a {kind.__name__}") from None


def layout_from_header(header: dict[str, str], path: str | Path) -> Layout:
    """The single-block :class:`Layout` a Hessler-Irnich header describes.

    The bottom cross-aisle is the layout's front: ``DISTANCE_BOTTOM_TO_CELL``
    sets ``cross_aisle_to_cell`` and ``DISTANCE_TOP_TO_CELL``
    ``back_cross_aisle_to_cell`` (the two may differ).

    Parameters
    ----------
    header
        From :func:`parse_file`.
    path
        The file, for error messages and the layout name.
    """
    if header.get("LAYOUT", "single-block") != "single-block":
        raise LayoutError(f"{path}: LAYOUT {header['LAYOUT']!r} is not supported")
    location = header.get("DEPOT_LOCATION", "bottom")
    if location not in ("bottom", "top"):
        raise LayoutError(f"{path}: DEPOT_LOCATION {location!r} is not 'bottom' or 'top'")
    spec = {
        "name": Path(path).stem,
        "kind": "parallel-aisles",
        "aisles": _get(header, "NUM_AISLES", path, int),
        "cells": _get(header, "NUM_CELLS", path, int),
        "cell_length": _get(header, "DISTANCE_CELL_TO_CELL", path),
        "aisle_spacing": _get(header, "DISTANCE_AISLE_TO_AISLE", path),
        # The bottom cross-aisle is pickopt's front: DISTANCE_BOTTOM_TO_CELL is
        # the gap in front of the first cell, DISTANCE_TOP_TO_CELL the one
        # behind the last (Y_1 and Y_11 of the format description's figure).
        "cross_aisle_to_cell": _get(header, "DISTANCE_BOTTOM_TO_CELL", path),
        "back_cross_aisle_to_cell": _get(header, "DISTANCE_TOP_TO_CELL", path),
        "sides": 2,
        "levels": 1,
        "depots": [
            {
                "name": "D1",
                "aisle": _get(header, "DEPOT_AISLE", path, int) + 1,
                "at": "front" if location == "bottom" else "back",
                "setback": _get(header, "DISTANCE_TOP_OR_BOTTOM_TO_DEPOT", path),
            }
        ],
    }
    return Layout.from_spec(spec, source=str(path))


def bin_code(layout: Layout, aisle: int, cell: int, side: str, where: str) -> str:
    """Bin code of a Hessler-Irnich location (0-based aisle, cell from the top)."""
    geo = layout.aisles
    assert geo is not None
    if not 0 <= aisle < geo.n_aisles or not 0 <= cell < geo.cells:
        raise LayoutError(f"{where}: location aisle {aisle}, cell {cell} is outside the layout")
    side_code = {"left": "L", "right": "R"}.get(side)
    if side_code is None:
        raise LayoutError(f"{where}: side {side!r} is not 'left' or 'right'")
    code = layout.slots[0].code  # widths of the numbers follow the layout
    wa, wc = len(code.split("-")[0]) - 1, len(code.split("-")[2])
    return f"A{aisle + 1:0{wa}d}-B1-{geo.cells - cell:0{wc}d}-{side_code}-1"


def sku_locations(
    sections: dict[str, list[tuple[int, list[str]]]], layout: Layout, path: str | Path
) -> dict[str, list[str]]:
    """SKU id -> bin codes, from ``SKU_SECTION``."""
    where: dict[str, list[str]] = {}
    for lineno, tok in sections.get("SKU_SECTION", []):
        if tok[0] == "NUM_SKUS":
            continue
        try:
            fields = dict(zip(tok[0::2], tok[1::2], strict=False))
            code = bin_code(
                layout,
                int(fields["AISLE"]),
                int(fields["CELL"]),
                fields.get("LEFT_RIGHT_HAND_SIDE", "left"),
                f"{path}:{lineno}",
            )
            where.setdefault(fields["ID"], []).append(code)
        except (KeyError, ValueError):
            raise LayoutError(f"{path}:{lineno}: malformed SKU line {' '.join(tok)!r}") from None
    return where


def read_sprp(path: str | Path) -> tuple[Layout, list[str]]:
    """Read a single-picker routing (SPRP) instance.

    Parameters
    ----------
    path
        A file such as ``unit_F1_m5_C30_a7_12.txt``.

    Returns
    -------
    layout, picks
        The warehouse and the bin codes to visit (one per ordered article;
        an article stored in several places contributes its first location).
    """
    header, sections = parse_file(path)
    layout = layout_from_header(header, path)
    where = sku_locations(sections, layout, path)
    picks: list[str] = []
    for lineno, tok in sections.get("ORDER_SECTION", []):
        if tok[0] == "NUM_ARTICLES":
            continue
        if tok[0] != "ID" or len(tok) < 2:
            raise LayoutError(f"{path}:{lineno}: malformed order line {' '.join(tok)!r}")
        if tok[1] not in where:
            raise LayoutError(f"{path}:{lineno}: article {tok[1]} has no storage location")
        picks.append(where[tok[1]][0])
    if not picks:
        raise LayoutError(f"{path}: ORDER_SECTION lists no articles")
    return layout, picks


def article_weights(
    sections: dict[str, list[tuple[int, list[str]]]], path: str | Path
) -> dict[str, float | None]:
    """Article id -> weight (``None`` when the line gives none), from ``ARTICLE_SECTION``."""
    weights: dict[str, float | None] = {}
    for lineno, tok in sections.get("ARTICLE_SECTION", []):
        if tok[0] == "NUM_ARTICLES":
            continue
        fields = dict(zip(tok[0::2], tok[1::2], strict=False))
        if tok[0] != "ID" or len(tok) % 2:
            raise LayoutError(f"{path}:{lineno}: malformed article line {' '.join(tok)!r}")
        weight: float | None = None
        if "WEIGHT" in fields:
            try:
                weight = float(fields["WEIGHT"])
            except ValueError:
                weight = math.nan
            if not math.isfinite(weight) or weight < 0:
                raise LayoutError(
                    f"{path}:{lineno}: article {fields['ID']}: weight {fields['WEIGHT']!r} "
                    "is not a number >= 0"
                )
        weights[fields["ID"]] = weight
    return weights


def _batching_orders(
    sections: dict[str, list[tuple[int, list[str]]]],
    where: dict[str, list[str]],
    weights: dict[str, float | None],
    path: str | Path,
) -> list[Order]:
    """The orders of ``ORDER_SECTION``: ``NUM_ORDERS : n``, then per order
    ``NUM_ARTICLES_IN_ORDER : k`` and ``k`` lines ``ID a QUANTITY q``."""
    announced: tuple[int, int] | None = None  # (line, NUM_ORDERS)
    groups: list[tuple[int, int, list[tuple[int, str, int]]]] = []  # (line, k, lines)
    for lineno, tok in sections.get("ORDER_SECTION", []):
        key = tok[0]
        if key in ("NUM_ORDERS", "NUM_ARTICLES_IN_ORDER"):
            if len(tok) != 2 or not tok[1].isdigit():
                raise OrderError(f"{path}:{lineno}: expected '{key} : <count>', got {tok!r}")
            if key == "NUM_ORDERS":
                announced = (lineno, int(tok[1]))
            else:
                groups.append((lineno, int(tok[1]), []))
            continue
        if key != "ID" or len(tok) not in (2, 4) or (len(tok) == 4 and tok[2] != "QUANTITY"):
            raise OrderError(f"{path}:{lineno}: malformed order line {' '.join(tok)!r}")
        if not groups:
            raise OrderError(
                f"{path}:{lineno}: article line before the first NUM_ARTICLES_IN_ORDER"
            )
        order_no = len(groups) - 1
        qty_text = tok[3] if len(tok) == 4 else "1"
        if not qty_text.lstrip("-").isdigit() or int(qty_text) <= 0:
            raise OrderError(
                f"{path}:{lineno}: order {order_no}, article {tok[1]}: quantity {qty_text!r} "
                "is not a positive integer"
            )
        if tok[1] not in where:
            raise OrderError(
                f"{path}:{lineno}: order {order_no}: article {tok[1]} has no storage location"
            )
        groups[-1][2].append((lineno, tok[1], int(qty_text)))
    if announced is not None and announced[1] != len(groups):
        raise OrderError(
            f"{path}:{announced[0]}: NUM_ORDERS is {announced[1]} but the section lists "
            f"{len(groups)} orders"
        )
    if not groups:
        raise OrderError(f"{path}: ORDER_SECTION lists no orders")
    orders: list[Order] = []
    for order_no, (lineno, expected, lines) in enumerate(groups):
        if expected != len(lines):
            raise OrderError(
                f"{path}:{lineno}: order {order_no} announces {expected} articles but lists "
                f"{len(lines)}"
            )
        qty: dict[str, int] = {}
        for _, article, q in lines:  # an article listed twice is one line of summed qty
            qty[article] = qty.get(article, 0) + q
        orders.append(
            Order(
                str(order_no),
                tuple(OrderLine(a, q, unit_weight=weights.get(a)) for a, q in qty.items()),
            )
        )
    return orders


def read_hessler_irnich_batching(path: str | Path) -> tuple[Layout, Slotting, list[Order], Cart]:
    """Read an order-batching instance (``HennWaescherUniform``, ``MuterOencan``).

    Parameters
    ----------
    path
        A file such as ``HennWaescherUniform/1l-20-30-0.txt``.

    Returns
    -------
    layout
        The single-block warehouse of the header (see :func:`layout_from_header`).
    slotting
        Article id -> bin code for every article of ``SKU_SECTION`` (an
        article stored in several places keeps its first location).
    orders
        In file order, ids ``"0"``, ``"1"``, ...; one :class:`OrderLine` per
        distinct article, an article listed twice in one order summed into
        one line; lines carry the article's ``WEIGHT`` as ``unit_weight``.
    cart
        ``Cart(max_items=PICKER_CAPACITY)`` when every article weighs 1 (the
        capacity then counts units, as in both public sets), else
        ``Cart(max_weight=PICKER_CAPACITY)``.

    Raises
    ------
    LayoutError
        For a bad header, article or location line, naming file and line.
    OrderError
        For a bad ``ORDER_SECTION`` line or count, naming file, line and order.

    Examples
    --------
    A made-up file: three aisles of ten cells, two articles, one order.

    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name, "tiny.txt")
    >>> _ = path.write_text("\\n".join([
    ...     "TYPE : Order_batching", "PICKER_CAPACITY : 4", "LAYOUT : single-block",
    ...     "NUM_AISLES : 3", "NUM_CELLS : 10", "DEPOT_AISLE : 0", "DEPOT_LOCATION : bottom",
    ...     "DISTANCE_AISLE_TO_AISLE : 4", "DISTANCE_CELL_TO_CELL : 1",
    ...     "DISTANCE_TOP_TO_CELL : 2", "DISTANCE_BOTTOM_TO_CELL : 2",
    ...     "DISTANCE_TOP_OR_BOTTOM_TO_DEPOT : 0",
    ...     "ARTICLE_SECTION", "NUM_ARTICLES : 2", "ID 0 WEIGHT 1", "ID 1 WEIGHT 1",
    ...     "SKU_SECTION", "NUM_SKUS : 2",
    ...     "ID 0 AISLE 2 CELL 0 QUANTITY 5 LEFT_RIGHT_HAND_SIDE right",
    ...     "ID 1 AISLE 1 CELL 9 QUANTITY 5 LEFT_RIGHT_HAND_SIDE left",
    ...     "ORDER_SECTION", "NUM_ORDERS : 1", "NUM_ARTICLES_IN_ORDER : 2",
    ...     "ID 1 QUANTITY 1", "ID 0 QUANTITY 2", "EOF"]))
    >>> layout, slotting, orders, cart = read_hessler_irnich_batching(path)
    >>> [(line.sku, line.qty) for line in orders[0].lines], cart.max_items
    ([('1', 1), ('0', 2)], 4)
    >>> tmp.cleanup()
    """
    header, sections = parse_file(path)
    for name in ("SKU_SECTION", "ORDER_SECTION"):
        if name not in sections:
            last = max((n for body in sections.values() for n, _ in body), default=0)
            raise LayoutError(f"{path}: no {name} (is the file truncated? it ends at line {last})")
    layout = layout_from_header(header, path)
    capacity = _get(header, "PICKER_CAPACITY", path)
    if not math.isfinite(capacity) or capacity <= 0:
        raise CapacityError(f"{path}: PICKER_CAPACITY must be positive, got {capacity:g}")
    weights = article_weights(sections, path)
    where = sku_locations(sections, layout, path)
    orders = _batching_orders(sections, where, weights, path)
    ordered = {line.sku for order in orders for line in order.lines}
    if all(weights.get(a) == 1 for a in ordered) and capacity.is_integer():
        cart = Cart(max_items=int(capacity))
    else:
        missing = sorted(a for a in ordered if weights.get(a) is None)
        if missing:
            raise LayoutError(
                f"{path}: article {missing[0]} has no WEIGHT, needed for a weight capacity"
            )
        cart = Cart(max_weight=capacity)
    slotting = Slotting({a: codes[0] for a, codes in where.items()}, name=Path(path).stem)
    return layout, slotting, orders, cart

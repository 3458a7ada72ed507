"""Henn & Wäscher (2012) instances of the OBP collection.

One block of 10 aisles x 45 cells per side, ABC or random storage, 40-100
orders, capacity 30-75 articles. A ``sett<N>.txt`` file of ``key: value``
lines gives the geometry and the capacity; ``<N>[s|l]-<orders>-<capacity>-0.txt``
lists the orders. See :func:`read_henn`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from optimizer.batching.carts import Cart
from optimizer.errors import CapacityError, LayoutError, suggest
from optimizer.io.obp.text import grid_bin_code, merge_lines, nonblank_lines
from optimizer.layout import Layout
from optimizer.orders import Order, OrderError, Slotting

__all__ = ["read_henn"]


_HENN_KEYS = (
    "no_aisles",
    "no_cells",
    "cell_lengt",
    "cell_width",
    "aisle_widt",
    "dis_ais_wa",
    "m_no_a_p_b",
)
_HENN_ORDER = re.compile(r"Order\s+(\S+)\s+number\s+of\s+articles\s+(\d+)")
_HENN_ITEM = re.compile(r"(\d+)\s+Aisle\s+(-?\d+)\s+Location\s+(-?\d+)")


def _henn_setting(path: Path) -> dict[str, tuple[int, float]]:
    """``key -> (line, value)`` of a ``sett<N>.txt`` file; keys lose their ``_`` padding.

    The ``key: value`` lines end at the first line without a colon (the
    random seeds of the original generator follow).
    """
    values: dict[str, tuple[int, float]] = {}
    for lineno, line in nonblank_lines(path, LayoutError):
        key, sep, value = line.partition(":")
        if not sep:
            break
        key = key.strip().rstrip("_")
        try:
            number = float(value)
        except ValueError:
            if key in _HENN_KEYS:
                raise LayoutError(
                    f"{path}:{lineno}: {key} = {value.strip()!r} is not a number"
                ) from None
            continue  # routing / type flags are letters
        values[key] = (lineno, number)
    for key in _HENN_KEYS:
        if key not in values:
            raise LayoutError(f"{path}: no {key!r} line" + suggest(key, values))
    return values


def read_henn(
    order_file: str | Path,
    setting_file: str | Path,
    *,
    depot_setback: float | None = None,
) -> tuple[Layout, Slotting, list[Order], Cart]:
    """Read a Henn & Wäscher instance: ``sett<N>.txt`` plus its order file.

    Parameters
    ----------
    order_file
        E.g. ``abc1/29s-40-30-0.txt``: ``Order <n>\\tnumber of articles <k>``
        followed by ``k`` lines ``<i>\\tAisle <a>\\tLocation <l>``.
    setting_file
        E.g. ``abc1/sett29.txt``: ``key: value`` lines.
    depot_setback
        Distance from the front cross-aisle's centre line to the depot.
        ``None`` (default) derives it as ``dis_ais_wa - aisle_widt / 2``
        (0 for every public setting); pass ``dis_ais_wa`` itself (1.0) for
        the literal reading of the field.

    Returns
    -------
    layout
        One block, ``no_aisles_`` aisles of ``no_cells__`` cells per side.
    slotting
        Identity on the bins the orders use: each storage location holds
        one article, so the SKU is the bin code.
    orders
        Ids as in the file; one ``OrderLine(qty=1)`` per article line, an
        article listed twice in one order summed into one line.
    cart
        ``Cart(max_items=m_no_a_p_b)``.

    Raises
    ------
    LayoutError
        For a missing or malformed setting value, naming file and line.
    OrderError
        For a malformed order file, naming file, line and order.
    CapacityError
        For a capacity that is not a positive whole number.

    Notes
    -----
    The order file numbers ``2 * no_aisles_`` aisles: ``a // 2`` is the
    real aisle (0-based, left to right) and ``a % 2`` the side (0 left,
    1 right). ``Location l`` counts cells from the front cross-aisle,
    0-based, so it becomes cell ``l + 1``. Geometry, in the setting's
    length units:

    - aisle centre spacing ``2 * cell_width + aisle_widt`` (a rack on each
      side of every aisle): 5;
    - cell length ``cell_lengt``: 1;
    - cross-aisle centre line to the first cell centre
      ``aisle_widt / 2 + cell_lengt / 2``: 1.5, so an aisle is
      ``aisle_widt + no_cells__ * cell_lengt`` = 47 between the
      cross-aisle centre lines;
    - the depot on the front cross-aisle in front of the leftmost aisle.

    ``dis_ais_wa`` ("distance between depot and front cross aisle", 1) is
    read as measured to the front of the racks, which lies ``aisle_widt /
    2`` = 1 from the centre line: the depot is on the centre line (setback
    0) and the walk from the depot to the first cell is ``dis_ais_wa +
    cell_lengt / 2`` = 1.5. This is exactly the Hessler & Irnich (2024)
    version of the same setting (``DISTANCE_AISLE_TO_AISLE 5``,
    ``DISTANCE_BOTTOM_TO_CELL 1.5``, ``DISTANCE_TOP_OR_BOTTOM_TO_DEPOT 0``)
    and the shipped ``layouts/single_block.toml``: the three layouts have
    the same :attr:`Layout.version`. Reading ``dis_ais_wa`` as a setback
    of 1 would add 2 to every tour; ``depot_setback=1.0`` gives that.
    (The Java reader of the collection uses ``shelfWidth + aisleWidth`` =
    3.5 as the aisle spacing and reads ``dis_ais_wa = 1`` as "depot in the
    centre"; neither matches the papers nor the Hessler-Irnich files.)

    Examples
    --------
    A made-up instance of one order, two aisles of five cells:

    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> setting, order_file = Path(tmp.name, "sett1.txt"), Path(tmp.name, "1s-1-10-0.txt")
    >>> _ = setting.write_text(
    ...     "no_aisles_: 2\\nno_cells__: 5\\ncell_lengt: 1\\ncell_width: 1.5\\n"
    ...     "aisle_widt: 2\\ndis_ais_wa: 1\\nm_no_a_p_b: 10\\n")
    >>> _ = order_file.write_text(
    ...     "Order 0\\tnumber of articles 2\\n"
    ...     "0\\tAisle 3\\tLocation 4\\n1\\tAisle 0\\tLocation 0\\n")
    >>> layout, slotting, orders, cart = read_henn(order_file, setting)
    >>> [line.sku for line in orders[0].lines], cart.max_items
    (['A02-B1-005-R-1', 'A01-B1-001-L-1'], 10)
    >>> tmp.cleanup()
    """
    opath, spath = Path(order_file), Path(setting_file)
    setting = _henn_setting(spath)
    value = {key: v for key, (_, v) in setting.items()}
    aisle_width, cell_length = value["aisle_widt"], value["cell_lengt"]
    setback = (
        max(0.0, value["dis_ais_wa"] - aisle_width / 2) if depot_setback is None else depot_setback
    )
    for key in ("no_aisles", "no_cells"):
        if not value[key].is_integer():
            raise LayoutError(f"{spath}:{setting[key][0]}: {key} must be a whole number")
    n_aisles, n_cells = int(value["no_aisles"]), int(value["no_cells"])
    spec: dict[str, Any] = {
        "name": spath.stem,
        "kind": "parallel-aisles",
        "aisles": n_aisles,
        "cells": n_cells,
        "cell_length": cell_length,
        "aisle_spacing": 2 * value["cell_width"] + aisle_width,
        "cross_aisle_to_cell": aisle_width / 2 + cell_length / 2,
        "cross_aisle_width": aisle_width,
        "sides": 2,
        "levels": 1,
        "depots": [{"name": "D1", "aisle": 1, "at": "front", "setback": setback}],
    }
    layout = Layout.from_spec(spec, source=str(spath))
    capacity = value["m_no_a_p_b"]
    if not capacity.is_integer() or capacity <= 0:
        raise CapacityError(
            f"{spath}:{setting['m_no_a_p_b'][0]}: m_no_a_p_b (capacity in articles) must be "
            f"a positive whole number, got {capacity:g}"
        )

    # (line of the header, id, announced count, article codes)
    parsed: list[tuple[int, str, int, list[str]]] = []
    for lineno, line in nonblank_lines(opath, OrderError):
        item = _HENN_ITEM.fullmatch(line)
        if item is None:
            head = _HENN_ORDER.fullmatch(line)
            if head is None:
                raise OrderError(
                    f"{opath}:{lineno}: expected 'Order <n> number of articles <k>' or "
                    f"'<i> Aisle <a> Location <l>', got {line!r}"
                )
            if parsed and len(parsed[-1][3]) != parsed[-1][2]:
                _henn_count_error(opath, parsed[-1])
            parsed.append((lineno, head[1], int(head[2]), []))
            continue
        if not parsed:
            raise OrderError(f"{opath}:{lineno}: article line before the first 'Order' line")
        head_line, oid, expected, codes = parsed[-1]
        if len(codes) == expected:
            raise OrderError(
                f"{opath}:{lineno}: order {oid} announces {expected} articles (line "
                f"{head_line}) but this is article {expected + 1}"
            )
        a, loc = int(item[2]), int(item[3])
        if not 0 <= a < 2 * n_aisles:
            raise OrderError(
                f"{opath}:{lineno}: order {oid}: Aisle {a} is outside 0..{2 * n_aisles - 1} "
                f"(two per aisle, {n_aisles} aisles in {spath.name})"
            )
        if not 0 <= loc < n_cells:
            raise OrderError(
                f"{opath}:{lineno}: order {oid}: Location {loc} is outside 0..{n_cells - 1}"
            )
        codes.append(grid_bin_code(a // 2 + 1, loc + 1, "LR"[a % 2], n_aisles, n_cells))
    if not parsed:
        raise OrderError(f"{opath}: no orders")
    if len(parsed[-1][3]) != parsed[-1][2]:
        _henn_count_error(opath, parsed[-1])
    expected_orders = value.get("no_orders")
    if expected_orders is not None and expected_orders != len(parsed):
        raise OrderError(
            f"{opath}: {len(parsed)} orders, but {spath}:{setting['no_orders'][0]} says "
            f"no_orders_ {expected_orders:g} (mismatched files?)"
        )
    seen: dict[str, int] = {}
    orders: list[Order] = []
    for head_line, oid, _, codes in parsed:
        if oid in seen:
            raise OrderError(
                f"{opath}:{head_line}: order {oid} is listed twice (first at line {seen[oid]})"
            )
        seen[oid] = head_line
        orders.append(Order(oid, merge_lines([(c, None) for c in codes])))
    used = dict.fromkeys(line.sku for order in orders for line in order.lines)
    slotting = Slotting({code: code for code in used}, name="identity")
    return layout, slotting, orders, Cart(max_items=int(capacity))


def _henn_count_error(path: Path, order: tuple[int, str, int, list[str]]) -> None:
    head_line, oid, expected, codes = order
    raise OrderError(
        f"{path}:{head_line}: order {oid} announces {expected} articles but lists {len(codes)}"
    )

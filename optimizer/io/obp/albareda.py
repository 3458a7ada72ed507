"""Albareda-Sambola et al. (2009) instances of the OBP collection, warehouses W1-W4.

A positional layout file (aisle count, shelf and aisle sizes, capacity,
aisle distances to the depot) and an order file with due dates, positions
and weights. See :func:`read_albareda`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import numpy as np

from optimizer.batching.carts import Cart
from optimizer.errors import CapacityError, LayoutError, suggest
from optimizer.files import MAX_TEXT_BYTES, input_file
from optimizer.io.obp.text import grid_bin_code, merge_lines, nonblank_lines
from optimizer.layout import Layout
from optimizer.orders import Order, OrderError, Slotting

__all__ = ["read_albareda", "Geometry"]

Geometry = Literal["auto", "parallel-aisles", "graph"]

_GRID_TOL = 1e-3  # metres: a position this close to a grid cell is on it


def _tokens(
    lines: dict[int, str], lineno: int, path: Path, what: str, kinds: tuple[type, ...]
) -> list[Any]:
    """The numbers of line ``lineno``, converted to ``kinds``, or a named error."""
    text = lines.get(lineno)
    if text is None:
        raise LayoutError(f"{path}:{lineno}: missing line ({what})")
    tok = text.split()
    try:
        if len(tok) != len(kinds):
            raise ValueError
        return [
            k(float(t)) if k is int and float(t).is_integer() else k(t)
            for k, t in zip(kinds, tok, strict=True)
        ]
    except ValueError:
        raise LayoutError(f"{path}:{lineno}: expected {what}, got {text!r}") from None


def _albareda_layout_file(path: Path) -> dict[str, Any]:
    """The values of a ``wsrp_input_layout_*`` file (fixed line numbers)."""
    text = input_file(path, LayoutError, max_bytes=MAX_TEXT_BYTES).read_bytes().decode("latin-1")
    lines = {n: raw.strip() for n, raw in enumerate(text.splitlines(), start=1)}
    n_aisles, n_items = _tokens(lines, 2, path, "'<aisles> <items>'", (int, int))
    (depot_flag,) = _tokens(lines, 4, path, "the depot flag 0 or 1", (int,))
    (storage_flag,) = _tokens(lines, 6, path, "the storage flag 0 or 1", (int,))
    length, width = _tokens(lines, 8, path, "'<shelf length> <shelf width>'", (float, float))
    (aisle_width,) = _tokens(lines, 10, path, "the aisle width", (float,))
    (capacity,) = _tokens(lines, 12, path, "the picker capacity", (float,))
    if n_aisles < 1 or n_items < 1:
        raise LayoutError(f"{path}:2: aisles and items must be >= 1, got {lines[2]!r}")
    if depot_flag not in (0, 1):
        raise LayoutError(f"{path}:4: depot flag must be 0 (bottom left) or 1 (bottom centre)")
    for lineno, v in ((8, length), (8, width), (10, aisle_width)):
        if not math.isfinite(v) or v <= 0:
            raise LayoutError(f"{path}:{lineno}: sizes must be positive, got {lines[lineno]!r}")
    if not math.isfinite(capacity) or capacity <= 0:
        raise CapacityError(f"{path}:12: picker capacity must be positive, got {lines[12]!r}")
    rows = []
    for i in range(n_aisles):
        lineno = 18 + i
        aisle, right, left, side = _tokens(
            lines, lineno, path, "'<aisle> <distance> <distance> <side -1/0/1>'",
            (int, float, float, int),
        )  # fmt: skip
        if aisle != i:
            raise LayoutError(f"{path}:{lineno}: expected aisle {i}, got {aisle}")
        if side not in (-1, 0, 1) or right < 0 or not math.isfinite(right):
            raise LayoutError(f"{path}:{lineno}: bad distance or side in {lines[lineno]!r}")
        if abs(right - left) > 1e-6:
            raise LayoutError(
                f"{path}:{lineno}: the two depot distances differ ({right:g}, {left:g}); "
                "only equal ones are understood"
            )
        if (side == 0) != (right == 0):
            raise LayoutError(f"{path}:{lineno}: side 0 (in front of the depot) needs distance 0")
        rows.append((lineno, right, side))
    depot_x = max((d for _, d, s in rows if s == -1), default=0.0)
    aisle_x = np.array([depot_x + s * d for _, d, s in rows])
    if n_aisles > 1 and (np.diff(aisle_x) <= 0).any():
        bad = rows[int(np.flatnonzero(np.diff(aisle_x) <= 0)[0]) + 1][0]
        raise LayoutError(f"{path}:{bad}: aisles are not in left-to-right order")
    if depot_flag == 0 and abs(depot_x - aisle_x[0]) > _GRID_TOL:
        raise LayoutError(
            f"{path}:4: depot flag 0 (bottom left) but the distances put it elsewhere"
        )
    if depot_flag == 1 and abs(depot_x - (aisle_x[0] + aisle_x[-1]) / 2) > _GRID_TOL:
        raise LayoutError(
            f"{path}:4: depot flag 1 (bottom centre) but the distances put it elsewhere"
        )
    if n_items % (2 * n_aisles):
        raise LayoutError(f"{path}:2: {n_items} items do not fill {n_aisles} aisles x 2 sides")
    shelf = length - width
    if shelf <= 0:
        raise LayoutError(
            f"{path}:8: shelf length {length:g} is not more than its width {width:g}"
        )
    return {
        "n_aisles": n_aisles,
        "n_cells": n_items // (2 * n_aisles),
        "shelf_length": shelf,
        "aisle_width": aisle_width,
        "aisle_x": aisle_x,
        "depot_x": depot_x,
        "capacity": capacity,
        "storage": "abc" if storage_flag == 0 else "random",
    }


def read_albareda(
    layout_file: str | Path,
    order_file: str | Path,
    *,
    geometry: Geometry = "auto",
    due_scale: float = 1.0,
) -> tuple[Layout, Slotting, list[Order], Cart]:
    """Read an Albareda-Sambola et al. (2009) instance, warehouses W1-W4.

    Parameters
    ----------
    layout_file
        ``wsrp_input_layout_<w>_<n>.txt``.
    order_file
        ``wsrp_input_pedido_<w>_<n>.txt`` of the same folder.
    geometry
        ``"auto"`` builds a parallel-aisles layout when the positions fall
        on a cell grid centred in the aisles and the aisles are evenly
        spaced (W1, W2, W4), else a graph-tier layout with pick nodes at
        the exact positions (W3, whose cells sit 0.1 m off centre).
        ``"parallel-aisles"`` forces the first (for the exact routers; an
        off-centre grid keeps the front distances exact and shortens each
        aisle by the difference of its two end gaps, 0.2 m in W3);
        ``"graph"`` forces the second.
    due_scale
        Factor applied to the due-date column (its unit is not documented;
        the arrival times of the collection are milliseconds, so ``1e-3``
        gives seconds).

    Returns
    -------
    layout
        Aisles at the x of the layout file's depot distances, cells of pitch
        ``shelf_length / cells`` where ``shelf_length`` = line-8 length
        minus line-8 width and ``cells = items / (2 * aisles)``; a front and
        a back cross-aisle ``aisle_width`` wide, so the aisle is
        ``shelf_length + aisle_width`` between cross-aisle centre lines and
        position ``p`` lies ``aisle_width / 2 + p`` from the front one; the
        depot on the front cross-aisle's centre line (bottom left or bottom
        centre). Bin codes ``A<aisle>-B1-<cell>-<L|R>-1``.
    slotting
        Item id (as a string) -> bin code, for the items the orders use.
    orders
        Ids ``"0"``, ``"1"``, ... in file order, ``due`` from the due-date
        column times ``due_scale``; one line per distinct item with its
        weight as ``unit_weight``.
    cart
        ``Cart(max_weight=capacity)``: the capacity is a weight (the items of
        W1-W3 weigh 1, those of W4 1 to 3), as in the papers and the
        collection's own reader, which sums item weights against it.

    Raises
    ------
    LayoutError
        For a malformed layout file or a position off the grid when a
        parallel-aisles layout is forced, naming file and line.
    OrderError
        For a malformed order file, naming file, line and order.

    Notes
    -----
    Picking and turning times (lines 14 and 16; W3 has an out-turn time of
    20) and the storage flag are not modelled. The two depot distances of
    the aisle lines are equal in every file and only equal ones are
    accepted.

    Examples
    --------
    A made-up instance: two aisles, three cells per side, one order of two
    items (line 2 of the order file: the number of orders; then a due date
    and an item count per order, and ``aisle side position weight id`` per
    item):

    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> layout_file, order_file = Path(tmp.name, "layout.txt"), Path(tmp.name, "orders.txt")
    >>> _ = layout_file.write_text("\\n".join(
    ...     ["aisles, items", "2 12", "depot", "1", "storage", "0", "shelf", "8 2",
    ...      "aisle width", "2", "capacity", "5", "picking", "0", "turning", "0 0",
    ...      "aisle, distances, side", "0 2 2 -1", "1 2 2 1", "9999"]))
    >>> _ = order_file.write_text("\\n".join(
    ...     ["orders", "1", "columns", "100.5 2", "0 0 1 1 7", "1 1 5 2.5 3"]))
    >>> layout, slotting, orders, cart = read_albareda(layout_file, order_file)
    >>> slotting.bins, cart.max_weight
    ({'7': 'A01-B1-001-L-1', '3': 'A02-B1-003-R-1'}, 5.0)
    >>> tmp.cleanup()
    """
    lpath, opath = Path(layout_file), Path(order_file)
    if geometry not in ("auto", "parallel-aisles", "graph"):
        raise LayoutError(
            f"unknown geometry {geometry!r}"
            + suggest(str(geometry), ("auto", "parallel-aisles", "graph"))
        )
    geo = _albareda_layout_file(lpath)
    n_aisles, n_cells, shelf = geo["n_aisles"], geo["n_cells"], geo["shelf_length"]

    # ---- the order file
    items: list[tuple[int, int, int, float, float, str]] = []  # line, aisle, side, pos, w, id
    parsed: list[tuple[int, float, int, list[int]]] = []  # line, due, count, item indices
    announced: tuple[int, int] | None = None
    for lineno, line in nonblank_lines(opath, OrderError):
        tok = line.split()
        if lineno < 4:  # a title, the number of orders, the column titles
            if lineno == 2:
                if len(tok) != 1 or not tok[0].isdigit():
                    raise OrderError(
                        f"{opath}:{lineno}: expected the number of orders, got {line!r}"
                    )
                announced = (lineno, int(tok[0]))
            continue
        if not parsed or len(parsed[-1][3]) == parsed[-1][2]:
            if len(tok) != 2:
                raise OrderError(
                    f"{opath}:{lineno}: expected order {len(parsed)} header '<due> <items>', "
                    f"got {line!r}"
                )
            try:
                due, count = float(tok[0]) * due_scale, int(tok[1])
            except ValueError:
                raise OrderError(
                    f"{opath}:{lineno}: order {len(parsed)}: bad header {line!r}"
                ) from None
            if not math.isfinite(due) or count < 1:
                raise OrderError(
                    f"{opath}:{lineno}: order {len(parsed)}: due must be finite and items >= 1"
                )
            parsed.append((lineno, due, count, []))
            continue
        oid = len(parsed) - 1
        try:
            if len(tok) != 5:
                raise ValueError
            aisle, side, pos, weight, item = (
                int(tok[0]),
                int(tok[1]),
                float(tok[2]),
                float(tok[3]),
                int(tok[4]),
            )
        except ValueError:
            raise OrderError(
                f"{opath}:{lineno}: order {oid}: expected '<aisle> <side> <position> <weight> "
                f"<id>', got {line!r}"
            ) from None
        if not 0 <= aisle < n_aisles or side not in (0, 1):
            raise OrderError(
                f"{opath}:{lineno}: order {oid}, item {item}: aisle {aisle} side {side} is "
                f"outside 0..{n_aisles - 1} x 0/1"
            )
        if not (math.isfinite(pos) and -_GRID_TOL <= pos <= shelf + _GRID_TOL):
            raise OrderError(
                f"{opath}:{lineno}: order {oid}, item {item}: position {pos:g} is outside "
                f"0..{shelf:g}"
            )
        if not math.isfinite(weight) or weight <= 0:
            raise OrderError(
                f"{opath}:{lineno}: order {oid}, item {item}: weight must be positive, "
                f"got {tok[3]}"
            )
        parsed[-1][3].append(len(items))
        items.append((lineno, aisle, side, pos, weight, str(item)))
    if announced is None or not parsed:
        raise OrderError(f"{opath}: no orders")
    if len(parsed[-1][3]) != parsed[-1][2]:
        head, _, count, got = parsed[-1]
        raise OrderError(
            f"{opath}:{head}: order {len(parsed) - 1} announces {count} items but lists {len(got)}"
        )
    if announced[1] != len(parsed):
        raise OrderError(
            f"{opath}:{announced[0]}: announces {announced[1]} orders but lists {len(parsed)}"
        )
    first: dict[str, tuple[int, int, int, float, float]] = {}
    for lineno, aisle, side, pos, weight, sku in items:
        prev = first.setdefault(sku, (lineno, aisle, side, pos, weight))
        if prev[1:3] != (aisle, side) or abs(prev[3] - pos) > _GRID_TOL or prev[4] != weight:
            raise OrderError(
                f"{opath}:{lineno}: item {sku} has another location or weight than at line "
                f"{prev[0]}"
            )

    # ---- the grid: pitch from the layout file, offset from the positions
    pitch = shelf / n_cells
    positions = np.array([it[3] for it in items])
    offset = float(np.median(positions - np.floor(positions / pitch + 1e-9) * pitch))
    cell_of = np.rint((positions - offset) / pitch).astype(np.int64)
    off_grid = (np.abs(offset + cell_of * pitch - positions) > _GRID_TOL) | (cell_of < 0)
    off_grid |= cell_of >= n_cells
    on_grid = not off_grid.any() and offset + (n_cells - 1) * pitch <= shelf + _GRID_TOL
    even = n_aisles == 1 or bool(np.ptp(np.diff(geo["aisle_x"])) <= _GRID_TOL)
    centred = on_grid and abs(offset - pitch / 2) <= _GRID_TOL
    if geometry == "parallel-aisles":
        if not on_grid:
            bad = items[int(np.flatnonzero(off_grid)[0])][0] if off_grid.any() else None
            raise LayoutError(
                f"{opath}:{bad}: position is off the grid of {n_cells} cells of {pitch:g} "
                "(use geometry='graph')"
                if bad is not None
                else f"{lpath}: {n_cells} cells of {pitch:g} do not fit the shelf"
            )
        if not even:
            raise LayoutError(f"{lpath}: aisles are not evenly spaced (use geometry='graph')")
    parallel = geometry == "parallel-aisles" or (geometry == "auto" and centred and even)

    # Cell positions along each aisle (from the front of the shelf) and the
    # 1-based cell of every item line.
    if on_grid:
        grid = offset + np.arange(n_cells) * pitch
        cells = [grid] * n_aisles
        cell_no = cell_of + 1
    else:
        cells = [_distinct(positions[[it[1] == a for it in items]]) for a in range(n_aisles)]
        cell_no = np.array(
            [int(np.abs(cells[it[1]] - it[3]).argmin()) + 1 for it in items], dtype=np.int64
        )
    width = max(n_cells, max(c.size for c in cells))
    if parallel:
        layout = _albareda_parallel(lpath, geo, pitch, offset)
    else:
        layout = _albareda_graph(lpath, geo, cells, width)
    code_of: dict[str, str] = {}
    for k, (_, aisle, side, _, _, sku) in enumerate(items):
        if sku not in code_of:
            code_of[sku] = grid_bin_code(aisle + 1, int(cell_no[k]), "LR"[side], n_aisles, width)
    orders = [
        Order(str(k), merge_lines([(items[i][5], items[i][4]) for i in idx]), due=due)
        for k, (_, due, _, idx) in enumerate(parsed)
    ]
    slotting = Slotting(code_of, name=opath.stem)
    return layout, slotting, orders, Cart(max_weight=geo["capacity"])


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted values with near-duplicates (within the grid tolerance) merged."""
    out: list[float] = []
    for v in np.sort(values).tolist():
        if not out or v - out[-1] > _GRID_TOL:
            out.append(v)
    return np.array(out)


def _albareda_parallel(path: Path, geo: dict[str, Any], pitch: float, offset: float) -> Layout:
    """The parallel-aisles layout: evenly spaced aisles, the grid's front gap at both ends."""
    aisle_x: np.ndarray = geo["aisle_x"]
    left = int(np.searchsorted(aisle_x, geo["depot_x"] + 1e-9)) - 1  # aisle at or left of it
    spec: dict[str, Any] = {
        "name": path.stem,
        "kind": "parallel-aisles",
        "aisles": geo["n_aisles"],
        "cells": geo["n_cells"],
        "cell_length": pitch,
        "aisle_spacing": float(aisle_x[-1] - aisle_x[0]) / (aisle_x.size - 1)
        if aisle_x.size > 1
        else 1.0,
        "cross_aisle_to_cell": geo["aisle_width"] / 2 + offset,
        "cross_aisle_width": geo["aisle_width"],
        "sides": 2,
        "levels": 1,
        "depots": [
            {
                "name": "D1",
                "aisle": left + 1,
                "at": "front",
                "offset": float(geo["depot_x"] - aisle_x[left]),
            }
        ],
    }
    return Layout.from_spec(spec, source=str(path))


def _albareda_graph(
    path: Path, geo: dict[str, Any], cells: list[np.ndarray], width: int
) -> Layout:
    """The graph-tier layout: every aisle a chain front junction -> pick nodes
    -> back junction, joined by the front and back cross-aisles, the depot on
    the front one."""
    aisle_x: np.ndarray = geo["aisle_x"]
    half = geo["aisle_width"] / 2
    back = geo["shelf_length"] + geo["aisle_width"]
    n_aisles = geo["n_aisles"]
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    slots: list[dict[str, Any]] = []
    wa = max(2, len(str(n_aisles)))
    for a in range(n_aisles):
        x = float(aisle_x[a])
        name = f"A{a + 1:0{wa}d}"
        chain = [(f"{name}-front", 0.0)]
        for k, pos in enumerate(cells[a].tolist(), start=1):
            node = f"{name}-{k:03d}"
            chain.append((node, half + pos))
            for side in "LR":
                code = grid_bin_code(a + 1, k, side, n_aisles, width)
                slots.append(
                    {"code": code, "node": node, "aisle": a + 1, "side": side, "level": 1}
                )
        chain.append((f"{name}-back", back))
        for (node, y), kind in zip(
            chain, ["plain"] + ["pick"] * cells[a].size + ["plain"], strict=True
        ):
            nodes.append({"id": node, "x": x, "y": y, "kind": kind})
        for (u, yu), (v, yv) in zip(chain[:-1], chain[1:], strict=True):
            edges.append({"from": u, "to": v, "length": yv - yu})
    depot_x = float(geo["depot_x"])
    at = np.flatnonzero(np.abs(aisle_x - depot_x) <= 1e-6)
    front = [(float(aisle_x[a]), f"A{a + 1:0{wa}d}-front") for a in range(n_aisles)]
    if at.size:
        depot = front[int(at[0])][1]
        for entry in nodes:
            if entry["id"] == depot:
                entry["kind"] = "depot"
    else:
        depot = "depot"
        nodes.append({"id": depot, "x": depot_x, "y": 0.0, "kind": "depot"})
        front = sorted([*front, (depot_x, depot)])
    backs = [(float(aisle_x[a]), f"A{a + 1:0{wa}d}-back") for a in range(n_aisles)]
    for line in (front, backs):
        for (xu, u), (xv, v) in zip(line[:-1], line[1:], strict=True):
            edges.append({"from": u, "to": v, "length": xv - xu})
    spec = {
        "name": path.stem,
        "kind": "graph",
        "nodes": nodes,
        "edges": edges,
        "slots": slots,
        "depots": [{"name": "D1", "node": depot}],
    }
    return Layout.from_spec(spec, source=str(path))

r"""Layouts built in code: equal-capacity alternatives, one call each.

An analyst asking "should the next hall be a fishbone?" or "what does a
middle cross-aisle buy us?" compares warehouses that hold the same number of
slots. The builders here take that number and give a layout spec (a dict,
JSON-ready, which :func:`optimizer.layout.format_spec_json` writes and
:meth:`Layout.from_spec <optimizer.layout.Layout.from_spec>` compiles):

- :func:`parallel_aisles_spec`: the traditional rectangle, parallel picking
  aisles in one or more blocks (``blocks + 1`` cross-aisles), the depot in
  the middle of the front cross-aisle, shaped to a footprint's aspect ratio;
- :func:`fishbone_spec`: the fishbone of Gue & Meller (2009), sized by its
  depth or by a target number of slots; ``layouts/fishbone.json`` is
  ``fishbone_spec()`` with the defaults.

:func:`parallel_aisles` and :func:`fishbone` return the compiled
:class:`~optimizer.layout.Layout` directly.

The fishbone (Gue & Meller 2009, "Aisle configurations for unit-load
warehouses", IIE Transactions 41(3)) puts the depot at the middle of the
front wall and runs two diagonal cross-aisles from it to the back corners, a
V. Picking aisles meet the diagonals like the ribs of a fish: vertical ones
above the V, horizontal ones in the two side regions below it; cross-aisles
run along the whole perimeter, so every picking aisle is open at both ends::

     NW +------------------ north perimeter -------------------+ NE
        |  |  |  |  |  |  |  |  |  |  |  |  |  |  |  |  |  |  |
        |--\  |  |  |  |  vertical aisles  |  |  |  |  |  /--|
        |-----\  |  |  |  |  |  |  |  |  |  |  |  |  /-----|
   west |------- \  |  |  |  |  |  |  |  |  |  |  / -------| east
        |  horizontal \  |  |  |  |  |  |  |  / horizontal |
        |-------------- \  |  |  |  |  |  | / -------------|
        |----------------- \  |  |  |  / ------------------|
     SW +----------------------- depot ------------------------+ SE

- the warehouse is ``2 * depth`` wide and ``depth`` deep, so the diagonals
  rise at 45 degrees from the depot ``(depth, 0)`` to the back corners;
- aisle centre lines are ``spacing`` apart; the vertical aisle at
  ``x = depth + d`` and the horizontal aisle at ``y = |d|`` meet the
  diagonal at the same point, a four-way crossing on the spine;
- pick nodes sit every ``pick_step`` along an aisle, the first and last at
  least ``end_gap`` from the cross-aisles at its two ends; aisles too short
  for two pick nodes are left out;
- each pick node serves one slot on each side: bin code
  ``F<aisle>-<position>-<side>-<level>``, e.g. ``F07-012-L-1``, aisles
  numbered clockwise (west region bottom to top, north region left to
  right, east region top to bottom), positions counted from the diagonal,
  sides ``L``/``R`` as seen walking away from the diagonal.

Edge lengths are left out of the spec: the layout compiler takes the
Euclidean distance of the node coordinates.

Examples
--------
Two equal-capacity alternatives to the shipped fishbone:

>>> spec = fishbone_spec()
>>> len(spec["slots"])
2080
>>> one = parallel_aisles(2080, name="one-block")
>>> two = parallel_aisles(2080, blocks=2, name="two-block")
>>> len(one.slots), len(two.slots), one.aisles.n_aisles, two.aisles.n_blocks
(2080, 2080, 26, 2)
"""

from __future__ import annotations

import math
from typing import Any

from optimizer.errors import PickoptError
from optimizer.layout import Layout

__all__ = [
    "FISHBONE_DEPTH",
    "parallel_aisles_spec",
    "parallel_aisles",
    "fishbone_spec",
    "fishbone",
]

#: Depth of the shipped fishbone (``layouts/fishbone.json``), metres.
FISHBONE_DEPTH = 42.0
#: Width : depth of a traditional warehouse with its depot in the middle of
#: the front wall when no footprint is given; Gue & Meller's best
#: traditional designs are about twice as wide as deep.
DEFAULT_ASPECT = 2.0
#: How far (as a factor) width : depth may stray from the footprint's to hold
#: the target number of slots more exactly.
_SHAPE_TOLERANCE = 1.5


def _r(v: float) -> float:
    """Coordinates to the millimetre, so the JSON is stable across platforms."""
    return round(v, 3) + 0.0  # + 0.0 turns -0.0 into 0.0


# ---- parallel aisles ----------------------------------------------------------------
def _shape(
    slots: int, per_cell: int, blocks: int, aspect: float, spacing: float, cell: float,
    gap: float,
) -> tuple[int, int]:  # fmt: skip
    """(aisles, cells per block) holding ``slots``: among the shapes whose width :
    depth is within :data:`_SHAPE_TOLERANCE` of ``aspect`` (all, if none is), the
    least surplus of slots, then the closest shape."""
    shapes = []
    for aisles in range(1, slots + 1):
        cells = math.ceil(slots / (aisles * per_cell * blocks))
        surplus = aisles * cells * per_cell * blocks - slots
        depth = blocks * (2 * gap + (cells - 1) * cell)
        misfit = abs(math.log(aisles * spacing / max(depth, cell) / aspect))
        shapes.append((surplus, misfit, aisles, cells))
        if cells == 1:
            break
    near = [s for s in shapes if s[1] <= math.log(_SHAPE_TOLERANCE)] or shapes
    _, _, aisles, cells = min(near)
    return aisles, cells


def parallel_aisles_spec(
    slots: int,
    *,
    blocks: int = 1,
    footprint: tuple[float, float] | None = None,
    aisle_spacing: float = 3.0,
    cell_length: float = 1.0,
    cross_aisle_to_cell: float = 1.5,
    sides: int = 2,
    levels: int = 1,
    depot: str = "middle",
    name: str | None = None,
) -> dict[str, Any]:
    """A traditional warehouse of at least ``slots`` slots, as a spec dict.

    Among the shapes whose width : depth is within a factor 1.5 of the
    footprint's, the number of aisles and of cells per block is the one
    whose slot count exceeds ``slots`` least, then whose shape comes
    closest.

    Parameters
    ----------
    slots
        Target number of slots.
    blocks
        Blocks along the aisles; the warehouse has ``blocks + 1``
        cross-aisles (front, back and ``blocks - 1`` in the middle).
    footprint
        ``(width, depth)`` in metres whose aspect ratio to aim at; default
        twice as wide as deep.
    aisle_spacing, cell_length, cross_aisle_to_cell, sides, levels
        As in a ``parallel-aisles`` layout file (metres).
    depot
        ``"middle"`` (front cross-aisle, halfway across) or ``"left"``
        (front of the first aisle).
    name
        The layout's name; default ``"<n>-block-<slots>"``.

    Examples
    --------
    >>> spec = parallel_aisles_spec(900, footprint=(50, 48), aisle_spacing=5.0)
    >>> spec["aisles"], spec["cells"], spec["depots"]
    (10, 45, [{'name': 'D1', 'aisle': 5, 'at': 'front', 'offset': 2.5}])
    """
    slots, blocks, sides, levels = (int(v) for v in (slots, blocks, sides, levels))
    if slots < 1 or blocks < 1:
        raise PickoptError(f"need slots >= 1 and blocks >= 1, got {slots} and {blocks}")
    if depot not in ("middle", "left"):
        raise PickoptError(f"depot must be 'middle' or 'left', got {depot!r}")
    width, depth = footprint if footprint is not None else (DEFAULT_ASPECT, 1.0)
    if not (width > 0 and depth > 0):
        raise PickoptError(f"footprint must be positive, got {footprint!r}")
    aisles, cells = _shape(slots, sides * levels, blocks, float(width) / float(depth),
                           aisle_spacing, cell_length, cross_aisle_to_cell)  # fmt: skip
    if depot == "left":
        where: dict[str, Any] = {"name": "D1", "aisle": 1, "at": "front"}
    else:
        offset = aisle_spacing / 2 if aisles % 2 == 0 else 0.0
        where = {"name": "D1", "aisle": (aisles + 1) // 2, "at": "front", "offset": offset}
    return {
        "name": name or f"{blocks}-block-{slots}",
        "kind": "parallel-aisles",
        "aisles": aisles,
        "blocks": blocks,
        "cells": cells,
        "cell_length": cell_length,
        "aisle_spacing": aisle_spacing,
        "cross_aisle_to_cell": cross_aisle_to_cell,
        "sides": sides,
        "levels": levels,
        "depots": [where],
    }


def parallel_aisles(slots: int, **options: Any) -> Layout:
    """:func:`parallel_aisles_spec` compiled to a :class:`~optimizer.layout.Layout`."""
    return Layout.from_spec(parallel_aisles_spec(slots, **options))


# ---- fishbone -----------------------------------------------------------------------
def _positions(length: float, pick_step: float, end_gap: float) -> list[float]:
    """Offsets of the pick nodes along an aisle of ``length`` from its diagonal end."""
    n = math.floor((length - 2 * end_gap) / pick_step + 1e-9) + 1
    return [end_gap + k * pick_step for k in range(n)] if n >= 2 else []


def _ribs(
    depth: float, spacing: float, pick_step: float, end_gap: float
) -> list[tuple[float, list[float]]]:
    """Rib k of each half sits ``spacing * (k + 1/2)`` from the depot's centre line;
    only ribs long enough for two pick nodes are kept."""
    ribs: list[tuple[float, list[float]]] = []
    k = 0
    while (d := spacing * (k + 0.5)) < depth:
        picks = _positions(depth - d, pick_step, end_gap)
        if picks:
            ribs.append((d, picks))
        k += 1
    return ribs


def _fishbone_slots(depth: float, spacing: float, pick_step: float, end_gap: float,
                    levels: int) -> int:  # fmt: skip
    """Slots of a fishbone of ``depth``: four aisles per rib, two sides per pick node."""
    return 4 * 2 * levels * sum(len(p) for _, p in _ribs(depth, spacing, pick_step, end_gap))


def _depth_for(slots: int, spacing: float, pick_step: float, end_gap: float,
               levels: int) -> float:  # fmt: skip
    """The smallest depth, in half metres, whose fishbone holds ``slots``."""
    depth = 2 * end_gap + spacing
    while _fishbone_slots(depth, spacing, pick_step, end_gap, levels) < slots:
        depth += 0.5
    return depth


def fishbone_spec(
    depth: float | None = None,
    *,
    slots: int | None = None,
    spacing: float = 3.0,
    pick_step: float = 1.0,
    end_gap: float = 1.5,
    levels: int = 1,
    name: str = "fishbone",
) -> dict[str, Any]:
    """A fishbone warehouse (Gue & Meller 2009) as a graph-tier spec dict.

    Parameters
    ----------
    depth
        Front wall to back wall, metres; the width is twice this. Default
        :data:`FISHBONE_DEPTH`, or the smallest depth (in half metres) that
        holds ``slots``.
    slots
        Target number of slots, when ``depth`` is not given.
    spacing
        Aisle centre line to aisle centre line, metres.
    pick_step
        Pick node to pick node along an aisle, metres.
    end_gap
        Cross-aisle centre line to the nearest pick node, metres.
    levels
        Slots per side of a pick node, stacked.
    name
        The layout's name.

    Examples
    --------
    >>> spec = fishbone_spec(slots=900)
    >>> spec["nodes"][0], len(spec["slots"])
    ({'id': 'depot', 'x': 28.5, 'y': 0.0, 'kind': 'depot'}, 928)
    """
    levels = int(levels)
    if depth is None:
        depth = FISHBONE_DEPTH if slots is None else _depth_for(int(slots), spacing, pick_step,
                                                                end_gap, levels)  # fmt: skip
    depth = float(depth)
    ribs = _ribs(depth, spacing, pick_step, end_gap)
    if not ribs:
        raise PickoptError(f"a fishbone {depth} m deep has no aisle long enough for two picks")
    width = 2 * depth
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    slot_specs: list[dict[str, Any]] = []

    def node(nid: str, x: float, y: float, kind: str) -> str:
        nodes.append({"id": nid, "x": _r(x), "y": _r(y), "kind": kind})
        return nid

    def chain(ids: list[str]) -> None:
        edges.extend({"from": a, "to": b} for a, b in zip(ids[:-1], ids[1:], strict=True))

    depot = node("depot", depth, 0.0, "depot")
    corner = {
        "SW": node("C-SW", 0.0, 0.0, "plain"),
        "NW": node("C-NW", 0.0, depth, "plain"),
        "NE": node("C-NE", width, depth, "plain"),
        "SE": node("C-SE", width, 0.0, "plain"),
    }
    # Spine crossings, from the depot outwards.
    spine: dict[str, list[str]] = {"W": [], "E": []}
    for half, sign in (("W", -1.0), ("E", 1.0)):
        for k, (d, _) in enumerate(ribs, start=1):
            spine[half].append(node(f"D{half}-{k:02d}", depth + sign * d, d, "junction"))
    # Perimeter crossings where the aisles end.
    numbered = list(enumerate(ribs, start=1))
    west = [node(f"PW-{k:02d}", 0.0, d, "junction") for k, (d, _) in numbered]
    east = [node(f"PE-{k:02d}", width, d, "junction") for k, (d, _) in numbered]
    north_w = [node(f"PN-W{k:02d}", depth - d, depth, "junction") for k, (d, _) in numbered]
    north_e = [node(f"PN-E{k:02d}", depth + d, depth, "junction") for k, (d, _) in numbered]

    # Cross-aisles: the V, then the perimeter clockwise from the south-west corner.
    chain([depot, *spine["W"], corner["NW"]])
    chain([depot, *spine["E"], corner["NE"]])
    chain([corner["SW"], *west, corner["NW"]])
    chain([corner["NW"], *north_w[::-1], *north_e, corner["NE"]])
    chain([corner["NE"], *east[::-1], corner["SE"]])
    chain([corner["SE"], depot, corner["SW"]])

    # Picking aisles, numbered clockwise. Each runs from a spine crossing
    # (dx, dy per metre) to a perimeter crossing.
    n = len(ribs)
    aisles: list[tuple[str, int, str, float, float, str]] = []
    for k in range(n):  # west region, bottom to top: walk left from the spine
        aisles.append(("west", k, spine["W"][k], -1.0, 0.0, west[k]))
    for k in reversed(range(n)):  # north region, left half: walk up
        aisles.append(("north", k, spine["W"][k], 0.0, 1.0, north_w[k]))
    for k in range(n):  # north region, right half
        aisles.append(("north", k, spine["E"][k], 0.0, 1.0, north_e[k]))
    for k in reversed(range(n)):  # east region, top to bottom: walk right
        aisles.append(("east", k, spine["E"][k], 1.0, 0.0, east[k]))

    xy = {nd["id"]: (nd["x"], nd["y"]) for nd in nodes}
    for number, (zone, k, start, dx, dy, end) in enumerate(aisles, start=1):
        x0, y0 = xy[start]
        walk = [start]
        for pos, off in enumerate(ribs[k][1], start=1):
            pick = node(f"F{number:02d}-{pos:03d}", x0 + dx * off, y0 + dy * off, "pick")
            walk.append(pick)
            for side in ("L", "R"):
                for level in range(1, levels + 1):
                    slot_specs.append({"code": f"{pick}-{side}-{level}", "node": pick,
                                       "zone": zone, "aisle": number, "level": level,
                                       "side": side})  # fmt: skip
        walk.append(end)
        chain(walk)

    return {
        "name": name,
        "kind": "graph",
        "nodes": nodes,
        "edges": edges,
        "slots": slot_specs,
        "depots": [{"name": "D1", "node": depot}],
    }


def fishbone(depth: float | None = None, **options: Any) -> Layout:
    """:func:`fishbone_spec` compiled to a :class:`~optimizer.layout.Layout`."""
    return Layout.from_spec(fishbone_spec(depth, **options))

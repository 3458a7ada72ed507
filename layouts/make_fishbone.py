r"""Generate ``layouts/fishbone.json``, a graph-tier fishbone warehouse.

The fishbone design of Gue & Meller (2009, "Aisle configurations for
unit-load warehouses", IIE Transactions 41(3)) puts the pick-up and drop-off
point (the depot) at the middle of the front wall and runs two diagonal
cross-aisles from it to the two back corners, a V. Picking aisles meet the
diagonals like the ribs of a fish: vertical ones in the region above the V,
horizontal ones in the two side regions below it. Cross-aisles run along the
whole perimeter, so every picking aisle is open at both ends.

Geometry (metres; x to the right, y from the front wall to the back)::

     NW +------------------ north perimeter -------------------+ NE
        |  |  |  |  |  |  |  |  |  |  |  |  |  |  |  |  |  |  |
        |--\  |  |  |  |  vertical aisles  |  |  |  |  |  /--|
        |-----\  |  |  |  |  |  |  |  |  |  |  |  |  /-----|
   west |------- \  |  |  |  |  |  |  |  |  |  |  / -------| east
        |  horizontal \  |  |  |  |  |  |  |  / horizontal |
        |-------------- \  |  |  |  |  |  | / -------------|
        |----------------- \  |  |  |  / ------------------|
     SW +----------------------- depot ------------------------+ SE

- the warehouse is ``2 * DEPTH`` wide and ``DEPTH`` deep, so the diagonals
  rise at 45 degrees from the depot ``(DEPTH, 0)`` to the back corners;
- aisle centre lines are ``SPACING`` apart; the vertical aisle at
  ``x = DEPTH + d`` and the horizontal aisle at ``y = |d|`` meet the diagonal
  at the same point, a four-way crossing on the spine;
- pick nodes sit every ``PICK_STEP`` along an aisle, the first and last at
  least ``END_GAP`` from the cross-aisles at its two ends; aisles too short
  for two pick nodes are left out;
- each pick node serves one slot on each side: bin code
  ``F<aisle>-<position>-<side>-<level>``, e.g. ``F07-012-L-1``, aisles
  numbered clockwise (west region bottom to top, north region left to right,
  east region top to bottom), positions counted from the diagonal, sides
  ``L``/``R`` as seen walking away from the diagonal.

Edge lengths are left out of the JSON: the layout builder takes the
Euclidean distance of the node coordinates.

Run ``python layouts/make_fishbone.py`` to rewrite the JSON; the output is
deterministic, and ``tests/test_layout.py`` checks the committed file is
what this script produces.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from optimizer.layout import format_spec_json

__all__ = ["DEPTH", "SPACING", "PICK_STEP", "END_GAP", "build_spec", "main"]

DEPTH = 42.0  # front wall to back wall; the width is twice this
SPACING = 3.0  # aisle centre line to aisle centre line
PICK_STEP = 1.0  # pick node to pick node along an aisle
END_GAP = 1.5  # cross-aisle centre line to the nearest pick node
LEVELS = 1
OUT = Path(__file__).resolve().parent / "fishbone.json"


def _r(v: float) -> float:
    """Coordinates to the millimetre, so the JSON is stable across platforms."""
    return round(v, 3) + 0.0  # + 0.0 turns -0.0 into 0.0


def _positions(length: float) -> list[float]:
    """Offsets of the pick nodes along an aisle of ``length`` from its diagonal end."""
    n = math.floor((length - 2 * END_GAP) / PICK_STEP + 1e-9) + 1
    return [END_GAP + k * PICK_STEP for k in range(n)] if n >= 2 else []


def build_spec() -> dict[str, Any]:
    """The fishbone layout as a graph-tier spec dict."""
    width = 2 * DEPTH
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    slots: list[dict[str, Any]] = []

    def node(nid: str, x: float, y: float, kind: str) -> str:
        nodes.append({"id": nid, "x": _r(x), "y": _r(y), "kind": kind})
        return nid

    def chain(ids: list[str]) -> None:
        edges.extend({"from": a, "to": b} for a, b in zip(ids[:-1], ids[1:], strict=True))

    depot = node("depot", DEPTH, 0.0, "depot")
    corner = {
        "SW": node("C-SW", 0.0, 0.0, "plain"),
        "NW": node("C-NW", 0.0, DEPTH, "plain"),
        "NE": node("C-NE", width, DEPTH, "plain"),
        "SE": node("C-SE", width, 0.0, "plain"),
    }

    # Rib k of each half sits SPACING * (k + 1/2) from the depot's centre line;
    # keep the ribs long enough for two pick nodes.
    ribs: list[tuple[float, list[float]]] = []
    k = 0
    while (d := SPACING * (k + 0.5)) < DEPTH:
        picks = _positions(DEPTH - d)
        if picks:
            ribs.append((d, picks))
        k += 1

    # Spine crossings, from the depot outwards.
    spine: dict[str, list[str]] = {"W": [], "E": []}
    for half, sign in (("W", -1.0), ("E", 1.0)):
        for k, (d, _) in enumerate(ribs, start=1):
            spine[half].append(node(f"D{half}-{k:02d}", DEPTH + sign * d, d, "junction"))

    # Perimeter crossings where the aisles end.
    west = [node(f"PW-{k:02d}", 0.0, d, "junction") for k, (d, _) in enumerate(ribs, start=1)]
    east = [node(f"PE-{k:02d}", width, d, "junction") for k, (d, _) in enumerate(ribs, start=1)]
    north_w = [
        node(f"PN-W{k:02d}", DEPTH - d, DEPTH, "junction")
        for k, (d, _) in enumerate(ribs, start=1)
    ]
    north_e = [
        node(f"PN-E{k:02d}", DEPTH + d, DEPTH, "junction")
        for k, (d, _) in enumerate(ribs, start=1)
    ]

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
                for level in range(1, LEVELS + 1):
                    slots.append(
                        {
                            "code": f"{pick}-{side}-{level}",
                            "node": pick,
                            "zone": zone,
                            "aisle": number,
                            "level": level,
                            "side": side,
                        }
                    )
        walk.append(end)
        chain(walk)

    return {
        "name": "fishbone",
        "kind": "graph",
        "nodes": nodes,
        "edges": edges,
        "slots": slots,
        "depots": [{"name": "D1", "node": depot}],
    }


def main() -> None:
    """Write ``layouts/fishbone.json`` and print its size."""
    spec = build_spec()
    OUT.write_text(format_spec_json(spec), encoding="utf-8")
    print(
        f"wrote {OUT.name}: {len(spec['nodes'])} nodes, {len(spec['edges'])} edges, "
        f"{len(spec['slots'])} slots"
    )


if __name__ == "__main__":
    main()

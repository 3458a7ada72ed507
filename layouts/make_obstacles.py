r"""Generate ``layouts/obstacles.json``, a graph-tier warehouse with obstacles.

Most real buildings are not the textbook rectangle: an office or a loading
area takes out part of the racking, a conveyor or a fire wall blocks a
cross-aisle, racks stand against a wall so an aisle is a dead end. This
layout has all three on a hall of parallel aisles with four cross-aisles
(three blocks), so neither the exact DP nor an aisle policy applies and
shortest walks bend around the obstacles::

     y=45 +--+--+--+--+--+--+--+--+--+--+--+--+--+--+ xxxx +--+--+--+--+--+--+ D2
          |  |  |  |  |  |  |  |  |  |  |  |  |  |  |      |  |  |  |  |  |  |
     y=30 +--+--+--+--+--+--+--+--+--+--+--+--+--+--+ xxxx +--+--+--+--+--+--+
          |  |  |  |  |  |  |  |   office     |  |  |  |  |  |  |  |  |  |  |
     y=15 +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
          |  |  |  |  |  |  |  |  |  |  |  |  |  .  .  .  .  |  |  |  |  |  |
      y=0 +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
                                  D1

- ``AISLES`` vertical picking aisles ``SPACING`` apart, the first at
  ``x = SPACING / 2``; cross-aisles at ``y = 0, 15, 30, 45`` (``BLOCK`` apart);
- pick nodes every ``PICK_STEP`` along an aisle, the first and last
  ``END_GAP`` from the cross-aisles; one slot on each side of a pick node:
  bin code ``O<aisle>-B<block>-<position>-<side>-1``, e.g. ``O07-B2-004-L-1``;
- the office (:data:`OFFICE`, an x range in the middle block) removes those
  aisles there; walks go round it along the cross-aisles above and below;
- a conveyor (:data:`CONVEYOR`) cuts the two back cross-aisles over an x
  range: the back of the hall splits into a left and a right part joined
  only through the middle block;
- dead ends (:data:`DEAD_ENDS`): in the front block those aisles are closed
  at the back, so they are entered and left from the front cross-aisle;
- the depot ``D1`` is set back 2 m from the front cross-aisle between two
  aisles; a drop-off ``D2`` sits behind the back-right corner, for walks
  from one depot to the other.

Edge lengths are left out of the JSON: the layout builder takes the
Euclidean distance of the node coordinates. Run
``python layouts/make_obstacles.py`` to rewrite the JSON; the output is
deterministic, and ``tests/routing/test_obstacles_layout.py`` checks the
committed file is what this script produces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from optimizer.layout import format_spec_json

__all__ = ["AISLES", "SPACING", "BLOCK", "build_spec", "main"]

AISLES = 22
SPACING = 3.0  # aisle centre line to aisle centre line
BLOCK = 15.0  # cross-aisle to cross-aisle
BLOCKS = 3
PICK_STEP = 1.0
END_GAP = 1.5
OFFICE = (20.0, 35.0)  # x range of the office, in the middle block
CONVEYOR = (44.0, 50.0)  # x range where the two back cross-aisles are cut
DEAD_ENDS = (38.0, 50.0)  # x range of front-block aisles closed at the back
DEPOT_X = 33.0
OUT = Path(__file__).resolve().parent / "obstacles.json"


def _r(v: float) -> float:
    """Coordinates to the millimetre, so the JSON is stable across platforms."""
    return round(v, 3) + 0.0


def build_spec() -> dict[str, Any]:
    """The obstacle layout as a graph-tier spec dict."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    slots: list[dict[str, Any]] = []

    def node(nid: str, x: float, y: float, kind: str) -> str:
        nodes.append({"id": nid, "x": _r(x), "y": _r(y), "kind": kind})
        return nid

    def chain(ids: list[str]) -> None:
        edges.extend({"from": a, "to": b} for a, b in zip(ids[:-1], ids[1:], strict=True))

    xs = [SPACING / 2 + SPACING * i for i in range(AISLES)]
    width = SPACING * AISLES
    # Junctions: every aisle on every cross-aisle, and where the depots attach.
    rows: list[list[tuple[float, str]]] = []
    for c in range(BLOCKS + 1):
        y = BLOCK * c
        row = [(x, node(f"J{i + 1:02d}-{c}", x, y, "junction")) for i, x in enumerate(xs)]
        rows.append(row)
    attach = node("J-depot", DEPOT_X, 0.0, "junction")
    rows[0] = sorted([*rows[0], (DEPOT_X, attach)])
    depot = node("depot", DEPOT_X, -2.0, "depot")
    edges.append({"from": depot, "to": attach})
    dropoff = node("dropoff", width, BLOCK * BLOCKS + 2.0, "depot")
    edges.append({"from": rows[-1][-1][1], "to": dropoff})

    # Cross-aisles, cut by the conveyor at the back.
    for c, row in enumerate(rows):
        for (xa, a), (xb, b) in zip(row[:-1], row[1:], strict=True):
            cut = c >= BLOCKS - 1 and xa < CONVEYOR[1] and xb > CONVEYOR[0]
            if not cut:
                chain([a, b])

    # Picking aisles, block by block.
    n_picks = int((BLOCK - 2 * END_GAP) / PICK_STEP + 1e-9) + 1
    for i, x in enumerate(xs):
        for b in range(BLOCKS):
            if b == 1 and OFFICE[0] < x < OFFICE[1]:
                continue  # the office stands here
            lower = rows[b][[j for j, (xj, _) in enumerate(rows[b]) if xj == x][0]][1]
            upper = rows[b + 1][i][1]
            walk = [lower]
            for k in range(n_picks):
                pick = node(f"O{i + 1:02d}-B{b + 1}-{k + 1:03d}", x,
                            BLOCK * b + END_GAP + k * PICK_STEP, "pick")  # fmt: skip
                walk.append(pick)
                for side in ("L", "R"):
                    slots.append({"code": f"{pick}-{side}-1", "node": pick, "aisle": i + 1,
                                  "level": 1, "side": side})  # fmt: skip
            if not (b == 0 and DEAD_ENDS[0] < x < DEAD_ENDS[1]):
                walk.append(upper)
            chain(walk)

    return {
        "name": "obstacles",
        "kind": "graph",
        "nodes": nodes,
        "edges": edges,
        "slots": slots,
        "depots": [{"name": "D1", "node": depot}, {"name": "D2", "node": dropoff}],
    }


def main() -> None:
    """Write ``layouts/obstacles.json`` and print its size."""
    spec = build_spec()
    OUT.write_text(format_spec_json(spec), encoding="utf-8")
    print(f"wrote {OUT.name}: {len(spec['nodes'])} nodes, {len(spec['edges'])} edges, "
          f"{len(spec['slots'])} slots")  # fmt: skip


if __name__ == "__main__":
    main()

"""Graph-tier warehouses whose pick faces are spurs.

In some buildings the picker leaves the aisle's centre line for each face: a
short dead-end edge from the aisle node to a pick node on either side. Every
aisle node then has degree 4 and every pick node degree 1, the shape that
used to turn every node into a junction of the distance oracle.

Examples
--------
>>> from optimizer.layout import Layout
>>> layout = Layout.from_spec(spur_spec(aisles=3, cells=4, blocks=2, levels=2))
>>> len(layout.slots), layout.slot("A02-B2-003-R-2").side
(96, 'R')
"""

from __future__ import annotations

from typing import Any

__all__ = ["spur_spec"]


def spur_spec(
    aisles: int,
    cells: int,
    *,
    blocks: int = 1,
    levels: int = 1,
    cell_length: float = 1.0,
    aisle_spacing: float = 3.0,
    to_cell: float = 1.0,
    spur_length: float = 0.75,
    name: str | None = None,
) -> dict[str, Any]:
    """A graph spec: ``aisles`` parallel aisles of ``blocks`` blocks of ``cells``
    cells, cross-aisles between blocks, a left and a right spur at every cell
    with ``levels`` slots each, and the depot at the front of the first aisle.

    Parameters
    ----------
    aisles, cells, blocks, levels
        Counts; slots = aisles x blocks x cells x 2 x levels.
    cell_length, aisle_spacing, to_cell, spur_length
        Metres: between cells, between aisles, from a cross-aisle to the
        nearest cell, from the aisle to a pick face.
    name
        The layout's name (default ``spurs-<slots>``).
    """
    block = 2 * to_cell + (cells - 1) * cell_length
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    slots: list[dict[str, Any]] = []

    def node(x: float, y: float, kind: str = "plain") -> int:
        nodes.append({"id": len(nodes), "x": x, "y": y, "kind": kind})
        return len(nodes) - 1

    cross = [
        [node(i * aisle_spacing, b * block) for i in range(aisles)] for b in range(blocks + 1)
    ]
    for row in cross:
        edges.extend({"from": a, "to": b} for a, b in zip(row[:-1], row[1:], strict=True))
    wa, wc = max(2, len(str(aisles))), max(3, len(str(cells)))
    for i in range(aisles):
        x = i * aisle_spacing
        for b in range(blocks):
            walk = [cross[b][i]]
            for c in range(cells):
                y = b * block + to_cell + c * cell_length
                centre = node(x, y)
                walk.append(centre)
                for side, dx in (("L", -spur_length), ("R", spur_length)):
                    face = node(x + dx, y, "pick")
                    edges.append({"from": centre, "to": face})
                    code = f"A{i + 1:0{wa}d}-B{b + 1}-{c + 1:0{wc}d}-{side}"
                    slots.extend(
                        {
                            "code": f"{code}-{lvl}",
                            "node": face,
                            "aisle": i + 1,
                            "side": side,
                            "level": lvl,
                        }
                        for lvl in range(1, levels + 1)
                    )
            walk.append(cross[b + 1][i])
            edges.extend({"from": a, "to": b} for a, b in zip(walk[:-1], walk[1:], strict=True))
    depot = node(0.0, -2.0, "depot")
    edges.append({"from": cross[0][0], "to": depot})
    return {
        "name": name or f"spurs-{len(slots)}",
        "kind": "graph",
        "nodes": nodes,
        "edges": edges,
        "slots": slots,
        "depots": [{"name": "D1", "node": depot}],
    }

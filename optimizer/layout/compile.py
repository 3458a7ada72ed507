"""Compile a checked, typed spec into the arrays and parts of a layout.

:func:`compile_spec` lays out the nodes, edges, slots and depots of either
tier, then applies what both tiers share: unique bin codes and depot names,
no self-loops, parallel edges collapsed to the shortest, and one connected
graph (the distance oracle needs it). It returns a :class:`CompiledLayout`,
plain frozen data; :meth:`Layout.from_spec <optimizer.layout.model.Layout.from_spec>`
wraps it, so this module never needs the ``Layout`` class.

Examples
--------
>>> from optimizer.layout.spec import parse_spec
>>> spec = parse_spec({
...     "kind": "parallel-aisles", "aisles": 3, "cells": 4, "cell_length": 1.0,
...     "aisle_spacing": 3.0, "cross_aisle_to_cell": 1.0, "depots": [{"aisle": 1}]})
>>> compiled = compile_spec(spec)
>>> compiled.name, len(compiled.slots), compiled.slots[0].code
('layout', 24, 'A01-B1-001-L-1')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from optimizer.layout.checks import SpecError
from optimizer.layout.parts import (
    NODE_DEPOT,
    NODE_PICK,
    NODE_PLAIN,
    Depot,
    DepotPlacement,
    ParallelAisles,
    Slot,
)
from optimizer.layout.spec import GraphSpec, LayoutSpec, ParallelAislesSpec

__all__ = ["CompiledLayout", "compile_spec"]


@dataclass(frozen=True, eq=False)
class CompiledLayout:
    """Everything a :class:`~optimizer.layout.model.Layout` holds, by the same names."""

    name: str
    kind: str
    xy: np.ndarray
    node_kind: np.ndarray
    edges: np.ndarray
    edge_length: np.ndarray
    slots: tuple[Slot, ...]
    depots: tuple[Depot, ...]
    aisles: ParallelAisles | None = None
    node_names: tuple[str, ...] | None = None


def compile_spec(spec: LayoutSpec, source: str | None = None) -> CompiledLayout:
    """Lay out a typed spec as a graph with slots and depots.

    Parameters
    ----------
    spec
        A checked spec of either tier.
    source
        The file it came from; its stem names a layout whose spec has no name.

    Raises
    ------
    SpecError
        For what only the whole graph shows: duplicate bin codes or depot
        names, self-loops, parts not connected to the first depot.
    """
    name = spec.name or (Path(source).stem if source else "layout")
    if isinstance(spec, ParallelAislesSpec):
        return _parallel_aisles(spec, name)
    return _graph(spec, name)


# ---- tier 1: parallel aisles -----------------------------------------------------
def _parallel_aisles(spec: ParallelAislesSpec, name: str) -> CompiledLayout:
    n_aisles, n_blocks, cells = spec.aisles, spec.blocks, spec.cells
    to_cell, to_back, cell_length = spec.cross_aisle_to_cell, spec.back_to_cell, spec.cell_length
    block_len = spec.block_length
    aisle_x = np.arange(n_aisles, dtype=np.float64) * spec.aisle_spacing
    cross_y = np.arange(n_blocks + 1, dtype=np.float64) * block_len

    xy: list[tuple[float, float]] = []
    kinds: list[int] = []

    def add_node(x: float, y: float, kind: int) -> int:
        xy.append((x, y))
        kinds.append(kind)
        return len(xy) - 1

    junction = np.empty((n_aisles, n_blocks + 1), dtype=np.int64)
    for i in range(n_aisles):
        for j in range(n_blocks + 1):
            junction[i, j] = add_node(aisle_x[i], cross_y[j], NODE_PLAIN)
    pick_node = np.empty((n_aisles, n_blocks, cells), dtype=np.int64)
    for i in range(n_aisles):
        for b in range(n_blocks):
            for c in range(cells):
                y = cross_y[b] + to_cell + c * cell_length
                pick_node[i, b, c] = add_node(aisle_x[i], y, NODE_PICK)

    edges: list[tuple[int, int, float]] = []
    for i in range(n_aisles):
        for b in range(n_blocks):
            chain = [int(junction[i, b]), *pick_node[i, b].tolist(), int(junction[i, b + 1])]
            gaps = [to_cell] + [cell_length] * (cells - 1) + [to_back]
            edges.extend(zip(chain[:-1], chain[1:], gaps, strict=True))

    # Depots sit on a cross-aisle, possibly between two aisles and possibly
    # set back from it by a spur; the cross-aisle is split where they attach.
    on_cross: list[dict[float, int]] = [
        {float(aisle_x[i]): int(junction[i, j]) for i in range(n_aisles)}
        for j in range(n_blocks + 1)
    ]
    depots: list[Depot] = []
    placements: list[DepotPlacement] = []
    for k, d in enumerate(spec.depots):
        j = spec.cross_aisle_index(d.at)
        x = spec.depot_x(d)
        attach = _existing_node_at(on_cross[j], x)
        if attach is None:
            attach = add_node(x, cross_y[j], NODE_PLAIN)
            on_cross[j][x] = attach
        if d.setback > 0:
            y = cross_y[0] - d.setback if j == 0 else cross_y[-1] + d.setback
            node = add_node(x, y, NODE_DEPOT)
            edges.append((attach, node, d.setback))
        else:
            node = attach
            kinds[node] = NODE_DEPOT
        depots.append(Depot(d.name or f"D{k + 1}", node))
        placements.append(DepotPlacement(x, j, attach, d.setback))
    for j in range(n_blocks + 1):
        points = sorted(on_cross[j].items())
        for (xa, a), (xb, b) in zip(points[:-1], points[1:], strict=True):
            edges.append((a, b, xb - xa))

    zone_of = {a: zone for zone, aisles in spec.zones.items() for a in aisles}
    geometry = ParallelAisles(
        aisle_x=aisle_x,
        cross_y=cross_y,
        cells=cells,
        cell_length=cell_length,
        cross_aisle_to_cell=to_cell,
        back_cross_aisle_to_cell=to_back,
        cross_aisle_width=spec.cross_aisle_width,
        junction=junction,
        pick_node=pick_node,
        depots=tuple(placements),
    )
    slots = _bin_slots(spec, pick_node, zone_of)
    return _assemble(name, "parallel-aisles", xy, kinds, edges, slots, depots, aisles=geometry)


def _bin_slots(
    spec: ParallelAislesSpec, pick_node: np.ndarray, zone_of: dict[int, str]
) -> list[Slot]:
    """Slots with WMS bin codes, aisle by aisle, block, cell, side, level."""
    slots: list[Slot] = []
    wa, wc = max(2, len(str(spec.aisles))), max(3, len(str(spec.cells)))
    side_names = ("L", "R")[: spec.sides]
    for i in range(spec.aisles):
        for b in range(spec.blocks):
            for c in range(spec.cells):
                node = int(pick_node[i, b, c])
                for side in side_names:
                    for lvl in range(1, spec.levels + 1):
                        code = f"A{i + 1:0{wa}d}-B{b + 1}-{c + 1:0{wc}d}-{side}-{lvl}"
                        zone = zone_of.get(i + 1)
                        slot = Slot(code, node, len(slots), i + 1, b + 1, c + 1, side, lvl,
                                    zone, spec.slot_capacity)  # fmt: skip
                        slots.append(slot)
    return slots


def _existing_node_at(points: dict[float, int], x: float) -> int | None:
    for px, node in points.items():
        if abs(px - x) <= 1e-9:
            return node
    return None


# ---- tier 2: explicit graph --------------------------------------------------------
def _graph(spec: GraphSpec, name: str) -> CompiledLayout:
    index = {str(n.id): k for k, n in enumerate(spec.nodes)}
    names = tuple(index)
    xy = [(n.x, n.y) for n in spec.nodes]
    edges: list[tuple[int, int, float]] = []
    for e in spec.edges:
        u, v = index[str(e.frm)], index[str(e.to)]
        edges.append((u, v, e.length if e.length is not None else math.dist(xy[u], xy[v])))
    kinds = [NODE_PLAIN] * len(names)
    slots: list[Slot] = []
    for s in spec.slots:
        node = index[str(s.node)]
        kinds[node] = NODE_PICK
        slots.append(Slot(s.code, node, len(slots), s.aisle, None, None, s.side, s.level,
                          s.zone, s.capacity))  # fmt: skip
    depots: list[Depot] = []
    for k, d in enumerate(spec.depots):
        node = index[str(d.node)]
        kinds[node] = NODE_DEPOT
        depots.append(Depot(d.name or f"D{k + 1}", node))
    return _assemble(name, "graph", xy, kinds, edges, slots, depots, node_names=names)


# ---- shared final step -----------------------------------------------------------
def _assemble(
    name: str,
    kind: str,
    xy: list[tuple[float, float]],
    kinds: list[int],
    edges: list[tuple[int, int, float]],
    slots: list[Slot],
    depots: list[Depot],
    *,
    aisles: ParallelAisles | None = None,
    node_names: tuple[str, ...] | None = None,
) -> CompiledLayout:
    """Check what both tiers share and freeze the result."""
    label: Callable[[int], str] = (
        (lambda n: repr(node_names[n])) if node_names else (lambda n: f"node {n}")
    )
    seen: set[str] = set()
    for s in slots:
        if s.code in seen:
            raise SpecError(f"duplicate bin code {s.code!r}", key="slots")
        seen.add(s.code)
    names = [d.name for d in depots]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise SpecError(f"duplicate depot name {dup!r}", key="depots")

    # Parallel edges keep their shortest length; self-loops never shorten a walk.
    best: dict[tuple[int, int], float] = {}
    for u, v, length in edges:
        if u == v:
            raise SpecError(f"edge from {label(u)} to itself", key="edges")
        key = (u, v) if u < v else (v, u)
        best[key] = min(length, best.get(key, math.inf))
    edge_arr = np.array(sorted(best), dtype=np.int64).reshape(-1, 2)
    length_arr = np.array([best[(u, v)] for u, v in edge_arr.tolist()], dtype=np.float64)
    _check_connected(len(xy), edge_arr, length_arr, slots, depots, label)
    return CompiledLayout(
        name=name,
        kind=kind,
        xy=np.array(xy, dtype=np.float64).reshape(-1, 2),
        node_kind=np.array(kinds, dtype=np.int8),
        edges=edge_arr,
        edge_length=length_arr,
        slots=tuple(slots),
        depots=tuple(depots),
        aisles=aisles,
        node_names=node_names,
    )


def _check_connected(
    n: int,
    edges: np.ndarray,
    lengths: np.ndarray,
    slots: list[Slot],
    depots: list[Depot],
    label: Callable[[int], str],
) -> None:
    """Every depot, slot and node reachable from the first depot."""
    graph = coo_array((lengths, (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    first = depots[0]
    home = component[first.node]
    for d in depots:
        if component[d.node] != home:
            raise SpecError(f"depot {d.name!r} ({label(d.node)}) is not connected to "
                            f"depot {first.name!r}", key="depots")  # fmt: skip
    for s in slots:
        if component[s.node] != home:
            raise SpecError(f"slot {s.code!r} ({label(s.node)}) is not connected to "
                            f"depot {first.name!r}", key="slots")  # fmt: skip
    stray = np.flatnonzero(component != home)
    if stray.size:  # the distance oracle needs one connected graph
        raise SpecError(
            f"{label(int(stray[0]))} is not connected to depot {first.name!r}"
            + (f" (nor are {stray.size - 1} more nodes)" if stray.size > 1 else ""),
            key="nodes",
        )

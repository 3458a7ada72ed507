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
    SlotTable,
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
    slots: SlotTable
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
    """Nodes and edges by numpy: junctions aisle by aisle, then pick nodes aisle,
    block, cell, then depots; no Python loop runs per cell or slot."""
    n_aisles, n_blocks, cells = spec.aisles, spec.blocks, spec.cells
    to_cell, to_back, cell_length = spec.cross_aisle_to_cell, spec.back_to_cell, spec.cell_length
    block_len = spec.block_length
    aisle_x = np.arange(n_aisles, dtype=np.float64) * spec.aisle_spacing
    cross_y = np.arange(n_blocks + 1, dtype=np.float64) * block_len

    n_junctions = n_aisles * (n_blocks + 1)
    junction = np.arange(n_junctions, dtype=np.int64).reshape(n_aisles, n_blocks + 1)
    pick_node = n_junctions + np.arange(n_aisles * n_blocks * cells, dtype=np.int64).reshape(
        n_aisles, n_blocks, cells
    )
    pick_y = cross_y[:-1, None] + to_cell + np.arange(cells, dtype=np.float64) * cell_length
    xy_parts = [
        np.stack(np.broadcast_arrays(aisle_x[:, None], cross_y[None, :]), axis=-1).reshape(-1, 2),
        np.stack(np.broadcast_arrays(aisle_x[:, None, None], pick_y[None]), axis=-1).reshape(
            -1, 2
        ),
    ]
    kinds = [np.full(n_junctions, NODE_PLAIN, dtype=np.int8),
             np.full(pick_node.size, NODE_PICK, dtype=np.int8)]  # fmt: skip
    chain = np.concatenate([junction[:, :-1, None], pick_node, junction[:, 1:, None]], axis=2)
    gaps = np.array([to_cell] + [cell_length] * (cells - 1) + [to_back])
    edge_parts = [(chain[..., :-1].ravel(), chain[..., 1:].ravel(),
                   np.broadcast_to(gaps, chain[..., 1:].shape).ravel())]  # fmt: skip

    # Depots sit on a cross-aisle, possibly between two aisles and possibly
    # set back from it by a spur; the cross-aisle is split where they attach.
    on_cross: list[dict[float, int]] = [
        {float(aisle_x[i]): int(junction[i, j]) for i in range(n_aisles)}
        for j in range(n_blocks + 1)
    ]
    extra_xy: list[tuple[float, float]] = []
    extra_kinds: list[int] = []
    extra_edges: list[tuple[int, int, float]] = []

    def add_node(x: float, y: float, kind: int) -> int:
        extra_xy.append((x, y))
        extra_kinds.append(kind)
        return n_junctions + pick_node.size + len(extra_xy) - 1

    depots: list[Depot] = []
    placements: list[DepotPlacement] = []
    depot_nodes: list[int] = []
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
            extra_edges.append((attach, node, d.setback))
        else:
            node = attach
            depot_nodes.append(node)
        depots.append(Depot(d.name or f"D{k + 1}", node))
        placements.append(DepotPlacement(x, j, attach, d.setback))
    for j in range(n_blocks + 1):
        points = sorted(on_cross[j].items())
        for (xa, a), (xb, b) in zip(points[:-1], points[1:], strict=True):
            extra_edges.append((a, b, xb - xa))

    xy = np.concatenate([*xy_parts, np.array(extra_xy, dtype=np.float64).reshape(-1, 2)])
    node_kind = np.concatenate([*kinds, np.array(extra_kinds, dtype=np.int8)])
    node_kind[depot_nodes] = NODE_DEPOT
    extra = np.array(extra_edges, dtype=np.float64).reshape(-1, 3)
    edge_parts.append((extra[:, 0].astype(np.int64), extra[:, 1].astype(np.int64), extra[:, 2]))
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
    slots = _bin_slots(spec, pick_node)
    frm, to, length = (np.concatenate(parts) for parts in zip(*edge_parts, strict=True))
    return _assemble(name, "parallel-aisles", xy, node_kind, (frm, to, length), slots, depots,
                     aisles=geometry)  # fmt: skip


def _bin_slots(spec: ParallelAislesSpec, pick_node: np.ndarray) -> SlotTable:
    """Slots with WMS bin codes, aisle by aisle, block, cell, side, level, as columns."""
    shape = (spec.aisles, spec.blocks, spec.cells, spec.sides, spec.levels)
    grid = np.indices(shape, dtype=np.int32).reshape(5, -1)
    per_cell = spec.sides * spec.levels
    zone_names = tuple(spec.zones)
    zone_of_aisle = np.full(spec.aisles + 1, -1, dtype=np.int32)
    for k, aisles in enumerate(spec.zones.values()):
        zone_of_aisle[list(aisles)] = k
    capacity = np.nan if spec.slot_capacity is None else spec.slot_capacity
    return SlotTable(
        node=np.repeat(pick_node.ravel(), per_cell),
        aisle=grid[0] + 1,
        block=grid[1] + 1,
        cell=grid[2] + 1,
        side=grid[3].astype(np.int8),
        level=grid[4] + 1,
        zone=zone_of_aisle[grid[0] + 1],
        capacity=np.full(grid.shape[1], capacity, dtype=np.float64),
        side_names=("L", "R")[: spec.sides],
        zone_names=zone_names,
        widths=(max(2, len(str(spec.aisles))), max(3, len(str(spec.cells)))),
        shape=shape,
    )


def _existing_node_at(points: dict[float, int], x: float) -> int | None:
    for px, node in points.items():
        if abs(px - x) <= 1e-9:
            return node
    return None


# ---- tier 2: explicit graph --------------------------------------------------------
def _graph(spec: GraphSpec, name: str) -> CompiledLayout:
    index = {str(n.id): k for k, n in enumerate(spec.nodes)}
    names = tuple(index)
    xy = np.array([(n.x, n.y) for n in spec.nodes], dtype=np.float64).reshape(-1, 2)
    frm = np.array([index[str(e.frm)] for e in spec.edges], dtype=np.int64)
    to = np.array([index[str(e.to)] for e in spec.edges], dtype=np.int64)
    given = np.array([np.nan if e.length is None else e.length for e in spec.edges])
    measured = np.hypot(*(xy[frm] - xy[to]).T) if frm.size else np.zeros(0)
    length = np.where(np.isnan(given), measured, given)
    if np.isnan(given).any():  # math.dist, bit for bit, where the spec gives no length
        for k in np.flatnonzero(np.isnan(given)).tolist():
            length[k] = math.dist(xy[frm[k]], xy[to[k]])
    kinds = np.full(len(names), NODE_PLAIN, dtype=np.int8)
    slot_nodes = np.array([index[str(s.node)] for s in spec.slots], dtype=np.int64)
    kinds[slot_nodes] = NODE_PICK
    slots = SlotTable.from_slots(
        [Slot(s.code, int(node), k, s.aisle, None, None, s.side, s.level, s.zone, s.capacity)
         for k, (s, node) in enumerate(zip(spec.slots, slot_nodes.tolist(), strict=True))]
    )  # fmt: skip
    depots: list[Depot] = []
    for k, d in enumerate(spec.depots):
        node = index[str(d.node)]
        kinds[node] = NODE_DEPOT
        depots.append(Depot(d.name or f"D{k + 1}", node))
    return _assemble(name, "graph", xy, kinds, (frm, to, length), slots, depots,
                     node_names=names)  # fmt: skip


# ---- shared final step -----------------------------------------------------------
def _assemble(
    name: str,
    kind: str,
    xy: np.ndarray,
    node_kind: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray, np.ndarray],
    slots: SlotTable,
    depots: list[Depot],
    *,
    aisles: ParallelAisles | None = None,
    node_names: tuple[str, ...] | None = None,
) -> CompiledLayout:
    """Check what both tiers share and freeze the result."""
    label: Callable[[int], str] = (
        (lambda n: repr(node_names[n])) if node_names else (lambda n: f"node {n}")
    )
    if slots.codes is not None and len(slots._index) != len(slots.codes):
        seen: set[str] = set()
        for code in slots.codes:
            if code in seen:
                raise SpecError(f"duplicate bin code {code!r}", key="slots")
            seen.add(code)
    names = [d.name for d in depots]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise SpecError(f"duplicate depot name {dup!r}", key="depots")

    # Parallel edges keep their shortest length; self-loops never shorten a walk.
    frm, to, length = edges
    loops = np.flatnonzero(frm == to)
    if loops.size:
        raise SpecError(f"edge from {label(int(frm[loops[0]]))} to itself", key="edges")
    lo, hi = np.minimum(frm, to), np.maximum(frm, to)
    order = np.lexsort((length, hi, lo))
    lo, hi, length = lo[order], hi[order], length[order]
    first = np.ones(lo.size, dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    edge_arr = np.stack([lo[first], hi[first]], axis=1).reshape(-1, 2)
    length_arr = np.ascontiguousarray(length[first], dtype=np.float64)
    _check_connected(len(xy), edge_arr, length_arr, slots, depots, label)
    return CompiledLayout(
        name=name,
        kind=kind,
        xy=xy,
        node_kind=node_kind,
        edges=edge_arr,
        edge_length=length_arr,
        slots=slots,
        depots=tuple(depots),
        aisles=aisles,
        node_names=node_names,
    )


def _check_connected(
    n: int,
    edges: np.ndarray,
    lengths: np.ndarray,
    slots: SlotTable,
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
    away = np.flatnonzero(component[slots.node] != home)
    if away.size:
        s = slots[int(away[0])]
        raise SpecError(f"slot {s.code!r} ({label(s.node)}) is not connected to "
                        f"depot {first.name!r}", key="slots")  # fmt: skip
    stray = np.flatnonzero(component != home)
    if stray.size:  # the distance oracle needs one connected graph
        raise SpecError(
            f"{label(int(stray[0]))} is not connected to depot {first.name!r}"
            + (f" (nor are {stray.size - 1} more nodes)" if stray.size > 1 else ""),
            key="nodes",
        )

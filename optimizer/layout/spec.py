"""Layout specs: reading, validating and compiling them to a :class:`Layout`.

Two tiers compile to the same graph:

``kind = "parallel-aisles"``
    A rectangular multi-block warehouse described by a handful of numbers
    (TOML is the natural format). Slots get WMS bin codes
    ``A<aisle>-B<block>-<cell>-<side>-<level>``, all 1-based, cells counted
    from the front of each block; both sides and all levels of a cell share
    one pick node.
``kind = "graph"``
    Explicit nodes, edges and slots (JSON is the natural format) for any
    shape: fishbone aisles, obstacles, mezzanines.

Every problem is reported as a :class:`~optimizer.errors.LayoutError` that
names the file, the key and, for unknown keys, the closest valid one.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from optimizer.errors import LayoutError, suggest
from optimizer.layout.model import (
    NODE_DEPOT,
    NODE_PICK,
    NODE_PLAIN,
    Depot,
    DepotPlacement,
    Layout,
    ParallelAisles,
    Slot,
)

__all__ = ["read_spec", "build", "MAX_SLOTS", "MAX_SPEC_BYTES"]

MAX_SLOTS = 2_000_000  # beyond this a spec is a mistake, not a warehouse
MAX_SPEC_BYTES = 200 * 1024 * 1024


# ---- reading ---------------------------------------------------------------
def read_spec(path: str | Path) -> dict[str, Any]:
    """Parse a ``.toml`` or ``.json`` layout spec into a dict.

    Parameters
    ----------
    path
        The spec file.

    Raises
    ------
    LayoutError
        If the file is missing, too large, of an unknown type or malformed
        (the message gives the line).
    """
    p = Path(path)
    if not p.is_file():
        raise LayoutError(f"{p}: no such layout file")
    if p.stat().st_size > MAX_SPEC_BYTES:
        raise LayoutError(f"{p}: file is larger than {MAX_SPEC_BYTES // 2**20} MB")
    suffix = p.suffix.lower()
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LayoutError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        if suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise LayoutError(f"{p}: unknown layout file type {suffix!r} (use .toml or .json)")
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"{p}: malformed TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise LayoutError(f"{p}: malformed JSON at line {exc.lineno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise LayoutError(f"{p}: the top level must be a table/object, not {type(data).__name__}")
    return data


# ---- small validators ------------------------------------------------------
def _check_keys(
    d: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> Mapping[str, Any]:
    if not isinstance(d, Mapping):
        raise LayoutError(f"{where}: expected a table/object, got {type(d).__name__}")
    allowed = required + optional
    for key in d:
        if key not in allowed:
            raise LayoutError(f"{where}: unknown key {key!r}" + suggest(str(key), allowed))
    for key in required:
        if key not in d:
            raise LayoutError(f"{where}: missing key {key!r}")
    return d


def _number(
    d: Mapping[str, Any],
    key: str,
    where: str,
    default: float | None = None,
    *,
    minimum: float = 0.0,
    strict: bool = True,
) -> float:
    """A finite float >= minimum (> minimum when ``strict``)."""
    value = d.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LayoutError(f"{where}: {key!r} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise LayoutError(f"{where}: {key!r} must be finite, got {value!r}")
    if v < minimum or (strict and v == minimum):
        op = ">" if strict else ">="
        raise LayoutError(f"{where}: {key!r} must be {op} {minimum:g}, got {value!r}")
    return v


def _integer(
    d: Mapping[str, Any], key: str, where: str, default: int | None = None, *, minimum: int = 1
) -> int:
    value = d.get(key, default)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LayoutError(f"{where}: {key!r} must be an integer, got {value!r}")
    if value < minimum:
        raise LayoutError(f"{where}: {key!r} must be >= {minimum}, got {value!r}")
    return value


def _list(d: Mapping[str, Any], key: str, where: str, *, nonempty: bool = True) -> list[Any]:
    value = d.get(key, [])
    if not isinstance(value, list):
        raise LayoutError(f"{where}: {key!r} must be a list, got {type(value).__name__}")
    if nonempty and not value:
        raise LayoutError(f"{where}: {key!r} must not be empty")
    return value


# ---- dispatch --------------------------------------------------------------
def build(spec: Mapping[str, Any], *, source: str | None = None) -> Layout:
    """Validate a spec dict and compile it to a :class:`Layout`.

    Parameters
    ----------
    spec
        The parsed spec.
    source
        File name for error messages.
    """
    where = source or "layout spec"
    if not isinstance(spec, Mapping):
        raise LayoutError(f"{where}: expected a table/object, got {type(spec).__name__}")
    kind = spec.get("kind")
    if kind == "parallel-aisles":
        return _build_parallel_aisles(spec, where, source)
    if kind == "graph":
        return _build_graph(spec, where, source)
    known = ("parallel-aisles", "graph")
    if kind is None:
        raise LayoutError(f"{where}: missing key 'kind' (one of {', '.join(known)})")
    raise LayoutError(f"{where}: unknown kind {kind!r}" + suggest(str(kind), known))


# ---- tier 1: parallel aisles -----------------------------------------------
_PA_REQUIRED = (
    "kind",
    "aisles",
    "cells",
    "cell_length",
    "aisle_spacing",
    "cross_aisle_to_cell",
    "depots",
)
_PA_OPTIONAL = ("name", "blocks", "cross_aisle_width", "sides", "levels", "zones", "slot_capacity")
_DEPOT_KEYS = ("name", "aisle", "at", "offset", "setback")


def _build_parallel_aisles(spec: Mapping[str, Any], where: str, source: str | None) -> Layout:
    _check_keys(spec, where, _PA_REQUIRED, _PA_OPTIONAL)
    n_aisles = _integer(spec, "aisles", where)
    n_blocks = _integer(spec, "blocks", where, 1)
    cells = _integer(spec, "cells", where)
    sides = _integer(spec, "sides", where, 2)
    levels = _integer(spec, "levels", where, 1)
    if sides > 2:
        raise LayoutError(f"{where}: 'sides' must be 1 or 2, got {sides}")
    cell_length = _number(spec, "cell_length", where)
    spacing = _number(spec, "aisle_spacing", where)
    to_cell = _number(spec, "cross_aisle_to_cell", where)
    width = _number(spec, "cross_aisle_width", where, 2.0, strict=False)
    capacity = (
        _number(spec, "slot_capacity", where) if spec.get("slot_capacity") is not None else None
    )
    n_slots = n_aisles * n_blocks * cells * sides * levels
    if n_slots > MAX_SLOTS:
        raise LayoutError(f"{where}: {n_slots:,} slots is more than the limit of {MAX_SLOTS:,}")
    zone_of = _zones(spec.get("zones", {}), n_aisles, f"{where}: zones")

    block_len = 2 * to_cell + (cells - 1) * cell_length
    aisle_x = np.arange(n_aisles, dtype=np.float64) * spacing
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
            gaps = [to_cell] + [cell_length] * (cells - 1) + [to_cell]
            edges.extend(zip(chain[:-1], chain[1:], gaps, strict=True))

    # Depots sit on a cross-aisle, possibly between two aisles and possibly
    # set back from it by a spur; the cross-aisle is split where they attach.
    on_cross: list[dict[float, int]] = [
        {float(aisle_x[i]): int(junction[i, j]) for i in range(n_aisles)}
        for j in range(n_blocks + 1)
    ]
    depots: list[Depot] = []
    placements: list[DepotPlacement] = []
    for k, raw in enumerate(_list(spec, "depots", where)):
        w = f"{where}: depots[{k}]"
        _check_keys(raw, w, ("aisle",), tuple(x for x in _DEPOT_KEYS if x != "aisle"))
        name = str(raw.get("name", f"D{k + 1}"))
        aisle = _integer(raw, "aisle", w)
        if aisle > n_aisles:
            raise LayoutError(f"{w}: 'aisle' is {aisle} but the layout has {n_aisles} aisles")
        j = _cross_aisle_index(raw.get("at", "front"), n_blocks, w)
        offset = _number(raw, "offset", w, 0.0, minimum=-math.inf, strict=False)
        setback = _number(raw, "setback", w, 0.0, strict=False)
        if setback > 0 and 0 < j < n_blocks:
            raise LayoutError(f"{w}: 'setback' needs the front or back cross-aisle")
        x = round(float(aisle_x[aisle - 1]) + offset, 9)
        if not aisle_x[0] - 1e-9 <= x <= aisle_x[-1] + 1e-9:
            raise LayoutError(
                f"{w}: offset {offset:g} puts the depot outside the cross-aisle "
                f"(x = {x:g}, aisles span 0 .. {aisle_x[-1]:g})"
            )
        attach = _existing_node_at(on_cross[j], x)
        if attach is None:
            attach = add_node(x, cross_y[j], NODE_PLAIN)
            on_cross[j][x] = attach
        if setback > 0:
            y = cross_y[0] - setback if j == 0 else cross_y[-1] + setback
            node = add_node(x, y, NODE_DEPOT)
            edges.append((attach, node, setback))
        else:
            node = attach
            kinds[node] = NODE_DEPOT
        depots.append(Depot(name, node))
        placements.append(DepotPlacement(x, j, attach, setback))
    for j in range(n_blocks + 1):
        points = sorted(on_cross[j].items())
        for (xa, a), (xb, b) in zip(points[:-1], points[1:], strict=True):
            edges.append((a, b, xb - xa))

    slots: list[Slot] = []
    wa, wc = max(2, len(str(n_aisles))), max(3, len(str(cells)))
    side_names = ("L", "R")[:sides]
    for i in range(n_aisles):
        for b in range(n_blocks):
            for c in range(cells):
                node = int(pick_node[i, b, c])
                for side in side_names:
                    for lvl in range(1, levels + 1):
                        code = f"A{i + 1:0{wa}d}-B{b + 1}-{c + 1:0{wc}d}-{side}-{lvl}"
                        slots.append(
                            Slot(
                                code,
                                node,
                                len(slots),
                                i + 1,
                                b + 1,
                                c + 1,
                                side,
                                lvl,
                                zone_of.get(i + 1),
                                capacity,
                            )
                        )
    geometry = ParallelAisles(
        aisle_x=aisle_x,
        cross_y=cross_y,
        cells=cells,
        cell_length=cell_length,
        cross_aisle_to_cell=to_cell,
        cross_aisle_width=width,
        junction=junction,
        pick_node=pick_node,
        depots=tuple(placements),
    )
    name = str(spec.get("name", Path(source).stem if source else "layout"))
    return _assemble(
        name, "parallel-aisles", xy, kinds, edges, slots, depots, where, source, aisles=geometry
    )


def _existing_node_at(points: dict[float, int], x: float) -> int | None:
    for px, node in points.items():
        if abs(px - x) <= 1e-9:
            return node
    return None


def _cross_aisle_index(at: Any, n_blocks: int, where: str) -> int:
    if at == "front":
        return 0
    if at == "back":
        return n_blocks
    if isinstance(at, int) and not isinstance(at, bool) and 0 <= at <= n_blocks:
        return at
    raise LayoutError(
        f'{where}: \'at\' must be "front", "back" or a cross-aisle index 0..{n_blocks}, got {at!r}'
    )


def _zones(raw: Any, n_aisles: int, where: str) -> dict[int, str]:
    if not isinstance(raw, Mapping):
        raise LayoutError(f"{where}: expected a table of zone -> list of aisles")
    zone_of: dict[int, str] = {}
    for zone, aisles in raw.items():
        if not isinstance(aisles, list):
            raise LayoutError(f"{where}.{zone}: expected a list of aisle numbers")
        for a in aisles:
            if isinstance(a, bool) or not isinstance(a, int) or not 1 <= a <= n_aisles:
                raise LayoutError(f"{where}.{zone}: aisle {a!r} is not in 1..{n_aisles}")
            if a in zone_of:
                raise LayoutError(f"{where}: aisle {a} is in zones {zone_of[a]!r} and {zone!r}")
            zone_of[a] = str(zone)
    return zone_of


# ---- tier 2: explicit graph ------------------------------------------------
_NODE_KINDS = ("plain", "junction", "pick", "depot")


def _build_graph(spec: Mapping[str, Any], where: str, source: str | None) -> Layout:
    _check_keys(spec, where, ("kind", "nodes", "edges", "slots", "depots"), ("name",))
    index: dict[str, int] = {}
    names: list[str] = []
    xy: list[tuple[float, float]] = []
    for k, raw in enumerate(_list(spec, "nodes", where)):
        w = f"{where}: nodes[{k}]"
        _check_keys(raw, w, ("id", "x", "y"), ("kind",))
        nid = _node_id(raw["id"], w)
        if nid in index:
            raise LayoutError(f"{w}: duplicate node id {nid!r}")
        if raw.get("kind", "plain") not in _NODE_KINDS:
            raise LayoutError(
                f"{w}: unknown node kind {raw['kind']!r}" + suggest(str(raw["kind"]), _NODE_KINDS)
            )
        x = _number(raw, "x", w, minimum=-math.inf, strict=False)
        y = _number(raw, "y", w, minimum=-math.inf, strict=False)
        index[nid] = len(names)
        names.append(nid)
        xy.append((x, y))

    def node_ref(value: Any, w: str) -> int:
        nid = _node_id(value, w)
        if nid not in index:
            raise LayoutError(f"{w}: unknown node {nid!r}" + suggest(nid, index))
        return index[nid]

    edges: list[tuple[int, int, float]] = []
    for k, raw in enumerate(_list(spec, "edges", where)):
        w = f"{where}: edges[{k}]"
        _check_keys(raw, w, ("from", "to"), ("length",))
        u, v = node_ref(raw["from"], w), node_ref(raw["to"], w)
        if "length" in raw:
            length = _number(raw, "length", w)
        else:
            length = math.dist(xy[u], xy[v])
            if length <= 0:
                raise LayoutError(
                    f"{w}: nodes {names[u]!r} and {names[v]!r} coincide; give a length"
                )
        edges.append((u, v, length))

    kinds = [NODE_PLAIN] * len(names)
    slots: list[Slot] = []
    for k, raw in enumerate(_list(spec, "slots", where)):
        w = f"{where}: slots[{k}]"
        _check_keys(raw, w, ("code", "node"), ("zone", "capacity", "aisle", "level", "side"))
        node = node_ref(raw["node"], w)
        kinds[node] = NODE_PICK
        cap = _number(raw, "capacity", w) if raw.get("capacity") is not None else None
        aisle = _integer(raw, "aisle", w) if "aisle" in raw else None
        level = _integer(raw, "level", w) if "level" in raw else None
        zone = str(raw["zone"]) if raw.get("zone") is not None else None
        side = str(raw["side"]) if raw.get("side") is not None else None
        slots.append(
            Slot(str(raw["code"]), node, len(slots), aisle, None, None, side, level, zone, cap)
        )
        if len(slots) > MAX_SLOTS:
            raise LayoutError(f"{where}: more than the limit of {MAX_SLOTS:,} slots")

    depots: list[Depot] = []
    for k, raw in enumerate(_list(spec, "depots", where)):
        w = f"{where}: depots[{k}]"
        _check_keys(raw, w, ("node",), ("name",))
        node = node_ref(raw["node"], w)
        kinds[node] = NODE_DEPOT
        depots.append(Depot(str(raw.get("name", f"D{k + 1}")), node))
    name = str(spec.get("name", Path(source).stem if source else "layout"))
    return _assemble(
        name, "graph", xy, kinds, edges, slots, depots, where, source, node_names=tuple(names)
    )


def _node_id(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise LayoutError(f"{where}: node ids must be strings or integers, got {value!r}")
    return str(value)


# ---- shared final step -----------------------------------------------------
def _assemble(
    name: str,
    kind: str,
    xy: list[tuple[float, float]],
    kinds: list[int],
    edges: list[tuple[int, int, float]],
    slots: list[Slot],
    depots: list[Depot],
    where: str,
    source: str | None,
    *,
    aisles: ParallelAisles | None = None,
    node_names: tuple[str, ...] | None = None,
) -> Layout:
    """Check what both tiers share and freeze the result."""
    label = (lambda n: repr(node_names[n])) if node_names else (lambda n: f"node {n}")
    if not slots:
        raise LayoutError(f"{where}: the layout has no slots")
    if not depots:
        raise LayoutError(f"{where}: the layout has no depot")
    seen: set[str] = set()
    for s in slots:
        if s.code in seen:
            raise LayoutError(f"{where}: duplicate bin code {s.code!r}")
        seen.add(s.code)
    names = [d.name for d in depots]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise LayoutError(f"{where}: duplicate depot name {dup!r}")

    # Parallel edges keep their shortest length; self-loops never shorten a walk.
    best: dict[tuple[int, int], float] = {}
    for u, v, length in edges:
        if u == v:
            raise LayoutError(f"{where}: edge from {label(u)} to itself")
        key = (u, v) if u < v else (v, u)
        best[key] = min(length, best.get(key, math.inf))
    edge_arr = np.array(sorted(best), dtype=np.int64).reshape(-1, 2)
    length_arr = np.array([best[(u, v)] for u, v in edge_arr.tolist()], dtype=np.float64)

    n = len(xy)
    graph = coo_array((length_arr, (edge_arr[:, 0], edge_arr[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    home = component[depots[0].node]
    for d in depots:
        if component[d.node] != home:
            raise LayoutError(
                f"{where}: depot {d.name!r} ({label(d.node)}) is not connected to "
                f"depot {depots[0].name!r}"
            )
    for s in slots:
        if component[s.node] != home:
            raise LayoutError(
                f"{where}: slot {s.code!r} ({label(s.node)}) is not connected to "
                f"depot {depots[0].name!r}"
            )
    stray = np.flatnonzero(component != home)
    if stray.size:  # the distance oracle needs one connected graph
        raise LayoutError(
            f"{where}: {label(int(stray[0]))} is not connected to depot {depots[0].name!r}"
            + (f" (nor are {stray.size - 1} more nodes)" if stray.size > 1 else "")
        )
    return Layout(
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
        source=source,
    )

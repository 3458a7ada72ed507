"""The typed layout spec: frozen dataclasses that check themselves, read from
TOML/JSON dicts or written by hand, and the JSON Schema they imply.

Two tiers compile to the same graph (:mod:`optimizer.layout.compile`):

``kind = "parallel-aisles"`` (:class:`ParallelAislesSpec`)
    A rectangular multi-block warehouse described by a handful of numbers
    (TOML is the natural format). Slots get WMS bin codes
    ``A<aisle>-B<block>-<cell>-<side>-<level>``, all 1-based, cells counted
    from the front of each block; both sides and all levels of a cell share
    one pick node.
``kind = "graph"`` (:class:`GraphSpec`)
    Explicit nodes, edges and slots (JSON is the natural format) for any
    shape: fishbone aisles, obstacles, mezzanines.

Each field declares one check (:mod:`optimizer.layout.checks`: type, bounds,
nullability); the same checks
validate a dict read from a file or an HTTP body (:func:`parse_spec`), a spec
built by hand (``__post_init__``), and write the JSON Schema
(:func:`json_schema`), so every front end refuses the same mistake with the
same message. A problem is a :class:`~optimizer.layout.checks.SpecError` (a
:class:`~optimizer.errors.LayoutError`) naming the file, the place
(``depots[0]``) and the key, and for unknown keys the closest valid one.

Examples
--------
>>> spec = parse_spec({
...     "kind": "parallel-aisles", "aisles": 3, "cells": 4, "cell_length": 1.0,
...     "aisle_spacing": 3.0, "cross_aisle_to_cell": 1.0, "depots": [{"aisle": 1}]})
>>> spec.n_slots, spec.depots[0].at
(24, 'front')
>>> parse_spec({"kind": "parallel-aisles", "aisels": 3})
Traceback (most recent call last):
...
optimizer.layout.checks.SpecError: layout spec: unknown key 'aisels' (did you mean 'aisles'?)
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

from optimizer.errors import LayoutError, suggest
from optimizer.files import input_file, read_text
from optimizer.layout.checks import (
    COUNT,
    LENGTH,
    MAX_COORDINATE,
    MAX_LENGTH,
    NAME,
    Choice,
    CrossAisle,
    Integer,
    Items,
    KeyPath,
    NodeId,
    Nullable,
    Number,
    SpecBase,
    SpecError,
    Text,
    Zones,
    from_mapping,
    object_schema,
    spec_field,
)

__all__ = [
    "format_spec_json",
    "AisleDepotSpec",
    "ParallelAislesSpec",
    "NodeSpec",
    "EdgeSpec",
    "SlotSpec",
    "DepotSpec",
    "GraphSpec",
    "LayoutSpec",
    "KINDS",
    "NODE_KINDS",
    "parse_spec",
    "read_spec",
    "json_schema",
    "MAX_SLOTS",
    "MAX_SPEC_BYTES",
]

MAX_SLOTS = 2_000_000  # beyond this a spec is a mistake, not a warehouse
MAX_SPEC_BYTES = 200 * 1024 * 1024

KINDS = ("parallel-aisles", "graph")
NODE_KINDS = ("plain", "junction", "pick", "depot")


# ---- tier 1: parallel aisles --------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class AisleDepotSpec(SpecBase):
    """A depot of a parallel-aisle layout: on cross-aisle ``at`` (``"front"``,
    ``"back"`` or an index) at aisle ``aisle`` (1-based), moved along the
    cross-aisle by ``offset`` metres and set back from it by a spur of
    ``setback`` metres. Unnamed depots are called ``D1``, ``D2``, ..."""

    aisle: int = spec_field(COUNT)
    name: str | None = spec_field(NAME, None)
    at: str | int = spec_field(CrossAisle(), "front")
    offset: float = spec_field(Number(-MAX_LENGTH, strict=False), 0.0)
    setback: float = spec_field(Number(strict=False), 0.0)


@dataclass(frozen=True, kw_only=True)
class ParallelAislesSpec(SpecBase):
    """Tier 1: a rectangular multi-block warehouse (see ``layouts/*.toml``).

    Lengths are metres: ``cell_length`` along the aisle, ``aisle_spacing``
    centre to centre, ``cross_aisle_to_cell`` from a cross-aisle's centre line
    to the nearest cell centre; ``cross_aisle_width`` is for drawing only.

    The two ends of a block may be set back differently (racks with a
    clearance at one end only): ``cross_aisle_to_cell`` is then the gap from
    the cross-aisle in front of a block to its first cell (cell 1), and
    ``back_cross_aisle_to_cell`` the gap from its last cell to the
    cross-aisle behind it; left out or null, the back gap is the front one.
    Every block has both gaps, so with several blocks all blocks stay equally
    long (:attr:`block_length`), and an interior cross-aisle has the back gap
    of the block in front of it on one side and the front gap of the block
    behind it on the other. A warehouse whose blocks differ needs a
    graph-tier layout.

    Examples
    --------
    >>> spec = ParallelAislesSpec(aisles=3, cells=4, cell_length=1.0, aisle_spacing=3.0,
    ...                           cross_aisle_to_cell=1.0, depots=(AisleDepotSpec(aisle=1),))
    >>> spec.n_slots
    24
    >>> ParallelAislesSpec(aisles=3, cells=4, cell_length=-1.0, aisle_spacing=3.0,
    ...                    cross_aisle_to_cell=1.0, depots=(AisleDepotSpec(aisle=1),))
    Traceback (most recent call last):
    ...
    optimizer.layout.checks.SpecError: layout spec: 'cell_length' must be > 0, got -1.0
    """

    kind: Literal["parallel-aisles"] = field(default="parallel-aisles", init=False)
    name: str | None = spec_field(NAME, None)
    aisles: int = spec_field(COUNT)
    blocks: int = spec_field(COUNT, 1)
    cells: int = spec_field(COUNT)
    sides: int = spec_field(Integer(maximum=2, too_large="must be 1 or 2"), 2)
    levels: int = spec_field(COUNT, 1)
    cell_length: float = spec_field(LENGTH)
    aisle_spacing: float = spec_field(LENGTH)
    cross_aisle_to_cell: float = spec_field(LENGTH)
    back_cross_aisle_to_cell: float | None = spec_field(Nullable(LENGTH), None)
    cross_aisle_width: float = spec_field(Number(strict=False), 2.0)
    slot_capacity: float | None = spec_field(Nullable(LENGTH), None)
    zones: Mapping[str, tuple[int, ...]] = spec_field(Zones(), {})
    depots: tuple[AisleDepotSpec, ...] = spec_field(Items(AisleDepotSpec))

    @property
    def n_slots(self) -> int:
        """Slots the layout will have: aisles x blocks x cells x sides x levels."""
        return self.aisles * self.blocks * self.cells * self.sides * self.levels

    @property
    def back_to_cell(self) -> float:
        """The gap from a block's last cell to the cross-aisle behind it, metres:
        ``back_cross_aisle_to_cell``, or ``cross_aisle_to_cell`` if not given."""
        back = self.back_cross_aisle_to_cell
        return self.cross_aisle_to_cell if back is None else back

    @property
    def block_length(self) -> float:
        """Length of an aisle within one block, cross-aisle to cross-aisle, metres.

        Examples
        --------
        >>> spec = ParallelAislesSpec(aisles=3, cells=4, cell_length=1.0, aisle_spacing=3.0,
        ...                           cross_aisle_to_cell=1.0, back_cross_aisle_to_cell=2.5,
        ...                           depots=(AisleDepotSpec(aisle=1),))
        >>> spec.back_to_cell, spec.block_length
        (2.5, 6.5)
        """
        # front + back is exactly 2 * front when the two are equal, so this is
        # bit for bit the length before the back gap existed: no layout that
        # leaves it out changes its content hash (Layout.version).
        return (self.cross_aisle_to_cell + self.back_to_cell) + (self.cells - 1) * self.cell_length

    def _check(self) -> None:
        if self.n_slots > MAX_SLOTS:
            raise SpecError(f"{self.n_slots:,} slots is more than the limit of {MAX_SLOTS:,}")
        self._check_zones()
        for k, depot in enumerate(self.depots):
            self._check_depot(depot, ("depots", k))

    def _check_zones(self) -> None:
        seen: dict[int, str] = {}
        for zone, aisles in self.zones.items():
            for a in aisles:
                if isinstance(a, bool) or not isinstance(a, int) or not 1 <= a <= self.aisles:
                    raise SpecError(
                        f"aisle {a!r} is not in 1..{self.aisles}", where=("zones", zone)
                    )
                if a in seen:
                    raise SpecError(
                        f"aisle {a} is in zones {seen[a]!r} and {zone!r}", where=("zones",)
                    )
                seen[a] = zone

    def _check_depot(self, depot: AisleDepotSpec, where: KeyPath) -> None:
        if depot.aisle > self.aisles:
            raise SpecError(
                f"'aisle' is {depot.aisle} but the layout has {self.aisles} aisles",
                where=where,
                key="aisle",
            )
        j = self.cross_aisle_index(depot.at, where)
        if depot.setback > 0 and 0 < j < self.blocks:
            raise SpecError(
                "'setback' needs the front or back cross-aisle", where=where, key="setback"
            )
        x = self.depot_x(depot)
        last = (self.aisles - 1) * self.aisle_spacing
        if not -1e-9 <= x <= last + 1e-9:
            raise SpecError(
                f"offset {depot.offset:g} puts the depot outside the cross-aisle "
                f"(x = {x:g}, aisles span 0 .. {last:g})",
                where=where,
                key="offset",
            )

    def cross_aisle_index(self, at: Any, where: KeyPath = ()) -> int:
        """The cross-aisle a depot's ``at`` names: 0 = front .. blocks = back."""
        if at == "front":
            return 0
        if at == "back":
            return self.blocks
        if isinstance(at, int) and not isinstance(at, bool) and 0 <= at <= self.blocks:
            return at
        raise SpecError(
            f'\'at\' must be "front", "back" or a cross-aisle index 0..{self.blocks}, got {at!r}',
            where=where,
            key="at",
        )

    def depot_x(self, depot: AisleDepotSpec) -> float:
        """The abscissa of a depot: its aisle's centre line plus its offset."""
        return round((depot.aisle - 1) * self.aisle_spacing + depot.offset, 9)


# ---- tier 2: explicit graph -----------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class NodeSpec(SpecBase):
    """A node of a graph layout at ``(x, y)`` metres; ``kind`` is informative
    (slots make pick nodes, depots make depot nodes)."""

    id: str | int = spec_field(NodeId())
    x: float = spec_field(Number(-MAX_COORDINATE, strict=False, maximum=MAX_COORDINATE))
    y: float = spec_field(Number(-MAX_COORDINATE, strict=False, maximum=MAX_COORDINATE))
    kind: str = spec_field(Choice(NODE_KINDS, "node kind"), "plain")


@dataclass(frozen=True, kw_only=True)
class EdgeSpec(SpecBase):
    """An undirected edge (key ``from`` in files); its length defaults to the
    straight-line distance of its ends."""

    frm: str | int = spec_field(NodeId(), key="from")
    to: str | int = spec_field(NodeId())
    length: float | None = spec_field(Nullable(LENGTH), None)


@dataclass(frozen=True, kw_only=True)
class SlotSpec(SpecBase):
    """A slot of a graph layout: its bin code, the node a picker reaches it
    from, and optional attributes."""

    code: str = spec_field(Text(min_length=1))
    node: str | int = spec_field(NodeId())
    zone: str | None = spec_field(NAME, None)
    capacity: float | None = spec_field(Nullable(LENGTH), None)
    aisle: int | None = spec_field(Nullable(COUNT), None)
    level: int | None = spec_field(Nullable(COUNT), None)
    side: str | None = spec_field(NAME, None)


@dataclass(frozen=True, kw_only=True)
class DepotSpec(SpecBase):
    """A depot of a graph layout, on a node. Unnamed depots are ``D1``, ``D2``, ..."""

    node: str | int = spec_field(NodeId())
    name: str | None = spec_field(NAME, None)


@dataclass(frozen=True, kw_only=True)
class GraphSpec(SpecBase):
    """Tier 2: explicit nodes, edges, slots and depots (see ``layouts/fishbone.json``);
    :class:`~optimizer.layout.builder.GraphBuilder` writes one step by step."""

    kind: Literal["graph"] = field(default="graph", init=False)
    name: str | None = spec_field(NAME, None)
    nodes: tuple[NodeSpec, ...] = spec_field(Items(NodeSpec))
    edges: tuple[EdgeSpec, ...] = spec_field(Items(EdgeSpec))
    slots: tuple[SlotSpec, ...] = spec_field(Items(SlotSpec))
    depots: tuple[DepotSpec, ...] = spec_field(Items(DepotSpec))

    def _check(self) -> None:
        index: dict[str, NodeSpec] = {}
        for k, node in enumerate(self.nodes):
            if str(node.id) in index:
                raise SpecError(f"duplicate node id {node.id!r}", where=("nodes", k), key="id")
            index[str(node.id)] = node

        def known(nid: str | int, where: KeyPath, key: str) -> NodeSpec:
            if str(nid) not in index:
                raise SpecError(
                    f"unknown node {nid!r}" + suggest(str(nid), index), where=where, key=key
                )
            return index[str(nid)]

        for k, edge in enumerate(self.edges):
            u, v = known(edge.frm, ("edges", k), "from"), known(edge.to, ("edges", k), "to")
            if edge.length is None and (u.x, u.y) == (v.x, v.y):
                raise SpecError(
                    f"nodes {u.id!r} and {v.id!r} coincide; give a length", where=("edges", k)
                )
        for k, slot in enumerate(self.slots):
            known(slot.node, ("slots", k), "node")
        if len(self.slots) > MAX_SLOTS:
            raise SpecError(f"more than the limit of {MAX_SLOTS:,} slots", key="slots")
        for k, depot in enumerate(self.depots):
            known(depot.node, ("depots", k), "node")


LayoutSpec: TypeAlias = ParallelAislesSpec | GraphSpec
_TIERS: dict[str, type[ParallelAislesSpec] | type[GraphSpec]] = {
    "parallel-aisles": ParallelAislesSpec,
    "graph": GraphSpec,
}


# ---- reading ----------------------------------------------------------------------
def parse_spec(data: Any) -> LayoutSpec:
    """Check a spec dict (parsed TOML or JSON) and read it into a typed spec.

    Parameters
    ----------
    data
        ``{"kind": "parallel-aisles", ...}`` or ``{"kind": "graph", ...}``.

    Raises
    ------
    SpecError
        Naming the place, the key and, for unknown keys, the closest valid one;
        the source is left for the caller to fill in (:meth:`SpecError.located`).
    """
    if not isinstance(data, Mapping):
        raise SpecError(f"expected a table/object, got {type(data).__name__}")
    kind = data.get("kind")
    tier = _TIERS.get(kind) if isinstance(kind, str) else None
    if tier is not None:
        spec: LayoutSpec = from_mapping(tier, data)
        return spec
    if kind is None:
        raise SpecError(f"missing key 'kind' (one of {', '.join(KINDS)})", key="kind")
    raise SpecError(f"unknown kind {kind!r}" + suggest(str(kind), KINDS), key="kind")


def read_spec(path: str | Path) -> dict[str, Any]:
    """Parse a ``.toml`` or ``.json`` layout spec file into a dict.

    Parameters
    ----------
    path
        The spec file.

    Raises
    ------
    LayoutError
        If the file is missing, too large, of an unknown type or malformed
        (the message gives the line).

    Examples
    --------
    >>> read_spec("layouts/single_block.toml")["aisles"]
    10
    """
    p = input_file(path, LayoutError, kind="layout", formats=(".toml", ".json"),
                   max_bytes=MAX_SPEC_BYTES)  # fmt: skip
    text = read_text(p, LayoutError, max_bytes=MAX_SPEC_BYTES)
    try:
        data = tomllib.loads(text) if p.suffix.lower() == ".toml" else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"{p}: malformed TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise LayoutError(f"{p}: malformed JSON at line {exc.lineno}: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, 100k-deep nesting
        cause = "nested too deeply" if isinstance(exc, RecursionError) else "a number is too long"
        raise LayoutError(f"{p}: cannot be read: {cause}") from None
    if not isinstance(data, dict):
        raise LayoutError(f"{p}: the top level must be a table/object, not {type(data).__name__}")
    return data


def format_spec_json(spec: Mapping[str, Any]) -> str:
    """A spec dict as JSON text with one node, edge, slot or depot per line, so that
    generated layout files diff line by line; :func:`read_spec` reads it back.

    Examples
    --------
    >>> print(format_spec_json({"name": "x", "kind": "graph", "nodes": [{"id": 1}, {"id": 2}]}))
    {
      "name": "x",
      "kind": "graph",
      "nodes": [
        {"id": 1},
        {"id": 2}
      ]
    }
    <BLANKLINE>
    """
    lines = ["{"]
    scalars = [k for k, v in spec.items() if not isinstance(v, list)]
    lists = [k for k, v in spec.items() if isinstance(v, list)]
    for key in scalars:
        lines.append(f"  {json.dumps(key)}: {json.dumps(spec[key])},")
    for i, key in enumerate(lists):
        lines.append(f"  {json.dumps(key)}: [")
        lines.append(",\n".join(f"    {json.dumps(item)}" for item in spec[key]))
        lines.append("  ]" + ("," if i < len(lists) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- JSON Schema ------------------------------------------------------------------
_SCHEMA_CLASSES: tuple[type, ...] = (
    ParallelAislesSpec,
    AisleDepotSpec,
    GraphSpec,
    NodeSpec,
    EdgeSpec,
    SlotSpec,
    DepotSpec,
)


def json_schema(ref_template: str | None = "#/$defs/{model}") -> dict[str, Any]:
    """The JSON Schema of a layout spec, written from the same field checks
    that :func:`parse_spec` applies (for editors and the service's OpenAPI).

    Parameters
    ----------
    ref_template
        How a reference to a spec class is spelt (``{model}`` is its name;
        the classes are under ``$defs``), or None for one self-contained
        schema with every class written out in place.

    Examples
    --------
    >>> schema = json_schema()
    >>> schema["$defs"]["ParallelAislesSpec"]["required"][:3]
    ['kind', 'aisles', 'cells']
    >>> json_schema(None)["oneOf"][1]["properties"]["nodes"]["items"]["required"]
    ['id', 'x', 'y']
    """
    if ref_template is None:

        def inline(cls: type) -> dict[str, Any]:
            return object_schema(cls, inline)

        tiers = [inline(cls) for cls in _TIERS.values()]
        return {"title": "LayoutSpec", "description": _SCHEMA_DOC, "oneOf": tiers}

    template = ref_template

    def ref(cls: type) -> dict[str, Any]:
        return {"$ref": template.format(model=cls.__name__)}

    return {
        "title": "LayoutSpec",
        "description": _SCHEMA_DOC,
        "oneOf": [ref(cls) for cls in _TIERS.values()],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {kind: ref(cls)["$ref"] for kind, cls in _TIERS.items()},
        },
        "$defs": {cls.__name__: object_schema(cls, ref) for cls in _SCHEMA_CLASSES},
    }


_SCHEMA_DOC = "A warehouse layout spec: parallel aisles or an explicit graph."

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

Each field declares one check (type, bounds, nullability); the same checks
validate a dict read from a file or an HTTP body (:func:`parse_spec`), a spec
built by hand (``__post_init__``), and write the JSON Schema
(:func:`json_schema`), so every front end refuses the same mistake with the
same message. A problem is a :class:`SpecError` (a
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
optimizer.layout.spec.SpecError: layout spec: unknown key 'aisels' (did you mean 'aisles'?)
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

from optimizer.errors import LayoutError, suggest

__all__ = [
    "SpecError",
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
    "MAX_COUNT",
    "MAX_LENGTH",
    "MAX_COORDINATE",
    "MAX_TEXT",
]

MAX_SLOTS = 2_000_000  # beyond this a spec is a mistake, not a warehouse
MAX_SPEC_BYTES = 200 * 1024 * 1024
MAX_COUNT = 1_000_000  # aisles, cells, levels, ...: more is a typo
MAX_LENGTH = 1e6  # metres; one kilometre-long cell is already absurd
MAX_COORDINATE = 1e7  # metres
MAX_TEXT = 128  # characters of a name, bin code, zone or side
MAX_NODE_ID = 2**53  # integer ids survive a round trip through JSON numbers

KINDS = ("parallel-aisles", "graph")
NODE_KINDS = ("plain", "junction", "pick", "depot")

Path_: TypeAlias = tuple[str | int, ...]


class SpecError(LayoutError):
    """A layout spec is wrong at one place.

    ``where`` is the path of the table holding the mistake (``("depots", 0)``),
    ``key`` the key at fault (or None), ``reason`` the sentence without the
    place; ``str()`` reads ``"<source>: depots[0]: <reason>"``.
    """

    def __init__(
        self,
        reason: str,
        *,
        where: Path_ = (),
        key: str | None = None,
        source: str | None = None,
    ) -> None:
        self.reason = reason
        self.where = where
        self.key = key
        self.source = source
        place = _render(where)
        head = source or "layout spec"
        super().__init__(f"{head}: {place}: {reason}" if place else f"{head}: {reason}")

    @property
    def path(self) -> Path_:
        """Where the mistake is, down to the key: ``("depots", 0, "aisle")``."""
        return self.where + ((self.key,) if self.key is not None else ())

    def within(self, *outer: str | int) -> SpecError:
        """The same error, seen from the table that holds ``outer``."""
        return SpecError(self.reason, where=outer + self.where, key=self.key, source=self.source)

    def located(self, source: str | None) -> SpecError:
        """The same error, naming the file (or upload) it came from."""
        return SpecError(self.reason, where=self.where, key=self.key, source=source)


def _render(where: Path_) -> str:
    """``("depots", 0)`` -> ``"depots[0]"``; ``("zones", "fast")`` -> ``"zones.fast"``."""
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# ---- checks: one per kind of value, each also its own JSON Schema -------------
class _Check:
    """Validates (and normalises) one value; knows its JSON Schema."""

    def __call__(self, value: Any, key: str) -> Any:
        raise NotImplementedError

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class _Integer(_Check):
    minimum: int = 1
    maximum: int = MAX_COUNT
    too_large: str | None = None  # the sentence when above maximum, if not the generic one

    def __call__(self, value: Any, key: str) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"{key!r} must be an integer, got {value!r}", key=key)
        if value < self.minimum:
            raise SpecError(f"{key!r} must be >= {self.minimum}, got {value!r}", key=key)
        if value > self.maximum:
            rule = self.too_large or f"must be <= {self.maximum:,}"
            raise SpecError(f"{key!r} {rule}, got {value!r}", key=key)
        return value

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class _Number(_Check):
    """A finite float >= minimum (> minimum when ``strict``) and <= maximum."""

    minimum: float = 0.0
    strict: bool = True
    maximum: float = MAX_LENGTH

    def __call__(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SpecError(f"{key!r} must be a number, got {value!r}", key=key)
        v = float(value)
        if not math.isfinite(v):
            raise SpecError(f"{key!r} must be finite, got {value!r}", key=key)
        if v < self.minimum or (self.strict and v == self.minimum):
            op = ">" if self.strict else ">="
            raise SpecError(f"{key!r} must be {op} {self.minimum:g}, got {value!r}", key=key)
        if v > self.maximum:
            raise SpecError(f"{key!r} must be <= {self.maximum:g}, got {value!r}", key=key)
        return v

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        bound = "exclusiveMinimum" if self.strict else "minimum"
        return {"type": "number", bound: self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class _Text(_Check):
    min_length: int = 0

    def __call__(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise SpecError(f"{key!r} must be a string, got {value!r}", key=key)
        if len(value) < self.min_length:
            raise SpecError(f"{key!r} must not be empty", key=key)
        if len(value) > MAX_TEXT:
            raise SpecError(f"{key!r} must be at most {MAX_TEXT} characters long", key=key)
        return value

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {"type": "string", "minLength": self.min_length, "maxLength": MAX_TEXT}


@dataclass(frozen=True)
class _Choice(_Check):
    choices: tuple[str, ...]
    label: str  # "node kind": "unknown node kind 'pik' (did you mean 'pick'?)"

    def __call__(self, value: Any, key: str) -> str:
        if value not in self.choices:
            raise SpecError(
                f"unknown {self.label} {value!r}" + suggest(str(value), self.choices), key=key
            )
        return str(value)

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {"enum": list(self.choices)}


class _NodeId(_Check):
    """A node id: a string or an integer, used as its text."""

    def __call__(self, value: Any, key: str) -> str:
        if isinstance(value, float) and value.is_integer():  # JSON's 1e3 is an integer
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise SpecError(f"node ids must be strings or integers, got {value!r}", key=key)
        if isinstance(value, int) and abs(value) > MAX_NODE_ID:
            raise SpecError(f"node id {value} is out of range (|id| <= 2**53)", key=key)
        if isinstance(value, str) and not 1 <= len(value) <= MAX_TEXT:
            raise SpecError(f"node ids must have 1 to {MAX_TEXT} characters", key=key)
        return str(value)

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
                {"type": "integer", "minimum": -MAX_NODE_ID, "maximum": MAX_NODE_ID},
            ]
        }


class _CrossAisle(_Check):
    """``"front"``, ``"back"`` or a cross-aisle index; the range is checked by
    :class:`ParallelAislesSpec`, which knows the number of blocks."""

    def __call__(self, value: Any, key: str) -> Any:
        return int(value) if isinstance(value, float) and value.is_integer() else value

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {
            "anyOf": [
                {"enum": ["front", "back"]},
                {"type": "integer", "minimum": 0, "maximum": MAX_COUNT},
            ]
        }


class _Zones(_Check):
    """Zone name -> aisle numbers; the aisles are checked by
    :class:`ParallelAislesSpec`, which knows how many there are."""

    def __call__(self, value: Any, key: str) -> Mapping[str, tuple[int, ...]]:
        if not isinstance(value, Mapping):
            raise SpecError("expected a table of zone -> list of aisles", where=(key,))
        zones: dict[str, tuple[int, ...]] = {}
        for zone, aisles in value.items():
            if not isinstance(aisles, list | tuple):
                raise SpecError("expected a list of aisle numbers", where=(key, str(zone)))
            zones[str(zone)] = tuple(aisles)
        return MappingProxyType(zones)

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        aisle = {"type": "integer", "minimum": 1, "maximum": MAX_COUNT}
        return {"type": "object", "additionalProperties": {"type": "array", "items": aisle}}


@dataclass(frozen=True)
class _Nullable(_Check):
    inner: _Check

    def __call__(self, value: Any, key: str) -> Any:
        return None if value is None else self.inner(value, key)

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {"anyOf": [self.inner.schema(ref), {"type": "null"}]}


@dataclass(frozen=True)
class _Items(_Check):
    """A non-empty list of tables, each read into ``item`` (or already one)."""

    item: type

    def __call__(self, value: Any, key: str) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise SpecError(f"{key!r} must be a list, got {type(value).__name__}", key=key)
        if not value:
            raise SpecError(f"{key!r} must not be empty", key=key)
        out = []
        for k, raw in enumerate(value):
            if isinstance(raw, self.item):
                out.append(raw)
                continue
            try:
                out.append(_from_mapping(self.item, raw))
            except SpecError as exc:
                raise exc.within(key, k) from None
        return tuple(out)

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {"type": "array", "items": ref(self.item), "minItems": 1}


def _spec_field(check: _Check, default: Any = MISSING, *, key: str | None = None) -> Any:
    """A dataclass field with its check and, if not its name, its key in files."""
    metadata = {"check": check, "key": key}
    if isinstance(default, Mapping):
        return field(default_factory=lambda: MappingProxyType({}), metadata=metadata)
    return field(default=default, metadata=metadata)


_LENGTH = _Number()
_COUNT = _Integer()
_NAME = _Nullable(_Text())


class _Spec:
    """Shared behaviour of the spec dataclasses: per-field checks on
    construction, keys, ``to_dict``."""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            if f.init:
                value = f.metadata["check"](getattr(self, f.name), _key(f))
                object.__setattr__(self, f.name, value)
        self._check()

    def _check(self) -> None:
        """Checks across fields (after every field passed its own)."""

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (``None`` and defaults left out), as a file holds it."""
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None or (f.init and f.default is not MISSING and value == f.default):
                continue
            if isinstance(value, Mapping) and not value:
                continue
            if isinstance(value, tuple) and value and isinstance(value[0], _Spec):
                value = [v.to_dict() for v in value]
            elif isinstance(value, Mapping):
                value = {k: list(v) for k, v in value.items()}
            if f.init or f.name == "kind":
                out[_key(f)] = value
        return out


def _key(f: Any) -> str:
    return f.metadata.get("key") or f.name


def _from_mapping(cls: type, raw: Any) -> Any:
    """Check the keys of ``raw`` and build ``cls`` from it."""
    if not isinstance(raw, Mapping):
        raise SpecError(f"expected a table/object, got {type(raw).__name__}")
    specified = [f for f in fields(cls) if f.init]
    allowed = [_key(f) for f in fields(cls)]
    for key in raw:
        if key not in allowed:
            raise SpecError(f"unknown key {key!r}" + suggest(str(key), allowed), key=str(key))
    for f in specified:
        if f.default is MISSING and f.default_factory is MISSING and _key(f) not in raw:
            raise SpecError(f"missing key {_key(f)!r}", key=_key(f))
    return cls(**{f.name: raw[_key(f)] for f in specified if _key(f) in raw})


# ---- tier 1: parallel aisles --------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class AisleDepotSpec(_Spec):
    """A depot of a parallel-aisle layout: on cross-aisle ``at`` (``"front"``,
    ``"back"`` or an index) at aisle ``aisle`` (1-based), moved along the
    cross-aisle by ``offset`` metres and set back from it by a spur of
    ``setback`` metres. Unnamed depots are called ``D1``, ``D2``, ..."""

    aisle: int = _spec_field(_COUNT)
    name: str | None = _spec_field(_NAME, None)
    at: str | int = _spec_field(_CrossAisle(), "front")
    offset: float = _spec_field(_Number(-MAX_LENGTH, strict=False), 0.0)
    setback: float = _spec_field(_Number(strict=False), 0.0)


@dataclass(frozen=True, kw_only=True)
class ParallelAislesSpec(_Spec):
    """Tier 1: a rectangular multi-block warehouse (see ``layouts/*.toml``).

    Lengths are metres: ``cell_length`` along the aisle, ``aisle_spacing``
    centre to centre, ``cross_aisle_to_cell`` from a cross-aisle's centre line
    to the nearest cell centre; ``cross_aisle_width`` is for drawing only.

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
    optimizer.layout.spec.SpecError: layout spec: 'cell_length' must be > 0, got -1.0
    """

    kind: Literal["parallel-aisles"] = field(default="parallel-aisles", init=False)
    name: str | None = _spec_field(_NAME, None)
    aisles: int = _spec_field(_COUNT)
    blocks: int = _spec_field(_COUNT, 1)
    cells: int = _spec_field(_COUNT)
    sides: int = _spec_field(_Integer(maximum=2, too_large="must be 1 or 2"), 2)
    levels: int = _spec_field(_COUNT, 1)
    cell_length: float = _spec_field(_LENGTH)
    aisle_spacing: float = _spec_field(_LENGTH)
    cross_aisle_to_cell: float = _spec_field(_LENGTH)
    cross_aisle_width: float = _spec_field(_Number(strict=False), 2.0)
    slot_capacity: float | None = _spec_field(_Nullable(_LENGTH), None)
    zones: Mapping[str, tuple[int, ...]] = _spec_field(_Zones(), {})
    depots: tuple[AisleDepotSpec, ...] = _spec_field(_Items(AisleDepotSpec))

    @property
    def n_slots(self) -> int:
        """Slots the layout will have: aisles x blocks x cells x sides x levels."""
        return self.aisles * self.blocks * self.cells * self.sides * self.levels

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

    def _check_depot(self, depot: AisleDepotSpec, where: Path_) -> None:
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

    def cross_aisle_index(self, at: Any, where: Path_ = ()) -> int:
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
class NodeSpec(_Spec):
    """A node of a graph layout at ``(x, y)`` metres; ``kind`` is informative
    (slots make pick nodes, depots make depot nodes)."""

    id: str | int = _spec_field(_NodeId())
    x: float = _spec_field(_Number(-MAX_COORDINATE, strict=False, maximum=MAX_COORDINATE))
    y: float = _spec_field(_Number(-MAX_COORDINATE, strict=False, maximum=MAX_COORDINATE))
    kind: str = _spec_field(_Choice(NODE_KINDS, "node kind"), "plain")


@dataclass(frozen=True, kw_only=True)
class EdgeSpec(_Spec):
    """An undirected edge (key ``from`` in files); its length defaults to the
    straight-line distance of its ends."""

    frm: str | int = _spec_field(_NodeId(), key="from")
    to: str | int = _spec_field(_NodeId())
    length: float | None = _spec_field(_Nullable(_LENGTH), None)


@dataclass(frozen=True, kw_only=True)
class SlotSpec(_Spec):
    """A slot of a graph layout: its bin code, the node a picker reaches it
    from, and optional attributes."""

    code: str = _spec_field(_Text(min_length=1))
    node: str | int = _spec_field(_NodeId())
    zone: str | None = _spec_field(_NAME, None)
    capacity: float | None = _spec_field(_Nullable(_LENGTH), None)
    aisle: int | None = _spec_field(_Nullable(_COUNT), None)
    level: int | None = _spec_field(_Nullable(_COUNT), None)
    side: str | None = _spec_field(_NAME, None)


@dataclass(frozen=True, kw_only=True)
class DepotSpec(_Spec):
    """A depot of a graph layout, on a node. Unnamed depots are ``D1``, ``D2``, ..."""

    node: str | int = _spec_field(_NodeId())
    name: str | None = _spec_field(_NAME, None)


@dataclass(frozen=True, kw_only=True)
class GraphSpec(_Spec):
    """Tier 2: explicit nodes, edges, slots and depots (see ``layouts/fishbone.json``);
    :class:`~optimizer.layout.builder.GraphBuilder` writes one step by step."""

    kind: Literal["graph"] = field(default="graph", init=False)
    name: str | None = _spec_field(_NAME, None)
    nodes: tuple[NodeSpec, ...] = _spec_field(_Items(NodeSpec))
    edges: tuple[EdgeSpec, ...] = _spec_field(_Items(EdgeSpec))
    slots: tuple[SlotSpec, ...] = _spec_field(_Items(SlotSpec))
    depots: tuple[DepotSpec, ...] = _spec_field(_Items(DepotSpec))

    def _check(self) -> None:
        index: dict[str, NodeSpec] = {}
        for k, node in enumerate(self.nodes):
            if str(node.id) in index:
                raise SpecError(f"duplicate node id {node.id!r}", where=("nodes", k), key="id")
            index[str(node.id)] = node

        def known(nid: str | int, where: Path_, key: str) -> NodeSpec:
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
        spec: LayoutSpec = _from_mapping(tier, data)
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
            return _class_schema(cls, inline)

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
        "$defs": {cls.__name__: _class_schema(cls, ref) for cls in _SCHEMA_CLASSES},
    }


_SCHEMA_DOC = "A warehouse layout spec: parallel aisles or an explicit graph."


def _class_schema(cls: type, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in fields(cls):
        key = _key(f)
        if not f.init:  # the tier's "kind": required and constant
            properties[key] = {"const": f.default, "type": "string"}
            required.append(key)
            continue
        prop = f.metadata["check"].schema(ref)
        if f.default is not MISSING:
            prop["default"] = f.default
        elif f.default_factory is MISSING:
            required.append(key)
        properties[key] = prop
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    return {
        "title": cls.__name__,
        "description": " ".join(doc.split()),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }

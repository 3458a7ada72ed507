"""The frozen warehouse: nodes, edges, slots, depots and, for rectangular
warehouses, the parallel-aisle geometry that exact routers exploit.

A :class:`Layout` is built once from a spec and never changes afterwards; its
``version`` is a content hash of the compiled graph and slot columns, so two
specs that describe the same warehouse share a version. Slots are held as
columns (:class:`~optimizer.layout.parts.SlotTable`): a million-slot layout
costs a few tens of bytes per slot, and a :class:`Slot` object is made when
one is asked for.

The package's imports run one way, so the frozen model sits above the spec
it is built from and nothing below knows the ``Layout`` class:
:mod:`~optimizer.layout.parts` (slots, depots, geometry) and
:mod:`~optimizer.layout.checks` (field checks, ``SpecError``) <-
:mod:`~optimizer.layout.spec` (the typed spec, files, JSON Schema) <-
:mod:`~optimizer.layout.compile` (spec -> arrays and parts) <- this module,
whose :meth:`Layout.from_spec` reads and compiles a spec <-
:mod:`~optimizer.layout.builder` (``GraphBuilder.build``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.errors import LayoutError, UnknownSlotError, suggest
from optimizer.layout.checks import SpecError
from optimizer.layout.compile import compile_spec
from optimizer.layout.digest import digest_slots
from optimizer.layout.parts import (
    NODE_DEPOT,
    NODE_KIND_NAMES,
    NODE_PICK,
    NODE_PLAIN,
    Depot,
    DepotPlacement,
    ParallelAisles,
    Slot,
    SlotTable,
    frozen,
)
from optimizer.layout.spec import (
    GraphSpec,
    LayoutSpec,
    ParallelAislesSpec,
    parse_spec,
    read_spec,
)
from optimizer.values import summary_html

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "Layout",
    "Slot",
    "SlotTable",
    "Depot",
    "DepotPlacement",
    "ParallelAisles",
    "NODE_PLAIN",
    "NODE_PICK",
    "NODE_DEPOT",
]


@dataclass(frozen=True, eq=False)
class Layout:
    """An immutable warehouse: an undirected graph with slots and depots.

    Build one with :meth:`from_file` or :meth:`from_spec`. Nodes are the
    integers ``0 .. n_nodes - 1``, the same as in :meth:`to_networkx`; edge
    lengths are metres. Equality and hashing go by :attr:`version`.
    ``slots`` is a read-only sequence of :class:`Slot` (a
    :class:`~optimizer.layout.parts.SlotTable`; any sequence of slots given
    here, as by ``dataclasses.replace(layout, slots=...)``, becomes one).

    Examples
    --------
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> slot = layout.slot("A03-B1-017-L-1")
    >>> slot.aisle, slot.cell, slot.side, layout.xy[slot.node].tolist()
    (3, 17, 'L', [10.0, 17.5])
    """

    name: str
    kind: str
    xy: np.ndarray
    node_kind: np.ndarray
    edges: np.ndarray
    edge_length: np.ndarray
    slots: Sequence[Slot]
    depots: tuple[Depot, ...]
    aisles: ParallelAisles | None = None
    node_names: tuple[str, ...] | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        for name in ("xy", "node_kind", "edges", "edge_length"):
            frozen(getattr(self, name))
        object.__setattr__(self, "slots", SlotTable.from_slots(self.slots))

    # ---- construction -------------------------------------------------------
    @classmethod
    def from_spec(
        cls, spec: Mapping[str, Any] | LayoutSpec, *, source: str | None = None
    ) -> Layout:
        """Build a layout from a spec: a dict (the parsed TOML or JSON) or a typed
        :class:`~optimizer.layout.spec.ParallelAislesSpec` /
        :class:`~optimizer.layout.spec.GraphSpec`.

        Parameters
        ----------
        spec
            ``{"kind": "parallel-aisles", ...}`` or ``{"kind": "graph", ...}``;
            see ``layouts/`` for annotated examples.
        source
            Where the spec came from, used in error messages and, when the
            spec has no name, for the layout's name.

        Raises
        ------
        SpecError
            A :class:`~optimizer.errors.LayoutError` naming ``source``, the
            place and the key.

        Examples
        --------
        >>> layout = Layout.from_spec({
        ...     "kind": "parallel-aisles", "aisles": 3, "cells": 4, "cell_length": 1.0,
        ...     "aisle_spacing": 3.0, "cross_aisle_to_cell": 1.0, "depots": [{"aisle": 1}]})
        >>> len(layout.slots), layout.depot().name
        (24, 'D1')
        """
        try:
            typed = spec if isinstance(spec, ParallelAislesSpec | GraphSpec) else parse_spec(spec)
            compiled = compile_spec(typed, source)
        except SpecError as exc:
            raise exc.located(source) from None
        parts = {f.name: getattr(compiled, f.name) for f in fields(compiled)}
        return cls(**parts, source=source)

    @classmethod
    def from_file(cls, path: str | Path) -> Layout:
        """Read a layout spec from a ``.toml`` or ``.json`` file and build it.

        Parameters
        ----------
        path
            The spec file.

        Examples
        --------
        >>> Layout.from_file("layouts/single_block.toml").name
        'single_block'
        """
        return cls.from_spec(read_spec(path), source=str(path))

    # ---- sizes and identity -------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of graph nodes."""
        return int(self.xy.shape[0])

    @cached_property
    def version(self) -> str:
        """Content hash of the compiled graph, slots and depots (16 hex digits).

        The bytes hashed are those of every earlier release (stored jobs
        and uploads name layouts by version), made from the slot columns by
        numpy rather than slot by slot (:mod:`~optimizer.layout.digest`).
        """
        h = hashlib.sha256()
        for arr in (self.xy, self.node_kind, self.edges, self.edge_length):
            h.update(np.ascontiguousarray(arr).tobytes())
        digest_slots(self.table, h)
        for d in self.depots:
            h.update(f"depot|{d.name}|{d.node}\n".encode())
        return h.hexdigest()[:16]

    def __hash__(self) -> int:
        return hash(self.version)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Layout) and other.version == self.version

    @property
    def table(self) -> SlotTable:
        """The slots as columns (the same object as :attr:`slots`)."""
        return self.slots  # type: ignore[return-value]  # __post_init__ made it one

    @cached_property
    def pick_nodes(self) -> np.ndarray:
        """Sorted distinct nodes that carry at least one slot."""
        return frozen(np.unique(self.table.node))

    @cached_property
    def extent(self) -> tuple[float, float]:
        """Width and depth of the bounding box of all nodes, metres."""
        span = self.xy.max(axis=0) - self.xy.min(axis=0)
        return float(span[0]), float(span[1])

    # ---- lookups ------------------------------------------------------------
    def slot(self, key: str | int) -> Slot:
        """The slot with this bin code (or slot index).

        Raises
        ------
        UnknownSlotError
            Naming the code and the closest known one.
        """
        return self.table[self.slot_index(key)]

    def slot_index(self, key: str | int) -> int:
        """The index in :attr:`slots` of the slot with this bin code (or index).

        Raises
        ------
        UnknownSlotError
            Naming the code and the closest known one.
        """
        table = self.table
        if type(key) is str:  # the common case first: routing looks up every pick
            found = table.index_of(key)
            if found is not None:
                return found
        elif isinstance(key, np.str_):  # a code taken from a numpy or pandas column
            return self.slot_index(str(key))
        elif isinstance(key, int | np.integer) and not isinstance(key, bool):
            if 0 <= key < len(table):
                return int(key)
            raise UnknownSlotError(
                f"slot index {key} is out of range for layout {self.name!r} ({len(table)} slots)"
            )
        raise UnknownSlotError(
            f"unknown bin code {key!r} in layout {self.name!r}"
            + suggest(str(key), table.codes_near(str(key)))
        )

    def nodes_of(self, keys: Iterable[str | int]) -> np.ndarray:
        """Pick nodes of bin codes or slot indices, in the given order."""
        index = np.fromiter((self.slot_index(k) for k in keys), dtype=np.int64)
        return self.table.node[index]

    def depot(self, name: str | None = None) -> Depot:
        """The depot called ``name``, or the first one when ``name`` is None."""
        if name is None:
            return self.depots[0]
        for d in self.depots:
            if d.name == name:
                return d
        raise LayoutError(
            f"unknown depot {name!r} in layout {self.name!r}"
            + suggest(name, [d.name for d in self.depots])
        )

    # ---- views --------------------------------------------------------------
    def to_networkx(self) -> nx.Graph:
        """The layout as an undirected :class:`networkx.Graph`.

        Nodes are the same integers as everywhere in pickopt and carry ``x``,
        ``y`` and ``kind`` ("plain", "pick", "depot"); edges carry ``length``.
        """
        import networkx as nx

        kinds = NODE_KIND_NAMES
        g = nx.Graph(name=self.name, version=self.version)
        for n, ((x, y), k) in enumerate(
            zip(self.xy.tolist(), self.node_kind.tolist(), strict=True)
        ):
            g.add_node(n, x=x, y=y, kind=kinds[k])
        g.add_weighted_edges_from(
            zip(
                self.edges[:, 0].tolist(),
                self.edges[:, 1].tolist(),
                self.edge_length.tolist(),
                strict=True,
            ),
            weight="length",
        )
        return g

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: sizes, counts and the content hash (not the spec).

        Examples
        --------
        >>> Layout.from_file("layouts/single_block.toml").to_dict()["slots"]
        900
        """
        width, depth = self.extent
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "content_hash": self.version,
            "slots": len(self.slots),
            "pick_nodes": int(self.pick_nodes.size),
            "nodes": self.n_nodes,
            "edges": int(self.edges.shape[0]),
            "depots": [d.name for d in self.depots],
            "width_m": round(width, 3),
            "depth_m": round(depth, 3),
        }
        if self.aisles is not None:
            out["aisles"] = self.aisles.n_aisles
            out["blocks"] = self.aisles.n_blocks
            out["cells_per_block"] = self.aisles.cells
        return out

    def __repr__(self) -> str:
        width, depth = self.extent
        return (f"Layout({self.name!r}, {self.kind}, {len(self.slots):,} slots, "
                f"{width:,.1f} m x {depth:,.1f} m, content_hash={self.version!r})")  # fmt: skip

    def _repr_html_(self) -> str:
        """A short summary for Jupyter: sizes, depots and content hash, no arrays."""
        d = self.to_dict()
        fields = {"kind": d["kind"], "slots": f"{d['slots']:,}",
                  "pick nodes": f"{d['pick_nodes']:,}",
                  "footprint": f"{d['width_m']:,.1f} m x {d['depth_m']:,.1f} m",
                  "depots": ", ".join(d["depots"])}  # fmt: skip
        if self.aisles is not None:
            fields["aisles x blocks"] = f"{d['aisles']} x {d['blocks']}"
        fields["content hash"] = d["content_hash"]
        return summary_html(f"Layout {self.name!r}", fields)

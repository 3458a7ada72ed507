"""The warehouse model: specs, builders, validation, bin codes, ``to_networkx()``.

A spec (a TOML/JSON file, a dict, a typed :class:`ParallelAislesSpec` or
:class:`GraphSpec`, or a :class:`GraphBuilder` for people) compiles to the
frozen :class:`Layout`.
"""

from optimizer.layout.builder import GraphBuilder
from optimizer.layout.checks import SpecError
from optimizer.layout.model import Depot, DepotPlacement, Layout, ParallelAisles, Slot
from optimizer.layout.spec import (
    AisleDepotSpec,
    DepotSpec,
    EdgeSpec,
    GraphSpec,
    LayoutSpec,
    NodeSpec,
    ParallelAislesSpec,
    SlotSpec,
    format_spec_json,
    json_schema,
    parse_spec,
    read_spec,
)

__all__ = [
    "Layout",
    "Slot",
    "Depot",
    "DepotPlacement",
    "ParallelAisles",
    "LayoutSpec",
    "ParallelAislesSpec",
    "AisleDepotSpec",
    "GraphSpec",
    "NodeSpec",
    "EdgeSpec",
    "SlotSpec",
    "DepotSpec",
    "GraphBuilder",
    "SpecError",
    "parse_spec",
    "read_spec",
    "format_spec_json",
    "json_schema",
]

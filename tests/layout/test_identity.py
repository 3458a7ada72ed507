"""Identity and immutability: a content-hash version, frozen arrays, and a
small graph spec compiled as written."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest

from optimizer.layout import Layout
from optimizer.layout.parts import NODE_DEPOT, NODE_PICK
from tests.conftest import LAYOUTS, SHIPPED, pa_spec
from tests.layout.conftest import graph_spec


@pytest.mark.parametrize("name", SHIPPED)
def test_version_stable_across_loads(name: str) -> None:
    """Two loads of one file give equal layouts with the same version and
    hash (the version is a content hash, not an object id)."""
    a, b = Layout.from_file(LAYOUTS / name), Layout.from_file(LAYOUTS / name)
    assert a is not b
    assert a.version == b.version and len(a.version) == 16
    assert hash(a) == hash(b) and a == b
    assert len({a, b}) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"cell_length": 1.1},
        {"aisles": 4},
        {"cells": 5},
        {"levels": 2},
        {"slot_capacity": 3.0},
        {"zones": {"fast": [2]}},
        {"depots": [{"name": "D1", "aisle": 1, "at": "back"}]},
        {"depots": [{"name": "D1", "aisle": 1, "offset": 1.0}]},
        {"depots": [{"name": "D1", "aisle": 1, "setback": 1.0}]},
        {"depots": [{"name": "P", "aisle": 1}]},
    ],
)
def test_version_changes_with_spec(change: dict[str, Any]) -> None:
    """Any change to the warehouse (geometry, slots, depots) changes the
    version; the display name alone does not."""
    base = Layout.from_spec(pa_spec())
    assert Layout.from_spec(pa_spec(name="renamed")).version == base.version
    changed = Layout.from_spec(pa_spec(**change))
    assert changed.version != base.version
    assert changed != base


def test_graph_version_changes_with_spec() -> None:
    """A graph-tier layout's version follows its edge lengths and slots."""
    base = Layout.from_spec(graph_spec())
    longer = graph_spec()
    longer["edges"][1]["length"] = 1.6
    recoded = graph_spec()
    recoded["slots"][0]["code"] = "S-a-R"
    versions = {base.version, Layout.from_spec(longer).version, Layout.from_spec(recoded).version}
    assert len(versions) == 3


def test_layout_is_immutable_and_hashable(two_block: Layout) -> None:
    """A Layout cannot be changed after it is built: attributes are frozen and
    every array, the geometry's and the slot columns included, is read-only;
    slots are a read-only sequence; it works as a dict key."""
    layout = two_block
    with pytest.raises(dataclasses.FrozenInstanceError):
        layout.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        layout.slots[0].node = 3  # type: ignore[misc]
    geo = layout.aisles
    assert geo is not None
    arrays = [
        layout.xy,
        layout.node_kind,
        layout.edges,
        layout.edge_length,
        layout.pick_nodes,
        geo.aisle_x,
        geo.cross_y,
        geo.junction,
        geo.pick_node,
        layout.table.node,
        layout.table.capacity,
    ]
    for arr in arrays:
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr.flat[0] = arr.flat[0]
    assert isinstance(layout.slots, Sequence) and isinstance(layout.depots, tuple)
    assert not hasattr(layout.slots, "append") and not hasattr(layout.slots, "__setitem__")
    cache = {layout: "oracle"}
    assert cache[Layout.from_file(LAYOUTS / "two_block.toml")] == "oracle"


def test_graph_spec_builds() -> None:
    """The small graph spec compiles as written: node order, Euclidean
    default lengths, explicit lengths, slot attributes and node names."""
    layout = Layout.from_spec(graph_spec(), source="path.json")
    assert layout.node_names == ("d", "a", "b", "c")
    assert layout.edges.tolist() == [[0, 1], [1, 2], [2, 3]]
    assert layout.edge_length.tolist() == [1.0, 1.5, 1.0]
    b = layout.slot("S-b-L")
    assert (b.node, b.zone, b.capacity, b.aisle) == (2, "fast", 2.5, 1)
    assert layout.slot("S-a-L").side == "L"
    assert layout.pick_nodes.tolist() == [1, 2]
    assert layout.node_kind.tolist() == [NODE_DEPOT, NODE_PICK, NODE_PICK, 0]


def test_parallel_edges_keep_the_shortest() -> None:
    """Two edges between the same nodes collapse to the shorter one."""
    s = graph_spec()
    s["edges"].append({"from": "b", "to": "a", "length": 0.5})
    layout = Layout.from_spec(s)
    assert layout.edges.tolist() == [[0, 1], [1, 2], [2, 3]]
    assert layout.edge_length.tolist() == [1.0, 0.5, 1.0]

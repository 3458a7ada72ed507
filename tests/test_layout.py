"""The warehouse model: shipped layouts, bin codes, geometry, identity, and
one readable error per kind of bad input."""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import json
import math
import re
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from optimizer.errors import LayoutError, PickoptError, UnknownSlotError
from optimizer.layout import Layout, spec
from optimizer.layout.model import NODE_DEPOT, NODE_PICK
from tests.conftest import LAYOUTS, SHIPPED, pa_spec

# ---- small hand-checkable specs ---------------------------------------------


def graph_spec() -> dict[str, Any]:
    """A path d - a - b - c with slots on a and b and the depot on d."""
    return {
        "name": "path",
        "kind": "graph",
        "nodes": [
            {"id": "d", "x": 0.0, "y": 0.0, "kind": "depot"},
            {"id": "a", "x": 1.0, "y": 0.0, "kind": "pick"},
            {"id": "b", "x": 2.0, "y": 0.0, "kind": "pick"},
            {"id": "c", "x": 3.0, "y": 0.0},
        ],
        "edges": [
            {"from": "d", "to": "a"},
            {"from": "a", "to": "b", "length": 1.5},
            {"from": "b", "to": "c"},
        ],
        "slots": [
            {"code": "S-a-L", "node": "a", "side": "L", "level": 1},
            {"code": "S-b-L", "node": "b", "zone": "fast", "capacity": 2.5, "aisle": 1},
        ],
        "depots": [{"name": "D1", "node": "d"}],
    }


def raises(exc: type[Exception], *fragments: str) -> Any:
    """``pytest.raises`` that also wants every fragment in the message."""
    return pytest.raises(exc, match=".*".join(re.escape(f) for f in fragments))


# ---- shipped layouts --------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_layout_loads_connected(layouts: dict[str, Layout], name: str) -> None:
    """Every shipped layout loads, has slots and a depot, and its whole graph
    (not only the slots' part) is one connected component."""
    layout = layouts[name]
    assert layout.slots and layout.depots
    assert layout.source is not None and layout.source.endswith(name)
    graph = layout.to_networkx()
    assert graph.number_of_nodes() == layout.n_nodes
    assert graph.number_of_edges() == layout.edges.shape[0]
    assert nx.is_connected(graph)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_edge_lengths_are_euclidean(layouts: dict[str, Layout], name: str) -> None:
    """Walking follows straight centre lines in every shipped layout: each
    edge is as long as the distance between its end points' coordinates."""
    layout = layouts[name]
    e = layout.edges
    euclid = np.hypot(*(layout.xy[e[:, 0]] - layout.xy[e[:, 1]]).T)
    np.testing.assert_allclose(layout.edge_length, euclid, rtol=0, atol=1e-6)
    assert (layout.edge_length > 0).all()


@pytest.mark.parametrize("name", SHIPPED)
def test_slot_node_is_the_networkx_node(layouts: dict[str, Layout], name: str) -> None:
    """``layout.slot(code).node`` is a pick node of ``to_networkx()`` whose
    ``x``/``y`` attributes are the layout's coordinates of that node."""
    layout = layouts[name]
    graph = layout.to_networkx()
    for s in layout.slots[:: max(1, len(layout.slots) // 500)]:
        found = layout.slot(s.code)
        assert found is s
        attrs = graph.nodes[found.node]
        assert attrs["kind"] == "pick"
        assert (attrs["x"], attrs["y"]) == tuple(layout.xy[found.node].tolist())
    nodes = np.array([s.node for s in layout.slots])
    assert (layout.node_kind[nodes] == NODE_PICK).all()
    assert np.array_equal(np.unique(nodes), layout.pick_nodes)
    for d in layout.depots:
        assert layout.node_kind[d.node] == NODE_DEPOT
        assert graph.nodes[d.node]["kind"] == "depot"


@pytest.mark.parametrize("name", SHIPPED)
def test_slot_index_and_codes_unique(layouts: dict[str, Layout], name: str) -> None:
    """Slots are numbered 0..n-1 in order, ``slot(i)`` finds slot i, and bin
    codes are unique."""
    layout = layouts[name]
    assert [s.index for s in layout.slots] == list(range(len(layout.slots)))
    assert layout.slot(len(layout.slots) - 1) is layout.slots[-1]
    assert len({s.code for s in layout.slots}) == len(layout.slots)


def test_single_block_geometry(single_block: Layout) -> None:
    """single_block is the Henn & Waescher warehouse: 10 aisles 5 m apart,
    45 cells of 1 m per side, first cell 1.5 m from the cross-aisle, 900
    slots, one depot at the front of aisle 1."""
    layout = single_block
    geo = layout.aisles
    assert geo is not None
    assert len(layout.slots) == 900
    assert (geo.n_aisles, geo.n_blocks, geo.cells) == (10, 1, 45)
    np.testing.assert_array_equal(geo.aisle_x, np.arange(10) * 5.0)
    assert geo.block_length == pytest.approx(2 * 1.5 + 44 * 1.0)
    assert layout.pick_nodes.size == 450
    (depot,) = layout.depots
    assert depot.node == geo.junction[0, 0]
    assert tuple(layout.xy[depot.node]) == (0.0, 0.0)
    assert layout.extent == (45.0, 47.0)


def test_single_block_bin_codes(single_block: Layout) -> None:
    """Bin codes read ``A<aisle>-B<block>-<cell>-<side>-<level>`` (1-based,
    cells from the front), both sides of a cell share one pick node, and the
    node sits at the cell's coordinates."""
    layout = single_block
    codes = [s.code for s in layout.slots]
    assert codes[0] == "A01-B1-001-L-1" and codes[-1] == "A10-B1-045-R-1"
    pattern = re.compile(r"A(\d\d)-B(\d)-(\d\d\d)-([LR])-(\d)")
    for s in layout.slots:
        m = pattern.fullmatch(s.code)
        assert m is not None, s.code
        assert (int(m[1]), int(m[2]), int(m[3]), m[4], int(m[5])) == (
            s.aisle,
            s.block,
            s.cell,
            s.side,
            s.level,
        )
        x, y = layout.xy[s.node]
        assert x == pytest.approx((s.aisle - 1) * 5.0)
        assert y == pytest.approx(1.5 + (s.cell - 1) * 1.0)
    left, right = layout.slot("A03-B1-017-L-1"), layout.slot("A03-B1-017-R-1")
    assert left.node == right.node
    assert layout.nodes_of(["A03-B1-017-L-1", 5]).tolist() == [left.node, layout.slots[5].node]


def test_two_block_geometry(two_block: Layout) -> None:
    """two_block: 2 blocks x 10 aisles x 30 cells x 2 sides x 2 levels; the
    pick-up depot is on the front cross-aisle halfway between aisles 5 and 6,
    the drop-off 1 m behind the back cross-aisle at aisle 10."""
    layout = two_block
    geo = layout.aisles
    assert geo is not None
    assert (geo.n_aisles, geo.n_blocks, geo.cells) == (10, 2, 30)
    assert len(layout.slots) == 10 * 2 * 30 * 2 * 2
    assert geo.block_length == pytest.approx(2 * 1.0 + 29 * 1.0)
    pickup, dropoff = layout.depot("pickup"), layout.depot("dropoff")
    assert layout.depot() == pickup
    assert tuple(layout.xy[pickup.node]) == (22.5, 0.0)
    assert tuple(layout.xy[dropoff.node]) == (45.0, 2 * geo.block_length + 1.0)
    assert layout.slot("A07-B2-030-R-2").block == 2


def test_multi_block_large_geometry(layouts: dict[str, Layout]) -> None:
    """multi_block_large is the big one: >= 20,000 slots (36,000) in 3 blocks
    of 40 aisles, with aisle zones carried onto slots."""
    layout = layouts["multi_block_large.toml"]
    geo = layout.aisles
    assert geo is not None
    assert len(layout.slots) >= 20_000 and len(layout.slots) == 36_000
    assert (geo.n_aisles, geo.n_blocks, geo.cells) == (40, 3, 50)
    assert layout.slot("A20-B2-025-L-3").zone == "fast"
    assert layout.slot("A01-B3-050-R-1").zone == "bulk"
    assert layout.slot("A10-B1-001-L-1").zone is None
    depot = layout.depots[0]
    assert tuple(layout.xy[depot.node]) == (19 * 4.5 + 2.25, -2.0)


def test_fishbone_shape(layouts: dict[str, Layout]) -> None:
    """fishbone.json is a graph-tier fishbone: 1,500-3,000 slots with codes
    ``F<aisle>-<pos>-<side>-<level>``, the depot at the bottom middle,
    pick nodes 1 m apart, vertical aisles above the V and horizontal ones in
    the two side regions."""
    layout = layouts["fishbone.json"]
    assert layout.kind == "graph" and layout.aisles is None
    assert 1_500 <= len(layout.slots) <= 3_000
    pattern = re.compile(r"F\d\d-\d\d\d-[LR]-1")
    assert all(pattern.fullmatch(s.code) for s in layout.slots)
    width, depth = layout.extent
    (depot,) = layout.depots
    assert tuple(layout.xy[depot.node]) == (width / 2, 0.0)
    # The two diagonal cross-aisles run straight from the depot to the back corners.
    graph = layout.to_networkx()
    for corner in ((0.0, depth), (width, depth)):
        (node,) = np.flatnonzero((layout.xy == corner).all(axis=1))
        walk = nx.shortest_path_length(graph, depot.node, int(node), weight="length")
        assert walk == pytest.approx(math.hypot(width / 2, depth))
    by_aisle: dict[int, list[int]] = {}
    for s in layout.slots:
        assert s.aisle is not None
        by_aisle.setdefault(s.aisle, []).append(s.node)
    zones = {s.aisle: s.zone for s in layout.slots}
    for aisle, nodes in by_aisle.items():
        xy = layout.xy[np.unique(nodes)]
        vertical = bool(np.ptp(xy[:, 0]) == 0)
        horizontal = bool(np.ptp(xy[:, 1]) == 0)
        assert vertical == (zones[aisle] == "north")
        assert horizontal == (zones[aisle] in ("west", "east"))
    pick = set(layout.pick_nodes.tolist())
    for (u, v), length in zip(layout.edges.tolist(), layout.edge_length, strict=True):
        if u in pick and v in pick:
            assert length == pytest.approx(1.0)


def test_fishbone_json_is_generated() -> None:
    """The committed fishbone.json is exactly what layouts/make_fishbone.py
    writes, so regenerating it is a no-op."""
    path = LAYOUTS / "make_fishbone.py"
    module_spec = importlib.util.spec_from_file_location("make_fishbone", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    text = module.render(module.build_spec())
    assert (LAYOUTS / "fishbone.json").read_text(encoding="utf-8") == text


# ---- identity and immutability ----------------------------------------------


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
    every array, the geometry's included, is read-only; it works as a dict key."""
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
    ]
    for arr in arrays:
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr.flat[0] = arr.flat[0]
    assert isinstance(layout.slots, tuple) and isinstance(layout.depots, tuple)
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


# ---- bad input: parallel-aisles specs ---------------------------------------


def test_unknown_key_suggests_nearest() -> None:
    """A misspelt key is named with the closest valid one."""
    s = pa_spec()
    s["aisle_spacng"] = s.pop("aisle_spacing")
    with raises(LayoutError, "unknown key 'aisle_spacng'", "did you mean 'aisle_spacing'"):
        Layout.from_spec(s, source="tiny.toml")


def test_unknown_depot_key_suggests_nearest() -> None:
    """Keys inside a depot table are checked too, and located by index."""
    s = pa_spec(depots=[{"aisle": 1, "setbak": 1.0}])
    with raises(LayoutError, "depots[0]", "'setbak'", "did you mean 'setback'"):
        Layout.from_spec(s)


def test_unknown_kind_suggests_nearest() -> None:
    """An unknown ``kind`` is named with the closest valid one; a missing one
    lists the choices."""
    with raises(LayoutError, "'paralel-aisles'", "did you mean 'parallel-aisles'"):
        Layout.from_spec(pa_spec(kind="paralel-aisles"))
    s = pa_spec()
    del s["kind"]
    with raises(LayoutError, "missing key 'kind'", "parallel-aisles"):
        Layout.from_spec(s)


@pytest.mark.parametrize("key", ["aisles", "cells", "cell_length", "depots"])
def test_missing_key(key: str) -> None:
    """A missing required key is named."""
    s = pa_spec()
    del s[key]
    with raises(LayoutError, "tiny.toml", f"missing key {key!r}"):
        Layout.from_spec(s, source="tiny.toml")


@pytest.mark.parametrize("key", ["cell_length", "aisle_spacing", "cross_aisle_to_cell"])
@pytest.mark.parametrize("value", [0, 0.0, -1.5])
def test_non_positive_length(key: str, value: float) -> None:
    """Lengths must be > 0; the message names the key and the value."""
    with raises(LayoutError, f"{key!r} must be > 0", f"got {value!r}"):
        Layout.from_spec(pa_spec(**{key: value}))


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_length(value: float) -> None:
    """NaN and infinite lengths are refused by name."""
    with raises(LayoutError, "'cell_length' must be finite"):
        Layout.from_spec(pa_spec(cell_length=value))
    with raises(LayoutError, "depots[0]", "'offset' must be finite"):
        Layout.from_spec(pa_spec(depots=[{"aisle": 1, "offset": value}]))


def test_non_finite_length_from_toml(tmp_path: Path) -> None:
    """TOML's ``nan``/``inf`` literals are refused like any other non-finite
    number, naming the file."""
    path = tmp_path / "bad.toml"
    text = (LAYOUTS / "single_block.toml").read_text(encoding="utf-8")
    path.write_text(text.replace("cell_length = 1.0", "cell_length = nan"), encoding="utf-8")
    with raises(LayoutError, str(path), "'cell_length' must be finite"):
        Layout.from_file(path)


@pytest.mark.parametrize("key", ["aisles", "cells", "blocks", "levels", "sides"])
@pytest.mark.parametrize("value", [0, -2])
def test_non_positive_counts(key: str, value: int) -> None:
    """Counts must be >= 1; the message names the key and the value."""
    with raises(LayoutError, f"{key!r} must be >= 1", f"got {value}"):
        Layout.from_spec(pa_spec(**{key: value}))


@pytest.mark.parametrize("value", [2.5, "3", True])
def test_count_not_an_integer(value: Any) -> None:
    """Counts must be integers (``3.0`` is accepted, ``2.5``, text and bools are not)."""
    with raises(LayoutError, "'aisles' must be an integer"):
        Layout.from_spec(pa_spec(aisles=value))
    assert Layout.from_spec(pa_spec(aisles=3.0)).aisles.n_aisles == 3  # type: ignore[union-attr]


def test_too_many_sides() -> None:
    """A rack aisle has at most two sides."""
    with raises(LayoutError, "'sides' must be 1 or 2", "got 3"):
        Layout.from_spec(pa_spec(sides=3))


@pytest.mark.parametrize("offset", [-0.5, 6.5, 100.0])
def test_depot_outside_cross_aisle(offset: float) -> None:
    """A depot offset beyond the outer aisles is refused, naming the depot."""
    with raises(LayoutError, "depots[0]", f"offset {offset:g}", "outside the cross-aisle"):
        Layout.from_spec(pa_spec(depots=[{"aisle": 1, "offset": offset}]))


def test_depot_on_missing_aisle_or_cross_aisle() -> None:
    """A depot at an aisle or cross-aisle the layout lacks is refused by name."""
    with raises(LayoutError, "depots[0]", "'aisle' is 4", "3 aisles"):
        Layout.from_spec(pa_spec(depots=[{"aisle": 4}]))
    with raises(LayoutError, "depots[0]", "'at'", "got 'middle'"):
        Layout.from_spec(pa_spec(depots=[{"aisle": 1, "at": "middle"}]))
    with raises(LayoutError, "depots[0]", "'setback' needs the front or back"):
        Layout.from_spec(pa_spec(blocks=2, depots=[{"aisle": 1, "at": 1, "setback": 1.0}]))


def test_duplicate_depot_names() -> None:
    """Depot names identify depots, so they must be unique."""
    depots = [{"name": "D", "aisle": 1}, {"name": "D", "aisle": 2}]
    with raises(LayoutError, "duplicate depot name 'D'"):
        Layout.from_spec(pa_spec(depots=depots))


def test_zone_errors() -> None:
    """Zones must list existing aisles, each in one zone only."""
    with raises(LayoutError, "zones.fast", "aisle 9"):
        Layout.from_spec(pa_spec(zones={"fast": [9]}))
    with raises(LayoutError, "aisle 2 is in zones 'fast' and 'slow'"):
        Layout.from_spec(pa_spec(zones={"fast": [2], "slow": [2]}))


def test_too_many_slots() -> None:
    """A spec that would create millions of slots is refused before building."""
    with raises(LayoutError, "6,000,000 slots", f"limit of {spec.MAX_SLOTS:,}"):
        Layout.from_spec(pa_spec(aisles=1000, cells=1000, levels=3))


def test_too_many_slots_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """The graph tier enforces the same slot limit while reading slots."""
    monkeypatch.setattr(spec, "MAX_SLOTS", 1)
    with raises(LayoutError, "more than the limit of 1 slots"):
        Layout.from_spec(graph_spec())


# ---- bad input: graph specs -------------------------------------------------


def test_graph_unknown_key() -> None:
    """Unknown keys in a graph spec's items are named with a suggestion."""
    s = graph_spec()
    s["slots"][0]["zoen"] = "A"
    with raises(LayoutError, "slots[0]", "'zoen'", "did you mean 'zone'"):
        Layout.from_spec(s)


def test_graph_missing_key() -> None:
    """A node without coordinates is named by its index."""
    s = graph_spec()
    del s["nodes"][2]["y"]
    with raises(LayoutError, "nodes[2]", "missing key 'y'"):
        Layout.from_spec(s)


@pytest.mark.parametrize("value", [0, -1.0, math.nan, math.inf])
def test_graph_bad_edge_length(value: float) -> None:
    """Explicit edge lengths must be finite and > 0; the edge is named."""
    s = graph_spec()
    s["edges"][1]["length"] = value
    with raises(LayoutError, "edges[1]", "'length' must be"):
        Layout.from_spec(s)


def test_graph_coincident_nodes_need_a_length() -> None:
    """Without a length, an edge between two nodes at the same place would be
    0 m long: refused, naming both nodes."""
    s = graph_spec()
    s["nodes"][3]["x"] = 2.0
    with raises(LayoutError, "edges[2]", "'b' and 'c' coincide"):
        Layout.from_spec(s)


def test_graph_disconnected_pick_node() -> None:
    """A slot on a node no path reaches from the depot is named."""
    s = graph_spec()
    s["nodes"].append({"id": "island", "x": 9.0, "y": 9.0})
    s["slots"].append({"code": "S-island", "node": "island"})
    with raises(LayoutError, "slot 'S-island'", "'island'", "not connected"):
        Layout.from_spec(s, source="path.json")


def test_graph_disconnected_depot() -> None:
    """A second depot cut off from the first is named."""
    s = graph_spec()
    s["nodes"].append({"id": "far", "x": 9.0, "y": 9.0})
    s["depots"].append({"name": "D2", "node": "far"})
    with raises(LayoutError, "depot 'D2'", "'far'", "not connected"):
        Layout.from_spec(s)


def test_graph_disconnected_plain_node() -> None:
    """A stray node that no path reaches is refused too (the distance oracle
    needs one connected graph), naming the node."""
    s = graph_spec()
    s["nodes"].append({"id": "stray", "x": 9.0, "y": 9.0})
    with raises(LayoutError, "'stray'", "not connected"):
        Layout.from_spec(s)


def test_graph_duplicate_bin_codes() -> None:
    """Bin codes name slots, so a second slot with the same code is refused."""
    s = graph_spec()
    s["slots"][1]["code"] = "S-a-L"
    with raises(LayoutError, "duplicate bin code 'S-a-L'"):
        Layout.from_spec(s)


def test_graph_duplicate_node_ids() -> None:
    """Node ids name nodes, so a repeated id is refused at its index."""
    s = graph_spec()
    s["nodes"][3]["id"] = "a"
    with raises(LayoutError, "nodes[3]", "duplicate node id 'a'"):
        Layout.from_spec(s)


def test_graph_edge_to_unknown_node() -> None:
    """An edge to a node that does not exist is named, with a suggestion."""
    s = graph_spec()
    s["nodes"][3]["id"] = "node-c"
    with raises(LayoutError, "edges[2]", "unknown node 'c'"):
        Layout.from_spec(s)
    s = graph_spec()
    s["edges"][2]["to"] = "cc"
    with raises(LayoutError, "edges[2]", "unknown node 'cc'", "did you mean 'c'"):
        Layout.from_spec(s)


def test_graph_self_loop_and_unknown_node_kind() -> None:
    """Self-loops and unknown node kinds are refused by name."""
    s = graph_spec()
    s["edges"].append({"from": "c", "to": "c", "length": 1.0})
    with raises(LayoutError, "edge from 'c' to itself"):
        Layout.from_spec(s)
    s = graph_spec()
    s["nodes"][3]["kind"] = "pik"
    with raises(LayoutError, "nodes[3]", "'pik'", "did you mean 'pick'"):
        Layout.from_spec(s)


def test_graph_empty_lists() -> None:
    """A layout without slots or depots is refused, naming what is missing."""
    s = graph_spec()
    s["slots"] = []
    with raises(LayoutError, "'slots' must not be empty"):
        Layout.from_spec(s)
    s = graph_spec()
    s["depots"] = []
    with raises(LayoutError, "'depots' must not be empty"):
        Layout.from_spec(s)


# ---- bad input: files -------------------------------------------------------


def test_malformed_toml(tmp_path: Path) -> None:
    """Broken TOML is reported with the file and the line."""
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\nkind = "parallel-aisles"\naisles = \n', encoding="utf-8")
    with raises(LayoutError, str(path), "malformed TOML", "line 3"):
        Layout.from_file(path)


def test_malformed_json(tmp_path: Path) -> None:
    """Broken JSON is reported with the file and the line number."""
    path = tmp_path / "broken.json"
    path.write_text('{\n  "kind": "graph",\n  "nodes": [,]\n}\n', encoding="utf-8")
    with raises(LayoutError, str(path), "malformed JSON at line 3"):
        Layout.from_file(path)


def test_json_top_level_must_be_object(tmp_path: Path) -> None:
    """A JSON file whose top level is not an object is refused by name."""
    path = tmp_path / "list.json"
    path.write_text("[1, 2]\n", encoding="utf-8")
    with raises(LayoutError, str(path), "top level", "list"):
        Layout.from_file(path)


def test_unknown_file_type(tmp_path: Path) -> None:
    """Only .toml and .json are layout files; others are named."""
    path = tmp_path / "layout.yaml"
    path.write_text("kind: graph\n", encoding="utf-8")
    with raises(LayoutError, str(path), "unknown layout file type '.yaml'"):
        Layout.from_file(path)


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is named."""
    path = tmp_path / "nowhere.toml"
    with raises(LayoutError, str(path), "no such layout file"):
        Layout.from_file(path)


def test_not_utf8(tmp_path: Path) -> None:
    """A file that is not UTF-8 text is refused with the byte offset."""
    path = tmp_path / "latin.toml"
    path.write_bytes(b'name = "Lager M\xfcnchen"\n')
    with raises(LayoutError, str(path), "not UTF-8", "at byte 15"):
        Layout.from_file(path)


def test_spec_errors_name_the_file(tmp_path: Path) -> None:
    """Errors found after parsing still name the file they came from."""
    path = tmp_path / "typo.json"
    s = copy.deepcopy(graph_spec())
    s["edges"][0]["lenght"] = 1.0
    path.write_text(json.dumps(s), encoding="utf-8")
    with raises(LayoutError, f"{path}: edges[0]", "did you mean 'length'"):
        Layout.from_file(path)


# ---- lookups ----------------------------------------------------------------


def test_unknown_bin_code_suggests_nearest(single_block: Layout) -> None:
    """``layout.slot`` names an unknown bin code and the closest known one;
    the error is both a PickoptError and a KeyError."""
    with raises(UnknownSlotError, "'A03-B1-017-L-9'", "did you mean 'A03-B1-017-L-1'"):
        single_block.slot("A03-B1-017-L-9")
    with pytest.raises(KeyError):
        single_block.slot("nonsense")
    with pytest.raises(PickoptError):
        single_block.nodes_of(["A01-B1-001-L-1", "A11-B1-001-L-1"])


def test_slot_index_out_of_range(single_block: Layout) -> None:
    """Slot indices outside 0..n-1 are refused, naming the index and the size."""
    for bad in (900, -1):
        with raises(UnknownSlotError, f"slot index {bad}", "900 slots"):
            single_block.slot(bad)


def test_unknown_depot_name(two_block: Layout) -> None:
    """An unknown depot name is named with the closest known one."""
    with raises(LayoutError, "'pickpu'", "did you mean 'pickup'"):
        two_block.depot("pickpu")

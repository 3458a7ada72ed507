"""Shipped layouts: they load connected, with the geometry, bin codes and
shapes their files describe."""

from __future__ import annotations

import math
import re

import networkx as nx
import numpy as np
import pytest

from optimizer.layout import Layout, format_spec_json
from optimizer.layout.parts import NODE_DEPOT, NODE_PICK
from optimizer.synthetic.layouts import fishbone_spec
from tests.conftest import LAYOUTS, SHIPPED


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
    """The committed fishbone.json is exactly what the fishbone builder
    (optimizer.synthetic.layouts.fishbone_spec, run by layouts/make_fishbone.py)
    writes, so regenerating it is a no-op."""
    text = format_spec_json(fishbone_spec())
    assert (LAYOUTS / "fishbone.json").read_text(encoding="utf-8") == text

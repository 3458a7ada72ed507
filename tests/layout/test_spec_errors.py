"""Bad specs: one readable error per kind of mistake, naming the place, the
key and, for unknown keys, the closest valid one."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from optimizer.errors import LayoutError
from optimizer.layout import Layout, spec
from tests.conftest import LAYOUTS, pa_spec
from tests.layout.conftest import graph_spec, raises


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


# ---- graph specs -------------------------------------------------------------


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

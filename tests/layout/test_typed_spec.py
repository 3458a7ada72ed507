"""The typed spec: dataclasses built by hand, from dicts or with the builder
compile to the same layout, refuse the same mistakes with the same message,
and agree with the JSON Schema written from them."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from optimizer.layout import (
    AisleDepotSpec,
    DepotSpec,
    EdgeSpec,
    GraphBuilder,
    GraphSpec,
    Layout,
    NodeSpec,
    ParallelAislesSpec,
    SlotSpec,
    SpecError,
    json_schema,
    parse_spec,
    read_spec,
)
from tests.conftest import LAYOUTS, SHIPPED, pa_spec
from tests.layout.conftest import graph_spec, raises

BAD_VALUES: tuple[Any, ...] = (None, True, "x", "", -1, 0, 2.5, 1e7, 10**16, [], {}, "x" * 200)


def tiny_typed() -> ParallelAislesSpec:
    """``pa_spec()`` written as a typed spec."""
    depot = AisleDepotSpec(name="D1", aisle=1, at="front")
    return ParallelAislesSpec(name="tiny", aisles=3, cells=4, cell_length=1.0, aisle_spacing=3.0,
                              cross_aisle_to_cell=1.0, depots=(depot,))  # fmt: skip


def test_typed_spec_equals_the_parsed_dict() -> None:
    """A spec written as dataclasses equals the same spec read from a dict, and
    both compile to the same layout version."""
    assert parse_spec(pa_spec()) == tiny_typed()
    assert Layout.from_spec(tiny_typed()).version == Layout.from_spec(pa_spec()).version


@pytest.mark.parametrize("name", SHIPPED)
def test_to_dict_round_trips(name: str) -> None:
    """``parse_spec(spec.to_dict())`` gives the spec back for every shipped file."""
    spec = parse_spec(read_spec(LAYOUTS / name))
    assert parse_spec(spec.to_dict()) == spec


def test_specs_are_frozen() -> None:
    """Specs are immutable data: fields cannot be set, zones cannot be changed;
    variants come from ``dataclasses.replace``, which checks them again."""
    spec = parse_spec(pa_spec(zones={"fast": [1]}))
    assert isinstance(spec, ParallelAislesSpec)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.aisles = 4  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.zones["slow"] = (2,)  # type: ignore[index]
    assert dataclasses.replace(spec, aisles=4).aisles == 4
    with raises(SpecError, "'aisles' must be >= 1, got 0"):
        dataclasses.replace(spec, aisles=0)


def test_values_are_normalised() -> None:
    """Whole floats count as integers, integers as lengths, node ids as text."""
    spec = parse_spec(pa_spec(aisles=3.0, cell_length=1))
    assert isinstance(spec, ParallelAislesSpec)
    assert type(spec.aisles) is int and type(spec.cell_length) is float
    node = NodeSpec(id=7, x=0, y=1)
    assert (node.id, node.x, node.kind) == ("7", 0.0, "plain")


def test_hand_built_spec_gets_the_files_message() -> None:
    """A mistake in a dataclass built by hand reads as the same mistake in a dict."""
    message = "layout spec: depots[0]: 'aisle' is 4 but the layout has 3 aisles"
    with pytest.raises(SpecError) as by_hand:
        dataclasses.replace(tiny_typed(), depots=(AisleDepotSpec(aisle=4),))
    with pytest.raises(SpecError) as from_dict:
        parse_spec(pa_spec(depots=[{"aisle": 4}]))
    assert str(by_hand.value) == str(from_dict.value) == message


def test_spec_error_points_at_the_key() -> None:
    """A SpecError knows the table and key it is about, and names the source
    once one is given."""
    with pytest.raises(SpecError) as caught:
        Layout.from_spec(pa_spec(depots=[{"aisle": 1, "setbak": 1.0}]), source="tiny.toml")
    err = caught.value
    assert (err.where, err.key, err.path) == (("depots", 0), "setbak", ("depots", 0, "setbak"))
    assert err.source == "tiny.toml" and str(err).startswith("tiny.toml: depots[0]: unknown key")
    s = graph_spec()
    s["edges"][2]["to"] = "cc"
    with pytest.raises(SpecError) as caught:
        parse_spec(s)
    assert caught.value.path == ("edges", 2, "to")


def test_graph_builder_matches_the_graph_spec() -> None:
    """The builder writes the same GraphSpec as the dict of ``graph_spec()``."""
    b = GraphBuilder("path")
    d = b.add_node(0.0, 0.0, id="d", kind="depot")
    a = b.add_node(1.0, 0.0, id="a", kind="pick")
    n_b = b.add_node(2.0, 0.0, id="b", kind="pick")
    c = b.add_node(3.0, 0.0, id="c")
    b.add_edge(d, a)
    b.add_edge(a, n_b, 1.5)
    b.add_edge(n_b, c)
    b.add_slot("S-a-L", a, side="L", level=1)
    b.add_slot("S-b-L", n_b, zone="fast", capacity=2.5, aisle=1)
    b.add_depot(d, "D1")
    assert b.spec() == parse_spec(graph_spec())
    assert b.build().version == Layout.from_spec(graph_spec()).version


def test_graph_builder_refuses_mistakes_as_they_are_made() -> None:
    """Each ``add_*`` checks its own values; references are checked by ``spec()``."""
    b = GraphBuilder()
    with raises(SpecError, "unknown node kind 'pik'", "did you mean 'pick'"):
        b.add_node(0.0, 0.0, kind="pik")
    with raises(SpecError, "'length' must be > 0, got -1.0"):
        b.add_edge(0, 1, -1.0)
    first = b.add_node(0.0, 0.0)
    b.add_edge(first, "nowhere")
    b.add_slot("S", first)
    b.add_depot(first)
    with raises(SpecError, "edges[0]: unknown node 'nowhere'"):
        b.spec()


def test_graph_parts_are_typed() -> None:
    """A GraphSpec read from a dict holds typed parts, edges keyed ``from`` in files."""
    spec = parse_spec(graph_spec())
    assert isinstance(spec, GraphSpec)
    assert isinstance(spec.nodes[0], NodeSpec) and isinstance(spec.edges[0], EdgeSpec)
    assert isinstance(spec.slots[0], SlotSpec) and isinstance(spec.depots[0], DepotSpec)
    assert spec.edges[1] == EdgeSpec(frm="a", to="b", length=1.5)
    assert spec.to_dict()["edges"][1] == {"from": "a", "to": "b", "length": 1.5}


# ---- the JSON Schema agrees with the parser ---------------------------------------------
def _schema_validator() -> Any:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    return jsonschema_rs.Draft202012Validator(json_schema())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_specs_match_the_schema(name: str) -> None:
    """Every shipped layout file is valid against the schema, inline or with refs."""
    data = read_spec(LAYOUTS / name)
    assert _schema_validator().is_valid(data)
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    assert jsonschema_rs.Draft202012Validator(json_schema(None)).is_valid(data)


def _mutations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each key of the spec and of the first item of each list, set to each bad
    value, dropped, or joined by a misspelt neighbour."""
    tables: list[tuple[str, list[Any]]] = [("", [])]
    tables += [(f"{k}[0]", [k, 0]) for k, v in spec.items() if isinstance(v, list)]
    for label, path in tables:
        table = spec
        for part in path:
            table = table[part]
        for key in list(table):
            for value in BAD_VALUES:
                changed = copy.deepcopy(spec)
                _at(changed, path)[key] = value
                yield f"{label}.{key}={value!r}"[:60], changed
            dropped = copy.deepcopy(spec)
            del _at(dropped, path)[key]
            yield f"{label} without {key}", dropped
            typo = copy.deepcopy(spec)
            _at(typo, path)[key + "s"] = table[key]
            yield f"{label}.{key}s", typo


def _at(spec: dict[str, Any], path: list[Any]) -> Any:
    for part in path:
        spec = spec[part]
    return spec


def pa_spec_back_gap() -> dict[str, Any]:
    """``pa_spec()`` with a back gap unlike the front one, so the mutations reach that key."""
    return pa_spec(back_cross_aisle_to_cell=2.5)


@pytest.mark.parametrize("base", [pa_spec, pa_spec_back_gap, graph_spec],
                         ids=["parallel-aisles", "parallel-aisles-back-gap", "graph"])  # fmt: skip
def test_what_the_schema_refuses_the_parser_refuses(base: Any) -> None:
    """For hundreds of single-key mutations of a valid spec: whenever the JSON
    Schema calls the spec invalid, the parser refuses it too (the service's
    documented schema never promises more than the parser accepts)."""
    validator = _schema_validator()
    refused = 0
    for label, spec in _mutations(base()):
        if not validator.is_valid(spec):
            refused += 1
            with pytest.raises(SpecError):
                parse_spec(spec)
                pytest.fail(f"the parser accepted {label}")
    assert refused >= 50


def test_schema_lists_the_parsers_keys() -> None:
    """Each class's schema names exactly the keys a file may use, requires the
    ones without defaults, and allows no others."""
    defs = json_schema()["$defs"]
    depot = defs["AisleDepotSpec"]
    assert list(depot["properties"]) == ["aisle", "name", "at", "offset", "setback"]
    assert depot["required"] == ["aisle"] and depot["additionalProperties"] is False
    assert defs["EdgeSpec"]["required"] == ["from", "to"]
    assert defs["ParallelAislesSpec"]["required"] == ["kind", "aisles", "cells", "cell_length",
                                                      "aisle_spacing", "cross_aisle_to_cell",
                                                      "depots"]  # fmt: skip
    assert defs["GraphSpec"]["properties"]["kind"]["const"] == "graph"

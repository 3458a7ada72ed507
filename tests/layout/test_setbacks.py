"""Different gaps in front of and behind the cells of a block
(``back_cross_aisle_to_cell``): left out it changes nothing, set it moves the
back of every block, and the spec, the schema and the errors know the key."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.distance import DistanceOracle
from optimizer.errors import LayoutError
from optimizer.layout import Layout, ParallelAislesSpec, json_schema, parse_spec
from tests.conftest import LAYOUTS, pa_spec
from tests.layout.conftest import raises

# Layout.version of the shipped files on main before the back gap existed
# (commit 68f5ab7): a spec that leaves the key out must keep its version, or
# stored jobs and uploads pinned to a version would no longer find their layout.
VERSIONS_BEFORE = {
    "fishbone.json": "a3d6788078cbc3c8",
    "multi_block_large.toml": "c9b9f1ff8a193d51",
    "single_block.toml": "61bcf1b5e8132a2d",
    "two_block.toml": "4bcbb702236afab5",
}


def two_blocks(back: float | None = 2.5) -> Layout:
    """``pa_spec()`` in two blocks: cells 1 m behind the cross-aisle in front
    of them and ``back`` m in front of the one behind (blocks 6.5 m long when
    2.5), a depot at the front of aisle 1 and one 1 m behind the back of
    aisle 3."""
    depots = [{"name": "F", "aisle": 1}, {"name": "B", "aisle": 3, "at": "back", "setback": 1.0}]
    return Layout.from_spec(pa_spec(blocks=2, back_cross_aisle_to_cell=back, depots=depots))


@pytest.mark.parametrize("name", sorted(VERSIONS_BEFORE))
def test_shipped_versions_unchanged(name: str) -> None:
    """Every shipped layout keeps the content hash it had before the key existed."""
    assert Layout.from_file(LAYOUTS / name).version == VERSIONS_BEFORE[name]


@pytest.mark.parametrize("back", [None, 1.0])
def test_back_gap_equal_to_the_front_changes_nothing(back: float | None) -> None:
    """Left out, null or equal to ``cross_aisle_to_cell``, the back gap gives
    the layout of the spec without it: same version, same geometry."""
    plain = Layout.from_spec(pa_spec(blocks=2))
    same = Layout.from_spec(pa_spec(blocks=2, back_cross_aisle_to_cell=back))
    assert same.version == plain.version
    assert same.aisles is not None and plain.aisles is not None
    assert same.aisles.back_cross_aisle_to_cell == plain.aisles.cross_aisle_to_cell == 1.0
    assert same.aisles.block_length == plain.aisles.block_length == 5.0


def test_back_gap_sets_the_block_length() -> None:
    """Blocks are front gap + cells + back gap long, all alike: cross-aisles at
    0, 6.5 and 13 m, the back depot 1 m behind the last."""
    layout = two_blocks()
    geo = layout.aisles
    assert geo is not None
    assert (geo.cross_aisle_to_cell, geo.back_cross_aisle_to_cell) == (1.0, 2.5)
    assert geo.block_length == 6.5
    assert geo.cross_y.tolist() == [0.0, 6.5, 13.0]
    assert layout.xy[layout.depot("B").node].tolist() == [6.0, 14.0]
    assert layout.extent == (6.0, 14.0)


def test_cells_sit_between_the_two_gaps() -> None:
    """In every block and aisle, cell c (1-based) is c m behind the block's
    front cross-aisle; the aisle's edges are 1 m, three 1 m cell gaps and 2.5 m
    to the cross-aisle behind; ``node_position`` measures from the front."""
    layout = two_blocks()
    geo = layout.aisles
    assert geo is not None
    graph = layout.to_networkx()
    for aisle in range(1, 4):
        for block in (1, 2):
            ys = [layout.xy[layout.slot(f"A{aisle:02d}-B{block}-{c:03d}-L-1").node, 1]
                  for c in range(1, 5)]  # fmt: skip
            assert ys == [6.5 * (block - 1) + c for c in range(1, 5)]
            chain = [int(geo.junction[aisle - 1, block - 1]), *geo.pick_node[aisle - 1, block - 1],
                     int(geo.junction[aisle - 1, block])]  # fmt: skip
            lengths = [graph[u][v]["length"] for u, v in zip(chain[:-1], chain[1:], strict=True)]
            assert lengths == [1.0, 1.0, 1.0, 1.0, 2.5]
            for c, node in enumerate(geo.pick_node[aisle - 1, block - 1].tolist()):
                assert geo.node_position[node] == (aisle - 1, block - 1, 1.0 + c)


def test_interior_cross_aisle_has_both_gaps() -> None:
    """Across the middle cross-aisle, the last cell of block 1 is 2.5 m in front
    of it and the first cell of block 2 1 m behind it: 3.5 m apart."""
    layout = two_blocks()
    oracle = DistanceOracle(layout)
    last, first = layout.nodes_of(["A02-B1-004-L-1", "A02-B2-001-L-1"]).tolist()
    geo = layout.aisles
    assert geo is not None
    middle = int(geo.junction[1, 1])
    assert oracle.matrix([last, middle, first]).tolist() == [
        [0.0, 2.5, 3.5],
        [2.5, 0.0, 1.0],
        [3.5, 1.0, 0.0],
    ]


def test_back_gap_changes_the_version() -> None:
    """A different back gap is a different warehouse."""
    versions = {two_blocks(back).version for back in (None, 2.5, 3.0)}
    assert len(versions) == 3


def test_spec_keeps_the_key() -> None:
    """The typed spec reads the key, reports the gap it stands for, writes it
    back in ``to_dict`` only when given, and round-trips."""
    given = parse_spec(pa_spec(back_cross_aisle_to_cell=2.5))
    left_out = parse_spec(pa_spec())
    assert isinstance(given, ParallelAislesSpec) and isinstance(left_out, ParallelAislesSpec)
    assert (given.back_to_cell, given.block_length) == (2.5, 6.5)
    assert (left_out.back_cross_aisle_to_cell, left_out.back_to_cell) == (None, 1.0)
    assert given.to_dict()["back_cross_aisle_to_cell"] == 2.5
    assert "back_cross_aisle_to_cell" not in left_out.to_dict()
    assert parse_spec(given.to_dict()) == given


@pytest.mark.parametrize("value", [0, 0.0, -1.5, float("nan"), "2", True])
def test_bad_back_gap_is_named(value: object) -> None:
    """A back gap that is not a positive finite number is refused by name."""
    with raises(LayoutError, "tiny.toml", "'back_cross_aisle_to_cell' must be"):
        Layout.from_spec(pa_spec(back_cross_aisle_to_cell=value), source="tiny.toml")


def test_misspelt_back_gap_suggests_the_key() -> None:
    """A near miss of the new key is answered with it."""
    with raises(
        LayoutError, "'back_cross_aisle_to_cel'", "did you mean 'back_cross_aisle_to_cell'"
    ):
        Layout.from_spec(pa_spec(back_cross_aisle_to_cel=2.0))


def test_schema_documents_the_key() -> None:
    """The JSON Schema (and so the service's OpenAPI) lists the key as an
    optional positive length or null, and accepts a spec that sets it."""
    prop = json_schema()["$defs"]["ParallelAislesSpec"]["properties"]["back_cross_aisle_to_cell"]
    assert prop["default"] is None
    assert {"type": "null"} in prop["anyOf"]
    assert {"type": "number", "exclusiveMinimum": 0.0, "maximum": 1e6} in prop["anyOf"]
    assert (
        "back_cross_aisle_to_cell" not in json_schema()["$defs"]["ParallelAislesSpec"]["required"]
    )
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    validator = jsonschema_rs.Draft202012Validator(json_schema(None))
    assert validator.is_valid(pa_spec(back_cross_aisle_to_cell=2.5))
    assert not validator.is_valid(pa_spec(back_cross_aisle_to_cell=0))


def test_pick_nodes_stay_in_cell_order() -> None:
    """However far the back gap, cells keep their order along the aisle and
    the back cross-aisle stays behind the last cell."""
    for back in (0.1, 1.0, 40.0):
        geo = two_blocks(back).aisles
        assert geo is not None
        ys = np.array([geo.node_position[int(n)][2] for n in geo.pick_node[0, 0]])
        assert (np.diff(ys) > 0).all() and ys[-1] + back == pytest.approx(geo.block_length)

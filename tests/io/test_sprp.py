"""Reading Hessler & Irnich single-picker routing (SPRP) files: the public
instance reproduces its published optimum, different distances to the top and
bottom cross-aisle build a warehouse routed to the optimum, and malformed
files are reported with file and line."""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from optimizer.distance import DistanceOracle
from optimizer.errors import LayoutError
from optimizer.io import read_sprp
from optimizer.layout import Layout
from optimizer.routing import route
from tests import naive
from tests.conftest import benchmark_file

INSTANCE = "hessler-irnich/SPRP/unit_F1_m5_C30_a7_12.txt"

# A made-up instance in the same format (not a copy of the public files):
# 3 aisles of 10 cells, depot 1 m in front of aisle 0, two picks.
TINY = """\
NAME : tiny.txt
TYPE : Single_picker_routing
LAYOUT : single-block
NUM_AISLES : 3
NUM_CELLS : 10
DEPOT_AISLE : 0
DEPOT_LOCATION : bottom
DISTANCE_AISLE_TO_AISLE : 4
DISTANCE_CELL_TO_CELL : 1
DISTANCE_TOP_TO_CELL : 2
DISTANCE_BOTTOM_TO_CELL : 2
DISTANCE_TOP_OR_BOTTOM_TO_DEPOT : 1
ARTICLE_SECTION
NUM_ARTICLES : 2
ID 0
ID 1
SKU_SECTION
NUM_SKUS : 2
ID 0 AISLE 2 CELL 0 QUANTITY 1 LEFT_RIGHT_HAND_SIDE right
ID 1 AISLE 1 CELL 9 QUANTITY 1 LEFT_RIGHT_HAND_SIDE left
ORDER_SECTION
NUM_ARTICLES : 2
ID 1 QUANTITY 1
ID 0 QUANTITY 1
EOF
"""


def tiny(tmp_path: Path, line: int | None = None, text: str = "") -> Path:
    """Write TINY, with line ``line`` (1-based) replaced by ``text``."""
    lines = TINY.splitlines()
    if line is not None:
        lines[line - 1] = text
    path = tmp_path / "tiny.txt"
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


def optimum_by_brute_force(layout: Layout, picks: list[str]) -> float:
    """Shortest depot -> all picks -> depot tour over every visiting order."""
    nodes = [layout.depots[0].node, *layout.nodes_of(picks).tolist()]
    d = DistanceOracle(layout).matrix(nodes)
    perms = np.array(list(itertools.permutations(range(1, len(nodes)))))
    legs = d[perms[:, :-1], perms[:, 1:]].sum(axis=1)
    return float((d[0, perms[:, 0]] + legs + d[perms[:, -1], 0]).min())


def german_number(text: str) -> float:
    """A number of results_SPRP.csv: '.' separates thousands, ',' decimals
    (``"1.068"`` is 1068, ``"4,2607"`` is 4.2607; see the benchmarks README)."""
    return float(text.replace(".", "").replace(",", "."))


def published_optimum(aisles: int, cells: int, articles: int, seed: int) -> float:
    """The "DP cost" of the matching row of results_SPRP.csv."""
    path = benchmark_file("results/results_SPRP.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [
            r
            for r in csv.DictReader(fh, delimiter=";")
            if (
                int(r["num aisles"]),
                int(r["num cells"]),
                int(r["num articles"]),
                int(r["random seed"]),
            )
            == (aisles, cells, articles, seed)
        ]
    assert len(rows) == 1, rows
    return german_number(rows[0]["DP cost"])


# ---- the public instance ------------------------------------------------------


def test_public_instance_geometry() -> None:
    """The layout matches the header: 5 aisles 3 m apart, 30 cells of 1 m,
    1 m from each cross-aisle to the nearest cell, one block, and the depot
    on the front (bottom) cross-aisle at aisle index 3 (0-based)."""
    layout, picks = read_sprp(benchmark_file(INSTANCE))
    geo = layout.aisles
    assert geo is not None
    assert (geo.n_aisles, geo.n_blocks, geo.cells) == (5, 1, 30)
    np.testing.assert_array_equal(np.diff(geo.aisle_x), 3.0)
    assert (geo.cell_length, geo.cross_aisle_to_cell) == (1.0, 1.0)
    assert geo.block_length == 2 * 1.0 + 29 * 1.0
    (placement,) = geo.depots
    assert (placement.x, placement.cross_aisle, placement.setback) == (geo.aisle_x[3], 0, 0.0)
    assert layout.depots[0].node == geo.junction[3, 0]
    assert len(layout.slots) == 5 * 30 * 2
    assert len(picks) == 7 and len(set(picks)) == 7


def test_public_instance_picks() -> None:
    """Picks follow ORDER_SECTION, each at its SKU's location: aisle index +1,
    cells counted from the top turned into cells from the front."""
    layout, picks = read_sprp(benchmark_file(INSTANCE))
    assert picks == [
        "A02-B1-024-L-1",  # ID 0: AISLE 1 CELL 6
        "A01-B1-019-L-1",  # ID 1: AISLE 0 CELL 11
        "A01-B1-012-L-1",  # ID 2: AISLE 0 CELL 18
        "A02-B1-030-L-1",  # ID 3: AISLE 1 CELL 0, the cell nearest the back
        "A03-B1-013-L-1",  # ID 4: AISLE 2 CELL 17
        "A03-B1-009-L-1",  # ID 5: AISLE 2 CELL 21
        "A03-B1-018-L-1",  # ID 6: AISLE 2 CELL 12
    ]
    top = layout.slot("A02-B1-030-L-1").node
    assert layout.xy[top, 1] == layout.extent[1] - 1.0  # 1 m below the back cross-aisle


def test_public_instance_optimum() -> None:
    """Brute force over all 5,040 visiting orders of the oracle's matrix gives
    94, the published optimum (results_SPRP.csv, 5 aisles, 30 cells, 7
    articles, seed 12)."""
    layout, picks = read_sprp(benchmark_file(INSTANCE))
    expected = published_optimum(5, 30, 7, 12)
    assert expected == 94
    assert optimum_by_brute_force(layout, picks) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(("text", "number"), [("94", 94), ("1.068", 1068), ("4,2607", 4.2607),
                                              ("12.345,5", 12345.5)])  # fmt: skip
def test_results_numbers_are_german(text: str, number: float) -> None:
    """Thousands '.' and decimal ',' of results_SPRP.csv read as the README says."""
    assert german_number(text) == number


def test_published_optimum_over_a_thousand() -> None:
    """An instance whose optimum is written "1.068" (10 aisles, 180 cells, 15
    articles, seed 0): the exact route of the file read equals 1068 m, so the
    published figure is read right and the reader builds the right warehouse."""
    path = benchmark_file("sprp-ss/instances/unit_F1_m10_C180_a15_0.txt")
    layout, picks = read_sprp(path)
    expected = published_optimum(10, 180, 15, 0)
    assert expected == 1068
    assert route(layout, picks, method="exact").distance == pytest.approx(expected, abs=1e-6)


# ---- different distances to the top and bottom cross-aisle -----------------------
# The locations (AISLE, CELL counted from the top) of the articles of INSTANCE,
# as its SKU_SECTION lists them: the input of the independent reference below.
INSTANCE_LOCATIONS = [(1, 6), (0, 11), (0, 18), (1, 0), (2, 17), (2, 21), (2, 12)]


def with_setbacks(tmp_path: Path, top: float, bottom: float) -> Path:
    """A copy of INSTANCE whose DISTANCE_TOP_TO_CELL and DISTANCE_BOTTOM_TO_CELL
    are ``top`` and ``bottom``."""
    text = benchmark_file(INSTANCE).read_bytes().decode("latin-1")
    for key, value in (("TOP", top), ("BOTTOM", bottom)):
        line = f"DISTANCE_{key}_TO_CELL"
        text, n = re.subn(rf"(?m)^{line} : 1$", f"{line} : {value}", text)
        assert n == 1, f"INSTANCE has no '{line} : 1' line"
    path = tmp_path / f"setbacks_{top}_{bottom}.txt"
    path.write_bytes(text.encode("latin-1"))
    return path


def header_optimum(top: float, bottom: float) -> float:
    """The optimal tour of INSTANCE with these distances, by Held-Karp on a
    graph built here from the header alone (5 aisles 3 m apart, 30 cells 1 m
    apart counted from the top, depot at the bottom of aisle 3), not from
    the reader's layout."""
    g = nx.Graph()
    for i in range(5):
        chain = [("top", i), *(("cell", i, c) for c in range(30)), ("bottom", i)]
        lengths = [top] + [1.0] * 29 + [bottom]
        g.add_weighted_edges_from(zip(chain[:-1], chain[1:], lengths, strict=True))
        if i:
            g.add_edge(("top", i - 1), ("top", i), weight=3.0)
            g.add_edge(("bottom", i - 1), ("bottom", i), weight=3.0)
    points = [("bottom", 3), *(("cell", i, c) for i, c in INSTANCE_LOCATIONS)]
    dist = dict(nx.all_pairs_dijkstra_path_length(g))
    D = np.array([[dist[u][v] for v in points] for u in points])
    return naive.held_karp(D)[0]


def test_equal_distances_keep_the_layout_version() -> None:
    """With equal top and bottom distances the reader builds the layout it
    built when it refused unequal ones (its content hash on main at 68f5ab7),
    so plans stored against that version still find it."""
    layout, _ = read_sprp(benchmark_file(INSTANCE))
    assert layout.version == "a494f764f3b560a0"


@pytest.mark.parametrize(("top", "bottom"), [(2.5, 0.5), (0.5, 2.5), (4, 1), (1, 7.25)])
def test_unequal_top_and_bottom(tmp_path: Path, top: float, bottom: float) -> None:
    """A file whose top and bottom cells sit at different distances from their
    cross-aisles reads as a layout with those setbacks: the bottom one in front
    of every aisle, the top one behind it. Its exact route is the Held-Karp
    optimum on the oracle's matrix and on a graph built from the header alone,
    and differs from the published optimum of the file with both at 1 m."""
    layout, picks = read_sprp(with_setbacks(tmp_path, top, bottom))
    geo = layout.aisles
    assert geo is not None
    assert (geo.cross_aisle_to_cell, geo.back_cross_aisle_to_cell) == (bottom, top)
    assert geo.block_length == pytest.approx(bottom + 29 * 1.0 + top)
    front_cell, top_cell = layout.slot("A02-B1-001-L-1").node, layout.slot("A02-B1-030-L-1").node
    assert layout.xy[front_cell, 1] - geo.cross_y[0] == pytest.approx(bottom)
    assert geo.cross_y[1] - layout.xy[top_cell, 1] == pytest.approx(top)

    nodes = [layout.depots[0].node, *layout.nodes_of(picks).tolist()]
    reference = naive.held_karp(DistanceOracle(layout).matrix(nodes))[0]
    assert reference == pytest.approx(header_optimum(top, bottom), abs=1e-9)
    assert route(layout, picks, method="exact").distance == pytest.approx(reference, abs=1e-9)
    assert reference != pytest.approx(94)


# ---- a made-up instance ------------------------------------------------------


def test_tiny_instance(tmp_path: Path) -> None:
    """The synthetic file reads as written: 3 aisles 4 m apart, 2 m cell
    margins, depot set back 1 m in front of aisle 1, picks in order, and the
    hand-computed optimal tour of 44 m: 1 m to the cross-aisle, 4 m to
    aisle 2, 2 m in and out, 4 m to aisle 3, 11 m in and out, 8 m and 1 m
    back."""
    layout, picks = read_sprp(tiny(tmp_path))
    assert layout.name == "tiny"
    assert picks == ["A02-B1-001-L-1", "A03-B1-010-R-1"]
    geo = layout.aisles
    assert geo is not None
    assert (geo.n_aisles, geo.cells, geo.block_length) == (3, 10, 2 * 2 + 9 * 1.0)
    assert tuple(layout.xy[layout.depots[0].node]) == (0.0, -1.0)
    assert optimum_by_brute_force(layout, picks) == pytest.approx(
        1 + 4 + 2 * 2 + 4 + 2 * 11 + 8 + 1
    )


def test_depot_at_top(tmp_path: Path) -> None:
    """DEPOT_LOCATION top puts the depot on the back cross-aisle."""
    layout, _ = read_sprp(tiny(tmp_path, 7, "DEPOT_LOCATION : top"))
    assert tuple(layout.xy[layout.depots[0].node]) == (0.0, 13.0 + 1.0)


def test_tiny_instance_closer_bottom(tmp_path: Path) -> None:
    """With the bottom cells 0.5 m from their cross-aisle (the top ones still
    2 m) an aisle is 0.5 + 9 + 2 m long, and the hand-computed optimal tour is
    38 m: 1 m to the cross-aisle, 4 m to aisle 2, 0.5 m in and out, 4 m to
    aisle 3, 9.5 m in and out, 8 m and 1 m back."""
    layout, picks = read_sprp(tiny(tmp_path, 11, "DISTANCE_BOTTOM_TO_CELL : 0.5"))
    geo = layout.aisles
    assert geo is not None
    assert geo.block_length == 0.5 + 9 * 1.0 + 2
    assert optimum_by_brute_force(layout, picks) == pytest.approx(
        1 + 4 + 2 * 0.5 + 4 + 2 * 9.5 + 8 + 1
    )


def test_depot_at_top_farther_top(tmp_path: Path) -> None:
    """With the top cells 3 m from their cross-aisle, a depot at the top is
    set back 1 m behind an aisle 2 + 9 + 3 m long."""
    path = tiny(tmp_path, 7, "DEPOT_LOCATION : top")
    text = path.read_text(encoding="latin-1")
    path.write_text(text.replace("TOP_TO_CELL : 2", "TOP_TO_CELL : 3"), encoding="latin-1")
    layout, _ = read_sprp(path)
    assert tuple(layout.xy[layout.depots[0].node]) == (0.0, 2 + 9 + 3 + 1.0)


# ---- malformed files -----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "text", "message"),
    [
        (5, "NUM_CELLS 10", "expected 'KEY : value'"),
        (19, "ID 0 AISLE two CELL 0 QUANTITY 1 LEFT_RIGHT_HAND_SIDE right", "malformed SKU line"),
        (19, "ID 0 AISLE 7 CELL 0 QUANTITY 1 LEFT_RIGHT_HAND_SIDE right", "aisle 7, cell 0"),
        (19, "ID 0 AISLE 2 CELL 10 QUANTITY 1 LEFT_RIGHT_HAND_SIDE right", "outside the layout"),
        (19, "ID 0 AISLE 2 CELL 0 QUANTITY 1 LEFT_RIGHT_HAND_SIDE middle", "side 'middle'"),
        (20, "AISLE 1 CELL 9 QUANTITY 1", "malformed SKU line"),
        (23, "QUANTITY 1", "malformed order line"),
        (24, "ID", "malformed order line"),
        (24, "ID 7 QUANTITY 1", "article 7 has no storage location"),
    ],
)
def test_malformed_line(tmp_path: Path, line: int, text: str, message: str) -> None:
    """A bad line is reported as ``file:line`` with what is wrong."""
    path = tiny(tmp_path, line, text)
    where = re.escape(f"{path}:{line}: ")
    with pytest.raises(LayoutError, match=rf"^{where}.*{re.escape(message)}"):
        read_sprp(path)


@pytest.mark.parametrize(
    ("line", "text", "message"),
    [
        (4, "NUM_AISLES : three", "NUM_AISLES = 'three' is not a int"),
        (4, "NUM_ISLES : 3", "header has no 'NUM_AISLES'"),
        (10, "DISTANCE_TOP_TO_CELL : 0", "'back_cross_aisle_to_cell' must be > 0"),
        (11, "DISTANCE_BOTTOM_TO_CELL : -2", "'cross_aisle_to_cell' must be > 0"),
        (7, "DEPOT_LOCATION : left", "DEPOT_LOCATION 'left'"),
        (3, "LAYOUT : multi-block", "LAYOUT 'multi-block' is not supported"),
        (4, "NUM_AISLES : 0", "'aisles' must be >= 1"),
        (6, "DEPOT_AISLE : 5", "'aisle' is 6 but the layout has 3 aisles"),
        (9, "DISTANCE_CELL_TO_CELL : -1", "'cell_length' must be > 0"),
    ],
)
def test_malformed_header(tmp_path: Path, line: int, text: str, message: str) -> None:
    """A bad or missing header value is reported with the file and the key."""
    path = tiny(tmp_path, line, text)
    with pytest.raises(LayoutError, match=rf"^{re.escape(str(path))}: .*{re.escape(message)}"):
        read_sprp(path)


def test_empty_order(tmp_path: Path) -> None:
    """A file whose ORDER_SECTION lists nothing is refused, naming the file."""
    path = tmp_path / "empty.txt"
    path.write_text(TINY.split("ORDER_SECTION")[0] + "ORDER_SECTION\nEOF\n", encoding="latin-1")
    with pytest.raises(
        LayoutError, match=rf"^{re.escape(str(path))}: ORDER_SECTION lists no articles"
    ):
        read_sprp(path)


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is named."""
    with pytest.raises(LayoutError, match="nowhere.txt: no such file"):
        read_sprp(tmp_path / "nowhere.txt")

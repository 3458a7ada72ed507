"""Reading the legacy OBP files: the public Henn & Wäscher and Albareda-Sambola
instances read with the counts, capacities and geometry their names and
headers state, and every malformed input is reported with its file and line."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from optimizer.batching.carts import Cart
from optimizer.errors import CapacityError, LayoutError
from optimizer.io import (
    read_albareda,
    read_henn,
    read_hessler_irnich_batching,
    read_orders,
    write_orders,
)
from optimizer.layout import Layout
from optimizer.orders import OrderError
from tests.conftest import benchmark_file
from tests.io.conftest import raises_at, replace_line, write

HENN = "obp/W5A_Henn"
ALBAREDA = "obp/W1-W2-W3-W4_Albareda"
HI_HENN = "hessler-irnich/HennWaescherUniform/1l-20-30-0.txt"


def depot_distances(layout: Layout) -> dict[int, float]:
    """Walking distance from the depot to every node (networkx, not the oracle)."""
    graph = layout.to_networkx()
    return dict(
        nx.single_source_dijkstra_path_length(graph, layout.depots[0].node, weight="length")
    )


# ==== Henn & Wäscher (OBP legacy files) ================================================


def henn_pairs() -> list[tuple[Path, Path, int, int]]:
    """(order file, setting file, orders, capacity) of every public Henn instance."""
    folder = benchmark_file(HENN)
    pairs = []
    for order_file in sorted(folder.glob("*/*-*-*-*.txt")):
        setting, n_orders, capacity, _ = order_file.stem.split("-")
        number = re.match(r"\d+", setting)
        assert number is not None
        pairs.append(
            (order_file, order_file.parent / f"sett{number[0]}.txt", int(n_orders), int(capacity))
        )
    return pairs


def test_henn_every_instance_counts() -> None:
    """All 64 instances: as many orders as the file name says, capacity from
    the name, each order as many article units as its header announces, and
    every SKU a bin of the layout."""
    pairs = henn_pairs()
    assert len(pairs) == 64
    for order_file, setting_file, n_orders, capacity in pairs:
        layout, slotting, orders, cart = read_henn(order_file, setting_file)
        text = order_file.read_text(encoding="latin-1")
        announced = [int(k) for k in re.findall(r"number of articles (\d+)", text)]
        assert len(orders) == n_orders == len(announced), order_file
        assert cart == Cart(max_items=capacity)
        assert [o.items for o in orders] == announced
        assert sum(o.items for o in orders) == text.count("Aisle")
        assert [o.id for o in orders] == [str(k) for k in range(n_orders)]
        slotting.check(layout)
        assert all(line.sku == slotting.bin_of(line.sku) for o in orders for line in o.lines)


def test_henn_geometry_is_the_standard_warehouse(single_block: Layout) -> None:
    """Aisle spacing 2 * 1.5 + 2 = 5, 45 cells of 1, 1 + 0.5 = 1.5 from the
    cross-aisle to the first cell, depot at the front of the leftmost aisle:
    the very layout of layouts/single_block.toml."""
    pairs = henn_pairs()
    layout, _, _, _ = read_henn(*pairs[0][:2])
    geo = layout.aisles
    assert geo is not None
    assert (geo.n_aisles, geo.n_blocks, geo.cells) == (10, 1, 45)
    np.testing.assert_array_equal(np.diff(geo.aisle_x), 5.0)
    assert (geo.cell_length, geo.cross_aisle_to_cell, geo.block_length) == (1.0, 1.5, 47.0)
    assert geo.depots[0].x == 0.0 and geo.depots[0].setback == 0.0
    assert layout.depots[0].node == geo.junction[0, 0]
    assert layout.version == single_block.version


def test_henn_literal_setback() -> None:
    """depot_setback=1.0 (the literal reading of dis_ais_wa) puts the depot
    1 in front of the cross-aisle: 2.5 to the first cell instead of 1.5."""
    order_file, setting_file, _, _ = henn_pairs()[0]
    layout, _, _, _ = read_henn(order_file, setting_file, depot_setback=1.0)
    first = layout.slot("A01-B1-001-L-1").node
    assert depot_distances(layout)[first] == pytest.approx(2.5)


def test_henn_matches_hessler_irnich_version() -> None:
    """The Hessler-Irnich file of the same setting describes the same layout."""
    hi_layout, _, _, _ = read_hessler_irnich_batching(benchmark_file(HI_HENN))
    layout, _, _, _ = read_henn(*henn_pairs()[0][:2])
    assert layout.version == hi_layout.version


def test_henn_aisle_numbering() -> None:
    """``Aisle a`` is real aisle ``a // 2``, side ``a % 2``; ``Location l`` is
    cell ``l + 1`` from the front (first lines of abc1/29s-40-30-0.txt)."""
    folder = benchmark_file(HENN)
    _, _, orders, _ = read_henn(folder / "abc1/29s-40-30-0.txt", folder / "abc1/sett29.txt")
    assert [line.sku for line in orders[0].lines[:2]] == [
        "A01-B1-003-R-1",  # Aisle 1 Location 2
        "A01-B1-003-L-1",  # Aisle 0 Location 2
    ]
    assert orders[1].lines[0].sku == "A06-B1-023-L-1"  # Aisle 10 Location 22


def test_henn_abc_class_a_share() -> None:
    """Under ABC storage the aisle nearest the depot (file aisles 0 and 1)
    takes about the 52 % of the picks the setting files give class A; the
    same files under random storage spread picks evenly. This pins the
    ``a // 2`` reading of the aisle numbers."""
    share = {}
    for storage in ("abc1", "ran1"):
        picks = aisle1 = 0
        for order_file, setting_file, _, _ in henn_pairs():
            if order_file.parent.name != storage:
                continue
            _, _, orders, _ = read_henn(order_file, setting_file)
            for o in orders:
                picks += len(o.lines)
                aisle1 += sum(line.sku.startswith("A01-") for line in o.lines)
        share[storage] = aisle1 / picks
    assert share["abc1"] == pytest.approx(0.52, abs=0.02)
    assert share["ran1"] == pytest.approx(0.10, abs=0.02)


# ---- made-up files in the Henn format ----------------------------------------------------

SETTING = """\
no_aisles_: 2
no_cells__: 5
opgrade___: 1
cell_lengt: 1
cell_width: 1.5
aisle_widt: 2
dis_ais_wa: 1
routing___: s
no_orders_: 2
m_no_a_p_b: 10
11,22,33,
"""

HENN_ORDERS = """\
Order 0\tnumber of articles 2
0\tAisle 3\tLocation 4
1\tAisle 0\tLocation 0
Order 1\tnumber of articles 2
0\tAisle 1\tLocation 2
1\tAisle 1\tLocation 2
"""


def henn_files(
    tmp_path: Path, orders: str = HENN_ORDERS, setting: str = SETTING
) -> tuple[Path, Path]:
    return write(tmp_path, "1s-2-10-0.txt", orders), write(tmp_path, "sett1.txt", setting)


def test_henn_tiny(tmp_path: Path) -> None:
    """A made-up pair reads as written: codes from aisle // 2, side and
    location, the repeated article of order 1 one line of two units, the
    capacity, and the walk depot -> A01 cell 1 = 1.5."""
    layout, slotting, orders, cart = read_henn(*henn_files(tmp_path))
    assert [(o.id, [(ln.sku, ln.qty) for ln in o.lines]) for o in orders] == [
        ("0", [("A02-B1-005-R-1", 1), ("A01-B1-001-L-1", 1)]),
        ("1", [("A01-B1-003-R-1", 2)]),
    ]
    assert cart == Cart(max_items=10)
    assert sorted(slotting) == ["A01-B1-001-L-1", "A01-B1-003-R-1", "A02-B1-005-R-1"]
    assert depot_distances(layout)[layout.slot("A01-B1-001-L-1").node] == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("line", "text", "message"),
    [
        (1, "Order 0 number of articles", "expected 'Order <n> number of articles <k>'"),
        (2, "0\tAisle 4\tLocation 4", "order 0: Aisle 4 is outside 0..3"),
        (2, "0\tAisle 3\tLocation 5", "order 0: Location 5 is outside 0..4"),
        (2, "0\tAisle three\tLocation 5", "expected 'Order <n> number of articles <k>'"),
        (4, "Order 0\tnumber of articles 2", "order 0 is listed twice (first at line 1)"),
    ],
)
def test_henn_malformed_order_line(tmp_path: Path, line: int, text: str, message: str) -> None:
    """A bad order line is reported as ``file:line`` with the order."""
    order_file, setting_file = henn_files(tmp_path, replace_line(HENN_ORDERS, line, text))
    with raises_at(OrderError, order_file, line, message):
        read_henn(order_file, setting_file)


def test_henn_count_mismatch(tmp_path: Path) -> None:
    """An order with fewer or more articles than announced is named at its header line."""
    fewer = HENN_ORDERS.replace("Order 1\tnumber of articles 2", "Order 1\tnumber of articles 3")
    order_file, setting_file = henn_files(tmp_path, fewer)
    with raises_at(OrderError, order_file, 4, "order 1 announces 3 articles but lists 2"):
        read_henn(order_file, setting_file)
    more = HENN_ORDERS.replace("Order 0\tnumber of articles 2", "Order 0\tnumber of articles 1")
    order_file, setting_file = henn_files(tmp_path, more)
    with raises_at(OrderError, order_file, 3, "order 0 announces 1 articles (line 1)"):
        read_henn(order_file, setting_file)


@pytest.mark.parametrize(
    ("line", "text", "error", "message"),
    [
        (2, "no_cels___: 5", LayoutError, "no 'no_cells' line (did you mean 'no_cels'?)"),
        (6, "aisle_widt: wide", LayoutError, "aisle_widt = 'wide' is not a number"),
        (2, "no_cells__: 4.5", LayoutError, "no_cells must be a whole number"),
        (10, "m_no_a_p_b: 7.5", CapacityError, "must be a positive whole number, got 7.5"),
        (10, "m_no_a_p_b: 0", CapacityError, "must be a positive whole number, got 0"),
    ],
)
def test_henn_malformed_setting(
    tmp_path: Path, line: int, text: str, error: type[Exception], message: str
) -> None:
    """A bad or missing setting value names the setting file (and line)."""
    order_file, setting_file = henn_files(tmp_path, setting=replace_line(SETTING, line, text))
    where = rf"^{re.escape(str(setting_file))}(:\d+)?: "
    with pytest.raises(error, match=where + ".*" + re.escape(message)):
        read_henn(order_file, setting_file)


def test_henn_mismatched_files(tmp_path: Path) -> None:
    """An order file paired with a setting of another order count is refused."""
    order_file, setting_file = henn_files(
        tmp_path, setting=SETTING.replace("no_orders_: 2", "no_orders_: 40")
    )
    with raises_at(OrderError, order_file, None, "2 orders, but"):
        read_henn(order_file, setting_file)


def test_henn_missing_files(tmp_path: Path) -> None:
    """Missing files are named."""
    order_file, setting_file = henn_files(tmp_path)
    with pytest.raises(LayoutError, match="nowhere.txt: no such file"):
        read_henn(order_file, tmp_path / "nowhere.txt")
    with pytest.raises(OrderError, match="nowhere.txt: no such file"):
        read_henn(tmp_path / "nowhere.txt", setting_file)


# ==== Albareda-Sambola et al. W1-W4 ========================================================

# warehouse -> (aisles, cells per side, aisle spacing, full aisle length, capacity, kind)
W = {
    1: (4, 30, 7.166667, 86.916667, 12.0, "parallel-aisles"),
    2: (10, 20, 4.0, 18.666667, 24.0, "parallel-aisles"),
    3: (25, 25, 4.5, 66.125, 150.0, "graph"),
    4: (12, 16, 15.0, 87.5, 80.0, "parallel-aisles"),
}


def albareda_pairs() -> list[tuple[int, int, Path, Path]]:
    """(warehouse, orders, layout file, order file) of every public instance."""
    folder = benchmark_file(ALBAREDA)
    pairs = []
    for layout_file in sorted(folder.glob("W*/*/wsrp_input_layout_*.txt")):
        order_file = layout_file.with_name(layout_file.name.replace("layout", "pedido"))
        pairs.append(
            (int(layout_file.parts[-3][1:]), int(layout_file.parent.name), layout_file, order_file)
        )
    return pairs


def parse_albareda_orders(path: Path) -> list[tuple[float, list[list[str]]]]:
    """(due, item rows) per order, straight from the file."""
    lines = path.read_text(encoding="latin-1").splitlines()[3:]
    out: list[tuple[float, list[list[str]]]] = []
    for raw in lines:
        tok = raw.split()
        if len(tok) == 2:
            out.append((float(tok[0]), []))
        elif len(tok) == 5:
            out[-1][1].append(tok)
    return out


def test_albareda_every_instance_counts() -> None:
    """All 80 instances: the folder's order count, each order's items with
    their ids and weights in file order, due dates from the file, a weight
    capacity from line 12, and every slot of the warehouse in the layout."""
    pairs = albareda_pairs()
    assert len(pairs) == 80
    for w, n_orders, layout_file, order_file in pairs:
        layout, slotting, orders, cart = read_albareda(layout_file, order_file)
        aisles, cells, _, _, capacity, kind = W[w]
        expected = parse_albareda_orders(order_file)
        assert len(orders) == n_orders == len(expected), order_file
        assert cart == Cart(max_weight=capacity)
        assert layout.kind == kind and len(layout.slots) == aisles * cells * 2
        for order, (due, rows) in zip(orders, expected, strict=True):
            assert order.due == due
            assert [(ln.sku, ln.qty, ln.unit_weight) for ln in order.lines] == [
                (r[4], 1, float(r[3])) for r in rows
            ]
        slotting.check(layout)


@pytest.mark.parametrize("w", [1, 2, 3, 4])
def test_albareda_geometry(w: int) -> None:
    """Aisles as far apart as the layout file says, the aisle as long as the
    line-8 length, the depot bottom left (instances 000/030) or bottom centre
    (060/090), and every ordered item at ``|x - depot| + aisle width / 2 +
    position`` from the depot."""
    aisles, cells, spacing, length, _, _ = W[w]
    for _, _, layout_file, order_file in albareda_pairs():
        if layout_file.parts[-3] != f"W{w}" or layout_file.parent.name != "100":
            continue
        layout, slotting, orders, _ = read_albareda(layout_file, order_file)
        text = layout_file.read_text(encoding="latin-1").splitlines()
        aisle_width = float(text[9])
        to_depot = {int(t.split()[0]): float(t.split()[1]) for t in text[17 : 17 + aisles]}
        assert layout.extent == pytest.approx(((aisles - 1) * spacing, length), abs=1e-5)
        depot_x = layout.xy[layout.depots[0].node, 0]
        centre = layout_file.stem.endswith(("060", "090"))
        assert depot_x == pytest.approx(layout.extent[0] / 2 if centre else 0.0, abs=1e-5)
        dist = depot_distances(layout)
        for _, rows in parse_albareda_orders(order_file):
            for aisle, _, position, _, item in rows:
                node = layout.slot(slotting.bin_of(item)).node
                expected = to_depot[int(aisle)] + aisle_width / 2 + float(position)
                assert dist[node] == pytest.approx(expected, abs=1e-5)


def test_albareda_w3_grid_off_centre() -> None:
    """W3's cells sit 0.1 off the centre of the aisle: "auto" keeps the
    exact positions in a graph layout; a forced parallel-aisles layout keeps
    the front distances and is 0.2 shorter."""
    _, _, layout_file, order_file = next(p for p in albareda_pairs() if p[0] == 3)
    graph, slotting, _, _ = read_albareda(layout_file, order_file)
    forced, slotting2, _, _ = read_albareda(layout_file, order_file, geometry="parallel-aisles")
    assert graph.kind == "graph" and forced.kind == "parallel-aisles"
    assert slotting.bins == slotting2.bins
    assert forced.aisles is not None
    assert forced.aisles.block_length == pytest.approx(66.125 - 0.2)
    assert forced.aisles.cross_aisle_to_cell == pytest.approx(2.25 / 2 + 1.1775)


def test_albareda_forced_graph_same_distances() -> None:
    """geometry="graph" on W1 gives the same depot distances as the parallel layout."""
    _, _, layout_file, order_file = albareda_pairs()[0]
    parallel, slotting, _, _ = read_albareda(layout_file, order_file)
    graph, _, _, _ = read_albareda(layout_file, order_file, geometry="graph")
    dp, dg = depot_distances(parallel), depot_distances(graph)
    for code in slotting.bins.values():
        assert dg[graph.slot(code).node] == pytest.approx(dp[parallel.slot(code).node], abs=1e-6)


# ---- made-up files in the Albareda format -------------------------------------------------

ALB_LAYOUT = """\
 Numero de pasillos e items
 2 12
 Colocacion  mesa
 1
 Localizacion pedidos
 0
 largo y ancho de las estanterias
 8.000000 2.000000
 ancho de los pasillos
 2.000000
 Capacidad de cada trabajador
 5.000000
 Tiempo de picking
 0.000000
 Tiempo de giro (fuera y dentro)
 0.000000 0.000000
 pasillo, distancia al origen: derecho, izquierdo,lado al que esta
 0 2.000000 2.000000 -1
 1 2.000000 2.000000 1
 9999
"""

ALB_ORDERS = """\
 Numero de pedidos
 2
 duedate num_referencias // pasillo lado altura peso
 100.5 2
 0 0 1.000000 1.000000 7
 1 1 5.000000 2.500000 3
 200.0 1
 1 1 5.000000 2.500000 3
"""


def albareda_files(
    tmp_path: Path, layout: str = ALB_LAYOUT, orders: str = ALB_ORDERS
) -> tuple[Path, Path]:
    return write(tmp_path, "layout.txt", layout), write(tmp_path, "orders.txt", orders)


def test_albareda_tiny(tmp_path: Path) -> None:
    """Two aisles 4 apart, 3 cells of 2 per side (12 items), the depot
    halfway between them: item 7 is 2 + 1 + 1 = 4 from it, item 3
    2 + 1 + 5 = 8; due dates and weights as written, weight capacity 5."""
    layout, slotting, orders, cart = read_albareda(*albareda_files(tmp_path))
    assert layout.kind == "parallel-aisles"
    assert slotting.bins == {"7": "A01-B1-001-L-1", "3": "A02-B1-003-R-1"}
    assert [(o.id, o.due, [(ln.sku, ln.unit_weight) for ln in o.lines]) for o in orders] == [
        ("0", 100.5, [("7", 1.0), ("3", 2.5)]),
        ("1", 200.0, [("3", 2.5)]),
    ]
    assert cart == Cart(max_weight=5.0)
    dist = depot_distances(layout)
    assert dist[layout.slot("A01-B1-001-L-1").node] == pytest.approx(4.0)
    assert dist[layout.slot("A02-B1-003-R-1").node] == pytest.approx(8.0)
    _, _, scaled, _ = read_albareda(*albareda_files(tmp_path), due_scale=1e-3)
    assert scaled[0].due == pytest.approx(0.1005)


def test_albareda_off_grid_positions(tmp_path: Path) -> None:
    """A position off the cell grid makes "auto" build a graph layout with a
    pick node at the exact position, and a forced parallel-aisles layout fail
    at that line."""
    orders = ALB_ORDERS.replace(" 0 0 1.000000 1.000000 7", " 0 0 1.500000 1.000000 7")
    layout_file, order_file = albareda_files(tmp_path, orders=orders)
    layout, slotting, _, _ = read_albareda(layout_file, order_file)
    assert layout.kind == "graph"
    assert depot_distances(layout)[layout.slot(slotting.bin_of("7")).node] == pytest.approx(4.5)
    with raises_at(LayoutError, order_file, 5, "off the grid of 3 cells of 2"):
        read_albareda(layout_file, order_file, geometry="parallel-aisles")


@pytest.mark.parametrize(
    ("line", "text", "message"),
    [
        (2, " 2 twelve", "expected '<aisles> <items>'"),
        (2, " 2 13", "13 items do not fill 2 aisles x 2 sides"),
        (4, " 0", "depot flag 0 (bottom left) but the distances put it elsewhere"),
        (4, " 2", "depot flag must be 0"),
        (12, " 0.000000", "picker capacity must be positive"),
        (18, " 0 2.000000 3.000000 -1", "the two depot distances differ"),
        (19, " 0 2.000000 2.000000 1", "expected aisle 1, got 0"),
        (19, " 1 2.000000 2.000000", "expected '<aisle> <distance> <distance> <side -1/0/1>'"),
        (8, " 2.000000 2.000000", "shelf length 2 is not more than its width 2"),
    ],
)
def test_albareda_malformed_layout(tmp_path: Path, line: int, text: str, message: str) -> None:
    """A bad layout-file line is reported as ``file:line``."""
    layout_file, order_file = albareda_files(tmp_path, replace_line(ALB_LAYOUT, line, text))
    error = CapacityError if line == 12 else LayoutError
    with raises_at(error, layout_file, line, message):
        read_albareda(layout_file, order_file)


@pytest.mark.parametrize(
    ("line", "text", "message"),
    [
        (2, " two", "expected the number of orders"),
        (2, " 3", "announces 3 orders but lists 2"),
        (4, " 100.5", "expected order 0 header '<due> <items>'"),
        (4, " soon 2", "order 0: bad header"),
        (5, " 0 0 1.0 1.0", "order 0: expected '<aisle> <side> <position> <weight> <id>'"),
        (5, " 2 0 1.0 1.0 7", "order 0, item 7: aisle 2 side 0 is outside 0..1"),
        (5, " 0 0 9.0 1.0 7", "order 0, item 7: position 9 is outside 0..6"),
        (5, " 0 0 1.0 0.0 7", "order 0, item 7: weight must be positive"),
        (8, " 1 1 5.000000 2.000000 3", "item 3 has another location or weight than at line 6"),
    ],
)
def test_albareda_malformed_orders(tmp_path: Path, line: int, text: str, message: str) -> None:
    """A bad order-file line is reported as ``file:line`` with the order."""
    layout_file, order_file = albareda_files(tmp_path, orders=replace_line(ALB_ORDERS, line, text))
    with raises_at(OrderError, order_file, line, message):
        read_albareda(layout_file, order_file)


def test_albareda_item_count_mismatch(tmp_path: Path) -> None:
    """The last order listing fewer items than announced is named at its header."""
    layout_file, order_file = albareda_files(
        tmp_path, orders=replace_line(ALB_ORDERS, 7, " 200.0 2")
    )
    with raises_at(OrderError, order_file, 7, "order 1 announces 2 items but lists 1"):
        read_albareda(layout_file, order_file)


def test_albareda_unknown_geometry(tmp_path: Path) -> None:
    """A misspelt geometry is refused with a suggestion."""
    with pytest.raises(LayoutError, match="did you mean 'graph'"):
        read_albareda(*albareda_files(tmp_path), geometry="grph")  # type: ignore[arg-type]


def test_round_trip_benchmark(tmp_path: Path) -> None:
    """A public instance survives a CSV round trip, weights and due dates included."""
    _, _, layout_file, order_file = albareda_pairs()[-1]
    _, _, orders, _ = read_albareda(layout_file, order_file)
    path = tmp_path / "w4.csv"
    write_orders(orders, path)
    assert read_orders(path) == orders

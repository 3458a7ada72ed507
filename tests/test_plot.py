"""Pictures take the objects they draw: a layout, a route, the tours of a wave,
per-slot values, an experiments frame. Each picture has the elements it
promises (step numbers equal to the pick list's, a legend, metres on the
axes, labels of at least 9 points), renders to PNG, and the picture module
sits above routing, never the other way round."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from optimizer.batching import Cart
from optimizer.errors import PickoptError, UnknownSlotError
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting
from optimizer.plot import (
    MIN_FONT,
    plot_heatmap,
    plot_kpis,
    plot_layout,
    plot_route,
    plot_wave,
    save_figure,
    step_labels,
)
from optimizer.routing import route
from optimizer.waves import plan_wave
from tests.conftest import LAYOUTS, ROOT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CODES = ["A01-B1-003-L-1", "A04-B1-040-R-1", "A09-B1-012-L-1"]


@pytest.fixture(autouse=True)
def _close_figures():
    """Every test closes what it drew, so figures do not pile up across tests."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def assert_png(path: Path) -> None:
    assert path.is_file()
    assert path.read_bytes()[: len(PNG_SIGNATURE)] == PNG_SIGNATURE


def texts(ax) -> list:
    """Every visible, non-empty text of the figure holding ``ax``."""
    from matplotlib.text import Text

    fig = ax.get_figure(root=True)
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def assert_readable(ax) -> None:
    """No text of the figure is smaller than MIN_FONT points."""
    small = [(t.get_text(), t.get_fontsize()) for t in texts(ax) if t.get_fontsize() < MIN_FONT]
    assert not small, small


def legend_labels(ax) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None, "no legend"
    return [t.get_text() for t in legend.get_texts()]


def assert_metres_on_axes(ax) -> None:
    assert ax.get_xlabel() == "x (m)"
    assert ax.get_ylabel() == "y (m)"


def optimizer_imports(path: Path) -> set[str]:
    """Every ``optimizer...`` module a source file imports, anywhere in it
    (also under ``if TYPE_CHECKING:`` and inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.startswith("optimizer")}


# ---- layout ---------------------------------------------------------------------------
def test_plot_layout_labels_aisles_cross_aisles_and_depots(two_block: Layout) -> None:
    """The layout picture names every aisle as its bin codes do, every
    cross-aisle, and the depots, with racks and depots in the legend and
    metres on the axes."""
    ax = plot_layout(two_block)
    shown = {t.get_text() for t in ax.texts}
    assert {f"A{i:02d}" for i in range(1, 11)} <= shown
    assert {"front cross-aisle", "middle cross-aisle", "back cross-aisle"} <= shown
    assert {"pickup", "dropoff"} <= shown
    assert legend_labels(ax) == ["racks (2,400 slots)", "depot"]
    assert_metres_on_axes(ax)
    assert_readable(ax)


def test_plot_layout_draws_a_rack_cell_per_slot_on_its_side(single_block: Layout) -> None:
    """Racks are one cell per slot: L cells left of the aisle, R cells right."""
    from matplotlib.collections import PolyCollection

    ax = plot_layout(single_block)
    (racks,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    cells = racks.get_paths()
    assert len(cells) == len(single_block.slots)
    for slot in (single_block.slot("A03-B1-017-L-1"), single_block.slot("A03-B1-017-R-1")):
        centre = cells[slot.index].vertices[:4].mean(axis=0)
        x_aisle = single_block.xy[slot.node][0]
        assert (centre[0] < x_aisle) == (slot.side == "L")
        assert centre[1] == pytest.approx(single_block.xy[slot.node][1])


def test_plot_layout_of_a_graph_layout() -> None:
    """The fishbone (a graph layout) gets its 52 aisles labelled F01..F52."""
    fishbone = Layout.from_file(LAYOUTS / "fishbone.json")
    ax = plot_layout(fishbone)
    shown = {t.get_text() for t in ax.texts}
    assert {f"F{i:02d}" for i in range(1, 53)} <= shown
    assert_metres_on_axes(ax)
    assert_readable(ax)


# ---- heatmap --------------------------------------------------------------------------
def test_heatmap_of_classes_has_a_legend_of_classes(single_block: Layout) -> None:
    """Strings are classes: one colour each, counted in the legend."""
    classes = {s.code: "A" if s.aisle == 1 else "B" for s in single_block.slots if s.aisle <= 3}
    ax = plot_heatmap(single_block, classes, label="ABC class")
    assert legend_labels(ax) == ["A (90 slots)", "B (180 slots)"]
    assert ax.get_legend().get_title().get_text() == "ABC class"
    assert_metres_on_axes(ax)
    assert_readable(ax)


def test_heatmap_of_numbers_has_a_colour_bar_with_units(single_block: Layout) -> None:
    """Numbers (numpy scalars too) go on a colour scale labelled with ``label``."""
    values = {np.str_(s.code): np.float64(s.cell) for s in single_block.slots}
    ax = plot_heatmap(single_block, values, label="picks per day")
    fig = ax.get_figure(root=True)
    bars = [a for a in fig.axes if a is not ax]
    assert [b.get_ylabel() for b in bars] == ["picks per day"]
    assert bars[0].get_ylim()[1] == pytest.approx(45.0)
    assert_readable(ax)
    ax = plot_heatmap(single_block, values, limits=(0.0, 100.0))
    assert ax.collections[-1].get_clim() == (0.0, 100.0)


def test_heatmap_sums_the_levels_of_one_cell(two_block: Layout) -> None:
    """Two levels share a rack cell; ``combine`` says how they are shown."""
    cell = [s.code for s in two_block.slots if s.code.startswith("A01-B1-001-L-")]
    assert len(cell) == 2
    for combine, expected in (("sum", 3.0), ("max", 2.0), ("mean", 1.5)):
        ax = plot_heatmap(two_block, dict(zip(cell, (1.0, 2.0), strict=True)), combine=combine)
        assert ax.collections[-1].get_array().tolist() == [expected]


def test_heatmap_names_an_unknown_bin(single_block: Layout) -> None:
    with pytest.raises(UnknownSlotError, match="A01-B1-999-L-1"):
        plot_heatmap(single_block, {"A01-B1-999-L-1": 1.0})


# ---- route ----------------------------------------------------------------------------
def numbered(ax) -> list[str]:
    """The step numbers written on the picture (bold pick labels)."""
    return [t.get_text() for t in ax.texts if t.get_fontweight() == "bold"]


def test_plot_route_numbers_stops_and_writes_a_png(single_block: Layout, tmp_path: Path) -> None:
    """Without a pick list, each stop is a step, numbered 1..n in walking order;
    the picture has a legend, arrows, start and end, and metres on its axes."""
    r = route(single_block, CODES)
    ax = plot_route(r)
    assert ax.get_title() == f"single_block: 3 picks, {r.distance:,.1f} m (exact, optimal)"
    assert sorted(numbered(ax), key=int) == ["1", "2", "3"]
    for k, code in enumerate(r.stops, start=1):
        xy = single_block.xy[single_block.slot(code).node]
        (label,) = [t for t in ax.texts if t.get_text() == str(k)]
        assert np.allclose(label.xy, xy)
    labels = legend_labels(ax)
    assert labels[:3] == [f"walk ({r.distance:,.0f} m)", "pick (pick-list step)",
                          "start and end (D1)"]  # fmt: skip
    assert any(t.arrow_patch is not None for t in ax.texts if hasattr(t, "arrow_patch"))
    assert_metres_on_axes(ax)
    assert_readable(ax)
    out = save_figure(ax, tmp_path / "pictures" / "route.png")
    assert out == tmp_path / "pictures" / "route.png"
    assert_png(out)


def test_plot_route_numbers_the_pick_list_steps(single_block: Layout) -> None:
    """With a wave plan's pick list, the numbers are the pick list's sequence
    numbers: every step 1..len(steps) appears once, two lines at one pick
    node read "3-4", and a 15-line tour is labelled up to 15 (not by node)."""
    rng = np.random.default_rng(4)
    codes = [single_block.slots[i].code for i in rng.choice(900, 12, replace=False)]
    codes += [f"{c[:-3]}{'R' if c[-3] == 'L' else 'L'}-1" for c in codes[:3]]  # other side
    orders = [Order("o1", tuple(OrderLine(c) for c in codes))]
    plan = plan_wave(single_block, Slotting.identity(single_block), orders, Cart(max_items=45),
                     baselines=False)  # fmt: skip
    (batch,) = plan.batches
    bins = [s.bin for s in batch.steps]
    assert len(bins) == 15
    ax = plot_route(batch.route, steps=bins)
    written = numbered(ax)
    steps = []
    for text in written:
        for part in text.split(","):
            a, _, b = part.partition("-")
            steps += list(range(int(a), int(b or a) + 1))
    assert sorted(steps) == list(range(1, 16))
    assert any("-" in t for t in written)
    assert written == list(step_labels(batch.route, bins).values())


def test_plot_route_between_two_depots(two_block: Layout) -> None:
    """An open route shows its start and its end apart."""
    r = route(two_block, ["A03-B2-010-L-1"], start="pickup", end="dropoff")
    labels = legend_labels(plot_route(r))
    assert "start (pickup)" in labels and "end (dropoff)" in labels


def test_plot_route_on_given_axes(single_block: Layout) -> None:
    """Given axes, plot_route draws on them instead of opening a figure."""
    ax = plot_layout(single_block)
    assert plot_route(route(single_block, CODES[:1]), ax=ax) is ax


# ---- wave -----------------------------------------------------------------------------
def test_plot_wave_takes_any_tours(single_block: Layout, tmp_path: Path) -> None:
    """plot_wave needs only a route and orders per tour; without a title it
    counts the tours and adds up their distance; panels carry tour ids."""
    routes = [route(single_block, CODES[:1]), route(single_block, CODES[1:])]
    tours = [SimpleNamespace(route=r, orders=["o1", "o2"][: k + 1]) for k, r in enumerate(routes)]
    ax = plot_wave(tours, n=1)
    total = sum(r.distance for r in routes)
    assert ax.get_figure(root=True).get_suptitle() == f"2 tours, {total:,.0f} m in all"
    assert ax.get_title() == f"tour 0: 1 orders, 1 bins, {routes[0].distance:,.0f} m"
    assert_png(save_figure(ax, tmp_path / "wave.png"))


def test_plot_wave_draws_the_chosen_tours(single_block: Layout) -> None:
    """``which`` picks tours by id; an id past the end is an error naming it."""
    routes = [route(single_block, [c]) for c in CODES]
    tours = [SimpleNamespace(route=r, orders=["o"]) for r in routes]
    ax = plot_wave(tours, which=[2, 0])
    titles = [a.get_title() for a in ax.get_figure(root=True).axes if a.get_title()]
    assert [t.split(":")[0] for t in titles] == ["tour 2", "tour 0"]
    assert_metres_on_axes(ax)
    assert_readable(ax)
    with pytest.raises(PickoptError, match="tour 3 out of range"):
        plot_wave(tours, which=[3])


def test_wave_plan_plot_titles_with_its_kpis(single_block: Layout, tmp_path: Path) -> None:
    """WavePlan.plot draws its batches with the KPIs in the title, numbered by
    each tour's pick list."""
    orders = [Order(f"o{k}", (OrderLine(code),)) for k, code in enumerate(CODES)]
    plan = plan_wave(single_block, Slotting.identity(single_block), orders, Cart(max_items=2))
    ax = plan.plot(which=[len(plan.batches) - 1])
    title = ax.get_figure(root=True).get_suptitle()
    assert title.startswith(f"{len(plan.batches)} tours, ")
    assert "less than first come first served" in title
    assert ax.get_title().startswith(f"tour {len(plan.batches) - 1}: ")
    steps = plan.batches[-1].steps
    assert sorted(numbered(ax)) == [str(k) for k in range(1, len(steps) + 1)]
    assert_png(save_figure(ax, tmp_path / "wave.png"))


# ---- KPI charts -----------------------------------------------------------------------
@pytest.fixture
def frame():
    pd = pytest.importorskip("pandas")
    return pd.DataFrame({
        "layout": ["one", "one", "two", "two", "fish", "fish"],
        "cart": [20, 40, 20, 40, 20, 40],
        "total_distance_m": [100.0, 80.0, 90.0, 70.0, 95.0, 85.0],
    })  # fmt: skip


@pytest.mark.parametrize("kind", ["bar", "box", "line"])
def test_plot_kpis_has_units_and_a_legend(frame, kind: str) -> None:
    """Every chart kind labels the KPI with its unit and the groups in a legend."""
    by, hue = ("cart", "layout") if kind == "line" else ("layout", "cart")
    ax = plot_kpis(frame, "total_distance_m", by, hue=hue, kind=kind)
    assert ax.get_ylabel() == "total distance (m)"
    assert ax.get_xlabel() == by
    assert legend_labels(ax) == [str(v) for v in dict.fromkeys(frame[hue])]
    if kind != "line":
        assert [t.get_text() for t in ax.get_xticklabels()] == ["one", "two", "fish"]
    assert_readable(ax)


def test_plot_kpis_bar_heights_are_means(frame) -> None:
    ax = plot_kpis(frame, "total_distance_m", "layout")
    assert [p.get_height() for p in ax.patches] == [90.0, 80.0, 90.0]


def test_plot_kpis_names_a_missing_column(frame) -> None:
    with pytest.raises(PickoptError, match=re.escape("no column 'km'")):
        plot_kpis(frame, "km")


# ---- layering -------------------------------------------------------------------------
def test_routing_does_not_import_plot() -> None:
    """No module of optimizer.routing imports the picture module (Route has
    no plot method: pictures take the route)."""
    for path in sorted((ROOT / "optimizer" / "routing").rglob("*.py")):
        assert not any(m.startswith("optimizer.plot") for m in optimizer_imports(path)), path


def test_plot_imports_only_layout_distance_and_routing() -> None:
    """optimizer.plot imports nothing above routing: no waves, no batching."""
    allowed = ("optimizer.layout", "optimizer.distance", "optimizer.routing", "optimizer.errors")
    for module in optimizer_imports(ROOT / "optimizer" / "plot.py"):
        assert module.startswith(allowed), module

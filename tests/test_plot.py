"""Pictures take the objects they draw: a route, the tours of a wave. They
render to PNG files, and the picture module sits above routing, never the
other way round."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from optimizer.batching import Cart
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting
from optimizer.plot import plot_layout, plot_route, plot_wave, save_figure
from optimizer.routing import route
from optimizer.waves import plan_wave
from tests.conftest import ROOT

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


def test_plot_route_writes_a_png(single_block: Layout, tmp_path: Path) -> None:
    """plot_route draws a route on the layout it was planned on, and
    save_figure writes it as a PNG (creating the folder)."""
    r = route(single_block, CODES)
    ax = plot_route(r)
    assert ax.get_title() == f"single_block: 3 picks, {r.distance:,.1f} m (exact, optimal)"
    out = save_figure(ax, tmp_path / "pictures" / "route.png")
    assert out == tmp_path / "pictures" / "route.png"
    assert_png(out)


def test_plot_route_on_given_axes(single_block: Layout) -> None:
    """Given axes, plot_route draws on them instead of opening a figure."""
    ax = plot_layout(single_block)
    assert plot_route(route(single_block, CODES[:1]), ax=ax) is ax


def test_plot_wave_takes_any_tours(single_block: Layout, tmp_path: Path) -> None:
    """plot_wave needs only a route and orders per tour; without a title it
    counts the tours and adds up their distance."""
    routes = [route(single_block, CODES[:1]), route(single_block, CODES[1:])]
    tours = [SimpleNamespace(route=r, orders=["o1", "o2"][: k + 1]) for k, r in enumerate(routes)]
    ax = plot_wave(tours, n=1)
    total = sum(r.distance for r in routes)
    assert ax.get_figure(root=True).get_suptitle() == f"2 tours, {total:,.0f} m in all"
    assert ax.get_title() == f"1 orders, 1 bins, {routes[0].distance:,.0f} m"
    assert_png(save_figure(ax, tmp_path / "wave.png"))


def test_wave_plan_plot_titles_with_its_kpis(single_block: Layout, tmp_path: Path) -> None:
    """WavePlan.plot draws its batches with the KPIs in the title."""
    orders = [Order(f"o{k}", (OrderLine(code),)) for k, code in enumerate(CODES)]
    plan = plan_wave(single_block, Slotting.identity(single_block), orders, Cart(max_items=2))
    ax = plan.plot()
    title = ax.get_figure(root=True).get_suptitle()
    assert title.startswith(f"{len(plan.batches)} tours, ")
    assert "less than first come first served" in title
    assert_png(save_figure(ax, tmp_path / "wave.png"))


def test_routing_does_not_import_plot() -> None:
    """No module of optimizer.routing imports the picture module (Route has
    no plot method: pictures take the route)."""
    for path in sorted((ROOT / "optimizer" / "routing").rglob("*.py")):
        assert not any(m.startswith("optimizer.plot") for m in optimizer_imports(path)), path


def test_plot_imports_only_layout_and_routing() -> None:
    """optimizer.plot imports nothing above routing: no waves, no batching."""
    for module in optimizer_imports(ROOT / "optimizer" / "plot.py"):
        assert module.startswith(("optimizer.layout", "optimizer.routing")), module

"""Pictures for people: the layout, a route over it, the tours of a wave.

Pictures take the objects they draw, as PyVRP's ``plot_solution`` does:
:func:`plot_route` takes a :class:`~optimizer.routing.Route`, and
:func:`plot_wave` any tours that have a route and orders (a wave plan's
batches), so this module imports only the layout and routing layers.

matplotlib is imported lazily and the Agg backend is used when no display is
set, so plotting works in CI, on servers and in notebooks alike.

Examples
--------
>>> from optimizer import Layout, route
>>> from optimizer.plot import plot_route
>>> layout = Layout.from_file("layouts/single_block.toml")
>>> r = route(layout, ["A01-B1-003-L-1", "A04-B1-040-R-1"])
>>> plot_route(r).get_title()
'single_block: 2 picks, 118.0 m (exact, optimal)'
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from optimizer.layout import Layout
from optimizer.layout.parts import NODE_PICK
from optimizer.routing import Route

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "WaveTour",
    "plot_layout",
    "plot_route",
    "plot_wave",
    "save_figure",
    "plot_reslot_heatmaps",
    "plot_budget_curve",
]


class WaveTour(Protocol):
    """One tour of a wave as :func:`plot_wave` draws it (a wave plan's batch)."""

    @property
    def route(self) -> Route:
        """The walk of the tour."""
        ...

    @property
    def orders(self) -> Sequence[object]:
        """The orders picked in the tour."""
        ...


def _pyplot() -> Any:
    """matplotlib.pyplot, on the Agg backend when there is no display."""
    import matplotlib

    interactive = os.environ.get("DISPLAY") or "inline" in matplotlib.get_backend().lower()
    if not interactive:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _axes(ax: Axes | None, layout: Layout) -> Axes:
    if ax is not None:
        return ax
    width, depth = layout.extent
    scale = 9.0 / max(width, depth, 1.0)
    size = (max(4.0, width * scale + 1), max(4.0, depth * scale + 1))
    _, new = _pyplot().subplots(figsize=size)
    return new


def plot_layout(layout: Layout, ax: Axes | None = None) -> Axes:
    """Draw aisles and cross-aisles, pick nodes and depots.

    Parameters
    ----------
    layout
        The warehouse.
    ax
        Axes to draw on; a new figure when ``None``.
    """
    from matplotlib.collections import LineCollection

    ax = _axes(ax, layout)
    segments = layout.xy[layout.edges]
    ax.add_collection(LineCollection(segments, colors="#c8c8c8", linewidths=0.8, zorder=1))
    picks = layout.xy[layout.node_kind == NODE_PICK]
    if picks.shape[0] <= 20_000:
        ax.scatter(picks[:, 0], picks[:, 1], s=2, c="#9aa5b1", zorder=2, linewidths=0)
    for d in layout.depots:
        x, y = layout.xy[d.node]
        ax.scatter([x], [y], marker="s", s=60, c="#d62728", zorder=5)
        ax.annotate(d.name, (x, y), textcoords="offset points", xytext=(6, -10), fontsize=8)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_title(f"{layout.name} ({len(layout.slots):,} slots)")
    return ax


def plot_route(route: Route, ax: Axes | None = None) -> Axes:
    """Draw the layout, the walk of ``route`` and its numbered stops.

    Parameters
    ----------
    route
        A planned route (it knows the layout it walks).
    ax
        Axes to draw on; a new figure when ``None``.
    """
    layout = route.layout
    ax = plot_layout(layout, ax)
    walk = layout.xy[np.asarray(route.path, dtype=np.int64)]
    ax.plot(walk[:, 0], walk[:, 1], color="#1f77b4", linewidth=1.6, zorder=3)
    seen: dict[int, int] = {}
    for code in route.stops:
        node = layout.slot(code).node
        seen.setdefault(node, len(seen) + 1)
    many = len(seen) > 40
    for node, k in seen.items():
        x, y = layout.xy[node]
        ax.scatter([x], [y], s=30 if many else 90, c="#ff7f0e", zorder=4, edgecolors="white")
        if not many:
            ax.annotate(str(k), (x, y), ha="center", va="center", fontsize=6, zorder=6)
    ax.set_title(
        f"{layout.name}: {len(route.stops)} picks, {route.distance:,.1f} m "
        f"({route.method}{', optimal' if route.optimal else ''})"
    )
    return ax


def plot_wave(tours: Sequence[WaveTour], n: int = 6, title: str | None = None) -> Axes:
    """Small multiples of the first ``n`` tours of a wave.

    Parameters
    ----------
    tours
        The tours of the wave, e.g. ``plan.batches`` of a wave plan.
    n
        How many tours to draw.
    title
        The figure's title; by default the number of tours and their walking
        distance in all.

    Returns
    -------
    Axes
        The first panel (its figure holds them all).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from optimizer import Layout, route
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> tours = [SimpleNamespace(route=route(layout, codes), orders=["o1"])
    ...          for codes in (["A01-B1-003-L-1"], ["A02-B1-010-R-1", "A05-B1-020-L-1"])]
    >>> ax = plot_wave(tours)
    >>> ax.get_title(), ax.get_figure(root=True).get_suptitle()
    ('1 orders, 1 bins, 7 m', '2 tours, 109 m in all')
    """
    plt = _pyplot()
    shown = tours[:n]
    cols = min(3, max(1, len(shown)))
    rows = max(1, -(-len(shown) // cols))
    fig, grid = plt.subplots(rows, cols, figsize=(4.2 * cols, 4.4 * rows), squeeze=False)
    for ax, tour in zip(grid.ravel(), shown, strict=False):
        r = tour.route
        plot_route(r, ax=ax)
        ax.set_title(f"{len(tour.orders)} orders, {len(r.stops)} bins, {r.distance:,.0f} m",
                     fontsize=9)  # fmt: skip
        ax.set_xlabel("")
        ax.set_ylabel("")
    for ax in grid.ravel()[len(shown) :]:
        ax.set_axis_off()
    if title is None:
        title = f"{len(tours)} tours, {sum(t.route.distance for t in tours):,.0f} m in all"
    fig.suptitle(title)
    fig.tight_layout()
    return grid.ravel()[0]


def save_figure(ax: Axes, path: str | Path) -> Path:
    """Save the figure holding ``ax`` as a PNG (folders are created) and close it."""
    plt = _pyplot()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = ax.get_figure(root=True)
    assert fig is not None
    fig.savefig(out, dpi=130, bbox_inches="tight")
    plt.close(fig)
    return out


def plot_reslot_heatmaps(
    layout: Layout,
    before: Mapping[str, float],
    after: Mapping[str, float],
    *,
    titles: tuple[str, str] = ("before", "after"),
    label: str = "picks per slot",
) -> Axes:
    """Side by side: a value per slot (e.g. picks) before and after a re-slot.

    Each slot is a square beside its pick node, on its side of the aisle;
    levels at one place are summed. Both panels share one logarithmic
    colour scale, so a slot that turns hot shows as the same colour in both.

    Parameters
    ----------
    layout
        The warehouse.
    before, after
        Bin code -> value (bins left out count as zero).
    titles
        Panel titles.
    label
        What the colour bar measures.

    Returns
    -------
    Axes
        The first panel (its figure holds both).

    Examples
    --------
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> ax = plot_reslot_heatmaps(layout, {"A10-B1-045-L-1": 30.0}, {"A01-B1-001-L-1": 30.0})
    >>> ax.get_title(), len(ax.get_figure(root=True).axes)
    ('before', 3)
    """
    from matplotlib.colors import LogNorm

    plt = _pyplot()
    panels = (_slot_squares(layout, before), _slot_squares(layout, after))
    top = max(1.0, *(float(vals.max(initial=0.0)) for _, vals in panels))
    norm = LogNorm(vmin=min(1.0, top / 10.0), vmax=top)
    width, depth = layout.extent
    scale = 6.0 / max(width, depth, 1.0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(2 * max(4.0, width * scale + 1) + 1.5,
                                                     max(4.0, depth * scale + 1)))  # fmt: skip
    shown = None
    for ax, (points, vals), title in zip((left, right), panels, titles, strict=True):
        plot_layout(layout, ax)
        cold = vals <= 0
        ax.scatter(points[cold, 0], points[cold, 1], s=6, marker="s", c="#eeeeee", zorder=3,
                   linewidths=0)  # fmt: skip
        order = np.argsort(vals[~cold])
        hot_pts, hot_vals = points[~cold][order], vals[~cold][order]
        shown = ax.scatter(hot_pts[:, 0], hot_pts[:, 1], s=8, marker="s", c=hot_vals,
                           cmap="inferno_r", norm=norm, zorder=4, linewidths=0)  # fmt: skip
        ax.set_title(title)
    assert shown is not None
    fig.colorbar(shown, ax=[left, right], label=label, shrink=0.8)
    return left


def _slot_squares(layout: Layout, values: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Positions (beside the pick node, by side) and summed values of each slot place."""
    places: dict[tuple[int, str], int] = {}
    xy: list[tuple[float, float]] = []
    total: list[float] = []
    offset = {"L": -0.9, "R": 0.9}
    for s in layout.slots:
        key = (s.node, str(s.side))
        k = places.get(key)
        if k is None:
            k = places[key] = len(xy)
            x, y = layout.xy[s.node]
            xy.append((float(x) + offset.get(str(s.side), 0.0), float(y)))
            total.append(0.0)
        total[k] += float(values.get(s.code, 0.0))
    return np.asarray(xy, dtype=np.float64).reshape(-1, 2), np.asarray(total)


def plot_budget_curve(
    moves: Sequence[int],
    expected: Sequence[float],
    replayed: Sequence[float] | None = None,
    *,
    labels: Sequence[str] | None = None,
    replayed_se: Sequence[float] | None = None,
    stop: int | None = None,
    title: str = "Re-slot budget curve",
    ax: Axes | None = None,
) -> Axes:
    """Saving against moves made: the plan's expected saving and the replayed one.

    Parameters
    ----------
    moves
        Moves at each budget point, increasing.
    expected
        Expected saving at each point, metres a day.
    replayed
        Replayed saving at each point (out of sample), metres a day.
    labels
        A label per point (``"5 %"``), written beside it (labels of points
        with equal moves are joined).
    replayed_se
        Standard error of each replayed saving: drawn as error bars.
    stop
        Moves of the plan's own cut (where the next move stops paying): a
        dashed line.
    title
        The title.
    ax
        Axes to draw on; a new figure when ``None``.

    Examples
    --------
    >>> ax = plot_budget_curve([8, 16, 40], [50.0, 80.0, 120.0], [45.0, 85.0, 110.0],
    ...                        labels=["1 %", "2 %", "5 %"], replayed_se=[5.0, 6.0, 9.0],
    ...                        stop=16)
    >>> ax.get_xlabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('moves (a swap is two)', ['expected (plan)', 'plan stops (16 moves)', 'replayed (out of \
sample)'])
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.2))
    x = np.asarray(moves, dtype=np.float64)
    ax.plot(x, expected, marker="o", color="#1f77b4", label="expected (plan)")
    if replayed is not None:
        ax.errorbar(x, replayed, yerr=None if replayed_se is None else replayed_se, marker="s",
                    color="#d62728", capsize=3, label="replayed (out of sample)")  # fmt: skip
    if labels is not None:
        joined: dict[float, tuple[float, list[str]]] = {}
        for xi, yi, text in zip(x.tolist(), expected, labels, strict=True):
            joined.setdefault(xi, (float(yi), []))[1].append(text)
        for xi, (yi, texts) in joined.items():
            ax.annotate(", ".join(texts), (xi, yi), textcoords="offset points", xytext=(4, 6),
                        fontsize=8)  # fmt: skip
    if stop is not None:
        ax.axvline(stop, color="#2ca02c", linestyle="--", linewidth=1.0,
                   label=f"plan stops ({stop} moves)")  # fmt: skip
    ax.set_xlabel("moves (a swap is two)")
    ax.set_ylabel("walking saved (m/day)")
    ax.axhline(0.0, color="#999999", linewidth=0.8)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(title)
    return ax

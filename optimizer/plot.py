"""Pictures for people: the layout, a route over it.

matplotlib is imported lazily and the Agg backend is used when no display is
set, so plotting works in CI, on servers and in notebooks alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.layout import Layout
from optimizer.layout.model import NODE_PICK

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optimizer.routing.base import Route
    from optimizer.waves import WavePlan

__all__ = ["plot_layout", "plot_route", "plot_wave", "save_figure"]


def _pyplot() -> Any:
    """matplotlib.pyplot, on the Agg backend when there is no display."""
    import os

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
        A planned route.
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


def plot_wave(plan: WavePlan, n: int = 6) -> Axes:
    """Small multiples of the first ``n`` tours of a wave plan.

    Parameters
    ----------
    plan
        A plan from :func:`optimizer.waves.plan_wave`.
    n
        How many tours to draw.

    Returns
    -------
    Axes
        The first panel (its figure holds them all).
    """
    plt = _pyplot()
    shown = plan.batches[:n]
    cols = min(3, max(1, len(shown)))
    rows = max(1, -(-len(shown) // cols))
    fig, grid = plt.subplots(rows, cols, figsize=(4.2 * cols, 4.4 * rows), squeeze=False)
    for ax, b in zip(grid.ravel(), shown, strict=False):
        plot_route(b.route, ax=ax)
        ax.set_title(f"{len(b.orders)} orders, {len(b.route.stops)} bins, {b.distance:,.0f} m",
                     fontsize=9)  # fmt: skip
        ax.set_xlabel("")
        ax.set_ylabel("")
    for ax in grid.ravel()[len(shown) :]:
        ax.set_axis_off()
    k = plan.kpis
    fig.suptitle(
        f"{k.get('batches', 0)} tours, {k.get('total_distance_m', 0):,.0f} m in all "
        f"({k.get('saving_vs_fcfs_pct', 0):.1f}% less than first come first served)"
    )
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

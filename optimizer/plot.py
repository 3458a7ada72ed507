"""Pictures for people: the layout, a route over it, the tours of a wave,
per-slot heatmaps and the KPIs of an experiment.

Pictures take the objects they draw, as PyVRP's ``plot_solution`` does:
:func:`plot_route` takes a :class:`~optimizer.routing.Route`, and
:func:`plot_wave` any tours that have a route and orders (a wave plan's
batches), so this module imports only the layout and routing layers (and
the errors). :func:`plot_kpis` takes a data frame (the experiments frame) by its
methods and never imports pandas.

- :func:`plot_layout`: racks (one cell per slot, on its side of the aisle),
  aisle labels as in the bin codes, cross-aisle labels, depots, metres on
  the axes;
- :func:`plot_heatmap`: any per-slot value (pick frequency, ABC class, slot
  cost) on the racks, with a colour bar or a legend of classes;
- :func:`plot_route`: the walk with direction arrows, start and end, and
  each pick location numbered with its steps in the pick list;
- :func:`plot_wave`: small multiples of chosen tours, titled with their ids;
- :func:`plot_kpis`: bar, box or line charts of an experiments frame.

matplotlib is imported lazily and the Agg backend is used when no display is
set, so plotting works in CI, on servers and in notebooks alike. Every text
is at least :data:`MIN_FONT` points, readable at notebook size.

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

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from optimizer.errors import PickoptError
from optimizer.layout import Layout
from optimizer.layout.parts import NODE_PICK
from optimizer.routing import Route

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "MIN_FONT",
    "WaveTour",
    "plot_layout",
    "plot_heatmap",
    "plot_route",
    "plot_wave",
    "plot_kpis",
    "step_labels",
    "save_figure",
    "plot_reslot_heatmaps",
    "plot_budget_curve",
]

#: Smallest font size of any text drawn, points.
MIN_FONT = 9.0
_RACK = "#e3d5b8"
_RACK_EDGE = "#c9b38a"
_WALK = "#1f77b4"
_PICK = "#ff7f0e"
_CLASS_COLOURS = ("#d62728", "#ff7f0e", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b", "#7f7f7f")


class WaveTour(Protocol):
    """One tour of a wave as :func:`plot_wave` draws it (a wave plan's batch).

    A tour that also has ``steps`` (pick steps with a ``bin``, as a wave
    plan's batches do) is numbered by its pick list.
    """

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


def _axes(ax: Axes | None, layout: Layout, extra_width: float = 0.0) -> Axes:
    if ax is not None:
        return ax
    width, depth = layout.extent
    scale = 8.0 / max(width, depth, 1.0)
    size = (max(5.0, width * scale + 2 + extra_width), max(4.5, depth * scale + 1.5))
    _, new = _pyplot().subplots(figsize=size)
    return new


# ---- rack geometry --------------------------------------------------------------------
@dataclass(frozen=True)
class _Racks:
    """Where each slot is drawn: a rack cell on its side of the aisle.

    ``cells[i]`` is the 4 x 2 polygon of slot ``i`` (levels of one cell share
    it); ``aisles`` maps an aisle label to (label point, direction of the
    aisle) for the aisle labels; ``spacing`` is the distance between
    neighbouring aisles, metres.
    """

    cells: np.ndarray
    aisles: dict[str, tuple[np.ndarray, np.ndarray]]
    spacing: float


def _aisle_key(layout: Layout, k: int) -> tuple[object, ...]:
    s = layout.slots[k]
    if s.aisle is None:
        return ("node", s.node)
    return (s.aisle, s.block)


def _spacing(layout: Layout, groups: dict[tuple[object, ...], list[int]]) -> float:
    """Typical distance between neighbouring aisle centre lines, metres."""
    if layout.aisles is not None and layout.aisles.n_aisles > 1:
        return float(np.median(np.diff(layout.aisles.aisle_x)))
    from scipy.spatial import cKDTree

    nodes, owner = [], []
    for g, members in enumerate(groups.values()):
        nodes += members
        owner += [g] * len(members)
    xy = layout.xy[np.asarray(nodes, dtype=np.int64)]
    k = min(12, len(nodes))
    if k < 2:
        return 3.0
    dist, idx = cKDTree(xy).query(xy, k=k)
    owners = np.asarray(owner)
    gaps = [
        d[j]
        for d, row, g in zip(dist, idx, owners, strict=True)
        for j in range(1, k)
        if owners[row[j]] != g
    ][: len(nodes) * 2]
    return float(np.median(gaps)) if gaps else 3.0


def _aisle_runs(layout: Layout) -> tuple[dict[int, np.ndarray], float, float]:
    """Each pick node's aisle direction (from the aisle's first cell to its last),
    the aisle spacing and the cell length, metres."""
    groups: dict[tuple[object, ...], list[int]] = {}
    for k, s in enumerate(layout.slots):
        groups.setdefault(_aisle_key(layout, k), []).append(s.node)
    groups = {key: list(dict.fromkeys(members)) for key, members in groups.items()}
    direction: dict[int, np.ndarray] = {}
    steps = []
    for members in groups.values():
        xy = layout.xy[np.asarray(members, dtype=np.int64)]
        d = xy[-1] - xy[0] if len(members) > 1 else np.array([0.0, 1.0])
        d = d / (np.hypot(*d) or 1.0)
        direction.update(dict.fromkeys(members, d))
        if len(members) > 1:
            steps.append(float(np.median(np.hypot(*np.diff(xy, axis=0).T))))
    return direction, _spacing(layout, groups), float(np.median(steps)) if steps else 1.0


def _slot_cells(layout: Layout, direction: dict[int, np.ndarray], spacing: float, step: float
                ) -> np.ndarray:  # fmt: skip
    """A 4 x 2 polygon per slot: L left of its aisle, R right, between the aisle's
    walkway and the middle of the rack row."""
    inner, outer, half = 0.2 * spacing, 0.48 * spacing, 0.46 * step
    cells = np.empty((len(layout.slots), 4, 2))
    for k, s in enumerate(layout.slots):
        d = direction[s.node]
        left = np.array([-d[1], d[0]]) * (-1.0 if s.side == "R" else 1.0)
        c = layout.xy[s.node]
        a, b = c + inner * left, c + outer * left
        cells[k] = [a - half * d, a + half * d, b + half * d, b - half * d]
    return cells


def _label_points(layout: Layout, direction: dict[int, np.ndarray], step: float
                  ) -> dict[str, tuple[np.ndarray, np.ndarray]]:  # fmt: skip
    """Aisle name (the bin codes' prefix) -> (where its label starts, aisle direction):
    just past the cross-aisle at the aisle's far end."""
    far: dict[str, tuple[int, np.ndarray]] = {}
    for s in layout.slots:
        if s.aisle is None:
            continue
        name, d = s.code.split("-", 1)[0], direction[s.node]
        if name not in far or float(layout.xy[s.node] @ d) > float(layout.xy[far[name][0]] @ d):
            far[name] = (s.node, d)
    neighbours: dict[int, list[int]] = {}
    for u, v in layout.edges.tolist():
        neighbours.setdefault(u, []).append(v)
        neighbours.setdefault(v, []).append(u)
    labels = {}
    for name, (node, d) in far.items():
        ahead = [float((layout.xy[w] - layout.xy[node]) @ d) for w in neighbours.get(node, [])]
        gap = max([a for a in ahead if a > 0], default=step)  # to the cross-aisle beyond
        labels[name] = (layout.xy[node] + d * (gap + 0.6 * step), d)
    return labels


@lru_cache(maxsize=4)  # a figure of several panels draws one layout many times
def _racks(layout: Layout) -> _Racks:
    """Rack cells and aisle label points of a layout."""
    direction, spacing, step = _aisle_runs(layout)
    cells = _slot_cells(layout, direction, spacing, step)
    return _Racks(cells, _label_points(layout, direction, step), spacing)


def _points_per_m(ax: Axes, span_x: float, span_y: float) -> float:
    """About how many points one metre takes on ``ax`` (equal aspect) when the data
    spans ``span_x`` by ``span_y`` metres."""
    fig = ax.get_figure(root=True)
    assert fig is not None
    box = ax.get_position()
    width_in, height_in = fig.get_size_inches()
    return 72 * min(
        box.width * width_in / max(span_x, 1.0), box.height * height_in / max(span_y, 1.0)
    )


def _label_aisles(ax: Axes, racks: _Racks, points_per_m: float) -> None:
    """Each aisle's name (its bin codes' prefix) beyond its far end, every
    ``step``-th aisle when the names would overlap at the axes' size."""
    if not racks.aisles:
        return
    step = max(1, math.ceil(1.5 * MIN_FONT / max(racks.spacing * points_per_m, 1e-9)))
    for k, (name, (tip, d)) in enumerate(racks.aisles.items()):
        if k % step:
            continue
        align: dict[str, Any]
        if abs(d[1]) > abs(d[0]):  # a vertical aisle: the name reads upwards from its end
            align = {"ha": "center", "va": "bottom" if d[1] > 0 else "top", "rotation": 90}
        else:
            align = {"ha": "left" if d[0] > 0 else "right", "va": "center", "rotation": 0}
        ax.text(tip[0], tip[1], name, fontsize=MIN_FONT, color="#555555", zorder=6,
                **align)  # fmt: skip
    # the names' far ends, so that autoscaling keeps them inside the axes
    longest = max(len(name) for name in racks.aisles) * 0.65 * MIN_FONT / points_per_m
    ax.update_datalim(np.array([tip + d * longest for tip, d in racks.aisles.values()]))


def _label_cross_aisles(ax: Axes, layout: Layout, points_per_m: float) -> None:
    """Name each cross-aisle to the right of the hall, level with its centre line."""
    geo = layout.aisles
    if geo is None:
        return
    n = geo.cross_y.size
    spacing = float(np.median(np.diff(geo.aisle_x))) if geo.n_aisles > 1 else 3.0
    x = float(geo.aisle_x.max()) + 0.6 * spacing
    names = ["front" if j == 0 else "back" if j == n - 1 else "middle" for j in range(n)]
    for where, y in zip(names, geo.cross_y.tolist(), strict=True):
        ax.text(x, y, f"{where} cross-aisle", fontsize=MIN_FONT, color="#444444", ha="left",
                va="center", zorder=6)  # fmt: skip
    length = len("middle cross-aisle") * 0.62 * MIN_FONT / points_per_m
    ax.update_datalim(np.array([[x + length, float(geo.cross_y[0])]]))


# ---- pictures ---------------------------------------------------------------------------
def plot_layout(layout: Layout, ax: Axes | None = None, *, labels: bool = True) -> Axes:
    """Draw walkways, racks (one cell per slot), aisle and cross-aisle labels and depots.

    Parameters
    ----------
    layout
        The warehouse.
    ax
        Axes to draw on; a new figure when ``None``.
    labels
        Label aisles (as in the bin codes) and cross-aisles.

    Examples
    --------
    >>> ax = plot_layout(Layout.from_file("layouts/single_block.toml"))
    >>> ax.get_xlabel(), sorted(t.get_text() for t in ax.texts)[:3]
    ('x (m)', ['A01', 'A02', 'A03'])
    """
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.patches import Patch

    ax = _axes(ax, layout, extra_width=1.5 if layout.aisles is not None else 0.0)
    segments = layout.xy[layout.edges]
    ax.add_collection(LineCollection(segments, colors="#d0d0d0", linewidths=0.8, zorder=1))
    racks = _racks(layout)
    if len(layout.slots) <= 50_000:
        ax.add_collection(PolyCollection(list(racks.cells), facecolors=_RACK, edgecolors="none",
                                         zorder=1.5))  # fmt: skip
    else:
        picks = layout.xy[layout.node_kind == NODE_PICK]
        ax.scatter(picks[:, 0], picks[:, 1], s=1, c=_RACK_EDGE, zorder=2, linewidths=0)
    handles: list[Any] = [Patch(facecolor=_RACK, label=f"racks ({len(layout.slots):,} slots)")]
    for d in layout.depots:
        x, y = layout.xy[d.node]
        ax.scatter([x], [y], marker="s", s=70, c="#d62728", zorder=7, edgecolors="white")
        ax.annotate(d.name, (x, y), textcoords="offset points", xytext=(7, -12),
                    fontsize=MIN_FONT, zorder=7)  # fmt: skip
    handles.append(ax.scatter([], [], marker="s", s=70, c="#d62728", label="depot"))
    if labels:
        width, depth = layout.extent
        scale = _points_per_m(
            ax, width * (1.3 if layout.aisles is not None else 1.1), depth * 1.15
        )
        _label_aisles(ax, racks, scale)
        _label_cross_aisles(ax, layout, scale)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.margins(0.04)
    ax.set_xlabel("x (m)", fontsize=MIN_FONT + 1)
    ax.set_ylabel("y (m)", fontsize=MIN_FONT + 1)
    ax.tick_params(labelsize=MIN_FONT)
    ax.set_title(f"{layout.name} ({len(layout.slots):,} slots)", fontsize=MIN_FONT + 2)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=MIN_FONT, frameon=False)  # fmt: skip
    return ax


def plot_heatmap(
    layout: Layout,
    values_by_slot_code: Mapping[str, Any],
    ax: Axes | None = None,
    *,
    label: str = "value",
    cmap: str | None = None,
    combine: str = "sum",
    title: str | None = None,
    limits: tuple[float, float] | None = None,
    colorbar: bool = True,
    log: bool = False,
) -> Axes:
    """Colour each slot's rack cell by a value: numbers on a colour scale,
    strings (an ABC class) as classes with a legend.

    Parameters
    ----------
    layout
        The warehouse.
    values_by_slot_code
        Bin code -> value; slots left out are drawn as plain racks. numpy
        scalars and strings are accepted.
    ax
        Axes to draw on; a new figure when ``None``.
    label
        What the values are (the colour bar's or the legend's title, with units).
    cmap
        A matplotlib colour map for numbers (default ``"viridis"``).
    combine
        How the numbers of slots stacked in one rack cell (levels) are shown:
        ``"sum"``, ``"mean"`` or ``"max"``.
    title
        The axes' title; default the layout's name and ``label``.
    limits
        ``(low, high)`` of the colour scale, to compare several layouts on one
        scale; default the values' range.
    colorbar
        Draw the colour bar of numbers (side-by-side panels on one scale may
        share one: ``fig.colorbar(ax.collections[-1], ax=axes)``).
    log
        A logarithmic colour scale for numbers (heavy-tailed values such as
        picks per slot); values <= 0 are drawn in the scale's lowest colour.

    Examples
    --------
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> ax = plot_heatmap(layout, {"A01-B1-001-L-1": "A", "A02-B1-001-L-1": "B"}, label="class")
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ['A (1 slots)', 'B (1 slots)']
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    if combine not in ("sum", "mean", "max"):
        raise PickoptError(f"combine must be 'sum', 'mean' or 'max', got {combine!r}")
    values = {str(k): v.item() if isinstance(v, np.generic) else v
              for k, v in values_by_slot_code.items()}  # fmt: skip
    ax = plot_layout(layout, ax, labels=True)
    old_legend = ax.get_legend()
    if old_legend is not None:
        old_legend.remove()
    racks = _racks(layout)
    index = {s.code: s.index for s in layout.slots}
    unknown = [c for c in values if c not in index]
    if unknown:
        layout.slot(unknown[0])  # raises UnknownSlotError with a suggestion
    cells: dict[bytes, list[Any]] = {}
    polys: dict[bytes, np.ndarray] = {}
    for code, v in values.items():
        poly = racks.cells[index[code]]
        key = poly.round(3).tobytes()
        cells.setdefault(key, []).append(v)
        polys[key] = poly
    keys = list(cells)
    if all(isinstance(v[0], str) for v in cells.values()):
        names = sorted({v[0] for v in cells.values()})
        handles = []
        for j, name in enumerate(names):
            mine = [polys[k] for k in keys if cells[k][0] == name]
            colour = _CLASS_COLOURS[j % len(_CLASS_COLOURS)]
            ax.add_collection(PolyCollection(mine, facecolors=colour, edgecolors="none",
                                             zorder=3))  # fmt: skip
            count = sum(1 for v in values.values() if v == name)
            handles.append(Patch(facecolor=colour, label=f"{name} ({count:,} slots)"))
        ax.legend(handles=handles, title=label, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=MIN_FONT, title_fontsize=MIN_FONT + 1, frameon=False)  # fmt: skip
    else:
        reduce: dict[str, Any] = {"sum": np.sum, "mean": np.mean, "max": np.max}
        numbers = np.array([float(reduce[combine](np.asarray(cells[k], dtype=float)))
                            for k in keys])  # fmt: skip
        coll = PolyCollection([polys[k] for k in keys], array=numbers, cmap=cmap or "viridis",
                              edgecolors="none", zorder=3)  # fmt: skip
        if log:
            from matplotlib.colors import LogNorm

            low, high = limits or (float(numbers[numbers > 0].min(initial=1.0)),
                                   float(numbers.max(initial=1.0)))  # fmt: skip
            coll.set_norm(LogNorm(vmin=low, vmax=max(high, low)))
            coll.set_array(np.maximum(numbers, low))
        elif limits is not None:
            coll.set_clim(*limits)
        ax.add_collection(coll)
        fig = ax.get_figure(root=True)
        assert fig is not None
        if colorbar:
            bar = fig.colorbar(coll, ax=ax, shrink=0.8, pad=0.02)
            bar.set_label(label, fontsize=MIN_FONT + 1)
            bar.ax.tick_params(labelsize=MIN_FONT)
    ax.set_title(title or f"{layout.name}: {label}", fontsize=MIN_FONT + 2)
    return ax


def step_labels(route: Route, steps: Sequence[str] | None = None) -> dict[int, str]:
    """Pick node -> the pick-list step numbers picked there, e.g. ``"3-5"`` or ``"2,7"``.

    Parameters
    ----------
    route
        The planned walk.
    steps
        The bin code of each line of the pick list in walking order (a wave
        plan's ``[s.bin for s in batch.steps]``); default one step per stop
        of the route.

    Examples
    --------
    >>> from optimizer import Layout, route
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> r = route(layout, ["A01-B1-003-L-1", "A01-B1-003-R-1", "A02-B1-001-L-1"])
    >>> sorted(step_labels(r).values())
    ['1-2', '3']
    """
    bins = list(route.stops) if steps is None else [str(b) for b in steps]
    numbers: dict[int, list[int]] = {}
    for k, code in enumerate(bins, start=1):
        numbers.setdefault(route.layout.slot(code).node, []).append(k)
    return {node: _ranges(ks) for node, ks in numbers.items()}


def _ranges(ks: list[int]) -> str:
    """``[3, 4, 5, 8]`` -> ``"3-5,8"``."""
    parts: list[str] = []
    start = prev = ks[0]
    for k in [*ks[1:], None]:
        if k is not None and k == prev + 1:
            prev = k
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if k is not None:
            start = prev = k
    return ",".join(parts)


def _arrows(ax: Axes, walk: np.ndarray, every: float) -> None:
    """Direction arrows along the walk, about every ``every`` metres."""
    seg = np.diff(walk, axis=0)
    length = np.hypot(seg[:, 0], seg[:, 1])
    run = 0.0
    for k in range(length.size):
        if length[k] <= 1e-9:
            continue
        run += length[k]
        if run >= every and length[k] >= 0.5:
            run = 0.0
            mid = walk[k] + 0.55 * seg[k]
            ax.annotate("", xy=mid + 0.05 * seg[k] / length[k], xytext=mid,
                        arrowprops={"arrowstyle": "-|>", "color": _WALK, "lw": 1.2,
                                    "mutation_scale": 13}, zorder=4)  # fmt: skip


def plot_route(
    route: Route,
    ax: Axes | None = None,
    *,
    steps: Sequence[str] | None = None,
    legend: bool = True,
    labels: bool = True,
) -> Axes:
    """Draw the layout, the walk of ``route`` with direction arrows, its start and
    end, and each pick location numbered with its pick-list steps.

    Parameters
    ----------
    route
        A planned route (it knows the layout it walks).
    ax
        Axes to draw on; a new figure when ``None``.
    steps
        The pick list's bin codes in walking order (see :func:`step_labels`);
        default one step per stop of the route.
    legend
        Draw the legend.
    labels
        Label aisles and cross-aisles.
    """
    layout = route.layout
    ax = plot_layout(layout, ax, labels=labels)
    base = ax.get_legend()
    handles = list(base.legend_handles) if base is not None else []
    if base is not None:
        base.remove()
    walk = layout.xy[np.asarray(route.path, dtype=np.int64)]
    (line,) = ax.plot(walk[:, 0], walk[:, 1], color=_WALK, linewidth=1.6, zorder=3,
                      label=f"walk ({route.distance:,.0f} m)")  # fmt: skip
    width, depth = layout.extent
    _arrows(ax, walk, every=max(width, depth) / 6)
    numbers = step_labels(route, steps)
    nodes = np.fromiter(numbers, dtype=np.int64, count=len(numbers))
    xy = layout.xy[nodes] if nodes.size else np.zeros((0, 2))
    picks = ax.scatter(xy[:, 0], xy[:, 1], s=150, c=_PICK, zorder=5, edgecolors="white",
                       linewidths=0.8, label="pick (pick-list step)")  # fmt: skip
    for node, text in numbers.items():
        x, y = layout.xy[node]
        ax.annotate(text, (x, y), ha="center", va="center", fontsize=MIN_FONT, zorder=8,
                    fontweight="bold")  # fmt: skip
    start, end = layout.xy[layout.depot(route.start).node], layout.xy[layout.depot(route.end).node]
    ends = [ax.scatter([start[0]], [start[1]], marker="^", s=170, c="#2ca02c", zorder=9,
                       edgecolors="black",
                       label=f"start and end ({route.start})" if route.start == route.end
                       else f"start ({route.start})")]  # fmt: skip
    if route.end != route.start:
        ends.append(ax.scatter([end[0]], [end[1]], marker="v", s=170, c="#9467bd", zorder=9,
                               edgecolors="black", label=f"end ({route.end})"))  # fmt: skip
    if legend:
        ax.legend(handles=[line, picks, *ends, *handles], loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), fontsize=MIN_FONT, frameon=False)  # fmt: skip
    ax.set_title(
        f"{layout.name}: {len(route.stops)} picks, {route.distance:,.1f} m "
        f"({route.method}{', optimal' if route.optimal else ''})",
        fontsize=MIN_FONT + 2,
    )
    return ax


def plot_wave(
    tours: Sequence[WaveTour],
    n: int = 6,
    title: str | None = None,
    *,
    which: Sequence[int] | None = None,
) -> Axes:
    """Small multiples of chosen tours of a wave, each titled with its tour id.

    Parameters
    ----------
    tours
        The tours of the wave, e.g. ``plan.batches`` of a wave plan.
    n
        How many tours to draw when ``which`` is not given (the first ``n``).
    title
        The figure's title; by default the number of tours and their walking
        distance in all.
    which
        Tour ids (positions in ``tours``, from 0) to draw.

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
    >>> ax = plot_wave(tours, which=[1])
    >>> ax.get_title(), ax.get_figure(root=True).get_suptitle()
    ('tour 1: 1 orders, 2 bins, 102 m', '2 tours, 109 m in all')
    """
    plt = _pyplot()
    chosen = list(range(min(n, len(tours)))) if which is None else [int(k) for k in which]
    for k in chosen:
        if not 0 <= k < len(tours):
            raise PickoptError(f"tour {k} out of range: the wave has {len(tours)} tours")
    cols = min(3, max(1, len(chosen)))
    rows = max(1, -(-len(chosen) // cols))
    fig, grid = plt.subplots(rows, cols, figsize=(5.2 * cols + 1.8, 5.0 * rows), squeeze=False)
    panels = grid.ravel()
    for j, (ax, k) in enumerate(zip(panels, chosen, strict=False)):
        tour = tours[k]
        r = tour.route
        steps = getattr(tour, "steps", None)
        bins = [s.bin for s in steps] if steps is not None else None
        plot_route(r, ax=ax, steps=bins, legend=j == cols - 1, labels=False)
        ax.set_title(f"tour {k}: {len(tour.orders)} orders, {len(r.stops)} bins, "
                     f"{r.distance:,.0f} m", fontsize=MIN_FONT + 1)  # fmt: skip
        if j % cols:
            ax.set_ylabel("")
    for ax in panels[len(chosen) :]:
        ax.set_axis_off()
    if title is None:
        title = f"{len(tours)} tours, {sum(t.route.distance for t in tours):,.0f} m in all"
    fig.suptitle(title, fontsize=MIN_FONT + 3)
    fig.tight_layout()
    return panels[0]


def plot_kpis(
    frame: Any,
    y: str = "total_distance_m",
    by: str = "scenario",
    *,
    hue: str | None = None,
    kind: str = "bar",
    ax: Axes | None = None,
    ylabel: str | None = None,
) -> Axes:
    """A KPI of an experiments frame by scenario: mean bars, boxes over
    days/waves, or lines over a numeric ``by``.

    Parameters
    ----------
    frame
        A pandas DataFrame, one row per scenario and wave (see
        :func:`optimizer.jobs.experiments.run_experiments`).
    y
        The KPI column, e.g. ``"total_distance_m"`` or ``"saving_vs_fcfs_pct"``.
    by
        The column on the x axis.
    hue
        A column whose values get their own colour (bars side by side, one
        line each).
    kind
        ``"bar"`` (mean, with the range of the waves as error bars), ``"box"``
        or ``"line"`` (mean per ``by``, one line per ``hue``).
    ax
        Axes to draw on; a new figure when ``None``.
    ylabel
        The y axis label; default ``y`` with its unit spelt out.
    """
    if kind not in ("bar", "box", "line"):
        raise PickoptError(f"kind must be 'bar', 'box' or 'line', got {kind!r}")
    for column in (y, by, hue):
        if column is not None and column not in frame.columns:
            raise PickoptError(f"no column {column!r} in the frame "
                               f"(have {', '.join(map(str, frame.columns))})")  # fmt: skip
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(7.5, 4.5))
    assert ax is not None
    xs = list(dict.fromkeys(frame[by].tolist()))
    groups = [None] if hue is None else list(dict.fromkeys(frame[hue].tolist()))
    width = 0.8 / len(groups)
    for g, group in enumerate(groups):
        part = frame if group is None else frame[frame[hue] == group]
        data = [part[part[by] == x][y].to_numpy(dtype=float) for x in xs]
        colour = _CLASS_COLOURS[(g + 3) % len(_CLASS_COLOURS)]
        name = None if group is None else str(group)
        pos = np.arange(len(xs)) + (g - (len(groups) - 1) / 2) * width
        if kind == "line":
            keep = [k for k, d in enumerate(data) if d.size]
            ax.plot([xs[k] for k in keep], [d.mean() for d in (data[k] for k in keep)],
                    marker="o", color=colour, label=name)  # fmt: skip
        elif kind == "bar":
            means = np.array([d.mean() if d.size else np.nan for d in data])
            low = means - np.array([d.min() if d.size else np.nan for d in data])
            high = np.array([d.max() if d.size else np.nan for d in data]) - means
            ax.bar(pos, means, width=width * 0.95, color=colour, label=name,
                   yerr=[low, high], capsize=3)  # fmt: skip
        else:
            box = ax.boxplot([d if d.size else [np.nan] for d in data], positions=pos,
                             widths=width * 0.8, patch_artist=True)  # fmt: skip
            for patch in box["boxes"]:
                patch.set_facecolor(colour)
            if name is not None:
                ax.plot([], [], color=colour, linewidth=8, label=name)
    if kind != "line":
        ax.set_xticks(np.arange(len(xs)), [str(x) for x in xs], fontsize=MIN_FONT)
    ax.set_xlabel(by.replace("_", " "), fontsize=MIN_FONT + 1)
    ax.set_ylabel(ylabel or _unit_label(y), fontsize=MIN_FONT + 1)
    ax.tick_params(labelsize=MIN_FONT)
    ax.grid(axis="y", alpha=0.3)
    if hue is not None:
        ax.legend(title=hue.replace("_", " "), fontsize=MIN_FONT, title_fontsize=MIN_FONT)
    return ax


def _unit_label(column: str) -> str:
    """``"total_distance_m"`` -> ``"total distance (m)"``."""
    units = {"_m": "m", "_s": "s", "_pct": "%"}
    for suffix, unit in units.items():
        if column.endswith(suffix):
            return f"{column[: -len(suffix)].replace('_', ' ')} ({unit})"
    return column.replace("_", " ")


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

    Two :func:`plot_heatmap` panels (levels of one rack cell summed) on one
    logarithmic colour scale, so a slot that turns hot shows as the same
    colour in both.

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
    plt = _pyplot()
    top = max(1.0, *(float(v) for side in (before, after) for v in side.values()))
    limits = (min(1.0, top / 10.0), top)
    width, depth = layout.extent
    scale = 6.0 / max(width, depth, 1.0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(2 * max(4.0, width * scale + 1) + 1.5,
                                                     max(4.0, depth * scale + 1)))  # fmt: skip
    for ax, values, title in zip((left, right), (before, after), titles, strict=True):
        plot_heatmap(layout, values, ax, label=label, cmap="inferno_r", title=title,
                     limits=limits, colorbar=False, log=True)  # fmt: skip
    fig.colorbar(right.collections[-1], ax=[left, right], label=label, shrink=0.8)
    return left


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

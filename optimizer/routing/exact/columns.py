"""The sweep's columns for one layout and one pair of depots: the aisles, and
each depot's abscissa when it sits between two aisles."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from optimizer.layout import DepotPlacement, Layout

__all__ = ["Frame", "frame", "placement", "flat_index"]


@dataclass(frozen=True, eq=False)
class Frame:
    """The columns of the sweep for one layout and one pair of depots.

    Columns are the aisles plus the abscissa of each depot attached between
    two aisles; vertex ``(c, col)`` is where column ``col`` meets cross-aisle
    ``c``, compact id ``c * ncol + col``.
    """

    col_aisle: np.ndarray  # aisle index per column; -1 for a depot between aisles
    x: np.ndarray  # abscissa of each column
    req: np.ndarray  # bit c: vertex (c, col) must be visited
    odd: np.ndarray  # bit c: vertex (c, col) must get odd degree (an open walk's end)
    grid: np.ndarray  # node id per compact vertex id; -1 = a point on a cross-aisle
    first: int  # compact id where the sweep's walk starts
    last: int  # compact id where it ends
    head: tuple[int, ...]  # waypoints before: the start depot if set back
    tail: tuple[int, ...]  # waypoints after: the end depot if set back
    spur: float  # length of the set-back spurs walked


def placement(layout: Layout, node: int) -> DepotPlacement | None:
    """Where depot ``node`` sits on the cross-aisles, or None if not a depot.

    Parameters
    ----------
    layout
        A parallel-aisle layout.
    node
        A node id.
    """
    if layout.aisles is None:
        return None
    for depot, where in zip(layout.depots, layout.aisles.depots, strict=True):
        if depot.node == node:
            return where
    return None


@lru_cache(maxsize=64)
def flat_index(layout: Layout) -> np.ndarray:
    """Per node, its flat index into ``layout.aisles.pick_node``, or -1."""
    geo = layout.aisles
    assert geo is not None
    out = np.full(layout.n_nodes, -1, dtype=np.int64)
    out[geo.pick_node.ravel()] = np.arange(geo.pick_node.size)
    return out


@lru_cache(maxsize=64)
def frame(layout: Layout, start: int, end: int) -> Frame:
    """The sweep's columns for tours from depot ``start`` to depot ``end``.

    Parameters
    ----------
    layout
        A parallel-aisle layout.
    start, end
        Depot nodes (checked by :meth:`ExactRouter.supports`).
    """
    geo = layout.aisles
    assert geo is not None
    first, last = placement(layout, start), placement(layout, end)
    assert first is not None and last is not None
    ends = (first, last)
    n = geo.n_blocks + 1
    columns = {float(x): i for i, x in enumerate(geo.aisle_x.tolist())}
    for p in ends:
        if p.attach not in geo.junction[:, p.cross_aisle]:  # between two aisles
            columns.setdefault(float(layout.xy[p.attach, 0]), -1)
    xs = sorted(columns)
    ncol = len(xs)
    col_aisle = np.array([columns[x] for x in xs], dtype=np.int64)
    grid = np.full((n, ncol), -1, dtype=np.int64)
    for col, i in enumerate(col_aisle.tolist()):
        if i >= 0:
            grid[:, col] = geo.junction[i]
    req = np.zeros(ncol, dtype=np.int64)
    odd = np.zeros(ncol, dtype=np.int64)
    ids = []
    for p in ends:
        col = xs.index(float(layout.xy[p.attach, 0]))
        grid[p.cross_aisle, col] = p.attach
        req[col] |= 1 << p.cross_aisle
        odd[col] ^= 1 << p.cross_aisle  # start and end at one vertex cancel out
        ids.append(p.cross_aisle * ncol + col)
    return Frame(
        col_aisle=col_aisle,
        x=np.array(xs),
        req=req,
        odd=odd,
        grid=grid.ravel(),
        first=ids[0],
        last=ids[1],
        head=(start,) if start != first.attach else (),
        tail=(end,) if end != last.attach else (),
        spur=first.setback + last.setback,
    )

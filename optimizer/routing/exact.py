"""Optimal pick routes in rectangular warehouses with one, two or three blocks.

The router ``EXACT`` (``route(..., method="exact")``) solves the single-picker
routing problem to optimality by dynamic programming over the aisles, left to
right, in the tradition of

- Ratliff & Rosenthal (1983) for one block (front and back cross-aisle),
- Roodbergen & de Koster (2001) for two blocks (a middle cross-aisle), and
- Pansart, Catusse & Cambazard (2018) for any number of cross-aisles, used
  here for three blocks (four cross-aisles).

All build the optimal tour as an even, connected multigraph on a reduced
graph: the aisle ends, the pick nodes and the depot. Sweeping the aisles from
left to right, a partial solution is summarised by an *equivalence class*:
for every cross-aisle vertex of the current aisle whether its degree is zero,
even or odd, and which of them are connected so far. In an aisle of one
block, the optimal subgraph is one of six configurations (traverse once,
traverse twice, return from the front, return from the back, return from both
ends leaving the largest gap, nothing); between two aisles each cross-aisle
edge is walked 0, 1 or 2 times.

Why this is exact
-----------------
A walk through the picks is an Euler path of a connected multigraph on the
reduced graph whose vertices all have even degree except the two ends of an
open walk (and conversely). In a cheapest such multigraph,

1. no edge is used more than twice: removing two copies of an edge used three
   times or more keeps every degree's parity and the connectivity;
2. inside one aisle of one block, the pick vertices get edges only from the
   aisle, so all its edges are used an odd number of times (once, by 1.) or
   all an even number (0 or 2). In the even case the unused edges form at
   most one run, since two would cut off the picks between them: the aisle
   is walked twice through, or in and back from the front, from the back,
   or from both ends leaving out one gap between two picks (the largest is
   cheapest, and which gap does not change the class), or not at all if it
   has no picks. With "once", these are the six configurations;
3. which completions (the edges right of the current column) turn a partial
   multigraph into a valid one depends only on its class: the degree (zero,
   even, odd) of each vertex it shares with the completion, i.e. the current
   column's cross-aisle vertices, and which of them it connects. A
   component that leaves the frontier can never be joined again, so it must
   be the whole tour.

Hence one DP value per class suffices and the sweep finds the optimum over
all tours. The classes and transitions are generated from these rules, not
tabulated by hand: for closed tours the sweep meets 7 classes with one block,
exactly those of Ratliff & Rosenthal (counting "nothing yet" and "complete"),
25 with two and 113 with three. The tests check the optimum against
Held-Karp on thousands of random one-, two- and three-block warehouses and
against LKH-3 on 30 to 60 picks in a 40-aisle three-block warehouse.
Generating the classes makes two generalisations cheap:

- **any depot position**: on any cross-aisle, at an aisle or between two
  aisles (its abscissa becomes an extra column without aisle edges whose
  cross-aisle vertex must be visited), possibly set back from the front or
  back cross-aisle by a spur, walked out and back;
- **open walks** from one depot to another: the two ends must get odd degree
  and every other vertex even degree, a parity condition the classes already
  track. The optimal subgraph then has an Euler path from start to end.

The tour is returned as the Euler circuit (or path) of the optimal multigraph,
as reduced-graph vertices in walking order: consecutive waypoints always lie
on one aisle or one cross-aisle (straight past the aisles the sweep skips),
so joining them by shortest walks reproduces the DP's walk and the sum of
their distances is the optimum.

Complexity and the block limit
------------------------------
With ``n`` aisles, ``m`` blocks, ``k`` picks and ``S`` classes (closed tours
and open walks together: 14, 72 and 442 for one, two and three blocks), the
sweep takes ``O((n + 2) * S * (6 m + 2^(m+1)))`` time, over fewer columns in
practice: those with picks or a depot and few others (see "the sweep" below).
The aisle step is applied one block at a time (6 configurations each, not
``6^m`` at once), and in the cross step the parity each vertex must end with
forces the parity of each edge count, leaving at most ``2^(m+1)`` of the
``3^(m+1)`` choices. That is a constant per aisle: about 140 transitions for
one block and 15,000 for three, most of them skipped because few classes are
reached. Reading the picks costs ``O(k)`` after sorting, and the walk back
through the DP's choices and the Euler walk ``O(k + n)``, so a route costs
``O(k log k + n)`` in all.

The class tables are built in Python once per block count and per process
(:func:`machine` is cached): 2 ms for one block, 10 ms for two, 0.15 s for
three. The sweep, the walk back, the Euler walk and the node path run in
numba, in one kernel call. Measured, warm, for 10 / 30 / 60 picks:
:meth:`ExactRouter.solve` 6 / 8 / 10 us in ``single_block``, 8 / 11 / 13 us in
``two_block`` and 19 / 36 / 53 us in ``multi_block_large`` (40 aisles, three
blocks); the whole ``route()`` call 20 / 30 / 41 us, 22 / 33 / 49 us and 37 /
74 / 123 us. :meth:`ExactRouter.length`, the optimum alone (what batching
scores candidate batches with), skips the walk: 0.9 to 1.4 us per tour for 5
to 60 picks in ``single_block``, 1.6 to 3.0 us in ``two_block`` and 6 / 10 /
21 / 30 us for 5 / 10 / 30 / 60 picks in ``multi_block_large``.

``MAX_BLOCKS`` is 3 because the classes grow quickly with the cross-aisles:
four blocks reach 2,956 classes, whose tables take about 3 s to build and
55 MB to hold, for 2 to 3 ms per route. The sweep itself is exact for any
block count; lift the limit only with the build cost in mind.

References
----------
.. [1] H. D. Ratliff and A. S. Rosenthal, "Order-picking in a rectangular
   warehouse: a solvable case of the traveling salesman problem",
   Operations Research 31(3), 507-521, 1983.
.. [2] K. J. Roodbergen and R. de Koster, "Routing order pickers in a
   warehouse with a middle aisle", European Journal of Operational Research
   133(1), 32-43, 2001.
.. [3] L. Pansart, N. Catusse and H. Cambazard, "Exact algorithms for the
   order picking problem", Computers & Operations Research 100, 117-127, 2018.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from optimizer._jit import jit
from optimizer.errors import RoutingError
from optimizer.layout import DepotPlacement, Layout
from optimizer.routing.base import RoutingProblem, Tour

__all__ = ["EXACT", "ExactRouter", "MAX_BLOCKS"]

MAX_BLOCKS = 3  # 4 blocks: 2,956 classes, ~3 s to build the tables (see above)
_INT64 = np.dtype(np.int64)
_INF = float("inf")

# Aisle configurations: what the optimal tour does inside one aisle of one block.
NONE, PASS1, PASS2, BOTTOM, TOP, GAP = range(6)
N_CONFIGS = 6
# Per configuration: degree added at the lower end, at the upper end, and
# whether the aisle joins the two ends into one component.
_EFFECT = (
    (0, 0, False),  # NONE: not entered (only without picks)
    (1, 1, True),  # PASS1: traversed once
    (2, 2, True),  # PASS2: traversed twice
    (2, 0, False),  # BOTTOM: entered from below up to the last pick, and back
    (0, 2, False),  # TOP: entered from above down to the first pick, and back
    (2, 2, False),  # GAP: from both ends, leaving out the largest gap between picks
)

# Degree classes of a frontier vertex.
ZERO, EVEN, ODD = 0, 1, 2

# A class is (degree class per vertex..., component label per vertex...),
# labels canonical by first appearance and -1 for degree zero. The empty
# tuple is "closed": the one component of the tour is complete, and nothing
# may follow.
State = tuple[int, ...]
CLOSED: State = ()


# ---- the class machine ------------------------------------------------------
@dataclass(frozen=True)
class Machine:
    """Classes and transitions of the sweep for one number of blocks.

    The aisle step is factorised by block (a column's aisle configurations
    are applied one block at a time, and a class after part of them is a
    class after the whole step with ``NONE`` in the other blocks), and the
    cross step is stored as short option lists: once the parity each vertex
    must end with is known, the parity of each edge count is forced, leaving
    at most ``2^(m+1)`` of the ``3^(m+1)`` choices.

    Attributes
    ----------
    states
        The classes, index = state id.
    vnext
        ``vnext[b, s, cfg]``: class after configuration ``cfg`` in the aisle of
        block ``b`` from class ``s``; -1 if infeasible.
    hcount, hcode, hto
        From class ``s`` when the vertices in bit mask ``odd`` must end with
        odd degree, the feasible cross steps to the next column are
        ``hcode[odd, s, j]`` (edge counts in base 3, one digit per
        cross-aisle), leading to class ``hto[odd, s, j]``, for
        ``j < hcount[odd, s]``.
    hvisit
        ``hvisit[s, x]``: bit mask of the vertices of the column left behind
        that the tour visits after cross step ``x`` from class ``s``.
    xsum
        ``xsum[x]``: number of cross-aisle edges walked, times the gap width
        gives the cost.
    empty, closed
        Ids of the "nothing yet" and "closed" classes.
    """

    n_blocks: int
    states: tuple[State, ...]
    vnext: np.ndarray
    hcount: np.ndarray
    hcode: np.ndarray
    hto: np.ndarray
    hvisit: np.ndarray
    xsum: np.ndarray
    empty: int
    closed: int


def _canonical(cls: list[int], lab: list[int]) -> State:
    """Relabel components by first appearance so equal classes compare equal."""
    names: dict[int, int] = {}
    out = [-1 if label < 0 else names.setdefault(label, len(names)) for label in lab]
    return (*cls, *out)


def _add_degree(cls: int, add: int) -> int:
    """Degree class after adding ``add`` edge ends to a vertex of class ``cls``."""
    if add == 0:
        return cls
    odd = (cls == ODD) != (add % 2 == 1)
    return ODD if odd else EVEN


def _aisle_step(state: State, b: int, cfg: int) -> State | None:
    """Class after configuration ``cfg`` in the aisle of block ``b``."""
    if state == CLOSED:
        return CLOSED if cfg == NONE else None
    n = len(state) // 2
    cls, lab = list(state[:n]), list(state[n:])
    fresh = n  # canonical labels are < n, so these never collide
    lower, upper, joins = _EFFECT[cfg]
    for v, add in ((b, lower), (b + 1, upper)):
        if add:
            cls[v] = _add_degree(cls[v], add)
            if lab[v] < 0:  # a new component starts here
                lab[v], fresh = fresh, fresh + 1
    if joins:
        gone = lab[b + 1]
        lab = [lab[b] if label == gone else label for label in lab]
    return _canonical(cls, lab)


def _visited(state: State, xs: tuple[int, ...]) -> int:
    """Bit mask of the vertices of a column that end with positive degree."""
    if state == CLOSED:
        return 0
    return sum(1 << v for v, x in enumerate(xs) if state[v] != ZERO or x)


def _cross_step(state: State, xs: tuple[int, ...]) -> tuple[int, State] | None:
    """Walk each cross-aisle edge to the next column ``xs[c]`` times.

    The vertices of the column left behind get no more edges, so their final
    degree parity is fixed here: returned as the bit mask of odd vertices,
    with the class that follows. Components that do not reach the next column
    are complete: allowed only for the one and last. Returns ``None`` if
    infeasible.
    """
    if state == CLOSED:
        return (0, CLOSED) if not any(xs) else None
    n = len(state) // 2
    cls, lab = state[:n], state[n:]
    new_cls, new_lab = [ZERO] * n, [-1] * n
    going_on: set[int] = set()
    odd = 0
    for v, x in enumerate(xs):
        if (cls[v] == ODD) != (x % 2 == 1):
            odd |= 1 << v
        if x:
            new_cls[v] = ODD if x == 1 else EVEN
            if cls[v] != ZERO:
                new_lab[v] = lab[v]
                going_on.add(lab[v])
            else:  # starts a component at the edge, e.g. at the depot
                new_lab[v] = n + v
    finished = {label for label in lab if label >= 0} - going_on
    if finished:
        return (odd, CLOSED) if len(finished) == 1 and not any(xs) else None
    return odd, _canonical(new_cls, new_lab)


@cache
def machine(n_blocks: int) -> Machine:
    """The classes and transition tables for ``n_blocks`` blocks (built once).

    Parameters
    ----------
    n_blocks
        Number of blocks; the sweep tracks ``n_blocks + 1`` cross-aisles.
    """
    n = n_blocks + 1
    # Reversed so that the index is sum(xs[c] * 3**c).
    xs_all = [xs[::-1] for xs in itertools.product(range(3), repeat=n)]
    empty: State = (ZERO,) * n + (-1,) * n
    index: dict[State, int] = {empty: 0, CLOSED: 1}
    order: list[State] = [empty, CLOSED]
    edges_v: dict[tuple[int, int, int], int] = {}
    edges_h: dict[tuple[int, int], list[tuple[int, int]]] = {}
    visit: dict[tuple[int, int], int] = {}

    def intern(state: State) -> int:
        if state not in index:
            index[state] = len(order)
            order.append(state)
        return index[state]

    pos = 0
    while pos < len(order):  # breadth-first over every reachable class
        state, s = order[pos], pos
        pos += 1
        for b in range(n_blocks):
            for cfg in range(N_CONFIGS):
                nxt = _aisle_step(state, b, cfg)
                if nxt is not None:
                    edges_v[b, s, cfg] = intern(nxt)
        for x, xs in enumerate(xs_all):
            visit[s, x] = _visited(state, xs)
            step = _cross_step(state, xs)
            if step is not None:
                edges_h.setdefault((step[0], s), []).append((x, intern(step[1])))
    n_states = len(order)
    vnext = np.full((n_blocks, n_states, N_CONFIGS), -1, dtype=np.int64)
    for (b, s, cfg), t in edges_v.items():
        vnext[b, s, cfg] = t
    width = max(len(options) for options in edges_h.values())  # at most 2^n
    hcount = np.zeros((2**n, n_states), dtype=np.int64)
    hcode = np.zeros((2**n, n_states, width), dtype=np.int64)
    hto = np.full((2**n, n_states, width), -1, dtype=np.int64)
    for (odd, s), options in edges_h.items():
        hcount[odd, s] = len(options)
        for j, (x, t) in enumerate(options):
            hcode[odd, s, j], hto[odd, s, j] = x, t
    hvisit = np.zeros((n_states, len(xs_all)), dtype=np.int64)
    for (s, x), seen in visit.items():
        hvisit[s, x] = seen
    return Machine(
        n_blocks=n_blocks,
        states=tuple(order),
        vnext=vnext,
        hcount=hcount,
        hcode=hcode,
        hto=hto,
        hvisit=hvisit,
        xsum=np.array([float(sum(xs)) for xs in xs_all]),
        empty=0,
        closed=1,
    )


# ---- per layout and depots ------------------------------------------------------
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


# ---- the sweep ---------------------------------------------------------------------
# One kernel runs the DP for both ``length`` (the optimum alone) and ``solve``
# (the optimum and the walk), over fewer columns and classes than there are:
#
# - **Outer columns.** A tour joins its stops (depots and picks) by shortest
#   walks, and a shortest walk from a pick to any stop can change cross-aisles
#   in the pick's own aisle, so it stays between the two. The columns beyond
#   the outermost picks and depots are therefore never swept (with no picks,
#   a walk from depot to depot may need an aisle beyond both: all are swept).
# - **Empty aisles between two aisles.** Let column ``k`` have an aisle
#   without picks, no depot, and aisles at columns ``k - 1`` and ``k + 1``.
#   For a tour, let ``l_c`` and ``r_c`` count its edges on cross-aisle ``c``
#   just left and just right of ``k``, and ``D = sum(l_c - r_c)``. Contracting
#   the gap right of ``k`` (dropping the ``r_c`` edges, moving the aisle
#   edges of ``k`` to ``k + 1`` and stretching the ``l_c`` edges through ``k``
#   to ``k + 1``) keeps every degree's parity, the connectivity and every
#   visit, and changes the length by ``D`` times that gap; contracting the gap
#   left of ``k`` likewise changes it by ``-D`` times that gap. So in an
#   optimal tour, at the leftmost such column with aisle edges, ``D >= 0`` and
#   the left contraction gives an optimal tour with those aisle edges one
#   column further left; repeating it gives an optimal tour without aisle
#   edges in any such column. There every cross-aisle edge passes straight
#   through (a double edge ending at ``k`` would be a detour), so the class
#   does not change and the cost is the edge count times the width: the
#   kernel skips these columns, its cross step going straight to the next
#   column swept. With 15 picks, most of the 40 aisles of
#   ``multi_block_large`` are skipped.
# - **Classes.** The ends of an open walk are odd vertices, which divide the
#   sweep into at most three phases, each reaching a known subset of the
#   classes (113 of 442 with three blocks for closed tours); the kernel
#   visits only those of the current phase.
#
# ``solve`` keeps the values of each step's classes and walks back from the
# best final class (:func:`_backtrack`): for each step, the predecessor (a
# class and a configuration, or a class and a cross step) of least value plus
# cost, found in reverse transition tables, reaches the value the sweep
# computed, so the choices add up to the optimum. The multigraph they make is
# walked by Hierholzer's algorithm (:func:`_euler_walk`). A cross step over
# skipped columns joins two vertices of one cross-aisle by one edge: the
# shortest walk between them is the straight stretch of the cross-aisle
# through the skipped aisles' junctions (any other leaves the cross-aisle and
# comes back, two aisle stretches longer), so the oracle expands the
# waypoints into exactly the walk the DP priced. The kernel also expands them
# itself, along the aisles and cross-aisles, into that node path
# (``Tour.path``), which saves ``route()`` the oracle's walk.
#
# Layout of the int32 table of :func:`_kernel_table`: a header, then the
# arrays it points to (see there).
_K_STATES, _K_EMPTY, _K_WIDTH, _K_PHASES, _K_VNEXT, _K_HOFF, _K_HTO, _K_HX = range(8)
_K_HVIS, _K_FIN, _K_HCODE, _K_HSRC, _K_VBOFF, _K_VBACK, _K_HBOFF, _K_HBACK = range(8, 16)
_K_HEAD = 16
# Layout of the int64 frame array of :func:`_context`: a header, then the
# column arrays col_aisle, req, odd, slidable (ncol each), the column of each
# aisle, ``flat_index``, the node of each vertex of the columns (``Frame.grid``),
# ``pick_node`` flattened and, for the node path, the nodes of each
# cross-aisle from left to right (offsets, then nodes) and the place of each
# vertex of the columns among those of its cross-aisle: ``2 p`` at node ``p``,
# ``2 p - 1`` between nodes ``p - 1`` and ``p``.
_F_NCOL, _F_BLOCKS, _F_CELLS, _F_AISLES, _F_NODES, _F_CLOSED, _F_SAME = range(7)
_F_DEP_LO, _F_DEP_HI, _F_FIRST, _F_START, _F_END = 7, 8, 9, 10, 11
_F_HEAD = 12
# Layout of the float64 frame array: a header, then the columns' abscissae.
_G_TO_CELL, _G_CELL, _G_BLOCK, _G_SPUR = range(4)
_G_HEAD = 4


def _reach(m: Machine, seeds: set[int]) -> set[int]:
    """The classes reachable from ``seeds`` without odd vertices (parity 0)."""
    seen, todo = set(seeds), list(seeds)
    while todo:
        s = todo.pop()
        for t in [*m.vnext[:, s].ravel().tolist(), *m.hto[0, s, : m.hcount[0, s]].tolist()]:
            if t >= 0 and t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


def _grouped(keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets per key (``n_keys + 1``) and the positions of ``keys`` grouped by key."""
    offsets = np.concatenate([[0], np.cumsum(np.bincount(keys, minlength=n_keys))])
    return offsets, np.argsort(keys, kind="stable")


@cache
def _kernel_table(n_blocks: int, parities: tuple[int, ...]) -> np.ndarray:
    """The machine of ``n_blocks`` blocks for a sweep that meets the odd
    vertex masks ``parities`` in this order, as one int32 array (built once).

    The odd vertices divide the sweep into phases, each reaching only some
    classes. Classes are renumbered so that each phase's classes are a range
    of ids (those of closed tours first), listed after the header (whose
    ``_K_WIDTH`` is the largest range): the kernel visits only those.
    Infeasible aisle steps lead to a sink ``S`` (the last id, so the kernel
    needs no test); it has no cross step and cannot close. Then ``vnext``
    (block, class, configuration); per cross parity ``p`` and class ``s`` the
    offsets ``hoff[p * (S + 1) + s]`` of its cross options, and per option the
    class it leads to, its number of cross-aisle edges and the vertices it
    visits (``hto``, ``hx``, ``hvis``); ``fin[p * (S + 1) + s]``, the vertices
    class ``s`` has visited if it may close with nothing to its right under
    parity ``p``, else -1; per option its edge counts (``hcode``, base 3) and
    the class it leaves (``hsrc``). Last, the steps in reverse, for
    :func:`_backtrack`: the aisle steps into class ``t`` in block ``b`` are
    ``vback[vboff[b * (S + 1) + t]:vboff[b * (S + 1) + t + 1]]`` (each ``8 *
    class + configuration``), and the cross options into ``t`` under parity
    ``p``, ``hback[hboff[p * (S + 1) + t]:...]``.
    """
    m = machine(n_blocks)
    n_states, n_par = len(m.states), m.hcount.shape[0]
    phases = [_reach(m, {m.empty})]
    for p in parities:
        seeds = {int(t) for s in phases[-1] for t in m.hto[p, s, : m.hcount[p, s]]}
        phases.append(_reach(m, seeds))
    # Phase 0 first, phase 1 last and phase 2 (which shares classes with
    # both) in between, so that each is a range of ids; the ranges below
    # would cover each phase whatever the order.
    in0, in1, in2 = (np.isin(np.arange(n_states), sorted(p)) for p in [*phases, set(), set()][:3])
    rank = np.select([in0 & ~in2, in0, in2 & ~in1, in2, in1], [0, 1, 2, 3, 4], 5)
    order = np.lexsort((np.arange(n_states), rank))  # class of each kernel id
    ids = np.empty(n_states + 1, dtype=np.int64)
    ids[order] = np.arange(n_states)
    ids[-1] = sink = n_states  # -1 (infeasible) -> the sink
    ranges = []
    for phase in phases:
        got = ids[sorted(phase)]
        ranges += [got.min(), got.max() + 1]
    width = max(ranges[1::2][j] - ranges[0::2][j] for j in range(len(phases)))
    vnext = np.full((n_blocks, n_states + 1, N_CONFIGS), sink, dtype=np.int64)
    vnext[:, :n_states] = ids[m.vnext[:, order]]
    assert (vnext[:, :, NONE] == np.arange(n_states + 1)).all()  # the kernel relies on it
    count = np.zeros((n_par, n_states + 1), dtype=np.int64)
    count[:, :n_states] = m.hcount[:, order]
    hoff = np.concatenate([[0], np.cumsum(count.ravel())])
    hcode, hto = m.hcode[:, order], m.hto[:, order]
    take = np.arange(hcode.shape[2]) < count[:, :n_states, None]  # (parity, class, option)
    code = hcode[take]
    parity, src = np.nonzero(take)[:2]  # per option, in the order of ``hoff``
    visit = m.hvisit[order][src, code]
    closes = ((hcode == 0) & (hto == m.closed) & take).any(axis=2)
    fin = np.full((n_par, n_states + 1), -1, dtype=np.int64)
    fin[:, :n_states] = np.where(closes, m.hvisit[order][None, :, 0], -1)
    # Reverse steps: aisle steps grouped by (block, class reached), cross
    # options by (parity, class reached).
    block, before, cfg = np.nonzero(vnext[:, :n_states] != sink)
    vboff, by_target = _grouped(block * (n_states + 1) + vnext[block, before, cfg],
                                n_blocks * (n_states + 1))  # fmt: skip
    target = ids[hto[take]]
    hboff, hback = _grouped(parity * (n_states + 1) + target, n_par * (n_states + 1))
    parts = [np.array(ranges), vnext.ravel(), hoff, target, m.xsum.astype(np.int64)[code],
             visit, fin.ravel(), code, src, vboff, (8 * before + cfg)[by_target], hboff,
             hback]  # fmt: skip
    offsets = _K_HEAD + np.concatenate([[0], np.cumsum([p.size for p in parts])])[:-1]
    head = [n_states + 1, ids[m.empty], width, *offsets.tolist()]
    assert len(head) == _K_HEAD
    return np.concatenate([head, *parts]).astype(np.int32)


@lru_cache(maxsize=64)
def _context(layout: Layout, start: int, end: int) -> tuple[np.ndarray, ...]:
    """What the kernels need besides the picks, cached per depot pair:
    ``(machine table, frame ints, frame floats)``."""
    geo = layout.aisles
    assert geo is not None
    fr = frame(layout, start, end)
    ncol = fr.col_aisle.size
    col_of_aisle = np.zeros(geo.n_aisles, dtype=np.int64)
    aisle_cols = np.flatnonzero(fr.col_aisle >= 0)
    col_of_aisle[fr.col_aisle[aisle_cols]] = aisle_cols
    depot_cols = np.flatnonzero(fr.req)
    # Columns whose aisle is skipped when it has no picks: no depot there and
    # an aisle on either side.
    aisle = fr.col_aisle >= 0
    slidable = aisle & (fr.req == 0)
    slidable[1:-1] &= aisle[:-2] & aisle[2:]
    slidable[[0, -1]] = False
    # The cross-aisles' nodes: the junctions and where depots attach.
    on_cross: list[dict[int, float]] = [
        {int(node): float(geo.aisle_x[i]) for i, node in enumerate(geo.junction[:, c])}
        for c in range(geo.n_blocks + 1)
    ]
    for p in geo.depots:
        on_cross[p.cross_aisle][p.attach] = float(layout.xy[p.attach, 0])
    cross = [sorted(nodes, key=nodes.__getitem__) for nodes in on_cross]
    place = np.empty((geo.n_blocks + 1, ncol), dtype=np.int64)
    for c, nodes in enumerate(cross):
        x = np.array([on_cross[c][node] for node in nodes])
        for col in range(ncol):
            node = int(fr.grid[c * ncol + col])
            place[c, col] = 2 * nodes.index(node) if node >= 0 else 2 * (x < fr.x[col]).sum() - 1
    head = [ncol, geo.n_blocks, geo.cells, geo.n_aisles, layout.n_nodes, int(start == end),
            int(fr.first == fr.last), depot_cols.min(), depot_cols.max(), fr.first,
            start if fr.head else -1, end if fr.tail else -1]  # fmt: skip
    assert len(head) == _F_HEAD
    ints = [
        np.array(head),
        fr.col_aisle,
        fr.req,
        fr.odd,
        slidable,
        col_of_aisle,
        flat_index(layout),
        fr.grid,
        geo.pick_node.ravel(),
        np.cumsum([0] + [len(nodes) for nodes in cross]),
        np.concatenate([np.array(nodes, dtype=np.int64) for nodes in cross]),
        place.ravel(),
    ]
    floats = [
        np.array([geo.cross_aisle_to_cell, geo.cell_length, geo.block_length, fr.spur]),
        fr.x,
    ]
    return (
        _kernel_table(geo.n_blocks, tuple(fr.odd[fr.odd != 0].tolist())),
        np.concatenate(ints).astype(np.int64),
        np.concatenate(floats).astype(np.float64),
    )


@jit
def _picks(nodes: np.ndarray, fi: np.ndarray) -> tuple[np.ndarray, int]:
    """The picks ``nodes`` as sorted distinct flat indices (aisle, block,
    cell) and -1, or ``j`` if ``nodes[j]`` is not a pick node in an aisle."""
    n_nodes, fx = fi[_F_NODES], _F_HEAD + 4 * fi[_F_NCOL] + fi[_F_AISLES]
    k = nodes.size
    flat = np.empty(k, dtype=np.int64)
    ordered = True
    for j in range(k):
        node = nodes[j]
        if node < 0 or node >= n_nodes or fi[fx + node] < 0:
            return flat[:0], j
        flat[j] = fi[fx + node]
        if j > 0 and flat[j] <= flat[j - 1]:
            ordered = False
    if not ordered:
        flat = np.unique(flat)
    return flat, -1


@jit
def _sweep(
    flat: np.ndarray, tab: np.ndarray, fi: np.ndarray, ff: np.ndarray, keep: bool
) -> tuple[float, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The DP over the columns for the sorted distinct picks ``flat`` (see above).

    ``val`` holds the value of each class (inf if not reached) and a step
    writes the next values into ``nval``, resetting ``val`` as it reads it;
    only the classes ``s0`` to ``s1 - 1`` of the current phase are visited.

    Returns
    -------
    best, state, hist, span, steps, cols
        The optimum without spurs (inf if there is no walk) and the final
        class that reaches it; with ``keep`` (else empty), for
        :func:`_backtrack`: the values after each step of the classes
        ``span[r, 0] <= s < span[r, 1]`` of its phase (class ``s`` in
        ``hist[r, s - span[r, 0]]``; row 0 before the first step, then one
        per aisle step and cross step), after an aisle step the
        configurations ``span[r, 2] <= cfg < span[r, 3]`` it allowed and
        their costs ``steps[r, cfg]``, and the columns swept.
    """
    ncol, nb, cells, n_aisles = fi[_F_NCOL], fi[_F_BLOCKS], fi[_F_CELLS], fi[_F_AISLES]
    ca, rq, od, sl = _F_HEAD, _F_HEAD + ncol, _F_HEAD + 2 * ncol, _F_HEAD + 3 * ncol
    coa = _F_HEAD + 4 * ncol
    to_cell, cell_len, block_len = ff[_G_TO_CELL], ff[_G_CELL], ff[_G_BLOCK]
    k = flat.size
    per_aisle = nb * cells
    if k == 0:  # from depot to depot: may need an aisle beyond both
        lo, hi = 0, ncol - 1
    else:
        lo = min(fi[coa + flat[0] // per_aisle], fi[_F_DEP_LO])
        hi = max(fi[coa + flat[k - 1] // per_aisle], fi[_F_DEP_HI])
    n_states, n_kept = tab[_K_STATES], np.int64(tab[_K_WIDTH])
    vn, hoff, hto, hx = tab[_K_VNEXT], tab[_K_HOFF], tab[_K_HTO], tab[_K_HX]
    hvis, fin = tab[_K_HVIS], tab[_K_FIN]
    # The loops below index with unsigned integers: numba then skips its test
    # for negative indices, which takes a third of the time otherwise.
    uvis, uto, ux = np.uint64(hvis), np.uint64(hto), np.uint64(hx)
    u_one, u_configs = np.uint64(1), np.uint64(N_CONFIGS)
    u_pass1, u_pass2, u_bottom = np.uint64(PASS1), np.uint64(PASS2), np.uint64(BOTTOM)
    u_top, u_gap = np.uint64(TOP), np.uint64(GAP)
    inf = np.inf
    first_pick = np.empty(n_aisles + 1, dtype=np.int64)  # of each aisle in ``flat``
    j = 0
    for i in range(n_aisles + 1):
        while j < k and flat[j] < i * per_aisle:
            j += 1
        first_pick[i] = j
    max_cols = 0  # the columns swept: none skipped (see below) between lo and hi
    for col in range(lo, hi + 1 if keep else lo):
        if not (fi[sl + col] and first_pick[fi[ca + col]] == first_pick[fi[ca + col] + 1]):
            max_cols += 1
    n_rows = max_cols * (nb + 1) + 1 if keep else 0
    # One allocation per type: what the sweep needs, then what it keeps.
    buf = np.empty(2 * n_states + N_CONFIGS + n_rows * (n_kept + N_CONFIGS))
    buf[: 2 * n_states] = inf
    val, nval = buf[:n_states], buf[n_states : 2 * n_states]
    cost = buf[2 * n_states : 2 * n_states + N_CONFIGS]
    cost[:] = 0.0
    at = 2 * n_states + N_CONFIGS
    hist = buf[at : at + n_rows * n_kept].reshape((n_rows, n_kept))
    steps = buf[at + n_rows * n_kept :].reshape((n_rows, N_CONFIGS))
    ibuf = np.empty(4 * n_rows + max_cols, dtype=np.int64)
    span = ibuf[: 4 * n_rows].reshape((n_rows, 4))
    cols = ibuf[4 * n_rows :]
    val[tab[_K_EMPTY]] = 0.0
    phase = tab[_K_PHASES]
    s0, s1 = np.int64(tab[phase]), np.int64(tab[phase + 1])  # the classes of the phase
    r = n_cols = 0
    if keep:
        hist[0, : s1 - s0], span[0, 0], span[0, 1] = val[s0:s1], s0, s1
    best, best_s = inf, -1
    col = lo
    while True:
        if keep:
            cols[n_cols], n_cols = col, n_cols + 1
        i = fi[ca + col]
        for b in range(nb if i >= 0 else 0):  # a depot's column has no aisle
            # The picks of this aisle and block: count, lowest and highest
            # cell, largest gap; the configurations that may be used, c0 to
            # c1 - 1, and their costs. Empty aisles may still be crossed, once
            # or twice, to connect the cross-aisles; returns into them would
            # be pointless.
            cnt = c_lo = c_hi = gap = 0
            seg = i * nb + b
            for q in range(first_pick[i], first_pick[i + 1]):
                if flat[q] // cells == seg:
                    c = flat[q] % cells
                    if cnt == 0:
                        c_lo = c
                    else:
                        gap = max(gap, c - c_hi)
                    c_hi = c
                    cnt += 1
            if cnt == 0:  # not entered (same class), or crossed once or twice
                c0, c1 = NONE, PASS2 + 1
                cost[NONE], cost[PASS1], cost[PASS2] = 0.0, block_len, 2.0 * block_len
            else:  # a gap between picks needs two of them
                c0, c1 = PASS1, GAP + 1 if cnt > 1 else GAP
                cost[PASS1], cost[PASS2] = block_len, 2.0 * block_len
                cost[BOTTOM] = 2.0 * (to_cell + c_hi * cell_len)
                cost[TOP] = 2.0 * (to_cell + (cells - 1 - c_lo) * cell_len)
                cost[GAP] = 2.0 * (block_len - gap * cell_len)
            # The step, unrolled (a fifth faster); NONE keeps the class.
            at_b = np.uint64(vn + b * n_states * N_CONFIGS)  # vnext of block b
            p1, p2, p3, p4, p5 = cost[PASS1], cost[PASS2], cost[BOTTOM], cost[TOP], cost[GAP]
            if cnt == 0:
                for s in range(np.uint64(s0), np.uint64(s1)):
                    v = val[s]
                    if v == inf:
                        continue
                    val[s] = inf
                    base = at_b + s * u_configs
                    nval[s] = min(nval[s], v)
                    t = np.uint64(tab[base + u_pass1])
                    nval[t] = min(nval[t], v + p1)
                    t = np.uint64(tab[base + u_pass2])
                    nval[t] = min(nval[t], v + p2)
            else:
                for s in range(np.uint64(s0), np.uint64(s1)):
                    v = val[s]
                    if v == inf:
                        continue
                    val[s] = inf
                    base = at_b + s * u_configs
                    t = np.uint64(tab[base + u_pass1])
                    nval[t] = min(nval[t], v + p1)
                    t = np.uint64(tab[base + u_pass2])
                    nval[t] = min(nval[t], v + p2)
                    t = np.uint64(tab[base + u_bottom])
                    nval[t] = min(nval[t], v + p3)
                    t = np.uint64(tab[base + u_top])
                    nval[t] = min(nval[t], v + p4)
                    if cnt > 1:
                        t = np.uint64(tab[base + u_gap])
                        nval[t] = min(nval[t], v + p5)
            val, nval = nval, val
            if keep:
                r += 1
                hist[r, : s1 - s0], span[r, 0], span[r, 1] = val[s0:s1], s0, s1
                span[r, 2], span[r, 3], steps[r] = c0, c1, cost[:N_CONFIGS]
        need, parity = fi[rq + col], fi[od + col]
        row = parity * n_states
        if col == hi:  # nothing to the right: every edge count is zero
            for s in range(s0, s1):
                seen = tab[fin + row + s]
                if seen >= 0 and seen & need == need and val[s] < best:
                    best, best_s = val[s], s
            break
        nxt = col + 1  # skip the empty aisles between two aisles (never hi)
        while fi[sl + nxt] and first_pick[fi[ca + nxt]] == first_pick[fi[ca + nxt] + 1]:
            nxt += 1
        width = ff[_G_HEAD + nxt] - ff[_G_HEAD + col]
        at_p = np.uint64(hoff + row)  # hoff of the parity
        for s in range(np.uint64(s0), np.uint64(s1)):
            v = val[s]
            if v == inf:
                continue
            val[s] = inf
            for o in range(np.uint64(tab[at_p + s]), np.uint64(tab[at_p + s + u_one])):
                if need and tab[uvis + o] & need != need:
                    continue
                t = np.uint64(tab[uto + o])
                nval[t] = min(nval[t], v + tab[ux + o] * width)
        val, nval = nval, val
        if parity:
            phase += 2
            s0, s1 = np.int64(tab[phase]), np.int64(tab[phase + 1])
        if keep:
            r += 1
            hist[r, : s1 - s0], span[r, 0], span[r, 1] = val[s0:s1], s0, s1
        col = nxt
    return best, best_s, hist[: r + 1], span[: r + 1], steps[: r + 1], cols[:n_cols]


@jit
def _length_kernel(nodes: np.ndarray, tab: np.ndarray, fi: np.ndarray, ff: np.ndarray) -> float:
    """The optimum (with spurs) of a walk through ``nodes``; ``-1 - j`` if
    ``nodes[j]`` is not a pick node in an aisle, inf if there is no walk."""
    flat, bad = _picks(nodes, fi)
    if bad >= 0:
        return -1.0 - bad
    if flat.size == 0 and fi[_F_CLOSED]:
        return 0.0
    if flat.size == 0 and fi[_F_SAME]:
        return ff[_G_SPUR]
    return _sweep(flat, tab, fi, ff, False)[0] + ff[_G_SPUR]


@jit
def _backtrack(
    tab: np.ndarray,
    fi: np.ndarray,
    ff: np.ndarray,
    state: int,
    hist: np.ndarray,
    span: np.ndarray,
    steps: np.ndarray,
    cols: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The choices of an optimal walk, from what :func:`_sweep` kept.

    Walks the steps back from the final class ``state``, each time to the
    predecessor of least value plus cost (which is the value the sweep
    computed). Returns ``act[j, b]``, the configuration in block ``b`` of
    column ``cols[j]``, and ``code[j]``, the cross step (edge counts in base
    3) from column ``cols[j]`` to ``cols[j + 1]``.
    """
    ncol, nb = fi[_F_NCOL], fi[_F_BLOCKS]
    ca, rq, od = _F_HEAD, _F_HEAD + ncol, _F_HEAD + 2 * ncol
    n_states = tab[_K_STATES]
    hx, hvis, hcode, hsrc = tab[_K_HX], tab[_K_HVIS], tab[_K_HCODE], tab[_K_HSRC]
    vboff, vback, hboff, hback = tab[_K_VBOFF], tab[_K_VBACK], tab[_K_HBOFF], tab[_K_HBACK]
    n_cols = cols.size
    act = np.zeros((n_cols, nb), dtype=np.int64)  # NONE
    code = np.zeros(n_cols, dtype=np.int64)
    r, t = hist.shape[0] - 1, state
    for j in range(n_cols - 1, -1, -1):
        col = cols[j]
        if j < n_cols - 1:  # the cross step to column cols[j + 1], into row r
            need, row = fi[rq + col], fi[od + col] * n_states
            width = ff[_G_HEAD + cols[j + 1]] - ff[_G_HEAD + col]
            s0, s1 = span[r - 1, 0], span[r - 1, 1]
            best, arg = np.inf, -1
            for e in range(tab[hboff + row + t], tab[hboff + row + t + 1]):
                o = tab[hback + e]
                s = tab[hsrc + o]
                if s < s0 or s >= s1 or (need and tab[hvis + o] & need != need):
                    continue
                v = hist[r - 1, s - s0] + tab[hx + o] * width
                if v < best:
                    best, arg = v, o
            code[j], t, r = tab[hcode + arg], tab[hsrc + arg], r - 1
        for b in range(nb - 1 if fi[ca + col] >= 0 else -1, -1, -1):  # the aisle steps
            s0, s1, c0, c1 = span[r - 1, 0], span[r - 1, 1], span[r, 2], span[r, 3]
            best, arg = np.inf, -1
            for e in range(tab[vboff + b * n_states + t], tab[vboff + b * n_states + t + 1]):
                s, cfg = tab[vback + e] // 8, tab[vback + e] % 8
                if s < s0 or s >= s1 or cfg < c0 or cfg >= c1:
                    continue
                v = hist[r - 1, s - s0] + steps[r, cfg]
                if v < best:
                    best, arg = v, tab[vback + e]
            act[j, b], t, r = arg % 8, arg // 8, r - 1
    return act, code


@jit
def _euler_walk(
    flat: np.ndarray,
    fi: np.ndarray,
    cols: np.ndarray,
    act: np.ndarray,
    code: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The waypoints and the node path of an Euler walk of the multigraph
    chosen by ``act`` and ``code`` (see :func:`_backtrack`), from the start's
    vertex, with the set-back depots.

    Vertices: ``c * n_cols + j`` where column ``cols[j]`` meets cross-aisle
    ``c``, then one per pick. Consecutive waypoints lie on one aisle or one
    cross-aisle; points on a cross-aisle between aisles are passed straight
    through, and repeats are dropped. The path joins consecutive vertices
    along their aisle or cross-aisle, the only shortest walk between them,
    so it is ``oracle.walk(waypoints)``.
    """
    ncol, nb, cells, n_aisles = fi[_F_NCOL], fi[_F_BLOCKS], fi[_F_CELLS], fi[_F_AISLES]
    ca = _F_HEAD
    n_cols, k = cols.size, flat.size
    n_grid = (nb + 1) * n_cols
    # The edges, with repeats: an aisle's chain lower end, picks, upper end.
    cap = 2 * (k + n_cols * nb) + 2 * (nb + 1) * n_cols
    eu, ev = np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)
    n_edges = 0
    for j in range(n_cols):
        i = fi[ca + cols[j]]
        for b in range(nb if i >= 0 else 0):
            cfg = act[j, b]
            if cfg == NONE:
                continue
            seg = i * nb + b  # its picks: flat[q0:q1]
            q0, q1 = np.searchsorted(flat, seg * cells), np.searchsorted(flat, (seg + 1) * cells)
            n_chain = q1 - q0 + 2  # chain[0] lower end, chain[1:-1] picks, chain[-1] upper end
            a, z, times, cut = 0, n_chain - 1, 2, -1  # edges chain[e] - chain[e + 1], a <= e < z
            if cfg == PASS1:
                times = 1
            elif cfg == BOTTOM:
                z = n_chain - 2
            elif cfg == TOP:
                a = 1
            elif cfg == GAP:  # leave out the largest gap (the first if several)
                largest = -1
                for q in range(q0, q1 - 1):
                    if flat[q + 1] - flat[q] > largest:
                        largest, cut = flat[q + 1] - flat[q], q - q0 + 1
            for _ in range(times):
                for e in range(a, z):
                    if e == cut:
                        continue
                    eu[n_edges] = b * n_cols + j if e == 0 else n_grid + q0 + e - 1
                    ev[n_edges] = (b + 1) * n_cols + j if e + 1 == n_chain - 1 else n_grid + q0 + e
                    n_edges += 1
        if j < n_cols - 1:
            x = code[j]
            for c in range(nb + 1):
                for _ in range(x % 3):
                    eu[n_edges], ev[n_edges] = c * n_cols + j, c * n_cols + j + 1
                    n_edges += 1
                x //= 3
    # Hierholzer's algorithm on an adjacency array.
    n_vertices = n_grid + k
    off = np.zeros(n_vertices + 1, dtype=np.int64)
    for e in range(n_edges):
        off[eu[e] + 1] += 1
        off[ev[e] + 1] += 1
    for v in range(n_vertices):
        off[v + 1] += off[v]
    nxt = off[:-1].copy()  # per vertex, its next edge end to fill, then to walk
    to, eid = np.empty(2 * n_edges, np.int64), np.empty(2 * n_edges, np.int64)
    for e in range(n_edges):
        to[nxt[eu[e]]], eid[nxt[eu[e]]] = ev[e], e
        nxt[eu[e]] += 1
        to[nxt[ev[e]]], eid[nxt[ev[e]]] = eu[e], e
        nxt[ev[e]] += 1
    nxt[:] = off[:-1]
    used = np.zeros(n_edges, dtype=np.bool_)
    first = fi[_F_FIRST]
    j = 0
    while cols[j] != first % ncol:
        j += 1
    stack = np.empty(n_edges + 1, dtype=np.int64)
    stack[0], top = first // ncol * n_cols + j, 0
    tour = np.empty(n_edges + 1, dtype=np.int64)
    n_tour = 0
    while top >= 0:
        v = stack[top]
        while nxt[v] < off[v + 1] and used[eid[nxt[v]]]:
            nxt[v] += 1
        if nxt[v] < off[v + 1]:
            used[eid[nxt[v]]] = True
            top += 1
            stack[top] = to[nxt[v]]
            nxt[v] += 1
        else:
            tour[n_tour], n_tour, top = v, n_tour + 1, top - 1
    tour = tour[:n_tour][::-1]  # ``tour`` was the walk backwards
    # The waypoints and the path; between two vertices, the nodes of their
    # cross-aisle (``place``: see ``_F_HEAD``) or of their aisle (its lower
    # end at cell -1, its upper end at ``cells``).
    grid = _F_HEAD + 4 * ncol + n_aisles + fi[_F_NODES]
    pn = grid + (nb + 1) * ncol
    cross = pn + n_aisles * nb * cells
    place = cross + nb + 2 + fi[cross + nb + 1]
    longest = cells
    for c in range(nb + 1):
        longest = max(longest, fi[cross + c + 1] - fi[cross + c])
    start, end = fi[_F_START], fi[_F_END]
    path = np.empty(n_tour * (longest + 1) + 2, dtype=np.int64)
    wp = np.empty(n_tour + 2, dtype=np.int64)
    m = n_wp = 0
    if start >= 0:
        path[0], wp[0], m, n_wp = start, start, 1, 1
    for p in range(n_tour):
        v, w = tour[max(p - 1, 0)], tour[p]
        if w < n_grid:
            node = fi[grid + w // n_cols * ncol + cols[w % n_cols]]
        else:
            node = fi[pn + flat[w - n_grid]]
        if p == 0:  # the start's vertex
            pass
        elif v < n_grid and w < n_grid and v // n_cols == w // n_cols:  # along cross-aisle c
            at = cross + nb + 2 + fi[cross + v // n_cols]
            h0 = fi[place + v // n_cols * ncol + cols[v % n_cols]]
            h1 = fi[place + w // n_cols * ncol + cols[w % n_cols]]
            if h0 < h1:
                for q in range(h0 // 2 + 1, (h1 - 1) // 2 + 1):
                    path[m], m = fi[at + q], m + 1
            else:
                for q in range((h0 - 1) // 2, h1 // 2, -1):
                    path[m], m = fi[at + q], m + 1
        else:  # along an aisle
            if v >= n_grid:
                seg = flat[v - n_grid] // cells
            elif w >= n_grid:
                seg = flat[w - n_grid] // cells
            else:
                seg = fi[ca + cols[v % n_cols]] * nb + min(v, w) // n_cols
            b = seg % nb
            c0 = flat[v - n_grid] % cells if v >= n_grid else (-1 if v // n_cols == b else cells)
            c1 = flat[w - n_grid] % cells if w >= n_grid else (-1 if w // n_cols == b else cells)
            at, step = pn + seg * cells, 1 if c0 < c1 else -1
            for q in range(c0 + step, c1, step):
                path[m], m = fi[at + q], m + 1
        if node >= 0:
            path[m], m = node, m + 1
            if n_wp == 0 or wp[n_wp - 1] != node:
                wp[n_wp], n_wp = node, n_wp + 1
    if end >= 0:
        path[m], wp[n_wp], m, n_wp = end, end, m + 1, n_wp + 1
    return wp[:n_wp], path[:m].copy()


@jit
def _route_kernel(
    nodes: np.ndarray, tab: np.ndarray, fi: np.ndarray, ff: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """The optimum (with spurs) of a walk through ``nodes``, its waypoints and
    its node path; ``-1 - j`` if ``nodes[j]`` is not a pick node in an aisle,
    inf if there is no walk (and no waypoints or path). Needs a pick, or two
    depots on different vertices."""
    flat, bad = _picks(nodes, fi)
    if bad >= 0:
        return -1.0 - bad, flat, flat
    best, state, hist, span, steps, cols = _sweep(flat, tab, fi, ff, True)
    if best == np.inf:
        return best, flat[:0], flat[:0]
    act, code = _backtrack(tab, fi, ff, state, hist, span, steps, cols)
    wp, path = _euler_walk(flat, fi, cols, act, code)
    return best + ff[_G_SPUR], wp, path


# ---- the router -----------------------------------------------------------------
def _int64(nodes: np.ndarray) -> np.ndarray:
    """``nodes`` as a contiguous int64 vector (without a copy if it is one)."""
    if type(nodes) is not np.ndarray or nodes.dtype is not _INT64 or nodes.strides != (8,):
        nodes = np.ascontiguousarray(nodes, dtype=np.int64).reshape(-1)
    return nodes


_Prepared = tuple[str | None, Frame | None, tuple[np.ndarray, ...]]


@lru_cache(maxsize=256)
def _depot_reason(layout: Layout, start: int, end: int) -> str | None:
    """Why the DP does not apply to ``layout`` and these depots, or None."""
    geo = layout.aisles
    if geo is None:
        return f"needs a parallel-aisle layout; this one is a {layout.kind!r} layout"
    if not 1 <= geo.n_blocks <= MAX_BLOCKS:
        return (
            f"needs a parallel-aisle layout with 1 to {MAX_BLOCKS} blocks "
            f"({MAX_BLOCKS + 1} cross-aisles); this one has {geo.n_blocks}"
        )
    for role, node in (("start", start), ("end", end)):
        if placement(layout, node) is None:
            return f"the {role} node {node} is not a depot of layout {layout.name!r}"
    return None


class ExactRouter:
    """Optimal routes by dynamic programming over the aisles (1 to 3 blocks).

    Examples
    --------
    >>> from optimizer.routing import route
    >>> r = route(layout, ["A01-B1-003-L-1", "A04-B1-040-R-1"], method="exact")  # doctest: +SKIP
    >>> r.optimal                                                                  # doctest: +SKIP
    True
    """

    name = "exact"
    # (layout, start, end, _prepare(...)) of the last call
    _last: tuple[Layout | None, int, int, _Prepared] = (None, -1, -1, (None, None, ()))

    def _prepare(self, layout: Layout, start: int, end: int) -> _Prepared:
        """``(reason, frame, context)`` for this layout and depots: why the DP
        does not apply (then no frame and context) or None, :func:`frame` and
        :func:`_context`. Batching and route() ask about one layout and depot
        pair over and over, so the last one is kept at hand."""
        last = self._last
        if last[0] is layout and last[1] == start and last[2] == end:
            return last[3]
        reason = _depot_reason(layout, start, end)
        if reason is None:
            prepared: _Prepared = (None, frame(layout, start, end), _context(layout, start, end))
        else:
            prepared = (reason, None, ())
        self._last = (layout, start, end, prepared)
        return prepared

    def supports(self, problem: RoutingProblem) -> str | None:
        """``None`` if the DP applies to ``problem``, else the reason it does not.

        Parameters
        ----------
        problem
            The walk to plan.
        """
        reason, _, context = self._prepare(problem.layout, int(problem.start), int(problem.end))
        if reason is not None:
            return reason
        nodes = _int64(problem.nodes)
        bad = _picks(nodes, context[1])[1]
        if bad >= 0:
            return f"node {int(nodes[bad])} is not a pick node in an aisle"
        return None

    def solve(self, problem: RoutingProblem) -> Tour:
        """The optimal walk, as waypoints adjacent along aisles and cross-aisles.

        Parameters
        ----------
        problem
            The walk to plan; :meth:`supports` must return ``None``.

        Returns
        -------
        Tour
            Waypoints from start to end and ``optimal=True``;
            ``detail["optimum"]`` and ``length`` are the DP's optimum in
            metres, and ``path`` the node walk (``oracle.walk(waypoints)``) if
            there are picks.

        Raises
        ------
        RoutingError
            If the method does not apply to ``problem``.
        """
        layout, start, end = problem.layout, int(problem.start), int(problem.end)
        reason, fr, context = self._prepare(layout, start, end)
        if fr is None:
            raise RoutingError(f"method 'exact' does not apply: {reason}")
        nodes = _int64(problem.nodes)
        if nodes.size == 0 and (start == end or fr.first == fr.last):
            # Nothing to pick: stay put, or walk the spurs between two depots
            # that share their attach node.
            if start == end:
                return Tour([start], optimal=True, detail={"optimum": 0.0}, length=0.0)
            wp = [*fr.head, int(fr.grid[fr.first]), *fr.tail]
            return Tour(wp, optimal=True, detail={"optimum": fr.spur}, length=fr.spur)
        cost, waypoints, path = _route_kernel(nodes, *context)
        if cost < 0.0:
            node = int(nodes[int(-1.0 - cost)])
            raise RoutingError(
                f"method 'exact' does not apply: node {node} is not a pick node in an aisle"
            )
        if not cost < _INF:  # cannot happen on a valid layout; guard anyway
            raise RoutingError(f"the exact DP found no tour in layout {layout.name!r}")
        return Tour(waypoints.tolist(), True, {"optimum": cost}, length=cost, path=path)

    def length(self, problem: RoutingProblem) -> float:
        """The optimal walk's length in metres, without building the walk.

        ``solve(problem).detail["optimum"]``, from the same sweep without the
        walk back through its choices; batching scores thousands of candidate
        batches with it. ``problem.nodes`` need not be sorted or distinct.

        Parameters
        ----------
        problem
            The walk to measure.

        Raises
        ------
        RoutingError
            If the method does not apply to the layout or depots, or a node
            is not a pick node in an aisle.
        """
        nodes = _int64(problem.nodes)
        layout = problem.layout
        reason, _, context = self._prepare(layout, int(problem.start), int(problem.end))
        if reason is not None:
            raise RoutingError(f"method 'exact' does not apply: {reason}")
        cost = _length_kernel(nodes, *context)
        if 0.0 <= cost < _INF:
            return cost
        if cost < 0.0:
            node = int(nodes[int(-1.0 - cost)])
            raise RoutingError(f"node {node} is not a pick node in an aisle of {layout.name!r}")
        # Cannot happen on a valid layout; guard anyway.
        raise RoutingError(f"the exact DP found no tour in layout {layout.name!r}")


EXACT = ExactRouter()

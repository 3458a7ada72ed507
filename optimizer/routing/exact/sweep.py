"""The DP over the columns as numba kernels, and the arrays they read.

:func:`kernel_inputs` packs the class machine and the columns of one layout
and pair of depots into three arrays (cached); :func:`length_kernel` sweeps
them for the optimum alone and :func:`route_kernel` (Python calling the
kernels) also walks back through the choices and returns the waypoints and
the node path. How the sweep skips columns and classes, and why that stays
exact, is below.

The kernels are written to compile quickly, since a fresh install compiles
them on its first route: loops instead of ``np.unique``, ``np.sort`` and
``np.searchsorted`` (each a numba implementation to compile), and no
literal arguments between kernels (a literal ``False`` makes numba compile
a second specialisation of the callee).
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

from optimizer._jit import jit
from optimizer.layout import Layout
from optimizer.routing.arrays import first_at_least, sort_distinct
from optimizer.routing.exact.columns import flat_index, frame
from optimizer.routing.exact.states import (
    BOTTOM,
    GAP,
    N_CONFIGS,
    NONE,
    PASS1,
    PASS2,
    TOP,
    Machine,
    machine,
)

__all__ = [
    "kernel_inputs",
    "flat_picks",
    "length_kernel",
    "flat_length",
    "unsorted_length",
    "route_kernel",
    "warm_tables",
]


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
# Layout of the int64 frame array of :func:`kernel_inputs`: a header, then the
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
_G_TO_CELL, _G_CELL, _G_BLOCK, _G_SPUR, _G_TO_BACK = range(5)
_G_HEAD = 5


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


def warm_tables(n_blocks: int) -> None:
    """Build the class machine of ``n_blocks`` blocks and its kernel table
    for closed tours (no odd vertex) now, not on a request."""
    _kernel_table(n_blocks, ())


@lru_cache(maxsize=64)
def kernel_inputs(layout: Layout, start: int, end: int) -> tuple[np.ndarray, ...]:
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
        np.array(
            [
                geo.cross_aisle_to_cell,
                geo.cell_length,
                geo.block_length,
                fr.spur,
                geo.back_cross_aisle_to_cell,
            ]
        ),
        fr.x,
    ]
    return (
        _kernel_table(geo.n_blocks, tuple(fr.odd[fr.odd != 0].tolist())),
        np.concatenate(ints).astype(np.int64),
        np.concatenate(floats).astype(np.float64),
    )


@jit
def flat_picks(nodes: np.ndarray, fi: np.ndarray) -> tuple[np.ndarray, int]:
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
        flat = flat[: sort_distinct(flat)]
    return flat, -1


@jit
def _sweep(
    flat: np.ndarray, tab: np.ndarray, fi: np.ndarray, ff: np.ndarray, keep: bool | np.bool_
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
    to_back = ff[_G_TO_BACK]  # last cell to the cross-aisle behind: may differ from to_cell
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
    # One allocation per type: what the sweep needs, then what it keeps (rows for
    # every column from lo to hi: only those swept are used).
    max_cols = hi - lo + 1 if keep else 0
    n_rows = max_cols * (nb + 1) + 1 if keep else 0
    ibuf = np.empty(n_aisles + 1 + 4 * n_rows + max_cols, dtype=np.int64)
    first_pick = ibuf[: n_aisles + 1]  # of each aisle in ``flat``
    j = 0
    for i in range(n_aisles + 1):
        while j < k and flat[j] < i * per_aisle:
            j += 1
        first_pick[i] = j
    buf = np.empty(2 * n_states + N_CONFIGS + n_rows * (n_kept + N_CONFIGS))
    buf[: 2 * n_states] = inf
    val, nval = buf[:n_states], buf[n_states : 2 * n_states]
    cost = buf[2 * n_states : 2 * n_states + N_CONFIGS]
    cost[:] = 0.0
    at = 2 * n_states + N_CONFIGS
    hist = buf[at : at + n_rows * n_kept].reshape((n_rows, n_kept))
    steps = buf[at + n_rows * n_kept :].reshape((n_rows, N_CONFIGS))
    at = n_aisles + 1
    span = ibuf[at : at + 4 * n_rows].reshape((n_rows, 4))
    cols = ibuf[at + 4 * n_rows :]
    val[tab[_K_EMPTY]] = 0.0
    phase = tab[_K_PHASES]
    s0, s1 = np.int64(tab[phase]), np.int64(tab[phase + 1])  # the classes of the phase
    r = n_cols = 0
    if keep:
        for kept in range(s1 - s0):  # a loop, not a slice copy: compiles in less time
            hist[0, kept] = val[s0 + kept]
        span[0, 0], span[0, 1] = s0, s1
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
                cost[TOP] = 2.0 * (to_back + (cells - 1 - c_lo) * cell_len)
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
                for kept in range(s1 - s0):
                    hist[r, kept] = val[s0 + kept]
                span[r, 0], span[r, 1], span[r, 2], span[r, 3] = s0, s1, c0, c1
                for cfg in range(N_CONFIGS):
                    steps[r, cfg] = cost[cfg]
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
            for kept in range(s1 - s0):
                hist[r, kept] = val[s0 + kept]
            span[r, 0], span[r, 1] = s0, s1
        col = nxt
    return best, best_s, hist[: r + 1], span[: r + 1], steps[: r + 1], cols[:n_cols]


@jit
def length_kernel(nodes: np.ndarray, tab: np.ndarray, fi: np.ndarray, ff: np.ndarray) -> float:
    """The optimum (with spurs) of a walk through ``nodes``; ``-1 - j`` if
    ``nodes[j]`` is not a pick node in an aisle, inf if there is no walk."""
    flat, bad = flat_picks(nodes, fi)
    if bad >= 0:
        return -1.0 - bad
    return flat_length(flat, tab, fi, ff)


@jit
def flat_length(flat: np.ndarray, tab: np.ndarray, fi: np.ndarray, ff: np.ndarray) -> float:
    """:func:`length_kernel` of the picks given as sorted distinct flat indices."""
    if flat.size == 0 and fi[_F_CLOSED]:
        return 0.0
    if flat.size == 0 and fi[_F_SAME]:
        return ff[_G_SPUR]
    # np.bool_, not a literal False: the route's sweep (called with a bool from
    # Python) then serves here too, instead of a second compile for the literal.
    return _sweep(flat, tab, fi, ff, np.bool_(False))[0] + ff[_G_SPUR]


@jit
def unsorted_length(nodes: np.ndarray, k: int, tab: np.ndarray, fi: np.ndarray,
                    ff: np.ndarray) -> float:  # fmt: skip
    """:func:`length_kernel` of the distinct nodes ``nodes[:k]`` in any order, which it
    overwrites (with their flat indices, sorted); NaN, and ``nodes`` untouched, if one
    is not a pick node in an aisle (:func:`length_kernel` then says which).

    The batching's scoring path: no array allocated and one sort (of the flat
    indices) instead of two; the same flat indices, so the same length."""
    n_nodes, fx = fi[_F_NODES], _F_HEAD + 4 * fi[_F_NCOL] + fi[_F_AISLES]
    for j in range(k):
        node = nodes[j]
        if node < 0 or node >= n_nodes or fi[fx + node] < 0:
            return np.nan
    for j in range(k):
        nodes[j] = fi[fx + nodes[j]]
    flat = nodes[:k]
    return flat_length(flat[: sort_distinct(flat)], tab, fi, ff)


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
            q0, q1 = first_at_least(flat, seg * cells), first_at_least(flat, (seg + 1) * cells)
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
    to, eid = np.empty(2 * n_edges, dtype=np.int64), np.empty(2 * n_edges, dtype=np.int64)
    for e in range(n_edges):
        to[nxt[eu[e]]], eid[nxt[eu[e]]] = ev[e], e
        nxt[eu[e]] += 1
        to[nxt[ev[e]]], eid[nxt[ev[e]]] = eu[e], e
        nxt[ev[e]] += 1
    for v in range(n_vertices):
        nxt[v] = off[v]
    used = np.zeros(n_edges, dtype=np.int64)  # int64 as the others: one np.zeros to compile
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
            used[eid[nxt[v]]] = 1
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


def route_kernel(
    nodes: np.ndarray, tab: np.ndarray, fi: np.ndarray, ff: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """The optimum (with spurs) of a walk through ``nodes``, its waypoints and
    its node path; ``-1 - j`` if ``nodes[j]`` is not a pick node in an aisle,
    inf if there is no walk (and no waypoints or path). Needs a pick, or two
    depots on different vertices.

    Python calling the kernels one by one, not a kernel itself: a kernel
    calling them would compile their code a second time (numba optimises a
    caller together with its callees), seconds on a process's first route,
    for a few microseconds saved per route.
    """
    flat, bad = flat_picks(nodes, fi)
    if bad >= 0:
        return -1.0 - bad, flat, flat
    best, state, hist, span, steps, cols = _sweep(flat, tab, fi, ff, True)
    if best == np.inf:
        return best, flat[:0], flat[:0]
    act, code = _backtrack(tab, fi, ff, state, hist, span, steps, cols)
    wp, path = _euler_walk(flat, fi, cols, act, code)
    return float(best + ff[_G_SPUR]), wp, path

"""Tour lengths for compiled loops that score many pick sets (batching), on any layout.

Batching measures hundreds of thousands of candidate tours per wave. Its
compiled loops (:mod:`optimizer.batching.kernels`) call one kernel,
:func:`tour_length_kernel`, with the inputs :func:`scoring_inputs` prepares once
per layout and depot pair:

- on layouts the exact DP covers, the DP's own inputs: the kernel returns
  the optimum (:func:`~optimizer.routing.exact.sweep.length_kernel`);
- elsewhere (graph layouts, more blocks than the DP covers), the oracle's
  distance matrix between every pick node and the depots, computed once:
  the kernel gathers the tour's rows and runs the local search's estimate
  (Held-Karp up to :attr:`Estimate.exact_max` picks, else the better of
  nearest neighbour and cheapest insertion, its 2-opt / Or-opt local
  optimum and a few kicks), with no Python per tour. An estimate costs
  tens of microseconds where the DP takes one or two, and a batching asks
  for the same pick set many times (a descent, then a search, then a last
  descent over the same batches), so the matrix form memoises its lengths
  by pick set (:data:`MEMO_BITS`). A look-up XORs two 64-bit keys per node
  and takes a slot only if both sums match (two pick sets share them with
  odds near 2^-128); the value is the one the estimate computes, so results
  never depend on what the memo holds, nor on which wave filled it.

Both share one signature, ``tour_length_kernel(nodes, tab, fi, ff)`` with
``nodes`` sorted and distinct, so a compiled loop runs unchanged on either;
a negative ``fi[0]`` marks the matrix form. A value ``-1 - j`` says
``nodes[j]`` is not a pick node, as the DP's kernel does.

Examples
--------
>>> import numpy as np
>>> from optimizer import DistanceOracle, Layout
>>> layout = Layout.from_file("layouts/fishbone.json")
>>> depot = layout.depot().node
>>> inputs = scoring_inputs(DistanceOracle.for_layout(layout), depot, depot, ESTIMATE)
>>> nodes = np.sort(layout.nodes_of(["F01-001-L-1", "F02-011-R-1", "F05-012-R-1"]))
>>> round(tour_length_kernel(nodes, *inputs), 1)
89.2
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from optimizer._jit import jit, jit_borrowing
from optimizer.distance import DistanceOracle
from optimizer.routing.exact.sweep import (
    flat_length,
    flat_picks,
    kernel_inputs,
    length_kernel,
    unsorted_length,
)
from optimizer.routing.local_search import walk_length

__all__ = [
    "Estimate",
    "ESTIMATE",
    "MATRIX_MAX_ROWS",
    "MEMO_BITS",
    "scoring_inputs",
    "matrix_form",
    "clear_memos",
    "tour_length_kernel",
    "unsorted_tour_length",
    "pick_flats",
    "union_length",
    "warm_up",
]

MATRIX_MAX_ROWS = 3_000  # pick nodes + depots: a 72 MB matrix at most; beyond, no kernel
#: The matrix form's memo: 2^17 slots (4 MB), emptied when half full.
MEMO_BITS = 17
_KEPT = 4  # matrices kept (per layout version, depot pair and estimate)
_ZOBRIST_SEED = 20_261_206  # the nodes' hash keys: fixed, so a memo never depends on a seed
# fi: a head (marker, rows, exact_max, kicks per mille, min kicks, seed), node -> row,
# the nodes' two hash keys, the memo's two keys and check per slot, and a tail (nodes,
# memo slots, memo entries); ff: the matrix, then the memo's values. The memo sits after
# the rows, so that code compiled before it existed still reads rows and matrix right.
_ROWS, _EXACT, _KICKS, _MIN_KICKS, _SEED = range(1, 6)
_HEAD = 6
_NODES, _SLOTS, _ENTRIES = -3, -2, -1  # from the end of fi


@dataclass(frozen=True)
class Estimate:
    """How :func:`tour_length_kernel` measures a tour off the exact DP's layouts.

    Parameters
    ----------
    exact_max
        Up to this many picks, Held-Karp (the optimum).
    kicks_per_pick, min_kicks
        Above it, this many double-bridge kicks per pick (at least
        ``min_kicks``) after the first local optimum. A tenth of a kick per
        pick keeps the estimate within about 1 % of the final route (a
        quarter: 0.5 %) at 60 % of the cost, and batches of the fishbone
        walk no further for it (``benches/wave_speed.py --fishbone``).
    seed
        Seeds the kicks; equal input gives equal lengths.
    """

    exact_max: int = 8
    kicks_per_pick: float = 0.1
    min_kicks: int = 2
    seed: int = 0

    def __post_init__(self) -> None:
        if not 2 <= self.exact_max <= 12:
            raise ValueError("exact_max outside 2..12 not understood.")
        if self.kicks_per_pick < 0 or self.min_kicks < 0:
            raise ValueError("kicks_per_pick < 0 or min_kicks < 0 not understood.")


ESTIMATE = Estimate()
"""The batch-scoring estimate (``benches/wave_speed.py --fishbone`` measures its
gap to the final routes of planned batches)."""

_MATRICES: OrderedDict[tuple[object, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = (
    OrderedDict()
)


def scoring_inputs(
    oracle: DistanceOracle, start: int, end: int, estimate: Estimate | None = ESTIMATE
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(tab, fi, ff)`` for :func:`tour_length_kernel` on tours from ``start`` to ``end``.

    With ``estimate`` None, the exact DP's inputs (the caller has checked
    that the DP applies). Else the matrix form with ``estimate``'s
    parameters, built once per layout version, depot pair and estimate; or
    None when the layout has more than :data:`MATRIX_MAX_ROWS` pick nodes
    and depots (callers then measure tour by tour).
    """
    layout = oracle.layout
    if estimate is None:
        return kernel_inputs(layout, start, end)  # type: ignore[return-value]
    picks = layout.pick_nodes
    if picks.size + 2 > MATRIX_MAX_ROWS:
        return None
    key = (layout.version, start, end, estimate)
    found = _MATRICES.get(key)
    if found is not None:
        _MATRICES.move_to_end(key)
        return found
    rows = np.concatenate(([start, end], picks)).astype(np.int64)
    row_of = np.full(layout.n_nodes, -1, dtype=np.int64)
    row_of[picks] = np.arange(2, picks.size + 2)
    inputs = matrix_form(oracle.matrix(rows), row_of, estimate, MEMO_BITS)
    _MATRICES[key] = inputs
    while len(_MATRICES) > _KEPT:
        _MATRICES.popitem(last=False)
    return inputs


def matrix_form(
    dist: np.ndarray, row_of: np.ndarray, estimate: Estimate = ESTIMATE, memo_bits: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The matrix form of :func:`tour_length_kernel`'s inputs.

    ``dist`` holds the distances between the start depot (row 0), the end
    depot (row 1) and the pick nodes; ``row_of[v]`` is node ``v``'s row, -1
    for nodes that are not pick nodes. With ``memo_bits`` the inputs carry
    a memo of ``2**memo_bits`` tours (0: none), which the kernel fills: each
    process has its own, and threads sharing one may race on a slot, which a
    check word per slot turns into a miss, never into a wrong length.
    """
    kicks = int(round(estimate.kicks_per_pick * 1000))  # per mille, an integer for fi
    n = len(row_of)
    slots = 1 << memo_bits if memo_bits else 0
    head = np.array([-1, dist.shape[0], estimate.exact_max, kicks, estimate.min_kicks,
                     estimate.seed], dtype=np.int64)  # fmt: skip
    tail = np.array([n, slots, 0], dtype=np.int64)
    keys = np.random.default_rng(_ZOBRIST_SEED).integers(
        np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=2 * n, dtype=np.int64,
        endpoint=True,
    )  # fmt: skip
    memo_keys = np.zeros(3 * slots, dtype=np.int64)
    return (
        np.zeros(1, dtype=np.int32),  # the DP's machine table: unused here
        np.concatenate((head, np.asarray(row_of, dtype=np.int64), keys, memo_keys, tail)),
        np.concatenate((np.ascontiguousarray(dist, dtype=np.float64).ravel(), np.zeros(slots))),
    )


def clear_memos() -> None:
    """Empty the tour memos of every kept matrix (benchmarks time a wave as if its
    tours were new; lengths never depend on the memo)."""
    for _, fi, _ in _MATRICES.values():
        slots = int(fi[_SLOTS])
        start = _HEAD + 3 * int(fi[_NODES])
        fi[start : start + 3 * slots] = 0
        fi[_ENTRIES] = 0


def warm_up() -> None:
    """Compile (or load) :func:`tour_length_kernel`, the DP's path with it."""
    points = np.array([0.0, 0.0, 1.0, 3.0, 2.0])  # depots at 0, picks on a line
    row_of = np.array([2, 3, 4], dtype=np.int64)
    tour_length_kernel(np.arange(3), *matrix_form(np.abs(points[:, None] - points), row_of))


@jit
def _memo_slot(fi: np.ndarray, ff: np.ndarray, h1: int, h2: int) -> int:
    """The memo slot of the pick set with hashes ``h1`` (never 0) and ``h2``: where
    it is stored, or the free slot where it goes; -1 if the memo is off."""
    slots = fi[_SLOTS]
    if slots == 0:
        return -1
    keys = _HEAD + 3 * fi[_NODES]
    values = ff[fi[_ROWS] * fi[_ROWS] :].view(np.int64)
    slot = h1 & (slots - 1)
    while True:
        k1 = fi[keys + 3 * slot]
        if k1 == 0:
            return slot
        # The check ties the value to both keys: a slot written by another thread
        # while it was read fails it and counts as a miss.
        if (k1 == h1 and fi[keys + 3 * slot + 1] == h2
                and fi[keys + 3 * slot + 2] == h1 ^ h2 ^ values[slot]):  # fmt: skip
            return slot
        slot = (slot + 1) & (slots - 1)


@jit
def _memo_put(fi: np.ndarray, ff: np.ndarray, h1: int, h2: int, value: float) -> None:
    """Store ``value`` for the pick set with hashes ``h1``, ``h2``, emptying a half-full memo."""
    slots = fi[_SLOTS]
    keys = _HEAD + 3 * fi[_NODES]
    if 2 * fi[_ENTRIES] >= slots:
        fi[keys : keys + 3 * slots] = 0
        fi[_ENTRIES] = 0
    slot = _memo_slot(fi, ff, h1, h2)
    values = ff[fi[_ROWS] * fi[_ROWS] :]
    values[slot] = value
    fi[keys + 3 * slot + 2] = h1 ^ h2 ^ values[slot : slot + 1].view(np.int64)[0]
    fi[keys + 3 * slot + 1] = h2
    fi[keys + 3 * slot] = h1
    fi[_ENTRIES] += 1


@jit
def _matrix_length(nodes: np.ndarray, fi: np.ndarray, ff: np.ndarray) -> float:
    """The estimate of a tour through ``nodes`` from the full matrix in ``ff``,
    memoised by the set of nodes (the XOR of each node's two hash keys)."""
    size = fi[_ROWS]
    n = fi[_NODES]
    k = nodes.size
    rows = np.empty(k + 2, dtype=np.int64)
    rows[0], rows[k + 1] = 0, 1
    h1 = h2 = 0
    for j in range(k):
        v = nodes[j]
        r = fi[_HEAD + v] if 0 <= v < n else -1
        if r < 0:
            return -1.0 - j
        rows[j + 1] = r
        h1 ^= fi[_HEAD + n + v]
        h2 ^= fi[_HEAD + 2 * n + v]
    h1 = h1 if h1 != 0 else 1  # 0 marks a free slot
    slot = _memo_slot(fi, ff, h1, h2)
    if slot >= 0 and fi[_HEAD + 3 * n + 3 * slot] != 0:
        return ff[size * size + slot]
    dist = np.zeros((k + 2, k + 2))
    for a in range(k + 2):  # one triangle, mirrored: half the scattered reads
        base = rows[a] * size
        for b in range(a + 1, k + 2):
            dist[a, b] = dist[b, a] = ff[base + rows[b]]
    kicks = max(fi[_MIN_KICKS], (fi[_KICKS] * k) // 1000)
    length = walk_length(dist, kicks, kicks, fi[_SEED], fi[_EXACT])
    if slot >= 0:
        _memo_put(fi, ff, h1, h2, length)
    return length


@jit
def tour_length_kernel(
    nodes: np.ndarray, tab: np.ndarray, fi: np.ndarray, ff: np.ndarray
) -> float:
    """Length (metres) of a tour through the sorted distinct ``nodes``: the exact
    DP's optimum or the matrix estimate, as the inputs say (see the module)."""
    if fi[0] < 0:
        return _matrix_length(nodes, fi, ff)
    return length_kernel(nodes, tab, fi, ff)


@jit
def unsorted_tour_length(
    nodes: np.ndarray, k: int, tab: np.ndarray, fi: np.ndarray, ff: np.ndarray
) -> float:
    """:func:`tour_length_kernel` of the distinct ``nodes[:k]`` in any order, which it
    may overwrite: on the exact DP's inputs without sorting them (the DP sorts their
    flat indices instead) nor allocating, else of them sorted. The same length."""
    if fi[0] >= 0:
        length = unsorted_length(nodes, k, tab, fi, ff)
        if not np.isnan(length):
            return length
    return tour_length_kernel(np.sort(nodes[:k]), tab, fi, ff)


def pick_flats(ptr: np.ndarray, idx: np.ndarray, fi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pick sets ``idx[ptr[o]:ptr[o + 1]]`` as the exact DP's sorted distinct flat
    indices (CSR pointers and values), for :func:`union_length`; empty pointers if
    ``fi`` is not the DP's or a node is not a pick node in an aisle."""
    none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if fi[0] < 0:
        return none
    parts = []
    for o in range(ptr.size - 1):
        flat, bad = flat_picks(np.ascontiguousarray(idx[ptr[o] : ptr[o + 1]]), fi)
        if bad >= 0:
            return none
        parts.append(flat)
    fptr = np.zeros(len(parts) + 1, dtype=np.int64)
    fptr[1:] = np.cumsum([p.size for p in parts])
    return fptr, np.concatenate([np.zeros(0, dtype=np.int64), *parts])


def _bit_of() -> np.ndarray:
    """The bit ``j`` of each ``2**j % 67`` (distinct for ``j < 64``): the index of a
    word's lowest set bit by one remainder, with no overflow (in Python mode too)."""
    table = np.zeros(67, dtype=np.int64)
    for bit in range(64):
        table[pow(2, bit, 67)] = bit
    assert len({pow(2, bit, 67) for bit in range(64)}) == 64
    return table


_BIT_OF = _bit_of()


@jit_borrowing
def union_length(sets: np.ndarray, count: int, fptr: np.ndarray, fidx: np.ndarray,
                 words: np.ndarray, out: np.ndarray, tab: np.ndarray, fi: np.ndarray,
                 ff: np.ndarray) -> float:  # fmt: skip
    """:func:`tour_length_kernel` of the union of the pick sets ``sets[:count]`` given
    as :func:`pick_flats` (the same length as of their nodes): their flat indices
    merged in a bit set instead of sorted. ``words`` (zeros, one bit per flat index;
    left zero) and ``out`` (room for the distinct flat indices) are scratch."""
    lo, hi = words.size, -1
    for j in range(count):
        o = sets[j]
        for t in range(fptr[o], fptr[o + 1]):
            f = fidx[t]
            w = f >> 6
            words[w] |= np.uint64(1) << np.uint64(f & 63)
            lo, hi = min(lo, w), max(hi, w)
    k = 0
    for w in range(lo, hi + 1):  # the set bits in order: the flat indices sorted
        x = words[w]
        words[w] = 0
        while x != 0:
            low = x & (~x + np.uint64(1))
            out[k] = 64 * w + _BIT_OF[low % np.uint64(67)]
            k += 1
            x ^= low
    return flat_length(out[:k], tab, fi, ff)

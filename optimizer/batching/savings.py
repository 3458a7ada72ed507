"""Clarke & Wright savings batching, variant (ii) (de Koster et al. 1999).

Every order starts as its own batch. The saving of merging batches A and B is
``d(A) + d(B) - d(A + B)`` with ``d`` the real tour length; the feasible
merge with the largest saving is made, the savings of the merged batch with
its neighbours are recomputed (that recomputation is what makes it variant
ii), and so on until no merge saves anything or fits.

Notes
-----
On waves up to ``ALL_PAIRS`` orders every pair is a candidate (O(n^2) tour
evaluations to start); beyond, each order's ``CANDIDATES`` nearest neighbours
by pick centroid, O(n k). A heap with lazy deletion keeps each step
O(log n) plus the re-evaluations. Beyond ``COMPILED_FROM`` orders, where a
compiled kernel scores tours (the exact DP, or off its layouts the estimate
on the oracle's matrix, :mod:`optimizer.routing.scoring`), the same merges
run in compiled loops (:func:`compiled_savings`); below, or where tours are
scored one by one, in Python (:func:`python_savings`).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from optimizer.batching.base import Batching, Detail
from optimizer.batching.kernels import savings_merge
from optimizer.batching.problem import BatchingProblem, neighbours

__all__ = ["Savings", "CompiledWave", "compiled_savings", "python_savings", "groups_of"]

ALL_PAIRS = 40
CANDIDATES = 15
# Waves above this many orders use the compiled savings where a compiled kernel
# scores tours: from there the Python loop too works on candidate lists, and the
# compiled loops take a fifth of its CPU time with totals as good
# (benches/results/savings_paths.md). Up to it, the Python loop tries every pair.
COMPILED_FROM = ALL_PAIRS
LEFTOVER_ROUNDS = 10  # at most; a round that merges nothing ends them
# Batches a merged batch is offered to, nearest centroids first: an order that
# many others name (one fast mover's order, say) would else have every merge of
# its batch re-score hundreds of batches.
OFFERS = 30


@dataclass(frozen=True)
class CompiledWave:
    """A problem as the compiled loops read it (:mod:`optimizer.batching.kernels`).

    ``ptr``/``idx`` are the orders' pick nodes as CSR, ``loads`` and ``cap``
    their loads and the cart's limits in the finite dimensions, ``near``
    each order's nearest orders by pick centroid, ``centroids`` and
    ``weights`` the orders' pick centroids and pick counts; ``penalty``, ``tab``,
    ``fi``, ``ff`` and ``n_nodes`` score a batch (the inputs of
    :func:`~optimizer.routing.scoring.tour_length_kernel`). ``exact`` says
    whether they are the exact DP's (optimal tours) or the estimate's on the
    oracle's matrix (off the DP's layouts).
    """

    ptr: np.ndarray
    idx: np.ndarray
    loads: np.ndarray
    cap: np.ndarray
    near: np.ndarray
    centroids: np.ndarray
    weights: np.ndarray
    penalty: float
    tab: np.ndarray
    fi: np.ndarray
    ff: np.ndarray
    n_nodes: int
    exact: bool = True

    @classmethod
    def of(
        cls, problem: BatchingProblem, k: int = CANDIDATES, *, estimate: bool = False
    ) -> CompiledWave | None:
        """The arrays of ``problem`` where the exact DP scores its batches, with
        ``estimate`` also where the estimate kernel does (off the DP's layouts:
        :attr:`~optimizer.batching.problem.TourCost.scoring`); else None."""
        kernel = problem.cost.scoring if estimate else problem.cost.kernel
        if kernel is None:
            return None
        cap = problem.cart.limits * (1 + 1e-12)  # the cart's own tolerance
        dims = np.flatnonzero(np.isfinite(cap))
        ptr, idx = problem.node_csr
        tab, fi, ff = kernel
        loads = np.ascontiguousarray(problem.loads[:, dims])
        nodes = len(problem.cost.layout.xy)
        weights = np.diff(ptr).astype(float)
        return cls(ptr, idx, loads, np.ascontiguousarray(cap[dims]), neighbours(problem, k),
                   np.ascontiguousarray(problem.centroids), weights,
                   float(problem.tour_penalty), tab, fi, ff, nodes,
                   problem.cost.kernel is not None)  # fmt: skip

    def merge(self, near: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, int, int]:
        """:func:`~optimizer.batching.kernels.savings_merge` from the groups ``start``
        with candidates ``near``: the batch of each order, merges, evaluations."""
        rptr, rval = _reversed(near)
        w = self
        return savings_merge(w.ptr, w.idx, w.loads, w.cap, near, rptr, rval, start,
                             w.centroids, w.weights, OFFERS, w.penalty, w.tab, w.fi, w.ff,
                             w.n_nodes)  # fmt: skip


def compiled_savings(problem: BatchingProblem, wave: CompiledWave) -> tuple[np.ndarray, Detail]:
    """Savings in compiled loops: the batch of each order, and what was done.

    First over orders with their nearest orders as candidates, then rounds
    over the batches with the open batches nearest their centroids, until
    a round merges nothing. A merge offers the merged batch to the batches
    its orders name and to those naming them, so candidate lists are
    updated, not rebuilt.
    """
    batch_of, merges, evaluations = wave.merge(wave.near, np.arange(problem.size))
    rounds = 0
    while rounds < LEFTOVER_ROUNDS:
        around = _batch_neighbours(problem, batch_of, wave.loads, wave.cap, CANDIDATES)
        if around.shape[1] == 0:
            break
        batch_of, merged, spent = wave.merge(around, batch_of)
        rounds += 1
        merges += merged
        evaluations += spent
        if merged == 0:
            break
    detail: Detail = {"merges": int(merges), "leftover_rounds": rounds,
                      "evaluations": int(evaluations)}  # fmt: skip
    return batch_of, detail


def groups_of(batch_of: np.ndarray) -> list[list[int]]:
    """Groups of order indices from the batch of each order (batch ids 0..k-1)."""
    groups: list[list[int]] = [[] for _ in range(int(batch_of.max()) + 1 if batch_of.size else 0)]
    for o, b in enumerate(batch_of.tolist()):
        groups[b].append(o)
    return groups


class Savings:
    """Clarke-Wright (ii) savings batching."""

    name = "savings"

    def run(
        self, problem: BatchingProblem, *, seed: int = 0, time_limit: float | None = None
    ) -> Batching:
        """Savings batches (deterministic: ``seed`` and ``time_limit`` do not matter)."""
        wave = CompiledWave.of(problem, estimate=True) if problem.size > COMPILED_FROM else None
        if wave is not None:
            assignment, detail = compiled_savings(problem, wave)
            return Batching(groups_of(assignment), detail)
        return Batching(python_savings(problem))


def python_savings(problem: BatchingProblem) -> list[list[int]]:
    """Savings in a Python loop over a heap, then leftover rounds over the batches:
    the groups of order indices.

    Every pair is a candidate up to ``ALL_PAIRS`` orders, else each order's
    ``CANDIDATES`` nearest; tours come from ``problem.batch_cost`` (memoised),
    so this runs on every layout, with or without the exact DP.
    """
    n = problem.size
    k = n - 1 if n <= ALL_PAIRS else CANDIDATES
    near = neighbours(problem, k)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    cost = {i: problem.batch_cost([i]) for i in range(n)}
    load = {i: problem.loads[i].copy() for i in range(n)}
    batch_of = list(range(n))
    heap: list[tuple[float, int, int]] = []

    def push(a: int, b: int) -> None:
        if not problem.cart.fits(load[a] + load[b]):
            return
        saving = cost[a] + cost[b] - problem.batch_cost(members[a] + members[b])
        if saving > 1e-9:
            heapq.heappush(heap, (-saving, min(a, b), max(a, b)))

    for i in range(n):
        for j in near[i].tolist():
            if i < j or i not in near[j]:  # each unordered pair once
                push(i, j)
    next_id = n
    while heap:
        _, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue  # one side was merged away since this saving was computed
        new = next_id
        next_id += 1
        members[new] = members.pop(a) + members.pop(b)
        load[new] = load.pop(a) + load.pop(b)
        cost.pop(a), cost.pop(b)
        cost[new] = problem.batch_cost(members[new])
        for i in members[new]:
            batch_of[i] = new
        around = {batch_of[j] for i in members[new] for j in near[i].tolist()} - {new}
        for other in sorted(around):
            push(new, other)
    groups = [sorted(m) for _, m in sorted(members.items())]
    return _merge_leftovers(problem, groups)


def _merge_leftovers(problem: BatchingProblem, groups: list[list[int]]) -> list[list[int]]:
    """Merge batches whose candidate lists ran dry with their nearest batches.

    Neighbour lists by centroid can all point into batches that are full
    already (many orders with the same single pick, say), leaving other
    batches with no partner although merging still saves. One more savings
    round over the batches themselves, with neighbours by batch centroid,
    takes those merges.
    """
    if len(groups) < 2:
        return groups
    from scipy.spatial import cKDTree

    xy = problem.cost.layout.xy
    while True:
        cost = [problem.batch_cost(g) for g in groups]
        load = [problem.load(g) for g in groups]
        centres = np.array([xy[list(problem.union(g))].mean(axis=0) for g in groups])
        k = min(CANDIDATES, len(groups) - 1)
        _, near = cKDTree(centres).query(centres, k=k + 1)
        offers = []
        for a in range(len(groups)):
            for b in near[a].reshape(-1).tolist():
                if a < b and problem.cart.fits(load[a] + load[b]):
                    saving = cost[a] + cost[b] - problem.batch_cost(groups[a] + groups[b])
                    if saving > 1e-9:
                        offers.append((-saving, a, b))
        if not offers:
            return groups
        used: set[int] = set()
        merged = []
        for _, a, b in sorted(offers):
            if a not in used and b not in used:
                used.update((a, b))
                merged.append(sorted(groups[a] + groups[b]))
        groups = merged + [g for i, g in enumerate(groups) if i not in used]


def _reversed(near: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lists ``near`` reversed, as CSR: the orders whose lists name each order."""
    n = near.shape[0]
    named = near.reshape(-1)
    by = np.argsort(named, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(named, minlength=n), out=ptr[1:])
    return ptr, (by // max(near.shape[1], 1)).astype(np.int64)


def _batch_neighbours(
    problem: BatchingProblem, batch_of: np.ndarray, loads: np.ndarray, cap: np.ndarray, k: int
) -> np.ndarray:
    """For the first order of each batch, the first orders of the ``k`` open
    batches whose pick centroids are nearest its batch's (the batch itself
    left out); every other order names only its own batch.

    A batch is *open* if the lightest batch could still join it: full
    batches are left out of every list, so the lists name only batches a
    merge may fit, and a round finds the merges that remain. Orders of a
    full batch get only their own batch (no candidates).
    """
    from scipy.spatial import cKDTree

    nb = int(batch_of.max()) + 1
    load = np.stack([np.bincount(batch_of, weights=loads[:, d], minlength=nb)
                     for d in range(loads.shape[1])], axis=1)  # fmt: skip
    open_ = np.flatnonzero((load + load.min(axis=0) <= cap).all(axis=1))
    first = np.full(nb, problem.size, dtype=np.int64)
    np.minimum.at(first, batch_of, np.arange(problem.size))
    k = min(k, open_.size - 1)
    if k <= 0:
        return np.zeros((problem.size, 0), dtype=np.int64)
    # Centroid of a batch: its orders' centroids weighted by their pick counts.
    weight = np.fromiter((len(s) for s in problem.nodes), dtype=float, count=problem.size)
    total = np.bincount(batch_of, weights=weight, minlength=nb)
    centre = np.stack([np.bincount(batch_of, weights=weight * problem.centroids[:, d],
                                   minlength=nb) for d in range(2)], axis=1)  # fmt: skip
    centres = centre[open_] / total[open_, None]
    _, nearest = cKDTree(centres).query(centres, k=k + 1)
    near = open_[nearest.reshape(open_.size, -1)]
    rows = np.repeat(np.arange(nb)[:, None], k, axis=1)  # full batches: themselves only
    for j, b in enumerate(open_.tolist()):  # drop the batch itself, wherever ties put it
        rows[b] = [c for c in near[j].tolist() if c != b][:k]
    # Only each batch's first order names the batches; the others name their own
    # batch (no candidates), so the reversed lists are short, one entry per batch.
    out = first[rows][batch_of]
    others = np.arange(problem.size) != first[batch_of]
    out[others] = first[batch_of[others]][:, None]
    return out

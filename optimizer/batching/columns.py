"""Order batching by column generation: a pool of batches priced with the
duals of the set-partitioning relaxation, a dive, then the best partition.

The set-partitioning model has one column per feasible batch and one row per
order; its linear relaxation is tight for order batching (Wahlen & Gschwind
2023 solve most W5A instances at the root), so a pool rich in the batches
the relaxation wants lands close to the optimum. The method, per wave:

1. *Pairs*: every order alone and every feasible pair is scored (beyond
   ``ALL_PAIRS`` orders, each order's ``NEAR_PAIRS`` nearest by pick
   centroid); the pair savings ``d(i) + d(j) - d(i, j)`` estimate what an
   order adds to a batch.
2. *Start*: ``LocalSearch(kicks=0)`` (savings or seed, then moves, swaps and
   re-splits); its batches, the singletons and each order's best
   ``START_PAIRS`` pairs are the first columns.
3. *Pricing rounds*: HiGHS solves the covering relaxation (each order at
   least once: same optimum, non-negative duals) over a working set of
   columns, its right-hand side slightly perturbed against degenerate
   duals. A beam search from every order grows batches one order at a time
   with prices smoothed towards the last ones (Wentges 1997): the
   ``branch`` orders with the best price minus estimated added walking are
   each scored exactly, the ``beam`` best children grow further, and every
   batch cheaper than the relaxation's prices of its orders (negative
   reduced cost) becomes a column. The pricing is a heuristic, so the
   relaxation's value bounds the pool, not the wave.

   With ``tries > 0`` (the quality setting, :data:`QUALITY`) the compiled
   pricing (:func:`~optimizer.batching.pricing.price_batches`) replaces the
   beam search where the exact DP scores tours: descents (add, drop, swap
   an order) from the relaxation's own columns, then randomised greedy
   constructions from the orders in random order until
   ``ENOUGH_PER_ORDER`` columns per order are found; every batch scored
   with negative reduced cost is a candidate, and each order's
   ``NEW_PER_ORDER`` best join the pool (the most negative columns alone
   crowd on a few orders of high price). Before the first relaxation one
   pricing at the start's cost shares gives it columns to leave its
   degenerate first vertex. Waves with at most ``ENUMERATE_LIMIT``
   feasible batches skip all this: every batch is a column, the relaxation
   is a lower bound on the wave and a proven partition is optimal
   (``detail["wave_optimal"]``).

   With ``cut_rounds > 0`` the root then separates subset-row cuts
   (:func:`~optimizer.batching.master.separate_subset_rows`: at most one
   chosen batch holds two or more of three orders), ``CUTS_PER_ROUND`` per
   round, and prices ``CUT_PRICING_ROUNDS`` rounds after each: the compiled
   pricing searches with the orders' prices alone (a cut's dual only adds
   to a reduced cost, so it misses no column), and a column joins only if
   its reduced cost stays negative once it pays the duals of the cuts it
   hits. The cuts whose orders are all open stay in the dive. On the 32 W5A
   instances of ``abc1`` and ``ran1`` three rounds raise the root
   relaxation by 0.035 % of the best known value on average, at most
   0.27 % where it lies 3.7 % below the optimum: these cuts close little
   of the integrality gap that stops the dives, and the results do not
   improve, so the quality setting runs none
   (``benches/results/batching_sr_cuts.md``).
4. *Dive*: the column the relaxation takes most is fixed (with those it
   takes whole, at most a share ``FIX_SHARE`` of the open orders per step),
   the rest is priced again for ``dive_rounds`` rounds, until the open
   orders are at most ``TAIL_ORDERS`` with at most ``TAIL_LIMIT`` feasible
   batches: those are all scored and the open orders partitioned exactly
   over them (:func:`partition_tail`). The last orders of a dive fit badly together,
   and the relaxation guides them worst: on the 32 W5A instances of
   ``abc1`` and ``ran1`` the exact tail takes the dive from 2.7 % to 1.4 %
   above the best known on the worst four (``benches/results/``).
5. *Partition*: CP-SAT (:func:`~optimizer.batching.selection.select`)
   picks the best partition among the columns of least reduced cost,
   started from the better of the dive and the start. The compiled pricing
   first adds the batches of small reduced cost at the root (below
   ``ENRICH_GAP`` of the bound) met around the relaxation's columns.
6. *Polish*: moves, swaps and re-splits from the partition.

Every tour is scored with the exact DP where the layout allows, memoised by
the batch's orders. Budgets are work (rounds, beam, branch, the solver's
deterministic time, the compiled pricing's tries), never time: equal problems
and seeds give equal batches;
``time_limit`` is a safety cap reported in ``detail["timed_out"]``. Waves
over ``CHUNK`` orders are split by pick position into parts of at most
``CHUNK`` orders, each batched on its own (no batch spans two parts).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.batching.base import Batching, Detail
from optimizer.batching.kernels import groups_csr
from optimizer.batching.local_search import LocalSearch
from optimizer.batching.master import (
    Relaxation,
    cut_penalty,
    cut_rows,
    incidence,
    partition,
    relax,
    relax_large,
    separate_subset_rows,
)
from optimizer.batching.pricing import best_partition, enumerate_batches, price_batches
from optimizer.batching.problem import BatchingProblem, neighbours
from optimizer.batching.selection import select

__all__ = [
    "ColumnGeneration",
    "Pool",
    "dive_over",
    "CompiledPricing",
    "call_kernels",
    "DEFAULT_ROUNDS",
    "CHUNK",
    "QUALITY",
]

ALL_PAIRS = 150  # up to this many orders every pair is scored
NEAR_PAIRS = 40  # beyond, each order's nearest orders by pick centroid
CHUNK = 400  # largest part of a wave batched as one model
DEFAULT_ROUNDS = 12
DEFAULT_BEAM = 2
DEFAULT_BRANCH = 5
START_PAIRS = 3  # best pairs of each order in the first relaxation
NEW_PER_ORDER = 4  # most columns added per round, per order
SMOOTHING = 0.5  # weight of the last prices in the smoothed ones
DEFAULT_WIDTH = 8  # orders scored exactly per step of the compiled pricing
ENOUGH_PER_ORDER = 2  # the compiled pricing's constructions stop at this many columns per order
ENUMERATE_LIMIT = 10_000  # up to this many feasible batches, the pool holds them all
MIP_NODES = 200  # HiGHS branch-and-bound nodes over every batch of a small wave
ENRICH_GAP = 0.01  # columns priced after the dive: reduced cost within this share of the bound
ENRICH_PER_ORDER = 50  # and at most about this many per order
ENRICH_WIDTH = 3  # orders scored per step then, times the pricing's width
PICK = 3  # a randomised construction takes one of this many best next orders
DEFAULT_DIVE_ROUNDS = 3  # pricing rounds after each fixing of the dive
SELECT_PER_ORDER = 20  # columns per order in the final partition
DEFAULT_WORK = 0.2  # CP-SAT deterministic time of the final partition
PERTURB = 0.01  # relative RHS perturbation against degenerate duals
FIX_SHARE = 0.05  # most batches fixed per dive step, per open order
KEEP_PER_ORDER = 4  # columns per order kept in the next relaxation
GROW_PER_ORDER = 20  # columns per order added per round to a relaxation over a large pool
EPS = 1e-6
TAIL_LIMIT = 2000  # a dive partitions its open orders exactly once they have this few batches
TAIL_ORDERS = 16  # and are at most this many (a dynamic programme over their subsets)
CUTS_PER_ROUND = 50  # subset-row cuts added per separation round, most violated first
MAX_CUTS = 150  # and at most this many in all
CUT_PRICING_ROUNDS = 2  # pricing rounds after each separation round
#: The quality setting (:meth:`ColumnGeneration.quality`): the compiled pricing.
QUALITY: dict[str, float] = {"rounds": 15, "dive_rounds": 2, "tries": 2, "width": 8, "work": 1.0,
                             "cut_rounds": 0, "expand": 0.0}  # fmt: skip


class Pool:
    """Costs of every batch scored (memoised by its sorted orders) and the
    batches kept as columns.

    Parameters
    ----------
    problem
        The batching problem whose tours are scored.
    """

    def __init__(self, problem: BatchingProblem) -> None:
        self.problem = problem
        limits = problem.cart.limits
        dims = [d for d in range(limits.size) if np.isfinite(limits[d])]
        # Only the cart's finite limits matter, with the cart's own tolerance.
        self.loads = np.ascontiguousarray(problem.loads[:, dims])
        self.cap = limits[dims] * (1 + 1e-12)
        self.cost: dict[tuple[int, ...], float] = {}
        self.columns: dict[tuple[int, ...], float] = {}

    def __call__(self, members: tuple[int, ...]) -> float:
        """Objective of the batch ``members`` (sorted order indices)."""
        c = self.cost.get(members)
        if c is None:
            c = self.problem.batch_cost(members)
            self.cost[members] = c
        return c

    def score(self, batches: Sequence[tuple[int, ...]]) -> None:
        """Score the batches not scored yet (sorted order indices), in one
        compiled loop where the exact DP scores tours."""
        todo = list(dict.fromkeys(b for b in batches if b not in self.cost))
        self.cost.update(zip(todo, self.problem.batch_costs(todo), strict=True))

    def keep(self, members: Sequence[int]) -> None:
        """Add the batch ``members`` to the columns."""
        key = tuple(sorted(members))
        if key not in self.columns:
            self.columns[key] = self(key)

    def fits(self, members: Sequence[int]) -> bool:
        """True if the batch fits one cart."""
        return bool(np.all(self.loads[list(members)].sum(axis=0) <= self.cap))


def pair_savings(pool: Pool) -> tuple[np.ndarray, np.ndarray]:
    """Each order's cost alone, and the saving of every scored feasible pair.

    Returns
    -------
    single, saving
        ``single[i]`` is the cost of order ``i`` alone; ``saving[i, j]`` is
        ``single[i] + single[j] - cost(i, j)`` for pairs that fit a cart and
        were scored (all of them up to ``ALL_PAIRS`` orders), else ``-inf``.
    """
    n = pool.problem.size
    single = np.array([pool((i,)) for i in range(n)])
    saving = np.full((n, n), -np.inf)
    if n <= ALL_PAIRS:
        near = [list(range(i + 1, n)) for i in range(n)]
    else:
        knn = neighbours(pool.problem, NEAR_PAIRS)
        near = [[j for j in knn[i].tolist() if j > i] + [j for j in knn[i].tolist() if j < i
                 and i not in knn[j]] for i in range(n)]  # fmt: skip
    pairs = []
    for i in range(n):
        js = np.array(near[i], dtype=np.int64)
        if js.size == 0:
            continue
        ok = js[np.all(pool.loads[js] + pool.loads[i] <= pool.cap, axis=1)]
        pairs += [(i, j) if i < j else (j, i) for j in ok.tolist()]
    pool.score(pairs)
    for i, j in pairs:
        saving[i, j] = saving[j, i] = single[i] + single[j] - pool.cost[i, j]
    return single, saving


def price(
    pool: Pool,
    duals: np.ndarray,
    single: np.ndarray,
    saving: np.ndarray,
    *,
    beam: int,
    branch: int,
    seeds: np.ndarray,
) -> dict[tuple[int, ...], float]:
    """Batches of negative reduced cost, grown by a beam search from every order.

    A batch grows by one order at a time; the candidates are the ``branch``
    orders that fit with the best ``dual - single + best pair saving with a
    member`` (an estimate of the reduced-cost change), each scored exactly;
    the ``beam`` children of least reduced cost grow further.

    Returns
    -------
    dict
        Sorted order tuple -> reduced cost, for every batch met whose
        reduced cost is below ``-EPS``.
    """
    n = pool.problem.size
    loads, cap = pool.loads, pool.cap
    # One capacity (items, the common cart): compare a vector, not a matrix.
    flat = loads[:, 0] if loads.shape[1] == 1 else None
    base = duals - single
    found: dict[tuple[int, ...], float] = {}
    seen: set[tuple[int, ...]] = set()
    k = min(branch, n)
    for seed in seeds.tolist():
        level = [((seed,), cap - loads[seed], saving[seed], float(duals[seed]))]
        while level:
            children = []
            for members, room, best_pair, paid in level:
                gain = base + best_pair
                fits = flat <= room[0] if flat is not None else np.all(loads <= room, axis=1)
                gain[~fits] = -np.inf
                gain[list(members)] = -np.inf
                top = np.argpartition(-gain, k - 1)[:k] if k < n else np.arange(n)
                top = top[np.argsort(-gain[top], kind="stable")]
                for j in top[gain[top] > -np.inf].tolist():
                    grown = tuple(sorted((*members, j)))
                    if grown in seen:
                        continue
                    seen.add(grown)
                    pays = paid + float(duals[j])
                    children.append((pool(grown) - pays, grown, room - loads[j],
                                     np.maximum(best_pair, saving[j]), pays))  # fmt: skip
            children.sort(key=lambda c: (c[0], c[1]))
            for rc, grown, *_ in children:
                if rc >= -EPS:
                    break
                found[grown] = rc
            level = [(m, r, bp, p) for _, m, r, bp, p in children[:beam]]
    return found


@dataclass(frozen=True)
class Generated:
    """What :func:`generate` did: the partition, the pool and the proofs."""

    groups: list[list[int]]
    start_total: float
    dive_total: float
    selected_total: float
    relaxation: float
    rounds: int
    columns: int
    model_columns: int
    pool_optimal: bool
    pool_bound: float
    polish_gain: float
    timed_out: bool
    pool: dict[tuple[int, ...], float]
    exact: bool = False  # the pool holds every batch: the relaxation bounds the wave
    evaluations: int = 0  # tours the compiled pricing scored
    cuts: int = 0  # subset-row cuts at the root
    uncut: float = math.nan  # the root relaxation before them
    root_rounds: int = 0  # pricing rounds at the root
    converged: bool = False  # the root's pricing ran dry before its round cap


def generate(
    problem: BatchingProblem,
    *,
    rounds: int,
    beam: int,
    branch: int,
    dive_rounds: int,
    work: float,
    deadline: float = math.inf,
    tries: int = 0,
    width: int = DEFAULT_WIDTH,
    seed: int = 0,
    cut_rounds: int = 0,
    expand: float = 0.0,
) -> Generated:
    """Column generation, partition and polish for one (part of a) wave;
    ``tries`` > 0 prices with the compiled constructions, else the beam search;
    ``expand`` > 0 expands the root's pricing once it runs dry."""
    n = problem.size
    if n == 1:
        total = problem.total([[0]])
        return Generated([[0]], total, total, total, total, 0, 1, 1, True, total, 0.0, False,
                         {(0,): total})  # fmt: skip
    pool = Pool(problem)
    if tries > 0 and problem.cost.kernel is not None:
        every = enumerate_batches(pool.loads, pool.cap, ENUMERATE_LIMIT)
        if every[0].size > 1:
            return _enumerated(problem, pool, every, work, deadline)
    single, saving = pair_savings(pool)
    for i in range(n):
        pool.keep((i,))
        # The best few pairs of each order: enough to start the prices.
        for j in np.argsort(-saving[i], kind="stable")[:START_PAIRS].tolist():
            if saving[i, j] > EPS:
                pool.keep((i, j))
    left = deadline - time.perf_counter()
    start = LocalSearch(kicks=0).run(problem, time_limit=None if math.isinf(left) else left).groups
    for g in start:
        pool.keep(g)
    start_total = problem.total(start)
    active = list(pool.columns)
    compiled = None
    if tries > 0 and problem.cost.kernel is not None:
        compiled = CompiledPricing(pool, single, saving, tries=tries, width=width, seed=seed)
    cg = _Generation(pool, single, saving, beam, branch, deadline, compiled)
    center = _shares(pool, start, single)
    open_ = np.ones(n, dtype=bool)
    if compiled is not None:
        # The first relaxation's duals sit on a vertex of a very degenerate
        # face; columns priced at the start's cost shares start it off better.
        shared = compiled(center, center, open_, [tuple(sorted(g)) for g in start], below=-EPS)
        for members in _spread(sorted(shared, key=lambda m: (shared[m], m)), n):
            pool.keep(members)
        active = list(pool.columns)
    lp, active, center = cg.rounds(active, open_, center, rounds, expand)
    converged, cg_root_rounds = cg.dry, cg.done
    # The bound before the cuts, for the detail (without cuts it is the bound below).
    uncut = cg.relax(active, open_, perturb=0.0).value if cut_rounds else math.nan
    lp, active, center = cg.cut_rounds(lp, active, open_, center, cut_rounds)
    exact = cg.relax(active, open_, perturb=0.0)  # the bound, unperturbed
    relaxation, root = exact.value, exact.duals
    root_cuts, root_cut_duals = cg.live_cuts, exact.cut_duals
    active_root, root_x = list(active), exact.x
    # Dive: fix the columns the relaxation wants most, then price again for
    # the orders left, until the last few are partitioned exactly.
    dived = _dive(cg, lp, list(active), center, dive_rounds)
    dive_total = problem.total(dived)
    best = min([tuple(sorted(g)) for g in start], dived, key=problem.total)
    for column in best:
        pool.keep(column)
    if compiled is not None:
        # Columns of small reduced cost at the root, not only negative ones:
        # the batches that complete a partition around the relaxation's own.
        below = min(problem.total(best) - relaxation, ENRICH_GAP * relaxation)
        basis = [active_root[j] for j in np.flatnonzero(root_x > EPS).tolist()]
        near = compiled(
            root,
            root,
            np.ones(n, dtype=bool),
            basis + list(best),
            below=below,
            enough=ENRICH_PER_ORDER * n,
            width=ENRICH_WIDTH * compiled.width,
        )
        for members in near:
            pool.keep(members)
    # Partition over the columns of least reduced cost at the root (only
    # those can complete a better partition), started from the best so far.
    keys = list(pool.columns)
    costs = np.array([pool.columns[k] for k in keys])
    reduced = costs - np.array([root[list(k)].sum() for k in keys])
    if len(root_cuts):
        reduced += cut_rows(n, keys, root_cuts).T @ root_cut_duals
    ranked = np.lexsort((np.arange(len(keys)), reduced))[: SELECT_PER_ORDER * n]
    cols = list(dict.fromkeys([*(keys[j] for j in ranked.tolist()), *best]))
    index = {k: j for j, k in enumerate(cols)}
    left = deadline - time.perf_counter()
    cap = None if math.isinf(left) else max(left, 1e-3)
    chosen = select(n, cols, [pool.columns[k] for k in cols], [index[g] for g in best],
                    work=work, time_limit=cap)  # fmt: skip
    chosen_groups = [cols[j] for j in chosen.chosen]
    groups = [list(g) for g in chosen_groups]
    selected = problem.total(groups)
    left = deadline - time.perf_counter()
    polish_gain = 0.0
    # A proof about the whole pool needs every column that could be in a
    # better partition (reduced cost within the gap) in the model.
    gap = problem.total(best) - relaxation
    inside = set(cols)
    complete = bool(reduced.min() >= -EPS) and all(
        keys[j] in inside for j in np.flatnonzero(reduced <= gap + EPS).tolist()
    )
    proven = chosen.proven and complete
    if left > 0:
        polished = (
            LocalSearch(kicks=0, start=groups)
            .run(problem, time_limit=None if math.isinf(left) else left)
            .groups
        )
        if problem.total(polished) < selected - EPS:
            polish_gain = selected - problem.total(polished)
            groups, proven = polished, False
    timed_out = cg.timed_out or chosen.timed_out or time.perf_counter() > deadline
    return Generated(groups, start_total, dive_total, selected, relaxation, cg.done,
                     len(pool.columns), len(cols), proven, chosen.bound, polish_gain,
                     timed_out, pool.columns, False,
                     compiled.evaluations if compiled is not None else 0, len(cg.cuts),
                     uncut, cg_root_rounds, converged)  # fmt: skip


def _enumerated(
    problem: BatchingProblem,
    pool: Pool,
    every: tuple[np.ndarray, np.ndarray],
    work: float,
    deadline: float,
) -> Generated:
    """The partition of a wave whose every feasible batch (``every``, CSR) is a
    column: the relaxation is then a lower bound on the wave, and a partition
    CP-SAT proves optimal is optimal for the wave."""
    ptr, val = every[0].tolist(), every[1].tolist()
    cols = [tuple(val[ptr[b] : ptr[b + 1]]) for b in range(len(ptr) - 1)]
    pool.score(cols)
    for c in cols:
        pool.keep(c)
    n = problem.size
    left = deadline - time.perf_counter()
    start = LocalSearch(kicks=0).run(problem, time_limit=None if math.isinf(left) else left).groups
    start_total = problem.total(start)
    index = {k: j for j, k in enumerate(cols)}
    lp = _relax(pool, cols, np.ones(n, dtype=bool), perturb=0.0)
    taken = np.flatnonzero(lp.x > 0.5).tolist()
    if np.all(np.minimum(lp.x, 1 - lp.x) < EPS) and sum(len(cols[j]) for j in taken) == n:
        # An integral relaxation over every batch: a partition at the lower bound.
        groups = [list(cols[j]) for j in taken]
        return Generated(groups, start_total, start_total, problem.total(groups), lp.value, 0,
                         len(cols), len(cols), True, lp.value, 0.0,
                         time.perf_counter() > deadline, pool.columns, True)  # fmt: skip
    costs = np.array([pool.columns[k] for k in cols])
    left = deadline - time.perf_counter()
    cap = None if math.isinf(left) else max(left, 1e-3)
    mip = partition(n, cols, costs, nodes=MIP_NODES, time_limit=cap)
    if mip.chosen and costs[mip.chosen].sum() <= start_total + EPS:
        groups = [list(cols[j]) for j in mip.chosen]
        proven, bound = mip.proven, lp.value
    else:  # HiGHS found nothing in its budget: CP-SAT from the start
        chosen = select(n, cols, costs.tolist(), [index[tuple(sorted(g))] for g in start],
                        work=work, time_limit=cap)  # fmt: skip
        groups = [list(cols[j]) for j in chosen.chosen]
        proven, bound = chosen.proven, chosen.bound
    timed_out = time.perf_counter() > deadline
    return Generated(groups, start_total, start_total, problem.total(groups), lp.value, 0,
                     len(cols), len(cols), proven, bound, 0.0, timed_out, pool.columns,
                     True)  # fmt: skip


def dive_over(
    problem: BatchingProblem,
    columns: dict[tuple[int, ...], float],
    *,
    rounds: int,
    dive_rounds: int,
    tries: int,
    width: int = DEFAULT_WIDTH,
    seed: int = 0,
    deadline: float = math.inf,
    prices: np.ndarray | None = None,
    cut_rounds: int = 0,
    dives: int = 1,
) -> tuple[list[list[int]], dict[tuple[int, ...], float]]:
    """A dive (compiled pricing) from the relaxation over ``columns`` (sorted
    order indices -> cost, e.g. the pool of a search): ``rounds`` pricing
    rounds, then the dive with ``dive_rounds`` per step. A pool that a search
    has grown prices closer to the relaxation's optimum than the column
    generation alone, and the dive from it lands closer to the optimum.
    ``prices`` (duals of an earlier relaxation over much the same pool)
    start its first relaxation. ``dives`` > 1 dives that many times from
    the same relaxation, each but the first fixing first another fractional
    column of it (:func:`dive_candidates`), and keeps the best.

    Returns
    -------
    groups, columns
        The dive's batching and every column kept (the given ones included).
    """
    if problem.cost.kernel is None or tries < 1:
        raise ValueError("dive_over prices with the compiled pricing: exact DP tours, tries >= 1")
    n = problem.size
    pool = Pool(problem)
    pool.cost.update(columns)
    for key in columns:
        pool.keep(key)
    for i in range(n):
        pool.keep((i,))
    single, saving = pair_savings(pool)
    compiled = CompiledPricing(pool, single, saving, tries=tries, width=width, seed=seed)
    cg = _Generation(pool, single, saving, DEFAULT_BEAM, DEFAULT_BRANCH, deadline, compiled)
    open_ = np.ones(n, dtype=bool)
    keys = list(pool.columns)
    costs = np.array([pool.columns[k] for k in keys])
    alone = [j for j, k in enumerate(keys) if len(k) == 1]
    first = relax_large(keys, costs, alone, grow=GROW_PER_ORDER * n, prices=prices)
    taken = set(np.flatnonzero(first.x > EPS).tolist())
    reduced = costs - incidence(n, keys).T @ first.duals
    ranked = np.lexsort((np.arange(len(keys)), reduced))
    keep = sorted(taken | set(ranked[: KEEP_PER_ORDER * n].tolist()))
    active = list(dict.fromkeys([keys[j] for j in keep] + [(i,) for i in range(n)]))
    lp, active, center = cg.rounds(active, open_, first.duals, rounds)
    lp, active, center = cg.cut_rounds(lp, active, open_, center, cut_rounds)
    groups = [list(g) for g in _dives(cg, lp, active, center, dive_rounds, dives)]
    return groups, pool.columns


def dive_candidates(lp: Relaxation, active: list[tuple[int, ...]], dives: int) -> list[int]:
    """The columns the first fixings of ``dives`` dives start from: the
    relaxation's columns, most taken first, none twice; a column it takes
    whole is in every partition near the relaxation, so only fractional
    ones (after the first, the plain dive's own) open other dives."""
    order = np.lexsort((np.arange(len(active)), -lp.x)).tolist()
    first = [order[0]] if order and lp.x[order[0]] > EPS else []
    rest = [j for j in order if EPS < lp.x[j] < 1 - EPS and j not in first]
    return (first + rest)[:dives]


def _dives(
    cg: _Generation,
    lp: Relaxation,
    active: list[tuple[int, ...]],
    center: np.ndarray,
    rounds: int,
    dives: int,
) -> list[tuple[int, ...]]:
    """The best of ``dives`` dives from the relaxation ``lp`` over ``active``:
    the plain dive (:func:`_dive`), then dives that fix first another
    fractional column of the relaxation (:func:`dive_candidates`, a limited
    discrepancy at the root: where the plain dive's first fixings go wrong,
    no later step repairs them). They share the pool: each dive's columns
    price the next."""
    total = cg.pool.problem.total
    best = _dive(cg, lp, list(active), center, rounds)
    best_total = total(best)
    # The first candidate is the plain dive's own first fixing.
    for j in dive_candidates(lp, active, dives)[1:]:
        if cg.timed_out:
            break
        dived = _dive(cg, lp, list(active), center, rounds, first=active[j])
        if total(dived) < best_total - EPS:
            best, best_total = dived, total(dived)
    return best


def _dive(
    cg: _Generation,
    lp: Relaxation,
    active: list[tuple[int, ...]],
    center: np.ndarray,
    rounds: int,
    first: tuple[int, ...] | None = None,
) -> list[tuple[int, ...]]:
    """One dive from the relaxation ``lp`` over ``active``: fix the batch
    the relaxation takes most (and others it takes whole), price ``rounds``
    rounds for the orders left, repeat; the last orders, once few enough,
    are partitioned exactly (:func:`partition_tail`). With ``first``, that
    batch alone is the first fixing. Returns the batches fixed (singletons
    for orders a time cap left open)."""
    pool = cg.pool
    n = pool.problem.size
    open_ = np.ones(n, dtype=bool)
    fixed: list[tuple[int, ...]] = []
    if first is not None:
        fixed.append(first)
        open_[list(first)] = False
        active = [m for m in active if open_[list(m)].all()]
        if open_.any():
            lp, active, center = cg.rounds(active, open_, center, rounds)
    while open_.any() and not cg.timed_out:
        tail = partition_tail(pool, open_)
        if tail is not None:
            fixed += tail
            open_[:] = False
            break
        order = np.lexsort((np.arange(len(active)), -lp.x))
        took = 0
        most = max(1, int(open_.sum() * FIX_SHARE))
        for j in order.tolist():
            x, members = lp.x[j], active[j]
            if took >= most or (took and x < 1 - EPS):
                break
            if x <= EPS or not open_[list(members)].all():
                continue
            fixed.append(members)
            open_[list(members)] = False
            took += 1
        active = [m for m in active if open_[list(m)].all()]
        if not open_.any():
            break
        lp, active, center = cg.rounds(active, open_, center, rounds)
    return fixed + [(i,) for i in np.flatnonzero(open_).tolist()]


def partition_tail(pool: Pool, open_: np.ndarray) -> list[tuple[int, ...]] | None:
    """The best partition of the open orders over every batch of them, if
    they are at most ``TAIL_ORDERS`` with at most ``TAIL_LIMIT`` feasible
    batches (else None): the end of a dive, where the last orders left fit
    badly together, solved exactly (:func:`~optimizer.batching.pricing.best_partition`)."""
    idx = np.flatnonzero(open_)
    if idx.size > TAIL_ORDERS:
        return None
    ptr, val = enumerate_batches(pool.loads[idx], pool.cap, TAIL_LIMIT)
    if ptr.size <= 1:
        return None
    p, local, v = ptr.tolist(), val.tolist(), idx[val].tolist()
    cols = [tuple(v[p[b] : p[b + 1]]) for b in range(len(p) - 1)]
    masks = [sum(1 << i for i in local[p[b] : p[b + 1]]) for b in range(len(p) - 1)]
    pool.score(cols)
    costs = np.array([pool(c) for c in cols])
    out = [cols[j] for j in best_partition(idx.size, np.array(masks, dtype=np.int64), costs)]
    for c in out:
        pool.keep(c)
    return out


class _Generation:
    """Pricing rounds over a pool, restricted to the orders still open."""

    def __init__(self, pool: Pool, single: np.ndarray, saving: np.ndarray, beam: int,
                 branch: int, deadline: float, compiled: CompiledPricing | None = None
                 ) -> None:  # fmt: skip
        self.pool, self.single, self.saving, self.compiled = pool, single, saving, compiled
        self.beam, self.branch, self.deadline = beam, branch, deadline
        self.done = 0
        self.dry = False  # the last rounds stopped as the pricing found nothing
        self.timed_out = False
        self.starts: list[tuple[int, ...]] = []
        self.cuts = np.zeros((0, 3), dtype=np.int64)  # subset-row cuts, three orders each
        self.live_cuts = self.cuts  # those of the last relaxation, and their duals
        self.cut_duals = np.zeros(0)

    def rounds(
        self,
        active: list[tuple[int, ...]],
        open_: np.ndarray,
        center: np.ndarray,
        rounds: int,
        expand: float = 0.0,
    ) -> tuple[Relaxation, list[tuple[int, ...]], np.ndarray]:
        """Up to ``rounds`` rounds of relaxation and pricing; the last
        relaxation, the working set and the smoothing centre. With ``expand``
        > 0, a round whose pricing finds nothing prices once more with the
        expansion (:meth:`CompiledPricing.__call__`) before it stops;
        ``self.dry`` says whether the pricing ran dry (else the cap or the
        time stopped it)."""
        pool, n = self.pool, self.pool.problem.size
        lp = self.relax(active, open_)
        self.dry = False
        for _ in range(rounds):
            if time.perf_counter() > self.deadline:
                self.timed_out = True
                break
            # Smoothed prices (Wentges 1997): the relaxation's duals jump between
            # vertices of a degenerate face; their mix with the last prices does not.
            duals = SMOOTHING * center + (1 - SMOOTHING) * lp.duals
            self.starts = [active[j] for j in np.flatnonzero(lp.x > EPS).tolist()]
            found = self._price(duals, lp.duals, open_)
            if not found:  # a mispricing: try the relaxation's own duals
                found = self._price(lp.duals, lp.duals, open_)
            if not found and expand > 0:  # the cheap pricing ran dry: its neighbourhoods
                found = self._price(lp.duals, lp.duals, open_, expand)
            center = duals
            self.done += 1
            if not found:
                self.dry = True
                break
            ranked = sorted(found, key=lambda m: (found[m], m))
            new = ranked[: NEW_PER_ORDER * n] if self.compiled is None else _spread(ranked, n)
            for members in new:
                pool.keep(members)
            kept = _working_set(pool, active, lp, n, self.penalties(active))
            active = kept + [m for m in new if m not in active]
            lp = self.relax(active, open_)
        return lp, active, center

    def _price(self, duals: np.ndarray, exact: np.ndarray, open_: np.ndarray,
               expand: float = 0.0) -> dict[tuple[int, ...], float]:  # fmt: skip
        if self.compiled is not None:
            found = self.compiled(duals, exact, open_, self.starts, below=-EPS, expand=expand)
        else:
            found = price(self.pool, np.where(open_, duals, -np.inf), self.single,
                          self.saving, beam=self.beam, branch=self.branch,
                          seeds=np.flatnonzero(open_))  # fmt: skip
        reduced = {m: self.pool(m) - float(exact[list(m)].sum())
                   + cut_penalty(m, self.live_cuts, self.cut_duals) for m in found}  # fmt: skip
        return {m: rc for m, rc in reduced.items() if rc < -EPS}

    def relax(self, active: list[tuple[int, ...]], open_: np.ndarray,
              perturb: float = PERTURB) -> Relaxation:  # fmt: skip
        """:func:`_relax` with the cuts whose orders are all open (a cut with
        a fixed order is implied by the partition of the others)."""
        self.live_cuts = self.cuts[open_[self.cuts].all(axis=1)]
        lp = _relax(self.pool, active, open_, perturb, self.live_cuts)
        self.cut_duals = lp.cut_duals
        return lp

    def penalties(self, columns: list[tuple[int, ...]]) -> np.ndarray:
        """What each of ``columns`` pays to the last relaxation's cuts."""
        if not len(self.live_cuts):
            return np.zeros(len(columns))
        rows = cut_rows(self.pool.problem.size, columns, self.live_cuts)
        return np.asarray(rows.T @ self.cut_duals)

    def cut_rounds(
        self,
        lp: Relaxation,
        active: list[tuple[int, ...]],
        open_: np.ndarray,
        center: np.ndarray,
        rounds: int,
    ) -> tuple[Relaxation, list[tuple[int, ...]], np.ndarray]:
        """Up to ``rounds`` rounds of separating the subset-row cuts the
        relaxation ``lp`` over ``active`` violates most (``CUTS_PER_ROUND``,
        ``MAX_CUTS`` in all), each followed by ``CUT_PRICING_ROUNDS`` pricing
        rounds whose reduced costs pay the cuts' duals."""
        n = self.pool.problem.size
        for _ in range(rounds):
            room = MAX_CUTS - len(self.cuts)
            if room <= 0 or time.perf_counter() > self.deadline:
                break
            new, _violation = separate_subset_rows(n, active, lp.x, min(room, CUTS_PER_ROUND))
            new = new[open_[new].all(axis=1)]
            if not len(new):
                break
            self.cuts = np.concatenate((self.cuts, new))
            lp, active, center = self.rounds(active, open_, center, CUT_PRICING_ROUNDS)
        return lp, active, center


class CompiledPricing:
    """The compiled pricing (:func:`~optimizer.batching.pricing.price_batches`)
    over a pool: the batches it finds, keyed by sorted members, their costs
    stored in the pool's memo.

    Parameters
    ----------
    pool
        The pool whose problem is priced (its tours scored by the exact DP).
    single, saving
        Each order's cost alone and the pair savings (:func:`pair_savings`).
    tries, width
        Constructions per seed order, and orders scored exactly per step.
    seed
        Seed of the randomised constructions (each call draws a new one from it).
    """

    def __init__(self, pool: Pool, single: np.ndarray, saving: np.ndarray, *, tries: int,
                 width: int, seed: int = 0) -> None:  # fmt: skip
        problem = pool.problem
        if problem.cost.kernel is None:
            raise ValueError("the compiled pricing needs tours scored by the exact DP")
        self.pool, self.tries, self.width, self.seed = pool, tries, width, seed
        ptr, idx = problem.node_csr
        tab, fi, ff = problem.cost.kernel
        self._arrays = (single, saving, pool.loads, pool.cap, ptr, idx, tab, fi, ff)
        self._penalty, self._nodes = float(problem.tour_penalty), len(problem.cost.layout.xy)
        self.enough = ENOUGH_PER_ORDER * problem.size
        self.calls = 0
        self.evaluations = 0

    def __call__(self, duals: np.ndarray, exact: np.ndarray, allowed: np.ndarray,
                 starts: Sequence[tuple[int, ...]], *, below: float, enough: int | None = None,
                 width: int | None = None, expand: float = 0.0
                 ) -> dict[tuple[int, ...], float]:  # fmt: skip
        """Batches of the ``allowed`` orders, searched with the prices ``duals``
        from every allowed order and from the batches ``starts``, whose
        reduced cost under ``exact`` is below ``below``, each with it; ``enough``
        and ``width`` override the pricing's own; ``expand`` > 0 then scores
        every add and swap around the batches found, within that many tours
        per tour the search scored (:func:`~optimizer.batching.pricing._expand`)."""
        prices = np.where(allowed, duals, 0.0)
        exact = np.where(allowed, exact, 0.0)
        seeds = np.flatnonzero(allowed & (prices > EPS))
        start_ptr, start_val = groups_csr(starts)
        single, saving, loads, cap, ptr, idx, tab, fi, ff = self._arrays
        out_ptr, val, costs, evaluations = price_batches(
            prices, exact, allowed, seeds, start_ptr, start_val, single, saving, loads, cap,
            ptr, idx, tab, fi, ff, self._penalty, self._nodes, self.tries, width or self.width,
            PICK, below, enough or self.enough, self.seed * 1_000_003 + self.calls, expand,
        )  # fmt: skip
        self.calls += 1
        self.evaluations += int(evaluations)
        members, bounds = val.tolist(), out_ptr.tolist()
        out: dict[tuple[int, ...], float] = {}
        for b, cost in enumerate(costs.tolist()):
            key = tuple(members[bounds[b] : bounds[b + 1]])
            self.pool.cost.setdefault(key, cost)
            out[key] = cost - float(exact[list(key)].sum())
        return out


def _spread(ranked: list[tuple[int, ...]], n: int) -> list[tuple[int, ...]]:
    """The columns of ``ranked`` (best first) that are among the
    ``NEW_PER_ORDER`` best of one of their orders: the most negative columns
    alone often share a few orders of high price, and the relaxation then
    moves little."""
    taken = np.zeros(n, dtype=np.int64)
    out = []
    for members in ranked:
        if taken[list(members)].min() < NEW_PER_ORDER:
            out.append(members)
            taken[list(members)] += 1
    return out


def call_kernels(problem: BatchingProblem) -> None:
    """Call the compiled pricing's kernels once on ``problem`` (whose tours the
    exact DP scores), so that a worker's warm-up compiles or loads them."""
    pool = Pool(problem)
    enumerate_batches(pool.loads, pool.cap, 1)
    single, saving = pair_savings(pool)
    for i in range(problem.size):
        pool.keep((i,))
    allowed = np.ones(problem.size, dtype=bool)
    CompiledPricing(pool, single, saving, tries=1, width=2)(single, single, allowed,
                                                            [(0,)], below=-EPS)  # fmt: skip
    best_partition(1, np.ones(1, dtype=np.int64), single[:1])


def _shares(pool: Pool, groups: list[list[int]], single: np.ndarray) -> np.ndarray:
    """Prices that share each batch's cost among its orders by their cost alone."""
    out = np.zeros(pool.problem.size)
    for g in groups:
        weight = single[g] if single[g].sum() > 0 else np.ones(len(g))
        out[g] = pool(tuple(sorted(g))) * weight / weight.sum()
    return out


def _relax(
    pool: Pool,
    active: list[tuple[int, ...]],
    open_: np.ndarray,
    perturb: float = PERTURB,
    cuts: np.ndarray | None = None,
) -> Relaxation:
    """The covering relaxation of the open orders over ``active``, with the
    subset-row ``cuts``; with ``perturb``, each order needed ``1 + perturb *
    u_i`` times (``u_i`` spread over [0, 1) deterministically) so that its
    duals are unique."""
    spread = (np.arange(open_.size) * 0.6180339887) % 1.0
    need = open_ * (1 + perturb * spread)
    return relax(need, active, np.array([pool.columns[k] for k in active]), cuts)


def _working_set(
    pool: Pool, active: list[tuple[int, ...]], lp: Relaxation, n: int, penalties: np.ndarray
) -> list[tuple[int, ...]]:
    """The columns the next relaxation keeps: those in the solution, the
    singletons, and the ``KEEP_PER_ORDER * n`` of least reduced cost (with
    ``penalties``, what each pays to the cuts)."""
    costs = np.array([pool.columns[k] for k in active])
    reduced = costs - np.array([lp.duals[list(k)].sum() for k in active]) + penalties
    order = np.lexsort((np.arange(len(active)), reduced))
    keep = set(order[: KEEP_PER_ORDER * n].tolist()) | set(np.flatnonzero(lp.x > EPS).tolist())
    keep |= {j for j, k in enumerate(active) if len(k) == 1}
    return [active[j] for j in sorted(keep)]


class ColumnGeneration:
    """Column generation over batches, then the exact partition of the pool.

    Parameters
    ----------
    rounds
        Pricing rounds (relaxation, then a beam search or the compiled pricing).
    beam
        Batches kept per size in the beam search from one order.
    branch
        Orders tried, each scored exactly, to grow one batch.
    dive_rounds
        Pricing rounds after each fixing step of the dive.
    work
        CP-SAT deterministic time of the final partition.
    tries
        Compiled pricing: constructions per seed order and descents per
        relaxation column (0: the beam search prices).
    width
        Compiled pricing: orders scored exactly per step.
    name
        The method's name (``"columns-quality"`` for :meth:`quality`).
    cut_rounds
        Rounds of subset-row cuts at the root, each followed by
        ``CUT_PRICING_ROUNDS`` pricing rounds (0: none).
    expand
        Compiled pricing: once a root round's pricing finds nothing, it
        prices again scoring every add and swap around the batches it found,
        within this many tours per tour it scored (0: never), and the root
        goes on while that finds columns.

    Notes
    -----
    ``detail`` reports ``parts`` (the wave's parts, see ``CHUNK``), ``rounds``
    (pricing rounds, root and dive), ``columns`` in the pool, the totals of
    the start, the dive and the partition (``start_total``, ``dive_total``,
    ``selected_total``), ``relaxation`` (the relaxation's value over the
    root pool: a lower bound for the pool, not the wave, as the pricing is a
    heuristic), ``pool_optimal`` (True only if CP-SAT proved its partition
    optimal over every column that the relaxation's reduced costs leave
    able to beat it, so that no partition of the pool is cheaper; never a
    claim about the wave), ``polish_gain``, ``timed_out``, ``pricing``
    (``"beam"``, ``"compiled"`` or ``"enumerated"``) and
    ``pricing_evaluations`` (tours the compiled pricing scored), ``root_rounds``
    (pricing rounds at the root) and ``root_converged`` (every part's root
    pricing ran dry before the round cap, or its batches were enumerated:
    with a heuristic pricing still no bound on the wave). Only when
    every feasible batch was enumerated (one part) does it add
    ``lower_bound`` (the relaxation, then a bound on the wave) and
    ``wave_optimal`` (CP-SAT proved the partition optimal among all batchings).

    The pricing ranks the orders to add by their pair savings. Where orders
    share many pick locations (skewed demand, as in ``large_wave`` or the
    Muter & Öncan file) that estimate misleads, the pricing finds few
    columns and the result stays near the start; the ALNS does better there
    (compare the MuterOencan rows of ``benches/results/batching_columns.md``
    and ``batching_henn.md``).
    """

    name = "columns"

    def __init__(
        self,
        rounds: int = DEFAULT_ROUNDS,
        beam: int = DEFAULT_BEAM,
        branch: int = DEFAULT_BRANCH,
        dive_rounds: int = DEFAULT_DIVE_ROUNDS,
        work: float = DEFAULT_WORK,
        tries: int = 0,
        width: int = DEFAULT_WIDTH,
        name: str = "columns",
        cut_rounds: int = 0,
        expand: float = 0.0,
    ) -> None:
        if (min(rounds, dive_rounds, tries, cut_rounds) < 0 or min(beam, branch, width) < 1
                or not work > 0 or expand < 0):  # fmt: skip
            raise ValueError("rounds, dive_rounds, tries, cut_rounds, expand >= 0, beam, "
                             "branch, width >= 1, work > 0 expected.")  # fmt: skip
        self.rounds, self.beam, self.branch, self.work = rounds, beam, branch, work
        self.dive_rounds, self.tries, self.width, self.name = dive_rounds, tries, width, name
        self.cut_rounds, self.expand = cut_rounds, expand

    @classmethod
    def quality(cls) -> ColumnGeneration:
        """The quality setting :data:`QUALITY`, named ``"columns-quality"``."""
        q = QUALITY
        return cls(int(q["rounds"]), dive_rounds=int(q["dive_rounds"]), tries=int(q["tries"]),
                   width=int(q["width"]), work=q["work"], name="columns-quality",
                   cut_rounds=int(q["cut_rounds"]), expand=q["expand"])  # fmt: skip

    def run(
        self, problem: BatchingProblem, *, seed: int = 0, time_limit: float | None = None
    ) -> Batching:
        """The partition of the pool, polished; ``seed`` seeds the compiled
        pricing's random choices (the beam search has none).

        Examples
        --------
        >>> from optimizer import Cart, Layout, Order, OrderLine, Slotting
        >>> from optimizer.batching import prepare
        >>> layout = Layout.from_file("layouts/single_block.toml")
        >>> orders = [Order("a", (OrderLine("A01-B1-003-L-1", 2),)),
        ...           Order("b", (OrderLine("A01-B1-005-R-1", 1),)),
        ...           Order("c", (OrderLine("A09-B1-040-L-1", 3),))]
        >>> problem, _ = prepare(layout, Slotting.identity(layout), orders, Cart(max_items=4))
        >>> ColumnGeneration().run(problem).groups
        [[0, 1], [2]]
        """
        return self.solve(problem, seed=seed, time_limit=time_limit)[0]

    def solve(
        self, problem: BatchingProblem, *, seed: int = 0, time_limit: float | None = None
    ) -> tuple[Batching, dict[tuple[int, ...], float]]:
        """:meth:`run`'s batching and the pool it chose from: every column
        kept (sorted order indices of ``problem``) with its cost, for a
        search that continues from it (see :class:`~optimizer.batching.hybrid.Hybrid`)."""
        t0 = time.perf_counter()
        deadline = t0 + time_limit if time_limit is not None else math.inf
        parts = split(problem, CHUNK)
        groups: list[list[int]] = []
        done: list[Generated] = []
        columns: dict[tuple[int, ...], float] = {}
        for idx in parts:
            sub = problem if len(parts) == 1 else _part(problem, idx)
            g = generate(sub, rounds=self.rounds, beam=self.beam, branch=self.branch,
                         dive_rounds=self.dive_rounds, work=self.work, deadline=deadline,
                         tries=self.tries, width=self.width, seed=seed,
                         cut_rounds=self.cut_rounds, expand=self.expand)  # fmt: skip
            groups += [[idx[i] for i in grp] for grp in g.groups]
            columns |= {tuple(sorted(idx[i] for i in k)): c for k, c in g.pool.items()}
            done.append(g)
        detail: Detail = {
            "parts": len(parts),
            "rounds": sum(g.rounds for g in done),
            "columns": sum(g.columns for g in done),
            "start_total": round(sum(g.start_total for g in done), 6),
            "dive_total": round(sum(g.dive_total for g in done), 6),
            "selected_total": round(sum(g.selected_total for g in done), 6),
            "relaxation": round(sum(g.relaxation for g in done), 6),
            "relaxation_uncut": round(
                sum(g.relaxation if math.isnan(g.uncut) else g.uncut for g in done), 6
            ),
            "cuts": sum(g.cuts for g in done),
            "pool_optimal": all(g.pool_optimal for g in done),
            "polish_gain": round(sum(g.polish_gain for g in done), 6),
            "timed_out": any(g.timed_out for g in done),
            "pricing": _pricing(self.tries, done),
            "pricing_evaluations": sum(g.evaluations for g in done),
            "root_rounds": sum(g.root_rounds for g in done),
            "root_converged": all(g.converged or g.exact for g in done),
        }
        if len(done) == 1 and done[0].exact:
            # Every feasible batch was a column: the bound and the proof are the wave's.
            detail["lower_bound"] = detail["relaxation"]
            detail["wave_optimal"] = done[0].pool_optimal
        total = problem.total(groups)
        trace = ((0, 0.0, sum(g.start_total for g in done)),
                 (detail["rounds"], time.perf_counter() - t0, total))  # fmt: skip
        ordered = sorted((sorted(x) for x in groups), key=lambda x: x[0])
        return Batching(ordered, detail, trace), columns  # type: ignore[arg-type]


def _pricing(tries: int, done: list[Generated]) -> str:
    """How the columns were found: ``"enumerated"`` (every feasible batch),
    ``"compiled"`` (:func:`~optimizer.batching.pricing.price_batches`) or
    ``"beam"`` (:func:`price`)."""
    if all(g.exact for g in done):
        return "enumerated"
    return "compiled" if tries > 0 else "beam"


def split(problem: BatchingProblem, size: int) -> list[list[int]]:
    """Order indices in parts of at most ``size``, near ones together: the
    orders are halved at the median pick centroid along the wider axis until
    every part is small enough."""
    todo, out = [list(range(problem.size))], []
    while todo:
        idx = todo.pop()
        if len(idx) <= size:
            out.append(idx)
            continue
        xy = problem.centroids[idx]
        axis = int(np.argmax(xy.max(axis=0) - xy.min(axis=0)))
        ranked = [idx[j] for j in np.argsort(xy[:, axis], kind="stable").tolist()]
        half = len(ranked) // 2
        todo += [ranked[half:], ranked[:half]]
    return out


def _part(problem: BatchingProblem, idx: list[int]) -> BatchingProblem:
    """The orders ``idx`` of ``problem`` as a problem of their own (same cost memo)."""
    return BatchingProblem([problem.orders[i] for i in idx], [problem.nodes[i] for i in idx],
                           problem.loads[idx], problem.cart, problem.cost,
                           problem.tour_penalty)  # fmt: skip

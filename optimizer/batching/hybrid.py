"""Column generation, then the ALNS over its pool: the two pools in one selection.

The column generation (:mod:`optimizer.batching.columns`) finds the batches
the set-partitioning relaxation wants; the ALNS (:mod:`optimizer.batching.alns`)
finds batches that repair a good batching locally. Neither pool alone holds
the best partition often enough: the relaxation over the column pool lies
above the published optima on the larger carts (its heuristic pricing stops
early), and the ALNS pool holds few of the batches the relaxation prices. The
method, per wave:

1. :meth:`ColumnGeneration.solve <optimizer.batching.columns.ColumnGeneration.solve>`:
   its batching and every column it priced;
2. the ALNS from that batching (:func:`~optimizer.batching.alns.compiled_search`
   where the exact DP scores batches, else :func:`~optimizer.batching.alns.search`
   for at most :data:`~optimizer.batching.alns.PYTHON_ITERATIONS` rounds), its
   pool joined with those columns;
3. :func:`select_reduced` over the joint pool, started from the search's
   best batching: the covering relaxation over every column prices them, and
   CP-SAT sees the columns of least reduced cost (only those whose reduced
   cost is within the gap to the relaxation can be in a cheaper partition).
   Steps 2 and 3 run ``searches`` times (``SEARCHES``; the quality setting
   ``QUALITY_SEARCHES``), sharing the iterations, each search
   from the last selection (a selection joins batches of distant parts of
   the batching that no destroy-and-repair move would); after the first
   selection, :func:`~optimizer.batching.columns.dive_over` dives from the
   relaxation over the joint pool (``REDIVE_ROUNDS`` pricing rounds first),
   and the second search starts from the better of the dive and the
   selection. Three searches rather than two (the same iterations) take
   ``hybrid-quality`` from 0.313 % to 0.287 % above the best known values of
   ``abc1`` and ``ran1`` (mean of seeds 0 and 1) for 10 % more CPU, and
   leave ``abc2`` and ``ran2`` as they were; four cost more and gain
   nothing steady (``benches/results/batching_sr_cuts.md``);
4. a last descent of moves, swaps and re-splits.

The fast setting (:meth:`Hybrid.fast`, ``warm``) skips step 1: it starts
from the ALNS's own start (``LocalSearch(kicks=0)``), searches as the ALNS
does (threshold accepting, soft carts), and keeps the selections and the
dive over the joint pool of step 3, with a budget of ALNS rounds per order
of the wave. A cheap column generation buys nothing at the ALNS's CPU (its
dive lands 1.3-2.5 % above the best known values with one try of four
orders); the dive over a pool the search has grown does, once the pricing
has the quality setting's two tries.

Budgets are work (pricing rounds, iterations, the solver's deterministic
time): equal problems and seeds give equal batches; ``time_limit`` is a
safety cap reported in ``detail["timed_out"]``.
"""

from __future__ import annotations

import math
import time

import numpy as np

from optimizer.batching.alns import (
    MAX_EXCESS,
    MAX_REMOVED,
    PYTHON_ITERATIONS,
    SEED_START_ITERATIONS,
    SELECTION_WORK,
    in_input_order,
    mask_of,
    polish,
    run_search,
)
from optimizer.batching.alns_kernels import ANNEAL, THRESHOLD
from optimizer.batching.base import Batching, Detail
from optimizer.batching.columns import CHUNK, ColumnGeneration, dive_over
from optimizer.batching.local_search import LocalSearch
from optimizer.batching.master import incidence, relax_large
from optimizer.batching.problem import BatchingProblem
from optimizer.batching.savings import CompiledWave
from optimizer.batching.selection import select

__all__ = [
    "Hybrid",
    "DEFAULT_ITERATIONS",
    "COLUMNS_SHARE",
    "QUALITY_ITERATIONS",
    "QUALITY_SEARCHES",
    "FAST_PER_ORDER",
    "FAST_ITERATIONS",
]

DEFAULT_ITERATIONS = 10_000  # compiled ALNS rounds after the column generation
#: Compiled ALNS rounds of the quality setting (:meth:`Hybrid.quality`). With a round
#: three times cheaper (benches/results/batching_rounds.md), 60,000 rounds removing up
#: to 18 orders (``SEARCH_REMOVED``) measured 0.245 % mean gap on abc1+ran1 (seed 0)
#: against 0.33 % for 30,000 and 12, at 3.62 s CPU a run against 3.16 s, 9.0 s on the
#: slowest; 90,000: 0.234 % but 9.8 s; 60,000 alone 0.308 %, 18 alone 0.284 %. Over
#: seeds 0-2: 0.252 % against 0.342 % (worst 1.60 % against 2.08 %), 0.08 % less on
#: abc2+ran2 (seed 0), 8.6-9.0 s on the slowest run (benches/results/batching_qsearch.md).
QUALITY_ITERATIONS = 60_000
#: CP-SAT deterministic time of each of its selections. On the ten largest abc1+ran1
#: instances (carts of 60-75 items, 80-100 orders) the two selections of 0.5 measured
#: 0.8 s of CP-SAT a run and no gain over the search before them; 0.1 measured the
#: same gaps bar 0.003 % for 0.45 s less (benches/results/batching_qtime.md).
QUALITY_SELECTION = 0.1
#: Its searches (each followed by a selection, sharing QUALITY_ITERATIONS): the CPU the
#: shorter selections save pays a third. Both together measured 0.249 % against 0.252 %
#: mean gap on abc1+ran1 over seeds 0-2 (worst 1.07 % against 1.60 %), -0.01 % on
#: abc2+ran2, 0.3-0.4 s less CPU a run, 8.2-8.8 s on the slowest against 8.3-9.2 s
#: back to back (benches/results/batching_qtime.md).
QUALITY_SEARCHES = 3
COLUMNS_WORK = 0.2  # CP-SAT deterministic time of its column generation's own partition
COLUMNS_DIVE_ROUNDS = 1  # and pricing rounds per step of its dive

COLUMNS_SHARE = 0.5  # of a time cap, what the column generation may use
SEARCH_SHARE = 0.8  # of a time cap, where the search must stop for the selection
EPS = 1e-9
REDIVE_ROUNDS = 3  # pricing rounds over the joint pool before its dive (0: no dive)
REDIVE_DIVE_ROUNDS = 1  # pricing rounds after each fixing of that dive
# Dives from that relaxation, each but the first fixing first another of its
# fractional columns. Three measured 0.325 % against 0.333 % on abc1+ran1 and
# -0.016 % on abc2+ran2 (seed 0), for about a fifth more CPU and over 10 s on
# the slowest instance (benches/results/batching_branch.md): one.
REDIVE_DIVES = 1
# Searches, each followed by a selection, sharing the iterations. A third one
# measured 0.30 % against 0.33 % on abc1+ran1, but 9.8-10.6 s on the slowest
# instance, too close to the quality setting's 10 s
# (benches/results/batching_quality_hard.md, batching_quality_3searches.md).
SEARCHES = 2
# The searches keep carts hard: with auto's soft carts the quality setting with
# three searches measured 0.33 % / 1.35 % worst against 0.30 % / 0.84 %.
SEARCH_EXCESS = 0.0
# Most orders a round of those searches removes (as "auto"; see QUALITY_ITERATIONS).
# They keep annealing: threshold accepting (as "auto") measured 0.311 % against 0.33 %
# with 12 and 0.327 % against 0.284 % with 18 (seed 0, abc1+ran1).
SEARCH_REMOVED = MAX_REMOVED
FAST_REMOVED = 12  # of the fast setting's searches (not re-measured at 18)
GROW_PER_ORDER = 20  # columns added per order and round to the pool's relaxation
SELECT_PER_ORDER = 30  # columns per order in the selection, least reduced cost first
# The fast setting (:meth:`Hybrid.fast`): no column generation, the ALNS's own start
# and search (threshold accepting, soft carts), a selection, the dive over the joint
# pool, a second search and selection. The dive is what it buys, and only with the
# quality pricing's tries (2): with one try, or without pricing rounds during the dive,
# it gains nothing over the ALNS's own iterations (benches/results/batching_warm.md).
FAST_PER_ORDER = 100  # ALNS rounds per order of the wave, both searches together
FAST_ITERATIONS = 8_000  # and at most this many (waves of 80 orders or more)
FAST_TRIES, FAST_WIDTH = 2, 6  # the dive's compiled pricing
FAST_SELECTION = 0.05  # CP-SAT deterministic time of each selection


def select_reduced(
    problem: BatchingProblem,
    members: dict[int, tuple[int, ...]],
    cost: dict[int, float],
    groups: list[list[int]],
    *,
    work: float,
    seed: int,
    time_limit: float | None,
    prices: np.ndarray | None = None,
) -> tuple[list[list[int]], Detail, bool, np.ndarray]:
    """The cheapest partition over the pool's columns of least reduced cost.

    The covering relaxation over the whole pool (``members``: mask -> sorted
    orders, ``cost``: mask -> objective) prices every column; only a column
    whose reduced cost is within the gap between ``groups`` and the
    relaxation can be in a cheaper partition, so CP-SAT (started from
    ``groups``) sees those, at most ``SELECT_PER_ORDER`` per order, least
    reduced cost first. When every such column is in the model, a proof of
    CP-SAT is a proof about the whole pool (``pool_optimal``)."""
    n = problem.size
    keys = list(dict.fromkeys([*members, *(mask_of(g) for g in groups),
                               *(1 << i for i in range(n))]))  # fmt: skip
    where = {k: j for j, k in enumerate(keys)}
    cols = [members.get(k) or _members(k) for k in keys]
    for k, c in zip(keys, cols, strict=True):
        if k not in cost:
            cost[k] = problem.batch_cost(list(c))
    costs = np.array([cost[k] for k in keys])
    hint = [where[mask_of(g)] for g in groups]
    start = [where[1 << i] for i in range(n)] + hint
    if prices is None:  # each order's share of its batch, by its cost alone
        alone = np.array([cost[1 << i] for i in range(n)])
        prices = np.zeros(n)
        for g in groups:
            prices[g] = cost[mask_of(g)] * alone[g] / alone[g].sum()
    lp = relax_large(cols, costs, start, grow=GROW_PER_ORDER * n, prices=prices)
    reduced = costs - incidence(n, cols).T @ lp.duals
    total = problem.total(groups)
    gap = total - lp.value
    ranked = np.lexsort((np.arange(len(keys)), reduced))
    useful = int(np.count_nonzero(reduced <= gap + 1e-6))
    take = ranked[: min(useful, SELECT_PER_ORDER * n)].tolist()
    complete = useful <= len(take)  # every column that could do better is in the model
    picked = list(dict.fromkeys([*take, *hint]))
    index = {j: i for i, j in enumerate(picked)}
    chosen = select(n, [cols[j] for j in picked], [float(costs[j]) for j in picked],
                    [index[j] for j in hint], work=work, seed=seed,
                    time_limit=time_limit)  # fmt: skip
    selected = [list(cols[picked[j]]) for j in chosen.chosen]
    return (
        selected,
        {
            "selection_gain": round(total - problem.total(selected), 6),
            "pool_optimal": chosen.proven and complete,
            "pool_bound": round(max(chosen.bound, lp.value) if complete else lp.value, 6),
            "pool_tolerance": chosen.tolerance,
            "pool_relaxation": round(lp.value, 6),
            "selection_columns": len(picked),
            "reduced_cost_columns": useful,
        },
        chosen.timed_out,
        lp.duals,
    )


def _members(mask: int) -> tuple[int, ...]:
    return tuple(i for i in range(mask.bit_length()) if mask >> i & 1)


class Hybrid:
    """Column generation, then ALNS searches over its pool, each followed by a selection.

    Parameters
    ----------
    columns
        The column generation that starts it (default ``ColumnGeneration()``).
    iterations
        ALNS destroy-and-repair rounds after the column generation (compiled
        rounds; off the exact DP's layouts at most ``PYTHON_ITERATIONS``).
    selection_work
        CP-SAT deterministic time of the selection over the joint pool.
    name
        The method's name.
    per_order
        If given, at most this many ALNS rounds per order of the wave
        (``iterations`` stays the cap).
    warm
        Skip the column generation: start from ``LocalSearch(kicks=0)``
        and search as :class:`~optimizer.batching.alns.ALNS` does; ``columns``
        then only sets the pricing (``tries``, ``width``) of the dive over
        the joint pool.
    searches
        Searches, each followed by a selection, sharing the iterations.

    Notes
    -----
    ``detail`` reports the column generation's figures prefixed ``columns_``
    (warm: only ``columns_timed_out``)
    (``columns_relaxation`` is the relaxation over its pool: a bound on that
    pool, not on the wave), then ``iterations``, ``searches``, ``pool``
    (columns of the joint pool), ``search_total`` (the last search's best),
    and of the last selection ``selection_gain``, ``pool_relaxation`` (the
    relaxation over the joint pool), ``selection_columns``,
    ``reduced_cost_columns`` (columns within the gap), ``pool_optimal`` (True
    if CP-SAT proved that no partition of the joint pool is cheaper, up to
    ``pool_tolerance`` metres of rounding: a statement about the pool, never
    about the wave), ``pool_bound``, ``redive_total`` (the best dive over
    the joint pool after the first selection, where it ran); then
    ``polish_gain`` and ``timed_out``.

    Examples
    --------
    >>> from optimizer import Cart, Layout, Order, OrderLine, Slotting
    >>> from optimizer.batching import prepare
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> orders = [Order("a", (OrderLine("A01-B1-003-L-1", 2),)),
    ...           Order("b", (OrderLine("A01-B1-005-R-1", 1),)),
    ...           Order("c", (OrderLine("A09-B1-040-L-1", 3),))]
    >>> problem, _ = prepare(layout, Slotting.identity(layout), orders, Cart(max_items=4))
    >>> Hybrid(iterations=20).run(problem).groups
    [[0, 1], [2]]
    """

    name = "hybrid"

    def __init__(
        self,
        columns: ColumnGeneration | None = None,
        iterations: int = DEFAULT_ITERATIONS,
        selection_work: float = SELECTION_WORK,
        name: str = "hybrid",
        *,
        per_order: int | None = None,
        warm: bool = False,
        searches: int = SEARCHES,
    ) -> None:
        if iterations < 0 or not selection_work >= 0 or (per_order or 0) < 0 or searches < 1:
            raise ValueError(
                "iterations, per_order >= 0, selection_work >= 0 and searches >= 1 expected."
            )
        self.columns = columns if columns is not None else ColumnGeneration()
        self.iterations, self.selection_work, self.name = iterations, selection_work, name
        self.per_order, self.warm, self.searches = per_order, warm, searches

    @classmethod
    def quality(cls) -> Hybrid:
        """The quality setting, ``"hybrid-quality"``: the column generation's
        (:meth:`ColumnGeneration.quality`, compiled pricing, with
        ``COLUMNS_DIVE_ROUNDS`` per dive step and only ``COLUMNS_WORK`` for its
        own partition: the dive over the joint pool and the selections after
        the searches do better), then :data:`QUALITY_ITERATIONS` ALNS rounds
        in :data:`QUALITY_SEARCHES` searches, each followed by a selection of
        :data:`QUALITY_SELECTION`."""
        columns = ColumnGeneration.quality()
        columns.work, columns.dive_rounds = COLUMNS_WORK, COLUMNS_DIVE_ROUNDS
        return cls(columns, QUALITY_ITERATIONS, QUALITY_SELECTION, name="hybrid-quality",
                   searches=QUALITY_SEARCHES)  # fmt: skip

    @classmethod
    def fast(cls) -> Hybrid:
        """The fast setting, ``"hybrid-fast"``: the ALNS's start (no column
        generation), :data:`FAST_PER_ORDER` ALNS rounds per order (at most
        :data:`FAST_ITERATIONS`) in two searches of the ALNS's kind, each
        followed by a selection of :data:`FAST_SELECTION`, and between them
        the dive over the joint pool, priced with ``FAST_TRIES`` tries of
        ``FAST_WIDTH`` orders; the column generation's own settings are unused."""
        columns = ColumnGeneration(tries=FAST_TRIES, width=FAST_WIDTH)
        return cls(columns, FAST_ITERATIONS, FAST_SELECTION, name="hybrid-fast",
                   per_order=FAST_PER_ORDER, warm=True)  # fmt: skip

    def with_effort(self, effort: int) -> Hybrid:
        """The same method with ``effort`` ALNS iterations (whatever the wave's size)."""
        return Hybrid(self.columns, effort, self.selection_work, self.name, warm=self.warm,
                      searches=self.searches)  # fmt: skip

    def _start(
        self, problem: BatchingProblem, iterations: int, seed: int, time_limit: float | None
    ) -> tuple[Batching, dict[tuple[int, ...], float]]:
        """The column generation's batching and columns; warm, the ALNS's start
        (its batches the first columns)."""
        if not self.warm:
            return self.columns.solve(
                problem, seed=seed,
                time_limit=None if time_limit is None else COLUMNS_SHARE * time_limit,
            )  # fmt: skip
        # As the ALNS: seed batching only where the search is long enough to pay for it.
        seed_start = None if iterations >= SEED_START_ITERATIONS else False
        start = LocalSearch(kicks=0, seed_start=seed_start).run(problem, time_limit=time_limit)
        total = problem.total(start.groups)
        columns = {tuple(sorted(g)): problem.batch_cost(sorted(g)) for g in start.groups}
        detail: Detail = {"timed_out": bool(start.detail.get("timed_out", False))}
        return Batching(start.groups, detail, ((0, 0.0, total), (0, 0.0, total))), columns

    def _can_redive(self, problem: BatchingProblem) -> bool:
        """A dive over the joint pool needs the compiled pricing, on one part."""
        return (self.columns.tries > 0 and problem.cost.kernel is not None
                and 1 < problem.size <= CHUNK)  # fmt: skip

    def _redive(
        self,
        problem: BatchingProblem,
        members: dict[int, tuple[int, ...]],
        costs: dict[int, float],
        seed: int,
        deadline: float,
        prices: np.ndarray,
    ) -> list[list[int]]:
        """Dive from the relaxation over the joint pool (``REDIVE_DIVES``
        dives, the best kept); its new columns join the pool."""
        dived, columns = dive_over(
            problem, {members[m]: costs[m] for m in members}, rounds=REDIVE_ROUNDS,
            dive_rounds=REDIVE_DIVE_ROUNDS, tries=self.columns.tries,
            width=self.columns.width, seed=seed + 1, deadline=deadline, prices=prices,
            cut_rounds=self.columns.cut_rounds, dives=REDIVE_DIVES,
        )  # fmt: skip
        for key, cost in columns.items():
            mask = mask_of(key)
            if mask not in members:
                members[mask], costs[mask] = key, cost
        return dived

    def run(
        self, problem: BatchingProblem, *, seed: int = 0, time_limit: float | None = None
    ) -> Batching:
        """The selected batching and what each stage did."""
        t0 = time.perf_counter()
        end = t0 + time_limit if time_limit is not None else math.inf
        iterations = self.iterations
        if self.per_order is not None:
            iterations = min(iterations, self.per_order * problem.size)
        first, columns = self._start(problem, iterations, seed, time_limit)
        detail: Detail = {f"columns_{k}": v for k, v in first.detail.items()}
        deadline = t0 + SEARCH_SHARE * (end - t0)
        # Warm, off the exact DP the search is the ALNS's compiled one on the estimate.
        wave = CompiledWave.of(problem, estimate=self.warm) if problem.size > 1 else None
        # A Python round, or one scored by the estimate, costs ~100 compiled exact ones:
        # off the exact DP the ALNS's own budget caps it.
        exact = wave is not None and wave.exact
        iterations = iterations if exact else min(iterations, PYTHON_ITERATIONS)
        # Warm, the searches are the ALNS's own (threshold accepting, soft carts).
        accept, excess = (THRESHOLD, MAX_EXCESS) if self.warm else (ANNEAL, SEARCH_EXCESS)
        removed = FAST_REMOVED if self.warm else SEARCH_REMOVED
        # Searches and selections in turn: each search starts from the last
        # selection, and each selection sees every batch met so far.
        members: dict[int, tuple[int, ...]] = {}
        costs: dict[int, float] = {}
        for key, cost in columns.items():
            mask = mask_of(key)
            members[mask], costs[mask] = key, cost
        groups, done, timed_out = first.groups, 0, bool(first.detail["timed_out"])
        prices = None  # the last relaxation's duals: where the next one starts
        # The trace: the start, the column generation's result, then each new
        # best of the searches and selections.
        trace = [first.trace[0], first.trace[-1]]
        offset = first.trace[-1][0]
        searches = max(1, min(self.searches, iterations))
        for k in range(searches):
            share = iterations // searches + (k < iterations % searches)
            found = run_search(problem, wave, groups, share, seed=seed + k, deadline=deadline,
                               max_excess=excess, accept=accept, max_removed=removed)  # fmt: skip
            trace += [(offset + done + i, t - t0, d) for i, t, d in found.trace[1:]
                      if d < trace[-1][2] - EPS]  # fmt: skip
            done += found.iterations
            for mask, key in found.pool.members.items():
                members.setdefault(mask, key)
                costs.setdefault(mask, found.pool.cost[mask])
            groups = found.groups
            search_total = problem.total(groups)
            detail |= {
                "iterations": done,
                "compiled": wave is not None,
                "search_total": round(search_total, 6),
                "pool": len(members),
                "searches": k + 1,
            }
            timed_out = timed_out or found.timed_out
            left = end - time.perf_counter()
            if self.selection_work <= 0 or left <= 0 or found.timed_out or problem.size <= 1:
                break
            groups, said, capped, prices = select_reduced(
                problem, members, costs, groups, work=self.selection_work, seed=seed,
                time_limit=None if math.isinf(left) else left, prices=prices,
            )  # fmt: skip
            detail |= said
            timed_out = timed_out or capped
            if k == 0 and REDIVE_ROUNDS and self._can_redive(problem):
                dived = self._redive(problem, members, costs, seed, deadline, prices)
                detail["redive_total"] = round(problem.total(dived), 6)
                if problem.total(dived) < problem.total(groups) - EPS:
                    groups = dived
            if problem.total(groups) < trace[-1][2] - EPS:
                trace.append((offset + done, time.perf_counter() - t0, problem.total(groups)))
        detail["timed_out"] = timed_out
        groups, detail["polish_gain"] = polish(problem, groups, end)
        final = problem.total(groups)
        if final < trace[-1][2] - EPS:
            trace.append((trace[-1][0], time.perf_counter() - t0, final))
        return Batching(in_input_order(groups), detail, tuple(trace))

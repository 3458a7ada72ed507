"""Adaptive large neighbourhood search over orders, feeding a pool of batches.

Each iteration *destroys* part of the batching (removes some orders) and
*repairs* it (re-inserts them where they add the least walking), the classic
ruin-and-recreate of Ropke & Pisinger (2006) as Žulj, Kramer & Schneider
(2018) use it for order batching. Operators are drawn with adaptive weights:
those that found new best, better or accepted batchings are drawn more often.
A worse batching is accepted early in each cooling cycle: by simulated annealing, or in
the compiled search of ``"auto"`` by threshold accepting (any worsening up to the
temperature, Dueck & Scheuer 1990).

Destroy operators
    ``random`` (any orders), ``related`` (an order and its nearest orders by
    pick centroid, after Shaw 1998), ``batches`` (whole nearby batches) and
    ``worst`` (orders whose removal saves the most walking, in a sample).
Repair operators
    ``greedy`` (in random order, each where it adds least) and ``regret``
    (the order that would lose most by waiting goes first).

The batches of every batching the search repairs, accepted or not, are kept
in a *pool*; the search returns the best batching and the pool, from which
:func:`optimizer.batching.selection.select` picks the best partition.

Two implementations of one search:

:func:`compiled_search`
    Where a compiled kernel scores the batches: the whole loop in numba
    (:mod:`optimizer.batching.alns_kernels`), with a hash table of batch
    objectives. On the exact DP's layouts a round costs tens of
    microseconds, so ``"auto"`` runs ``DEFAULT_ITERATIONS`` of them; off
    them the estimate scores tours (tens of microseconds each) and
    ``"auto"`` runs ``PYTHON_ITERATIONS``. Its pool is the ``POOL_SIZE``
    batches of the best batchings it repaired.
:func:`search`
    Where tours are scored one by one (a routing method named for scoring):
    the same operators in Python, memoised by the set of orders (a bit
    mask); ``PYTHON_ITERATIONS``.

The budget is a number of iterations: the same seed gives the same batches
on any machine; a wall-clock ``deadline`` only caps it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from optimizer.batching.alns_kernels import (
    ALL_TARGETS,
    ANNEAL,
    C_EVALS,
    N_OPERATORS,
    SEGMENT,
    THRESHOLD,
    V_BEST,
    V_EXCESS,
    V_PENALTY,
    V_START_TEMP,
    V_TEMP,
    V_TOTAL,
    new_state,
    pool_columns,
    run_segment,
)
from optimizer.batching.base import Batching, Detail
from optimizer.batching.local_search import LocalSearch
from optimizer.batching.problem import BatchingProblem, neighbours
from optimizer.batching.savings import CompiledWave
from optimizer.batching.selection import select
from optimizer.routing.scoring import pick_flats

__all__ = [
    "ALNS",
    "Pool",
    "Search",
    "search",
    "mask_of",
    "polish",
    "in_input_order",
    "DEFAULT_ITERATIONS",
    "ITERATIONS_PER_ORDER",
    "MAX_REMOVED",
    "PYTHON_ITERATIONS",
    "default_iterations",
    "compiled_search",
    "run_search",
]

NEAR = 12  # candidate orders whose batches an order may join
EPS = 1e-9
DEFAULT_ITERATIONS = 45_200  # the budget of "auto": compiled rounds, on waves of
ITERATIONS_PER_ORDER = 720  # DEFAULT_ITERATIONS / ITERATIONS_PER_ORDER orders or more
# Orders a round removes, at most (whole batches: up to twice as many). With 18 and 1.6
# times the rounds (a round costs a third of what it did: benches/results/batching_rounds.md),
# 0.456 % mean gap on abc1+ran1 over 3 seeds, 1.81 % worst, 0.19 % less on abc2+ran2,
# at the CPU 12 and 450 rounds an order took before (0.766 %, 3.29 %).
MAX_REMOVED = 18
PYTHON_ITERATIONS = 2_000  # off the exact DP's layouts, where a round costs ~100 times more
SELECTION_WORK = 0.1  # CP-SAT deterministic time of the selection
# Fewest search rounds whose pool a selection is run over. Below, the pool is the
# few batches of one short walk, which the search's own best already combines: on
# ten 100-order waves (slices of large_wave(single_block, 1000, seed=0), carts of 45
# items) a selection of 0.1 after 500 rounds cut 0.05 % of the walking for 40 ms a
# wave; one of 0.02 after 1,000 rounds, nothing.
SELECTION_FROM = 2_000
COOLING = 1_000  # iterations from the start temperature to 1/100 of it
# The compiled search of "auto" accepts worse batchings by threshold (any worsening up to
# the temperature), not by annealing: over 3 seeds on W5A, 0.774 % mean gap on abc1+ran1
# against 0.811 % (worst 3.27 % against 3.05 %) and 0.05 % less on abc2+ran2, at no more
# CPU (benches/results/batching_accept.md). Hybrid keeps annealing (not measured).
ACCEPT = THRESHOLD
SEARCH_SHARE = 0.8  # of a time cap, what the search may use before the selection
# Hybrid's start: below this many iterations savings alone, above it the better of savings
# and seed batching. The ALNS starts from savings alone at any budget: over 3 seeds on W5A,
# 0.432 % mean gap on abc1+ran1 (1.81 % worst, 60/96 within 0.5 %) against 0.456 % (1.81 %,
# 57/96), abc2+ran2 873,466 m against 873,597, without seed batching's CPU
# (benches/results/batching_lean.md).
SEED_START_ITERATIONS = 200
POOL_SIZE = 1_000  # columns the compiled search hands to the selection
ZOBRIST_SEED = 20_180_601  # the orders' hash keys: fixed, so hashes never depend on the seed
# Repair may overfill a cart at this many mean batch costs per cart of excess (0: never);
# the weight then adapts so that about half the repaired batchings fit.
PENALTY = 1.0
MAX_EXCESS = 0.05  # most a repair may overfill one cart by, in carts
MEMO_BITS = 14  # the compiled memo's first table: 2^14 batches


def default_iterations(n_orders: int) -> int:
    """The compiled search's budget for a wave of ``n_orders``: ``ITERATIONS_PER_ORDER``
    rounds an order, at most ``DEFAULT_ITERATIONS`` (a small wave settles sooner).

    Examples
    --------
    >>> default_iterations(10), default_iterations(1_000)
    (7200, 45200)
    """
    return min(DEFAULT_ITERATIONS, ITERATIONS_PER_ORDER * n_orders)


class Pool:
    """Costs of every batch scored so far (the memo, by order bit mask) and the
    batches kept as columns for the selection (``members``).

    Parameters
    ----------
    problem
        The batching problem whose tours are scored.
    """

    def __init__(self, problem: BatchingProblem) -> None:
        self.problem = problem
        self.cost: dict[int, float] = {}
        self.members: dict[int, tuple[int, ...]] = {}

    def __call__(self, mask: int, members: list[int]) -> float:
        """Objective of the batch ``members`` (whose bit mask is ``mask``)."""
        c = self.cost.get(mask)
        if c is None:
            c = self.problem.batch_cost(members)
            self.cost[mask] = c
        return c

    def keep(self, mask: int, members: list[int]) -> None:
        """Remember ``members`` as a column of the selection."""
        if mask and mask not in self.members:
            self.members[mask] = tuple(sorted(members))

    def select(
        self, groups: list[list[int]], *, work: float, seed: int, time_limit: float | None
    ) -> tuple[list[list[int]], Detail, bool]:
        """The cheapest partition of the orders into kept batches (CP-SAT, started
        from ``groups``, whose batches must be kept), and what the selection says:
        its gain, whether it proved the pool optimal, its bound, tolerance and
        whether its cap fired (all a statement about the pool, never the wave)."""
        masks = list(self.members)
        index = {m: j for j, m in enumerate(masks)}
        chosen = select(
            self.problem.size, [self.members[m] for m in masks], [self.cost[m] for m in masks],
            [index[mask_of(g)] for g in groups], work=work, seed=seed, time_limit=time_limit,
        )  # fmt: skip
        selected = [list(self.members[masks[j]]) for j in chosen.chosen]
        return (
            selected,
            {
                "selection_gain": round(
                    self.problem.total(groups) - self.problem.total(selected), 6
                ),
                "pool_optimal": chosen.proven,
                "pool_bound": round(chosen.bound, 6),
                "pool_tolerance": chosen.tolerance,
            },
            chosen.timed_out,
        )


class _State:
    """A batching with masks, costs and loads, changed in place with an undo log."""

    def __init__(self, problem: BatchingProblem, pool: Pool, groups: list[list[int]]) -> None:
        self.p, self.pool = problem, pool
        # Only the cart's finite limits are checked, with the cart's own tolerance.
        limits = problem.cart.limits
        dims = [d for d in range(limits.size) if np.isfinite(limits[d])]
        self.cap = [float(limits[d]) * (1 + 1e-12) for d in dims]
        self.loads = [tuple(row) for row in problem.loads[:, dims].tolist()]
        self.members: list[list[int]] = []
        self.mask: list[int] = []
        self.cost: list[float] = []
        self.load: list[list[float]] = []
        self.batch_of = [-1] * problem.size
        self.saved: dict[int, tuple[list[int], int, float, list[float]]] = {}
        for g in groups:
            k = self._new()
            for o in g:
                self._add(o, k)
            self.cost[k] = pool(self.mask[k], self.members[k])
        self.total = float(sum(self.cost))

    def _new(self) -> int:
        for k, m in enumerate(self.members):
            if not m and k not in self.saved:
                return k
        self.members.append([])
        self.mask.append(0)
        self.cost.append(0.0)
        self.load.append([0.0] * len(self.cap))
        return len(self.members) - 1

    def _add(self, o: int, k: int) -> None:
        self.members[k].append(o)
        self.mask[k] |= 1 << o
        self.load[k] = [a + b for a, b in zip(self.load[k], self.loads[o], strict=True)]
        self.batch_of[o] = k

    def _touch(self, k: int) -> None:
        if k not in self.saved:
            self.saved[k] = (list(self.members[k]), self.mask[k], self.cost[k], list(self.load[k]))

    def remove(self, o: int) -> None:
        """Take order ``o`` out of its batch."""
        k = self.batch_of[o]
        self._touch(k)
        self.members[k].remove(o)
        self.mask[k] ^= 1 << o
        self.load[k] = [a - b for a, b in zip(self.load[k], self.loads[o], strict=True)]
        self.batch_of[o] = -1
        new = self.pool(self.mask[k], self.members[k]) if self.members[k] else 0.0
        self.total += new - self.cost[k]
        self.cost[k] = new

    def fits(self, o: int, k: int) -> bool:
        """True if order ``o`` fits batch ``k``'s cart."""
        for a, b, c in zip(self.load[k], self.loads[o], self.cap, strict=True):
            if a + b > c:
                return False
        return True

    def delta(self, o: int, k: int) -> float:
        """Added cost of putting order ``o`` into batch ``k`` (which it fits)."""
        return self.pool(self.mask[k] | 1 << o, [*self.members[k], o]) - self.cost[k]

    def insert(self, o: int, k: int) -> None:
        """Put order ``o`` into batch ``k`` (which it fits)."""
        self._touch(k)
        self._add(o, k)
        new = self.pool(self.mask[k], self.members[k])
        self.total += new - self.cost[k]
        self.cost[k] = new

    def open(self) -> int:
        """An empty batch to insert into."""
        k = self._new()
        self._touch(k)
        return k

    def commit(self) -> None:
        """Keep the changes; their batches become columns of the pool."""
        for k in self.saved:
            self.pool.keep(self.mask[k], self.members[k])
        self.saved = {}

    def undo(self) -> None:
        """Return to the batching at the last commit."""
        for k, (members, mask, cost, load) in self.saved.items():
            self.total += cost - self.cost[k]
            self.members[k], self.mask[k], self.cost[k], self.load[k] = members, mask, cost, load
            for o in members:
                self.batch_of[o] = k
        self.saved = {}

    def groups(self) -> list[list[int]]:
        """The batches as sorted lists of order indices."""
        return [sorted(m) for m in self.members if m]


# ---- destroy -------------------------------------------------------------------------
def _random(s: _State, rng: np.random.Generator, q: int, near: np.ndarray) -> list[int]:
    # Draws with repetition (the caller drops repeats): O(q), not O(n), per draw.
    return rng.integers(s.p.size, size=q).tolist()


def _related(s: _State, rng: np.random.Generator, q: int, near: np.ndarray) -> list[int]:
    o = int(rng.integers(s.p.size))
    out = [o]
    ranked = near[o].tolist()
    while len(out) < q and ranked:
        # Shaw's randomisation: mostly the nearest, sometimes further ones.
        j = ranked.pop(int(len(ranked) * rng.random() ** 3))
        out.append(j)
    return out


def _batches(s: _State, rng: np.random.Generator, q: int, near: np.ndarray) -> list[int]:
    o = int(rng.integers(s.p.size))
    out: list[int] = []
    seen: set[int] = set()
    for j in [o, *near[o].tolist()]:
        k = s.batch_of[j]
        if k not in seen:
            seen.add(k)
            out.extend(s.members[k])
            if len(out) >= q:
                break
    return out


def _worst(s: _State, rng: np.random.Generator, q: int, near: np.ndarray) -> list[int]:
    sample = list(dict.fromkeys(rng.integers(s.p.size, size=4 * q).tolist()))
    saving = []
    for o in sample:
        k = s.batch_of[o]
        rest = [i for i in s.members[k] if i != o]
        after = s.pool(s.mask[k] ^ 1 << o, rest) if rest else 0.0
        saving.append(s.cost[k] - after)
    order = np.argsort(-np.asarray(saving), kind="stable")
    return [sample[int(i)] for i in order[:q]]


# ---- repair --------------------------------------------------------------------------
def _targets(s: _State, o: int, near: np.ndarray) -> list[int]:
    """Batches of ``o``'s nearest orders that it fits, nearest first."""
    out: list[int] = []
    if len(s.members) <= ALL_TARGETS:
        return [k for k, m in enumerate(s.members) if m and s.fits(o, k)]
    for j in near[o].tolist():
        k = s.batch_of[j]
        if k >= 0 and k not in out and s.fits(o, k):
            out.append(k)
    return out


def _best_insertion(s: _State, o: int, near: np.ndarray, noise: float,
                    rng: np.random.Generator) -> tuple[float, int]:  # fmt: skip
    best, where = s.pool(1 << o, [o]), -1
    if noise:
        best *= 1 + noise * (rng.random() - 0.5)
    for k in _targets(s, o, near):
        d = s.delta(o, k)
        if noise:
            d *= 1 + noise * (rng.random() - 0.5)
        if d < best:
            best, where = d, k
    return best, where


def _greedy(s: _State, rng: np.random.Generator, removed: list[int], near: np.ndarray,
            noise: float) -> None:  # fmt: skip
    for o in rng.permutation(removed).tolist():
        _, k = _best_insertion(s, o, near, noise, rng)
        s.insert(o, k if k >= 0 else s.open())


def _regret(s: _State, rng: np.random.Generator, removed: list[int], near: np.ndarray,
            noise: float) -> None:  # fmt: skip
    # Insertion costs per order and batch, kept up to date: an insertion
    # changes only its own batch's entries.
    options = {o: {k: s.delta(o, k) for k in _targets(s, o, near)} for o in removed}
    while options:
        pick, pick_k, pick_regret = -1, -1, -math.inf
        for o, by_batch in options.items():
            alone = s.pool(1 << o, [o])
            first, second, where = alone, math.inf, -1
            for k, d in by_batch.items():
                if d < first:
                    first, second, where = d, first, k
                elif d < second:
                    second = d
            if noise:
                second *= 1 + noise * (rng.random() - 0.5)
            if second - first > pick_regret:
                pick, pick_k, pick_regret = o, where, second - first
        del options[pick]
        k = pick_k if pick_k >= 0 else s.open()
        s.insert(pick, k)
        for o, by_batch in options.items():
            if s.fits(o, k):
                by_batch[k] = s.delta(o, k)
            else:
                by_batch.pop(k, None)


Destroy = Callable[[_State, np.random.Generator, int, np.ndarray], list[int]]
DESTROY: dict[str, Destroy] = {
    "random": _random, "related": _related, "batches": _batches, "worst": _worst,
}  # fmt: skip
REPAIR = {"greedy": _greedy, "regret": _regret}


@dataclass(frozen=True)
class Search:
    """The ALNS's result: the best batching, the pool and what ran.

    Attributes
    ----------
    groups
        The best batching found (order indices).
    pool
        Every batch formed, by order mask, with its cost.
    iterations
        Iterations run.
    timed_out
        True if the deadline, not the iteration budget, ended the search.
    trace
        ``(iteration, time.perf_counter(), total)`` at the start and at each
        new best.
    scored
        Tours the compiled search routed (its memo's misses); 0 for the
        Python search, whose tours the problem's own cost counts.
    """

    groups: list[list[int]]
    pool: Pool
    iterations: int
    timed_out: bool
    trace: list[tuple[int, float, float]]
    scored: int = 0


class _CompiledState:
    """The arrays the compiled loop works on (see
    :mod:`optimizer.batching.alns_kernels`), built from a start batching."""

    def __init__(
        self, problem: BatchingProblem, wave: CompiledWave, start: list[list[int]],
        max_removed: int, start_temperature: float, penalty: float, max_excess: float,
        accept: int = ANNEAL,
    ) -> None:  # fmt: skip
        n, dims = problem.size, wave.cap.size
        near = neighbours(problem, NEAR)
        zobrist = np.random.default_rng(ZOBRIST_SEED).integers(
            0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True
        )
        # Batches are scored from the orders' flat index sets where the exact DP does.
        fptr, fidx = pick_flats(wave.ptr, wave.idx, wave.fi)
        self.wave = (wave.ptr, wave.idx, wave.loads, wave.cap, near, zobrist, np.zeros(n),
                     wave.tab, wave.fi, wave.ff, wave.penalty, fptr, fidx)  # fmt: skip
        self.sol = (
            -np.ones(n, dtype=np.int64),  # batch of each order
            -np.ones(n, dtype=np.int64),  # previous member of its batch
            -np.ones(n, dtype=np.int64),  # next member
            -np.ones(n, dtype=np.int64),  # first member of each batch
            np.zeros(n, dtype=np.int64),  # members of each batch
            np.zeros((n, dims)),  # load of each batch
            np.zeros(n),  # objective of each batch
            np.zeros(n, dtype=np.uint64),  # hash of each batch's members
            -np.ones(n, dtype=np.int64),  # memo entry of each batch
            np.zeros(n, dtype=np.int64),  # open batches first, then closed ones
            np.zeros(n, dtype=np.int64),  # position of each batch in that list
        )
        # The memo's hash table (it doubles when half full): keys (0: free), objectives,
        # where the members are stored and how many, best total including it; the store.
        entries = 1 << max(MEMO_BITS, math.ceil(math.log2(8 * n)))
        self.memo = (
            np.zeros(entries, dtype=np.uint64),
            np.zeros(entries),
            np.zeros(entries, dtype=np.int64),
            np.zeros(entries, dtype=np.int64),
            np.full(entries, np.inf),
            np.zeros(entries * (2 * n // max(len(start), 1) + 2), dtype=np.int64),
        )
        # Whole batches may take more than max_removed orders, up to twice as many.
        q = min(n, 2 * max(2, max_removed))
        width = max(ALL_TARGETS, near.shape[1]) + q + 1
        self.scratch = (
            np.zeros(n + 1, dtype=np.int64),  # members of a batch to score
            np.zeros(wave.n_nodes + 1, dtype=np.int64),  # node stamps, counter last
            np.zeros(wave.n_nodes, dtype=np.int64),  # distinct nodes
            np.zeros(n, dtype=np.int64),  # removed orders
            np.zeros(n + 1, dtype=np.int64),  # order stamps, counter last
            np.zeros(n + 1, dtype=np.int64),  # batch stamps, counter last
            np.zeros(n),  # removal savings
            np.zeros(n, dtype=np.int64),  # candidate batches
            np.zeros((q, width), dtype=np.int64),  # regret: each order's batches,
            np.zeros((q, width)),  # added costs,
            np.zeros((q, width)),  # objectives,
            np.zeros((q, width), dtype=np.int64),  # memo entries
            np.zeros(q, dtype=np.int64),  # and number of options
            np.zeros(max(n, width)),  # objectives found in the memo by _known_pairs,
            np.zeros(max(n, width), dtype=np.int64),  # and their entries
            np.zeros(int(fidx.max(initial=0)) // 64 + 1, dtype=np.uint64),  # a flat bit set
        )
        self.log = (
            np.zeros(n, dtype=np.int64),  # iteration that last touched each batch
            np.zeros(n, dtype=np.int64),  # touched batches
            np.zeros(n + 1, dtype=np.int64),  # their members (CSR pointers)
            np.zeros(n, dtype=np.int64),  # members
            np.zeros((n, dims)),  # loads
            np.zeros(n),  # objectives
            np.zeros(n, dtype=np.uint64),  # hashes
            np.zeros(n, dtype=np.int64),  # memo entries
        )
        self.max_removed, self.accept = max_removed, accept
        self.ops = np.zeros((3, N_OPERATORS))
        self.ops[0] = 1.0
        self.count = np.zeros(8, dtype=np.int64)
        self.value = np.zeros(7)
        self.trace = np.zeros((SEGMENT, 2))
        batch = np.empty(n, dtype=np.int64)
        for k, g in enumerate(start):
            batch[g] = k
        new_state(self.wave, self.sol, self.memo, self.scratch, batch, self.count, self.value)
        self.best_of = self.sol[0].copy()
        # Relative to one batch, not the total, as in :func:`search`.
        t0 = start_temperature * self.value[V_TOTAL] / max(len(start), 1) / math.log(2)
        self.value[V_TEMP] = self.value[V_START_TEMP] = max(t0, EPS)
        # Metres per cart of excess, relative to one batch's cost as the temperature.
        self.value[V_PENALTY] = penalty * self.value[V_TOTAL] / max(len(start), 1)
        self.value[V_EXCESS] = max_excess

    def run(self, seed: int, iterations: int) -> int:
        """``iterations`` more rounds; returns how many new bests ``trace`` holds."""
        found, self.memo = run_segment(self.wave, self.sol, self.memo, self.scratch, self.log,
                                       self.ops, self.best_of, self.count, self.value,
                                       self.trace, seed, iterations, self.max_removed,
                                       0.01 ** (1 / COOLING), COOLING, self.accept)  # fmt: skip
        return int(found)


def compiled_search(
    problem: BatchingProblem,
    wave: CompiledWave,
    start: list[list[int]],
    iterations: int,
    *,
    seed: int = 0,
    deadline: float = math.inf,
    max_removed: int = 12,
    start_temperature: float = 0.05,
    pool_size: int = POOL_SIZE,
    penalty: float = PENALTY,
    max_excess: float = MAX_EXCESS,
    accept: int = ANNEAL,
) -> Search:
    """:func:`search` in compiled loops (:mod:`optimizer.batching.alns_kernels`).

    Parameters
    ----------
    problem, wave
        The problem and its arrays (``CompiledWave.of(problem)``: the exact
        DP scores its batches).
    start, iterations, seed, deadline, max_removed, start_temperature
        As for :func:`search`; the deadline is checked every ``SEGMENT``
        iterations.
    pool_size
        Most batches in the pool: those of the best batchings repaired.
    penalty
        Metres per cart of excess a repair pays to overfill a batch, in mean batch
        costs of the start (it adapts from there; 0: carts are hard).
    max_excess
        Most a repair may overfill one cart by, in carts.
    accept
        How a worse batching is accepted: ``ANNEAL`` (simulated annealing, as
        :func:`search`) or ``THRESHOLD`` (threshold accepting: any worsening up to
        the temperature, which starts and cools as annealing's).

    Returns
    -------
    Search
        The best batching, the pool, and the tours routed (``scored``).
    """
    state = _CompiledState(
        problem, wave, start, max_removed, start_temperature, penalty, max_excess, accept
    )
    trace = [(0, time.perf_counter(), float(state.value[V_BEST]))]
    done, timed_out = 0, False
    while done < iterations and problem.size > 1:
        if time.perf_counter() > deadline:
            timed_out = True
            break
        chunk = min(SEGMENT, iterations - done)
        new = state.run(seed, chunk)
        now = time.perf_counter()
        trace += [(int(i), now, float(v)) for i, v in state.trace[:new].tolist()]
        done += chunk
    best = _groups(state.best_of) if done else start
    pool = Pool(problem)
    ptr, members, costs = pool_columns(state.memo, pool_size)
    bounds, flat = ptr.tolist(), members.tolist()
    for j, c in enumerate(costs.tolist()):
        batch = flat[bounds[j] : bounds[j + 1]]
        mask = mask_of(batch)
        pool.cost[mask] = c
        pool.keep(mask, batch)
    for g in best:  # the selection's hint, in the pool even where the memo was full
        pool(mask_of(g), g)
        pool.keep(mask_of(g), g)
    return Search(best, pool, done, timed_out, trace, int(state.count[C_EVALS]))


def run_search(
    problem: BatchingProblem,
    wave: CompiledWave | None,
    start: list[list[int]],
    iterations: int,
    *,
    seed: int,
    deadline: float,
    max_excess: float = MAX_EXCESS,
    accept: int = ANNEAL,
    max_removed: int = 12,
) -> Search:
    """:func:`compiled_search` where ``wave`` is given (a compiled kernel scores
    the batches: ``CompiledWave.of(problem, estimate=True)``), else the Python
    :func:`search` (hard carts, annealing and at most 12 orders removed:
    ``max_excess``, ``accept`` and ``max_removed`` are the compiled search's)."""
    if wave is not None:
        return compiled_search(problem, wave, start, iterations, seed=seed, deadline=deadline,
                               max_removed=max_removed, max_excess=max_excess,
                               accept=accept)  # fmt: skip
    return search(problem, start, iterations, seed=seed, deadline=deadline)


def search(
    problem: BatchingProblem,
    start: list[list[int]],
    iterations: int,
    *,
    seed: int = 0,
    deadline: float = math.inf,
    pool: Pool | None = None,
    max_removed: int = 12,
    start_temperature: float = 0.05,
) -> Search:
    """Run the ALNS from the batching ``start`` for ``iterations`` iterations.

    Parameters
    ----------
    problem
        Orders, cart and tour costs.
    start
        A feasible batching (order indices).
    iterations
        The budget: destroy-and-repair rounds.
    seed
        Random seed; equal inputs and seed give equal results.
    deadline
        ``time.perf_counter()`` value that stops the search early.
    pool
        A pool to extend (to continue a search); a new one by default.
    max_removed
        Most orders removed per iteration.
    start_temperature
        Worsening, as a share of the mean batch cost at the start, accepted
        with probability 1/2 at the start; it cools to 1/100 of that over
        ``COOLING`` iterations, then starts again.

    Returns
    -------
    Search
        The best batching and the pool of every batch formed.
    """
    pool = pool if pool is not None else Pool(problem)
    state = _State(problem, pool, start)
    state.commit()
    for k, m in enumerate(state.members):
        pool.keep(state.mask[k], m)
    best, best_total = state.groups(), state.total
    trace = [(0, time.perf_counter(), best_total)]
    n = problem.size
    if n < 2 or iterations <= 0:
        return Search(best, pool, 0, False, trace)
    near = neighbours(problem, NEAR)
    rng = np.random.default_rng(seed)
    d_names, r_names = list(DESTROY), list(REPAIR)
    d_weight, r_weight = np.ones(len(d_names)), np.ones(len(r_names))
    d_score, r_score = np.zeros(len(d_names)), np.zeros(len(r_names))
    d_used, r_used = np.zeros(len(d_names)), np.zeros(len(r_names))
    q_max = max(2, min(max_removed, n))
    # Relative to one batch, not the total: a move changes a few batches,
    # whatever the size of the wave.
    batches = sum(1 for m in state.members if m)
    t0 = start_temperature * state.total / max(batches, 1) / math.log(2)
    # Cooling restarts every COOLING iterations, whatever the budget: a larger
    # budget with the same seed continues the same search, never worse.
    cooling = 0.01 ** (1 / COOLING)
    temperature = t0
    timed_out = False
    done = 0
    for it in range(iterations):
        if time.perf_counter() > deadline:
            timed_out = True
            break
        done += 1
        di = int(rng.choice(len(d_names), p=d_weight / d_weight.sum()))
        ri = int(rng.choice(len(r_names), p=r_weight / r_weight.sum()))
        q = int(rng.integers(2, q_max + 1))
        before = state.total
        removed = list(dict.fromkeys(DESTROY[d_names[di]](state, rng, q, near)))
        for o in removed:
            state.remove(o)
        noise = 0.1 if rng.random() < 0.3 else 0.0
        REPAIR[r_names[ri]](state, rng, removed, near, noise)
        after = state.total
        score = 0.0
        if after < best_total - EPS:
            score = 33.0
        elif after < before - EPS:
            score = 9.0
        if after < before - EPS or rng.random() < math.exp(-(after - before) / temperature):
            score = max(score, 13.0) if after > before + EPS else score
            state.commit()
            if after < best_total - EPS:
                best, best_total = state.groups(), after
                trace.append((it + 1, time.perf_counter(), after))
        else:
            for k in state.saved:
                pool.keep(state.mask[k], state.members[k])
            state.undo()
        d_score[di] += score
        r_score[ri] += score
        d_used[di] += 1
        r_used[ri] += 1
        if (it + 1) % 100 == 0:  # adapt the weights every segment of 100 iterations
            for w, sc, used in ((d_weight, d_score, d_used), (r_weight, r_score, r_used)):
                active = used > 0
                w[active] = 0.8 * w[active] + 0.2 * sc[active] / used[active]
                w[:] = np.maximum(w, 0.05)
                sc[:] = 0
                used[:] = 0
        temperature = t0 if (it + 1) % COOLING == 0 else temperature * cooling
    return Search(best, pool, done, timed_out, trace)


class ALNS:
    """Adaptive large neighbourhood search, then a set-partitioning selection.

    Starts from the local optimum of ``LocalSearch(kicks=0)`` (savings
    batching improved by moves, swaps and re-splits), runs the search for
    ``iterations`` (:func:`compiled_search` with threshold accepting where a
    compiled kernel scores the batches, else :func:`search`), lets
    :func:`~optimizer.batching.selection.select` choose the best partition
    among the pool's batches, and polishes the choice with one more descent
    of moves, swaps and re-splits. The budget is work, not time:
    ``iterations`` and the selection's deterministic ``selection_work``, so
    a seed always gives the same batches; ``time_limit`` only caps the wall
    time and the result's ``detail["timed_out"]`` says when it did.

    Parameters
    ----------
    iterations
        Destroy-and-repair rounds; ``None``: :func:`default_iterations` where
        the exact DP scores batches, else ``PYTHON_ITERATIONS``.
    selection_work
        CP-SAT deterministic time for the selection; 0 skips it, and so does
        a search of fewer than ``SELECTION_FROM`` rounds.

    Notes
    -----
    ``detail`` reports ``iterations``, ``compiled`` (True if the compiled
    search ran, False where tours are scored one by one), ``scored`` (tours the
    compiled search routed: its memo's misses), ``pool`` (columns),
    ``search_total`` (best batching of the search), ``selection_gain``
    (metres the selection saved, where one ran), ``pool_optimal`` (True if the selection
    proved that no partition of the pool is better, up to ``pool_tolerance``
    metres of rounding; it says nothing about batchings outside the pool),
    ``pool_bound``, ``polish_gain`` (metres the last descent saved) and
    ``timed_out``.

    Examples
    --------
    >>> from optimizer import Cart, Layout, Order, OrderLine, Slotting
    >>> from optimizer.batching import prepare
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> orders = [Order("a", (OrderLine("A01-B1-003-L-1", 2),)),
    ...           Order("b", (OrderLine("A01-B1-005-R-1", 1),)),
    ...           Order("c", (OrderLine("A09-B1-040-L-1", 3),))]
    >>> problem, _ = prepare(layout, Slotting.identity(layout), orders, Cart(max_items=4))
    >>> result = ALNS(iterations=200).run(problem, seed=1)
    >>> result.groups, result.detail["compiled"]
    ([[0, 1], [2]], True)
    """

    name = "alns"

    def __init__(
        self, iterations: int | None = None, selection_work: float = SELECTION_WORK
    ) -> None:
        if iterations is not None and iterations < 0:
            raise ValueError("iterations < 0 not understood.")
        if not selection_work >= 0:
            raise ValueError("selection_work < 0 not understood.")
        self.iterations = iterations
        self.selection_work = selection_work

    def with_effort(self, effort: int) -> ALNS:
        """The same search for ``effort`` iterations."""
        return ALNS(iterations=effort, selection_work=self.selection_work)

    def run(
        self, problem: BatchingProblem, *, seed: int = 0, time_limit: float | None = None
    ) -> Batching:
        """The selected batching and what the search and the selection did."""
        t0 = time.perf_counter()
        end = t0 + time_limit if time_limit is not None else math.inf
        wave = CompiledWave.of(problem, estimate=True) if problem.size > 1 else None
        iterations = self.iterations
        if iterations is None:
            # Off the exact DP a round scores tours with the estimate (tens of µs each).
            exact = wave is not None and wave.exact
            iterations = default_iterations(problem.size) if exact else PYTHON_ITERATIONS
        start = LocalSearch(kicks=0, seed_start=False).run(problem, time_limit=time_limit)
        # The search may use most of a time cap; the selection gets the rest.
        deadline = t0 + SEARCH_SHARE * (end - t0)
        found = run_search(problem, wave, start.groups, iterations, seed=seed, deadline=deadline,
                           accept=ACCEPT, max_removed=MAX_REMOVED)  # fmt: skip
        pool = found.pool
        detail: Detail = {
            "iterations": found.iterations,
            "compiled": wave is not None,
            "scored": found.scored,
            "search_total": round(problem.total(found.groups), 6),
            "pool": len(pool.members),
            "timed_out": found.timed_out,
        }
        groups = found.groups
        left = end - time.perf_counter()
        # When the cap stopped the search, no time is left to select.
        if (
            self.selection_work > 0 and found.iterations >= SELECTION_FROM and left > 0
            and not found.timed_out and problem.size > 1
        ):  # fmt: skip
            groups, said, capped = pool.select(
                groups, work=self.selection_work, seed=seed,
                time_limit=None if math.isinf(left) else left,
            )  # fmt: skip
            detail |= said | {"timed_out": found.timed_out or capped}
        detail["polish_gain"] = 0.0
        if found.iterations > 0:  # else the start is already a local optimum
            groups, detail["polish_gain"] = polish(problem, groups, end)
        final = problem.total(groups)
        trace = [(i, t - t0, total) for i, t, total in found.trace]
        if final < trace[-1][2] - EPS:
            trace.append((found.iterations, time.perf_counter() - t0, final))
        return Batching(in_input_order(groups), detail, tuple(trace))


def polish(
    problem: BatchingProblem, groups: list[list[int]], end: float
) -> tuple[list[list[int]], float]:
    """A last descent (moves, swaps and re-splits of whole batch pairs, which destroy
    and repair rarely make) until the clock reads ``end``; the groups it keeps
    and the metres it saved."""
    selected = problem.total(groups)
    left = end - time.perf_counter()
    if left > 0:
        polished = LocalSearch(kicks=0, start=groups).run(
            problem, time_limit=None if math.isinf(left) else left
        )
        if problem.total(polished.groups) < selected - EPS:
            groups = polished.groups
    return groups, round(selected - problem.total(groups), 6)


def _groups(batch_of: np.ndarray) -> list[list[int]]:
    """Groups of order indices from the batch of each order (any ids)."""
    out: dict[int, list[int]] = {}
    for o, b in enumerate(batch_of.tolist()):
        out.setdefault(b, []).append(o)
    return list(out.values())


def in_input_order(groups: list[list[int]]) -> list[list[int]]:
    """Batches sorted inside and by their first order, as the input listed them."""
    return sorted((sorted(g) for g in groups), key=lambda g: g[0])


def mask_of(members: list[int] | tuple[int, ...]) -> int:
    """The bit mask of a batch's order indices (the pool's key).

    Examples
    --------
    >>> mask_of([0, 3])
    9
    """
    out = 0
    for i in members:
        out |= 1 << i
    return out

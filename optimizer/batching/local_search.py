"""Iterated local search over batchings, scored with real tour lengths.

Starting from the better of savings and seed batching, orders are *moved*
to another batch and *swapped* between two batches whenever that shortens
the total walk (best improvement per order, neighbouring batches only).
At a local optimum a random *kick* (a few feasible moves and swaps among
nearby batches) is followed by another descent; the kick is kept if the
total improved, otherwise the search returns to the best batching (Lourenço,
Martin & Stützle 2003; for order batching, Henn et al. 2010).

Every evaluation routes a candidate batch with the exact DP where the layout
allows (microseconds, memoised by node set), so thousands of moves are
scored per second. Off the DP's layouts, where the compiled estimate on the
oracle's matrix scores tours (tens of microseconds each), the first descent
runs in compiled loops instead (:func:`~optimizer.batching.kernels.descend`:
moves and swaps, bounded by what removing an order saves, with a budget of
``COMPILED_EVALUATIONS`` tours per order). Seeded and deterministic: the
budget is a number of kicks (and the compiled descent's tours).
``time_limit`` is a wall-clock safety cap on the Python loops (the savings
start and a compiled descent always complete); the result says when it
fired, and only then does the machine's speed change the batches.
"""

from __future__ import annotations

import time
from collections import deque
from functools import cache

import numpy as np

from optimizer.batching.base import Batching
from optimizer.batching.kernels import descend
from optimizer.batching.problem import BatchingProblem, neighbours
from optimizer.batching.savings import CompiledWave, Savings, groups_of
from optimizer.batching.seed import SeedBatching

__all__ = ["LocalSearch", "default_kicks", "default_patience", "compiled_descent"]

CANDIDATES = 12  # neighbouring orders whose batches a move may target
TARGETS = 4  # of those batches, the nearest ones tried per order
BOTH_STARTS = 300
EPS = 1e-9
# The compiled descent's budget, tours per order: a descent from savings on the
# fishbone settles after a few dozen; the budget only bounds a pathological wave.
COMPILED_EVALUATIONS = 400
COMPILED_TARGETS = 10  # batches of an order's nearest orders the compiled descent tries


def default_kicks(n_orders: int) -> int:
    """Kicks for a wave of ``n_orders``: more for small waves, where each is cheap."""
    return int(min(300, max(3, 3_000 // max(n_orders, 1))))


def default_resplit(n_orders: int) -> int:
    """Largest two-batch union whose splits are all tried (2^(m-1) splits)."""
    return 10 if n_orders <= 30 else 6


def default_patience(kicks: int) -> int:
    """Kicks without improvement after which the search stops early."""
    return max(25, kicks // 3)


class _State:
    """A batching with its costs and loads, changed in place by moves."""

    def __init__(self, problem: BatchingProblem, batches: list[list[int]]) -> None:
        self.p = problem
        self.batches = [list(b) for b in batches]
        self.cost = [problem.batch_cost(b) for b in self.batches]
        self.load = [problem.load(b) for b in self.batches]
        self.batch_of = np.empty(problem.size, dtype=np.int64)
        for k, b in enumerate(self.batches):
            self.batch_of[b] = k
        # Pairs of batches (order bit masks) whose every split was tried without gain:
        # a split's cost depends on its orders alone, so trying them again cannot gain.
        self.unsplit: set[tuple[int, int]] = set()

    @property
    def total(self) -> float:
        return float(sum(self.cost))

    def copy(self) -> _State:
        out = _State(self.p, self.batches)
        out.unsplit = self.unsplit
        return out

    def relocate_delta(self, o: int, b: int) -> float | None:
        """Change in total if order ``o`` moves into batch ``b``; None if it does not fit."""
        a = int(self.batch_of[o])
        if not self.p.cart.fits(self.load[b] + self.p.loads[o]):
            return None
        rest = [i for i in self.batches[a] if i != o]
        new_a = self.p.batch_cost(rest)
        new_b = self.p.batch_cost([*self.batches[b], o])
        return new_a + new_b - self.cost[a] - self.cost[b]

    def swap_delta(self, o: int, q: int) -> float | None:
        """Change in total if orders ``o`` and ``q`` trade batches; None if infeasible."""
        a, b = int(self.batch_of[o]), int(self.batch_of[q])
        lo, lq = self.p.loads[o], self.p.loads[q]
        if not (
            self.p.cart.fits(self.load[a] - lo + lq) and self.p.cart.fits(self.load[b] - lq + lo)
        ):
            return None
        new_a = self.p.batch_cost([q if i == o else i for i in self.batches[a]])
        new_b = self.p.batch_cost([o if i == q else i for i in self.batches[b]])
        return new_a + new_b - self.cost[a] - self.cost[b]

    def _refresh(self, k: int) -> None:
        self.cost[k] = self.p.batch_cost(self.batches[k])
        self.load[k] = self.p.load(self.batches[k])
        self.batch_of[self.batches[k]] = k

    def relocate(self, o: int, b: int) -> tuple[int, int]:
        a = int(self.batch_of[o])
        self.batches[a].remove(o)
        self.batches[b].append(o)
        self._refresh(a)
        self._refresh(b)
        return a, b

    def swap(self, o: int, q: int) -> tuple[int, int]:
        a, b = int(self.batch_of[o]), int(self.batch_of[q])
        self.batches[a][self.batches[a].index(o)] = q
        self.batches[b][self.batches[b].index(q)] = o
        self._refresh(a)
        self._refresh(b)
        return a, b

    def result(self) -> list[list[int]]:
        return [sorted(b) for b in self.batches if b]


def _descend(state: _State, near: np.ndarray, todo: deque[int], deadline: float = np.inf) -> None:
    """Best-improvement moves for the orders in ``todo`` until none improves."""
    queued = set(todo)
    while todo and time.perf_counter() < deadline:
        o = todo.popleft()
        queued.discard(o)
        a = int(state.batch_of[o])
        best, move = -EPS, None
        # Only the few batches of the nearest orders: O(batch size) evaluations per target.
        targets = list(dict.fromkeys(int(state.batch_of[q]) for q in near[o].tolist()))
        for b in [t for t in targets if t != a][:TARGETS]:
            d = state.relocate_delta(o, b)
            if d is not None and d < best:
                best, move = d, ("move", b)
            for q in state.batches[b]:
                d = state.swap_delta(o, q)
                if d is not None and d < best:
                    best, move = d, ("swap", q)
        if move is None:
            continue
        kind, target = move
        a, b = state.relocate(o, target) if kind == "move" else state.swap(o, target)
        for i in (*state.batches[a], *state.batches[b], *near[o].tolist()):
            if i not in queued:
                queued.add(i)
                todo.append(i)


def _resplit(state: _State, a: int, b: int, limit: int) -> bool:
    """Best split of batches ``a`` and ``b``'s orders into two feasible batches.

    Enumerates the 2^(m-1) two-way splits of their m orders (m at most
    ``RESPLIT_MAX``), with feasibility checked for all splits at once. This
    finds the compound exchanges that single moves and swaps cannot make when
    both carts are full. Returns True if it improved.
    """
    members = state.batches[a] + state.batches[b]
    m = len(members)
    if not 2 <= m <= limit:
        return False
    pair = _mask(state.batches[a]), _mask(state.batches[b])
    pair = min(pair), max(pair)
    if pair in state.unsplit:
        return False
    first, rest = members[0], members[1:]
    bits, rows = _splits(m)
    loads = state.p.loads[rest]
    with_first = bits @ loads
    side1 = with_first + state.p.loads[first]
    side2 = loads.sum(axis=0) - with_first
    limits = state.p.cart.limits * (1 + 1e-12)
    feasible = np.flatnonzero((side1 <= limits).all(axis=1) & (side2 <= limits).all(axis=1))
    best, split = state.cost[a] + state.cost[b] - EPS, None
    for row in feasible.tolist():
        chosen = rows[row]
        g1 = [first, *(q for q, c in zip(rest, chosen, strict=True) if c)]
        g2 = [q for q, c in zip(rest, chosen, strict=True) if not c]
        total = state.p.batch_cost(g1) + state.p.batch_cost(g2)
        if total < best:
            best, split = total, (g1, g2)
    if split is None:
        state.unsplit.add(pair)
        return False
    state.batches[a], state.batches[b] = split
    state._refresh(a)
    state._refresh(b)
    return True


@cache
def _splits(m: int) -> tuple[np.ndarray, list[list[bool]]]:
    """One row of 0/1 per two-way split of ``m`` orders, whether each of the last
    ``m - 1`` goes with the first (read only), and the rows as lists of bools."""
    bits = (np.arange(1 << (m - 1))[:, None] >> np.arange(m - 1)) & 1
    bits.setflags(write=False)
    return bits, bits.astype(bool).tolist()


def _mask(members: list[int]) -> int:
    """The bit mask of a batch's orders."""
    out = 0
    for i in members:
        out |= 1 << i
    return out


def _improve(
    state: _State, near: np.ndarray, todo: set[int], resplit: int, deadline: float = np.inf
) -> None:
    """Descend with moves and swaps, then re-split neighbouring batch pairs; repeat."""
    while todo:
        _descend(state, near, deque(sorted(todo)), deadline)
        if time.perf_counter() >= deadline:
            return
        batches = sorted({int(state.batch_of[o]) for o in todo})
        todo = set()
        for a in batches:
            around = {int(state.batch_of[q]) for o in state.batches[a] for q in near[o].tolist()}
            for b in sorted(around - {a}):
                if _resplit(state, a, b, resplit):
                    todo.update(state.batches[a], state.batches[b])


def _kick(state: _State, near: np.ndarray, rng: np.random.Generator, strength: int) -> set[int]:
    """A few random feasible moves and swaps among nearby batches; returns touched orders."""
    touched: set[int] = set()
    n = state.p.size
    for _ in range(strength):
        o = int(rng.integers(n))
        if near.shape[1] == 0:
            break
        q = int(near[o][rng.integers(near.shape[1])])
        if state.batch_of[o] == state.batch_of[q]:
            continue
        if rng.random() < 0.5 and state.relocate_delta(o, int(state.batch_of[q])) is not None:
            a, b = state.relocate(o, int(state.batch_of[q]))
        elif state.swap_delta(o, q) is not None:
            a, b = state.swap(o, q)
        else:
            continue
        touched.update(state.batches[a], state.batches[b], near[o].tolist())
    return touched


def _ruin_recreate(state: _State, near: np.ndarray, rng: np.random.Generator) -> set[int]:
    """Empty up to three nearby batches and re-insert their orders in random order,
    each where it adds the least walking (a new batch if it fits nowhere)."""
    o = int(rng.integers(state.p.size))
    picks = [o, *(int(q) for q in rng.choice(near[o], size=min(2, near.shape[1]), replace=False))]
    ruined = sorted({int(state.batch_of[q]) for q in picks})
    pool = [q for k in ruined for q in state.batches[k]]
    for k in ruined:
        state.batches[k] = []
        state._refresh(k)
    for q in rng.permutation(pool).tolist():
        best, target = np.inf, None
        for k in ruined:
            if state.p.cart.fits(state.load[k] + state.p.loads[q]):
                added = state.p.batch_cost([*state.batches[k], q]) - state.cost[k]
                if added < best:
                    best, target = added, k
        if target is None:  # every ruined batch is full: open one more
            state.batches.append([])
            state.cost.append(0.0)
            state.load.append(np.zeros_like(state.p.loads[q]))
            target = len(state.batches) - 1
            ruined.append(target)
        state.batches[target].append(q)
        state._refresh(target)
    return set(pool)


def compiled_descent(
    problem: BatchingProblem,
    wave: CompiledWave,
    groups: list[list[int]],
    evaluations: int = COMPILED_EVALUATIONS,
    targets: int = COMPILED_TARGETS,
) -> tuple[list[list[int]], int, int]:
    """Moves and swaps from ``groups`` in compiled loops
    (:func:`~optimizer.batching.kernels.descend`) until none improves or
    ``evaluations`` tours per order are spent: the groups, the tours
    evaluated and the changes made.

    The descent skips changes that cannot beat the best found, taking a tour
    through fewer nodes to be no longer: true of the exact DP's tours; the
    estimate's is longer with one pick fewer in about 9 % of pick sets on the
    fishbone (by up to 6 %), and there the bound only leaves a change untried
    (the batches stay valid and are scored as every other method scores them).
    """
    if problem.size < 2:
        return [list(g) for g in groups], 0, 0
    batch_of = np.empty(problem.size, dtype=np.int64)
    for k, g in enumerate(groups):
        batch_of[g] = k
    w = wave
    found, spent, changes = descend(w.ptr, w.idx, w.loads, w.cap, w.near, batch_of, w.penalty,
                                    w.tab, w.fi, w.ff, w.n_nodes, evaluations * problem.size,
                                    targets, True)  # fmt: skip
    return groups_of(found), int(spent), int(changes)


class LocalSearch:
    """Iterated local search with move and swap neighbourhoods.

    Parameters
    ----------
    kicks
        Perturbation rounds after the first descent; ``None`` scales with
        the wave size (:func:`default_kicks`).
    start
        Batchings to start from (indices); default: the better of savings
        and seed batching.
    seed_start
        Also try seed batching as a start (it costs about three times
        savings); ``None``: on waves up to ``BOTH_STARTS`` orders.
    """

    name = "local-search"

    def __init__(
        self,
        kicks: int | None = None,
        start: list[list[int]] | None = None,
        patience: int | None = None,
        resplit: int | None = None,
        seed_start: bool | None = None,
    ) -> None:
        if kicks is not None and kicks < 0:
            raise ValueError("kicks < 0 not understood.")
        if patience is not None and patience < 1:
            raise ValueError("patience < 1 not understood.")
        self.kicks = kicks
        self.start = start
        self.patience = patience
        self.resplit = resplit
        self.seed_start = seed_start

    def with_effort(self, effort: int) -> LocalSearch:
        """The same search with ``effort`` kicks."""
        return LocalSearch(kicks=effort, start=self.start, patience=self.patience,
                           resplit=self.resplit, seed_start=self.seed_start)  # fmt: skip

    def initial(self, problem: BatchingProblem) -> list[list[int]]:
        """The starting batching: savings, or the better of savings and seed
        (``seed_start``; by default on waves up to ``BOTH_STARTS`` orders)."""
        if self.start is not None:
            return self.start
        options = [Savings().run(problem).groups]
        both = problem.size <= BOTH_STARTS
        if self.seed_start if self.seed_start is not None else both:
            options.append(SeedBatching().run(problem).groups)
        return min(options, key=problem.total)

    def run(
        self, problem: BatchingProblem, *, seed: int = 0, time_limit: float | None = None
    ) -> Batching:
        """The best batching found; ``detail["timed_out"]`` if ``time_limit`` cut it
        short, ``detail["compiled"]`` if the first descent ran in compiled loops
        (off the exact DP's layouts, where the estimate kernel scores tours)."""
        deadline = time.perf_counter() + time_limit if time_limit else np.inf
        near = neighbours(problem, CANDIDATES)
        # The compiled descent only where the estimate scores tours (off the exact DP).
        cost = problem.cost
        compiled = problem.size > 1 and cost.scoring is not None and cost.kernel is None
        resplit = self.resplit if self.resplit is not None else default_resplit(problem.size)
        wave = CompiledWave.of(problem, estimate=True) if compiled else None
        if wave is not None:
            groups, _, _ = compiled_descent(problem, wave, self.initial(problem))
            state = _State(problem, groups)
        else:
            state = _State(problem, self.initial(problem))
            _improve(state, near, set(range(problem.size)), resplit, deadline)
        best = state.copy()
        rng = np.random.default_rng(seed)
        kicks = default_kicks(problem.size) if self.kicks is None else self.kicks
        patience = default_patience(kicks) if self.patience is None else self.patience
        idle = done = 0
        for _ in range(kicks):
            if time.perf_counter() > deadline or problem.size < 2 or idle >= patience:
                break
            done += 1
            if rng.random() < 0.5:
                touched = _kick(state, near, rng, strength=int(rng.integers(2, 5)))
            else:
                touched = _ruin_recreate(state, near, rng)
            _improve(state, near, touched, resplit, deadline)
            if state.total < best.total - EPS:
                best, idle = state.copy(), 0
            else:
                state, idle = best.copy(), idle + 1
        timed_out = time.perf_counter() > deadline
        return Batching(best.result(), {"kicks": done, "compiled": compiled,
                                        "timed_out": timed_out})  # fmt: skip

"""Compiled pricing for the column generation: batches of negative reduced cost.

For prices ``duals`` (one per order), a batch's reduced cost is its tour
length (plus the tour penalty) minus the prices of its orders; the pricing
looks for batches that fit one cart with the most negative reduced cost.
:func:`price_batches` runs, from every seed order, randomised greedy
constructions over the orders with the best estimated gain (price minus
the walking an order adds next to its closest member, from the exact pair
costs), each step scoring a few candidates exactly with the routing DP
(:func:`~optimizer.batching.kernels.objective`), then a descent on the best
batch of the construction (add, drop or swap an order). Last, every batch
it started from, then every batch found, is expanded (:func:`_expand`): each
add and one-for-one swap over all the orders that fit is scored exactly, the
negative ones expanded in turn, within ``expand`` times the tours the search
scored (0: off). Every batch met whose reduced cost is below a threshold is
returned once.

:func:`enumerate_batches` lists every batch that fits the cart, for waves
small enough: then the pricing is exact and the relaxation a lower bound.
:func:`best_partition` partitions a few orders optimally over such a list,
by dynamic programming over the subsets.

Both loops run in numba's nopython mode; randomness comes from numba's own
generator, seeded per call, so equal inputs give equal columns.
"""

from __future__ import annotations

import numpy as np

from optimizer._jit import jit
from optimizer.batching.kernels import objective

__all__ = ["price_batches", "enumerate_batches", "best_partition"]

EPS = 1e-9


@jit
def _fits_with(total: np.ndarray, add: np.ndarray, cap: np.ndarray) -> bool:
    for d in range(cap.size):  # noqa: SIM110 (a loop numba compiles)
        if total[d] + add[d] > cap[d]:
            return False
    return True


@jit
def _key(members: np.ndarray, count: int, zob: np.ndarray) -> int:
    """A hash of the set ``members[:count]`` (XOR of random words: order-free)."""
    h = 0
    for j in range(count):
        h ^= zob[members[j]]
    return h


@jit
def _record(
    members: np.ndarray,
    count: int,
    cost: float,
    seen: dict[int, int],
    zob: np.ndarray,
    out_val: list[int],
    out_ptr: list[int],
    out_cost: list[float],
) -> None:
    """Append the batch ``members[:count]`` (sorted) and its cost if it was not
    met before."""
    h = _key(members, count, zob)
    if h in seen:
        return
    seen[h] = len(out_cost)
    for o in np.sort(members[:count]):
        out_val.append(o)
    out_ptr.append(len(out_val))
    out_cost.append(cost)


@jit
def _paid(prices: np.ndarray, members: np.ndarray, count: int) -> float:
    out = 0.0
    for j in range(count):
        out += prices[members[j]]
    return out


@jit
def _candidates(
    members: np.ndarray,
    count: int,
    total: np.ndarray,
    gain: np.ndarray,
    best_pair: np.ndarray,
    allowed: np.ndarray,
    inside: np.ndarray,
    loads: np.ndarray,
    cap: np.ndarray,
    width: int,
    out: np.ndarray,
) -> int:
    """The ``width`` orders that fit with the best estimated gain, into ``out``."""
    n = gain.size
    score = np.full(n, -np.inf)
    for j in range(n):
        if allowed[j] and not inside[j] and _fits_with(total, loads[j], cap):
            score[j] = gain[j] + best_pair[j]
    k = 0
    for j in np.argsort(-score, kind="mergesort"):
        if k >= width or score[j] == -np.inf:
            break
        out[k] = j
        k += 1
    return k


@jit
def price_batches(
    duals: np.ndarray,
    exact: np.ndarray,
    allowed: np.ndarray,
    seeds: np.ndarray,
    start_ptr: np.ndarray,
    start_val: np.ndarray,
    single: np.ndarray,
    saving: np.ndarray,
    loads: np.ndarray,
    cap: np.ndarray,
    ptr: np.ndarray,
    idx: np.ndarray,
    tab: np.ndarray,
    fi: np.ndarray,
    ff: np.ndarray,
    penalty: float,
    n_nodes: int,
    tries: int,
    width: int,
    pick: int,
    below: float,
    enough: int,
    rng_seed: int,
    expand: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Batches of reduced cost below ``below``, from every seed order.

    Parameters
    ----------
    duals, exact, allowed
        The prices that guide the search (e.g. smoothed), those that decide
        which batches are returned, and which orders may join a batch.
    seeds
        Orders each construction starts from (allowed ones).
    start_ptr, start_val
        Batches (CSR) each descent starts from, ``tries`` times: first as
        they are, then without a random member.
    single, saving
        Each order's cost alone and the pair savings ``saving[i, j]``
        (``-inf`` for a pair not scored or not fitting): the estimate that
        ranks the orders to try.
    loads, cap
        Each order's load and the cart's limits (finite dimensions only).
    ptr, idx, tab, fi, ff, penalty, n_nodes
        Orders' pick nodes as CSR, the exact DP's inputs, the tour penalty,
        the number of nodes (see :func:`~optimizer.batching.kernels.objective`).
    tries
        Constructions per seed: the first greedy, the others choosing at
        random among the ``pick`` best next orders.
    width
        Orders scored exactly per step of a construction or the descent.
    below
        Threshold on the reduced cost (under ``exact``) of the batches returned.
    enough
        The constructions stop, after the descents, once this many batches
        are found (they take the seeds in random order).
    rng_seed
        Seed of the randomised choices.
    expand
        Tours scored around the batches found (:func:`_expand`), per tour
        scored to find them (0: none).

    Returns
    -------
    ptr, members, costs, evaluations
        The batches as CSR (sorted members), their objectives and the
        number of tours scored.
    """
    # numba's generator (nopython has no np.random.Generator argument here),
    # seeded per call: equal inputs give equal columns.
    np.random.seed(rng_seed)  # noqa: NPY002
    n = duals.size
    zob = np.random.randint(1, 2**62, size=n).astype(np.int64)  # noqa: NPY002
    mark = np.zeros(n_nodes + 1, dtype=np.int64)
    buf = np.empty(n_nodes, dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    trial = np.empty(n, dtype=np.int64)
    best_members = np.empty(n, dtype=np.int64)
    cand = np.empty(max(width, 1), dtype=np.int64)
    cand_rc = np.empty(max(width, 1))
    cand_cost = np.empty(max(width, 1))
    inside = np.zeros(n, dtype=np.bool_)
    gain = duals - single
    seen = {0: -1}  # typed by its first entry, which goes at once
    seen.pop(0)
    out_val = [0]
    out_ptr = [0]
    out_cost = [0.0]
    out_val.pop()
    out_cost.pop()
    evaluations = 0
    # Descents from given batches (the relaxation's own): their neighbours
    # are where the missing columns of the tailing-off rounds hide.
    for b in range(start_ptr.size - 1):
        for t in range(tries):
            count = 0
            for o in start_val[start_ptr[b] : start_ptr[b + 1]]:
                if allowed[o]:
                    members[count] = o
                    count += 1
            if t > 0 and count > 1:  # a random member out: another descent
                drop = np.random.randint(0, count)  # noqa: NPY002
                members[drop] = members[count - 1]
                count -= 1
            if count == 0:
                continue
            cost = objective(members, count, ptr, idx, mark, buf, tab, fi, ff, penalty)
            evaluations += 1
            evaluations += _descend(members, count, cost - _paid(duals, members, count), duals,
                                    exact, allowed, gain, saving, loads, cap, ptr, idx, tab,
                                    fi, ff, penalty, mark, buf, trial, inside, cand, width,
                                    below, seen, zob, out_val, out_ptr, out_cost)  # fmt: skip
    for s in np.random.permutation(seeds):  # noqa: NPY002
        if len(out_cost) >= enough:
            break
        for t in range(tries):
            # A construction: grow {s} one order at a time while one fits.
            count = 1
            members[0] = s
            inside[:] = False
            inside[s] = True
            total = loads[s].copy()
            best_pair = saving[s].copy()
            paid = duals[s]
            rc = objective(members, 1, ptr, idx, mark, buf, tab, fi, ff, penalty) - paid
            evaluations += 1
            best_rc, best_count = rc, 1
            best_members[0] = s
            while True:
                k = _candidates(members, count, total, gain, best_pair, allowed, inside,
                                loads, cap, width, cand)  # fmt: skip
                if k == 0:
                    break
                for c in range(k):
                    members[count] = cand[c]
                    cost = objective(members, count + 1, ptr, idx, mark, buf, tab, fi, ff, penalty)
                    cand_cost[c] = cost
                    cand_rc[c] = cost - paid - duals[cand[c]]
                    if cost - _paid(exact, members, count + 1) < below:
                        _record(members, count + 1, cost, seen, zob, out_val, out_ptr, out_cost)
                evaluations += k
                order = np.argsort(cand_rc[:k], kind="mergesort")
                c = order[0]
                if t > 0:  # a randomised construction
                    c = order[np.random.randint(0, min(pick, k))]  # noqa: NPY002
                j = cand[c]
                members[count] = j
                count += 1
                inside[j] = True
                total += loads[j]
                best_pair = np.maximum(best_pair, saving[j])
                paid += duals[j]
                rc = cand_rc[c]
                if rc < best_rc:
                    best_rc, best_count = rc, count
                    best_members[:count] = members[:count]
            # A descent from the construction's best batch: add, drop or swap.
            count = best_count
            members[:count] = best_members[:count]
            rc = best_rc
            evaluations += _descend(members, count, rc, duals, exact, allowed, gain, saving, loads,
                                    cap, ptr, idx, tab, fi, ff, penalty, mark, buf, trial,
                                    inside, cand, width, below, seen, zob, out_val, out_ptr,
                                    out_cost)  # fmt: skip
    evaluations += _expand(duals, exact, allowed, loads, cap, ptr, idx, tab, fi, ff, penalty,
                           mark, buf, trial, inside, below, seen, zob, out_val, out_ptr,
                           out_cost, expand * evaluations, start_ptr, start_val)  # fmt: skip
    return (np.array(out_ptr, dtype=np.int64), np.array(out_val, dtype=np.int64),
            np.array(out_cost), evaluations)  # fmt: skip


@jit
def _expand(
    duals: np.ndarray,
    exact: np.ndarray,
    allowed: np.ndarray,
    loads: np.ndarray,
    cap: np.ndarray,
    ptr: np.ndarray,
    idx: np.ndarray,
    tab: np.ndarray,
    fi: np.ndarray,
    ff: np.ndarray,
    penalty: float,
    mark: np.ndarray,
    buf: np.ndarray,
    trial: np.ndarray,
    inside: np.ndarray,
    below: float,
    seen: dict[int, int],
    zob: np.ndarray,
    out_val: list[int],
    out_ptr: list[int],
    out_cost: list[float],
    budget: float,
    start_ptr: np.ndarray,
    start_val: np.ndarray,
) -> int:
    """Every add and one-for-one swap, over all allowed orders that fit, of
    each batch ``starts`` (CSR, allowed members only), then of each batch
    recorded so far (those recorded here too, in turn): records the
    neighbours whose reduced cost under ``exact`` is below ``below``; stops
    once ``budget`` tours are scored. Returns the tours scored.

    The constructions and descents score only the few orders the pair
    savings rank first; on carts packed nearly full the negative columns
    differ from a found one (or from one the relaxation takes, at reduced
    cost zero) by an order that estimate ranks low, and few orders fit in the
    room a swap leaves, so the full neighbourhood is cheap.
    """
    evaluations = 0
    members = np.empty(duals.size, dtype=np.int64)
    for b in range(start_ptr.size - 1):
        if evaluations >= budget:
            return evaluations
        count = 0
        for o in start_val[start_ptr[b] : start_ptr[b + 1]]:
            if allowed[o]:
                members[count] = o
                count += 1
        evaluations += _neighbours(members, count, exact, allowed, loads, cap, ptr, idx, tab,
                                   fi, ff, penalty, mark, buf, trial, inside, below, seen, zob,
                                   out_val, out_ptr, out_cost)  # fmt: skip
    q = 0
    while q < len(out_cost) and evaluations < budget:
        count = out_ptr[q + 1] - out_ptr[q]
        for m in range(count):
            members[m] = out_val[out_ptr[q] + m]
        evaluations += _neighbours(members, count, exact, allowed, loads, cap, ptr, idx, tab,
                                   fi, ff, penalty, mark, buf, trial, inside, below, seen, zob,
                                   out_val, out_ptr, out_cost)  # fmt: skip
        q += 1
    return evaluations


@jit
def _neighbours(
    members: np.ndarray,
    count: int,
    exact: np.ndarray,
    allowed: np.ndarray,
    loads: np.ndarray,
    cap: np.ndarray,
    ptr: np.ndarray,
    idx: np.ndarray,
    tab: np.ndarray,
    fi: np.ndarray,
    ff: np.ndarray,
    penalty: float,
    mark: np.ndarray,
    buf: np.ndarray,
    trial: np.ndarray,
    inside: np.ndarray,
    below: float,
    seen: dict[int, int],
    zob: np.ndarray,
    out_val: list[int],
    out_ptr: list[int],
    out_cost: list[float],
) -> int:
    """Every add and one-for-one swap of the batch ``members[:count]`` over
    all allowed orders that fit, scored exactly; records those of reduced
    cost (under ``exact``) below ``below``. Returns the tours scored."""
    n = exact.size
    evaluations = 0
    total = np.zeros(cap.size)
    inside[:] = False
    for m in range(count):
        inside[members[m]] = True
        total += loads[members[m]]
    for drop in range(-1, count):
        size = 0
        for m in range(count):
            if m != drop:
                trial[size] = members[m]
                size += 1
        less = total.copy()
        if drop >= 0:
            less -= loads[members[drop]]
        paid = _paid(exact, trial, size)
        for j in range(n):
            if inside[j] or not allowed[j] or not _fits_with(less, loads[j], cap):
                continue
            trial[size] = j
            cost = objective(trial, size + 1, ptr, idx, mark, buf, tab, fi, ff, penalty)
            evaluations += 1
            if cost - paid - exact[j] < below:
                _record(trial, size + 1, cost, seen, zob, out_val, out_ptr, out_cost)
    return evaluations


@jit
def _descend(
    members: np.ndarray,
    count: int,
    rc: float,
    duals: np.ndarray,
    exact: np.ndarray,
    allowed: np.ndarray,
    gain: np.ndarray,
    saving: np.ndarray,
    loads: np.ndarray,
    cap: np.ndarray,
    ptr: np.ndarray,
    idx: np.ndarray,
    tab: np.ndarray,
    fi: np.ndarray,
    ff: np.ndarray,
    penalty: float,
    mark: np.ndarray,
    buf: np.ndarray,
    trial: np.ndarray,
    inside: np.ndarray,
    cand: np.ndarray,
    width: int,
    below: float,
    seen: dict[int, int],
    zob: np.ndarray,
    out_val: list[int],
    out_ptr: list[int],
    out_cost: list[float],
) -> int:
    """Best-improvement descent on the batch ``members[:count]`` of reduced
    cost ``rc``: add one of the ``width`` best-estimated orders, drop one, or
    swap one for one. Records every batch scored whose reduced cost under
    ``exact`` is below ``below``; returns the tours scored."""
    n = duals.size
    evaluations = 0
    while True:
        inside[:] = False
        total = np.zeros(cap.size)
        best_pair = np.full(n, -np.inf)
        for m in range(count):
            inside[members[m]] = True
            total += loads[members[m]]
            best_pair = np.maximum(best_pair, saving[members[m]])
        paid = 0.0
        for m in range(count):
            paid += duals[members[m]]
        move_rc, move_drop, move_add = rc - EPS, -1, -1
        # Candidates as if one member were out: the widest room a swap can use.
        room = total.copy()
        if count > 1:
            for d in range(cap.size):
                least = np.inf
                for m in range(count):
                    least = min(least, loads[members[m], d])
                room[d] -= least
        k = _candidates(members, count, room, gain, best_pair, allowed, inside, loads, cap,
                        width, cand)  # fmt: skip
        for drop in range(-1, count):
            size = 0
            out_paid = paid
            for m in range(count):
                if m != drop:
                    trial[size] = members[m]
                    size += 1
                else:
                    out_paid -= duals[members[m]]
            if drop >= 0 and size > 0:
                cost = objective(trial, size, ptr, idx, mark, buf, tab, fi, ff, penalty)
                evaluations += 1
                if cost - _paid(exact, trial, size) < below:
                    _record(trial, size, cost, seen, zob, out_val, out_ptr, out_cost)
                if cost - out_paid < move_rc:
                    move_rc, move_drop, move_add = cost - out_paid, drop, -1
            less = total.copy()
            if drop >= 0:
                less -= loads[members[drop]]
            for c in range(k):
                j = cand[c]
                if not _fits_with(less, loads[j], cap):
                    continue
                trial[size] = j
                cost = objective(trial, size + 1, ptr, idx, mark, buf, tab, fi, ff, penalty)
                evaluations += 1
                if cost - _paid(exact, trial, size + 1) < below:
                    _record(trial, size + 1, cost, seen, zob, out_val, out_ptr, out_cost)
                value = cost - out_paid - duals[j]
                if value < move_rc:
                    move_rc, move_drop, move_add = value, drop, j
        if move_drop < 0 and move_add < 0:
            return evaluations
        if move_drop >= 0:
            members[move_drop] = members[count - 1]
            count -= 1
        if move_add >= 0:
            members[count] = move_add
            count += 1
        rc = move_rc


@jit
def enumerate_batches(
    loads: np.ndarray, cap: np.ndarray, limit: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every non-empty set of orders that fits the cart, as CSR ``(ptr, members)``,
    members ascending; empty arrays if there are more than ``limit``."""
    n = loads.shape[0]
    out_val = [0]
    out_ptr = [0]
    out_val.pop()
    stack = np.empty(n, dtype=np.int64)
    total = np.zeros((n + 1, cap.size))
    depth = 0
    nxt = 0
    found = 0
    # Depth-first over ascending index sets: stack[:depth] is the current set.
    while True:
        if nxt < n and _fits_with(total[depth], loads[nxt], cap):
            stack[depth] = nxt
            total[depth + 1] = total[depth] + loads[nxt]
            depth += 1
            found += 1
            if found > limit:
                return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
            for m in range(depth):
                out_val.append(stack[m])
            out_ptr.append(len(out_val))
            nxt = stack[depth - 1] + 1
            continue
        if nxt < n:
            nxt += 1
            continue
        if depth == 0:
            break
        depth -= 1
        nxt = stack[depth] + 1
    return np.array(out_ptr, dtype=np.int64), np.array(out_val, dtype=np.int64)


@jit
def best_partition(n: int, masks: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """The cheapest partition of orders ``0 .. n - 1`` into the batches
    ``masks`` (bit masks, every singleton among them) of cost ``costs``:
    the indices of the chosen batches.

    Dynamic programming over subsets: the best partition of a set ``S``
    takes the batch holding its lowest order and the best partition of the
    rest, ``O(3^n)`` steps (``n`` up to about 16).
    """
    size = 1 << n
    cost_of = np.full(size, np.inf)
    index = np.full(size, -1, dtype=np.int64)
    for k in range(masks.size):
        if costs[k] < cost_of[masks[k]]:
            cost_of[masks[k]] = costs[k]
            index[masks[k]] = k
    best = np.full(size, np.inf)
    best[0] = 0.0
    choice = np.zeros(size, dtype=np.int64)
    for s in range(1, size):
        low = s & -s
        rest = s ^ low
        t = rest
        while True:  # every subset t of the rest: the batch is t | low
            g = t | low
            if cost_of[g] < np.inf:
                value = cost_of[g] + best[s ^ g]
                if value < best[s]:
                    best[s] = value
                    choice[s] = g
            if t == 0:
                break
            t = (t - 1) & rest
    out = []
    s = size - 1
    while s:
        out.append(index[choice[s]])
        s ^= choice[s]
    return np.array(out, dtype=np.int64)

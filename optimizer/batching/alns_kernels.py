"""The compiled destroy-and-repair loop of :class:`~optimizer.batching.alns.ALNS`.

The whole iteration runs in nopython mode, next to the exact routing DP's
cost kernel (:func:`optimizer.batching.kernels.objective`):

- a batching is held in arrays: the batch of each order, each batch's
  members as a doubly linked list, its load per capacity dimension, its
  objective and a 64-bit Zobrist hash of its members (the XOR of one random
  key per order, so adding or removing an order changes it in O(1));
- a batch's objective is memoised in an open-addressing hash table keyed by
  that hash and verified member by member (an order is in the queried batch
  iff its batch says so), so the question "what does batch ``b`` cost with
  order ``o`` added" is a table look-up once it has been asked before. The
  table also stores each batch's members and the best total of a batching it
  was part of: the *pool* the set-partitioning selection reads
  (:func:`pool_columns`);
- an iteration logs the batches it touches and restores them if the
  acceptance rule (simulated annealing or threshold accepting) rejects the result.

Destroy operators
    ``random``; ``related`` (Shaw 1998: grown from one order through the
    nearest orders of the orders already removed, mostly the nearest);
    ``batches`` (whole batches around an order); ``worst`` (orders whose
    removal saves most, of a sample).
Repair operators
    ``greedy`` (orders in random order, each to its cheapest batch) and
    ``regret`` (regret-2: the order that would lose most by waiting first),
    both over every open batch it fits while the batching has at most
    ``ALL_TARGETS`` batches, else the batches of its nearest orders, and a
    new batch of its own.

Carts are a soft constraint of the search (strategic oscillation, as in
Vidal et al. 2012): a repair may overfill a batch by up to a set share of a
cart (``state.value[V_EXCESS]``) at a penalty per cart of excess, raised after a segment in which
fewer than ``FEASIBLE_SHARE`` of the repaired batchings fit, lowered
otherwise. Only batchings that fit every cart become the best or feed the
pool, so the result always fits.

Operators are drawn with adaptive weights (Ropke & Pisinger 2006): a segment
of ``SEGMENT`` iterations scores 33 for a new best, 9 for an improvement and
13 for an accepted worsening. The loop runs in chunks of ``SEGMENT``
iterations so that the caller can check a wall-clock cap between them; each
chunk seeds numba's random generator from the seed and the chunk's number,
so the result depends on the iterations only, never on the clock.
"""

from __future__ import annotations

import numpy as np

from optimizer._jit import jit, jit_borrowing
from optimizer.batching.kernels import gather, objective
from optimizer.routing.scoring import union_length

__all__ = [
    "SEGMENT",
    "C_EVALS",
    "V_TOTAL",
    "V_BEST",
    "V_TEMP",
    "V_START_TEMP",
    "V_PENALTY",
    "V_EXCESS",
    "ALL_TARGETS",
    "ANNEAL",
    "THRESHOLD",
    "N_OPERATORS",
    "new_state",
    "run_segment",
    "pool_columns",
]

EPS = 1e-9
SEGMENT = 100  # iterations per chunk, and per adaptation of the operator weights
ALL_TARGETS = 60  # up to this many batches, a repaired order may join any of them
N_DESTROY, N_REPAIR = 4, 2
N_OPERATORS = N_DESTROY + N_REPAIR
RANDOM, RELATED, BATCHES, WORST = 0, 1, 2, 3
GREEDY, REGRET = 0, 1
# How a worse batching is accepted: simulated annealing (with probability
# exp(-worsening / temperature)) or threshold accepting (Dueck & Scheuer 1990: any
# worsening up to the temperature, in metres).
ANNEAL, THRESHOLD = 0, 1
MAX_LOAD = 0.7  # the memo table stops taking entries when this full
# The memo's bound: its table (40 bytes an entry) and its member store (8 bytes a member)
# each stop doubling at half of this. Once full, batches are scored but not kept: the
# search goes on, re-scoring what it meets again, and its pool holds what was kept.
# Without it the memo grew with every distinct batch: 2.9 GB on a 500-order wave.
MEMO_BYTES = 256 << 20
NOISE_SHARE, NOISE = 0.3, 0.1  # iterations whose insertion costs are perturbed, and by how much
# Counters of the run (``state.count``).
# (C_LOOKUPS counts the full look-ups of _cost; the repairs first try _known.)
C_ACTIVE, C_ENTRIES, C_STORED, C_EVALS, C_LOOKUPS, C_ITER, C_LOG, C_FEASIBLE = range(8)
# Scalars of the run (``state.value``): the tours' total, the best feasible total, the
# temperatures, the overload (carts' excess, in carts), its penalty (0: hard carts) and
# the most a repair may overfill one cart by (in carts).
V_TOTAL, V_BEST, V_TEMP, V_START_TEMP, V_OVER, V_PENALTY, V_EXCESS = range(7)
FEASIBLE_SHARE = 0.5  # the penalty rises when fewer repaired batchings fit the carts
PENALTY_UP, PENALTY_DOWN = 1.3, 0.85


# ---- random numbers: numba's generator, seeded per segment by run_segment ----------
@jit
def _uniform() -> float:
    return np.random.random()  # noqa: NPY002 (Generator objects do not cache in numba)


@jit
def _below(n: int) -> int:
    """A random integer in ``0 .. n - 1``."""
    return np.random.randint(n)  # noqa: NPY002


# ---- the batching: linked lists of members, loads, hashes -------------------------
@jit_borrowing
def _activate(b: int, perm: np.ndarray, ppos: np.ndarray, count: np.ndarray) -> None:
    """Batch ``b`` joins the open batches ``perm[:count[C_ACTIVE]]``."""
    k = count[C_ACTIVE]
    other = perm[k]
    perm[k], perm[ppos[b]] = b, other
    ppos[other], ppos[b] = ppos[b], k
    count[C_ACTIVE] = k + 1


@jit_borrowing
def _deactivate(b: int, perm: np.ndarray, ppos: np.ndarray, count: np.ndarray) -> None:
    """Batch ``b`` (now empty) leaves the open batches."""
    k = count[C_ACTIVE] - 1
    other = perm[k]
    perm[k], perm[ppos[b]] = b, other
    ppos[other], ppos[b] = ppos[b], k
    count[C_ACTIVE] = k


@jit_borrowing
def _link(o: int, b: int, loads: np.ndarray, zob: np.ndarray, sol: tuple,
          count: np.ndarray) -> None:  # fmt: skip
    """Order ``o`` into batch ``b``: list, load and hash (given the two arrays of the
    wave it reads, not the wave: see :func:`_may_join`)."""
    batch_of, prv, nxt, head, size, load, cost, hsh, ent, perm, ppos = sol
    prv[o] = -1
    nxt[o] = head[b]
    if head[b] >= 0:
        prv[head[b]] = o
    head[b] = o
    size[b] += 1
    batch_of[o] = b
    for d in range(load.shape[1]):  # loops, not row operations: no temporaries
        load[b, d] += loads[o, d]
    hsh[b] ^= zob[o]
    if size[b] == 1:
        _activate(b, perm, ppos, count)


@jit_borrowing
def _unlink(o: int, loads: np.ndarray, zob: np.ndarray, sol: tuple, count: np.ndarray) -> None:
    """Order ``o`` out of its batch: list, load and hash (its cost is stale after)."""
    batch_of, prv, nxt, head, size, load, cost, hsh, ent, perm, ppos = sol
    b = batch_of[o]
    if prv[o] >= 0:
        nxt[prv[o]] = nxt[o]
    else:
        head[b] = nxt[o]
    if nxt[o] >= 0:
        prv[nxt[o]] = prv[o]
    size[b] -= 1
    batch_of[o] = -1
    for d in range(load.shape[1]):
        load[b, d] -= loads[o, d]
    hsh[b] ^= zob[o]
    if size[b] == 0:
        _deactivate(b, perm, ppos, count)
        load[b, :] = 0.0
        hsh[b] = 0


@jit_borrowing
def _over(b: int, o: int, loads: np.ndarray, cap: np.ndarray, load: np.ndarray) -> float:
    """Excess of batch ``b`` plus order ``o`` (-1: none) over the cart, in carts."""
    out = 0.0
    for d in range(cap.size):
        x = load[b, d] + (loads[o, d] if o >= 0 else 0.0) - cap[d]
        if x > 0:
            out += x / cap[d]
    return out


@jit_borrowing
def _all_fit(wave: tuple, sol: tuple, count: np.ndarray) -> bool:
    """True if every open batch fits the cart (exactly, not by the summed excess)."""
    perm = sol[9]
    for t in range(count[C_ACTIVE]):  # noqa: SIM110 (a loop numba compiles)
        if _over(perm[t], -1, wave[2], wave[3], sol[5]) > 0:
            return False
    return True


@jit_borrowing
def _may_join(b: int, o: int, limit: float, loads: np.ndarray, cap: np.ndarray,
              load: np.ndarray) -> bool:  # fmt: skip
    """True if order ``o`` overfills batch ``b`` by at most ``limit`` carts (0: fits).

    Takes the arrays, not the ``wave`` and ``sol`` tuples: called for every open
    batch of every removed order, a call that copies two tuples of arrays costs
    more than the test."""
    return _over(b, o, loads, cap, load) <= limit


# ---- the memo: batch objectives by member hash -------------------------------------
@jit_borrowing
def _matches(e: int, b: int, add: int, skip: int, want: int, batch_of: np.ndarray,
             memo: tuple) -> bool:  # fmt: skip
    """True if entry ``e`` holds exactly batch ``b`` plus ``add`` minus ``skip``."""
    moff, mcnt, store = memo[2], memo[3], memo[5]
    if mcnt[e] != want:
        return False
    for t in range(moff[e], moff[e] + mcnt[e]):
        j = store[t]
        if j != add and (j == skip or batch_of[j] != b):
            return False
    return True


@jit_borrowing
def _cost(b: int, add: int, skip: int, wave: tuple, sol: tuple, memo: tuple,
          scratch: tuple, count: np.ndarray) -> tuple[float, int]:  # fmt: skip
    """Objective of batch ``b`` plus order ``add`` minus order ``skip`` (-1: none),
    and its memo entry (-1 if the table is full or the batch empty)."""
    ptr, idx, zob = wave[0], wave[1], wave[5]
    tab, fi, ff, penalty = wave[7], wave[8], wave[9], wave[10]
    batch_of, nxt, head, size, hsh = sol[0], sol[2], sol[3], sol[4], sol[7]
    mkey, mval, moff, mcnt, mscore, store = memo
    tmp, mark, buf = scratch[0], scratch[1], scratch[2]
    want = size[b] + (1 if add >= 0 else 0) - (1 if skip >= 0 else 0)
    if want == 0:
        return 0.0, -1
    h = hsh[b]
    if add >= 0:
        h ^= zob[add]
    if skip >= 0:
        h ^= zob[skip]
    mask = mkey.size - 1
    e = np.int64(h & np.uint64(mask))
    count[C_LOOKUPS] += 1
    while mkey[e] != 0:  # 0 marks a free slot (a batch hashing to 0 is not kept)
        if mkey[e] == h and _matches(int(e), b, add, skip, want, batch_of, memo):
            return mval[e], int(e)
        e = (e + 1) & mask
    k = gather(head, nxt, b, skip, add, tmp)
    if wave[11].size > 0:  # the orders' flat index sets of the exact DP: no sort
        c = union_length(tmp, k, wave[11], wave[12], scratch[15], buf, tab, fi, ff) + penalty
    else:
        c = objective(tmp, k, ptr, idx, mark, buf, tab, fi, ff, penalty)
    count[C_EVALS] += 1
    stored = count[C_STORED]
    if h == 0 or count[C_ENTRIES] >= MAX_LOAD * mkey.size or stored + k > store.size:
        return c, -1  # scored, not kept: the table grows between iterations
    mkey[e], mval[e], moff[e], mcnt[e], mscore[e] = h, c, stored, k, np.inf
    for t in range(k):  # a loop: an array assignment may copy (allocate) first
        store[stored + t] = tmp[t]
    count[C_STORED] = stored + k
    count[C_ENTRIES] += 1
    return c, int(e)


@jit_borrowing
def _known(b: int, add: int, skip: int, batch_of: np.ndarray, size: np.ndarray,
           hsh: np.ndarray, zob: np.ndarray, mkey: np.ndarray, mval: np.ndarray,
           moff: np.ndarray, mcnt: np.ndarray,
           store: np.ndarray) -> tuple[float, int]:  # fmt: skip
    """Objective and memo entry of batch ``b`` plus order ``add`` minus order ``skip``
    (-1: none) if the memo holds it, else ``(0, -1)``: the look-up of the repairs
    (~50 a round), the removals and the ``worst`` destroy, tried before the full
    :func:`_cost`."""
    want = size[b] + (1 if add >= 0 else 0) - (1 if skip >= 0 else 0)
    if want == 0:
        return 0.0, -1
    h = hsh[b]
    if add >= 0:
        h ^= zob[add]
    if skip >= 0:
        h ^= zob[skip]
    mask = mkey.size - 1
    e = np.int64(h & np.uint64(mask))
    while mkey[e] != 0:
        if mkey[e] == h and mcnt[e] == want:
            hit = True
            for t in range(moff[e], moff[e] + want):
                j = store[t]
                if j != add and (j == skip or batch_of[j] != b):
                    hit = False
                    break
            if hit:
                return mval[e], int(e)
        e = (e + 1) & mask
    return 0.0, -1


@jit_borrowing
def _known_pairs(bs: np.ndarray, sb: int, adds: np.ndarray, sa: int, m: int, batch_of: np.ndarray,
                 size: np.ndarray, hsh: np.ndarray, zob: np.ndarray, mkey: np.ndarray,
                 mval: np.ndarray, moff: np.ndarray, mcnt: np.ndarray, store: np.ndarray,
                 out_c: np.ndarray, out_e: np.ndarray) -> None:  # fmt: skip
    """:func:`_known` of batch ``bs[j * sb]`` plus order ``adds[j * sa]`` for each
    ``j < m``, into ``out_c[j]``, ``out_e[j]`` (``(0, -1)`` if the memo does not hold
    it); a stride ``sb`` or ``sa`` of 0 repeats one batch or order: one call for all
    the batches a repair weighs for an order (or all the orders it weighs for a batch)."""
    for j in range(m):
        out_c[j], out_e[j] = _known(bs[j * sb], adds[j * sa], -1, batch_of, size, hsh, zob,
                                    mkey, mval, moff, mcnt, store)  # fmt: skip


@jit_borrowing
def _table_doubles(entries: int, count: np.ndarray) -> bool:
    """True if the memo's table (40 bytes an entry) is half full and may still double."""
    return 2 * count[C_ENTRIES] > entries and 2 * entries * 40 <= MEMO_BYTES // 2


@jit_borrowing
def _store_doubles(slots: int, count: np.ndarray) -> bool:
    """True if the memo's member store (8 bytes a slot) is half used and may still double."""
    return 2 * count[C_STORED] > slots and 2 * slots * 8 <= MEMO_BYTES // 2


@jit_borrowing
def _must_grow(entries: int, slots: int, count: np.ndarray) -> bool:
    """True if the memo's table or store is half full and may still double."""
    return _table_doubles(entries, count) or _store_doubles(slots, count)


@jit
def _grow(memo: tuple, ent: np.ndarray, count: np.ndarray) -> tuple:
    """The memo in a table twice as large once it is half full (and its member store
    once half used), each up to half of ``MEMO_BYTES``; ``ent`` follows the entries
    to their new slots."""
    mkey, mval, moff, mcnt, mscore, store = memo
    if _store_doubles(store.size, count):
        bigger = np.zeros(2 * store.size, dtype=store.dtype)
        bigger[: store.size] = store
        store = bigger
    if not _table_doubles(mkey.size, count):
        return mkey, mval, moff, mcnt, mscore, store
    size = 2 * mkey.size
    mask = size - 1
    key, val, off, cnt, score = (np.zeros(size, dtype=np.uint64), np.zeros(size),
                                 np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64),
                                 np.full(size, np.inf))  # fmt: skip
    moved = -np.ones(mkey.size, dtype=np.int64)
    for e in range(mkey.size):
        if mkey[e] == 0:
            continue
        f = np.int64(mkey[e] & np.uint64(mask))
        while key[f] != 0:
            f = (f + 1) & mask
        key[f], val[f], off[f], cnt[f], score[f] = mkey[e], mval[e], moff[e], mcnt[e], mscore[e]
        moved[e] = f
    for b in range(ent.size):
        if ent[b] >= 0:
            ent[b] = moved[ent[b]]
    return key, val, off, cnt, score, store


# ---- the undo log ------------------------------------------------------------------
@jit_borrowing
def _touch(b: int, sol: tuple, log: tuple, count: np.ndarray) -> None:
    """Save batch ``b`` as it was before this iteration, once per iteration."""
    nxt, head, load, cost, hsh, ent = sol[2], sol[3], sol[5], sol[6], sol[7], sol[8]
    stamp, lb, loff, lmem, lload, lcost, lhsh, lent = log
    if stamp[b] == count[C_ITER]:
        return
    stamp[b] = count[C_ITER]
    t = count[C_LOG]
    lb[t], lcost[t], lhsh[t], lent[t] = b, cost[b], hsh[b], ent[b]
    for d in range(load.shape[1]):
        lload[t, d] = load[b, d]
    k = loff[t]
    o = head[b]
    while o >= 0:
        lmem[k] = o
        k += 1
        o = nxt[o]
    loff[t + 1] = k
    count[C_LOG] = t + 1


@jit_borrowing
def _undo(sol: tuple, log: tuple, count: np.ndarray) -> None:
    """Restore every batch touched since the last commit."""
    batch_of, prv, nxt, head, size, load, cost, hsh, ent, perm, ppos = sol
    stamp, lb, loff, lmem, lload, lcost, lhsh, lent = log
    n_log = count[C_LOG]
    for t in range(n_log):  # empty them: every order they hold now was in one of them
        b = lb[t]
        o = head[b]
        while o >= 0:
            batch_of[o] = -1
            o = nxt[o]
        head[b] = -1
        if size[b] > 0:
            _deactivate(b, perm, ppos, count)
        size[b] = 0
    for t in range(n_log):
        b = lb[t]
        for k in range(loff[t + 1] - 1, loff[t] - 1, -1):  # reversed: the same list order
            o = lmem[k]
            prv[o] = -1
            nxt[o] = head[b]
            if head[b] >= 0:
                prv[head[b]] = o
            head[b] = o
            batch_of[o] = b
        size[b] = loff[t + 1] - loff[t]
        if size[b] > 0:
            _activate(b, perm, ppos, count)
        for d in range(load.shape[1]):
            load[b, d] = lload[t, d]
        cost[b], hsh[b], ent[b] = lcost[t], lhsh[t], lent[t]
    count[C_LOG] = 0


@jit_borrowing
def _commit(wave: tuple, sol: tuple, log: tuple, count: np.ndarray) -> None:
    """Keep the changes; touched batches get their load summed afresh (no drift)."""
    loads = wave[2]
    nxt, head, load = sol[2], sol[3], sol[5]
    lb = log[1]
    for t in range(count[C_LOG]):
        b = lb[t]
        load[b, :] = 0.0
        o = head[b]
        while o >= 0:
            for d in range(load.shape[1]):
                load[b, d] += loads[o, d]
            o = nxt[o]
    count[C_LOG] = 0


# ---- destroy -----------------------------------------------------------------------
@jit_borrowing
def _take(o: int, out: np.ndarray, k: int, seen: np.ndarray, tag: int) -> int:
    """Append order ``o`` to ``out[:k]`` unless already there."""
    if seen[o] == tag:
        return k
    seen[o] = tag
    out[k] = o
    return k + 1


@jit_borrowing
def _destroy(op: int, q: int, wave: tuple, sol: tuple, memo: tuple, scratch: tuple,
             count: np.ndarray) -> int:  # fmt: skip
    """Choose up to ``q`` orders to remove into ``scratch`` removed list; their count."""
    near, zob = wave[4], wave[5]
    batch_of, nxt, head, size, cost, hsh = sol[0], sol[2], sol[3], sol[4], sol[6], sol[7]
    mkey, mval, moff, mcnt, store = memo[0], memo[1], memo[2], memo[3], memo[5]
    removed, seen, saving = scratch[3], scratch[4], scratch[6]
    n = batch_of.size
    seen[-1] += 1
    tag = seen[-1]
    k = 0
    if op == RANDOM:
        while k < q:
            k = _take(_below(n), removed, k, seen, tag)
    elif op == RELATED:
        k = _take(_below(n), removed, k, seen, tag)
        while k < q:
            r = removed[_below(k)]  # grow from any order removed so far
            j = near[r, int(near.shape[1] * _uniform() ** 3)]
            if seen[j] == tag:
                j = _below(n)
            k = _take(j, removed, k, seen, tag)
    elif op == BATCHES:  # whole batches, at most as many orders as regret has rows for
        limit = scratch[8].shape[0]
        o = _below(n)
        for t in range(-1, near.shape[1]):
            b = batch_of[o if t < 0 else near[o, t]]
            m = head[b]
            if seen[m] == tag:
                continue
            while m >= 0 and k < limit:
                k = _take(m, removed, k, seen, tag)
                m = nxt[m]
            if k >= q:
                break
    else:  # WORST: of a sample of 4q orders, the q whose removal saves most
        sample = min(4 * q, n)
        m = 0
        while m < sample:
            m = _take(_below(n), removed, m, seen, tag)
        for t in range(m):
            o = removed[t]
            b = batch_of[o]
            c, e = _known(b, -1, o, batch_of, size, hsh, zob, mkey, mval, moff, mcnt, store)
            if e < 0:
                c = _cost(b, -1, o, wave, sol, memo, scratch, count)[0]
            saving[t] = cost[b] - c
        for t in range(1, m):  # a stable insertion sort, most saved first: no allocation
            o, s = removed[t], saving[t]
            j = t
            while j > 0 and s > saving[j - 1]:
                removed[j], saving[j] = removed[j - 1], saving[j - 1]
                j -= 1
            removed[j], saving[j] = o, s
        k = min(q, m)
    return k


@jit_borrowing
def _remove(k: int, wave: tuple, sol: tuple, memo: tuple, scratch: tuple, log: tuple,
            count: np.ndarray, value: np.ndarray) -> None:  # fmt: skip
    """Take ``removed[:k]`` out of their batches and score what is left of them."""
    loads, cap, zob = wave[2], wave[3], wave[5]
    batch_of, size, load, cost, hsh, ent = sol[0], sol[4], sol[5], sol[6], sol[7], sol[8]
    mkey, mval, moff, mcnt, store = memo[0], memo[1], memo[2], memo[3], memo[5]
    removed = scratch[3]
    lb = log[1]
    first = count[C_LOG]
    for t in range(k):
        o = removed[t]
        b = batch_of[o]
        _touch(b, sol, log, count)
        value[V_OVER] -= _over(b, -1, loads, cap, load)
        _unlink(o, loads, zob, sol, count)
        value[V_OVER] += _over(b, -1, loads, cap, load)
    for t in range(first, count[C_LOG]):
        b = lb[t]
        c, e = _known(b, -1, -1, batch_of, size, hsh, zob, mkey, mval, moff, mcnt, store)
        if e < 0:
            c, e = _cost(b, -1, -1, wave, sol, memo, scratch, count)
        value[V_TOTAL] += c - cost[b]
        cost[b], ent[b] = c, e  # an empty batch: 0 and no entry


# ---- repair ------------------------------------------------------------------------
@jit_borrowing
def _targets(o: int, limit: float, active: int, near: np.ndarray, loads: np.ndarray,
             cap: np.ndarray, batch_of: np.ndarray, load: np.ndarray, perm: np.ndarray,
             seen: np.ndarray, out: np.ndarray) -> int:  # fmt: skip
    """Open batches (``active`` of them) that order ``o`` overfills by at most ``limit``
    carts (0: fits), into ``out``: all of them while there are at most ``ALL_TARGETS``,
    else those of its nearest orders. Arrays, not the tuples (see :func:`_may_join`):
    called for every removed order."""
    k = 0
    if active <= ALL_TARGETS:
        for t in range(active):
            b = perm[t]
            if _may_join(b, o, limit, loads, cap, load):
                out[k] = b
                k += 1
        return k
    seen[-1] += 1
    tag = seen[-1]
    for j in near[o]:
        b = batch_of[j]
        if b >= 0 and seen[b] != tag and _may_join(b, o, limit, loads, cap, load):
            seen[b] = tag
            out[k] = b
            k += 1
    return k


@jit_borrowing
def _insert(o: int, b: int, c: float, e: int, loads: np.ndarray, cap: np.ndarray,
            zob: np.ndarray, sol: tuple, log: tuple, count: np.ndarray,
            value: np.ndarray) -> None:  # fmt: skip
    """Order ``o`` into batch ``b`` (-1: a new one), whose objective becomes ``c``
    (the wave's arrays it reads, not the wave: called for every removed order)."""
    load, cost, ent, perm = sol[5], sol[6], sol[8], sol[9]
    if b < 0:
        b = perm[count[C_ACTIVE]]  # the first closed batch
    _touch(b, sol, log, count)
    value[V_OVER] -= _over(b, -1, loads, cap, load)
    _link(o, b, loads, zob, sol, count)
    value[V_OVER] += _over(b, -1, loads, cap, load)
    value[V_TOTAL] += c - cost[b]
    cost[b], ent[b] = c, e


@jit_borrowing
def _added(b: int, o: int, c: float, cost: np.ndarray, penalty: float, loads: np.ndarray,
           cap: np.ndarray, load: np.ndarray) -> float:  # fmt: skip
    """What order ``o`` adds to batch ``b`` (objective ``c`` with it): walking, and
    ``penalty`` per cart of the excess it adds over the cart (arrays, not the tuples:
    see :func:`_may_join`)."""
    d = c - cost[b]
    if penalty > 0:
        d += penalty * (_over(b, o, loads, cap, load) - _over(b, -1, loads, cap, load))
    return d


@jit_borrowing
def _noisy(d: float, noise: float) -> float:
    return d * (1.0 + noise * (_uniform() - 0.5)) if noise > 0 else d


@jit_borrowing
def _greedy(k: int, noise: float, wave: tuple, sol: tuple, memo: tuple, scratch: tuple,
            log: tuple, count: np.ndarray, value: np.ndarray) -> None:  # fmt: skip
    """Each removed order, in random order, into its cheapest batch."""
    alone, loads, cap, zob = wave[6], wave[2], wave[3], wave[5]
    mkey, mval, moff, mcnt, store = memo[0], memo[1], memo[2], memo[3], memo[5]
    batch_of, size, hsh = sol[0], sol[4], sol[7]
    load, cost, perm = sol[5], sol[6], sol[9]
    penalty = value[V_PENALTY]
    limit = value[V_EXCESS] if penalty > 0 else 0.0
    near, removed, seen, cands = wave[4], scratch[3], scratch[5], scratch[7]
    kc, ke = scratch[13], scratch[14]
    for t in range(k - 1, 0, -1):  # Fisher-Yates
        j = _below(t + 1)
        removed[t], removed[j] = removed[j], removed[t]
    for t in range(k):
        o = removed[t]
        best, where, best_c, best_e = _noisy(alone[o], noise), -1, alone[o], -1
        n_targets = _targets(o, limit, count[C_ACTIVE], near, loads, cap, batch_of, load, perm,
                             seen, cands)  # fmt: skip
        _known_pairs(cands, 1, removed[t:], 0, n_targets, batch_of, size, hsh, zob, mkey,
                     mval, moff, mcnt, store, kc, ke)  # fmt: skip
        for j in range(n_targets):
            b = cands[j]
            c, e = kc[j], ke[j]
            if e < 0:  # a batch scored here is not one another target asks for
                c, e = _cost(b, o, -1, wave, sol, memo, scratch, count)
            d = _noisy(_added(b, o, c, cost, penalty, loads, cap, load), noise)
            if d < best:
                best, where, best_c, best_e = d, b, c, e
        if where < 0:
            best_e = _cost(perm[count[C_ACTIVE]], o, -1, wave, sol, memo, scratch, count)[1]
        _insert(o, where, best_c, best_e, loads, cap, zob, sol, log, count, value)


@jit_borrowing
def _regret(k: int, noise: float, wave: tuple, sol: tuple, memo: tuple, scratch: tuple,
            log: tuple, count: np.ndarray, value: np.ndarray) -> None:  # fmt: skip
    """Regret-2: repeatedly insert the order whose best and second-best batches
    differ most. Each order's options (``tb``, ``td``: batch and added cost,
    ``tc``, ``te``: objective and memo entry) change only where a batch did."""
    alone, loads, cap, zob = wave[6], wave[2], wave[3], wave[5]
    mkey, mval, moff, mcnt, store = memo[0], memo[1], memo[2], memo[3], memo[5]
    batch_of, size, hsh = sol[0], sol[4], sol[7]
    load, cost, perm = sol[5], sol[6], sol[9]
    penalty = value[V_PENALTY]
    limit = value[V_EXCESS] if penalty > 0 else 0.0
    near, seen = wave[4], scratch[5]
    removed, cands, tb, td, tc, te, tn = (scratch[3], scratch[7], scratch[8], scratch[9],
                                          scratch[10], scratch[11], scratch[12])  # fmt: skip
    kc, ke = scratch[13], scratch[14]
    for i in range(k):
        o = removed[i]
        tn[i] = _targets(o, limit, count[C_ACTIVE], near, loads, cap, batch_of, load, perm, seen,
                         cands)  # fmt: skip
        _known_pairs(cands, 1, removed[i:], 0, tn[i], batch_of, size, hsh, zob, mkey, mval,
                     moff, mcnt, store, kc, ke)  # fmt: skip
        for j in range(tn[i]):
            b = cands[j]
            c, e = kc[j], ke[j]
            if e < 0:
                c, e = _cost(b, o, -1, wave, sol, memo, scratch, count)
            d = _added(b, o, c, cost, penalty, loads, cap, load)
            tb[i, j], td[i, j], tc[i, j], te[i, j] = b, d, c, e
    left = k
    while left > 0:
        pick, pick_j, pick_regret = -1, -1, -np.inf
        for i in range(left):
            o = removed[i]
            first, second, at = alone[o], np.inf, -1
            for j in range(tn[i]):
                d = td[i, j]
                if d < first:
                    first, second, at = d, first, j
                elif d < second:
                    second = d
            second = _noisy(second, noise)
            if second - first > pick_regret:
                pick, pick_j, pick_regret = i, at, second - first
        o = removed[pick]
        if pick_j >= 0:
            b, c, e = tb[pick, pick_j], tc[pick, pick_j], te[pick, pick_j]
        else:
            b = perm[count[C_ACTIVE]]
            c, e = alone[o], _cost(b, o, -1, wave, sol, memo, scratch, count)[1]
        _insert(o, b, c, e, loads, cap, zob, sol, log, count, value)
        # The last row moves into the picked one's place.
        left -= 1
        removed[pick], removed[left] = removed[left], o
        tn[pick] = tn[left]
        for j in range(tn[left]):
            tb[pick, j], td[pick, j] = tb[left, j], td[left, j]
            tc[pick, j], te[pick, j] = tc[left, j], te[left, j]
        # Every left order into b, looked up at once (those that do not fit unused).
        _known_pairs(batch_of[o:], 0, removed, 1, left, batch_of, size, hsh, zob, mkey, mval,
                     moff, mcnt, store, kc, ke)  # fmt: skip
        for i in range(left):
            o = removed[i]
            fits = _may_join(b, o, limit, loads, cap, load)
            at = -1
            for j in range(tn[i]):
                if tb[i, j] == b:
                    at = j
                    break
            if at >= 0 and not fits:  # the last option moves into its place
                tn[i] -= 1
                last = tn[i]
                tb[i, at], td[i, at] = tb[i, last], td[i, last]
                tc[i, at], te[i, at] = tc[i, last], te[i, last]
            elif fits:
                if at < 0:
                    at = tn[i]
                    tn[i] += 1
                c, e = kc[i], ke[i]
                if e < 0:
                    c, e = _cost(b, o, -1, wave, sol, memo, scratch, count)
                d = _added(b, o, c, cost, penalty, loads, cap, load)
                tb[i, at], td[i, at], tc[i, at], te[i, at] = b, d, c, e


# ---- the loop ----------------------------------------------------------------------
@jit_borrowing
def _draw(weights: np.ndarray) -> int:
    u = _uniform() * weights.sum()
    for i in range(weights.size - 1):
        u -= weights[i]
        if u < 0:
            return i
    return weights.size - 1


@jit_borrowing
def _mark_pool(total: float, sol: tuple, memo: tuple, count: np.ndarray) -> None:
    """Each batch of a repaired batching keeps the best total it was part of."""
    ent, perm = sol[8], sol[9]
    mscore = memo[4]
    for t in range(count[C_ACTIVE]):
        e = ent[perm[t]]
        if e >= 0 and total < mscore[e]:
            mscore[e] = total


@jit
def run_segment(
    wave: tuple,
    sol: tuple,
    memo: tuple,
    scratch: tuple,
    log: tuple,
    ops: np.ndarray,
    best_of: np.ndarray,
    count: np.ndarray,
    value: np.ndarray,
    trace: np.ndarray,
    seed: int,
    iterations: int,
    max_removed: int,
    cooling: float,
    period: int,
    accept: int,
) -> tuple[int, tuple]:
    """Run ``iterations`` (at most ``SEGMENT``) destroy-and-repair rounds.

    ``ops`` holds the operators' weights, scores and uses (rows 0-2; destroy
    operators first); ``best_of`` the batch of each order in the best
    batching; ``trace`` receives ``(iteration, total)`` of each new best.
    A worse batching is accepted by ``accept`` (``ANNEAL`` or ``THRESHOLD``) at
    the temperature, which cools by ``cooling`` a round and restarts every ``period``.
    Returns the number of new bests and the memo (a larger one once it filled).
    """
    n = best_of.size
    chunk = count[C_ITER] // SEGMENT
    np.random.seed((seed * 1_000_003 + chunk) % 2**31)  # noqa: NPY002 (numba's, per thread)
    q_max = max(2, min(max_removed, n))
    found = 0
    for _ in range(iterations):
        if _must_grow(memo[0].size, memo[5].size, count):
            memo = _grow(memo, sol[8], count)
        count[C_ITER] += 1
        it = count[C_ITER]
        di = _draw(ops[0, :N_DESTROY])
        ri = N_DESTROY + _draw(ops[0, N_DESTROY:])
        q = 2 + _below(q_max - 1)
        penalty = value[V_PENALTY]
        before_tours, before_over = value[V_TOTAL], value[V_OVER]
        before = before_tours + penalty * before_over
        k = _destroy(di, q, wave, sol, memo, scratch, count)
        _remove(k, wave, sol, memo, scratch, log, count, value)
        noise = NOISE if _uniform() < NOISE_SHARE else 0.0
        if ri - N_DESTROY == GREEDY:
            _greedy(k, noise, wave, sol, memo, scratch, log, count, value)
        else:
            _regret(k, noise, wave, sol, memo, scratch, log, count, value)
        tours = value[V_TOTAL]
        feasible = penalty == 0 or _all_fit(wave, sol, count)
        if feasible:  # only batchings that fit the carts feed the pool
            _mark_pool(tours, sol, memo, count)
            count[C_FEASIBLE] += 1
        # Annealing compares penalised totals: overfull batches cost their excess.
        after = tours + penalty * value[V_OVER]
        new_best = feasible and tours < value[V_BEST] - EPS
        score = 0.0
        if new_best:
            score = 33.0
        elif after < before - EPS:
            score = 9.0
        temp = value[V_TEMP]
        if after < before - EPS:
            take = True
        elif accept == THRESHOLD:
            take = after - before <= temp
        else:
            take = _uniform() < np.exp(-(after - before) / temp)
        if take:
            if after > before + EPS:
                score = 13.0
            _commit(wave, sol, log, count)
            if new_best:
                value[V_BEST] = tours
                best_of[:] = sol[0]
                trace[found, 0], trace[found, 1] = it, tours
                found += 1
        else:
            _undo(sol, log, count)
            value[V_TOTAL] = before_tours
            value[V_OVER] = before_over
        for i in (di, ri):
            ops[1, i] += score
            ops[2, i] += 1
        if it % SEGMENT == 0:  # adapt the weights and the penalty (Vidal et al. 2012)
            for i in range(N_OPERATORS):
                if ops[2, i] > 0:
                    ops[0, i] = max(0.05, 0.8 * ops[0, i] + 0.2 * ops[1, i] / ops[2, i])
                ops[1, i] = ops[2, i] = 0.0
            if penalty > 0:
                up = count[C_FEASIBLE] < FEASIBLE_SHARE * SEGMENT
                value[V_PENALTY] = penalty * (PENALTY_UP if up else PENALTY_DOWN)
            count[C_FEASIBLE] = 0
        value[V_TEMP] = value[V_START_TEMP] if it % period == 0 else temp * cooling
    return found, memo


@jit
def new_state(wave: tuple, sol: tuple, memo: tuple, scratch: tuple, start: np.ndarray,
              count: np.ndarray, value: np.ndarray) -> None:  # fmt: skip
    """Fill the batching arrays from ``start`` (batch of each order) and score it."""
    alone = wave[6]
    cost, ent, perm, ppos = sol[6], sol[8], sol[9], sol[10]
    n = start.size
    for b in range(n):
        perm[b], ppos[b] = b, b
    for o in range(n):  # every order alone first: the singletons' memo entries
        alone[o] = _cost(o, o, -1, wave, sol, memo, scratch, count)[0]
    for o in range(n - 1, -1, -1):  # linked lists in input order
        _link(o, start[o], wave[2], wave[5], sol, count)
    total = 0.0
    for b in range(n):
        if sol[4][b] > 0:
            cost[b], ent[b] = _cost(b, -1, -1, wave, sol, memo, scratch, count)
            total += cost[b]
    value[V_TOTAL] = value[V_BEST] = total


@jit
def pool_columns(memo: tuple, limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pool: up to ``limit`` batches that were part of a repaired batching,
    those of the best batchings first, as ``(pointers, members, objectives)``."""
    mkey, mval, moff, mcnt, mscore, store = memo
    kept = np.flatnonzero((mkey != 0) & (mscore < np.inf))
    order = np.argsort(mscore[kept], kind="mergesort")[:limit]
    chosen = kept[order]
    ptr = np.zeros(chosen.size + 1, dtype=np.int64)
    for t in range(chosen.size):
        ptr[t + 1] = ptr[t] + mcnt[chosen[t]]
    members = np.empty(ptr[-1], dtype=np.int64)
    for t in range(chosen.size):
        e = chosen[t]
        members[ptr[t] : ptr[t + 1]] = np.sort(store[moff[e] : moff[e] + mcnt[e]])
    return ptr, members, mval[chosen].copy()

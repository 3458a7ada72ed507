"""Compiled loops that score batches with the exact routing DP's kernel.

Orders are held as CSR arrays (``ptr``, ``idx``: the distinct pick nodes of
order ``o`` are ``idx[ptr[o]:ptr[o + 1]]``), so a batch is scored without
building Python sets or tuples: its distinct nodes are collected with a
stamp per node and measured (on the exact DP's layouts without sorting the
nodes: :func:`~optimizer.routing.scoring.unsorted_tour_length`). The values
equal :meth:`~optimizer.batching.problem.BatchingProblem.batch_cost` to the
last bit: the same kernel on the same node set.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from optimizer._jit import jit
from optimizer.routing.scoring import unsorted_tour_length

__all__ = [
    "objective",
    "group_objectives",
    "savings_merge",
    "descend",
    "order_csr",
    "gather",
    "groups_csr",
]

EPS = 1e-9


@jit
def objective(
    orders: np.ndarray,
    count: int,
    ptr: np.ndarray,
    idx: np.ndarray,
    mark: np.ndarray,
    buf: np.ndarray,
    tab: np.ndarray,
    fi: np.ndarray,
    ff: np.ndarray,
    penalty: float,
) -> float:
    """Objective of the batch ``orders[:count]``: tour length plus ``penalty``, 0 if empty.

    ``mark`` has one entry per node plus the stamp counter last; ``buf``
    one entry per node.
    """
    if count == 0:
        return 0.0
    mark[-1] += 1
    tag = mark[-1]
    k = 0
    for j in range(count):
        o = orders[j]
        for t in range(ptr[o], ptr[o + 1]):
            v = idx[t]
            if mark[v] != tag:
                mark[v] = tag
                buf[k] = v
                k += 1
    return unsorted_tour_length(buf, k, tab, fi, ff) + penalty


@jit
def group_objectives(
    gptr: np.ndarray,
    gval: np.ndarray,
    ptr: np.ndarray,
    idx: np.ndarray,
    tab: np.ndarray,
    fi: np.ndarray,
    ff: np.ndarray,
    penalty: float,
    n_nodes: int,
) -> np.ndarray:
    """Objective of each group ``gval[gptr[g]:gptr[g + 1]]`` of orders."""
    out = np.empty(gptr.size - 1)
    mark = np.zeros(n_nodes + 1, dtype=np.int64)
    buf = np.empty(n_nodes, dtype=np.int64)
    for g in range(gptr.size - 1):
        members = gval[gptr[g] : gptr[g + 1]]
        out[g] = objective(members, members.size, ptr, idx, mark, buf, tab, fi, ff, penalty)
    return out


@jit
def gather(
    head: np.ndarray, nxt: np.ndarray, b: int, skip: int, extra: int, out: np.ndarray
) -> int:
    """Members of batch ``b`` without ``skip`` and with ``extra`` (-1: none) into ``out``."""
    k = 0
    o = head[b]
    while o >= 0:
        if o != skip:
            out[k] = o
            k += 1
        o = nxt[o]
    if extra >= 0:
        out[k] = extra
        k += 1
    return k


@jit
def _fits(load: np.ndarray, a: int, add: np.ndarray, cap: np.ndarray) -> bool:
    for d in range(cap.size):  # noqa: SIM110 (a loop numba compiles)
        if load[a, d] + add[d] > cap[d]:
            return False
    return True


@jit
def _link(head: np.ndarray, nxt: np.ndarray, size: np.ndarray, o: int, b: int) -> None:
    nxt[o] = head[b]
    head[b] = o
    size[b] += 1


@jit
def _relink(head: np.ndarray, nxt: np.ndarray, size: np.ndarray, o: int, a: int, b: int) -> None:
    """Order ``o`` out of batch ``a`` (-1: in none) and into batch ``b``."""
    if a >= 0:
        prev = -1
        m = head[a]
        while m != o:
            prev = m
            m = nxt[m]
        if prev < 0:
            head[a] = nxt[o]
        else:
            nxt[prev] = nxt[o]
        nxt[o] = -1
        size[a] -= 1
    _link(head, nxt, size, o, b)


@jit
def _concat(head: np.ndarray, nxt: np.ndarray, size: np.ndarray, a: int, b: int, new: int) -> None:
    """Batch ``new`` gets the orders of ``a`` then ``b``; ``a`` and ``b`` end empty."""
    last = -1
    o = head[a]
    while o >= 0:
        last = o
        o = nxt[o]
    if last >= 0:
        nxt[last] = head[b]
        head[new] = head[a]
    else:
        head[new] = head[b]
    size[new] = size[a] + size[b]
    head[a] = head[b] = -1
    size[a] = size[b] = 0


@jit
def _offer(
    heap: list[tuple[float, int, int]],
    a: int,
    b: int,
    head: np.ndarray,
    nxt: np.ndarray,
    load: np.ndarray,
    cost: np.ndarray,
    cap: np.ndarray,
    tmp: np.ndarray,
    ptr: np.ndarray,
    idx: np.ndarray,
    mark: np.ndarray,
    buf: np.ndarray,
    tab: np.ndarray,
    fi: np.ndarray,
    ff: np.ndarray,
    penalty: float,
) -> int:
    """Push the saving of merging batches ``a`` and ``b`` if they fit one cart and
    it saves; returns the tours evaluated (0 or 1)."""
    if not _fits(load, a, load[b], cap):
        return 0
    k = gather(head, nxt, a, -1, -1, tmp)
    o = head[b]
    while o >= 0:
        tmp[k] = o
        k += 1
        o = nxt[o]
    saving = cost[a] + cost[b] - objective(tmp, k, ptr, idx, mark, buf, tab, fi, ff, penalty)
    if saving > EPS:
        heapq.heappush(heap, (-saving, min(a, b), max(a, b)))
    return 1


@jit
def _grow(values: np.ndarray, used: int) -> np.ndarray:
    """``values`` with room for one more entry after ``used``."""
    if used < values.size:
        return values
    out = np.empty(2 * values.size, dtype=values.dtype)
    out[:used] = values[:used]
    return out


@jit
def _contains(sorted_values: np.ndarray, v: int) -> bool:
    i = np.searchsorted(sorted_values, v)
    return bool(i < sorted_values.size and sorted_values[i] == v)


@jit
def _nearest(cands: list[int], sums: np.ndarray, g: int, count: int) -> list[int]:
    """The ``count`` groups of ``cands`` whose centroids are nearest group ``g``'s."""
    x, y = sums[g, 0] / sums[g, 2], sums[g, 1] / sums[g, 2]
    dist = np.empty(len(cands))
    for j, c in enumerate(cands):
        dist[j] = abs(sums[c, 0] / sums[c, 2] - x) + abs(sums[c, 1] / sums[c, 2] - y)
    order = np.argsort(dist, kind="mergesort")
    return [cands[order[j]] for j in range(count)]


@jit
def savings_merge(
    ptr: np.ndarray,
    idx: np.ndarray,
    loads: np.ndarray,
    cap: np.ndarray,
    near: np.ndarray,
    rptr: np.ndarray,
    rval: np.ndarray,
    start: np.ndarray,
    centroids: np.ndarray,
    weights: np.ndarray,
    offers: int,
    penalty: float,
    tab: np.ndarray,
    fi: np.ndarray,
    ff: np.ndarray,
    n_nodes: int,
) -> tuple[np.ndarray, int, int]:
    """Clarke-Wright savings over the groups ``start`` (batch of each order).

    Each group's candidates are the groups of its orders' ``near`` lists;
    after a merge, also the groups whose orders name the merged orders
    (``rptr``/``rval``, the lists reversed), so a batch whose partner merged
    away is offered the merged batch; of those, the ``offers`` whose
    centroids (of ``centroids`` weighted by ``weights``) are nearest. A
    merged group gets a new id; heap entries naming a merged-away id are
    skipped. Returns the batch of each order (ids ``0..count-1``), the
    number of merges made and the tours evaluated.
    """
    n = ptr.size - 1
    n_start = start.max() + 1
    cap_ids = 2 * n_start
    head = -np.ones(cap_ids, dtype=np.int64)
    nxt = -np.ones(n, dtype=np.int64)
    size = np.zeros(cap_ids, dtype=np.int64)
    load = np.zeros((cap_ids, cap.size))
    cost = np.zeros(cap_ids)
    batch_of = start.copy()
    sums = np.zeros((cap_ids, 3))  # weighted centroid sums and weight of each group
    for o in range(n - 1, -1, -1):  # linked lists keep the input order
        _link(head, nxt, size, o, start[o])
        load[start[o]] += loads[o]
        sums[start[o], 0] += weights[o] * centroids[o, 0]
        sums[start[o], 1] += weights[o] * centroids[o, 1]
        sums[start[o], 2] += weights[o]
    mark = np.zeros(n_nodes + 1, dtype=np.int64)
    buf = np.empty(n_nodes, dtype=np.int64)
    tmp = np.empty(n, dtype=np.int64)
    for b in range(n_start):
        k = gather(head, nxt, b, -1, -1, tmp)
        cost[b] = objective(tmp, k, ptr, idx, mark, buf, tab, fi, ff, penalty)
    heap = [(0.0, 0, 0)]
    heap.pop()
    seen = -np.ones(cap_ids, dtype=np.int64)

    evals = 0
    # Each group's candidate groups, then each unordered pair offered once.
    cptr = np.zeros(n_start + 1, dtype=np.int64)
    cval = np.empty(n_start * near.shape[1] + 1, dtype=np.int64)
    for a in range(n_start):
        o = head[a]
        k = cptr[a]
        while o >= 0:
            for j in near[o]:
                b = batch_of[j]
                if b != a and seen[b] != a:
                    seen[b] = a
                    cval = _grow(cval, k)
                    cval[k] = b
                    k += 1
            o = nxt[o]
        cval[cptr[a] : k] = np.sort(cval[cptr[a] : k])
        cptr[a + 1] = k
    for a in range(n_start):
        for t in range(cptr[a], cptr[a + 1]):
            b = cval[t]
            if b > a or not _contains(cval[cptr[b] : cptr[b + 1]], a):
                evals += _offer(heap, a, b, head, nxt, load, cost, cap, tmp, ptr, idx, mark, buf,
                       tab, fi, ff, penalty)  # fmt: skip
    new = n_start
    merges = 0
    while heap:
        _, a, b = heapq.heappop(heap)
        if size[a] == 0 or size[b] == 0 or new >= cap_ids:
            continue  # one side was merged away since this saving was computed
        _concat(head, nxt, size, a, b, new)
        load[new] = load[a] + load[b]
        sums[new] = sums[a] + sums[b]
        k = gather(head, nxt, new, -1, -1, tmp)
        cost[new] = objective(tmp, k, ptr, idx, mark, buf, tab, fi, ff, penalty)
        merges += 1
        cands = []
        for j in range(k):
            batch_of[tmp[j]] = new
        for j in range(k):  # batches the merged orders name, and those naming them
            for q in near[tmp[j]]:
                c = batch_of[q]
                if c != new and seen[c] != new:
                    seen[c] = new
                    cands.append(c)
            for t in range(rptr[tmp[j]], rptr[tmp[j] + 1]):
                c = batch_of[rval[t]]
                if c != new and seen[c] != new:
                    seen[c] = new
                    cands.append(c)
        cands = _nearest(cands, sums, new, min(offers, len(cands)))
        for c in sorted(cands):
            evals += _offer(heap, new, c, head, nxt, load, cost, cap, tmp, ptr, idx, mark, buf,
                   tab, fi, ff, penalty)  # fmt: skip
        new += 1
    # Renumber the surviving batches by their first order.
    out = -np.ones(n, dtype=np.int64)
    count = 0
    for o in range(n):
        if out[o] < 0:
            b = batch_of[o]
            m = head[b]
            while m >= 0:
                out[m] = count
                m = nxt[m]
            count += 1
    return out, merges, evals


@jit
def _unchanged(batches: np.ndarray, versions: np.ndarray, b: int, version: int) -> bool:
    """True if batch ``b`` at ``version`` is among ``batches`` at ``versions``."""
    for j in range(batches.size):  # noqa: SIM110 (a loop numba compiles)
        if batches[j] == b and versions[j] == version:
            return True
    return False


@jit
def descend(
    ptr: np.ndarray,
    idx: np.ndarray,
    loads: np.ndarray,
    cap: np.ndarray,
    near: np.ndarray,
    batch_of: np.ndarray,
    penalty: float,
    tab: np.ndarray,
    fi: np.ndarray,
    ff: np.ndarray,
    n_nodes: int,
    budget: int,
    targets: int,
    remember: bool,
) -> tuple[np.ndarray, int, int]:
    """Best-improvement moves and swaps of orders between nearby batches.

    With ``remember``, an order's moves and swaps into a batch are not
    evaluated again while its own batch and that batch are unchanged since a
    scan of it found nothing (the same changes, fewer evaluations; False
    evaluates them, for comparison).

    Returns the batch of each order (renumbered by first order), the
    evaluations spent and the changes made.
    """
    n = ptr.size - 1
    nb = batch_of.max() + 1
    head = -np.ones(nb, dtype=np.int64)
    nxt = -np.ones(n, dtype=np.int64)
    size = np.zeros(nb, dtype=np.int64)
    load = np.zeros((nb, cap.size))
    cost = np.zeros(nb)
    bo = batch_of.copy()
    for o in range(n - 1, -1, -1):
        _relink(head, nxt, size, o, -1, bo[o])
        load[bo[o]] += loads[o]
    mark = np.zeros(n_nodes + 1, dtype=np.int64)
    buf = np.empty(n_nodes, dtype=np.int64)
    tmp = np.empty(n, dtype=np.int64)
    for b in range(nb):
        k = gather(head, nxt, b, -1, -1, tmp)
        cost[b] = objective(tmp, k, ptr, idx, mark, buf, tab, fi, ff, penalty)
    # What removing an order from its batch saves, kept per batch version: a
    # tour through fewer nodes is never longer, so a move of ``o`` saves at most
    # ``gain[o]`` and a swap of ``o`` and ``r`` at most ``gain[o] + gain[r]``;
    # changes that cannot beat the best found are not evaluated.
    ver = np.zeros(nb, dtype=np.int64)
    gain = np.zeros(n)
    gain_ver = -np.ones(n, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)  # a ring: each order at most once in it
    queued = np.ones(n, dtype=np.bool_)
    for o in range(n):
        queue[o] = o
    qhead, qlen = 0, n
    evals = changes = 0
    seen = -np.ones(nb, dtype=np.int64)
    swap_load = np.empty(cap.size)
    # What the last scan of each order that changed nothing saw: its batch and
    # that batch's version, and each target batch with its version. Moves and
    # swaps of the order into a target batch when both batches are unchanged
    # since cannot improve now either, so they are not evaluated again: the
    # descent takes the same changes with fewer evaluations. (Skipping a swap
    # because the other order's scan saw it from the other side is not exact:
    # it changed the batches of 10,000 orders, cause not found.)
    memo_home = -np.ones(n, dtype=np.int64)
    memo_ver = np.zeros(n, dtype=np.int64)
    memo_b = np.empty((n, targets), dtype=np.int64)
    memo_bv = np.empty((n, targets), dtype=np.int64)
    memo_count = np.zeros(n, dtype=np.int64)
    while qlen > 0 and evals < budget:
        o = queue[qhead]
        qhead = (qhead + 1) % n
        qlen -= 1
        queued[o] = False
        a = bo[o]
        known = remember and memo_home[o] == a and memo_ver[o] == ver[a]
        n_known = memo_count[o] if known else 0
        memo_home[o], memo_ver[o], memo_count[o] = a, ver[a], 0
        if gain_ver[o] != ver[a]:
            k = gather(head, nxt, a, o, -1, tmp)
            gain[o] = cost[a] - objective(tmp, k, ptr, idx, mark, buf, tab, fi, ff, penalty)
            gain_ver[o] = ver[a]
            evals += 1
        best, kind, target = -EPS, 0, -1
        tried = 0
        for q in near[o]:
            b = bo[q]
            if b == a or seen[b] == o:
                continue
            seen[b] = o
            tried += 1
            if tried > targets:
                break
            skip = _unchanged(memo_b[o, :n_known], memo_bv[o, :n_known], b, ver[b])
            memo_b[o, tried - 1], memo_bv[o, tried - 1] = b, ver[b]
            memo_count[o] = tried
            if skip:
                continue
            if gain[o] > -best and _fits(load, b, loads[o], cap):
                k = gather(head, nxt, b, -1, o, tmp)
                d = objective(tmp, k, ptr, idx, mark, buf, tab, fi, ff, penalty)
                d -= cost[b] + gain[o]
                evals += 1
                if d < best:
                    best, kind, target = d, 1, b
            r = head[b]
            while r >= 0:
                ok = True
                for d_ in range(cap.size):
                    swap_load[d_] = loads[r, d_] - loads[o, d_]
                    if load[a, d_] - loads[o, d_] + loads[r, d_] > cap[d_]:
                        ok = False
                if ok and _fits(load, b, -swap_load, cap):
                    if gain_ver[r] != ver[b]:
                        k = gather(head, nxt, b, r, -1, tmp)
                        gain[r] = cost[b] - objective(tmp, k, ptr, idx, mark, buf, tab, fi, ff,
                                                  penalty)  # fmt: skip
                        gain_ver[r] = ver[b]
                        evals += 1
                    if gain[o] + gain[r] > -best:
                        k = gather(head, nxt, a, o, r, tmp)
                        d = objective(tmp, k, ptr, idx, mark, buf, tab, fi, ff, penalty)
                        d -= cost[a]
                        evals += 1
                        if d - gain[r] < best:  # else b's side cannot make up for it
                            k = gather(head, nxt, b, r, o, tmp)
                            d += objective(tmp, k, ptr, idx, mark, buf, tab, fi, ff, penalty)
                            d -= cost[b]
                            evals += 1
                            if d < best:
                                best, kind, target = d, 2, r
                r = nxt[r]
        if kind == 0:
            continue
        memo_home[o] = -1
        changes += 1
        if kind == 1:
            b = target
            _relink(head, nxt, size, o, a, b)
            load[a] -= loads[o]
            load[b] += loads[o]
            bo[o] = b
        else:
            r = target
            b = bo[r]
            _relink(head, nxt, size, o, a, b)
            _relink(head, nxt, size, r, b, a)
            load[a] += loads[r] - loads[o]
            load[b] += loads[o] - loads[r]
            bo[o], bo[r] = b, a
        for c in (a, b):
            ver[c] += 1
            k = gather(head, nxt, c, -1, -1, tmp)
            cost[c] = objective(tmp, k, ptr, idx, mark, buf, tab, fi, ff, penalty)
            for j in range(k):
                m = tmp[j]
                if not queued[m]:
                    queued[m] = True
                    queue[(qhead + qlen) % n] = m
                    qlen += 1
        for m in near[o]:
            if not queued[m]:
                queued[m] = True
                queue[(qhead + qlen) % n] = m
                qlen += 1
    out = -np.ones(n, dtype=np.int64)
    renumber = -np.ones(nb, dtype=np.int64)
    count = 0
    for o in range(n):
        if renumber[bo[o]] < 0:
            renumber[bo[o]] = count
            count += 1
        out[o] = renumber[bo[o]]
    return out, evals, changes


def order_csr(nodes: Sequence[frozenset[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Each order's distinct pick nodes, sorted, as ``(pointers, nodes)``."""
    counts = np.fromiter((len(s) for s in nodes), dtype=np.int64, count=len(nodes))
    ptr = np.zeros(len(nodes) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    idx = np.fromiter((v for s in nodes for v in sorted(s)), dtype=np.int64, count=int(ptr[-1]))
    return ptr, idx


def groups_csr(groups: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Groups of order indices as ``(pointers, members)``."""
    ptr = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum([len(g) for g in groups], out=ptr[1:])
    members = np.fromiter((i for g in groups for i in g), dtype=np.int64, count=int(ptr[-1]))
    return ptr, members

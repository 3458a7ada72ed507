"""Spending a move budget: greedy actions from the current slotting toward the target.

A greedy takes the action with the best expected gain per move first until
the budget is spent. Following targets from a SKU gives a path
``i -> j -> k ...`` (each SKU's target holds the next SKU); an action is
that path when it ends in a free slot (a *chain*, one move per SKU, or a
single *move*), or the path closed by sending its last SKU into the slot
``i`` leaves (a *rotation*; of two SKUs, a *swap*, which counts as two
moves). Every SKU moves at most once. :class:`Mover` holds the state of a
re-slot in progress and records the move list, one ``step`` per action.

Two greedies, one per gain model of
:func:`~optimizer.slotting.reslotting.reslot`:

:func:`picks_greedy` (``gain="picks"``)
    Picks per day times the drop in slot cost, one pick as a round trip
    from the depot (for ``"coi"``, weighted by 1 / COI instead of picks);
    a lazy greedy over the actions toward the target.
:func:`tour_greedy` (``gain="tours"``)
    Metres saved on batched tours of historical orders
    (:class:`~optimizer.slotting.tours.SampledTours`). Besides the actions
    toward the target, the hot SKUs (the most picked in the sample) get
    *open* candidates: a move into a better free slot, or for turnover and
    COI a swap with a colder SKU (under the class-based policy only moves
    into a free slot of the SKU's class zone, so that classes stay in their
    zones). The greedy takes the best saving per move and measures again
    every candidate the action can have changed (gains are not additive).
    SKUs the sample never picks get no tour gain; what is left of the
    budget when the tour candidates are spent (or after
    ``TourGain.max_evaluations`` tour evaluations) goes to
    :func:`picks_greedy`, which then skips actions that lengthen the
    sampled tours.

Notes
-----
Picks model: O((n + m) log n) heap operations for m moves over n SKUs, each
action search following at most :attr:`Mover.max_chain` SKUs. Tours model:
per action one tour evaluation (memoised) for every sampled tour of every
candidate sharing a changed tour; ``TourGain.max_evaluations`` bounds the
evaluations on large catalogues and budgets. Wall times are in
``benches/results/slotting_replay.md``.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from optimizer.layout import Layout
from optimizer.slotting.moves import Move
from optimizer.slotting.target import EPS, Ranking, SkuTable, slot_accepts
from optimizer.slotting.tours import SampledTours, TourGain

__all__ = ["SlotState", "Mover", "Action", "picks_greedy", "tour_greedy"]

#: SKUs, their destinations, and whether the moves are done together.
Action = tuple[list[int], list[int], bool]
_PATH, _OPEN = 0, 1  # kinds of tour candidates: toward the target, open


class SlotState:
    """Where every SKU is, who occupies every slot, and who has moved."""

    def __init__(self, n_skus: int, n_slots: int, cur: np.ndarray) -> None:
        self.cur = cur.copy()
        self.count = np.bincount(cur[cur >= 0], minlength=n_slots)
        self.occupant = np.full(n_slots, -1, dtype=np.int64)
        single = cur >= 0
        self.occupant[cur[single]] = np.flatnonzero(single)
        self.occupant[self.count != 1] = -1  # empty, or shared by several SKUs
        self.moved = np.zeros(n_skus, dtype=bool)

    def relocate(self, i: int, to: int) -> None:
        """Move SKU ``i`` into slot ``to``."""
        a = int(self.cur[i])
        if a >= 0:
            self.count[a] -= 1
            self.occupant[a] = -1
        self.count[to] += 1
        self.occupant[to] = i if self.count[to] == 1 else -1
        self.cur[i] = to
        self.moved[i] = True

    def rotate(self, skus: Sequence[int], dests: Sequence[int]) -> None:
        """Move SKUs together (each alone in its slot) into slots the group vacates."""
        for i in skus:
            self.count[self.cur[i]] -= 1
        for i, d in zip(skus, dests, strict=True):
            self.cur[i] = d
            self.count[d] += 1
            self.occupant[d] = i
            self.moved[i] = True


class Mover:
    """The state of a re-slot in progress, the actions toward the target, the move list.

    Parameters
    ----------
    layout
        The warehouse.
    table
        The SKUs and where they are now.
    weight
        Per SKU, what one metre of slot cost is worth.
    target
        Target slot of each SKU (-1: none).
    cost
        Slot costs: the gain of a move is ``weight * (cost[from] - cost[to])``.
    """

    max_chain = 8

    def __init__(
        self,
        layout: Layout,
        table: SkuTable,
        weight: np.ndarray,
        target: np.ndarray,
        cost: np.ndarray,
    ) -> None:
        self.layout, self.skus, self.target = layout, table.skus, target
        self.codes = [s.code for s in layout.slots]
        self.state = SlotState(len(table.skus), len(layout.slots), table.cur)
        self.weight, self.per_day, self.cost = weight, table.per_day, cost
        self.space, self.zones = table.space, table.zones
        self.moves: list[Move] = []
        self.step = 0
        self.used = 0
        self.wants = np.full(len(self.codes), -1, dtype=np.int64)
        has_target = target >= 0
        self.wants[target[has_target]] = np.flatnonzero(has_target)

    def record(self, i: int, a: int, b: int, kind: str, gain: float | None = None) -> None:
        """Append the move of SKU ``i`` from slot ``a`` (-1: none) to ``b`` at the
        current step; ``gain`` defaults to the picks estimate."""
        if gain is None:
            gain = 0.0 if a < 0 else float(self.per_day[i] * (self.cost[a] - self.cost[b]))
        self.moves.append(Move(self.step, self.skus[i], self.codes[a] if a >= 0 else "",
                               self.codes[b], gain, kind))  # fmt: skip

    def fits(self, i: int, slot: int) -> bool:
        """True if ``slot`` holds SKU ``i`` (capacity and zone)."""
        space = 0.0 if self.space is None else float(self.space[i])
        return slot_accepts(self.layout, slot, space, self.zones[i] if self.zones else None)

    def gain(self, i: int, frm: int, to: int) -> float:
        """Weighted drop in slot cost of SKU ``i`` moving from ``frm`` to ``to``."""
        return float(self.weight[i] * (self.cost[frm] - self.cost[to]))

    def action(self, i: int) -> tuple[float, list[int], list[int], bool]:
        """The best action that takes SKU ``i`` to its target.

        Returns (gain per move, SKUs, their destinations, done together).
        Following targets from ``i`` gives a path ``i -> j -> k ...`` where
        each SKU's target holds the next one. The path either reaches a
        free slot (a *chain*: moves done one by one from the end), or is
        closed by sending its last SKU into the slot ``i`` leaves (a
        *rotation*, done together; with two SKUs, a swap). No action: empty
        lists.
        """
        state, target = self.state, self.target
        none: tuple[float, list[int], list[int], bool] = (0.0, [], [], False)
        a, t = int(state.cur[i]), int(target[i])
        if state.moved[i] or a < 0 or t < 0 or a == t:
            return none
        best = none
        path, dests, total, slot = [i], [t], self.gain(i, a, t), t
        while True:
            if state.count[slot] == 0:
                if total / len(path) > best[0]:
                    best = (total / len(path), list(path), list(dests), False)
                break
            j = int(state.occupant[slot])
            if j < 0 or state.moved[j] or j in path:
                break
            if state.count[a] == 1 and self.fits(j, a):  # close: j takes the slot i leaves
                closed = (total + self.gain(j, slot, a)) / (len(path) + 1)
                if closed > best[0] + EPS:
                    best = (closed, [*path, j], [*dests, a], True)
            tj = int(target[j])
            if tj < 0 or tj in (a, slot) or len(path) + 1 >= self.max_chain:
                break
            path.append(j)
            dests.append(tj)
            total += self.gain(j, slot, tj)
            slot = tj
        return best

    def do(self, who: list[int], dests: list[int], together: bool, gain: float | None) -> int:
        """Record and carry out one action (one step); ``gain`` (metres per day of
        the whole action) is shared equally by its moves, else each move gets
        its picks estimate. Returns the slot the first SKU left."""
        state = self.state
        a = int(state.cur[who[0]])
        each = None if gain is None else gain / len(who)
        self.step += 1
        if together:
            kind = "swap" if len(who) == 2 else "rotate"
            for k, d in zip(who, dests, strict=True):
                self.record(k, int(state.cur[k]), d, kind, each)
            state.rotate(who, dests)
        else:
            kind = "move" if len(who) == 1 else "chain"
            # the last SKU moves into the free slot first
            for k, d in zip(reversed(who), reversed(dests), strict=True):
                self.record(k, int(state.cur[k]), d, kind, each)
                state.relocate(k, d)
        self.used += len(who)
        return a


def picks_greedy(mover: Mover, budget: float, sampled: SampledTours | None) -> None:
    """Actions toward the target, best picks gain per move first, until ``budget``.

    After a tour greedy (``sampled`` given) it spends what is left of the
    budget, skipping actions that lengthen the sampled tours.
    """
    state, target = mover.state, mover.target
    heap: list[tuple[float, int]] = []
    todo = (target >= 0) & (state.cur >= 0) & (state.cur != target) & ~state.moved
    for i in np.flatnonzero(todo).tolist():
        ratio, who, _, _ = mover.action(i)
        if who and ratio > EPS:
            heap.append((-ratio, i))
    heapq.heapify(heap)
    while heap and mover.used < budget:
        neg, i = heapq.heappop(heap)
        ratio, who, dests, together = mover.action(i)
        if not who or ratio <= EPS:
            continue
        if ratio < -neg - 1e-12:  # stale: the state changed since it was queued
            heapq.heappush(heap, (-ratio, i))
            continue
        if mover.used + len(who) > budget:
            continue
        saved = None
        if sampled is not None:
            saved = sampled.delta(who, dests)
            if saved < -EPS:
                continue
        a = mover.do(who, dests, together, saved)
        if sampled is not None:
            sampled.apply(who, dests)
        w = int(mover.wants[a])
        if not together and w >= 0:  # the slot it left may be someone's target
            r2, who2, _, _ = mover.action(w)
            if who2 and r2 > EPS:
                heapq.heappush(heap, (-r2, w))


def tour_greedy(
    mover: Mover,
    sampled: SampledTours,
    budget: int,
    options: TourGain,
    ranking: Ranking,
) -> None:
    """Actions by what they save on the sampled tours, best per move first.

    Candidates: the action toward its target of every SKU the sample picks
    (as the picks model builds it), and *open* actions of the hot SKUs (the
    most picked in the sample): a move into a free slot the policy ranks
    better (one per pick node: slots at one node shorten the same tours),
    or, for turnover and COI, a swap with a colder SKU in such a slot.
    Under the class-based policy an open action only takes a SKU outside
    its class zone into a free slot of that zone, so every move keeps the
    class structure. Each round takes the candidate with the best saving
    per move, then measures again every candidate whose SKUs share a tour
    that changed or whose action changed: gains are not additive (moving
    one SKU out of a far aisle can make moving another worth more), so
    stale values would mislead. Stops when nothing saves, the budget is
    spent, or after ``options.max_evaluations`` tour evaluations.
    """
    state, weight = mover.state, mover.weight
    rank_cost, code, zone = ranking.rank_cost, ranking.code, ranking.zone
    n_slots = len(mover.codes)
    slot_order = np.lexsort((np.arange(n_slots), ranking.tie, rank_cost))
    class_based = code is not None and zone is not None
    zone_slots: dict[int, np.ndarray] = {}
    if class_based:
        assert zone is not None
        for z in np.unique(zone[zone >= 0]).tolist():
            zone_slots[z] = slot_order[zone[slot_order] == z]
    eligible = (state.cur >= 0) & ~state.moved & (sampled.lines > 0) & (weight > 0)
    pool = np.flatnonzero(eligible)
    hot = pool[np.lexsort((pool, -weight[pool], -sampled.lines[pool]))]
    hot_list = hot[: options.hot_skus(budget)].tolist()
    scan_limit = 50 * options.targets
    node = sampled.slot_node

    def allowed(i: int, b: int) -> Action | None:
        """The open action putting SKU ``i`` into slot ``b`` now, if any."""
        if state.moved[i]:
            return None
        a = int(state.cur[i])
        if a < 0 or b == a or rank_cost[b] >= rank_cost[a] - EPS or not mover.fits(i, b):
            return None
        if class_based:
            assert code is not None and zone is not None
            if zone[b] != code[i] or zone[a] == code[i] or state.count[b]:
                return None
            return [i], [b], False
        if state.count[b] == 0:
            return [i], [b], False
        t = int(state.occupant[b])
        if (t < 0 or state.moved[t] or weight[t] >= weight[i] or state.count[a] != 1
                or not mover.fits(t, a)):  # fmt: skip
            return None
        return [i, t], [b, a], True

    def open_slots(i: int) -> list[int]:
        """The first ``targets`` slots, best first, that SKU ``i`` may go to now."""
        if class_based:
            assert code is not None
            slots = zone_slots.get(int(code[i]), slot_order[:0])
        else:
            slots = slot_order
        out: list[int] = []
        free_nodes: set[int] = set()
        a = int(state.cur[i])
        for scanned, b in enumerate(slots.tolist()):
            if len(out) >= options.targets or scanned >= scan_limit:
                break
            if rank_cost[b] >= rank_cost[a] - EPS:
                break
            act = allowed(i, b)
            if act is None:
                continue
            if len(act[0]) == 1:  # into a free slot: one per pick node
                if int(node[b]) in free_nodes:
                    continue
                free_nodes.add(int(node[b]))
            out.append(b)
        return out

    def build(kind: int, i: int, b: int) -> Action | None:
        if kind == _OPEN:
            return allowed(i, b)
        _, who, dests, together = mover.action(i)
        return (who, dests, together) if who else None

    # (kind, SKU, slot) -> (SKUs, destinations, together, saving per move, version)
    cands: dict[tuple[int, int, int], tuple[list[int], list[int], bool, float, int]] = {}
    by_sku: dict[int, set[tuple[int, int, int]]] = {}
    by_slot: dict[int, set[tuple[int, int, int]]] = {}
    heap: list[tuple[float, tuple[int, int, int], int]] = []
    version = 0

    def measure(key: tuple[int, int, int]) -> None:
        nonlocal version
        act = build(*key)
        if act is None or mover.used + len(act[0]) > budget:
            cands.pop(key, None)
            return
        who, dests, together = act
        value = sampled.delta(who, dests) / len(who)
        version += 1
        cands[key] = (who, dests, together, value, version)
        for s in who:
            by_sku.setdefault(s, set()).add(key)
            by_slot.setdefault(int(state.cur[s]), set()).add(key)
        for d in dests:
            by_slot.setdefault(d, set()).add(key)
        if value > EPS:
            heapq.heappush(heap, (-value, key, version))

    todo = (mover.target >= 0) & (state.cur >= 0) & (state.cur != mover.target) & ~state.moved
    for i in np.flatnonzero(todo & (sampled.lines > 0)).tolist():
        measure((_PATH, i, -1))
    for i in hot_list:
        for b in open_slots(i):
            measure((_OPEN, i, b))
    while heap and mover.used < budget and sampled.evaluations < options.max_evaluations:
        _, key, at = heapq.heappop(heap)
        entry = cands.get(key)
        if entry is None or entry[4] != at:
            continue  # dropped, or measured again since
        who, dests, together, value, _ = entry
        if mover.used + len(who) > budget:
            continue
        del cands[key]
        origins = [int(state.cur[s]) for s in who]
        a = mover.do(who, dests, together, value * len(who))
        changed = sampled.apply(who, dests)
        # Measure again every candidate this action can have changed: those of
        # the SKUs of the changed tours, of the SKUs moved, and of the slots touched.
        affected: set[tuple[int, int, int]] = set()
        skus = set(who)
        for k in changed:
            skus.update(sampled.members[k].tolist())
        for s in skus:
            affected |= by_sku.get(s, set())
        for slot in (*origins, *dests):
            affected |= by_slot.get(slot, set())
        for key2 in sorted(affected):
            if key2 in cands:
                measure(key2)
        if state.count[a] == 0:  # the slot it left is free now: new candidates
            w = int(mover.wants[a])
            if w >= 0 and sampled.lines[w] > 0:
                measure((_PATH, w, -1))
            for j in hot_list:
                if not state.moved[j]:
                    measure((_OPEN, j, a))

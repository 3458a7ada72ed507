"""Re-slotting: bounded lists of moves from the current slotting toward a better one.

:func:`reslot` works in three steps.

1. **Target.** The full re-slot under the policy, made *sticky*. For
   ``"class-based"``, class zones are the slots a fresh class-based slotting
   would give each class; SKUs already in their class zone keep their slot,
   and each other SKU (most picked first) takes the cheapest free slot of
   its zone. For ``"turnover"`` and ``"coi"``, SKUs taken in policy order
   keep their slot when it is as cheap as the best free one (both sides of
   one pick node), else take the best free slot, preferring slots whose
   current occupant matters least.
2. **Put-aways.** SKUs of the history that the current slotting lacks go to
   their target slot (or the best free slot that fits); they do not count
   against ``max_moves``.
3. **Moves.** A greedy takes the action with the best expected gain per
   move first until ``max_moves`` is spent. Following targets from a
   SKU gives a path ``i -> j -> k ...`` (each SKU's target holds the next
   SKU); an action is that path when it ends in a free slot (a *chain*,
   one move per SKU, or a single *move*), or the path closed by sending its
   last SKU into the slot ``i`` leaves (a *rotation*; of two SKUs, a
   *swap*, which counts as two moves). Every SKU moves at most once.

Gain models (``gain=``):

``"picks"`` (default)
    Picks per day times the drop in slot cost, one pick as a round trip
    from the depot (for ``"coi"``, weighted by 1 / COI instead of picks);
    a lazy greedy over the actions toward the target.
``"tours"``
    Metres saved on batched tours of historical ``orders``
    (:mod:`~optimizer.slotting.tours`): each day's orders grouped into
    cart-sized batches, every batch routed exactly, and an action's gain
    the sum over the batches holding its SKUs of the tour length before
    minus after. Besides the actions toward the target, the hot SKUs (the
    most picked in the sample) get *open* candidates: a move into a better
    free slot, or for turnover and COI a swap with a colder SKU (under the
    class-based policy only moves into a free slot of the SKU's class
    zone, so that classes stay in their zones). The greedy takes the best
    saving per move and measures again every candidate the action can
    have changed (gains are not additive). SKUs the sample never picks
    get no tour gain; what is left of the budget when the tour candidates
    are spent (or after ``TourGain.max_evaluations`` tour evaluations)
    goes by the picks model, skipping actions that lengthen the sampled
    tours. On the benchmark (``benches/compare_slotting.py``) both models
    capture about the same share of the full re-slot's replayed saving.

The move list is applicable in order: one ``step`` per action, steps in
turn. The moves of a step can always be done together (all its SKUs taken
out, then put into their bins); those of a chain also one by one in the
order listed. No bin ever receives two SKUs, and every destination holds
the SKU (:func:`apply_moves` checks exactly that).

Notes
-----
Target: O(n g) for n SKUs and g slot groups. Moves, picks model:
O((n + m) log n) heap operations for m moves, each action search following
at most 8 SKUs. Tours model: sampling batches one wave per sampled day
(savings batching), then per action one tour evaluation (a few
microseconds with the exact DP, memoised) for every sampled tour of every
candidate sharing a changed tour: 1 to 7 s for 40 moves on 800 SKUs and
400 sampled tours. ``TourGain.max_evaluations`` caps it on large
catalogues: with 41,000 active SKUs of 100,000 on 126,000 slots (three
blocks) and 5,000 moves, the cap (3 million tour evaluations, about 20 s)
is reached after some 25 tour-ranked actions and the picks model plans
the rest; 26 s and 0.7 GB in all.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError, UnknownSlotError, suggest
from optimizer.layout import Layout
from optimizer.orders import Order, Slotting
from optimizer.slotting.assignment import (
    SlotCosts,
    SlotPool,
    Unslotted,
    fit_in_order,
    slot_costs,
)
from optimizer.slotting.classes import DEFAULT_SHARES, Classes, classify
from optimizer.slotting.profile import DemandProfile
from optimizer.slotting.tours import GAIN_MODELS, SampledTours, TourGain, sample_tours

__all__ = ["Move", "ReslotPlan", "reslot", "apply_moves", "MoveError", "RESLOT_POLICIES"]

RESLOT_POLICIES = ("class-based", "turnover", "coi")
_EPS = 1e-9


class MoveError(PickoptError):
    """A move list that cannot be applied to a slotting."""


@dataclass(frozen=True, slots=True)
class Move:
    """Relocate one SKU.

    Attributes
    ----------
    step
        Execution order, from 1; the moves of one action (a chain, a swap,
        a rotation) share a step and can be done together (all its SKUs
        taken out, then put into their bins); a chain also one by one in
        the order listed.
    sku
        The SKU.
    from_bin
        Where it is now; ``""`` for a put-away of a SKU without a bin.
    to_bin
        Where it goes.
    expected_gain_m
        Expected walking saved per day. Picks model: the SKU's picks per
        day times the drop in slot cost (one pick as a round trip from the
        depot); negative for a SKU that makes room by moving to a worse
        slot. Tours model: the metres per day its action saves on the
        sampled tours, shared equally by the action's moves.
    kind
        ``"move"``, ``"chain"``, ``"swap"``, ``"rotate"`` or ``"put-away"``.
    """

    step: int
    sku: str
    from_bin: str
    to_bin: str
    expected_gain_m: float
    kind: str


@dataclass(frozen=True)
class ReslotPlan:
    """What :func:`reslot` returns.

    Attributes
    ----------
    slotting
        The current slotting after all moves.
    moves
        The moves in execution order.
    target
        The full re-slot (what an unlimited budget aims at).
    policy
        The policy whose objective the moves improve.
    max_moves
        The budget (``None``: unlimited).
    expected_m_per_day
        Expected walking per day, Σ picks/day x slot cost, of ``"current"``,
        ``"planned"`` and ``"target"`` (SKUs slotted in all three).
    unknown_skus
        SKUs of the current slotting that the history does not mention
        (kept as zero-demand SKUs).
    unslotted
        SKUs of the history left without a slot, and why.
    classes
        The classes used (class-based policy), else ``None``.
    gain
        The gain model that ranked the moves, ``"picks"`` or ``"tours"``.
    tour_m_per_day
        Tours model: metres per day of the sampled tours (batches fixed as
        sampled) under ``"current"`` (after put-aways), ``"planned"`` and
        ``"target"``; empty otherwise.
    """

    slotting: Slotting
    moves: tuple[Move, ...]
    target: Slotting
    policy: str
    max_moves: int | None
    expected_m_per_day: Mapping[str, float] = field(default_factory=dict)
    unknown_skus: tuple[str, ...] = ()
    unslotted: tuple[Unslotted, ...] = ()
    classes: Classes | None = field(default=None, repr=False)
    gain: str = "picks"
    tour_m_per_day: Mapping[str, float] = field(default_factory=dict)

    @property
    def moves_used(self) -> int:
        """Moves that count against the budget (put-aways excluded)."""
        return sum(1 for m in self.moves if m.kind != "put-away")

    @property
    def captured(self) -> float:
        """Share of the target's expected saving that the planned moves capture."""
        e = self.expected_m_per_day
        full = e["current"] - e["target"]
        return 1.0 if full <= 0 else (e["current"] - e["planned"]) / full

    def to_rows(self) -> list[dict[str, Any]]:
        """The moves as dicts (for CSV)."""
        return [
            {
                "step": m.step,
                "sku": m.sku,
                "from_bin": m.from_bin,
                "to_bin": m.to_bin,
                "expected_gain_m": round(m.expected_gain_m, 4),
                "kind": m.kind,
            }
            for m in self.moves
        ]


# ---- state of a re-slot --------------------------------------------------------------------
class _State:
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


def _universe(
    profile: DemandProfile, current: Slotting, layout: Layout, unknown_skus: str
) -> tuple[list[str], np.ndarray, tuple[str, ...]]:
    """All SKUs (profile first, then current-only ones) and their current slots."""
    if unknown_skus not in ("keep", "error"):
        raise PickoptError(f"unknown_skus must be 'keep' or 'error', got {unknown_skus!r}")
    current.check(layout)
    index = profile.index
    unknown = tuple(s for s in current if s not in index)
    if unknown and len(unknown) == len(current):
        raise UnknownSlotError(
            f"none of the {len(current):,} SKUs of slotting {current.name!r} appears in the "
            f"history (e.g. {unknown[0]!r}"
            + suggest(unknown[0], profile.skus[:10_000])
            + "); is it the slotting of another warehouse or SKU numbering?"
        )
    if unknown and unknown_skus == "error":
        shown = ", ".join(repr(s) for s in unknown[:5])
        raise UnknownSlotError(
            f"{len(unknown):,} SKUs of slotting {current.name!r} are not in the history: "
            f"{shown}{' ...' if len(unknown) > 5 else ''}"
        )
    skus = list(profile.skus) + list(unknown)
    slot_index = {s.code: s.index for s in layout.slots}
    cur = np.full(len(skus), -1, dtype=np.int64)
    for k, sku in enumerate(skus):
        code = current.bins.get(sku)
        if code is not None:
            cur[k] = slot_index[code]
    return skus, cur, unknown


def _sticky_target(
    layout: Layout,
    order: np.ndarray,
    rank_cost: np.ndarray,
    tie: np.ndarray,
    cur: np.ndarray,
    space: np.ndarray | None,
    zones: Sequence[str | None] | None,
    keep: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[int, str]]:
    """Target slot of each SKU in ``order``.

    SKUs with ``keep[i]`` first claim their current slot; then every other
    SKU takes its current slot if that is as good (``rank_cost``) as the best
    free one, else the best free slot (by ``rank_cost``, then ``tie``).
    """
    n_slots = len(layout.slots)
    slot_order = np.lexsort((np.arange(n_slots), tie, rank_cost))
    pool = SlotPool(layout, slot_order)
    target = np.full(cur.size, -1, dtype=np.int64)
    why: dict[int, str] = {}
    sp = np.zeros(cur.size) if space is None else space

    def zone_of(i: int) -> str | None:
        return zones[i] if zones is not None else None

    if keep is not None:
        for i in order.tolist():
            own = int(cur[i])
            if keep[i] and not pool.taken[own] and _accepts(layout, own, float(sp[i]), zone_of(i)):
                pool.take(own)
                target[i] = own
    for i in order.tolist():
        if target[i] >= 0:
            continue
        zone = zone_of(i)
        groups = pool.fits(float(sp[i]), zone)
        best = pool.best(groups)
        own = int(cur[i])
        stay = own >= 0 and not pool.taken[own] and _accepts(layout, own, float(sp[i]), zone)
        if stay and (best < 0 or rank_cost[own] <= rank_cost[best] + _EPS):
            best = own
        if best < 0:
            why[i] = pool.why_not(float(sp[i]), zone)
            continue
        pool.take(best)
        target[i] = best
    return target, why


def _accepts(layout: Layout, slot: int, space: float, zone: str | None) -> bool:
    s = layout.slots[slot]
    cap = math.inf if s.capacity is None else float(s.capacity)
    return space <= cap * (1 + 1e-9) and (zone is None or s.zone == zone)


def reslot(
    layout: Layout,
    profile: DemandProfile,
    current: Slotting,
    max_moves: int | None = None,
    policy: str = "class-based",
    *,
    shares: Sequence[float] = DEFAULT_SHARES,
    costs: SlotCosts | None = None,
    cover_days: float = 2.0,
    unknown_skus: str = "keep",
    oracle: DistanceOracle | None = None,
    gain: str = "picks",
    orders: Sequence[Order] | Mapping[str, Sequence[Order]] | None = None,
    cart: Cart | None = None,
    tours: TourGain | None = None,
) -> ReslotPlan:
    """Plan at most ``max_moves`` moves from ``current`` toward the policy's slotting.

    Parameters
    ----------
    layout
        The warehouse.
    profile
        The recent demand.
    current
        Where SKUs are now.
    max_moves
        Move budget (a swap counts as two moves; put-aways of new SKUs are
        free); ``None`` for no limit.
    policy
        ``"class-based"``, ``"turnover"`` or ``"coi"``.
    shares
        ABC shares of the class-based policy.
    costs
        Slot desirability; default :class:`SlotCosts`.
    cover_days
        Days of average demand a slot must hold, when capacities apply.
    unknown_skus
        SKUs of ``current`` without history: ``"keep"`` them as zero-demand
        SKUs (listed in :attr:`ReslotPlan.unknown_skus`) or raise
        (``"error"``).
    oracle
        Distances to reuse.
    gain
        How actions are ranked: ``"picks"`` (picks per day x drop in slot
        cost) or ``"tours"`` (metres saved on sampled batched tours of
        ``orders``; see the module notes). Without a budget every action
        toward the target is taken, so the gain model changes nothing then.
    orders
        Historical orders for ``gain="tours"``: a sequence or day label ->
        orders (each day is batched on its own).
    cart
        What one tour carries, for ``gain="tours"``; default
        ``Cart(max_items=45)``.
    tours
        Options of the tour gain model; default :class:`TourGain`.

    Returns
    -------
    ReslotPlan
        The slotting after the moves, the moves, the full target, and the
        expected walking of each.

    Raises
    ------
    UnknownSlotError
        For a bin of ``current`` that the layout lacks; when no SKU of
        ``current`` is in the history; with ``unknown_skus="error"``, for
        SKUs the history lacks.
    PickoptError
        For a negative budget, a policy that cannot re-slot, an unknown gain
        model, or ``gain="tours"`` without orders.

    Examples
    --------
    >>> plan = reslot(layout, profile, current, max_moves=500)   # doctest: +SKIP
    >>> plan.moves[0].sku, plan.moves[0].expected_gain_m          # doctest: +SKIP
    >>> plan = reslot(layout, profile, current, 40, gain="tours",
    ...               orders=orders_by_day)                       # doctest: +SKIP
    """
    if policy not in RESLOT_POLICIES:
        extra = " (random storage has nothing to improve toward)" if policy == "random" else ""
        raise PickoptError(
            f"cannot re-slot by policy {policy!r}{extra}" + suggest(policy, RESLOT_POLICIES)
            + f"; use one of {', '.join(RESLOT_POLICIES)}"
        )  # fmt: skip
    if max_moves is not None and (
        isinstance(max_moves, bool) or not isinstance(max_moves, int | np.integer) or max_moves < 0
    ):
        raise PickoptError(f"max_moves must be a whole number >= 0, got {max_moves!r}")
    if gain not in GAIN_MODELS:
        raise PickoptError(
            f"unknown gain model {gain!r}" + suggest(gain, GAIN_MODELS)
            + f"; use one of {', '.join(GAIN_MODELS)}"
        )  # fmt: skip
    if gain == "tours" and orders is None:
        raise PickoptError("gain='tours' needs the historical orders (orders=...)")
    skus, cur, unknown = _universe(profile, current, layout, unknown_skus)
    n, n_prof, n_slots = len(skus), len(profile), len(layout.slots)
    pad = n - n_prof
    per_day = np.concatenate([profile.picks_per_day, np.zeros(pad)])
    prof_space = profile.space(cover_days)
    space = None if prof_space is None else np.concatenate([prof_space, np.zeros(pad)])
    zones = None if profile.zones is None else [*profile.zones, *([None] * pad)]
    cost = slot_costs(layout, costs, oracle=oracle)
    idx = np.arange(n)
    classes: Classes | None = None
    occupant_weight = np.full(n_slots, -1.0)
    np.maximum.at(occupant_weight, cur[cur >= 0], per_day[cur >= 0])
    keep = None
    code: np.ndarray | None = None
    zone: np.ndarray | None = None
    rank_cost, tie = cost, occupant_weight
    if policy == "coi":
        coi = np.concatenate([profile.coi(cover_days), np.full(pad, np.inf)])
        weight = np.where(np.isfinite(coi), 1.0 / np.maximum(coi, 1e-300), 0.0)
        order = np.lexsort((idx, -per_day, coi))
        occupant_weight[:] = -1.0
        np.maximum.at(occupant_weight, cur[cur >= 0], weight[cur >= 0])
    else:
        weight = per_day
        order = np.lexsort((idx, -per_day))
        if policy == "class-based":
            classes = classify(profile, "abc", shares)
            code = np.concatenate([classes.code, np.full(pad, len(classes.labels) - 1)])
            order = np.lexsort((idx, -per_day, code))
            zone_cost, zone = _class_zones(layout, order, cost, code, space, zones)
            keep = (cur >= 0) & (zone[np.maximum(cur, 0)] == code)
            rank_cost, tie = zone_cost, cost
    target, why = _sticky_target(layout, order, rank_cost, tie, cur, space, zones, keep)

    state = _State(n, n_slots, cur)
    codes = [s.code for s in layout.slots]
    mover = _Mover(layout, skus, codes, state, target, weight, per_day, cost, space, zones)

    # Put-aways: SKUs with demand and no bin yet, most picked first.
    unslotted = [Unslotted(skus[i], why[i]) for i in order.tolist() if i in why and cur[i] < 0]
    new = [i for i in order.tolist() if cur[i] < 0 and target[i] >= 0]
    free_pool = SlotPool(layout, np.lexsort((np.arange(n_slots), rank_cost)))
    free_pool.taken |= state.count > 0
    free_pool.taken[target[new]] = True  # their own targets are reserved for them
    for i in new:
        dest = int(target[i])
        if state.count[dest] > 0:  # occupied now (its occupant has not left): nearest free
            sp_i = 0.0 if space is None else float(space[i])
            dest = free_pool.best(free_pool.fits(sp_i, zones[i] if zones else None))
            if dest < 0:
                unslotted.append(Unslotted(skus[i], "no free slot for a put-away"))
                continue
            free_pool.take(dest)
        mover.step += 1
        mover.record(i, -1, dest, "put-away")
        state.relocate(i, dest)

    budget = math.inf if max_moves is None else int(max_moves)
    sampled: SampledTours | None = None
    tour_m: dict[str, float] = {}
    if gain == "tours" and max_moves is not None and budget > 0:
        assert orders is not None
        options = tours or TourGain()
        target_slotting = _table(skus, codes, target, f"{policy}-target")
        sampled = sample_tours(layout, orders, target_slotting, {s: k for k, s in enumerate(skus)},
                               state.cur, cart or Cart(max_items=45), options,
                               oracle=oracle)  # fmt: skip
        tour_m["current"] = sampled.per_day()
        _tour_greedy(mover, sampled, int(budget), options, rank_cost, tie, policy, code, zone)
    _picks_greedy(mover, budget, sampled)
    if sampled is not None:
        tour_m["planned"] = sampled.per_day()
        tour_m["target"] = sampled.per_day_under(target)

    planned = _table(skus, codes, state.cur, f"{current.name}+{policy}-reslot")
    target_slotting = _table(skus, codes, target, f"{policy}-target")
    common = (cur >= 0) & (state.cur >= 0) & (target >= 0)

    def walk(slot_of: np.ndarray) -> float:
        return float((per_day[common] * cost[slot_of[common]]).sum())

    expected = {
        "current": walk(cur),
        "planned": walk(state.cur),
        "target": walk(target),
    }
    return ReslotPlan(planned, tuple(mover.moves), target_slotting, policy,
                      None if max_moves is None else int(max_moves), expected, unknown,
                      tuple(unslotted), classes, gain, tour_m)  # fmt: skip


def _table(skus: Sequence[str], codes: Sequence[str], slot_of: np.ndarray, name: str) -> Slotting:
    placed = np.flatnonzero(slot_of >= 0)
    return Slotting({skus[i]: codes[int(slot_of[i])] for i in placed.tolist()}, name=name)


_Action = tuple[list[int], list[int], bool]  # SKUs, their destinations, done together
_PATH, _OPEN = 0, 1  # kinds of tour candidates: toward the target, open


class _Mover:
    """The state of a re-slot in progress, the actions toward the target, the move list."""

    max_chain = 8

    def __init__(
        self,
        layout: Layout,
        skus: Sequence[str],
        codes: Sequence[str],
        state: _State,
        target: np.ndarray,
        weight: np.ndarray,
        per_day: np.ndarray,
        cost: np.ndarray,
        space: np.ndarray | None,
        zones: Sequence[str | None] | None,
    ) -> None:
        self.layout, self.skus, self.codes, self.state = layout, skus, codes, state
        self.target, self.weight, self.per_day, self.cost = target, weight, per_day, cost
        self.space, self.zones = space, zones
        self.moves: list[Move] = []
        self.step = 0
        self.used = 0
        self.wants = np.full(len(codes), -1, dtype=np.int64)
        has_target = target >= 0
        self.wants[target[has_target]] = np.flatnonzero(has_target)

    def record(self, i: int, a: int, b: int, kind: str, gain: float | None = None) -> None:
        if gain is None:
            gain = 0.0 if a < 0 else float(self.per_day[i] * (self.cost[a] - self.cost[b]))
        self.moves.append(Move(self.step, self.skus[i], self.codes[a] if a >= 0 else "",
                               self.codes[b], gain, kind))  # fmt: skip

    def fits(self, i: int, slot: int) -> bool:
        return _accepts(self.layout, slot, 0.0 if self.space is None else float(self.space[i]),
                        self.zones[i] if self.zones else None)  # fmt: skip

    def gain(self, i: int, frm: int, to: int) -> float:
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
                if closed > best[0] + _EPS:
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


def _picks_greedy(mover: _Mover, budget: float, sampled: SampledTours | None) -> None:
    """Actions toward the target, best picks gain per move first, until ``budget``.

    After a tour greedy (``sampled`` given) it spends what is left of the
    budget, skipping actions that lengthen the sampled tours.
    """
    state, target = mover.state, mover.target
    heap: list[tuple[float, int]] = []
    todo = (target >= 0) & (state.cur >= 0) & (state.cur != target) & ~state.moved
    for i in np.flatnonzero(todo).tolist():
        ratio, who, _, _ = mover.action(i)
        if who and ratio > _EPS:
            heap.append((-ratio, i))
    heapq.heapify(heap)
    while heap and mover.used < budget:
        neg, i = heapq.heappop(heap)
        ratio, who, dests, together = mover.action(i)
        if not who or ratio <= _EPS:
            continue
        if ratio < -neg - 1e-12:  # stale: the state changed since it was queued
            heapq.heappush(heap, (-ratio, i))
            continue
        if mover.used + len(who) > budget:
            continue
        saved = None
        if sampled is not None:
            saved = sampled.delta(who, dests)
            if saved < -_EPS:
                continue
        a = mover.do(who, dests, together, saved)
        if sampled is not None:
            sampled.apply(who, dests)
        w = int(mover.wants[a])
        if not together and w >= 0:  # the slot it left may be someone's target
            r2, who2, _, _ = mover.action(w)
            if who2 and r2 > _EPS:
                heapq.heappush(heap, (-r2, w))


def _tour_greedy(
    mover: _Mover,
    sampled: SampledTours,
    budget: int,
    options: TourGain,
    rank_cost: np.ndarray,
    tie: np.ndarray,
    policy: str,
    code: np.ndarray | None,
    zone: np.ndarray | None,
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
    n_slots = len(mover.codes)
    slot_order = np.lexsort((np.arange(n_slots), tie, rank_cost))
    class_based = policy == "class-based" and code is not None and zone is not None
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

    def allowed(i: int, b: int) -> _Action | None:
        """The open action putting SKU ``i`` into slot ``b`` now, if any."""
        if state.moved[i]:
            return None
        a = int(state.cur[i])
        if a < 0 or b == a or rank_cost[b] >= rank_cost[a] - _EPS or not mover.fits(i, b):
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
            if rank_cost[b] >= rank_cost[a] - _EPS:
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

    def build(kind: int, i: int, b: int) -> _Action | None:
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
        if value > _EPS:
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


def _class_zones(
    layout: Layout,
    order: np.ndarray,
    cost: np.ndarray,
    code: np.ndarray,
    space: np.ndarray | None,
    zones: Sequence[str | None] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Class zone of each slot (the class a fresh class-based slotting gives it; -1:
    none) and slot costs averaged over each zone (slots of no zone keep their own)."""
    slot_order = np.lexsort((np.arange(cost.size), cost))
    slot_of, _ = fit_in_order(layout, order, slot_order, space, zones)
    zone = np.full(cost.size, -1, dtype=np.int64)
    placed = slot_of >= 0
    zone[slot_of[placed]] = code[placed]
    out = cost.copy()
    for z in np.unique(zone[zone >= 0]).tolist():
        members = zone == z
        out[members] = cost[members].mean()
    return out, zone


def apply_moves(
    current: Slotting,
    moves: Sequence[Move],
    *,
    layout: Layout | None = None,
    space: Mapping[str, float] | None = None,
) -> Slotting:
    """Apply ``moves`` step by step, checking that each is possible.

    Parameters
    ----------
    current
        The slotting before.
    moves
        In execution order; moves that share a ``step`` are done together.
    layout
        If given, every destination must be a bin of it, and with ``space``
        hold the SKU.
    space
        SKU -> litres it needs; checked against slot capacities.

    Returns
    -------
    Slotting
        The slotting after all moves.

    Raises
    ------
    MoveError
        Naming the step and SKU: a SKU that is not where the move says, a
        SKU moved in two steps, a destination that already holds a SKU or
        receives two, steps out of order, a slot too small.
    """
    bins: dict[str, str] = dict(current.bins)
    held: dict[str, int] = {}
    for code in bins.values():
        held[code] = held.get(code, 0) + 1
    moved: dict[str, int] = {}
    k = 0
    last_step = -1
    while k < len(moves):
        step = moves[k].step
        if step <= last_step:
            raise MoveError(f"step {step} comes after step {last_step}: steps must increase")
        group = []
        while k < len(moves) and moves[k].step == step:
            group.append(moves[k])
            k += 1
        last_step = step
        for m in group:
            where = f"step {step}, SKU {m.sku!r}"
            if m.sku in moved:
                raise MoveError(f"{where}: moved again (already in step {moved[m.sku]})")
            if bins.get(m.sku, "") != m.from_bin:
                raise MoveError(
                    f"{where}: expected in bin {m.from_bin or '(none)'!r}, "
                    f"but it is in {bins.get(m.sku, '(none)')!r}"
                )
            moved[m.sku] = step
            if m.from_bin:
                held[m.from_bin] -= 1
        for m in group:
            where = f"step {step}, SKU {m.sku!r}"
            if held.get(m.to_bin, 0) > 0:
                raise MoveError(f"{where}: bin {m.to_bin!r} is not empty")
            if layout is not None:
                slot = layout.slot(m.to_bin)
                need = None if space is None else space.get(m.sku)
                if (
                    need is not None
                    and slot.capacity is not None
                    and need > slot.capacity * (1 + 1e-9)
                ):
                    raise MoveError(
                        f"{where}: needs {need:.3g} l but bin {m.to_bin!r} holds "
                        f"{slot.capacity:.3g} l"
                    )
            held[m.to_bin] = 1
            bins[m.sku] = m.to_bin
    return Slotting(bins, name=f"{current.name}+moves")

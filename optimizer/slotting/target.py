"""The target of a re-slot: the full re-slot under a policy, made *sticky*.

:func:`~optimizer.slotting.reslotting.reslot` moves SKUs toward a target
slotting; this module finds it. For ``"class-based"``,
:func:`class_zones` gives the class zones, the slots a fresh class-based
slotting would give each class; SKUs already in their class zone keep their
slot, and each other SKU (most picked first) takes the cheapest free slot of
its zone. For ``"turnover"`` and ``"coi"``, SKUs taken in policy order keep
their slot when it is as cheap as the best free one (both sides of one pick
node), else take the best free slot, preferring slots whose current occupant
matters least.

In the order data flows: :meth:`SkuTable.build` numbers the SKUs (those of
the history first, then those only the current slotting knows) and finds
where each is now; :func:`rank_skus` turns the policy into a
:class:`Ranking` of SKUs and slots; :func:`sticky_target` gives every SKU
its target slot.

Notes
-----
O(n g) for n SKUs and g slot groups (slots of equal capacity and zone).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.errors import PickoptError, UnknownSlotError, suggest
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting.assignment import SlotPool, fit_in_order
from optimizer.slotting.classes import Classes, classify
from optimizer.slotting.profile import DemandProfile

__all__ = [
    "EPS",
    "SkuTable",
    "Ranking",
    "current_slots",
    "rank_skus",
    "sticky_target",
    "class_zones",
    "slot_accepts",
]

#: Slot costs closer than this (metres) count as equal.
EPS = 1e-9


def current_slots(
    profile: DemandProfile, current: Slotting, layout: Layout, unknown_skus: str = "keep"
) -> tuple[list[str], np.ndarray, tuple[str, ...]]:
    """Number the SKUs and find where each is now.

    Parameters
    ----------
    profile
        The demand; its SKUs come first, in its order.
    current
        Where SKUs are now; its SKUs without history come last.
    layout
        The warehouse ``current`` belongs to.
    unknown_skus
        SKUs of ``current`` without history: ``"keep"`` them or raise (``"error"``).

    Returns
    -------
    skus, slot_of, unknown
        The SKUs, the slot index of each (-1: none), and the SKUs only ``current`` knows.

    Raises
    ------
    UnknownSlotError
        For a bin the layout lacks, no SKU of ``current`` in the history, or,
        with ``unknown_skus="error"``, any SKU the history lacks.
    """
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


@dataclass(frozen=True)
class SkuTable:
    """The SKUs of a re-slot, numbered: those of the history first, then those
    only the current slotting knows (zero demand).

    Attributes
    ----------
    skus
        SKU names by index.
    cur
        Slot index of each SKU now (-1: none).
    unknown
        SKUs of the current slotting without history.
    per_day
        Picks per day of each SKU.
    space
        Litres each SKU needs (``None``: no unit cubes, capacities ignored).
    zones
        Zone each SKU must go to (``None``: no zones).
    """

    skus: list[str]
    cur: np.ndarray
    unknown: tuple[str, ...]
    per_day: np.ndarray
    space: np.ndarray | None
    zones: list[str | None] | None

    @classmethod
    def build(
        cls,
        profile: DemandProfile,
        current: Slotting,
        layout: Layout,
        *,
        unknown_skus: str = "keep",
        cover_days: float = 2.0,
    ) -> SkuTable:
        """Number the SKUs of ``profile`` and ``current`` (see :func:`current_slots`)
        and pad the profile's per-SKU figures for the SKUs it lacks."""
        skus, cur, unknown = current_slots(profile, current, layout, unknown_skus)
        pad = len(unknown)
        per_day = np.concatenate([profile.picks_per_day, np.zeros(pad)])
        prof_space = profile.space(cover_days)
        space = None if prof_space is None else np.concatenate([prof_space, np.zeros(pad)])
        zones = None if profile.zones is None else [*profile.zones, *([None] * pad)]
        return cls(skus, cur, unknown, per_day, space, zones)


@dataclass(frozen=True)
class Ranking:
    """What a policy prefers: which SKUs choose first, which slots are better.

    Attributes
    ----------
    order
        SKU indices, the SKU that chooses first first.
    weight
        Per SKU, what one metre of slot cost is worth (picks per day, or
        1 / COI).
    rank_cost, tie
        Per slot: how good it is for the policy (lower first), and the tie-break.
    keep
        Per SKU: claim the current slot before anyone else chooses (class-based:
        the SKU is in its class zone); ``None``: nobody.
    classes
        The ABC classes (class-based), else ``None``.
    code, zone
        Class-based: the class of each SKU and the class zone of each slot
        (-1: none); else ``None``.
    """

    order: np.ndarray
    weight: np.ndarray
    rank_cost: np.ndarray
    tie: np.ndarray
    keep: np.ndarray | None = None
    classes: Classes | None = None
    code: np.ndarray | None = None
    zone: np.ndarray | None = None


def rank_skus(
    layout: Layout,
    profile: DemandProfile,
    table: SkuTable,
    cost: np.ndarray,
    policy: str,
    shares: Sequence[float],
    cover_days: float,
) -> Ranking:
    """The ranking of ``"class-based"``, ``"turnover"`` or ``"coi"`` storage.

    Turnover: SKUs by picks per day, slots by cost, ties broken toward slots
    whose occupant is picked least. COI: SKUs by cube-per-order index,
    weighted by its inverse. Class-based: SKUs by class, then picks; slots
    by the mean cost of their class zone (:func:`class_zones`), then their
    own cost; SKUs already in their class zone keep their slot.
    """
    cur, per_day = table.cur, table.per_day
    n, pad = len(table.skus), len(table.unknown)
    idx = np.arange(n)
    occupant_weight = np.full(len(layout.slots), -1.0)
    np.maximum.at(occupant_weight, cur[cur >= 0], per_day[cur >= 0])
    if policy == "coi":
        coi = np.concatenate([profile.coi(cover_days), np.full(pad, np.inf)])
        weight = np.where(np.isfinite(coi), 1.0 / np.maximum(coi, 1e-300), 0.0)
        order = np.lexsort((idx, -per_day, coi))
        occupant_weight[:] = -1.0
        np.maximum.at(occupant_weight, cur[cur >= 0], weight[cur >= 0])
        return Ranking(order, weight, cost, occupant_weight)
    if policy != "class-based":
        return Ranking(np.lexsort((idx, -per_day)), per_day, cost, occupant_weight)
    classes = classify(profile, "abc", shares)
    code = np.concatenate([classes.code, np.full(pad, len(classes.labels) - 1)])
    order = np.lexsort((idx, -per_day, code))
    zone_cost, zone = class_zones(layout, order, cost, code, table.space, table.zones)
    keep = (cur >= 0) & (zone[np.maximum(cur, 0)] == code)
    return Ranking(order, per_day, zone_cost, cost, keep, classes, code, zone)


def sticky_target(
    layout: Layout, table: SkuTable, ranking: Ranking
) -> tuple[np.ndarray, dict[int, str]]:
    """Target slot of each SKU, in the ranking's order.

    SKUs with ``ranking.keep`` first claim their current slot; then every
    other SKU takes its current slot if that is as good (``rank_cost``) as
    the best free one, else the best free slot (by ``rank_cost``, then
    ``tie``). Capacities and zones are honoured.

    Returns
    -------
    target, why
        Slot of each SKU (-1: none), and SKU -> why it has no slot.
    """
    order, rank_cost, tie, keep = ranking.order, ranking.rank_cost, ranking.tie, ranking.keep
    cur, space, zones = table.cur, table.space, table.zones
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
            if keep[i] and not pool.taken[own] and slot_accepts(layout, own, float(sp[i]),
                                                                  zone_of(i)):  # fmt: skip
                pool.take(own)
                target[i] = own
    for i in order.tolist():
        if target[i] >= 0:
            continue
        zone = zone_of(i)
        groups = pool.fits(float(sp[i]), zone)
        best = pool.best(groups)
        own = int(cur[i])
        stay = own >= 0 and not pool.taken[own] and slot_accepts(layout, own, float(sp[i]), zone)
        if stay and (best < 0 or rank_cost[own] <= rank_cost[best] + EPS):
            best = own
        if best < 0:
            why[i] = pool.why_not(float(sp[i]), zone)
            continue
        pool.take(best)
        target[i] = best
    return target, why


def slot_accepts(layout: Layout, slot: int, space: float, zone: str | None) -> bool:
    """True if slot index ``slot`` holds ``space`` litres and lies in ``zone``
    (``None``: any zone).

    Examples
    --------
    >>> import dataclasses
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> slot_accepts(layout, 0, 5.0, None)
    True
    >>> small = dataclasses.replace(layout.slots[0], capacity=2.0)
    >>> smaller = dataclasses.replace(layout, slots=(small, *layout.slots[1:]))
    >>> slot_accepts(smaller, 0, 5.0, None)
    False
    """
    s = layout.slots[slot]
    cap = math.inf if s.capacity is None else float(s.capacity)
    return space <= cap * (1 + 1e-9) and (zone is None or s.zone == zone)


def class_zones(
    layout: Layout,
    order: np.ndarray,
    cost: np.ndarray,
    code: np.ndarray,
    space: np.ndarray | None,
    zones: Sequence[str | None] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Class zones of the class-based policy.

    Parameters
    ----------
    layout
        The warehouse.
    order
        SKU indices in class-based order (class, then picks).
    cost
        Slot costs.
    code
        Class of each SKU (0 for A).
    space, zones
        Per SKU: litres needed and zone required (``None``: no such limits).

    Returns
    -------
    zone_cost, zone
        Slot costs averaged over each class zone (slots of no zone keep their
        own), and the class zone of each slot: the class a fresh class-based
        slotting gives it (-1: none).
    """
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

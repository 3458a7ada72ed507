"""Slot desirability and assigning SKUs to slots.

Desirability (:func:`slot_costs`)
    The expected walking cost of one pick from each slot: the round trip
    from the depot(s) to its pick node through the distance oracle
    (weighted over depots), plus a level penalty in metres of walking that
    makes the golden zone (waist height, level 2 by default) cheapest and
    floor and top levels dearer. See :class:`SlotCosts`.

Policies (:func:`assign`)
    ``"class-based"``
        ABC classes by pick share; class A takes the best slots, then B,
        then C; within a class storage is random (seeded), which is what
        keeps class-based storage robust to demand drift.
    ``"turnover"``
        Full turnover-based storage: the k-th most picked SKU gets the k-th
        best slot.
    ``"coi"``
        Cube-per-order index: the SKU with the smallest COI gets the best slot.
    ``"random"``
        Every SKU in a random free slot that fits it (the baseline).

Capacities: when the SKU master gives unit cubes and the layout gives slot
capacities (litres), a SKU only goes to a slot that holds
``profile.space(cover_days)``; when the master gives a SKU a ``zone`` (a
size class or a storage zone) it only goes to slots of that zone. SKUs are
placed one by one in policy order, each in the best free slot that fits it;
SKUs that find none stay unslotted and are reported with the reason.

Notes
-----
Without capacities or zones the assignment is one sort: O(n log n). With
them, slots are grouped by (zone, capacity) and each SKU scans the group
heads: O(n g) for g groups (a handful in real layouts).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from optimizer.distance import DistanceOracle
from optimizer.errors import CapacityError, PickoptError, suggest
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting.classes import DEFAULT_SHARES, Classes, classify
from optimizer.slotting.profile import DemandProfile

__all__ = [
    "SlotCosts",
    "slot_costs",
    "assign",
    "Assignment",
    "Unslotted",
    "SlottingWarning",
    "POLICIES",
    "GOLDEN_ZONE",
]

POLICIES = ("class-based", "turnover", "coi", "random")

#: Default level penalties (metres of walking per pick): level 2 is the
#: golden zone, level 1 is the floor, level 3 is above the shoulder.
GOLDEN_ZONE: Mapping[int, float] = {1: 1.5, 2: 0.0, 3: 1.0}


class SlottingWarning(UserWarning):
    """Some SKUs could not be slotted (the result says which)."""


@dataclass(frozen=True)
class SlotCosts:
    """How desirable each slot is: walking plus a level penalty.

    Parameters
    ----------
    depot_weights
        Depot name -> share of tours that start and end there; default: all
        depots equally.
    level_penalty
        Level -> metres of walking one pick at that level is worth; levels
        not listed above the highest one listed cost ``top_penalty`` more
        per level. Default :data:`GOLDEN_ZONE`.
    top_penalty
        Extra metres per level above the highest level listed.
    round_trip
        Count the walk out and back (``True``) or one way.

    Examples
    --------
    >>> SlotCosts().penalty(2), SlotCosts().penalty(5)
    (0.0, 4.0)
    """

    depot_weights: Mapping[str, float] | None = None
    level_penalty: Mapping[int, float] = field(default_factory=lambda: dict(GOLDEN_ZONE))
    top_penalty: float = 1.5
    round_trip: bool = True

    def __post_init__(self) -> None:
        for level, v in self.level_penalty.items():
            if not math.isfinite(v) or v < 0:
                raise PickoptError(f"level penalty of level {level} = {v!r} not understood")
        if not math.isfinite(self.top_penalty) or self.top_penalty < 0:
            raise PickoptError(f"top_penalty = {self.top_penalty!r} not understood")
        if self.depot_weights is not None:
            w = list(self.depot_weights.values())
            if not w or any(not math.isfinite(x) or x < 0 for x in w) or sum(w) <= 0:
                raise PickoptError(f"depot weights {dict(self.depot_weights)} not understood")

    def penalty(self, level: int | None) -> float:
        """Metres added to a pick at ``level`` (``None``: no penalty)."""
        if level is None or not self.level_penalty:
            return 0.0
        if level in self.level_penalty:
            return float(self.level_penalty[level])
        top = max(self.level_penalty)
        if level > top:
            return float(self.level_penalty[top]) + self.top_penalty * (level - top)
        return float(self.level_penalty[min(self.level_penalty, key=lambda k: abs(k - level))])


def slot_costs(
    layout: Layout, costs: SlotCosts | None = None, *, oracle: DistanceOracle | None = None
) -> np.ndarray:
    """Expected walking cost of one pick from each slot, metres (indexed like ``layout.slots``).

    Parameters
    ----------
    layout
        The warehouse.
    costs
        Depot weights and level penalties; default :class:`SlotCosts`.
    oracle
        Distances to reuse.

    Raises
    ------
    LayoutError
        For a depot weight naming an unknown depot.
    """
    costs = costs or SlotCosts()
    oracle = oracle or DistanceOracle.for_layout(layout)
    nodes = np.fromiter((s.node for s in layout.slots), dtype=np.int64, count=len(layout.slots))
    if costs.depot_weights is None:
        weights = {d.name: 1.0 for d in layout.depots}
    else:
        weights = dict(costs.depot_weights)
        for name in weights:
            layout.depot(name)  # raises naming the depot
    total = sum(weights.values())
    distinct, inverse = np.unique(nodes, return_inverse=True)
    walk = np.zeros(distinct.size)
    for name, w in weights.items():
        if w:
            walk += (w / total) * oracle.from_depot(distinct, name)
    walk = walk[inverse] * (2.0 if costs.round_trip else 1.0)
    levels = [s.level for s in layout.slots]
    by_level = {lv: costs.penalty(lv) for lv in set(levels)}
    return walk + np.fromiter((by_level[lv] for lv in levels), dtype=np.float64, count=len(levels))


@dataclass(frozen=True, slots=True)
class Unslotted:
    """A SKU left without a slot, and why."""

    sku: str
    reason: str


@dataclass(frozen=True)
class Assignment(Slotting):
    """A :class:`~optimizer.orders.Slotting` made by :func:`assign`, with its report.

    Attributes
    ----------
    unslotted
        SKUs without a slot and why, lowest priority first.
    policy
        The policy that made it.
    classes
        The classes used (class-based policy), else ``None``.
    """

    unslotted: tuple[Unslotted, ...] = ()
    policy: str = ""
    classes: Classes | None = field(default=None, repr=False, compare=False)


# ---- fitting SKUs into slots -----------------------------------------------------------------
class SlotPool:
    """Free slots in a fixed preference order, grouped by what they accept.

    Slots with equal (zone, capacity) form a group kept in preference order;
    a SKU takes the most preferred free slot among the groups it fits.

    Parameters
    ----------
    layout
        The warehouse.
    order
        Slot indices, most preferred first (slots left out are never used).
    """

    def __init__(self, layout: Layout, order: np.ndarray) -> None:
        self.rank = np.full(len(layout.slots), np.iinfo(np.int64).max, dtype=np.int64)
        self.rank[order] = np.arange(order.size)
        keys: dict[tuple[str | None, float], list[int]] = {}
        for s in order.tolist():
            slot = layout.slots[s]
            cap = math.inf if slot.capacity is None else float(slot.capacity)
            keys.setdefault((slot.zone, cap), []).append(s)
        self.groups = list(keys)
        self.members = [keys[k] for k in self.groups]
        self.head = [0] * len(self.groups)
        self.taken = np.zeros(len(layout.slots), dtype=bool)
        self.taken[np.setdiff1d(np.arange(len(layout.slots)), order)] = True
        self.largest = max((c for _, c in self.groups), default=0.0)
        self.zones = {z for z, _ in self.groups}

    def fits(self, space: float, zone: str | None) -> list[int]:
        """Groups a SKU of this space (litres) and zone fits."""
        return [
            g for g, (z, cap) in enumerate(self.groups)
            if space <= cap * (1 + 1e-9) and (zone is None or z == zone)
        ]  # fmt: skip

    def best(self, groups: Sequence[int]) -> int:
        """The most preferred free slot in ``groups``, or -1."""
        best, best_rank = -1, np.iinfo(np.int64).max
        for g in groups:
            members, h = self.members[g], self.head[g]
            while h < len(members) and self.taken[members[h]]:
                h += 1
            self.head[g] = h
            if h < len(members) and self.rank[members[h]] < best_rank:
                best, best_rank = members[h], int(self.rank[members[h]])
        return best

    def take(self, slot: int) -> None:
        """Mark ``slot`` used."""
        self.taken[slot] = True

    def why_not(self, space: float, zone: str | None) -> str:
        """Why a SKU finds no slot."""
        if zone is not None and zone not in self.zones:
            return f"no slot in zone {zone!r}" + suggest(zone, [z for z in self.zones if z])
        if space > self.largest * (1 + 1e-9):
            return f"needs {space:.3g} l, the largest slot holds {self.largest:.3g} l"
        return "no free slot that fits"


def fit_in_order(
    layout: Layout,
    sku_order: np.ndarray,
    slot_order: np.ndarray,
    space: np.ndarray | None,
    zones: Sequence[str | None] | None,
) -> tuple[np.ndarray, dict[int, str]]:
    """Place SKUs in ``sku_order``, each in the first free slot of ``slot_order`` that fits.

    Returns the slot of each SKU (-1: none) and the reason for each SKU
    left out.
    """
    n = int(max(sku_order.max(initial=-1) + 1, 0))
    slot_of = np.full(n, -1, dtype=np.int64)
    constrained = (space is not None and any(s.capacity is not None for s in layout.slots)) or (
        zones is not None and any(z is not None for z in zones)
    )
    if not constrained:
        k = min(sku_order.size, slot_order.size)
        slot_of[sku_order[:k]] = slot_order[:k]
        why = {int(i): "no free slot" for i in sku_order[k:].tolist()}
        return slot_of, why
    pool = SlotPool(layout, slot_order)
    sp = np.zeros(n) if space is None else space
    why = {}
    cache: dict[tuple[float, str | None], list[int]] = {}
    for i in sku_order.tolist():
        key = (float(sp[i]), zones[i] if zones is not None else None)
        groups = cache.get(key)
        if groups is None:
            groups = cache[key] = pool.fits(*key)
        s = pool.best(groups)
        if s < 0:
            why[i] = pool.why_not(*key)
            continue
        pool.take(s)
        slot_of[i] = s
    return slot_of, why


def sku_priority(
    profile: DemandProfile,
    policy: str,
    *,
    shares: Sequence[float] = DEFAULT_SHARES,
    cover_days: float = 2.0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, Classes | None]:
    """SKU indices in the order a policy slots them, and the classes it used."""
    n = len(profile)
    idx = np.arange(n)
    rng = rng or np.random.default_rng(0)
    if policy == "class-based":
        classes = classify(profile, "abc", shares)
        return np.lexsort((rng.permutation(n), classes.code)), classes
    if policy == "turnover":
        return np.lexsort((idx, -profile.units, -profile.picks)), None
    if policy == "coi":
        return np.lexsort((idx, -profile.picks, profile.coi(cover_days))), None
    if policy == "random":
        return rng.permutation(n), None
    raise PickoptError(
        f"unknown slotting policy {policy!r}" + suggest(policy, POLICIES)
        + f"; known: {', '.join(POLICIES)}"
    )  # fmt: skip


def assign(
    layout: Layout,
    profile: DemandProfile,
    policy: str = "class-based",
    *,
    shares: Sequence[float] = DEFAULT_SHARES,
    costs: SlotCosts | None = None,
    cover_days: float = 2.0,
    seed: int = 0,
    strict: bool = False,
    oracle: DistanceOracle | None = None,
) -> Assignment:
    """Slot every SKU of ``profile`` in ``layout`` by ``policy``.

    Parameters
    ----------
    layout
        The warehouse.
    profile
        The demand (and unit cubes and zones, from the SKU master).
    policy
        One of :data:`POLICIES`.
    shares
        ABC class shares of the class-based policy (default 80/15/5).
    costs
        Slot desirability; default :class:`SlotCosts`.
    cover_days
        Days of average demand a slot must hold, when capacities apply.
    seed
        Seed of the random choices (within-class order, random storage).
    strict
        Raise :class:`CapacityError` when SKUs stay unslotted, instead of
        warning and reporting them in :attr:`Assignment.unslotted`.
    oracle
        Distances to reuse.

    Returns
    -------
    Assignment
        A :class:`Slotting` (SKU -> bin code, with its ``version``) that
        also lists the unslotted SKUs.

    Raises
    ------
    PickoptError
        For an unknown policy or bad shares.
    CapacityError
        With ``strict``, naming how many SKUs did not fit and the first ones.

    Examples
    --------
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> profile = DemandProfile.from_arrays(["o1", "o2", "o3", "o3"],
    ...                                     ["busy", "busy", "busy", "rare"], [1, 1, 1, 1])
    >>> slotting = assign(layout, profile, "class-based")
    >>> slotting.bin_of("busy"), slotting.unslotted
    ('A01-B1-001-L-1', ())
    """
    rng = np.random.default_rng(seed)
    sku_order, classes = sku_priority(profile, policy, shares=shares, cover_days=cover_days,
                                      rng=rng)  # fmt: skip
    n_slots = len(layout.slots)
    if policy == "random":
        slot_order = rng.permutation(n_slots)
    else:
        cost = slot_costs(layout, costs, oracle=oracle)
        slot_order = np.lexsort((np.arange(n_slots), cost))
    slot_of, why = fit_in_order(layout, sku_order, slot_order, profile.space(cover_days),
                                profile.zones)  # fmt: skip
    skus = profile.skus
    codes = [s.code for s in layout.slots]
    placed = np.flatnonzero(slot_of >= 0)
    bins = {skus[i]: codes[s] for i, s in zip(placed.tolist(), slot_of[placed].tolist(),
                                                strict=True)}  # fmt: skip
    left = [Unslotted(skus[i], why[i]) for i in sku_order.tolist() if i in why]
    if left:
        message = _unslotted_message(left, len(profile), n_slots, layout.name)
        if strict:
            raise CapacityError(message)
        warnings.warn(message, SlottingWarning, stacklevel=2)
    return Assignment(bins, name=policy, unslotted=tuple(left), policy=policy, classes=classes)


def _unslotted_message(left: Sequence[Unslotted], n_skus: int, n_slots: int, name: str) -> str:
    shown = ", ".join(f"{u.sku} ({u.reason})" for u in left[:5])
    more = f" and {len(left) - 5:,} more" if len(left) > 5 else ""
    return (
        f"{len(left):,} of {n_skus:,} SKUs stay unslotted in layout {name!r} "
        f"({n_slots:,} slots): {shown}{more}"
    )

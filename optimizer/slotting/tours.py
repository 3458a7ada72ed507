"""Tour gains: what a re-slot saves on batched tours, measured on sampled history.

The single-pick estimate of :func:`~optimizer.slotting.reslotting.reslot` (picks per
day times the round trip from the depot to the slot) ignores how batched
tours work: a tour's length is set by which aisles it enters and how deep,
so a SKU that alone sends tours to a far aisle saves more when it moves than
its single-pick estimate says, and a SKU whose aisle is walked anyway saves
less. :class:`SampledTours` measures instead.

1. **Sample.** Historical orders are grouped, day by day, into cart-sized
   batches the way a wave would group them (:data:`TourGain.batching`:
   Clarke & Wright savings under the full re-slot's slotting, or first come
   first served), whole days in a seeded random order until
   :data:`TourGain.max_tours` batches are in.
2. **Measure.** Every batch keeps how many of its SKUs sit at each pick node
   and its exact tour length
   (:class:`~optimizer.batching.TourCost`, the routing DP where the layout
   has one, memoised). Relocating SKUs changes the node sets of the batches
   that contain them; :meth:`SampledTours.delta` is the sum over those
   batches of the old minus the new tour length, per day of the sample.
   Only batches whose node set really changes are routed again.

:func:`~optimizer.slotting.reslotting.reslot` with ``gain="tours"`` ranks its
candidate actions by this delta per move.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.batching import BATCHERS, Cart, TourCost, prepare
from optimizer.batching.problem import DEFAULT_TOUR_PENALTY
from optimizer.distance import DistanceOracle
from optimizer.errors import CapacityError, PickoptError, suggest
from optimizer.layout import Layout
from optimizer.orders import Order, OrderError, Slotting

__all__ = [
    "TourGain",
    "SampledTours",
    "sample_tours",
    "GAIN_MODELS",
    "TOUR_BATCHING",
    "TOUR_PENALTY",
]

#: Gain models of :func:`~optimizer.slotting.reslotting.reslot`.
GAIN_MODELS = ("picks", "tours")
#: How :func:`sample_tours` groups a day's orders into tours.
TOUR_BATCHING = ("savings", "fcfs")
#: Metres of walking one more tour costs in the savings batching: the default
#: setup time walked at the default speed, as ``WavePolicy().tour_penalty``.
TOUR_PENALTY = DEFAULT_TOUR_PENALTY
_CACHE_LIMIT = 1 << 20  # memoised tours kept before the memo is emptied (about 0.3 GB)


@dataclass(frozen=True)
class TourGain:
    """Options of the tour gain model (``reslot(..., gain="tours")``).

    Parameters
    ----------
    batching
        How each day's orders are grouped into tours: ``"savings"`` (Clarke
        & Wright savings, as the replay does, under the full re-slot's
        slotting: the batches the re-slotted warehouse would form) or
        ``"fcfs"`` (cart-sized groups in arrival order, independent of any
        slotting).
    max_tours
        Tours sampled at most: whole days, in a seeded random order, until
        this many tours are in (at least one day).
    hot
        SKUs considered for open moves (the most picked in the sample that
        are slotted); default ``2 * max_moves + 20``, at most 2,000.
    targets
        Candidate slots per hot SKU: the cheapest slots (by the policy's
        slot ranking) that are free or hold a colder SKU.
    max_evaluations
        Tour evaluations (candidate tours measured, memoised or not) after
        which the tour greedy stops; the rest of the budget goes by the
        picks model. Bounds the time on large catalogues and budgets.
    tour_penalty
        Metres per tour in the savings batching's objective; default
        :data:`TOUR_PENALTY`, the default wave's setup time as walking.
    seed
        Seed of the day sample.
    """

    batching: str = "savings"
    max_tours: int = 400
    hot: int | None = None
    targets: int = 16
    max_evaluations: int = 3_000_000
    tour_penalty: float = TOUR_PENALTY
    seed: int = 0

    def __post_init__(self) -> None:
        if self.batching not in TOUR_BATCHING:
            raise PickoptError(
                f"unknown tour batching {self.batching!r}" + suggest(self.batching, TOUR_BATCHING)
                + f"; use one of {', '.join(TOUR_BATCHING)}"
            )  # fmt: skip
        for name in ("max_tours", "targets", "max_evaluations"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise PickoptError(f"TourGain.{name} must be a whole number >= 1, got {v!r}")
        if self.hot is not None and (
            isinstance(self.hot, bool) or not isinstance(self.hot, int) or self.hot < 1
        ):
            raise PickoptError(f"TourGain.hot must be a whole number >= 1, got {self.hot!r}")
        if not (math.isfinite(self.tour_penalty) and self.tour_penalty >= 0):
            raise PickoptError(f"TourGain.tour_penalty must be >= 0, got {self.tour_penalty!r}")

    def hot_skus(self, max_moves: int) -> int:
        """How many SKUs get open candidates for a budget of ``max_moves``.

        Examples
        --------
        >>> TourGain().hot_skus(40), TourGain(hot=10).hot_skus(40)
        (100, 10)
        """
        return self.hot if self.hot is not None else min(2 * max_moves + 20, 2000)


class _BoundedTourCost(TourCost):
    """:class:`TourCost` whose memo is emptied when it grows past ``_CACHE_LIMIT``
    (a re-slot measures millions of distinct candidate tours)."""

    def __call__(self, nodes: tuple[int, ...]) -> float:
        cost = self._cache.get(nodes)
        if cost is not None:
            return cost
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        return super().__call__(nodes)


class SampledTours:
    """Sampled tours and their exact lengths while SKUs are relocated.

    Parameters
    ----------
    cost
        Tour length of a sorted tuple of distinct pick nodes.
    batches
        SKU indices of each tour (distinct within a tour).
    slot_node
        Pick node of each slot.
    slot_of
        Slot of each SKU (-1: none; such SKUs are left out of the tours).
    days
        Days the batches cover: lengths are reported per day.

    Attributes
    ----------
    members
        SKU indices of each tour.
    lines
        Per SKU, the number of sampled tours that pick it.
    slot_of
        Slot of each SKU as relocated so far (:meth:`apply`).
    evaluations
        Candidate tours measured so far (memoised or not).
    """

    def __init__(
        self,
        cost: TourCost,
        batches: Sequence[np.ndarray],
        slot_node: np.ndarray,
        slot_of: np.ndarray,
        days: int,
    ) -> None:
        self.cost = cost
        self.slot_node = slot_node
        self.slot_of = slot_of.copy()
        self.days = max(int(days), 1)
        n = slot_of.size
        self.of_sku: list[list[int]] = [[] for _ in range(n)]
        self.members: list[np.ndarray] = []
        self.counts: list[dict[int, int]] = []
        self.nodes: list[tuple[int, ...]] = []
        self.length: list[float] = []
        self.evaluations = 0
        for members in batches:
            members = np.unique(members[slot_of[members] >= 0])
            if not members.size:
                continue
            k = len(self.counts)
            counts: dict[int, int] = {}
            for node in slot_node[slot_of[members]].tolist():
                counts[node] = counts.get(node, 0) + 1
            for i in members.tolist():
                self.of_sku[i].append(k)
            nodes = tuple(sorted(counts))
            self.members.append(members)
            self.counts.append(counts)
            self.nodes.append(nodes)
            self.length.append(cost(nodes))
        self.lines = np.fromiter((len(b) for b in self.of_sku), dtype=np.int64, count=n)
        self.tours_of = [np.asarray(ks, dtype=np.int64) for ks in self.of_sku]

    @property
    def tours(self) -> int:
        """Number of sampled tours."""
        return len(self.counts)

    def per_day(self) -> float:
        """Metres per day of the sampled tours as they stand."""
        return float(sum(self.length)) / self.days

    def per_day_under(self, slot_of: np.ndarray) -> float:
        """Metres per day of the sampled tours with every SKU at ``slot_of`` instead
        (SKUs without a slot there keep their present one)."""
        where = np.where(slot_of >= 0, slot_of, self.slot_of)
        total = 0.0
        for members in self.members:
            total += self.cost(tuple(np.unique(self.slot_node[where[members]]).tolist()))
        return total / self.days

    def sees(self, skus: Sequence[int]) -> bool:
        """True if some sampled tour picks one of ``skus``."""
        return any(self.of_sku[i] for i in skus)

    def _changes(
        self, skus: Sequence[int], dests: Sequence[int]
    ) -> dict[int, list[tuple[int, int]]]:
        """Tour -> node changes (from, to) of relocating ``skus`` to ``dests``."""
        changes: dict[int, list[tuple[int, int]]] = {}
        node = self.slot_node
        for i, d in zip(skus, dests, strict=True):
            a = int(self.slot_of[i])
            f, t = (int(node[a]) if a >= 0 else -1), int(node[d])
            if f == t:
                continue
            for k in self.of_sku[i]:
                changes.setdefault(k, []).append((f, t))
        return changes

    def _after(self, k: int, change: list[tuple[int, int]]) -> tuple[int, ...] | None:
        """Node set of tour ``k`` after ``change``; ``None`` when it stays the same."""
        counts = self.counts[k]
        if len(change) == 1:
            f, t = change[0]
            drop = f >= 0 and counts.get(f, 0) == 1
            add = t not in counts
            if not (drop or add):
                return None
            nodes = list(self.nodes[k])
            if drop:
                del nodes[bisect.bisect_left(nodes, f)]
            if add:
                bisect.insort(nodes, t)
            return tuple(nodes)
        delta: dict[int, int] = {}
        for f, t in change:
            if f >= 0:
                delta[f] = delta.get(f, 0) - 1
            delta[t] = delta.get(t, 0) + 1
        after = set(counts)
        for node, d in delta.items():
            if counts.get(node, 0) + d > 0:
                after.add(node)
            else:
                after.discard(node)
        if len(after) == len(counts) and all(node in counts for node in after):
            return None
        return tuple(sorted(after))

    def delta(self, skus: Sequence[int], dests: Sequence[int]) -> float:
        """Metres per day the sampled tours save if ``skus`` move to ``dests`` together."""
        if len(skus) == 1:  # the common case, inlined
            i = skus[0]
            a = int(self.slot_of[i])
            f, t = (int(self.slot_node[a]) if a >= 0 else -1), int(self.slot_node[dests[0]])
            if f == t:
                return 0.0
            total, evaluated = 0.0, 0
            cost, all_counts, all_nodes, length = self.cost, self.counts, self.nodes, self.length
            for k in self.of_sku[i]:
                counts = all_counts[k]
                drop = f >= 0 and counts[f] == 1
                add = t not in counts
                if not (drop or add):
                    continue
                listed = list(all_nodes[k])
                if drop:
                    del listed[bisect.bisect_left(listed, f)]
                if add:
                    bisect.insort(listed, t)
                evaluated += 1
                total += length[k] - cost(tuple(listed))
            self.evaluations += evaluated
            return total / self.days
        saved = 0.0
        for k, change in self._changes(skus, dests).items():
            after = self._after(k, change)
            if after is not None:
                self.evaluations += 1
                saved += self.length[k] - self.cost(after)
        return saved / self.days

    def apply(self, skus: Sequence[int], dests: Sequence[int]) -> list[int]:
        """Relocate ``skus`` to ``dests`` (together); returns the tours that changed.

        A tour changes when the count of its SKUs at some pick node does, even
        where its node set and length stay: a SKU joining another at a node
        the tour walks to anyway leaves the length alone but makes moving
        that other SKU save nothing there, and a SKU leaving such a node makes
        moving the other one shorten the tour. Every gain of a SKU in a tour
        not returned stays as it was.
        """
        changed = []
        for k, change in self._changes(skus, dests).items():
            nodes = self._after(k, change)
            counts = self.counts[k]
            for f, t in change:
                if f >= 0:
                    counts[f] -= 1
                    if not counts[f]:
                        del counts[f]
                counts[t] = counts.get(t, 0) + 1
            if nodes is not None:
                self.nodes[k] = nodes
                self.length[k] = self.cost(nodes)
            changed.append(k)
        for i, d in zip(skus, dests, strict=True):
            self.slot_of[i] = d
        return changed


def _day_groups(
    orders: Sequence[Order] | Mapping[str, Sequence[Order]],
) -> list[list[Order]]:
    if isinstance(orders, Mapping):
        return [list(v) for v in orders.values() if v]
    return [list(orders)] if orders else []


def sample_tours(
    layout: Layout,
    orders: Sequence[Order] | Mapping[str, Sequence[Order]],
    batching_slotting: Slotting,
    sku_index: Mapping[str, int],
    slot_of: np.ndarray,
    cart: Cart,
    options: TourGain,
    *,
    oracle: DistanceOracle | None = None,
) -> SampledTours:
    """Group sampled historical orders into tours and measure them at ``slot_of``.

    Parameters
    ----------
    layout
        The warehouse.
    orders
        Historical orders: a sequence (one day) or day label -> orders.
    batching_slotting
        The slotting the savings batching groups orders under.
    sku_index
        SKU -> index into ``slot_of``; lines of other SKUs are left out.
    slot_of
        Slot of each SKU now (-1: none).
    cart
        What one tour carries.
    options
        Sample size, batching, seed.
    oracle
        Distances to reuse.

    Raises
    ------
    PickoptError
        For no orders.
    """
    days = _day_groups(orders)
    if not days:
        raise PickoptError("the tour gain model needs historical orders (orders=...)")
    oracle = oracle or DistanceOracle.for_layout(layout)
    node = layout.depot(None).node
    cost = _BoundedTourCost(layout, oracle, node, node)
    rng = np.random.default_rng(options.seed)
    batches: list[np.ndarray] = []
    used = 0
    for d in rng.permutation(len(days)).tolist():
        day = [o for o in days[d] if o.lines and all(s in sku_index for s in o.skus)]
        if not day:
            continue
        unique = list({o.id: o for o in day}.values())  # a wave needs unique order ids
        groups: list[list[Order]]
        if options.batching == "savings":
            try:
                problem, _ = prepare(layout, batching_slotting, unique, cart, oracle=oracle,
                                     tour_penalty=options.tour_penalty)  # fmt: skip
            except OrderError:
                continue
            if not problem.size:
                continue
            savings = BATCHERS["savings"].run(problem).groups
            groups = [[problem.orders[i] for i in g] for g in savings]
        else:
            groups = _fcfs(unique, cart)
        for g in groups:
            batches.append(np.array(sorted({sku_index[s] for o in g for s in o.skus}),
                                    dtype=np.int64))  # fmt: skip
        used += 1
        if len(batches) >= options.max_tours:
            break
    return SampledTours(cost, batches, np.array([s.node for s in layout.slots], dtype=np.int64),
                        slot_of, max(used, 1))  # fmt: skip


def _fcfs(orders: Sequence[Order], cart: Cart) -> list[list[Order]]:
    """Next fit in arrival order; an order too big for the cart is left out."""
    out: list[list[Order]] = []
    group: list[Order] = []
    load = np.zeros(len(cart.limits))
    for o in orders:
        try:
            need = cart.load(o)
        except CapacityError:  # the cart limits volume or weight the order does not give
            continue
        if not cart.fits(need):
            continue
        if group and not cart.fits(load + need):
            out.append(group)
            group, load = [], np.zeros_like(load)
        group.append(o)
        load = load + need
    if group:
        out.append(group)
    return out

"""Re-slotting: bounded lists of moves from the current slotting toward a better one.

:func:`reslot` works in three steps.

1. **Target** (:mod:`~optimizer.slotting.target`). The full re-slot under the
   policy, made *sticky*: SKUs keep their slot where the policy does not
   mind, so that the target is as near the current slotting as the policy
   allows.
2. **Put-aways.** SKUs of the history that the current slotting lacks go to
   their target slot (or the best free slot that fits); they do not count
   against ``max_moves``.
3. **Moves** (:mod:`~optimizer.slotting.greedy`). A greedy takes the action
   (a move, a chain, a swap or a rotation toward the target) with the best
   expected gain per move first until ``max_moves`` is spent. Every SKU
   moves at most once.

How the moves are ranked is the gain model of :class:`ReslotParams`:
``"picks"`` (default) takes picks per day times the drop in slot cost, one
pick as a round trip from the depot; ``"tours"`` measures what an action
saves on batched tours of historical orders
(:mod:`~optimizer.slotting.tours`), and also tries moves of the hot SKUs
into better free slots. On the benchmark (``benches/compare_slotting.py``)
both models capture about the same share of the full re-slot's replayed
saving.

The move list is applicable in order: one ``step`` per action, steps in
turn. The moves of a step can always be done together (all its SKUs taken
out, then put into their bins); those of a chain also one by one in the
order listed. No bin ever receives two SKUs, and every destination holds
the SKU (:func:`~optimizer.slotting.moves.apply_moves` checks exactly that).

Examples
--------
The busy SKU sits at the back of the warehouse; one move brings it to the
free bin across the aisle from the rare one, next to the depot:

>>> from optimizer.layout import Layout
>>> from optimizer.slotting.profile import DemandProfile
>>> layout = Layout.from_file("layouts/single_block.toml")
>>> profile = DemandProfile.from_arrays(["o1", "o2", "o3", "o3"],
...                                     ["busy", "busy", "busy", "rare"], [1, 1, 1, 1])
>>> current = Slotting({"busy": "A10-B1-045-L-1", "rare": "A01-B1-001-L-1"})
>>> plan = reslot(layout, profile, current, max_moves=2,
...               params=ReslotParams(policy="turnover"))
>>> [(m.step, m.sku, m.to_bin, m.kind) for m in plan.moves]
[(1, 'busy', 'A01-B1-001-R-1', 'move')]
>>> plan.moves_used, plan.captured
(1, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError, suggest
from optimizer.layout import Layout
from optimizer.orders import Order, Slotting
from optimizer.slotting.assignment import SlotCosts, SlotPool, Unslotted, slot_costs
from optimizer.slotting.classes import DEFAULT_SHARES, check_shares
from optimizer.slotting.greedy import Mover, picks_greedy, tour_greedy
from optimizer.slotting.moves import Move, MoveCost, ReslotPlan, price_moves
from optimizer.slotting.profile import DemandProfile
from optimizer.slotting.target import Ranking, SkuTable, rank_skus, sticky_target
from optimizer.slotting.tours import GAIN_MODELS, TourGain, sample_tours

__all__ = ["ReslotParams", "reslot", "RESLOT_POLICIES", "UNKNOWN_SKUS"]

#: Policies :func:`reslot` can move toward (random storage has no direction).
RESLOT_POLICIES = ("class-based", "turnover", "coi")
#: What :func:`reslot` does with SKUs of the current slotting the history lacks.
UNKNOWN_SKUS = ("keep", "error")


@dataclass(frozen=True)
class ReslotParams:
    """How :func:`reslot` plans: the policy, the gain model and their options.

    Parameters
    ----------
    policy
        ``"class-based"``, ``"turnover"`` or ``"coi"``.
    gain
        How actions are ranked: ``"picks"`` (picks per day x drop in slot
        cost) or ``"tours"`` (metres saved on sampled batched tours of the
        historical orders). Without a budget every action toward the target
        is taken, so the gain model changes nothing then.
    shares
        ABC shares of the class-based policy, fractions or per cent.
    costs
        Slot desirability; default :class:`~optimizer.slotting.SlotCosts`.
    cover_days
        Days of average demand a slot must hold, when capacities apply.
    unknown_skus
        SKUs of the current slotting without history: ``"keep"`` them as
        zero-demand SKUs (listed in ``ReslotPlan.unknown_skus``) or raise
        (``"error"``).
    cart
        What one tour carries, for ``gain="tours"``.
    tours
        Options of the tour gain model.
    move_cost
        Labour of a move (:class:`~optimizer.slotting.moves.MoveCost`),
        for each move's labour minutes and payback days.

    Raises
    ------
    PickoptError
        For a policy that cannot re-slot, an unknown gain model or
        ``unknown_skus`` value, bad shares, or negative ``cover_days``.

    Examples
    --------
    >>> ReslotParams(policy="turnover", gain="tours").cart.describe()
    '45 items'
    >>> ReslotParams(policy="random")
    Traceback (most recent call last):
    ...
    optimizer.errors.PickoptError: cannot re-slot by policy 'random' (random storage has nothing \
to improve toward); use one of class-based, turnover, coi
    """

    policy: str = "class-based"
    gain: str = "picks"
    shares: Sequence[float] = DEFAULT_SHARES
    costs: SlotCosts | None = None
    cover_days: float = 2.0
    unknown_skus: str = "keep"
    cart: Cart = Cart(max_items=45)
    tours: TourGain = TourGain()
    move_cost: MoveCost = MoveCost()

    def __post_init__(self) -> None:
        if self.policy not in RESLOT_POLICIES:
            why = (
                " (random storage has nothing to improve toward)"
                if self.policy == "random"
                else ""
            )
            raise PickoptError(f"cannot re-slot by policy {self.policy!r}{why}"
                               + _known(self.policy, RESLOT_POLICIES))  # fmt: skip
        if self.gain not in GAIN_MODELS:
            raise PickoptError(
                f"unknown gain model {self.gain!r}" + _known(self.gain, GAIN_MODELS)
            )
        if self.unknown_skus not in UNKNOWN_SKUS:
            raise PickoptError(
                f"unknown_skus must be 'keep' or 'error', got {self.unknown_skus!r}"
            )
        check_shares(self.shares)
        object.__setattr__(self, "shares", tuple(self.shares))  # frozen, hashable
        if not (math.isfinite(self.cover_days) and self.cover_days >= 0):
            raise PickoptError(f"cover_days must be >= 0 days, got {self.cover_days!r}")


def _known(value: str, known: Sequence[str]) -> str:
    return suggest(value, known) + f"; use one of {', '.join(known)}"


def reslot(
    layout: Layout,
    profile: DemandProfile,
    current: Slotting,
    max_moves: int | None = None,
    *,
    params: ReslotParams | None = None,
    orders: Sequence[Order] | Mapping[str, Sequence[Order]] | None = None,
    oracle: DistanceOracle | None = None,
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
    params
        Policy, gain model and options; default :class:`ReslotParams`.
    orders
        Historical orders for ``gain="tours"``: a sequence or day label ->
        orders (each day is batched on its own).
    oracle
        Distances to reuse.

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
        For a negative budget, or ``gain="tours"`` without orders.
    """
    params = params or ReslotParams()
    _check_budget(max_moves)
    if params.gain == "tours" and orders is None:
        raise PickoptError("gain='tours' needs the historical orders (orders=...)")
    table = SkuTable.build(profile, current, layout, unknown_skus=params.unknown_skus,
                           cover_days=params.cover_days)  # fmt: skip
    cost = slot_costs(layout, params.costs, oracle=oracle)
    ranking = rank_skus(layout, profile, table, cost, params.policy, params.shares,
                        params.cover_days)  # fmt: skip
    target, why = sticky_target(layout, table, ranking)
    mover = Mover(layout, table, ranking.weight, target, cost)
    unslotted = _put_away(layout, table, mover, ranking, why)
    tour_m = _spend_budget(layout, mover, ranking, max_moves, params, orders, oracle)
    mover.moves = list(_priced(layout, mover.moves, params.move_cost, oracle))
    return _plan(current, table, mover, ranking, max_moves, params, cost, unslotted, tour_m)


def _check_budget(max_moves: int | None) -> None:
    if max_moves is not None and (
        isinstance(max_moves, bool) or not isinstance(max_moves, int | np.integer) or max_moves < 0
    ):
        raise PickoptError(f"max_moves must be a whole number >= 0, got {max_moves!r}")


def _put_away(
    layout: Layout, table: SkuTable, mover: Mover, ranking: Ranking, why: Mapping[int, str]
) -> list[Unslotted]:
    """Put SKUs with demand and no bin yet away, most picked first; returns the
    SKUs left without a slot."""
    state, target, skus = mover.state, mover.target, table.skus
    cur, space, zones = table.cur, table.space, table.zones
    order = ranking.order.tolist()
    unslotted = [Unslotted(skus[i], why[i]) for i in order if i in why and cur[i] < 0]
    new = [i for i in order if cur[i] < 0 and target[i] >= 0]
    free_pool = SlotPool(layout, np.lexsort((np.arange(len(layout.slots)), ranking.rank_cost)))
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
    return unslotted


def _spend_budget(
    layout: Layout,
    mover: Mover,
    ranking: Ranking,
    max_moves: int | None,
    params: ReslotParams,
    orders: Sequence[Order] | Mapping[str, Sequence[Order]] | None,
    oracle: DistanceOracle | None,
) -> dict[str, float]:
    """Run the greedies; returns the sampled tours' metres per day (tours model)."""
    budget = math.inf if max_moves is None else int(max_moves)
    if params.gain != "tours" or max_moves is None or budget <= 0:
        picks_greedy(mover, budget, None)
        return {}
    assert orders is not None
    target_slotting = _table(mover.skus, mover.codes, mover.target, f"{params.policy}-target")
    index = {s: k for k, s in enumerate(mover.skus)}
    sampled = sample_tours(layout, orders, target_slotting, index, mover.state.cur, params.cart,
                           params.tours, oracle=oracle)  # fmt: skip
    tour_m = {"current": sampled.per_day()}
    tour_greedy(mover, sampled, int(budget), params.tours, ranking)
    picks_greedy(mover, budget, sampled)
    tour_m["planned"] = sampled.per_day()
    tour_m["target"] = sampled.per_day_under(mover.target)
    return tour_m


def _priced(
    layout: Layout, moves: Sequence[Move], cost: MoveCost, oracle: DistanceOracle | None
) -> tuple[Move, ...]:
    """Moves with labour minutes (handling, and carrying the stock from the old
    bin, or from the depot for a put-away) and payback days."""
    if not moves:
        return ()
    oracle = oracle or DistanceOracle.for_layout(layout)
    depot = layout.depot(None).node
    src = [layout.slot(m.from_bin).node if m.from_bin else depot for m in moves]
    dst = [layout.slot(m.to_bin).node for m in moves]
    metres = oracle.pairwise(src, dst)
    labour = [cost.minutes(float(d)) for d in metres]
    return price_moves(moves, [m.expected_gain_m for m in moves], labour, cost)


def _plan(
    current: Slotting,
    table: SkuTable,
    mover: Mover,
    ranking: Ranking,
    max_moves: int | None,
    params: ReslotParams,
    cost: np.ndarray,
    unslotted: Sequence[Unslotted],
    tour_m: Mapping[str, float],
) -> ReslotPlan:
    """The plan: slottings after the moves and of the target, and their expected walking."""
    skus, codes, policy = table.skus, mover.codes, params.policy
    cur, planned, target = table.cur, mover.state.cur, mover.target
    common = (cur >= 0) & (planned >= 0) & (target >= 0)

    def walk(slot_of: np.ndarray) -> float:
        return float((table.per_day[common] * cost[slot_of[common]]).sum())

    expected = {"current": walk(cur), "planned": walk(planned), "target": walk(target)}
    return ReslotPlan(
        slotting=_table(skus, codes, planned, f"{current.name}+{policy}-reslot"),
        moves=tuple(mover.moves),
        target=_table(skus, codes, target, f"{policy}-target"),
        policy=policy,
        max_moves=None if max_moves is None else int(max_moves),
        expected_m_per_day=expected,
        unknown_skus=table.unknown,
        unslotted=tuple(unslotted),
        classes=ranking.classes,
        gain=params.gain,
        tour_m_per_day=dict(tour_m),
    )


def _table(skus: Sequence[str], codes: Sequence[str], slot_of: np.ndarray, name: str) -> Slotting:
    placed = np.flatnonzero(slot_of >= 0)
    return Slotting({skus[i]: codes[int(slot_of[i])] for i in placed.tolist()}, name=name)

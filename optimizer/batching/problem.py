"""A batching problem: the orders that can be batched, their pick nodes and
loads, the cart, and the walking cost of any group of them.

:func:`prepare` turns a wave into a :class:`BatchingProblem` and sends every
order that cannot be batched (unknown SKU, too big for the cart, no lines) to
the unassigned list with its reason; nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from optimizer.batching.carts import LOAD_FIELDS, Cart
from optimizer.batching.kernels import group_objectives, groups_csr, order_csr
from optimizer.distance import DistanceOracle
from optimizer.errors import UnknownSlotError
from optimizer.layout import Layout
from optimizer.orders import Order, OrderError, Slotting
from optimizer.routing import ROUTERS, Router, RoutingProblem
from optimizer.routing.api import choose_router, tour_length
from optimizer.routing.local_search import LOCAL_SEARCH_ESTIMATE
from optimizer.routing.scoring import ESTIMATE, scoring_inputs, tour_length_kernel

__all__ = [
    "DEFAULT_SETUP_TIME_S",
    "DEFAULT_WALK_SPEED",
    "DEFAULT_TOUR_PENALTY",
    "Unassigned",
    "UNASSIGNED_CODES",
    "TourCost",
    "BatchingProblem",
    "prepare",
    "neighbours",
]

MAX_ORDERS = 200_000  # a wave beyond this is a mistake, not a wave
# A picker's default timing (Henn & Waescher walk 48 m/min) and what a tour's setup
# then costs as walking: the per-tour penalty that makes batching minimise picker
# time. Waves and slotting's tour model both start from these.
DEFAULT_SETUP_TIME_S = 180.0
DEFAULT_WALK_SPEED = 0.8  # m/s
DEFAULT_TOUR_PENALTY = DEFAULT_SETUP_TIME_S * DEFAULT_WALK_SPEED  # metres


#: Why an order was left out, as :attr:`Unassigned.code` says it.
UNASSIGNED_CODES = (
    "no_lines",  # the order has no lines
    "unknown_sku",  # a SKU the slotting does not place (``sku``)
    "unknown_bin",  # the slotting places a SKU in a bin the layout lacks (``sku``, ``bin``)
    "missing_volume",  # the cart limits volume and a line has no unit volume (``sku``)
    "missing_weight",  # the cart limits weight and a line has no unit weight (``sku``)
    "too_big_for_cart",  # the order alone exceeds a cart limit (``field``)
)


@dataclass(frozen=True)
class Unassigned:
    """An order left out of every batch, and why: a code from
    :data:`UNASSIGNED_CODES` for machines, a sentence for people, and the SKU,
    bin or cart field at fault where there is one."""

    order_id: str
    reason: str
    code: str
    sku: str | None = None
    bin: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, str]:
        """The fields that are set, JSON-ready."""
        out = {"order_id": self.order_id, "code": self.code, "reason": self.reason}
        out |= {k: v for k in ("sku", "bin", "field") if (v := getattr(self, k)) is not None}
        return out


class TourCost:
    """Walking distance of the tour through a set of pick nodes, memoised.

    Scores with the exact DP where the layout allows it (microseconds per
    tour), else with the local search's compiled estimate on the oracle's
    matrix (:data:`~optimizer.routing.scoring.ESTIMATE`: a few tenths of a
    per cent above the final route on average, where nearest neighbour is
    6-10 % off, so batching optimises the length pickers will walk); final
    routes of a wave are planned separately with ``route(method="auto")``.

    Parameters
    ----------
    layout, oracle
        The warehouse and its distances.
    start, end
        Depot nodes of every tour.
    method
        A routing method name, or ``"auto"`` for the rule above.
    """

    def __init__(
        self, layout: Layout, oracle: DistanceOracle, start: int, end: int, method: str = "auto"
    ) -> None:
        self.layout, self.oracle, self.start, self.end = layout, oracle, start, end
        probe = self._problem((int(layout.pick_nodes[0]),))
        # Resolved once: every batch of a wave has the same layout and depots.
        if method == "auto" and ROUTERS["exact"].supports(probe) is not None:
            self.router: Router = LOCAL_SEARCH_ESTIMATE
            self.method = "local-search"
        else:
            self.router, _ = choose_router(probe, method)
            self.method = self.router.name
        self._cache: dict[tuple[int, ...], float] = {}
        self.evaluations = 0
        # Inputs of the compiled tour-length kernel, to score a sorted node tuple
        # with no Python per tour: batching scores hundreds of thousands of tours.
        # The exact DP's where it scores; off it, the local search's estimate on
        # the oracle's matrix of every pick node (None on layouts too big for it).
        self._scoring = (
            scoring_inputs(oracle, start, end, None) if self.router.name == "exact"
            else scoring_inputs(oracle, start, end, ESTIMATE)
            if self.router is LOCAL_SEARCH_ESTIMATE else None
        )  # fmt: skip

    @property
    def scoring(self) -> tuple[np.ndarray, ...] | None:
        """Inputs ``(tab, fi, ff)`` of :func:`~optimizer.routing.scoring.tour_length_kernel`
        (the exact DP's or the estimate's) for compiled loops that score
        batches themselves (:mod:`optimizer.batching.kernels`), or None when
        batches are scored tour by tour (a routing method other than
        ``"auto"`` off the exact DP, or a layout too big for the matrix)."""
        return self._scoring

    @property
    def kernel(self) -> tuple[np.ndarray, ...] | None:
        """:attr:`scoring` where the exact DP scores batches, else None: the
        loops that evaluate a batch many times per order
        (:mod:`optimizer.batching.bulk`) pay off only at the DP's microseconds."""
        return self._scoring if self.router.name == "exact" else None

    def _problem(self, nodes: tuple[int, ...]) -> RoutingProblem:
        return RoutingProblem(self.layout, self.oracle, np.asarray(nodes, dtype=np.int64),
                              self.start, self.end)  # fmt: skip

    def __call__(self, nodes: tuple[int, ...]) -> float:
        """Tour length through ``nodes`` (a sorted tuple of distinct nodes), metres."""
        if not nodes:
            return 0.0
        cost = self._cache.get(nodes)
        if cost is None:
            self.evaluations += 1
            cost = -1.0
            if self._scoring is not None:
                cost = float(tour_length_kernel(np.array(nodes, dtype=np.int64), *self._scoring))
            if not 0.0 <= cost < np.inf:  # no kernel, or the router says what is wrong
                cost = tour_length(self.router, self._problem(nodes))
            self._cache[nodes] = cost
        return cost


@dataclass(frozen=True)
class BatchingProblem:
    """Orders to group into cart-sized batches, minimising total walking.

    The data are frozen; the tour lengths come from ``cost``, the evaluator
    that routes and memoises them (variants by ``dataclasses.replace``, e.g.
    with a fresh ``TourCost``).

    ``nodes[i]`` are the distinct pick nodes of ``orders[i]`` and
    ``loads[i]`` its load vector (see :class:`~optimizer.batching.Cart`).
    ``tour_penalty`` (metres) is added per non-empty batch to the objective:
    zero minimises walking alone; ``setup_time * walk_speed`` minimises
    picker time, trading a little walking for fewer tours.
    """

    orders: list[Order]
    nodes: list[frozenset[int]]
    loads: np.ndarray
    cart: Cart
    cost: TourCost
    tour_penalty: float = 0.0
    centroids: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        xy = self.cost.layout.xy
        centroids = np.array([xy[sorted(n)].mean(axis=0) for n in self.nodes], dtype=float)
        object.__setattr__(self, "centroids", centroids.reshape(-1, 2))

    @property
    def size(self) -> int:
        """Number of orders."""
        return len(self.orders)

    @cached_property
    def _near(self) -> dict[int, np.ndarray]:
        """The nearest-order lists :func:`neighbours` has built, by length: a
        wave's search asks for the same lists several times."""
        return {}

    @cached_property
    def node_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """Every order's sorted distinct pick nodes as CSR ``(pointers, nodes)``:
        the form compiled loops read (:mod:`optimizer.batching.kernels`)."""
        return order_csr(self.nodes)

    def batch_costs(self, batches: Sequence[Sequence[int]]) -> list[float]:
        """The objective of each batch (:meth:`batch_cost`), in one compiled loop
        where a compiled kernel scores batches (no memo), else one by one."""
        kernel = self.cost.scoring
        if kernel is None:
            return [self.batch_cost(b) for b in batches]
        gptr, gval = groups_csr(batches)
        ptr, idx = self.node_csr
        tab, fi, ff = kernel
        out = group_objectives(gptr, gval, ptr, idx, tab, fi, ff, float(self.tour_penalty),
                               len(self.cost.layout.xy))  # fmt: skip
        return [float(c) for c in out.tolist()]

    def union(self, members: Iterable[int]) -> tuple[int, ...]:
        """Sorted distinct pick nodes of a group of orders."""
        out: set[int] = set()
        for i in members:
            out |= self.nodes[i]
        return tuple(sorted(out))

    def tour_length(self, members: Iterable[int]) -> float:
        """Walking distance of one tour picking all ``members``, metres."""
        return self.cost(self.union(members))

    def batch_cost(self, members: Iterable[int]) -> float:
        """The objective of one batch: its tour length plus ``tour_penalty``
        (zero for an empty batch), so that fewer tours win ties or more."""
        nodes = self.union(members)
        return self.cost(nodes) + self.tour_penalty if nodes else 0.0

    def load(self, members: Iterable[int]) -> np.ndarray:
        """Total load of a group of orders."""
        idx = list(members)
        return self.loads[idx].sum(axis=0) if idx else np.zeros(len(LOAD_FIELDS))

    def fits(self, members: Iterable[int]) -> bool:
        """True if the group fits one cart."""
        return self.cart.fits(self.load(members))

    def total(self, batches: Sequence[Sequence[int]]) -> float:
        """Total walking distance of a batching."""
        return sum(self.batch_cost(b) for b in batches)


def _why_not(
    order: Order, layout: Layout, slotting: Slotting, cart: Cart, node_of: dict[str, int]
) -> Unassigned | None:
    """Why ``order`` cannot be batched, or None if it can; ``node_of`` gains the
    pick node of each SKU found (a wave repeats its SKUs, so each is looked up once)."""
    oid = order.id
    if not order.lines:
        return Unassigned(oid, "order has no lines", "no_lines")
    for sku in order.skus:
        if sku in node_of:
            continue
        try:
            code = slotting.bin_of(sku)
        except UnknownSlotError as exc:
            return Unassigned(oid, str(exc), "unknown_sku", sku=sku)
        try:
            node_of[sku] = layout.slot(code).node
        except UnknownSlotError as exc:
            return Unassigned(oid, f"SKU {sku!r} is slotted in {exc}", "unknown_bin",
                              sku=sku, bin=code)  # fmt: skip
    for line in order.lines:
        for limit, value, what in (("max_volume", line.unit_volume, "volume"),
                                   ("max_weight", line.unit_weight, "weight")):  # fmt: skip
            if getattr(cart, limit) is not None and value is None:
                return Unassigned(oid, f"SKU {line.sku!r} has no unit {what}",
                                  f"missing_{what}", sku=line.sku)  # fmt: skip
    units = ("items", "l", "kg", "totes")
    load = cart.load(order)
    for name, unit, need, cap in zip(LOAD_FIELDS, units, load, cart.limits, strict=True):
        if need > cap * (1 + 1e-12):
            return Unassigned(oid, f"order needs {need:g} {unit} but a cart holds {cap:g} "
                              f"({name})", "too_big_for_cart", field=name)  # fmt: skip
    return None


def prepare(
    layout: Layout,
    slotting: Slotting,
    orders: Sequence[Order],
    cart: Cart,
    *,
    oracle: DistanceOracle | None = None,
    start: str | None = None,
    end: str | None = None,
    scoring: str = "auto",
    tour_penalty: float = 0.0,
) -> tuple[BatchingProblem, list[Unassigned]]:
    """Check a wave and build its batching problem.

    Parameters
    ----------
    layout, slotting
        The warehouse and where each SKU is stored.
    orders
        The wave; order ids must be unique.
    cart
        Capacity of one tour.
    oracle
        Distances to reuse (default: the layout's shared oracle).
    start, end
        Depot names of every tour.
    scoring
        Routing method that scores batches (``"auto"``: exact where possible).
    tour_penalty
        Metres added to the objective per tour (see :class:`BatchingProblem`).

    Returns
    -------
    problem, unassigned
        Orders that can be batched, and those that cannot, with reasons.

    Raises
    ------
    OrderError
        No orders, too many, or an order id used twice.
    """
    if not orders:
        raise OrderError("the wave has no orders")
    if len(orders) > MAX_ORDERS:
        raise OrderError(f"the wave has {len(orders):,} orders; the limit is {MAX_ORDERS:,}")
    seen: set[str] = set()
    for o in orders:
        if not isinstance(o, Order):
            raise OrderError(f"expected Order objects, got {type(o).__name__}")
        if o.id in seen:
            raise OrderError(f"order id {o.id!r} appears twice in the wave")
        seen.add(o.id)
    oracle = oracle or DistanceOracle.for_layout(layout)
    s, e = layout.depot(start).node, layout.depot(end if end is not None else start).node
    cost = TourCost(layout, oracle, s, e, scoring)

    kept: list[Order] = []
    nodes: list[frozenset[int]] = []
    loads: list[np.ndarray] = []
    unassigned: list[Unassigned] = []
    node_of: dict[str, int] = {}
    for o in orders:
        why = _why_not(o, layout, slotting, cart, node_of)
        if why is not None:
            unassigned.append(why)
            continue
        kept.append(o)
        nodes.append(frozenset(node_of[sku] for sku in o.skus))
        loads.append(cart.load(o))
    arr = np.array(loads, dtype=float).reshape(-1, len(LOAD_FIELDS))
    if not (np.isfinite(tour_penalty) and tour_penalty >= 0):
        raise OrderError(f"tour_penalty must be >= 0 metres, got {tour_penalty!r}")
    problem = BatchingProblem(kept, nodes, arr, cart, cost, tour_penalty)
    return problem, unassigned


def neighbours(problem: BatchingProblem, k: int) -> np.ndarray:
    """For each order, the ``k`` other orders with the nearest pick centroids.

    Candidate lists keep the constructive methods and the local search near
    O(n k) route evaluations instead of O(n^2) on large waves.
    """
    from scipy.spatial import cKDTree

    n = problem.size
    k = min(k, n - 1)
    if k <= 0:
        return np.zeros((n, 0), dtype=np.int64)
    known = problem._near.get(k)
    if known is None:
        _, idx = cKDTree(problem.centroids).query(problem.centroids, k=k + 1)
        idx = np.asarray(idx, dtype=np.int64).reshape(n, k + 1)
        # Drop the order itself, wherever ties put it, else the farthest.
        keep = idx != np.arange(n)[:, None]
        keep[keep.all(axis=1), k] = False
        known = problem._near[k] = idx[keep].reshape(n, k)
    return known.copy()  # the caller's to change

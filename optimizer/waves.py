"""The composition root: orders -> batches -> routes -> KPIs.

:func:`plan_wave` is what a WMS calls per wave: it batches the released
orders for the cart, routes every batch, and reports what the plan walks and
saves. :func:`release_waves` cuts a backlog into waves by carrier cut-off and
priority so that each wave fits the pickers and the time window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.batching import (
    BATCHERS,
    Batch,
    BatchingResult,
    Cart,
    Unassigned,
    batch_orders,
    choose_batcher,
    prepare,
)
from optimizer.batching.problem import DEFAULT_SETUP_TIME_S, DEFAULT_WALK_SPEED
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError
from optimizer.layout import Layout
from optimizer.orders import Order, OrderError, Slotting
from optimizer.plot import plot_wave
from optimizer.routing import Route, route
from optimizer.values import summary_html

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "WavePolicy",
    "PickStep",
    "PlannedBatch",
    "WaveKpis",
    "WavePlan",
    "plan_wave",
    "release_waves",
]


@dataclass(frozen=True)
class WavePolicy:
    """How a wave is planned and timed.

    Parameters
    ----------
    batching
        Batching method (see :data:`optimizer.batching.METHODS`).
    routing
        Routing method for the final routes (see :data:`optimizer.routing.METHODS`).
    walk_speed
        Metres per second while walking (Henn & Waescher use 48 m/min).
    time_per_pick
        Seconds per order line picked.
    setup_time
        Seconds per tour at the depot (collect cart and pick list, drop off).
    seed
        Random seed of the batching search.
    effort
        Work budget of the batching search (ALNS iterations for ``"auto"``,
        kicks for ``"local-search"``); ``None``: the method's default.
    time_limit
        One wall-clock safety cap, seconds, for the whole plan: the batching
        and then the final routes, which get what the batching left. Both
        run a budget counted in work (``effort``; the local search's kicks
        per pick), so that a seed gives the same plan on any machine; the
        cap only cuts them short on a machine far slower or busier than
        intended, and the KPIs say so (``batching_capped``,
        ``routes_capped``).
    route_time_limit
        Wall-clock safety cap per final route for search routers (the local
        search that ``"auto"`` runs off the exact DP's layouts is budgeted in
        work); ``None``: the router's own cap, or what is left of
        ``time_limit``.
    """

    batching: str = "auto"
    routing: str = "auto"
    walk_speed: float = DEFAULT_WALK_SPEED
    time_per_pick: float = 10.0
    setup_time: float = DEFAULT_SETUP_TIME_S
    seed: int = 0
    effort: int | None = None
    time_limit: float | None = None
    route_time_limit: float | None = None

    def __post_init__(self) -> None:
        for name in ("walk_speed", "time_per_pick", "setup_time"):
            v = getattr(self, name)
            if not math.isfinite(v) or v < 0 or (name == "walk_speed" and v == 0):
                raise PickoptError(f"wave policy {name} = {v!r} not understood")
        for name in ("time_limit", "route_time_limit"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and v > 0):
                raise PickoptError(f"wave policy {name} = {v!r} not understood")
        choose_batcher(self.batching, self.effort)  # raises on an unknown method or budget

    @property
    def tour_penalty(self) -> float:
        """Setup time as metres of walking: what batching adds per tour, so that
        plans minimise picker time (setup + walking), not walking alone."""
        return self.setup_time * self.walk_speed

    def tour_time(self, distance: float, lines: int) -> float:
        """Seconds for one tour: setup, walking and picking."""
        return self.setup_time + distance / self.walk_speed + lines * self.time_per_pick


@dataclass(frozen=True)
class PickStep:
    """One line of a pick list: where to go, what to take, where to put it."""

    bin: str
    sku: str
    qty: int
    order_id: str
    tote: int | None
    distance_m: float  # walked from the start of the tour to this bin


@dataclass(frozen=True)
class PlannedBatch:
    """A batch with its final route, its pick list and its estimated time."""

    batch: Batch
    route: Route
    steps: tuple[PickStep, ...]
    time_s: float

    @property
    def orders(self) -> tuple[Order, ...]:
        """The orders picked in this tour."""
        return self.batch.orders

    @property
    def distance(self) -> float:
        """Walking distance of the final route, metres."""
        return self.route.distance


@dataclass(frozen=True)
class WaveKpis:
    """What a wave plan walks, takes and saves. Distances in metres, times in seconds.

    The baselines (``single_order_distance_m``, ``fcfs_distance_m`` and the
    savings against them) are ``None`` when ``plan_wave`` was asked not to
    score them; they are routed with the plan's own routing method.
    ``batching_capped`` is True when the wall-clock safety cap
    (``WavePolicy.time_limit``) cut the batching search short, and
    ``routes_capped`` when what it left cut a final route's search short:
    only then can the same wave and seed give another plan on a slower or
    busier machine.
    """

    orders: int
    assigned_orders: int
    unassigned_orders: int
    lines: int
    units: int
    batches: int
    total_distance_m: float
    distance_per_line_m: float
    total_time_s: float
    batching_method: str
    scoring_method: str
    routing_methods: tuple[str, ...]
    seconds: float = 0.0
    batching_seconds: float = 0.0
    batching_capped: bool = False
    routes_capped: bool = False
    single_order_distance_m: float | None = None
    fcfs_distance_m: float | None = None
    saving_vs_single_pct: float | None = None
    saving_vs_fcfs_pct: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The figures by name, JSON-ready; baselines that were not scored are left out."""
        out = {k: v for k, v in asdict(self).items() if v is not None}
        out["routing_methods"] = list(self.routing_methods)
        return out


@dataclass(frozen=True)
class WavePlan:
    """What ``plan_wave`` returns: batches with routes, unassigned orders, KPIs."""

    batches: list[PlannedBatch]
    unassigned: list[Unassigned]
    kpis: WaveKpis

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary with every batch's pick list."""
        return {
            "kpis": self.kpis.to_dict(),
            "batches": [
                {
                    "orders": [o.id for o in b.orders],
                    "distance_m": round(b.distance, 3),
                    "time_s": round(b.time_s, 1),
                    "route_method": b.route.method,
                    "optimal": b.route.optimal,
                    "totes": {k: list(v) for k, v in b.batch.totes.items()},
                    "steps": [s.__dict__ for s in b.steps],
                }
                for b in self.batches
            ],
            "unassigned": [u.to_dict() for u in self.unassigned],
        }

    def plot(self, n: int = 6, *, which: Sequence[int] | None = None) -> Axes:
        """Small multiples of the first ``n`` tours, or of the tours ``which`` (ids
        as in :meth:`to_frame`), numbered by their pick lists
        (:func:`optimizer.plot.plot_wave`)."""
        k = self.kpis
        title = f"{k.batches} tours, {k.total_distance_m:,.0f} m in all"
        if k.saving_vs_fcfs_pct is not None:
            title += f" ({k.saving_vs_fcfs_pct:.1f}% less than first come first served)"
        return plot_wave(self.batches, n, title, which=which)

    def to_frame(self) -> pd.DataFrame:
        """The pick lists as one table: one row per pick step, and a last
        ``"drop-off"`` row per tour for the walk back to the end depot.

        Columns: ``tour`` (from 0, as :meth:`plot`'s ``which``), ``step`` (the
        pick list's sequence number, from 1), ``action``, ``bin``, ``sku``,
        ``qty``, ``order_id``, ``tote``, ``distance_m`` (walked in the tour so
        far) and ``leg_m`` (walked since the previous row). The legs add up
        to the plan's total distance. Needs pandas.
        """
        import pandas as pd

        rows: list[dict[str, Any]] = []
        for t, b in enumerate(self.batches):
            last = 0.0
            for k, s in enumerate(b.steps, start=1):
                rows.append({"tour": t, "step": k, "action": "pick", **asdict(s),
                             "leg_m": s.distance_m - last})  # fmt: skip
                last = s.distance_m
            rows.append({"tour": t, "step": len(b.steps) + 1, "action": "drop-off",
                         "bin": None, "sku": None, "qty": 0, "order_id": None, "tote": None,
                         "distance_m": b.distance, "leg_m": b.distance - last})  # fmt: skip
        columns = ["tour", "step", "action", "bin", "sku", "qty", "order_id", "tote",
                   "distance_m", "leg_m"]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def __repr__(self) -> str:
        k = self.kpis
        return (
            f"WavePlan({k.batches} tours, {k.total_distance_m:,.1f} m, "
            f"{k.assigned_orders} orders planned, {k.unassigned_orders} unassigned)"
        )

    def _repr_html_(self) -> str:
        """A short summary for Jupyter: the KPIs, no pick lists."""
        k = self.kpis
        fields = {"orders": f"{k.assigned_orders:,} planned, {k.unassigned_orders:,} unassigned",
                  "tours": f"{k.batches:,}",
                  "distance": f"{k.total_distance_m:,.1f} m ({k.distance_per_line_m:.1f} m/line)",
                  "time": f"{k.total_time_s / 3600:,.2f} h",
                  "methods": f"{k.batching_method} batching, "
                             f"{'/'.join(k.routing_methods)} routing"}  # fmt: skip
        if k.saving_vs_fcfs_pct is not None:
            fields["saving"] = (
                f"{k.saving_vs_fcfs_pct:.1f} % vs FCFS, "
                f"{k.saving_vs_single_pct:.1f} % vs one order per tour"
            )
        return summary_html("WavePlan", fields)


def _steps(
    planned_route: Route, batch: Batch, slotting: Slotting, oracle: DistanceOracle
) -> tuple[PickStep, ...]:
    """Pick list in walking order, each line with its tote and distance so far."""
    path = np.asarray(planned_route.path, dtype=np.int64)
    walked = np.concatenate([[0.0], np.cumsum(oracle.pairwise(path[:-1], path[1:]))])
    at: dict[int, float] = {}
    for node, d in zip(path.tolist(), walked.tolist(), strict=True):
        at.setdefault(node, d)
    rank = {code: k for k, code in enumerate(planned_route.stops)}
    layout = planned_route.layout
    steps = []
    for order in batch.orders:
        totes = batch.totes.get(order.id)
        for line in order.lines:
            code = slotting.bin_of(line.sku)
            steps.append(PickStep(code, line.sku, line.qty, order.id, totes[0] if totes else None,
                                  at[layout.slot(code).node]))  # fmt: skip
    steps.sort(key=lambda s: (rank[s.bin], s.order_id, s.sku))
    return tuple(steps)


def plan_wave(
    layout: Layout,
    slotting: Slotting,
    orders: Sequence[Order],
    cart: Cart,
    policy: WavePolicy | None = None,
    *,
    oracle: DistanceOracle | None = None,
    start: str | None = None,
    end: str | None = None,
    baselines: bool = True,
) -> WavePlan:
    """Batch and route one wave of orders.

    Parameters
    ----------
    layout, slotting
        The warehouse and where each SKU is stored.
    orders
        Released orders (unique ids).
    cart
        What one tour can carry.
    policy
        Methods and timing; default :class:`WavePolicy`.
    oracle
        Distances to reuse.
    start, end
        Depot names of every tour (default: the first depot).
    baselines
        Also score one-order-per-tour and FCFS for the saving KPIs.

    Returns
    -------
    WavePlan
        ``batches`` (orders, route, pick steps, time), ``unassigned`` with
        reasons, and ``kpis``.

    Examples
    --------
    >>> from optimizer import Cart, Layout, Order, OrderLine, Slotting
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> orders = [Order("a", (OrderLine("A01-B1-003-L-1", 2),)),
    ...           Order("b", (OrderLine("A01-B1-005-R-1", 1),))]
    >>> plan = plan_wave(layout, Slotting.identity(layout), orders, Cart(max_items=4))
    >>> plan.kpis.batches, plan.kpis.saving_vs_single_pct > 0
    (1, True)
    """
    policy = policy or WavePolicy()
    t0 = time.perf_counter()
    oracle = oracle or DistanceOracle.for_layout(layout)
    result = batch_orders(
        layout, slotting, orders, cart, policy.batching, oracle=oracle, start=start, end=end,
        seed=policy.seed, effort=policy.effort, time_limit=policy.time_limit,
        tour_penalty=policy.tour_penalty,
    )  # fmt: skip
    t_batch = time.perf_counter() - t0
    planned = []
    routes_capped = False
    for b in result.batches:
        codes = [slotting.bin_of(sku) for o in b.orders for sku in o.skus]
        r = route(layout, codes, policy.routing, start, end, oracle=oracle,
                  time_limit=_route_cap(policy, t0))  # fmt: skip
        routes_capped |= r.detail.get("stopped_by") == "time-cap"
        lines = sum(len(o.lines) for o in b.orders)
        planned.append(PlannedBatch(b, r, _steps(r, b, slotting, oracle),
                                    policy.tour_time(r.distance, lines)))  # fmt: skip
    kpis = _kpis(result, planned)
    kpis["routes_capped"] = routes_capped
    if baselines and result.batches:
        batched = {o.id for b in result.batches for o in b.orders}
        arrival = [o for o in orders if o.id in batched]  # FCFS takes them as they came
        kpis |= _baselines(layout, slotting, arrival, planned, cart, policy.routing, oracle,
                           start, end)  # fmt: skip
    kpis["seconds"] = round(time.perf_counter() - t0, 4)
    kpis["batching_seconds"] = round(t_batch, 4)
    kpis["batching_capped"] = bool(result.detail.get("timed_out", False))
    return WavePlan(planned, result.unassigned, WaveKpis(**kpis))


_MIN_ROUTE_CAP_S = 1e-3  # a route whose plan is out of time still runs its first chunk


def _route_cap(policy: WavePolicy, t0: float) -> float | None:
    """The safety cap of one final route: ``route_time_limit``, or what is left
    of the plan's ``time_limit`` (started at ``t0``), whichever is smaller."""
    caps = [c for c in (policy.route_time_limit,) if c is not None]
    if policy.time_limit is not None:
        caps.append(max(_MIN_ROUTE_CAP_S, policy.time_limit - (time.perf_counter() - t0)))
    return min(caps) if caps else None


def _kpis(result: BatchingResult, planned: list[PlannedBatch]) -> dict[str, Any]:
    total = sum(b.distance for b in planned)
    lines = sum(len(o.lines) for b in planned for o in b.orders)
    assigned = sum(len(b.orders) for b in planned)
    return {
        "orders": assigned + len(result.unassigned),
        "assigned_orders": assigned,
        "unassigned_orders": len(result.unassigned),
        "lines": lines,
        "units": sum(o.items for b in planned for o in b.orders),
        "batches": len(planned),
        "total_distance_m": round(total, 3),
        "distance_per_line_m": round(total / lines, 3) if lines else 0.0,
        "total_time_s": round(sum(b.time_s for b in planned), 1),
        "batching_method": result.method,
        "scoring_method": result.scoring,
        "routing_methods": tuple(sorted({b.route.method for b in planned})),
    }


def _baselines(
    layout: Layout,
    slotting: Slotting,
    orders: list[Order],
    planned: list[PlannedBatch],
    cart: Cart,
    routing: str,
    oracle: DistanceOracle,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    """One order per tour and FCFS batches, routed like the plan, and the savings.

    The baselines' tours use the plan's routing method, so that the savings
    compare like with like. ``"auto"`` scores them with the exact DP where
    the layout allows, else with the cheap local search that batching scores
    with (``LOCAL_SEARCH_ESTIMATE``).
    """
    problem, _ = prepare(layout, slotting, orders, cart, oracle=oracle, start=start, end=end,
                         scoring=routing)  # fmt: skip
    # In one compiled loop each where the exact DP scores (waves of 50,000 orders).
    single = sum(problem.batch_costs([[i] for i in range(problem.size)]))
    fcfs = sum(problem.batch_costs(BATCHERS["fcfs"].run(problem).groups))
    total = sum(b.distance for b in planned)
    return {
        "single_order_distance_m": round(single, 3),
        "fcfs_distance_m": round(fcfs, 3),
        "saving_vs_single_pct": round(100 * (1 - total / single), 2) if single else 0.0,
        "saving_vs_fcfs_pct": round(100 * (1 - total / fcfs), 2) if fcfs else 0.0,
    }


def release_waves(
    orders: Sequence[Order],
    layout: Layout,
    slotting: Slotting,
    cart: Cart,
    *,
    pickers: int,
    window_s: float,
    policy: WavePolicy | None = None,
) -> list[list[Order]]:
    """Cut a backlog into waves, earliest carrier cut-off first.

    Orders are taken by due time (no due last), then priority (higher
    first), then id; a wave is closed when its estimated work would exceed
    ``pickers * window_s`` seconds. An order's work is estimated as its
    picking time plus its share of a batched tour: its own tour divided by
    how many such orders fill a cart.

    Parameters
    ----------
    orders
        The backlog.
    layout, slotting, cart
        To estimate the work of each order.
    pickers
        Pickers working the wave.
    window_s
        Length of a wave, seconds.
    policy
        Timing parameters; default :class:`WavePolicy`.

    Returns
    -------
    list of list of Order
        Waves in release order. Orders that cannot be batched (unknown SKU,
        too big for the cart) count as no work and stay in cut-off order;
        ``plan_wave`` reports them as unassigned with the reason.
    """
    if pickers < 1 or not (window_s > 0 and math.isfinite(window_s)):
        raise PickoptError(f"release needs pickers >= 1 and a positive window, got "
                           f"{pickers} and {window_s}")  # fmt: skip
    if not orders:
        raise OrderError("the backlog has no orders")
    policy = policy or WavePolicy()
    problem, unassigned = prepare(layout, slotting, orders, cart)
    bad = {u.order_id for u in unassigned}
    items = problem.loads[:, 0] if problem.size else np.zeros(0)
    per_cart = max(1.0, float(cart.limits[0] / max(items.mean(), 1.0))) if problem.size else 1.0
    work = {
        o.id: len(o.lines) * policy.time_per_pick
        + (policy.setup_time + problem.tour_length([i]) / policy.walk_speed) / per_cart
        for i, o in enumerate(problem.orders)
    }
    ranked = sorted(
        orders,
        key=lambda o: (o.due is None, o.due or 0.0, -o.priority, o.id),
    )
    budget = pickers * window_s
    waves: list[list[Order]] = [[]]
    used = 0.0
    for o in ranked:
        w = 0.0 if o.id in bad else work[o.id]
        if waves[-1] and used + w > budget:
            waves.append([])
            used = 0.0
        waves[-1].append(o)
        used += w
    return waves

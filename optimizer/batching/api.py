"""``batch_orders()``: check a wave, pick a batching method, and build the result."""

from __future__ import annotations

import time
from collections.abc import Sequence

from optimizer.batching.alns import ALNS
from optimizer.batching.base import Batcher, BatchingResult, Budgeted, batches_of
from optimizer.batching.bulk import BulkBatching
from optimizer.batching.carts import Cart
from optimizer.batching.columns import ColumnGeneration
from optimizer.batching.fcfs import FCFS
from optimizer.batching.hybrid import Hybrid
from optimizer.batching.local_search import LocalSearch
from optimizer.batching.problem import prepare
from optimizer.batching.savings import Savings
from optimizer.batching.seed import SeedBatching
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError, suggest
from optimizer.layout import Layout
from optimizer.orders import Order, Slotting

__all__ = ["BATCHERS", "METHODS", "AUTO", "LARGE_WAVE", "choose_batcher", "batch_orders"]

BATCHERS: dict[str, Batcher] = {
    b.name: b
    for b in (
        FCFS(),
        SeedBatching(),
        Savings(),
        LocalSearch(),
        ALNS(),
        ColumnGeneration(),
        Hybrid(),
        Hybrid.quality(),
        Hybrid.fast(),
        BulkBatching(),
    )
}
#: The method ``"auto"`` runs: the ALNS with its default work budget (its compiled
#: search where a compiled kernel scores batches, the exact DP's or off its layouts the
#: estimate's; ``detail["compiled"]`` says which ran).
AUTO = "alns"
#: Above this many orders ``"auto"`` runs ``"bulk"`` where the exact DP scores the
#: batches (its own fixed budget; ``effort`` stays the ALNS's): the ALNS's iterations
#: then touch a small share of the wave, while the bulk descent's cost per order
#: stays flat. Off the exact DP's layouts ``"auto"`` stays the ALNS: its start is the
#: same compiled savings and descent, and ``effort`` keeps its meaning.
LARGE_WAVE = 500
METHODS: tuple[str, ...] = ("auto", *BATCHERS)


def choose_batcher(method: str | Batcher, effort: int | None = None) -> Batcher:
    """The batcher for ``method``: a name from :data:`METHODS` or a batcher itself,
    with a work budget of ``effort`` units if given (see :class:`Budgeted`).

    Raises
    ------
    PickoptError
        For an unknown name, suggesting the closest known one, a negative
        ``effort``, or an ``effort`` for a method that has no work budget.

    Examples
    --------
    >>> choose_batcher("auto", effort=50).iterations
    50
    """
    if isinstance(method, str):
        name = AUTO if method == "auto" else method
        if name not in BATCHERS:
            raise PickoptError(
                f"unknown batching method {method!r}" + suggest(method, METHODS)
                + f"; known: {', '.join(METHODS)}"
            )  # fmt: skip
        method = BATCHERS[name]
    if effort is None:
        return method
    if effort < 0:
        raise PickoptError(f"batching effort must be >= 0 work units, got {effort}")
    if not isinstance(method, Budgeted):
        raise PickoptError(f"batching method {method.name!r} has no work budget to set")
    return method.with_effort(effort)


def batch_orders(
    layout: Layout,
    slotting: Slotting,
    orders: Sequence[Order],
    cart: Cart,
    method: str | Batcher = "auto",
    *,
    oracle: DistanceOracle | None = None,
    start: str | None = None,
    end: str | None = None,
    seed: int = 0,
    effort: int | None = None,
    time_limit: float | None = None,
    scoring: str = "auto",
    tour_penalty: float = 0.0,
) -> BatchingResult:
    """Group ``orders`` into batches that fit ``cart``, minimising walking.

    Parameters
    ----------
    layout, slotting
        The warehouse and where each SKU is stored.
    orders
        The orders of the wave (unique ids).
    cart
        What one tour can carry.
    method
        One of :data:`METHODS`, or a configured batcher such as
        ``ALNS(iterations=20_000)`` (the quality setting). ``"auto"`` runs
        the ALNS, or ``"bulk"`` on waves of more than :data:`LARGE_WAVE`
        orders where the exact DP scores the batches.
    oracle
        Distances to reuse.
    start, end
        Depot names of the tours.
    seed
        Random seed of the search; equal inputs give equal batches.
    effort
        Work budget of a search (ALNS iterations, local-search kicks, bulk
        evaluations per order); ``None``: the method's default. For
        ``"auto"`` it is the ALNS's; a big wave's ``"bulk"`` keeps its own.
    time_limit
        Wall-clock safety cap, seconds. Searches budget their work in
        iterations; ``result.detail["timed_out"]`` says if the cap fired
        (then the result depends on the machine's speed).
    scoring
        Routing method that scores batches (``"auto"``: exact where possible).
    tour_penalty
        Metres added per tour to the objective; 0 minimises walking alone.

    Returns
    -------
    BatchingResult
        ``batches``, ``unassigned`` (order id and reason), ``method``,
        ``detail`` (what the method did and proved), ...

    Examples
    --------
    >>> from optimizer import Cart, Layout, Order, OrderLine, Slotting
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> orders = [Order("a", (OrderLine("A01-B1-003-L-1", 2),)),
    ...           Order("b", (OrderLine("A01-B1-005-R-1", 1),)),
    ...           Order("c", (OrderLine("A09-B1-040-L-1", 3),))]
    >>> result = batch_orders(layout, Slotting.identity(layout), orders, Cart(max_items=4))
    >>> [[o.id for o in b.orders] for b in result.batches], result.method
    ([['a', 'b'], ['c']], 'alns')
    """
    batcher = choose_batcher(method, effort)
    t0 = time.perf_counter()
    problem, unassigned = prepare(
        layout, slotting, orders, cart, oracle=oracle, start=start, end=end,
        scoring=scoring, tour_penalty=tour_penalty,
    )  # fmt: skip
    if method == "auto" and problem.size > LARGE_WAVE and problem.cost.kernel is not None:
        batcher = BATCHERS["bulk"]  # a budget per order pays at the DP's microseconds
    batching = batcher.run(problem, seed=seed, time_limit=time_limit) if problem.size else None
    batches = batches_of(problem, batching.groups) if batching else []
    return BatchingResult(batches, unassigned, batcher.name, problem.cost.method,
                          time.perf_counter() - t0, problem.cost.evaluations,
                          batching.detail if batching else {})  # fmt: skip

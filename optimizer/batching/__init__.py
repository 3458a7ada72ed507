"""Carts and capacities, and grouping orders into batches (one tour each).

Methods (``batch_orders(..., method=...)``), one module each:

``"fcfs"``
    Next fit in arrival order: the textbook baseline.
``"seed"``
    Seed-and-add with several seed and add rules, best combination kept.
``"savings"``
    Clarke & Wright savings, variant (ii), on real tour lengths.
``"local-search"``
    Iterated local search (moves and swaps of orders between batches)
    started from the better of savings and seed.
``"auto"``
    ``"local-search"``; it says what ran in ``BatchingResult.method``.

Every batch is scored with the exact routing DP where the layout allows, so
methods compete on the distance pickers really walk.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from optimizer.batching.carts import LOAD_FIELDS, Cart
from optimizer.batching.fcfs import FCFS
from optimizer.batching.local_search import LocalSearch
from optimizer.batching.problem import BatchingProblem, TourCost, Unassigned, prepare
from optimizer.batching.savings import Savings
from optimizer.batching.seed import SeedBatching
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError, suggest
from optimizer.layout import Layout
from optimizer.orders import Order, Slotting

__all__ = [
    "Cart",
    "Batch",
    "BatchingResult",
    "Batcher",
    "BatchingProblem",
    "TourCost",
    "Unassigned",
    "batch_orders",
    "prepare",
    "batches_of",
    "BATCHERS",
    "METHODS",
]


class Batcher(Protocol):
    """A batching method: order indices in, batches of indices out."""

    @property
    def name(self) -> str:
        """The ``method`` string that selects it."""
        ...

    def run(self, problem: BatchingProblem) -> list[list[int]]:
        """Group the problem's orders into feasible batches."""
        ...


BATCHERS: dict[str, Batcher] = {
    b.name: b for b in (FCFS(), SeedBatching(), Savings(), LocalSearch())
}
METHODS = ("auto", *BATCHERS)


@dataclass(frozen=True)
class Batch:
    """Orders picked in one tour.

    Attributes
    ----------
    orders
        The orders, in the order the method grouped them.
    distance
        Tour length used to score the batch, metres.
    load
        Items, volume, weight and totes used.
    totes
        Cluster picking: order id -> tote numbers (1-based); empty otherwise.
    nodes
        Sorted distinct pick nodes of the tour.
    """

    orders: tuple[Order, ...]
    distance: float
    load: dict[str, float]
    totes: dict[str, tuple[int, ...]]
    nodes: tuple[int, ...]


@dataclass(frozen=True)
class BatchingResult:
    """Batches, orders that could not be batched (with reasons), and how."""

    batches: list[Batch]
    unassigned: list[Unassigned]
    method: str
    scoring: str
    seconds: float
    evaluations: int
    detail: dict[str, float] = field(default_factory=dict)

    @property
    def distance(self) -> float:
        """Total scored distance of all batches, metres."""
        return sum(b.distance for b in self.batches)


def batches_of(problem: BatchingProblem, groups: Sequence[Sequence[int]]) -> list[Batch]:
    """Turn index groups into :class:`Batch` objects, checking every order once."""
    seen = sorted(i for g in groups for i in g)
    if seen != list(range(problem.size)):
        raise PickoptError("internal error: a batching lost or repeated an order")
    out = []
    for g in groups:
        if not problem.fits(g):
            raise PickoptError("internal error: a batch exceeds the cart")
        totes: dict[str, tuple[int, ...]] = {}
        if problem.cart.cluster:
            nxt = 1
            for i in g:
                k = int(problem.loads[i][LOAD_FIELDS.index("totes")])
                totes[problem.orders[i].id] = tuple(range(nxt, nxt + k))
                nxt += k
        load = dict(zip(LOAD_FIELDS, problem.load(g).tolist(), strict=True))
        out.append(
            Batch(tuple(problem.orders[i] for i in g), problem.tour_length(g), load, totes,
                  problem.union(g))
        )  # fmt: skip
    return out


def batch_orders(
    layout: Layout,
    slotting: Slotting,
    orders: Sequence[Order],
    cart: Cart,
    method: str = "auto",
    *,
    oracle: DistanceOracle | None = None,
    start: str | None = None,
    end: str | None = None,
    seed: int = 0,
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
        One of :data:`METHODS`.
    oracle
        Distances to reuse.
    start, end
        Depot names of the tours.
    seed
        Random seed of the search; equal inputs give equal batches.
    time_limit
        Seconds that cap the search (it otherwise runs a fixed budget).
    scoring
        Routing method that scores batches (``"auto"``: exact where possible).
    tour_penalty
        Metres added per tour to the objective; 0 minimises walking alone.

    Returns
    -------
    BatchingResult
        ``batches``, ``unassigned`` (order id and reason), ``method``, ...

    Examples
    --------
    >>> result = batch_orders(layout, slotting, orders, Cart(max_items=45))  # doctest: +SKIP
    >>> len(result.batches), result.distance                                # doctest: +SKIP
    """
    batcher = _batcher(method)
    t0 = time.perf_counter()
    problem, unassigned = prepare(
        layout, slotting, orders, cart, oracle=oracle, start=start, end=end,
        scoring=scoring, seed=seed, time_limit=time_limit, tour_penalty=tour_penalty,
    )  # fmt: skip
    groups = batcher.run(problem) if problem.size else []
    batches = batches_of(problem, groups)
    return BatchingResult(batches, unassigned, batcher.name, problem.cost.method,
                          time.perf_counter() - t0, problem.cost.evaluations)  # fmt: skip


def _batcher(method: str) -> Batcher:
    if method == "auto":
        return BATCHERS["local-search"]
    if method not in BATCHERS:
        raise PickoptError(
            f"unknown batching method {method!r}" + suggest(method, METHODS)
            + f"; known: {', '.join(METHODS)}"
        )  # fmt: skip
    return BATCHERS[method]

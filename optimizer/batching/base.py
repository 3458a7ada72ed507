"""What every batching method shares: the :class:`Batcher` protocol and the
result types.

A batcher turns a :class:`~optimizer.batching.problem.BatchingProblem` into
a :class:`Batching` (groups of order indices and what the method can say
about them); :func:`~optimizer.batching.batch_orders` turns that into a
:class:`BatchingResult` of :class:`Batch` objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from optimizer.batching.carts import LOAD_FIELDS
from optimizer.batching.problem import BatchingProblem, Unassigned
from optimizer.errors import PickoptError
from optimizer.orders import Order

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Batcher", "Budgeted", "Batching", "Batch", "BatchingResult", "batches_of"]

Detail = dict[str, float | int | bool | str]


@dataclass(frozen=True)
class Batching:
    """A method's answer: batches as order indices, and what it knows about them.

    Attributes
    ----------
    groups
        Each batch as a list of order indices into ``problem.orders``.
    detail
        Method-specific facts: work done, whether a time cap fired, what a
        selection proved (see each method).
    trace
        For searches: ``(iteration, seconds, total)`` each time the best
        total improved, seconds counted from the start of ``run``.
    """

    groups: list[list[int]]
    detail: Detail = field(default_factory=dict)
    trace: tuple[tuple[int, float, float], ...] = ()


class Batcher(Protocol):
    """A batching method: a problem in, a :class:`Batching` out.

    ``seed`` makes a search reproducible: equal problems and seeds give equal
    batches. ``time_limit`` (seconds) is a wall-clock safety cap; methods
    budget their work in iterations and say in ``detail["timed_out"]`` when
    the cap cut them short.
    """

    @property
    def name(self) -> str:
        """The ``method`` string that selects it."""
        ...

    def run(
        self, problem: BatchingProblem, *, seed: int = 0, time_limit: float | None = None
    ) -> Batching:
        """Group the problem's orders into feasible batches."""
        ...


@runtime_checkable
class Budgeted(Protocol):
    """A search whose work budget can be set: ``with_effort(n)`` is a copy that does
    ``n`` units of work (iterations, kicks). Work, not time, so that a seed gives
    the same batches on any machine load."""

    def with_effort(self, effort: int) -> Batcher:
        """The same method with a budget of ``effort`` work units."""
        ...


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
    """Batches, orders that could not be batched (with reasons), and how.

    Attributes
    ----------
    batches
        The tours' batches.
    unassigned
        Orders left out, each with its reason.
    method
        The method that ran (``"auto"`` resolved).
    scoring
        The routing method that scored the batches.
    seconds
        Wall time of checking, scoring and batching.
    evaluations
        Tours routed to score candidate batches (cache misses).
    detail
        What the method reports (see :attr:`Batching.detail`).
    """

    batches: list[Batch]
    unassigned: list[Unassigned]
    method: str
    scoring: str
    seconds: float
    evaluations: int
    detail: Detail = field(default_factory=dict)

    @property
    def distance(self) -> float:
        """Total scored distance of all batches, metres."""
        return sum(b.distance for b in self.batches)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: method, totals, what it reports, batches, unassigned."""
        return {
            "method": self.method,
            "scoring": self.scoring,
            "distance_m": round(self.distance, 3),
            "seconds": round(self.seconds, 4),
            "evaluations": self.evaluations,
            "detail": dict(self.detail),
            "batches": [
                {
                    "orders": [o.id for o in b.orders],
                    "distance_m": round(b.distance, 3),
                    "load": b.load,
                    "totes": {k: list(v) for k, v in b.totes.items()},
                }
                for b in self.batches
            ],  # fmt: skip
            "unassigned": [u.to_dict() for u in self.unassigned],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per order: ``batch`` (from 0), ``order_id``, ``lines``,
        ``items``, and the batch's scored ``batch_distance_m``; unassigned
        orders are in :attr:`unassigned`. Needs pandas."""
        import pandas as pd

        rows = [{"batch": k, "order_id": o.id, "lines": len(o.lines), "items": o.items,
                 "batch_distance_m": b.distance}
                for k, b in enumerate(self.batches) for o in b.orders]  # fmt: skip
        columns = ["batch", "order_id", "lines", "items", "batch_distance_m"]
        return pd.DataFrame(rows, columns=columns)


def batches_of(problem: BatchingProblem, groups: Sequence[Sequence[int]]) -> list[Batch]:
    """Turn index groups into :class:`Batch` objects, checking every order once.

    Raises
    ------
    PickoptError
        If an order is missing or repeated, or a batch exceeds the cart: a
        method's bug, never the caller's.
    """
    seen = sorted(i for g in groups for i in g)
    if seen != list(range(problem.size)):
        raise PickoptError("internal error: a batching lost or repeated an order")
    out = []
    for g in groups:
        if not g:
            continue
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

"""The set-partitioning master problem over a pool of batches, solved with HiGHS.

Every batch is a column; each order must be in exactly one chosen column,
at the least total cost. Its linear relaxation gives the duals that price
new columns (:mod:`optimizer.batching.columns`); the integer problem gives
the best partition of the pool. Both run in HiGHS through
:mod:`scipy.optimize` (already a dependency), deterministically: the integer
solve is budgeted in branch-and-bound nodes, and the wall-clock
``time_limit`` is only a safety cap that the result reports when it fires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csc_array

__all__ = ["Relaxation", "Partition", "relax", "partition"]


@dataclass(frozen=True)
class Relaxation:
    """The linear relaxation's optimum over the pool.

    Attributes
    ----------
    value
        Its objective: a lower bound on every partition of the pool.
    duals
        One price per order: what covering it is worth.
    x
        The fractional value of each column.
    """

    value: float
    duals: np.ndarray
    x: np.ndarray


@dataclass(frozen=True)
class Partition:
    """The best partition found among the columns, and what is proven about it.

    Attributes
    ----------
    chosen
        Indices of the chosen columns (empty if none was found).
    proven
        True if no partition of the columns is cheaper (HiGHS's gap closed).
    bound
        HiGHS's lower bound on the best partition of the columns.
    timed_out
        True if the wall-clock safety cap, not the node budget, stopped it.
    """

    chosen: list[int]
    proven: bool
    bound: float
    timed_out: bool


def _matrix(n_orders: int, columns: Sequence[Sequence[int]]) -> csc_array:
    """The order x column incidence matrix."""
    rows = np.fromiter((i for c in columns for i in c), dtype=np.int64)
    lengths = np.fromiter((len(c) for c in columns), dtype=np.int64, count=len(columns))
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    data = np.ones(rows.size)
    return csc_array((data, rows, indptr), shape=(n_orders, len(columns)))


def relax(need: np.ndarray, columns: Sequence[Sequence[int]], costs: np.ndarray) -> Relaxation:
    """The LP relaxation of covering the orders ``i`` with ``need[i] = 1`` by ``columns``.

    Covering (each order at least once) rather than partitioning: a batch
    never costs more without one of its orders, so both have the same
    optimum, and the covering duals are non-negative. The columns must
    contain every needed singleton, so the LP is always feasible.
    """
    a = _matrix(need.size, columns)
    res = linprog(costs, A_ub=-a, b_ub=-need, bounds=(0, None), method="highs")
    if res.status != 0:  # cannot happen with every singleton in the pool
        raise RuntimeError(f"set-covering LP failed: {res.message}")
    return Relaxation(float(res.fun), -np.asarray(res.ineqlin.marginals, dtype=float), res.x)


def partition(
    n_orders: int,
    columns: Sequence[Sequence[int]],
    costs: np.ndarray,
    *,
    nodes: int,
    time_limit: float | None = None,
) -> Partition:
    """The cheapest partition of ``range(n_orders)`` into ``columns`` (a MIP).

    Parameters
    ----------
    n_orders
        Orders to cover, ``0 .. n_orders - 1``.
    columns, costs
        Feasible batches (order indices) and their costs; they must contain a
        partition (every singleton, or a known batching).
    nodes
        Branch-and-bound nodes HiGHS may explore: the deterministic budget.
    time_limit
        Wall-clock safety cap, seconds.
    """
    a = _matrix(n_orders, columns)
    options: dict[str, float | int | bool] = {"node_limit": nodes, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = max(time_limit, 1e-3)
    res = milp(
        costs,
        integrality=np.ones(len(columns)),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(a, 1, 1),
        options=options,
    )
    if res.x is None:
        return Partition([], False, -np.inf, res.status == 1)
    chosen = np.flatnonzero(res.x > 0.5).tolist()
    bound = float(getattr(res, "mip_dual_bound", -np.inf))
    limited = res.status == 1 and time_limit is not None
    return Partition(chosen, res.status == 0, bound, limited and _near(res, nodes))


def _near(res: object, nodes: int) -> bool:
    """True if HiGHS stopped before its node budget (so the clock stopped it)."""
    return int(getattr(res, "mip_node_count", 0) or 0) < nodes

"""The linear relaxation of the set-partitioning master problem, with HiGHS.

Every batch is a column; each order must be in exactly one chosen column,
at the least total cost. The relaxation's duals price new columns
(:mod:`optimizer.batching.columns`). HiGHS runs through
:mod:`scipy.optimize` (already a dependency; no new package), and is
deterministic: equal inputs give equal solutions and duals.

Subset-row cuts (Jepsen et al. 2008) tighten the relaxation: for three
orders, at most one chosen batch holds two or more of them (the rank-1
Chvátal-Gomory cut of their three rows with multipliers 1/2).
:func:`separate_subset_rows` finds the ones a fractional solution violates;
:func:`relax` takes them as extra rows, and their duals enter a column's
reduced cost (:func:`cut_penalty`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from scipy.sparse import csc_array

__all__ = [
    "Relaxation",
    "relax",
    "relax_large",
    "incidence",
    "cut_rows",
    "cut_penalty",
    "separate_subset_rows",
    "Partition",
    "partition",
]

TRIPLE_CHUNK = 20_000  # triples checked at once by the separation
VIOLATION = 1e-3  # least violation of a subset-row cut worth adding


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
    cut_duals
        One non-negative price per subset-row cut given: what a column
        holding two or more of its orders pays.
    """

    value: float
    duals: np.ndarray
    x: np.ndarray
    cut_duals: np.ndarray = field(default_factory=lambda: np.zeros(0))


def incidence(n_orders: int, columns: Sequence[Sequence[int]]) -> csc_array:
    """The order x column incidence matrix."""
    rows = np.fromiter((i for c in columns for i in c), dtype=np.int64)
    lengths = np.fromiter((len(c) for c in columns), dtype=np.int64, count=len(columns))
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    data = np.ones(rows.size)
    return csc_array((data, rows, indptr), shape=(n_orders, len(columns)))


def cut_rows(n_orders: int, columns: Sequence[Sequence[int]], cuts: np.ndarray) -> csc_array:
    """The cut x column matrix of the subset-row cuts ``cuts`` (one row of
    three orders each): 1 where the column holds two or more of them."""
    a = incidence(n_orders, columns)
    pick = csc_array((np.ones(cuts.size), (np.repeat(np.arange(len(cuts)), 3), cuts.ravel())),
                     shape=(len(cuts), n_orders))  # fmt: skip
    hits = (pick @ a).tocsc()
    hits.data = (hits.data >= 2).astype(float)
    hits.eliminate_zeros()
    return hits


def cut_penalty(members: Sequence[int], cuts: np.ndarray, cut_duals: np.ndarray) -> float:
    """What the batch ``members`` pays to the subset-row cuts: the duals of
    those it holds two or more orders of (added to its reduced cost)."""
    if cut_duals.size == 0:
        return 0.0
    hits = np.isin(cuts, list(members)).sum(axis=1) >= 2
    return float(cut_duals[hits].sum())


def relax(
    need: np.ndarray,
    columns: Sequence[Sequence[int]],
    costs: np.ndarray,
    cuts: np.ndarray | None = None,
) -> Relaxation:
    """The LP relaxation of covering the orders ``i`` with ``need[i] = 1`` by ``columns``.

    Covering (each order at least once) rather than partitioning: a batch
    never costs more without one of its orders, so both have the same
    optimum, and the covering duals are non-negative. The columns must
    contain every needed singleton, so the LP is always feasible. ``cuts``
    (three orders a row) adds their subset-row cuts.
    """
    from scipy.optimize import linprog  # 0.5 s to import: only when pricing columns
    from scipy.sparse import vstack

    a = incidence(need.size, columns)
    rows, rhs = -a, -need
    if cuts is not None and len(cuts):
        rows = vstack([rows, cut_rows(need.size, columns, cuts)]).tocsc()
        rhs = np.concatenate((rhs, np.ones(len(cuts))))
    res = linprog(costs, A_ub=rows, b_ub=rhs, bounds=(0, None), method="highs")
    if res.status != 0:  # cannot happen with every singleton in the pool
        raise RuntimeError(f"set-covering LP failed: {res.message}")
    duals = -np.asarray(res.ineqlin.marginals, dtype=float)
    return Relaxation(float(res.fun), duals[: need.size], res.x, duals[need.size :])


def separate_subset_rows(
    n_orders: int, columns: Sequence[Sequence[int]], x: np.ndarray, limit: int
) -> tuple[np.ndarray, np.ndarray]:
    """The at most ``limit`` subset-row cuts the solution ``x`` over
    ``columns`` violates most (by at least ``VIOLATION``), among triples of
    orders of its fractional columns.

    Returns
    -------
    cuts, violations
        The cuts (three ascending orders a row), most violated first, and
        by how much each is violated.
    """
    support = np.flatnonzero(x > 1e-9)
    a = incidence(n_orders, [columns[j] for j in support.tolist()]).toarray().astype(np.int8)
    xs = x[support]
    fractional = (xs > 1e-6) & (xs < 1 - 1e-6)
    orders = np.flatnonzero(a[:, fractional].sum(axis=1) > 0)
    if orders.size < 3:
        return np.zeros((0, 3), dtype=np.int64), np.zeros(0)
    triples = np.array(list(combinations(orders.tolist(), 3)), dtype=np.int64)
    lhs = np.concatenate([
        ((a[t[:, 0]] + a[t[:, 1]] + a[t[:, 2]]) >= 2) @ xs
        for t in np.array_split(triples, -(-len(triples) // TRIPLE_CHUNK))
    ])  # fmt: skip
    violated = np.flatnonzero(lhs > 1 + VIOLATION)
    ranked = violated[np.lexsort((violated, -lhs[violated]))][:limit]
    return triples[ranked], lhs[ranked] - 1


def relax_large(
    columns: Sequence[Sequence[int]],
    costs: np.ndarray,
    start: Sequence[int],
    *,
    grow: int,
    prices: np.ndarray | None = None,
) -> Relaxation:
    """:func:`relax` of covering every order once over many ``columns``, by
    column generation over them: from the columns ``start`` (which must hold
    every singleton) and, given earlier ``prices`` (one per order), the
    ``grow`` columns of least reduced cost under them, each round adds the
    ``grow`` columns of most negative reduced cost until none is left. Same
    optimum as one large solve, and much faster when few columns are in it;
    ``x`` spans every column."""
    n = 1 + max((i for c in columns for i in c), default=-1)
    a = incidence(n, columns)
    first = set(start)
    if prices is not None:
        reduced = costs - a.T @ prices
        first |= set(np.lexsort((np.arange(reduced.size), reduced))[:grow].tolist())
    active = np.array(sorted(first), dtype=np.int64)
    need = np.ones(n)
    while True:
        lp = relax(need, [columns[j] for j in active.tolist()], costs[active])
        reduced = costs - a.T @ lp.duals
        reduced[active] = 0.0
        worst = np.flatnonzero(reduced < -1e-9)
        if worst.size == 0:
            x = np.zeros(len(columns))
            x[active] = lp.x
            return Relaxation(lp.value, lp.duals, x)
        worst = worst[np.lexsort((worst, reduced[worst]))[:grow]]
        active = np.concatenate((active, worst))


@dataclass(frozen=True)
class Partition:
    """The best partition HiGHS's MIP found over a pool.

    Attributes
    ----------
    chosen
        Indices of the chosen columns (empty if it found none).
    proven
        True if HiGHS proved it optimal over the pool.
    """

    chosen: list[int]
    proven: bool


def partition(
    n_orders: int,
    columns: Sequence[Sequence[int]],
    costs: np.ndarray,
    *,
    nodes: int,
    time_limit: float | None = None,
) -> Partition:
    """The cheapest partition of ``range(n_orders)`` into ``columns`` by HiGHS's
    branch and bound, within ``nodes`` branch-and-bound nodes (the work
    budget: the same pool gives the same answer) and a wall-clock safety cap.
    Where the relaxation is tight, as over every batch of a small wave, it
    closes at the root where CP-SAT may wander.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    a = incidence(n_orders, columns)
    options: dict[str, float | int] = {"node_limit": nodes}
    if time_limit is not None:
        options["time_limit"] = max(time_limit, 1e-3)
    res = milp(costs, constraints=LinearConstraint(a, 1, 1), integrality=np.ones(costs.size),
               bounds=Bounds(0, 1), options=options)  # fmt: skip
    if res.x is None:
        return Partition([], False)
    return Partition(np.flatnonzero(res.x > 0.5).tolist(), res.status == 0)

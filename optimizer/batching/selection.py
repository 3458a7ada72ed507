"""Set-partitioning selection: the best batching that uses only batches of a pool.

Every batch a search forms is a column; the selection picks columns so that
each order is in exactly one of them at the least total cost (Wahlen &
Gschwind 2023 and Žulj, Kramer & Schneider 2018 pool batches the same way).
OR-Tools CP-SAT solves the model on one worker with a deterministic time
limit, so the same pool gives the same choice on any machine; the wall-clock
``time_limit`` is only a safety cap and the result says when it fired.

Costs are rounded to integer millimetres for CP-SAT; a selection proven
optimal is optimal in the pool up to that rounding (``tolerance`` in the
result).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

__all__ = ["Selection", "select"]

SCALE = 1000  # costs in millimetres for the integer model


@dataclass(frozen=True)
class Selection:
    """The chosen columns and what the solver could prove about them.

    Attributes
    ----------
    chosen
        Indices of the chosen columns.
    proven
        True if no partition in the pool is cheaper (up to ``tolerance``).
    bound
        The solver's lower bound on the best partition in the pool, metres.
    tolerance
        Metres the integer rounding may hide: half a millimetre per batch.
    timed_out
        True if the wall-clock safety cap stopped the solver.
    """

    chosen: list[int]
    proven: bool
    bound: float
    tolerance: float
    timed_out: bool


def select(
    n_orders: int,
    columns: Sequence[Sequence[int]],
    costs: Sequence[float],
    hint: Sequence[int],
    *,
    work: float,
    seed: int = 0,
    time_limit: float | None = None,
) -> Selection:
    """The cheapest partition of ``range(n_orders)`` into ``columns``.

    Parameters
    ----------
    n_orders
        Orders to cover, ``0 .. n_orders - 1``.
    columns
        Each a feasible batch (order indices); together they must contain a
        partition, e.g. the batches of ``hint``.
    costs
        Cost of each column, metres.
    hint
        Column indices of a known partition; the solver starts from it and
        never returns anything worse.
    work
        CP-SAT's deterministic time limit (its own work unit, about a second
        of a fast core): the budget that makes the result reproducible.
    seed
        CP-SAT's random seed.
    time_limit
        Wall-clock safety cap, seconds.

    Returns
    -------
    Selection
        The chosen columns (the hint itself if the solver found nothing
        better in its budget).
    """
    from ortools.sat.python import cp_model  # 1 s to import (pandas): only when selecting

    model = cp_model.CpModel()
    x = [model.new_bool_var(f"b{j}") for j in range(len(columns))]
    covering: list[list[int]] = [[] for _ in range(n_orders)]
    for j, members in enumerate(columns):
        for i in members:
            covering[i].append(j)
    for js in covering:
        model.add(sum(x[j] for j in js) == 1)
    scaled = [round(c * SCALE) for c in costs]
    model.minimize(sum(c * v for c, v in zip(scaled, x, strict=True)))
    in_hint = set(hint)
    for j, v in enumerate(x):
        model.add_hint(v, j in in_hint)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1  # one worker: deterministic, and the machine is shared
    params.random_seed = seed
    params.max_deterministic_time = work
    params.linearization_level = 2  # the LP relaxation is what proves a pool optimal
    if time_limit is not None:
        params.max_time_in_seconds = max(time_limit, 1e-3)
    status = solver.solve(model)
    tolerance = 0.5 * len(hint) / SCALE
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Selection(sorted(in_hint), False, 0.0, tolerance, _timed_out(solver, time_limit))
    chosen = [j for j, v in enumerate(x) if solver.boolean_value(v)]
    if sum(scaled[j] for j in chosen) > sum(scaled[j] for j in in_hint):
        chosen = sorted(in_hint)
    return Selection(
        chosen,
        status == cp_model.OPTIMAL,
        solver.best_objective_bound / SCALE,
        0.5 * len(chosen) / SCALE,
        _timed_out(solver, time_limit),
    )


def _timed_out(solver: cp_model.CpSolver, time_limit: float | None) -> bool:
    """True if the wall clock, not the deterministic budget, ended the solve."""
    return time_limit is not None and solver.wall_time >= time_limit * 0.999

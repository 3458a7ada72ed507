"""Jobs: work that fans out over days, waves and slottings, above the wave layer.

- :mod:`~optimizer.jobs.replay`: :func:`replay` of historical orders with
  :func:`~optimizer.waves.plan_wave` under several slottings, and
  :func:`history_orders`, the orders of the last days of a history file;
- :mod:`~optimizer.jobs.curve`: :func:`~optimizer.jobs.curve.budget_curve`,
  a re-slot's expected and replayed saving at 1 to 20 % of the SKUs moved,
  and the drift backtest that calibrates it;
- :mod:`~optimizer.jobs.nightly`: :func:`run_nightly`, the nightly slotting
  job behind ``pickopt slot`` (profile, classify, slot or re-slot, budget
  curve, out-of-sample replay, write the report folder, push), and
  :func:`run_nightlies` over several warehouses;
- :mod:`~optimizer.jobs.backlog`: :func:`plan_backlog`, a backlog released
  into waves and every wave planned (``pickopt waves --backlog``).

Each takes an :class:`~optimizer.executors.Executor` (in-process, local
processes or Ray): days, warehouses and waves are its tasks, and the
- :mod:`~optimizer.jobs.warmup`: :func:`warm_up`, every numba kernel into
  the cache ahead of use, behind ``pickopt warmup``.
- :mod:`~optimizer.jobs.experiments`: :func:`run_experiments`, a grid of
  layouts and policies over the same orders as a pandas DataFrame, and
  the layout measures :func:`single_command_travel` and :func:`pick_list_curve`.

Each fan-out takes an :class:`~optimizer.executors.Executor` (in-process,
local processes or Ray): days, warehouses, waves and scenarios are its tasks,
and the results are the same, in the same order, wherever they ran.

Layering: jobs use the wave layer and slotting's core; only the CLI and the
service import jobs.
"""

from optimizer.jobs.backlog import BacklogPlan, plan_backlog
from optimizer.jobs.experiments import (
    pick_list_curve,
    run_experiments,
    saving_vs,
    single_command_travel,
)
from optimizer.jobs.nightly import NightlyJob, NightlyResult, run_nightlies, run_nightly
from optimizer.jobs.replay import REPLAY_POLICY, ReplayReport, history_orders, replay
from optimizer.jobs.warmup import KernelState, WarmUp, warm_up

__all__ = [
    "replay",
    "ReplayReport",
    "history_orders",
    "REPLAY_POLICY",
    "run_nightly",
    "NightlyResult",
    "NightlyJob",
    "run_nightlies",
    "plan_backlog",
    "BacklogPlan",
    "warm_up",
    "WarmUp",
    "KernelState",
    "run_experiments",
    "saving_vs",
    "single_command_travel",
    "pick_list_curve",
]

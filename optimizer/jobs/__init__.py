"""Jobs: work that fans out over days, waves and slottings, above the wave layer.

- :mod:`~optimizer.jobs.replay`: :func:`replay` of historical orders with
  :func:`~optimizer.waves.plan_wave` under several slottings, and
  :func:`history_orders`, the orders of the last days of a history file;
- :mod:`~optimizer.jobs.nightly`: :func:`run_nightly`, the nightly slotting
  job behind ``pickopt slot`` (profile, classify, slot or re-slot, replay,
  write the report folder);
- :mod:`~optimizer.jobs.experiments`: :func:`run_experiments`, a grid of
  layouts and policies over the same orders as a pandas DataFrame, and
  the layout measures :func:`single_command_travel` and :func:`pick_list_curve`.

Layering: jobs use the wave layer and slotting's core; only the CLI and the
service import jobs.
"""

from optimizer.jobs.experiments import (
    pick_list_curve,
    run_experiments,
    saving_vs,
    single_command_travel,
)
from optimizer.jobs.nightly import NightlyResult, run_nightly
from optimizer.jobs.replay import REPLAY_POLICY, ReplayReport, history_orders, replay

__all__ = [
    "replay",
    "ReplayReport",
    "history_orders",
    "REPLAY_POLICY",
    "run_nightly",
    "NightlyResult",
    "run_experiments",
    "saving_vs",
    "single_command_travel",
    "pick_list_curve",
]

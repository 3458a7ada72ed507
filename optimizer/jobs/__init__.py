"""Jobs: work that fans out over days, waves and slottings, above the wave layer.

- :mod:`~optimizer.jobs.replay`: :func:`replay` of historical orders with
  :func:`~optimizer.waves.plan_wave` under several slottings, and
  :func:`history_orders`, the orders of the last days of a history file;
- :mod:`~optimizer.jobs.nightly`: :func:`run_nightly`, the nightly slotting
  job behind ``pickopt slot`` (profile, classify, slot or re-slot, replay,
  write the report folder);
- :mod:`~optimizer.jobs.warmup`: :func:`warm_up`, every numba kernel into
  the cache ahead of use, behind ``pickopt warmup``.

Layering: jobs use the wave layer and slotting's core; only the CLI and the
service import jobs.
"""

from optimizer.jobs.nightly import NightlyResult, run_nightly
from optimizer.jobs.replay import REPLAY_POLICY, ReplayReport, history_orders, replay
from optimizer.jobs.warmup import KernelState, WarmUp, warm_up

__all__ = [
    "replay",
    "ReplayReport",
    "history_orders",
    "REPLAY_POLICY",
    "run_nightly",
    "NightlyResult",
    "warm_up",
    "WarmUp",
    "KernelState",
]

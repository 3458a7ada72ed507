"""Slotting: demand profiles, ABC/COI classes, slot assignment, re-slotting moves.

The nightly job, step by step (replaying orders is a job above the wave
layer, :func:`optimizer.jobs.replay`)::

    from optimizer.slotting import DemandProfile, assign, reslot
    from optimizer.jobs import replay
    profile = DemandProfile.from_file("history.parquet")      # CSV too
    slotting = assign(layout, profile, policy="class-based")   # or "turnover", "coi", "random"
    plan = reslot(layout, profile, current, max_moves=500)     # plan.slotting, plan.moves
    report = replay(layout, orders, {"old": current, "new": plan.slotting}, cart)
    report.distance["new"]                                     # metres walked

Modules, in the order data flows:

- :mod:`~optimizer.slotting.profile`: :class:`DemandProfile` from order lines
  (read by :mod:`optimizer.io.history`, streamed; numpy group-bys), skipped
  rows in :class:`RowIssues`; :mod:`~optimizer.slotting.copick` counts the
  co-picked pairs;
- :mod:`~optimizer.slotting.classes`: :func:`classify`, ABC by pick share or COI;
- :mod:`~optimizer.slotting.assignment`: :func:`slot_costs` (walking from the
  depots plus golden-zone level penalties) and :func:`assign` (class-based,
  turnover, COI, random; capacities and zones honoured);
- :mod:`~optimizer.slotting.reslotting`: :func:`reslot` (a bounded move list,
  best gain per move first) with its :class:`ReslotParams`, built from
  :mod:`~optimizer.slotting.target` (the sticky full re-slot it aims at) and
  :mod:`~optimizer.slotting.greedy` (the actions that spend the budget);
- :mod:`~optimizer.slotting.moves`: :class:`Move`, :class:`ReslotPlan`,
  :func:`apply_moves` (which checks a move list), :class:`MoveCost` (labour
  minutes), :func:`step_prefix` and :func:`paying_steps` (where a move list
  is cut: a budget, a minimum gain, a labour budget);
- :mod:`~optimizer.slotting.tours`: :class:`SampledTours`, the tour gain model
  (moves ranked by what they save on batched tours of sampled history,
  routed exactly).

Layering: slotting's core sits beside batching: it uses layout, distance,
io, orders, batching and routing, never the wave layer. Its jobs (the replay of
historical orders and the nightly run behind ``pickopt slot``) live in
:mod:`optimizer.jobs`, above the waves.
"""

from optimizer.io.history import HistoryError
from optimizer.io.row_issues import RowIssues
from optimizer.slotting.assignment import (
    GOLDEN_ZONE,
    POLICIES,
    Assignment,
    SlotCosts,
    SlottingWarning,
    Unslotted,
    assign,
    slot_costs,
)
from optimizer.slotting.classes import DEFAULT_SHARES, Classes, ClassRow, classify
from optimizer.slotting.copick import CoPick
from optimizer.slotting.moves import (
    Move,
    MoveCost,
    MoveError,
    ReslotPlan,
    apply_moves,
    paying_steps,
    price_moves,
    step_prefix,
)
from optimizer.slotting.profile import DemandProfile
from optimizer.slotting.reslotting import RESLOT_POLICIES, ReslotParams, reslot
from optimizer.slotting.tours import GAIN_MODELS, SampledTours, TourGain, sample_tours

__all__ = [
    "DemandProfile",
    "RowIssues",
    "CoPick",
    "HistoryError",
    "classify",
    "Classes",
    "ClassRow",
    "DEFAULT_SHARES",
    "SlotCosts",
    "slot_costs",
    "assign",
    "Assignment",
    "Unslotted",
    "SlottingWarning",
    "POLICIES",
    "GOLDEN_ZONE",
    "reslot",
    "ReslotParams",
    "RESLOT_POLICIES",
    "ReslotPlan",
    "Move",
    "MoveError",
    "apply_moves",
    "MoveCost",
    "price_moves",
    "paying_steps",
    "step_prefix",
    "GAIN_MODELS",
    "TourGain",
    "SampledTours",
    "sample_tours",
]

"""The budget curve of a re-slot: expected and replayed saving against moves made.

A re-slot's move list (:func:`~optimizer.slotting.reslot`, best gain per
move first) can be cut after any step, and every such prefix is a plan a
shift can carry out on its own. :func:`budget_curve` cuts it at budgets of
1, 2, 5, 10 and 20 % of the SKUs (and not at all) and measures, for each
prefix,

- the **expected** saving: the prefix and the starting slotting replayed
  on orders of the *profile window* (the days the re-slot was planned
  from), the same wave planning the replay uses; nothing of the days
  after is seen;
- the **replayed** saving: the same on the *replay window*, the days
  after the profile window (out of sample), when those orders are given.

The starting slotting is the current one plus the re-slot's put-aways (SKUs
new in the history, which need a bin whatever the budget), so every point
measures what the *moves* save.

**Drift.** A re-slot made from the profile window saves less on the days
after it than on the window itself: its moves were chosen because they
saved on those very days, partly by chance (*selection*), and demand moves
on after the window (*drift*). :class:`Calibration` measures the two apart,
from data up to the end of the profile window only:
:func:`selection_factors` bootstraps the window's days (no replay, so no
replay noise), and :func:`holdout_calibration` replays a re-slot planned
from earlier days on the days after it (a backtest) and pools the drift it
finds over the budget points, whose single measurements are noisy.
``budget_curve(..., factors=calibration)`` scales the expected saving of
each point by its selection factor and gives it an interval
(:attr:`CurvePoint.expected_se`): the drift the backtest saw, and the
replay's own noise (a day's saving varies from day to day whatever the
budget, as batching reacts to any change of slotting).

**Demand forecast.** The moves were chosen for SKUs whose demand rose, and
part of a rise does not last. :func:`demand_forecast` forecasts each SKU's
picks a day from its recent windows, weights fitted on the same history
(per rate band: a slow SKU's recent window is mostly noise);
``budget_curve(..., forecast=...)`` prices each prefix with the visits
model (:func:`model_gains`) under the forecast and under the estimate
days' demand, scales the replayed estimate by the ratio, and pools it with
the model scaled to the replays (:func:`forecast_estimate`), which carries
no small-budget replay noise. No day after the profile window is used.

**Waves.** A day's saving varies by about as much at every budget, mostly
by how batching happens to group that day's orders.
``budget_curve(..., reshuffles=k)`` also replays the estimate days ``k``
times with their orders dealt afresh into the same days (the same picks,
other waves) and takes the mean, which narrows the in-sample estimate's
error by about the square root of ``k + 1``.

The expected saving also calibrates each move: the picks model's gain
(picks a day x round trip from the depot) overstates what a move saves on
batched tours, so the moves between two cuts share the expected saving of
that segment in proportion to their picks gains. Each move's payback days
follow from the calibrated gain, and :func:`~optimizer.slotting.paying_steps`
finds where the marginal step stops paying.

Examples
--------
>>> from optimizer.batching import Cart
>>> from optimizer.layout import Layout
>>> from optimizer.orders import Order, OrderLine, Slotting
>>> from optimizer.slotting import DemandProfile, reslot
>>> layout = Layout.from_file("layouts/single_block.toml")
>>> days = {"d1": [Order("o1", (OrderLine("busy"),)), Order("o2", (OrderLine("rare"),))]}
>>> profile = DemandProfile.from_orders(days["d1"])
>>> current = Slotting({"busy": "A10-B1-045-L-1", "rare": "A01-B1-001-L-1"})
>>> plan = reslot(layout, profile, current)
>>> curve = budget_curve(layout, current, plan, days, None, Cart(max_items=45),
...                      shares=(0.5,))
>>> [(p.label, p.moves, round(p.expected_m_per_day)) for p in curve.points]
[('50 %', 1, 181), ('full', 1, 181)]
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

import numpy as np

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError
from optimizer.jobs.replay import REPLAY_POLICY, replay
from optimizer.layout import Layout
from optimizer.orders import Order, Slotting
from optimizer.slotting.assignment import SlotCosts, slot_costs
from optimizer.slotting.moves import (
    Move,
    MoveCost,
    ReslotPlan,
    apply_moves,
    price_moves,
    step_prefix,
)
from optimizer.slotting.profile import DemandProfile
from optimizer.waves import WavePolicy

__all__ = [
    "BUDGET_SHARES",
    "SelectionMethod",
    "Window",
    "CurvePoint",
    "BudgetCurve",
    "budget_curve",
    "Calibration",
    "holdout_calibration",
    "selection_factors",
    "picks_per_day",
    "demand_forecast",
    "model_gains",
    "forecast_estimate",
    "measure_prefix",
    "replay_curve",
]

#: Budgets of the curve, as shares of the SKUs moved.
BUDGET_SHARES = (0.01, 0.02, 0.05, 0.10, 0.20)
#: How :func:`selection_factors` prices a bootstrap sample's plan (see there).
SelectionMethod = Literal["bootstrap", "oob632", "oob", "half"]
#: The share of the days a bootstrap sample holds, for many days (1 - 1/e; Efron's .632).
_IN_BAG = 1.0 - math.exp(-1.0)
#: A rate band of :func:`demand_forecast` is fitted on its own with at least this many
#: SKUs per weight.
_MIN_BAND_FIT = 8


@dataclass(frozen=True)
class Window:
    """Days of orders a figure was measured on.

    Attributes
    ----------
    first, last
        Day labels (ISO dates), oldest and newest.
    days
        Days in the window.
    orders
        Orders replayed in it.
    """

    first: str
    last: str
    days: int
    orders: int

    @classmethod
    def of(cls, orders: Mapping[str, Sequence[Order]]) -> Window:
        """The window of day label -> orders."""
        labels = sorted(orders)
        return cls(labels[0], labels[-1], len(labels), sum(len(v) for v in orders.values()))

    def describe(self) -> str:
        """``2024-02-01 to 2024-02-07 (7 days, 1,050 orders)``."""
        span = self.first if self.first == self.last else f"{self.first} to {self.last}"
        return f"{span} ({self.days} day{'s' if self.days > 1 else ''}, {self.orders:,} orders)"


@dataclass(frozen=True)
class CurvePoint:
    """One prefix of the move list and what it saves.

    Attributes
    ----------
    label
        ``"5 %"`` (a budget as a share of the SKUs), ``"full"`` or ``"plan"``
        (the cut a minimum gain or labour budget chose).
    budget
        Moves allowed (``None``: no limit).
    length
        Moves of the prefix in the move list (put-aways included).
    moves
        Moves that count against a budget (put-aways excluded).
    labour_min
        Labour minutes of those moves.
    expected_m_per_day
        Expected saving: metres a day less walking on the profile window.
    replayed_m_per_day
        Replayed saving on the replay window; ``None`` without one.
    replayed_se
        Standard error of ``replayed_m_per_day`` from the spread of the
        daily savings (``None``: fewer than two days): how far a replay of
        this many days can be trusted.
    expected_se
        Standard error of ``expected_m_per_day`` from its factor's
        (:class:`Calibration`); ``None`` without one.
    """

    label: str
    budget: int | None
    length: int
    moves: int
    labour_min: float
    expected_m_per_day: float
    replayed_m_per_day: float | None = None
    replayed_se: float | None = None
    expected_se: float | None = None

    @property
    def error_pct(self) -> float | None:
        """Expected over replayed saving, minus one, per cent (``None``: no replay
        or nothing replayed)."""
        r = self.replayed_m_per_day
        if r is None or r == 0:
            return None
        return 100.0 * (self.expected_m_per_day / r - 1.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        err = self.error_pct
        return {
            "label": self.label,
            "budget": self.budget,
            "moves": self.moves,
            "labour_min": round(self.labour_min, 1),
            "expected_m_per_day": round(self.expected_m_per_day, 2),
            "replayed_m_per_day": None
            if self.replayed_m_per_day is None
            else round(self.replayed_m_per_day, 2),
            "error_pct": None if err is None else round(err, 1),
            "replayed_se": None if self.replayed_se is None else round(self.replayed_se, 2),
            "expected_se": None if self.expected_se is None else round(self.expected_se, 2),
        }


@dataclass(frozen=True)
class BudgetCurve:
    """Expected and replayed saving of a re-slot's move list, prefix by prefix.

    Attributes
    ----------
    points
        The budget points, then ``"full"``.
    moves
        The move list with calibrated expected gains, labour and payback.
    base_m_per_day
        Metres a day the starting slotting (current plus put-aways) walks:
        ``"expected"`` on the profile window, ``"replayed"`` on the replay
        window.
    profile_window, replay_window
        The days each figure comes from (``replay_window`` ``None``: no replay).
    in_sample
        True if the replay window lies inside the profile window (asked for).
    skus
        SKUs the budget shares are taken of.
    excluded
        Orders left out of the replays (a SKU without a bin, e.g. launched
        after the profile window).
    detail
        Point label -> how its expected saving was made with a demand
        forecast (:func:`forecast_estimate`: replayed, demand, direct,
        model, expected and their standard errors, tours a day); empty
        without one.
    """

    points: tuple[CurvePoint, ...]
    moves: tuple[Move, ...]
    base_m_per_day: Mapping[str, float]
    profile_window: Window
    replay_window: Window | None
    in_sample: bool
    skus: int
    excluded: Mapping[str, int] = field(default_factory=dict)
    detail: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def point(self, label: str) -> CurvePoint:
        """The point labelled ``label``."""
        for p in self.points:
            if p.label == label:
                return p
        raise PickoptError(f"no point {label!r} (have {', '.join(p.label for p in self.points)})")

    def captured(self, label: str) -> float | None:
        """Replayed saving at ``label`` over the full re-slot's (``None``: not replayed)."""
        part, full = self.point(label).replayed_m_per_day, self.point("full").replayed_m_per_day
        if part is None or full is None or full <= 0:
            return None
        return part / full

    def with_point(self, point: CurvePoint) -> BudgetCurve:
        """This curve with ``point`` added (or replacing one of the same label)."""
        kept = tuple(p for p in self.points if p.label != point.label)
        return BudgetCurve((*kept, point), self.moves, self.base_m_per_day, self.profile_window,
                           self.replay_window, self.in_sample, self.skus, self.excluded,
                           self.detail)  # fmt: skip

    def windows_md(self) -> str:
        """One line naming both windows (and an in-sample warning)."""
        rw = self.replay_window
        line = f"profile window {self.profile_window.describe()}"
        if rw is None:
            return line + "; no replay"
        if self.in_sample:
            return line + f"; replay window {rw.describe()}: **IN SAMPLE** (inside the profile " \
                "window, so savings read high)"  # fmt: skip
        return line + f"; replay window {rw.describe()}: out of sample (the days after)"

    def to_markdown(self) -> str:
        """The curve as a table: budget, moves, labour, expected and replayed saving."""
        base = self.base_m_per_day
        lines = [
            self.windows_md(),
            "",
            f"Start: {base['expected']:,.0f} m/day on the profile window"
            + (
                f", {base['replayed']:,.0f} m/day on the replay window"
                if "replayed" in base
                else ""
            ),  # fmt: skip
            "",
            "| budget | moves | labour (min) | expected (m/day, ± SE) | replayed (m/day, ± SE) | "
            "expected vs replayed | captured |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for p in self.points:
            exp = f"{p.expected_m_per_day:,.1f}"
            if p.expected_se is not None:
                exp += f" ± {p.expected_se:,.1f}"
            rep = "-" if p.replayed_m_per_day is None else f"{p.replayed_m_per_day:,.1f}"
            if p.replayed_se is not None:
                rep += f" ± {p.replayed_se:,.1f}"
            err = "-" if p.error_pct is None else f"{p.error_pct:+.1f} %"
            cap = self.captured(p.label)
            capture = "-" if cap is None else f"{100 * cap:.0f} %"
            lines.append(f"| {p.label} | {p.moves:,} | {p.labour_min:,.0f} | "
                         f"{exp} | {rep} | {err} | {capture} |")  # fmt: skip
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: windows, start, points (not the moves)."""
        rw = self.replay_window
        return {
            "profile_window": self.profile_window.__dict__,
            "replay_window": None if rw is None else rw.__dict__,
            "in_sample": self.in_sample,
            "skus": self.skus,
            "base_m_per_day": {k: round(v, 2) for k, v in self.base_m_per_day.items()},
            "excluded": dict(self.excluded),
            "points": [p.to_dict() for p in self.points],
            "detail": {
                k: {name: round(x, 4) for name, x in d.items()} for k, d in self.detail.items()
            },  # fmt: skip
        }


def budget_curve(
    layout: Layout,
    current: Slotting,
    plan: ReslotPlan,
    estimate_orders: Mapping[str, Sequence[Order]],
    replay_orders: Mapping[str, Sequence[Order]] | None,
    cart: Cart,
    *,
    shares: Sequence[float] = BUDGET_SHARES,
    in_sample: bool = False,
    policy: WavePolicy | None = None,
    move_cost: MoveCost | None = None,
    oracle: DistanceOracle | None = None,
    factors: Mapping[str, float] | Calibration | None = None,
    forecast: Mapping[str, float] | None = None,
    reshuffles: int = 0,
    seed: int = 0,
) -> BudgetCurve:
    """Cut ``plan``'s move list at budgets of ``shares`` of the SKUs; measure each cut.

    Parameters
    ----------
    layout
        The warehouse.
    current
        The slotting the moves start from.
    plan
        A re-slot of ``current`` (best gain per move first), normally without
        a budget.
    estimate_orders
        Day -> orders of the profile window: the expected savings.
    replay_orders
        Day -> orders of the replay window (the days after), or ``None``.
    cart
        What one tour carries.
    shares
        Budgets, as shares of the SKUs slotted at the start.
    in_sample
        Say that the replay window lies inside the profile window.
    policy
        Wave policy of both replays; default :data:`REPLAY_POLICY`.
    move_cost
        Turns calibrated gains into payback days; default :class:`MoveCost`.
    oracle
        Distances to reuse.
    factors
        Point label -> factor on its expected saving, or a
        :class:`Calibration` (:func:`holdout_calibration`: its factors, and
        each point's ``expected_se`` from theirs); ``None``: none.
    forecast
        SKU -> picks a day on the days after the profile window
        (:func:`demand_forecast`). Given, each point's replayed estimate is
        scaled to the forecast demand and pooled with the visits model
        (:func:`forecast_estimate`); ``None``: the replay of
        ``estimate_orders`` as it is.
    reshuffles
        Replay the estimate days this many more times with their orders
        dealt afresh into the same days (as many orders a day, seeded by
        ``seed``): the same picks, other waves. The estimate is the mean
        over these replays and the days as they came. A day's saving varies
        by about as much at every budget, mostly by how batching happens to
        group that day's orders, so a small budget's in-sample saving is
        otherwise known only to a large share of itself.
    seed
        Seed of the reshuffles.

    Returns
    -------
    BudgetCurve
        Points at each budget and ``"full"``; the calibrated move list.

    Raises
    ------
    PickoptError
        For a share outside (0, 1], negative reshuffles, or no orders to
        estimate on.
    """
    if any(not (0 < s <= 1) for s in shares):
        raise PickoptError(f"budget shares must be in (0, 1], got {list(shares)!r}")
    if reshuffles < 0:
        raise PickoptError(f"reshuffles must be at least 0, got {reshuffles}")
    if not estimate_orders:
        raise PickoptError("the budget curve needs orders of the profile window to estimate on")
    policy = policy or REPLAY_POLICY
    move_cost = move_cost or MoveCost()
    oracle = oracle or DistanceOracle.for_layout(layout)
    moves = plan.moves
    start = step_prefix(moves, 0)
    base = apply_moves(current, moves[:start])
    n = len(base)
    budgets = [int(math.floor(s * n)) for s in shares]
    cuts = sorted({start, len(moves), *(step_prefix(moves, b) for b in budgets)})
    slottings = {_name(k): apply_moves(current, moves[:k]) for k in cuts}
    rng = np.random.default_rng(seed)
    days = [estimate_orders, *(_deal(estimate_orders, rng) for _ in range(reshuffles))]
    est = _mean_saved([_saved(layout, d, slottings, start, cart, policy, oracle) for d in days])
    labels = _point_labels(shares)
    ends = [*(step_prefix(moves, b) for b in budgets), len(moves)]
    own_se = {k: est.se[k] or 0.0 for k in ends}
    detail: dict[str, dict[str, float]] = {}
    if forecast is not None:
        gains = [model_gains(layout, current, plan, rates, shares=shares,
                             tours_per_day=est.tours, oracle=oracle)
                 for rates in (picks_per_day(estimate_orders), forecast)]  # fmt: skip
        replayed = {label: est.saved[k] for label, k in zip(labels, ends, strict=True)}
        replayed_se = {label: own_se[k] for label, k in zip(labels, ends, strict=True)}
        pooled = forecast_estimate(replayed, replayed_se, *gains)
        for label, k in zip(labels, ends, strict=True):  # two labels can share a cut
            est.saved[k], own_se[k] = pooled[label]["expected"], pooled[label]["expected_se"]
        detail = {label: {**d, "tours_per_day": est.tours} for label, d in pooled.items()}
    expected_se: dict[int, float] = {}
    if isinstance(factors, Calibration):
        # The factor's error and the estimate's own: the days of the profile window are
        # a sample too, and a small budget's daily saving varies a lot around its mean.
        for label, k in zip(labels, ends, strict=True):
            f, f_se = factors.factors.get(label, 1.0), factors.factor_se.get(label, 0.0)
            expected_se[k] = math.hypot(est.saved[k] * f_se, f * own_se[k])
        factors = factors.factors
    if factors:  # one factor per cut (two labels can share a cut: the later one wins)
        scale = {k: factors.get(label, 1.0) for label, k in zip(labels, ends, strict=True)}
        for k, f in scale.items():
            est.saved[k] *= f
    calibrated = _calibrate(moves, cuts, est.saved, move_cost)
    rep = None
    if replay_orders:
        rep = _saved(layout, replay_orders, slottings, start, cart, policy, oracle)
    points = []
    for label, budget, k in zip(labels, [*budgets, None], ends, strict=True):
        points.append(_point(label, budget, k, calibrated, est.saved, rep, expected_se.get(k)))
    base_m = {"expected": est.base}
    excluded = {"expected": est.excluded}
    if rep is not None:
        base_m["replayed"] = rep.base
        excluded["replayed"] = rep.excluded
    return BudgetCurve(tuple(points), calibrated, base_m, Window.of(estimate_orders),
                       None if not replay_orders else Window.of(replay_orders), in_sample, n,
                       excluded, detail)  # fmt: skip


def forecast_estimate(
    replayed: Mapping[str, float],
    replayed_se: Mapping[str, float],
    now: Mapping[str, float],
    ahead: Mapping[str, float],
) -> dict[str, dict[str, float]]:
    """Each budget point's expected saving under the forecast demand, from two estimates
    pooled by their precision.

    - **direct**: the point's saving replayed on the estimate's days, times
      the demand factor ``ahead / now`` (the model's gain under the forecast
      over its gain under the estimate days' demand). Unbiased for that
      demand, but a day's saving varies from day to day by about as much
      at every budget, so at small budgets its standard error is a large
      share of it.
    - **model**: the model's gain under the forecast times one scale, the
      replayed saving summed over the points over the model's gain summed
      over them (metres of re-batched saving per model metre); its error is
      the scale's. It does not carry a small budget's replay noise, but it
      is only as right as the model's shape.

    Where the direct estimates scatter around the model by more than their
    noise, the excess (DerSimonian-Laird, on the ratio direct / model)
    counts as the model's error too, so the pooling leans on the replay.

    Parameters
    ----------
    replayed, replayed_se
        Point label -> replayed saving on the estimate's days and its
        standard error.
    now, ahead
        Point label -> model gain (:func:`model_gains`) under the estimate
        days' demand and under the forecast.

    Returns
    -------
    dict
        Point label -> ``replayed``, ``replayed_se``, ``demand`` (factor), ``direct``,
        ``direct_se``, ``model``, ``model_se``, ``expected`` and
        ``expected_se``.

    Examples
    --------
    A noisy small point is pulled toward the model, a precise one is not:

    >>> r = forecast_estimate({"1 %": 50.0, "full": 400.0}, {"1 %": 20.0, "full": 10.0},
    ...                       {"1 %": 100.0, "full": 1000.0}, {"1 %": 80.0, "full": 1000.0})
    >>> {k: tuple(round(v[x], 1) for x in ("direct", "model", "expected"))
    ...  for k, v in r.items()}
    {'1 %': (40.0, 32.7, 33.0), 'full': (400.0, 409.1, 400.6)}
    """
    labels = [k for k in replayed if now.get(k, 0.0) > 0]
    saved = math.fsum(replayed[k] for k in labels)
    scale = saved / math.fsum(now[k] for k in labels) if labels else 0.0
    # The scale's relative error: the points share their days, so their errors add.
    scale_rel = math.fsum(replayed_se[k] for k in labels) / saved if saved > 0 else math.inf
    out: dict[str, dict[str, float]] = {}
    for k in replayed:
        demand = ahead[k] / now[k] if now.get(k, 0.0) > 0 else 1.0
        model = scale * ahead.get(k, 0.0)
        out[k] = {"replayed": replayed[k], "replayed_se": replayed_se[k], "demand": demand,
                  "direct": replayed[k] * demand,
                  "direct_se": replayed_se[k] * demand, "model": model,
                  "model_se": model * scale_rel}  # fmt: skip
    # The model's misfit beyond the replays' noise, on the ratio direct / model.
    fit = [k for k in out if out[k]["model"] > 0 and out[k]["direct_se"] > 0]
    weights = [(out[k]["model"] / out[k]["direct_se"]) ** 2 for k in fit]
    misfit2 = _excess_variance(weights, [out[k]["direct"] / out[k]["model"] - 1.0 for k in fit])
    for d in out.values():
        model_var = d["model_se"] ** 2 + misfit2 * d["model"] ** 2
        if d["direct_se"] <= 0 or not math.isfinite(model_var) or d["model"] <= 0:
            d["expected"], d["expected_se"] = d["direct"], d["direct_se"]
            continue
        wd, wm = 1.0 / d["direct_se"] ** 2, 1.0 / max(model_var, 1e-12)
        d["expected"] = (wd * d["direct"] + wm * d["model"]) / (wd + wm)
        d["expected_se"] = math.sqrt(1.0 / (wd + wm))
    return out


@dataclass(frozen=True)
class Calibration:
    """Drift factors of a budget curve, from data up to the end of the profile window.

    A point's factor is the share of its in-sample saving the plan keeps on
    the days after. It has two parts, measured apart:

    - **selection** (``shape``): the moves were chosen because they saved on
      these very days, partly by chance; a bootstrap of the profile window's
      days (:func:`selection_factors`) measures, per budget, how much a
      re-slot planned from resampled days saves on the real ones against
      on its own sample. No replay, so no replay noise; it grows with the
      budget, where more moves are chosen on smaller, noisier gains.
    - **drift** (``drift``): demand moves on after the window. A backtest
      (:func:`holdout_calibration`) replays a re-slot planned from earlier
      days on the days after it; its held-out over in-sample saving,
      divided by that plan's own selection factor, leaves the drift, pooled
      over the budget points (weighted by their precision). By default the
      drift only widens the interval: the backtest's days had other
      promotions, launches and fades than the days after the window will
      have, so its direction is not a forecast, its size is. With
      ``apply_drift`` it also scales the factors.

    Attributes
    ----------
    raw
        Point label -> the backtest's held-out over in-sample saving.
    raw_se
        Point label -> standard error of ``raw``, from the spread of the
        held-out days' savings (``inf``: unmeasured).
    shape
        Point label -> selection factor of the plan (1: none measured).
    drift
        The pooled drift factor.
    spread
        Standard deviation of the points' drift around ``drift`` beyond what
        their noise explains (DerSimonian-Laird, weighted by precision; 0:
        no more than the noise).
    factors
        Point label -> the factor applied: ``shape``, times ``drift`` if
        ``applied``; clipped to the bounds.
    factor_se
        Point label -> its standard error, times the shape: the pooled
        drift's error and the spread, and the drift itself where it is not
        applied. Nested prefixes share their first moves, so the points are
        not independent and the pooled error is a lower bound.
    applied
        Whether ``drift`` scales the factors.
    """

    raw: Mapping[str, float]
    raw_se: Mapping[str, float]
    shape: Mapping[str, float]
    drift: float
    spread: float
    factors: Mapping[str, float]
    factor_se: Mapping[str, float]
    applied: bool = False

    @classmethod
    def fit(
        cls,
        raw: Mapping[str, float],
        raw_se: Mapping[str, float],
        *,
        shape: Mapping[str, float] | None = None,
        fold_shape: Mapping[str, float] | None = None,
        bounds: tuple[float, float] = (0.0, 1.5),
        apply_drift: bool = False,
    ) -> Calibration:
        """Each point's selection factor, and the backtest's drift pooled over the points.

        Parameters
        ----------
        raw, raw_se
            The backtest's factor per point label, and its standard error.
        shape
            Selection factor of the plan per point label (default 1).
        fold_shape
            Selection factor of the backtest's plan (default ``shape``).
        bounds
            Factors are clipped to this range.
        apply_drift
            Scale the factors by the drift too (else it only widens their
            standard errors).

        Examples
        --------
        >>> raw = {"1 %": 0.4, "5 %": 0.8, "full": 0.82}
        >>> se = {"1 %": 0.3, "5 %": 0.1, "full": 0.05}
        >>> shape = {"1 %": 1.0, "5 %": 0.95, "full": 0.9}
        >>> c = Calibration.fit(raw, se, shape=shape)
        >>> round(c.drift, 2), c.factors == shape, round(c.factor_se["full"], 2)
        (0.88, True, 0.13)
        >>> c = Calibration.fit(raw, se, shape=shape, apply_drift=True)
        >>> {k: round(v, 2) for k, v in c.factors.items()}
        {'1 %': 0.88, '5 %': 0.84, 'full': 0.79}
        """
        lo, hi = bounds
        shape = {k: (shape or {}).get(k, 1.0) for k in raw}
        fold = {k: (fold_shape or shape).get(k, 1.0) for k in raw}
        labels = [k for k in raw if math.isfinite(raw_se.get(k, math.inf)) and fold[k] > 0]
        if not labels:
            factors = {k: min(hi, max(lo, shape[k])) for k in raw}
            return cls(dict(raw), dict(raw_se), shape, 1.0, 0.0, factors, dict.fromkeys(raw, 0.0),
                       apply_drift)  # fmt: skip
        resid = {k: raw[k] / fold[k] for k in labels}
        var = {k: max(raw_se[k] / fold[k], 1e-9) ** 2 for k in labels}
        weight = {k: 1.0 / var[k] for k in labels}
        drift = sum(weight[k] * resid[k] for k in labels) / sum(weight.values())
        pooled_var = 1.0 / sum(weight.values())
        # DerSimonian-Laird: a wild, imprecise point barely counts.
        tau2 = _excess_variance([weight[k] for k in labels], [resid[k] - drift for k in labels])
        scale = drift if apply_drift else 1.0
        unknown = pooled_var + tau2 + (0.0 if apply_drift else (drift - 1.0) ** 2)
        factors = {k: min(hi, max(lo, shape[k] * scale)) for k in raw}
        factor_se = {k: shape[k] * math.sqrt(unknown) for k in raw}
        return cls(dict(raw), dict(raw_se), shape, drift, math.sqrt(tau2), factors, factor_se,
                   apply_drift)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, rounded."""

        def r(d: Mapping[str, float]) -> dict[str, float | None]:
            return {k: round(v, 4) if math.isfinite(v) else None for k, v in d.items()}

        return {"raw": r(self.raw), "raw_se": r(self.raw_se), "shape": r(self.shape),
                "drift": round(self.drift, 4), "spread": round(self.spread, 4),
                "factors": r(self.factors), "factor_se": r(self.factor_se),
                "applied": self.applied}  # fmt: skip


def selection_factors(
    layout: Layout,
    current: Slotting,
    orders: Mapping[str, Sequence[Order]],
    replan: Callable[[DemandProfile], ReslotPlan],
    *,
    shares: Sequence[float] = BUDGET_SHARES,
    draws: int = 20,
    seed: int = 0,
    costs: SlotCosts | None = None,
    oracle: DistanceOracle | None = None,
    method: SelectionMethod = "bootstrap",
) -> dict[str, float]:
    """How much of its in-sample gain a re-slot keeps because its moves were not
    chosen by chance, per budget point (a bootstrap of the days).

    Each draw resamples the days of ``orders`` with replacement, plans the
    re-slot from the sample (``replan``), and prices its prefixes with the
    picks model (picks a day times the drop in slot cost) on the sample's
    picks and on other picks, per ``method``:

    - ``"bootstrap"``: on all the real days' picks. The factor is that gain
      summed over the draws over the sample's. The real days include the
      days the sample drew (about 63 % of them), so this keeps part of the
      chance the plan was chosen for.
    - ``"oob"``: on the picks a day of the days the sample left out (out of
      bag), as many days as the sample. A plan made from a sample sees
      fewer distinct days than the plan itself, so this overstates its
      selection.
    - ``"oob632"``: Efron's .632 estimator, ``0.368 * 1 + 0.632 * oob``:
      the in-sample gain and the out-of-bag gain weighted by how often a
      day is out of and in a sample.
    - ``"half"``: the m-out-of-n bootstrap (Bickel, Götze & van Zwet 1997) with
      half-sampling, m = n // 2 days drawn without replacement. The sample's
      plan is priced on its m days (as picks over n days) and on all n real
      days, and that optimism is scaled by m / n, since a selection's
      optimism shrinks like 1 / m: the factor is ``1 - m / n * (1 - f_m)``.
      Where the plan picks among near-ties, the n-out-of-n bootstrap
      overstates the optimism; a smaller m is the textbook remedy. m is fixed
      a priori, not fitted. Needs at least two days.

    Draws that leave no day out count for ``"bootstrap"`` only.

    Parameters
    ----------
    layout, current
        The warehouse and the slotting the moves start from.
    orders
        Day -> orders the plan was made from (the profile window).
    replan
        Profile -> re-slot of ``current``, made as the plan was made.
    shares
        Budgets, as in :func:`budget_curve`.
    draws
        Bootstrap samples.
    seed
        Seed of the resampling.
    costs, oracle
        Slot costs of the picks model; distances to reuse.
    method
        Where the sample's plan is priced against its own picks (above).

    Returns
    -------
    dict
        Point label -> factor (1.0 where the sample's gain is not positive).

    Raises
    ------
    PickoptError
        For a method not listed.

    Examples
    --------
    >>> from optimizer.orders import OrderLine
    >>> from optimizer.slotting import DemandProfile, reslot
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> days = {"d1": [Order("o1", (OrderLine("busy"),))],
    ...         "d2": [Order("o2", (OrderLine("busy"), OrderLine("rare")))]}
    >>> current = Slotting({"busy": "A10-B1-045-L-1", "rare": "A01-B1-001-L-1"})
    >>> f = selection_factors(layout, current, days, lambda p: reslot(layout, p, current),
    ...                       shares=(0.5,), draws=4)
    >>> sorted(f), 0 < f["full"] <= 1.5
    (['50 %', 'full'], True)
    """
    if method not in ("bootstrap", "oob632", "oob", "half"):
        raise PickoptError(f"selection method {method!r} not understood: "
                           "'bootstrap', 'oob632', 'oob' or 'half'")  # fmt: skip
    oracle = oracle or DistanceOracle.for_layout(layout)
    cost = slot_costs(layout, costs, oracle=oracle)
    slot_of = {s.code: k for k, s in enumerate(layout.slots)}
    day_orders = [list(v) for v in orders.values()]
    n_days = len(day_orders)
    real = _picks(o for day in day_orders for o in day)
    labels = _point_labels(shares)
    # Gains summed over the draws: priced on the sample, on the real days, and (the
    # out-of-bag methods, draws that left a day out) on the sample again and on the
    # days left out.
    inside = dict.fromkeys(labels, 0.0)
    outside = dict.fromkeys(labels, 0.0)
    inside_oob = dict.fromkeys(labels, 0.0)
    out_of_bag = dict.fromkeys(labels, 0.0)
    rng = np.random.default_rng(seed)
    first = dt.date(2000, 1, 1)
    half = method == "half"
    out_of_bag_method = method in ("oob", "oob632")
    m_days = n_days // 2
    if half and m_days < 1:
        raise PickoptError("half-sampling needs at least two days")
    for _ in range(draws):
        sample: list[Order] = []
        when: dict[str, dt.date] = {}
        picked = (
            rng.choice(n_days, m_days, replace=False).tolist()
            if half
            else rng.integers(0, n_days, n_days).tolist()
        )
        for j, d in enumerate(picked):
            for o in day_orders[d]:
                oid = f"{j}:{o.id}"
                sample.append(Order(oid, o.lines))
                when[oid] = first + dt.timedelta(days=j)
        plan = replan(DemandProfile.from_orders(sample, days=when))
        drawn = _picks(sample)
        # The sample's picks on the scale of the n real days.
        in_scale = n_days / len(picked)
        # The left-out days (only the out-of-bag methods price on them) and their
        # picks, scaled to as many days as the sample holds.
        left_out = sorted(set(range(n_days)) - set(picked)) if out_of_bag_method else []
        oob = _picks(o for d in left_out for o in day_orders[d])
        oob_scale = n_days / len(left_out) if left_out else 0.0
        moves = plan.moves
        start = step_prefix(moves, 0)
        n = len(apply_moves(current, moves[:start]))
        ends = [*(step_prefix(moves, math.floor(s * n)) for s in shares), len(moves)]
        for label, k in zip(labels, ends, strict=True):
            for m in moves[start:k]:
                if not m.from_bin:
                    continue
                drop = float(cost[slot_of[m.from_bin]] - cost[slot_of[m.to_bin]])
                inside[label] += drawn.get(m.sku, 0) * in_scale * drop
                outside[label] += real.get(m.sku, 0) * drop
                if left_out:
                    inside_oob[label] += drawn.get(m.sku, 0) * drop
                    out_of_bag[label] += oob.get(m.sku, 0) * oob_scale * drop
    f_all = {k: outside[k] / inside[k] if inside[k] > 0 else 1.0 for k in labels}
    if method == "bootstrap":
        return f_all
    if half:
        return {k: 1.0 - m_days / n_days * (1.0 - f) for k, f in f_all.items()}
    f_oob = {k: out_of_bag[k] / inside_oob[k] if inside_oob[k] > 0 else 1.0 for k in labels}
    if method == "oob":
        return f_oob
    return {k: (1.0 - _IN_BAG) + _IN_BAG * f for k, f in f_oob.items()}


def picks_per_day(orders: Mapping[str, Sequence[Order]]) -> dict[str, float]:
    """SKU -> picks a day (orders with a line of it) over the days of ``orders``.

    ``orders`` maps each day's label to its orders.

    Examples
    --------
    >>> from optimizer.orders import OrderLine
    >>> days = {"d1": [Order("o1", (OrderLine("a"), OrderLine("b")))],
    ...         "d2": [Order("o2", (OrderLine("a"),))]}
    >>> picks_per_day(days)
    {'a': 1.0, 'b': 0.5}
    """
    n = max(1, len(orders))
    return {sku: k / n for sku, k in _picks(o for day in orders.values() for o in day).items()}


def demand_forecast(
    orders: Mapping[str, Sequence[Order]],
    *,
    windows: int = 3,
    width: int | None = None,
    bands: int = 1,
) -> dict[str, float] | None:
    """Each SKU's picks a day on the days after ``orders``, from its recent trend.

    The last ``windows`` windows of ``width`` days (newest first) give each
    SKU's picks a day in each; the forecast is their weighted sum, with the
    weights fitted on the same history (least squares over the SKUs,
    no intercept): the newest window predicted from the ``windows`` before
    it. The fit says how much of a rise or a fall persists: a promotion that
    ended, a launch ramping up, a SKU fading out, a popularity walk that
    reverts. Rates in picks a day weight the fit toward the busy SKUs, the
    ones a move's gain depends on.

    With ``bands`` above 1 the SKUs are split by their mean rate over the
    windows a fit reads (equal numbers of SKUs with demand per band), and
    each band gets its own weights: a slow SKU's fortnight is a handful of
    picks, so its newest window is mostly noise and its fit spreads the
    weight over older windows (an empirical-Bayes shrinkage toward its own
    past), while a busy SKU's newest window is mostly signal. A band with
    too few SKUs to fit uses the weights of all the SKUs. (On the slotting
    benchmark 4 bands forecast the demand factor of a plan closer to the
    true one, yet the budget curve's expected saving did not come closer to
    the replayed one: ``benches/results/slotting_calibration_slot2.md``.)

    Parameters
    ----------
    orders
        Day label -> orders, the days up to the re-slot (label order is
        time order: ISO dates).
    windows
        Windows the forecast reads.
    width
        Days per window; default as many as give ``windows + 1`` windows.
    bands
        Rate bands with their own weights (1: one fit for all the SKUs).

    Returns
    -------
    dict or None
        SKU -> forecast picks a day (at least 0); ``None`` when there are
        fewer than ``windows + 1`` windows of at least one day.

    Examples
    --------
    Demand that halved from one day to the next is forecast to halve again
    (one window of a day, its weight fitted as 0.5):

    >>> from optimizer.orders import OrderLine
    >>> def day(k, picks):
    ...     return [Order(f"{k}-{s}{j}", (OrderLine(s),)) for s, n in picks.items()
    ...             for j in range(n)]
    >>> days = {"d0": day(0, {"a": 8, "b": 4}), "d1": day(1, {"a": 4, "b": 2})}
    >>> demand_forecast(days, windows=1)
    {'a': 2.0, 'b': 1.0}
    """
    labels = sorted(orders)
    width = len(labels) // (windows + 1) if width is None else width
    if windows < 1 or width < 1 or len(labels) < (windows + 1) * width:
        return None
    per_day = [_picks(orders[label]) for label in labels]
    skus = sorted({sku for day in per_day for sku in day})
    counts = np.array([[day.get(sku, 0) for sku in skus] for day in per_day], dtype=np.float64)
    rate = np.stack([counts[len(labels) - (w + 1) * width : len(labels) - w * width].mean(0)
                     for w in range(windows + 1)], axis=1)  # fmt: skip
    fit_x, fit_y, ahead_x = rate[:, 1:], rate[:, 0], rate[:, :windows]
    weights, *_ = np.linalg.lstsq(fit_x, fit_y, rcond=None)
    forecast = ahead_x @ weights
    # Band edges from the fit's rates: a SKU's band in the forecast is where its
    # recent rates would have put it in the fit.
    level = fit_x.mean(axis=1)
    busy = level[level > 0]
    if bands > 1 and busy.size:
        edges = np.quantile(busy, np.linspace(0.0, 1.0, bands + 1)[1:-1])
        fit_band = np.searchsorted(edges, level, side="right")
        ahead_band = np.searchsorted(edges, ahead_x.mean(axis=1), side="right")
        for b in range(bands):
            rows = fit_band == b
            if rows.sum() < _MIN_BAND_FIT * windows:
                continue
            band_weights, *_ = np.linalg.lstsq(fit_x[rows], fit_y[rows], rcond=None)
            forecast[ahead_band == b] = ahead_x[ahead_band == b] @ band_weights
    return dict(zip(skus, np.maximum(forecast, 0.0).tolist(), strict=True))


def model_gains(
    layout: Layout,
    current: Slotting,
    plan: ReslotPlan,
    rates: Mapping[str, float],
    *,
    shares: Sequence[float] = BUDGET_SHARES,
    tours_per_day: float | None = None,
    costs: SlotCosts | None = None,
    oracle: DistanceOracle | None = None,
) -> dict[str, float]:
    """What each budget point's prefix of ``plan`` gains by a model, metres a day.

    Each move gains the drop in its slot cost (a round trip from the depot)
    times the visits a day its SKU gets: its picks a day (the *picks
    model*), or, given the tours a day, the tours that visit it,
    ``T (1 - exp(-rate / T))`` for ``T`` tours a day (the *visits model*:
    a busy SKU is picked on most tours, several of its picks on one tour
    are one visit, so moving it saves less per pick than moving a slower
    one). Put-aways gain nothing.

    Parameters
    ----------
    layout, current, plan
        As :func:`budget_curve`.
    rates
        SKU -> picks a day.
    shares
        Budgets, as in :func:`budget_curve`.
    tours_per_day
        Tours a day (``None``: the picks model).
    costs, oracle
        Slot costs; distances to reuse.

    Returns
    -------
    dict
        Point label -> metres a day.

    Examples
    --------
    >>> from optimizer.orders import OrderLine
    >>> from optimizer.slotting import DemandProfile, reslot
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> days = {"d1": [Order("o1", (OrderLine("busy"),))]}
    >>> current = Slotting({"busy": "A10-B1-045-L-1", "rare": "A01-B1-001-L-1"})
    >>> plan = reslot(layout, DemandProfile.from_orders(days["d1"]), current)
    >>> picks = model_gains(layout, current, plan, {"busy": 4.0}, shares=(1.0,))
    >>> visits = model_gains(layout, current, plan, {"busy": 4.0}, shares=(1.0,),
    ...                      tours_per_day=2.0)
    >>> round(visits["full"] / picks["full"], 3)  # 2 (1 - e^-2) / 4
    0.432
    """
    labels = _point_labels(shares)
    cost = slot_costs(layout, costs, oracle=oracle)
    slot_of = {s.code: k for k, s in enumerate(layout.slots)}
    moves = plan.moves
    start = step_prefix(moves, 0)
    n = len(apply_moves(current, moves[:start]))
    ends = [*(step_prefix(moves, math.floor(s * n)) for s in shares), len(moves)]
    gains = [_visits(rates.get(m.sku, 0.0), tours_per_day)
             * float(cost[slot_of[m.from_bin]] - cost[slot_of[m.to_bin]]) if m.from_bin else 0.0
             for m in moves]  # fmt: skip
    return {label: math.fsum(gains[start:k]) for label, k in zip(labels, ends, strict=True)}


def _visits(rate: float, tours: float | None) -> float:
    """Visits a day of a SKU picked ``rate`` times a day, on ``tours`` tours a day
    (``None``: every pick a visit)."""
    if tours is None or tours <= 0:
        return rate
    return tours * -math.expm1(-rate / tours)


def _picks(orders: Iterable[Order]) -> dict[str, int]:
    """SKU -> orders with a line of it (its picks: two lines of one order are one pick)."""
    out: dict[str, int] = {}
    for o in orders:
        for sku in o.skus:
            out[sku] = out.get(sku, 0) + 1
    return out


def holdout_calibration(
    layout: Layout,
    current: Slotting,
    folds: Sequence[
        tuple[ReslotPlan, Mapping[str, Sequence[Order]], Mapping[str, Sequence[Order]]]
    ],
    cart: Cart,
    *,
    shares: Sequence[float] = BUDGET_SHARES,
    policy: WavePolicy | None = None,
    oracle: DistanceOracle | None = None,
    bounds: tuple[float, float] = (0.0, 1.5),
    shape: Mapping[str, float] | None = None,
    fold_shape: Mapping[str, float] | None = None,
    apply_drift: bool = False,
    forecasts: Sequence[Mapping[str, float] | None] | None = None,
    reshuffles: int = 0,
    seed: int = 0,
) -> Calibration:
    """How much of its expected saving a re-slot keeps on the days after, per budget.

    Each fold is a re-slot planned from the profile window cut short, the
    orders of the days it was planned from, and the orders of the days
    after the cut (still inside the profile window): a rolling-origin
    backtest. Per budget point, the raw factor is the held-out saving
    summed over the folds over the expected saving (:func:`budget_curve`
    with the fold's demand forecast, no factors) summed over them; its
    standard error comes from the spread of the held-out days' savings.
    :meth:`Calibration.fit` pools them into one drift factor, beside each
    point's selection factor.

    Parameters
    ----------
    layout, current, cart
        As :func:`budget_curve`.
    folds
        ``(plan, its orders, held-out orders)`` per fold.
    shares
        Budgets, as in :func:`budget_curve`.
    policy, oracle
        As :func:`budget_curve`.
    bounds
        Factors are clipped to this range.
    shape, fold_shape
        Selection factors (:func:`selection_factors`) of the plan and of
        the folds' plans; default none.
    apply_drift
        Scale the factors by the drift (see :class:`Calibration`).
    forecasts
        Per fold, its demand forecast (:func:`demand_forecast` of the days
        up to its cut); default none.
    reshuffles, seed
        Reshuffled replays of each fold's own days, as in :func:`budget_curve`.

    Returns
    -------
    Calibration
        Raw and applied factors per point label, with standard errors.
    """
    inside: dict[str, float] = {}
    held: dict[str, float] = {}
    held_var: dict[str, float] = {}
    forecasts = forecasts or [None] * len(folds)
    for (plan, early, later), forecast in zip(folds, forecasts, strict=True):
        curve = budget_curve(layout, current, plan, early, later, cart, shares=shares,
                             policy=policy, oracle=oracle, forecast=forecast,
                             reshuffles=reshuffles, seed=seed)  # fmt: skip
        for p in curve.points:
            inside[p.label] = inside.get(p.label, 0.0) + p.expected_m_per_day
            held[p.label] = held.get(p.label, 0.0) + (p.replayed_m_per_day or 0.0)
            se = math.inf if p.replayed_se is None else p.replayed_se
            held_var[p.label] = held_var.get(p.label, 0.0) + se**2
    raw = {k: 1.0 if inside[k] <= 0 else held[k] / inside[k] for k in inside}
    raw_se = {k: math.inf if inside[k] <= 0 else math.sqrt(held_var[k]) / inside[k]
              for k in inside}  # fmt: skip
    return Calibration.fit(raw, raw_se, shape=shape, fold_shape=fold_shape, bounds=bounds,
                           apply_drift=apply_drift)  # fmt: skip


def measure_prefix(
    layout: Layout,
    current: Slotting,
    curve: BudgetCurve,
    k: int,
    label: str,
    replay_orders: Mapping[str, Sequence[Order]] | None,
    cart: Cart,
    *,
    budget: int | None = None,
    policy: WavePolicy | None = None,
    oracle: DistanceOracle | None = None,
) -> CurvePoint:
    """The point of the prefix of ``k`` moves of ``curve.moves``: expected from the
    calibrated gains, replayed on ``replay_orders`` (if given)."""
    moves = curve.moves
    start = step_prefix(moves, 0)
    rep = None
    if replay_orders:
        policy = policy or REPLAY_POLICY
        slottings = {_name(start): apply_moves(current, moves[:start]),
                     _name(k): apply_moves(current, moves[:k])}  # fmt: skip
        rep = _saved(layout, replay_orders, slottings, start, cart, policy,
                     oracle or DistanceOracle.for_layout(layout))  # fmt: skip
    return _point(label, budget, k, moves, None, rep)


def replay_curve(
    layout: Layout,
    current: Slotting,
    curve: BudgetCurve,
    replay_orders: Mapping[str, Sequence[Order]],
    cart: Cart,
    *,
    policy: WavePolicy | None = None,
    oracle: DistanceOracle | None = None,
) -> BudgetCurve:
    """``curve`` with every point replayed on ``replay_orders`` (one replay of all
    its prefixes); the expected savings stay. E.g. the same window under other
    draws of its orders, to measure the replayed saving with less noise."""
    moves = curve.moves
    start = step_prefix(moves, 0)
    cuts = sorted({start, *(p.length for p in curve.points)})
    slottings = {_name(k): apply_moves(current, moves[:k]) for k in cuts}
    rep = _saved(layout, replay_orders, slottings, start, cart, policy or REPLAY_POLICY,
                 oracle or DistanceOracle.for_layout(layout))  # fmt: skip
    points = tuple(replace(p, replayed_m_per_day=rep.saved[p.length], replayed_se=rep.se[p.length])
                   for p in curve.points)  # fmt: skip
    return replace(curve, points=points, replay_window=Window.of(replay_orders),
                   base_m_per_day={**curve.base_m_per_day, "replayed": rep.base},
                   excluded={**curve.excluded, "replayed": rep.excluded})  # fmt: skip


def _excess_variance(weights: Sequence[float], deviations: Sequence[float]) -> float:
    """The variance between points beyond their own noise (DerSimonian-Laird's tau²),
    from their inverse-variance weights and their deviations from the pooled value;
    0 for fewer than two points."""
    if len(weights) < 2:
        return 0.0
    q = sum(w * d**2 for w, d in zip(weights, deviations, strict=True))
    total = sum(weights)
    spread = total - sum(w * w for w in weights) / total
    return max(0.0, (q - (len(weights) - 1)) / spread) if spread > 0 else 0.0


def _point_labels(shares: Sequence[float]) -> list[str]:
    """The budget points' labels: one per share ("5 %"), then "full"."""
    return [f"{100 * s:g} %" for s in shares] + ["full"]


def _name(k: int) -> str:
    return f"first {k} moves"


class _Saved(NamedTuple):
    saved: dict[int, float]  # per cut: metres a day saved against the start
    base: float  # the start's metres a day
    excluded: int  # orders left out
    se: dict[int, float | None]  # per cut: standard error of ``saved``
    tours: float  # the start's tours a day


def _saved(
    layout: Layout,
    orders: Mapping[str, Sequence[Order]],
    slottings: Mapping[str, Slotting],
    start: int,
    cart: Cart,
    policy: WavePolicy,
    oracle: DistanceOracle,
) -> _Saved:
    """Replay every cut and the start on ``orders``; the savings per day."""
    report = replay(layout, orders, slottings, cart, policy=policy, oracle=oracle)
    d = report.distance
    days = [day for day in report.days if report.orders_per_day[day]]
    n = max(1, len(days))
    base = d[_name(start)]
    saved, se = {}, {}
    for name, m in d.items():
        k = int(name.split()[1])
        saved[k] = (base - m) / n
        daily = [report.per_day[day][_name(start)] - report.per_day[day][name] for day in days]
        se[k] = statistics.stdev(daily) / math.sqrt(len(daily)) if len(daily) > 1 else None
    return _Saved(saved, base / n, report.excluded, se, report.tours[_name(start)] / n)


def _deal(
    orders: Mapping[str, Sequence[Order]], rng: np.random.Generator
) -> dict[str, list[Order]]:
    """The orders of all the days dealt at random into the same days, as many a day."""
    pool = [o for day in orders.values() for o in day]
    order = rng.permutation(len(pool)).tolist()
    out, first = {}, 0
    for label, day in orders.items():
        out[label] = [pool[k] for k in order[first : first + len(day)]]
        first += len(day)
    return out


def _mean_saved(replays: Sequence[_Saved]) -> _Saved:
    """Replays of the same days' orders in other waves, averaged; the standard error
    of the mean from theirs (the deals are taken as independent: they share the
    orders, so this is the error of how the waves fell, not of which orders came);
    the start's metres, exclusions and tours of the first (the days as they came)."""
    first = replays[0]
    n = len(replays)
    if n == 1:
        return first
    saved = {k: math.fsum(r.saved[k] for r in replays) / n for k in first.saved}
    se = {k: None if any(r.se[k] is None for r in replays)
          else math.sqrt(math.fsum((r.se[k] or 0.0) ** 2 for r in replays)) / n
          for k in first.se}  # fmt: skip
    return _Saved(saved, first.base, first.excluded, se, first.tours)


def _calibrate(
    moves: Sequence[Move], cuts: Sequence[int], expected: Mapping[int, float], cost: MoveCost
) -> tuple[Move, ...]:
    """Moves whose gains add up to the expected saving at every cut: the moves
    between two cuts share that segment's saving in proportion to their
    picks gains (equally when those sum to nothing)."""
    gains = [0.0] * len(moves)
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        segment = expected[b] - expected[a]
        raw = [max(moves[k].expected_gain_m, 0.0) for k in range(a, b)]
        total = sum(raw)
        counted = [k for k in range(a, b) if moves[k].kind != "put-away"]
        for k in range(a, b):
            if moves[k].kind == "put-away":
                continue
            share = raw[k - a] / total if total > 0 else 1.0 / max(1, len(counted))
            gains[k] = segment * share
    return price_moves(moves, gains, [m.labour_min for m in moves], cost)


def _point(
    label: str,
    budget: int | None,
    k: int,
    moves: Sequence[Move],
    expected: Mapping[int, float] | None,
    replayed: _Saved | None,
    expected_se: float | None = None,
) -> CurvePoint:
    prefix = moves[:k]
    counted = [m for m in prefix if m.kind != "put-away"]
    exp = expected[k] if expected is not None and k in expected else sum(
        m.expected_gain_m for m in prefix)  # fmt: skip
    return CurvePoint(label, budget, k, len(counted), sum(m.labour_min for m in counted), exp,
                      None if replayed is None else replayed.saved[k],
                      None if replayed is None else replayed.se[k], expected_se)  # fmt: skip

"""The nightly slotting job behind ``pickopt slot``.

:func:`run_nightly` reads the history into a :class:`DemandProfile`,
classifies the SKUs, slots them (from scratch with :func:`assign`, or with a
bounded move list from the current slotting with :func:`reslot`), replays
orders under the old and the new slotting, and writes to the output folder.

**Out of sample by default**: the last ``replay_days`` days of the history
are the *replay window*; the profile is built from the days before them
(the *profile window*), so the replay measures the new slotting on days it
was not made from. ``in_sample=True`` builds the profile from every day
and replays the last days of it; the report then says so.

With a current slotting the job plans the full re-slot, measures its
**budget curve** (:func:`~optimizer.jobs.curve.budget_curve`: expected
saving from a replay of the profile window's last ``estimate_days`` days,
corrected for selection and, with the backtest, scaled to a demand
forecast of the days after; replayed saving on the replay window; at 1,
2, 5, 10, 20 % of the SKUs moved) and cuts the move list where the budget (``max_moves``), the
minimum gain per move (``min_gain``) or the labour budget
(``labour_minutes``) says. Files:

``slotting.csv``
    The new slotting, ``sku,bin``.
``moves.csv``
    ``step,sku,from_bin,to_bin,expected_gain_m,kind,labour_min,needs_free,
    payback_days`` (with ``--current``; gains calibrated on the profile window).
``curve.csv``
    The budget curve (with ``--current``).
``heatmap.png``, ``curve.png``
    Picks per slot before and after, and the budget curve (``pictures=True``).
``skus.csv``
    Per SKU: class, picks, units, orders, unit cube, bin before and after.
``classes.csv``
    The class table.
``replay.csv``
    Metres walked per day under each slotting.
``unslotted.csv``
    SKUs without a slot and why (only when there are some).
``report.md``
    A short summary: inputs and skipped rows, the class table, the moves,
    the replayed saving.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError
from optimizer.executors import Executor, InProcess, warm_worker
from optimizer.io import write_slotting
from optimizer.io.slotting import format_slotting_csv
from optimizer.jobs.curve import (
    BudgetCurve,
    Calibration,
    Window,
    budget_curve,
    demand_forecast,
    holdout_calibration,
    measure_prefix,
    selection_factors,
)
from optimizer.jobs.replay import REPLAY_POLICY, ReplayReport, history_orders, replay
from optimizer.jobs.warmup import call_every_kernel
from optimizer.layout import Layout
from optimizer.orders import Order, Slotting
from optimizer.slotting.assignment import SlotCosts, SlottingWarning, Unslotted, assign
from optimizer.slotting.classes import DEFAULT_SHARES, Classes, classify
from optimizer.slotting.moves import MoveCost, ReslotPlan, paying_steps, step_prefix
from optimizer.slotting.profile import DemandProfile
from optimizer.slotting.reslotting import ReslotParams, reslot
from optimizer.waves import WavePolicy

__all__ = ["NightlyResult", "run_nightly", "push_slotting", "MOVE_FIELDS", "NightlyJob",
           "run_nightlies"]  # fmt: skip

#: Columns of ``moves.csv``.
MOVE_FIELDS = ("step", "sku", "from_bin", "to_bin", "expected_gain_m", "kind", "labour_min",
               "needs_free", "payback_days")  # fmt: skip


@dataclass(frozen=True)
class NightlyResult:
    """What the nightly job made and where it wrote it."""

    out: Path
    files: Mapping[str, Path]
    profile: DemandProfile
    classes: Classes
    slotting: Slotting
    plan: ReslotPlan | None
    unslotted: tuple[Unslotted, ...]
    report: ReplayReport | None
    baseline: str | None
    seconds: Mapping[str, float] = field(default_factory=dict)
    curve: BudgetCurve | None = None
    profile_window: Window | None = None
    replay_window: Window | None = None
    in_sample: bool = False

    @property
    def saving_pct(self) -> float | None:
        """Replayed saving of the new slotting against the baseline, per cent."""
        if self.report is None or self.baseline is None:
            return None
        return self.report.saving_pct(self.baseline, "new")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary of the run: inputs, windows, outputs, files and timings
        (the moves themselves are in ``moves.csv``)."""
        plan = None
        if self.plan is not None:
            plan = {k: v for k, v in self.plan.to_dict().items() if k != "moves"}
            plan["labour_min"] = round(sum(m.labour_min for m in self.plan.moves
                                           if m.kind != "put-away"), 1)  # fmt: skip
            plan["expected_gain_m_per_day"] = round(sum(m.expected_gain_m
                                                        for m in self.plan.moves), 2)  # fmt: skip
        pw, rw = self.profile_window, self.replay_window
        return {
            "profile_window": None if pw is None else pw.__dict__,
            "replay_window": None if rw is None else rw.__dict__,
            "in_sample": self.in_sample,
            "out": str(self.out),
            "files": {k: str(v) for k, v in self.files.items()},
            "profile": self.profile.to_dict(),
            "classes": self.classes.to_dict(),
            "slotting": {
                "name": self.slotting.name,
                "version": self.slotting.version,
                "skus": len(self.slotting),
            },  # fmt: skip
            "plan": plan,
            "curve": None if self.curve is None else self.curve.to_dict(),
            "unslotted": [{"sku": u.sku, "reason": u.reason} for u in self.unslotted],
            "replay": None if self.report is None else self.report.to_dict(),
            "baseline": self.baseline,
            "saving_pct": self.saving_pct,
            "seconds": dict(self.seconds),
        }


def run_nightly(
    layout: Layout,
    history: str | Path,
    out: str | Path,
    *,
    current: Slotting | None = None,
    max_moves: int | None = None,
    policy: str = "class-based",
    sku_master: str | Path | None = None,
    shares: Sequence[float] = DEFAULT_SHARES,
    costs: SlotCosts | None = None,
    cover_days: float = 2.0,
    replay_days: int = 7,
    replay_orders: int | None = 500,
    cart: Cart | None = None,
    wave_policy: WavePolicy | None = None,
    seed: int = 0,
    progress: bool | None = False,
    in_sample: bool = False,
    estimate_days: int = 7,
    min_gain: float = 0.0,
    labour_minutes: float | None = None,
    move_cost: MoveCost | None = None,
    holdout_days: int | None = None,
    forecast_days: int = 56,
    reshuffles: int = 0,
    pictures: bool = False,
    executor: Executor | None = None,
) -> NightlyResult:
    """Profile, classify, slot, replay and write the report folder.

    Parameters
    ----------
    layout
        The warehouse.
    history
        Order-line history, CSV or Parquet.
    out
        Output folder (created).
    current
        The current slotting; given, the job re-slots with a move budget
        instead of slotting from scratch.
    max_moves
        Move budget of the re-slot (``None``: no limit).
    policy
        ``"class-based"``, ``"turnover"``, ``"coi"`` or ``"random"``.
    sku_master
        Optional SKU master (``sku``, ``unit_cube``, ``zone``).
    shares
        ABC class shares.
    costs
        Slot desirability.
    cover_days
        Days of demand a slot holds, when capacities apply.
    replay_days
        The replay window: the last this many days of the history (0: no
        replay). Out of sample, the profile is built from the days before.
    replay_orders
        At most this many orders a day in the replay (a seeded sample;
        ``None``: all). Each day is planned as one wave, so this bounds the
        replay's time on large histories.
    cart
        Cart of the replay; default ``Cart(max_items=45)``.
    wave_policy
        Wave policy of the replay; default savings batching.
    seed
        Seed of random choices.
    progress
        Progress bars on stderr (``None``: when it is a terminal).
    in_sample
        Build the profile from every day, the replay window included (the
        report labels the replay in sample).
    estimate_days
        Days at the end of the profile window replayed for the expected
        savings of the budget curve.
    min_gain
        Stop the move list before the first step saving less than this
        many metres a day per move (calibrated).
    labour_minutes
        Stop the move list before the step that would take the labour past
        this many minutes.
    move_cost
        Labour of a move; default :class:`MoveCost`.
    holdout_days
        Days of the drift backtest (:func:`~optimizer.jobs.curve.holdout_calibration`):
        the same re-slot planned from the profile window shifted back this
        many days, measured on the days it leaves out; default
        ``replay_days`` (0: no backtest, expected savings in sample). With
        it, the expected savings are also scaled by the plan's selection
        factors (:func:`~optimizer.jobs.curve.selection_factors`, a
        bootstrap of the profile window's days) and get an interval as
        wide as the drift the backtest saw.
    forecast_days
        With the backtest: days up to the end of the profile window (and of
        the backtest's) that the demand forecast reads
        (:func:`~optimizer.jobs.curve.demand_forecast`); the expected
        savings are then scaled to the forecast demand and pooled with the
        visits model (:func:`~optimizer.jobs.curve.forecast_estimate`); 0:
        no forecast.
    reshuffles
        The estimate days (and the backtest's) are also replayed this many
        times with their orders dealt afresh into the same days, and the
        expected savings are the mean (:func:`~optimizer.jobs.curve.budget_curve`):
        how batching happens to group a day's orders otherwise moves a small
        budget's estimate by a large share of itself.
    pictures
        Also write ``heatmap.png`` (picks per slot before and after) and,
        with a budget curve, ``curve.png``.
    executor
        Where the replay's days are planned; default in this process.

    Returns
    -------
    NightlyResult
        The pieces and the files written.

    Raises
    ------
    PickoptError
        For an out-of-sample replay of a history without dates, or one whose
        replay window leaves no day to profile.
    """
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    clock = _Stopwatch()
    cart = cart or Cart(max_items=45)
    wave_policy = wave_policy or REPLAY_POLICY
    holdout_days = replay_days if holdout_days is None else holdout_days
    test_orders: dict[str, list[Any]] = {}
    until: str | None = None
    with clock("profile"):
        if replay_days:
            test_orders = history_orders(history, days=replay_days,
                                         max_orders_per_day=replay_orders, seed=seed,
                                         progress=progress)  # fmt: skip
            until = None if in_sample else _day_before(test_orders, history)
        profile = DemandProfile.from_file(history, sku_master=sku_master, until=until,
                                          progress=progress)  # fmt: skip
    profile_window = _profile_window(profile)
    with clock("classify"):
        classes = classify(profile, "coi" if policy == "coi" else "abc", shares,
                           cover_days=cover_days)  # fmt: skip
    oracle = DistanceOracle.for_layout(layout)
    curve: BudgetCurve | None = None
    with clock("slot"):
        new, plan, unslotted = _slot(layout, profile, current, None if current is not None
                                     else max_moves, policy, shares=shares, costs=costs,
                                     cover_days=cover_days, seed=seed, oracle=oracle,
                                     move_cost=move_cost)  # fmt: skip
    if plan is not None and current is not None:
        with clock("curve"):
            last = None if profile_window.last == "all" else profile_window.last
            estimate = history_orders(history, days=estimate_days, until=last,
                                      max_orders_per_day=replay_orders, seed=seed)  # fmt: skip
            factors: Calibration | None = None
            forecast: dict[str, float] | None = None
            if holdout_days:
                fold = _holdout_fold(layout, history, current, profile_window, holdout_days,
                                     estimate_days, replay_orders, seed, sku_master, policy,
                                     shares, costs, cover_days, oracle)  # fmt: skip
                if fold is not None:
                    # The plan's own days, resampled (the fold's plan is taken to select alike).
                    window = history_orders(history, days=profile_window.days, until=last,
                                            max_orders_per_day=replay_orders,
                                            seed=seed)  # fmt: skip
                    shape = selection_factors(
                        layout, current, window,
                        lambda p: _replan(layout, p, profile, current, policy, shares, costs,
                                          cover_days, seed, oracle),
                        costs=costs, oracle=oracle, seed=seed,
                    )  # fmt: skip
                    forecast = _forecast(history, estimate, forecast_days, replay_orders, seed)
                    fold_forecast = _forecast(history, fold[1], forecast_days, replay_orders, seed)
                    factors = holdout_calibration(layout, current, [fold], cart,
                                                  policy=wave_policy, oracle=oracle,
                                                  shape=shape, forecasts=[fold_forecast],
                                                  reshuffles=reshuffles,
                                                  seed=seed)  # fmt: skip
            curve = budget_curve(layout, current, plan, estimate, test_orders or None, cart,
                                 in_sample=in_sample, policy=wave_policy, move_cost=move_cost,
                                 oracle=oracle, factors=factors, forecast=forecast,
                                 reshuffles=reshuffles, seed=seed)  # fmt: skip
            plan, curve = _cut(layout, current, plan, curve, max_moves, min_gain, labour_minutes,
                               test_orders, cart, wave_policy, oracle)  # fmt: skip
            new = plan.slotting
    report: ReplayReport | None = None
    baseline: str | None = None
    if test_orders:
        with clock("replay"):
            baseline, old = _baseline(layout, profile, current, cover_days, seed, oracle)
            report = replay(layout, test_orders, {baseline: old, "new": new}, cart,
                            policy=wave_policy, oracle=oracle, progress=progress,
                            executor=executor)  # fmt: skip
    replay_window = Window.of(test_orders) if test_orders else None
    result = NightlyResult(out_dir, {}, profile, classes, new, plan, unslotted, report, baseline,
                           clock.seconds, curve, profile_window, replay_window,
                           in_sample)  # fmt: skip
    files = _write_all(result, layout, current, policy)
    if pictures:
        files.update(_pictures(result, layout, current))
    return dataclasses.replace(result, files=files)


@dataclass(frozen=True)
class NightlyJob:
    """One warehouse of a group's nightly run: what :func:`run_nightly` takes.

    ``history`` and ``out`` must be reachable where the job runs (this
    machine, or a file system every node of the cluster mounts).
    """

    layout: Layout
    history: Path
    out: Path
    current: Slotting | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


def run_nightly_job(job: NightlyJob) -> NightlyResult:
    """Run one warehouse's nightly job (what each worker runs)."""
    warm_worker(call_every_kernel)
    return run_nightly(job.layout, job.history, job.out, current=job.current, **job.options)


def run_nightlies(
    jobs: Sequence[NightlyJob], *, executor: Executor | None = None
) -> list[NightlyResult]:
    """The nightly jobs of several warehouses, one task each, results in job order.

    Parameters
    ----------
    jobs
        One :class:`NightlyJob` per warehouse; ``options`` are
        :func:`run_nightly`'s keywords (each job's replay runs in its worker).
    executor
        Where the warehouses run; default in this process.

    Returns
    -------
    list of NightlyResult
        As :func:`run_nightly` would return for each, in order.
    """
    executor = executor or InProcess(progress=False)
    return executor.map(run_nightly_job, list(jobs), label="warehouses")


def _pictures(result: NightlyResult, layout: Layout, current: Slotting | None) -> dict[str, Path]:
    """``heatmap.png`` (profile picks per slot, before and after) and ``curve.png``."""
    from optimizer.plot import plot_budget_curve, plot_reslot_heatmaps, save_figure

    profile = result.profile
    picks = dict(zip(profile.skus, profile.picks.tolist(), strict=True))

    def per_bin(slotting: Slotting) -> dict[str, float]:
        out: dict[str, float] = {}
        for sku, code in slotting.bins.items():
            out[code] = out.get(code, 0.0) + picks.get(sku, 0)
        return out

    before = current if current is not None else Slotting({}, name="empty")
    pw = result.profile_window
    span = "" if pw is None else f" ({pw.first} to {pw.last})"
    ax = plot_reslot_heatmaps(layout, per_bin(before), per_bin(result.slotting),
                              titles=(f"before: {before.name}", "after: new slotting"),
                              label=f"picks in the profile window{span}")  # fmt: skip
    files = {"heatmap": save_figure(ax, result.out / "heatmap.png")}
    curve = result.curve
    if curve is not None:
        points = [p for p in curve.points if p.label != "plan"]
        rep = [p.replayed_m_per_day for p in points]
        se = [p.replayed_se or 0.0 for p in points]
        replayed = None if any(r is None for r in rep) else [float(r or 0) for r in rep]
        ax = plot_budget_curve([p.moves for p in points], [p.expected_m_per_day for p in points],
                               replayed,
                               labels=[p.label for p in points], replayed_se=se,
                               stop=curve.point("plan").moves if any(
                                   p.label == "plan" for p in curve.points) else None,
                               title=f"Re-slot budget curve, {layout.name}")  # fmt: skip
        files["curve"] = save_figure(ax, result.out / "curve.png")
    return files


def _holdout_fold(
    layout: Layout,
    history: str | Path,
    current: Slotting,
    window: Window,
    holdout_days: int,
    estimate_days: int,
    replay_orders: int | None,
    seed: int,
    sku_master: str | Path | None,
    policy: str,
    shares: Sequence[float],
    costs: SlotCosts | None,
    cover_days: float,
    oracle: DistanceOracle,
) -> tuple[ReslotPlan, dict[str, list[Any]], dict[str, list[Any]]] | None:
    """The backtest fold: a re-slot planned from the profile window shifted back by
    ``holdout_days`` (same length where the history reaches), its orders, and the
    orders of the held-out days after it; ``None`` when the window is too short."""
    if window.first == "all" or window.days < 2 * holdout_days:
        return None
    last = dt.date.fromisoformat(window.last)
    cut = last - dt.timedelta(days=holdout_days)
    since = dt.date.fromisoformat(window.first) - dt.timedelta(days=holdout_days)
    profile = DemandProfile.from_file(history, sku_master=sku_master, since=since, until=cut)
    _, plan, _ = _slot(layout, profile, current, None, policy, shares=shares, costs=costs,
                       cover_days=cover_days, seed=seed, oracle=oracle)  # fmt: skip
    assert plan is not None
    early = history_orders(history, days=estimate_days, until=cut,
                           max_orders_per_day=replay_orders, seed=seed)  # fmt: skip
    later = history_orders(history, days=holdout_days, until=last,
                           max_orders_per_day=replay_orders, seed=seed)  # fmt: skip
    return plan, early, later


def _forecast(
    history: str | Path,
    estimate: Mapping[str, Sequence[Order]],
    forecast_days: int,
    replay_orders: int | None,
    seed: int,
) -> dict[str, float] | None:
    """The demand forecast from the ``forecast_days`` days up to the last of the
    ``estimate`` days (``None``: no forecast), orders sampled as the estimate's are."""
    if not forecast_days:
        return None
    ahead = history_orders(history, days=forecast_days, until=max(estimate),
                           max_orders_per_day=replay_orders, seed=seed)  # fmt: skip
    return demand_forecast(ahead)


def _replan(
    layout: Layout,
    sample: DemandProfile,
    profile: DemandProfile,
    current: Slotting,
    policy: str,
    shares: Sequence[float],
    costs: SlotCosts | None,
    cover_days: float,
    seed: int,
    oracle: DistanceOracle,
) -> ReslotPlan:
    """The re-slot of ``current`` from a resampled profile, made as the plan was
    (unit cubes and zones from the real profile)."""
    sample = sample.with_master(profile.skus, profile.unit_cube, profile.zones)
    _, plan, _ = _slot(layout, sample, current, None, policy, shares=shares, costs=costs,
                       cover_days=cover_days, seed=seed, oracle=oracle)  # fmt: skip
    assert plan is not None
    return plan


def _day_before(test_orders: Mapping[str, Any], history: str | Path) -> str:
    """The last day of the profile window: the day before the replay window."""
    first = min(test_orders)
    if first == "all":
        raise PickoptError(f"{history}: the history has no dates, so the replay cannot use days "
                           "after the profile; replay in sample (--in-sample) or not at all "
                           "(--replay-days 0)")  # fmt: skip
    day = dt.date.fromisoformat(first) - dt.timedelta(days=1)
    return day.isoformat()


def _profile_window(profile: DemandProfile) -> Window:
    first = profile.first_day.isoformat() if profile.first_day else "all"
    last = profile.last_day.isoformat() if profile.last_day else "all"
    return Window(first, last, profile.n_days, int(profile.to_dict()["orders"]))


def _cut(
    layout: Layout,
    current: Slotting,
    plan: ReslotPlan,
    curve: BudgetCurve,
    max_moves: int | None,
    min_gain: float,
    labour_minutes: float | None,
    test_orders: Mapping[str, Any],
    cart: Cart,
    wave_policy: WavePolicy,
    oracle: DistanceOracle,
) -> tuple[ReslotPlan, BudgetCurve]:
    """The plan cut where the budget, the minimum gain or the labour budget says, with
    the calibrated moves, and the curve with that cut as point ``"plan"``."""
    moves = curve.moves
    k = paying_steps(moves, min_gain=min_gain, labour_minutes=labour_minutes)
    if max_moves is not None:
        k = min(k, step_prefix(moves, max_moves))
    cut = plan.prefix(current, k)
    cut = dataclasses.replace(cut, moves=moves[:k], max_moves=max_moves)
    point = measure_prefix(layout, current, curve, k, "plan", test_orders or None, cart,
                           budget=max_moves, policy=wave_policy, oracle=oracle)  # fmt: skip
    return cut, curve.with_point(point)


class _Stopwatch:
    """Seconds per step of the job, in the order the steps ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        t = time.perf_counter()
        yield
        self.seconds[step] = time.perf_counter() - t


def _slot(
    layout: Layout,
    profile: DemandProfile,
    current: Slotting | None,
    max_moves: int | None,
    policy: str,
    *,
    shares: Sequence[float],
    costs: SlotCosts | None,
    cover_days: float,
    seed: int,
    oracle: DistanceOracle,
    move_cost: MoveCost | None = None,
) -> tuple[Slotting, ReslotPlan | None, tuple[Unslotted, ...]]:
    """Slot from scratch, or re-slot ``current`` within ``max_moves``; SKUs left
    without a slot are reported in ``unslotted.csv``, not warned about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        if current is None:
            made = assign(layout, profile, policy, shares=shares, costs=costs,
                          cover_days=cover_days, seed=seed, oracle=oracle)  # fmt: skip
            return made, None, tuple(made.unslotted)
        params = ReslotParams(
            policy=policy,
            shares=shares,
            costs=costs,
            cover_days=cover_days,
            move_cost=move_cost or MoveCost(),
        )
        plan = reslot(layout, profile, current, max_moves, params=params, oracle=oracle)
        return plan.slotting, plan, tuple(plan.unslotted)


def _baseline(
    layout: Layout,
    profile: DemandProfile,
    current: Slotting | None,
    cover_days: float,
    seed: int,
    oracle: DistanceOracle,
) -> tuple[str, Slotting]:
    """What the replay compares the new slotting with: the current slotting, or
    without one, random storage."""
    if current is not None:
        return "current", current
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        return "random", assign(layout, profile, "random", seed=seed, cover_days=cover_days,
                                oracle=oracle)  # fmt: skip


def _write_all(
    result: NightlyResult, layout: Layout, current: Slotting | None, policy: str
) -> dict[str, Path]:
    """Write the output folder; returns file key -> path."""
    out, plan, report, unslotted = result.out, result.plan, result.report, result.unslotted
    files: dict[str, Path] = {}
    write_slotting(result.slotting, out / "slotting.csv")
    files["slotting"] = out / "slotting.csv"
    if plan is not None:
        files["moves"] = _write_csv(out / "moves.csv", plan.to_rows(), MOVE_FIELDS)
    if result.curve is not None:
        rows = [p.to_dict() for p in result.curve.points]
        files["curve"] = _write_csv(out / "curve.csv", rows, list(rows[0]))
    files["skus"] = _write_csv(out / "skus.csv", _sku_rows(result, current), ("sku", "class",
                               "picks", "units", "orders", "unit_cube", "bin_before",
                               "bin_after"))  # fmt: skip
    class_rows = result.classes.to_rows()
    files["classes"] = _write_csv(out / "classes.csv", class_rows, list(class_rows[0]))
    if report is not None:
        rows = report.to_rows()
        files["replay"] = _write_csv(out / "replay.csv", rows, list(rows[0]))
    if unslotted:
        files["unslotted"] = _write_csv(
            out / "unslotted.csv", ({"sku": u.sku, "reason": u.reason} for u in unslotted),
            ("sku", "reason"),
        )  # fmt: skip
    (out / "report.md").write_text(_markdown(result, layout, current, policy), encoding="utf-8")
    files["report"] = out / "report.md"
    return files


def _write_csv(path: Path, rows: Iterable[Mapping[str, Any]], header: Sequence[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(header), lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow(row)
    return path


def _sku_rows(result: NightlyResult, current: Slotting | None) -> Iterator[dict[str, Any]]:
    """Per SKU, most important first: class, demand, unit cube, bin before and after."""
    profile, classes, after = result.profile, result.classes, result.slotting.bins
    before = current.bins if current is not None else {}
    cube = profile.unit_cube
    for k in classes.ranking.tolist():
        sku = profile.skus[k]
        yield {
            "sku": sku,
            "class": classes.label_of(k),
            "picks": int(profile.picks[k]),
            "units": int(profile.units[k]),
            "orders": int(profile.orders[k]),
            "unit_cube": "" if not np.isfinite(cube[k]) else float(cube[k]),
            "bin_before": before.get(sku, ""),
            "bin_after": after.get(sku, ""),
        }


def _markdown(result: NightlyResult, layout: Layout, current: Slotting | None, policy: str) -> str:
    """``report.md``: inputs, classes, moves, replayed walking, pairs, unslotted, timing."""
    lines = _inputs_md(result, layout, policy)
    if result.plan is not None and current is not None:
        lines += _moves_md(result.plan, current)
    if result.curve is not None:
        lines += ["## Budget curve", "", result.curve.to_markdown(), ""]
    if result.report is not None and result.baseline is not None:
        lines += _replay_md(result.report, result.baseline, result)
    profile, unslotted = result.profile, result.unslotted
    if profile.pairs:
        lines += ["## Most co-picked pairs", "", "| SKU | SKU | orders |", "|---|---|---:|"]
        lines += [f"| {p.a} | {p.b} | {p.orders:,} |" for p in profile.pairs[:10]]
        lines.append("")
    if unslotted:
        shown = ", ".join(f"{u.sku} ({u.reason})" for u in unslotted[:10])
        lines += ["## Unslotted SKUs", "", f"{len(unslotted):,} SKUs have no slot (all in "
                  f"unslotted.csv): {shown}", ""]  # fmt: skip
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items())
    lines += ["## Timing", "", timing, ""]
    return "\n".join(lines)


def _inputs_md(result: NightlyResult, layout: Layout, policy: str) -> list[str]:
    profile, classes, new = result.profile, result.classes, result.slotting
    s = profile.to_dict()
    span = f"{s['first_day']} to {s['last_day']}, " if s["first_day"] else ""
    shares = "/".join(f"{100 * x:g}" for x in classes.shares)
    lines = [
        f"# Nightly slotting: {layout.name}",
        "",
        f"- run: {dt.datetime.now().isoformat(timespec='seconds')}; layout version "
        f"{layout.version}, {len(layout.slots):,} slots",
        f"- history: `{profile.source}`: {s['lines']:,} lines, {s['orders']:,} orders, "
        f"{s['skus']:,} SKUs, {span}{s['days']} day(s)",
        f"- rows skipped: {profile.issues.describe()}",
        f"- policy: {policy} ({classes.method.upper()} classes {shares}); new slotting "
        f"version {new.version}, {len(new):,} SKUs slotted",
    ]
    if profile.known_cube:
        lines.append(f"- SKU master: unit cube for {profile.known_cube:,} SKUs; "
                     f"{profile.master_only:,} master SKUs without history")  # fmt: skip
    return lines + ["", f"## {classes.method.upper()} classes", "", classes.to_markdown(), ""]


def _moves_md(plan: ReslotPlan, current: Slotting) -> list[str]:
    e = plan.expected_m_per_day
    swaps = sum(1 for m in plan.moves if m.kind == "swap") // 2
    puts = sum(1 for m in plan.moves if m.kind == "put-away")
    budget = "no limit" if plan.max_moves is None else f"{plan.max_moves:,}"
    lines = [
        "## Moves",
        "",
        f"- from `{current.name}` (version {current.version}); budget {budget}, "
        f"used {plan.moves_used:,} ({swaps:,} swaps), put-aways {puts:,}",
        f"- slot-cost index (each pick a round trip from the depot): current "
        f"{e['current']:,.0f} m/day, after the moves {e['planned']:,.0f}, full re-slot "
        f"{e['target']:,.0f}: the moves capture {100 * plan.captured:.0f} % of it",
        f"- expected saving {sum(m.expected_gain_m for m in plan.moves):,.1f} m/day for "
        f"{sum(m.labour_min for m in plan.moves if m.kind != 'put-away'):,.0f} labour minutes "
        "(gains calibrated on a replay of the profile window; see the budget curve)",
    ]
    if plan.unknown_skus:
        shown = ", ".join(plan.unknown_skus[:5])
        lines.append(f"- {len(plan.unknown_skus):,} SKUs of the current slotting have no "
                     f"history (kept, zero demand): {shown}")  # fmt: skip
    if plan.moves:
        header = (
            "| step | SKU | from | to | gain m/day | labour min | payback days | kind | "
            "needs free |"
        )
        lines += ["", header, "|---:|---|---|---|---:|---:|---:|---|---|"]
        for m in plan.moves[:15]:
            pay = "-" if m.payback_days == float("inf") else f"{m.payback_days:.1f}"
            lines.append(f"| {m.step} | {m.sku} | {m.from_bin or '-'} | {m.to_bin} | "
                         f"{m.expected_gain_m:.2f} | {m.labour_min:.1f} | {pay} | {m.kind} | "
                         f"{m.needs_free or '-'} |")  # fmt: skip
        if len(plan.moves) > 15:
            lines.append(f"| ... | {len(plan.moves) - 15:,} more in moves.csv | | | | | | | |")
    return lines + [""]


def _replay_md(report: ReplayReport, baseline: str, result: NightlyResult) -> list[str]:
    p = report.policy
    d = report.distance
    pw, rw = result.profile_window, result.replay_window
    assert pw is not None and rw is not None
    if result.in_sample:
        where = (f"**in sample**: the replay window {rw.describe()} lies inside the profile "
                 f"window {pw.describe()}, so the saving reads high")  # fmt: skip
    else:
        where = (f"out of sample: profile window {pw.describe()}, replay window "
                 f"{rw.describe()} (the days after)")  # fmt: skip
    lines = [
        "## Replayed walking",
        "",
        f"- {where}",
        f"- {report.orders:,} orders of {len(report.days)} day(s), each day one "
        f"wave: `plan_wave` with batching={p.batching}, routing={p.routing}, cart "
        f"{report.cart.describe()}",
        f"- {baseline}: {d[baseline]:,.0f} m, new: {d['new']:,.0f} m, saving "
        f"**{report.saving_pct(baseline, 'new'):.1f} %**",
    ]
    if report.excluded:
        lines.append(f"- {report.excluded:,} orders left out (a SKU not slotted in both): "
                     + "; ".join(report.excluded_examples))  # fmt: skip
    return lines + ["", report.to_markdown(base=baseline), ""]


def push_slotting(
    url: str, layout_name: str, slotting: Slotting, key: str, *, timeout: float = 60.0
) -> dict[str, Any]:
    """Upload ``slotting`` as a new slotting version of ``layout_name`` to a running
    service (``PUT {url}/v1/layouts/{name}/slotting``, CSV, bearer ``key``).

    Returns
    -------
    dict
        The service's answer: the stored version, its digest, and so on.

    Raises
    ------
    PickoptError
        For an unreachable service or an answer other than 200/201 (with its detail).
    """
    if not url.startswith(("http://", "https://")):
        raise PickoptError(f"--push {url!r}: expected the service's http(s):// address")
    name = urllib.parse.quote(layout_name, safe="")
    target = f"{url.rstrip('/')}/v1/layouts/{name}/slotting"
    body = format_slotting_csv(slotting.bins).encode("utf-8")
    request = urllib.request.Request(target, data=body, method="PUT", headers={
        "Content-Type": "text/csv", "Authorization": f"Bearer {key}",
        "Accept": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            data: dict[str, Any] = json.loads(answer.read().decode("utf-8"))
            return data
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")
        with suppress(ValueError, AttributeError):
            detail = json.loads(detail).get("detail", detail)
        raise PickoptError(f"push to {target}: HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PickoptError(f"push to {target}: cannot reach the service ({reason})") from None

"""The nightly slotting job behind ``pickopt slot``.

:func:`run_nightly` reads the history into a :class:`DemandProfile`,
classifies the SKUs, slots them (from scratch with :func:`assign`, or with a
bounded move list from the current slotting with :func:`reslot`), replays
the last days of orders under the old and the new slotting, and writes to
the output folder:

``slotting.csv``
    The new slotting, ``sku,bin``.
``moves.csv``
    ``step,sku,from_bin,to_bin,expected_gain_m,kind`` (with ``--current``).
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
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.executors import Executor, InProcess, warm_worker
from optimizer.io import write_slotting
from optimizer.jobs.fanout import warm_up
from optimizer.jobs.replay import REPLAY_POLICY, ReplayReport, history_orders, replay
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting.assignment import SlotCosts, SlottingWarning, Unslotted, assign
from optimizer.slotting.classes import DEFAULT_SHARES, Classes, classify
from optimizer.slotting.moves import ReslotPlan
from optimizer.slotting.profile import DemandProfile
from optimizer.slotting.reslotting import ReslotParams, reslot
from optimizer.waves import WavePolicy

__all__ = ["NightlyResult", "run_nightly", "NightlyJob", "run_nightlies"]


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

    @property
    def saving_pct(self) -> float | None:
        """Replayed saving of the new slotting against the baseline, per cent."""
        if self.report is None or self.baseline is None:
            return None
        return self.report.saving_pct(self.baseline, "new")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary of the run: inputs, outputs, files and timings."""
        return {
            "out": str(self.out),
            "files": {k: str(v) for k, v in self.files.items()},
            "profile": self.profile.to_dict(),
            "classes": self.classes.to_dict(),
            "slotting": {
                "name": self.slotting.name,
                "version": self.slotting.version,
                "skus": len(self.slotting),
            },  # fmt: skip
            "plan": None if self.plan is None else self.plan.to_dict(),
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
        Replay the orders of the last this many days (0: no replay).
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
    executor
        Where the replay's days are planned; default in this process.

    Returns
    -------
    NightlyResult
        The pieces and the files written.
    """
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    clock = _Stopwatch()
    with clock("profile"):
        profile = DemandProfile.from_file(history, sku_master=sku_master, progress=progress)
    with clock("classify"):
        classes = classify(profile, "coi" if policy == "coi" else "abc", shares,
                           cover_days=cover_days)  # fmt: skip
    with clock("slot"):
        oracle = DistanceOracle.for_layout(layout)
        new, plan, unslotted = _slot(layout, profile, current, max_moves, policy, shares=shares,
                                     costs=costs, cover_days=cover_days, seed=seed,
                                     oracle=oracle)  # fmt: skip
    report: ReplayReport | None = None
    baseline: str | None = None
    if replay_days:
        with clock("replay"):
            orders = history_orders(history, days=replay_days, max_orders_per_day=replay_orders,
                                    seed=seed, progress=progress)  # fmt: skip
            baseline, old = _baseline(layout, profile, current, cover_days, seed, oracle)
            report = replay(layout, orders, {baseline: old, "new": new},
                            cart or Cart(max_items=45), policy=wave_policy or REPLAY_POLICY,
                            oracle=oracle, progress=progress, executor=executor)  # fmt: skip
    result = NightlyResult(out_dir, {}, profile, classes, new, plan, unslotted, report, baseline,
                           clock.seconds)  # fmt: skip
    files = _write_all(result, layout, current, policy)
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
    warm_worker(warm_up)
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
) -> tuple[Slotting, ReslotPlan | None, tuple[Unslotted, ...]]:
    """Slot from scratch, or re-slot ``current`` within ``max_moves``; SKUs left
    without a slot are reported in ``unslotted.csv``, not warned about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        if current is None:
            made = assign(layout, profile, policy, shares=shares, costs=costs,
                          cover_days=cover_days, seed=seed, oracle=oracle)  # fmt: skip
            return made, None, tuple(made.unslotted)
        params = ReslotParams(policy=policy, shares=shares, costs=costs, cover_days=cover_days)
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
        files["moves"] = _write_csv(
            out / "moves.csv", plan.to_rows(),
            ("step", "sku", "from_bin", "to_bin", "expected_gain_m", "kind"),
        )  # fmt: skip
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
    if result.report is not None and result.baseline is not None:
        lines += _replay_md(result.report, result.baseline)
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
        f"- expected walking per day (each pick a round trip from the depot): current "
        f"{e['current']:,.0f} m, after the moves {e['planned']:,.0f} m, full re-slot "
        f"{e['target']:,.0f} m: the moves capture {100 * plan.captured:.0f} % of the full "
        "re-slot's expected saving",
    ]
    if plan.unknown_skus:
        shown = ", ".join(plan.unknown_skus[:5])
        lines.append(f"- {len(plan.unknown_skus):,} SKUs of the current slotting have no "
                     f"history (kept, zero demand): {shown}")  # fmt: skip
    if plan.moves:
        lines += ["", "| step | SKU | from | to | gain m/day | kind |",
                  "|---:|---|---|---|---:|---|"]  # fmt: skip
        for m in plan.moves[:15]:
            lines.append(f"| {m.step} | {m.sku} | {m.from_bin or '-'} | {m.to_bin} | "
                         f"{m.expected_gain_m:.2f} | {m.kind} |")  # fmt: skip
        if len(plan.moves) > 15:
            lines.append(f"| ... | {len(plan.moves) - 15:,} more in moves.csv | | | | |")
    return lines + [""]


def _replay_md(report: ReplayReport, baseline: str) -> list[str]:
    p = report.policy
    d = report.distance
    lines = [
        "## Replayed walking",
        "",
        f"- {report.orders:,} orders of the last {len(report.days)} day(s), each day one "
        f"wave: `plan_wave` with batching={p.batching}, routing={p.routing}, cart "
        f"{report.cart.describe()}",
        f"- {baseline}: {d[baseline]:,.0f} m, new: {d['new']:,.0f} m, saving "
        f"**{report.saving_pct(baseline, 'new'):.1f} %**",
    ]
    if report.excluded:
        lines.append(f"- {report.excluded:,} orders left out (a SKU not slotted in both): "
                     + "; ".join(report.excluded_examples))  # fmt: skip
    return lines + ["", report.to_markdown(base=baseline), ""]

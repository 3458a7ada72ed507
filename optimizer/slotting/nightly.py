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
import datetime as dt
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.io import write_slotting
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting.assignment import SlotCosts, SlottingWarning, Unslotted, assign
from optimizer.slotting.classes import DEFAULT_SHARES, Classes, classify
from optimizer.slotting.evaluation import REPLAY_POLICY, ReplayReport, history_orders, replay
from optimizer.slotting.moves import ReslotPlan, reslot
from optimizer.slotting.profile import DemandProfile
from optimizer.waves import WavePolicy

__all__ = ["NightlyResult", "run_nightly"]


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


def _write_csv(path: Path, rows: Iterable[Mapping[str, Any]], header: Sequence[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(header), lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow(row)
    return path


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

    Returns
    -------
    NightlyResult
        The pieces and the files written.
    """
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = DemandProfile.from_file(history, sku_master=sku_master, progress=progress)
    seconds["profile"] = time.perf_counter() - t

    t = time.perf_counter()
    classes = classify(profile, "coi" if policy == "coi" else "abc", shares,
                       cover_days=cover_days)  # fmt: skip
    seconds["classify"] = time.perf_counter() - t

    t = time.perf_counter()
    oracle = DistanceOracle.for_layout(layout)
    plan: ReslotPlan | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)  # reported in unslotted.csv
        if current is not None:
            plan = reslot(layout, profile, current, max_moves, policy, shares=shares,
                          costs=costs, cover_days=cover_days, oracle=oracle)  # fmt: skip
            new: Slotting = plan.slotting
            unslotted = plan.unslotted
        else:
            made = assign(layout, profile, policy, shares=shares, costs=costs,
                          cover_days=cover_days, seed=seed, oracle=oracle)  # fmt: skip
            new, unslotted = made, made.unslotted
    seconds["slot"] = time.perf_counter() - t

    report: ReplayReport | None = None
    baseline: str | None = None
    if replay_days:
        t = time.perf_counter()
        orders = history_orders(history, days=replay_days, max_orders_per_day=replay_orders,
                                seed=seed, progress=progress)  # fmt: skip
        if current is not None:
            baseline, old = "current", current
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SlottingWarning)
                old = assign(layout, profile, "random", seed=seed, cover_days=cover_days,
                             oracle=oracle)  # fmt: skip
            baseline = "random"
        report = replay(layout, orders, {baseline: old, "new": new},
                        cart or Cart(max_items=45), policy=wave_policy or REPLAY_POLICY,
                        oracle=oracle, progress=progress)  # fmt: skip
        seconds["replay"] = time.perf_counter() - t

    files = _write_all(out_dir, layout, profile, classes, current, new, plan, unslotted, report,
                       baseline, policy, seconds)  # fmt: skip
    return NightlyResult(out_dir, files, profile, classes, new, plan, tuple(unslotted), report,
                         baseline, seconds)  # fmt: skip


def _write_all(
    out: Path,
    layout: Layout,
    profile: DemandProfile,
    classes: Classes,
    current: Slotting | None,
    new: Slotting,
    plan: ReslotPlan | None,
    unslotted: Sequence[Unslotted],
    report: ReplayReport | None,
    baseline: str | None,
    policy: str,
    seconds: Mapping[str, float],
) -> dict[str, Path]:
    files: dict[str, Path] = {}
    write_slotting(new, out / "slotting.csv")
    files["slotting"] = out / "slotting.csv"
    if plan is not None:
        files["moves"] = _write_csv(
            out / "moves.csv", plan.to_rows(),
            ("step", "sku", "from_bin", "to_bin", "expected_gain_m", "kind"),
        )  # fmt: skip
    before = current.bins if current is not None else {}
    cube = profile.unit_cube
    sku_rows = (
        {
            "sku": sku,
            "class": classes.label_of(k),
            "picks": int(profile.picks[k]),
            "units": int(profile.units[k]),
            "orders": int(profile.orders[k]),
            "unit_cube": "" if not np.isfinite(cube[k]) else float(cube[k]),
            "bin_before": before.get(sku, ""),
            "bin_after": new.bins.get(sku, ""),
        }
        for k in classes.ranking.tolist()
        for sku in (profile.skus[k],)
    )
    files["skus"] = _write_csv(out / "skus.csv", sku_rows, ("sku", "class", "picks", "units",
                               "orders", "unit_cube", "bin_before", "bin_after"))  # fmt: skip
    class_rows = classes.to_rows()
    files["classes"] = _write_csv(out / "classes.csv", class_rows, list(class_rows[0]))
    if report is not None:
        rows = report.to_rows()
        files["replay"] = _write_csv(out / "replay.csv", rows, list(rows[0]))
    if unslotted:
        files["unslotted"] = _write_csv(
            out / "unslotted.csv", ({"sku": u.sku, "reason": u.reason} for u in unslotted),
            ("sku", "reason"),
        )  # fmt: skip
    md = _markdown(layout, profile, classes, new, plan, unslotted, report, baseline, policy,
                   seconds, current)  # fmt: skip
    (out / "report.md").write_text(md, encoding="utf-8")
    files["report"] = out / "report.md"
    return files


def _markdown(
    layout: Layout,
    profile: DemandProfile,
    classes: Classes,
    new: Slotting,
    plan: ReslotPlan | None,
    unslotted: Sequence[Unslotted],
    report: ReplayReport | None,
    baseline: str | None,
    policy: str,
    seconds: Mapping[str, float],
    current: Slotting | None,
) -> str:
    s = profile.summary()
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
    lines += ["", f"## {classes.method.upper()} classes", "", classes.to_markdown(), ""]
    if plan is not None and current is not None:
        e = plan.expected_m_per_day
        swaps = sum(1 for m in plan.moves if m.kind == "swap") // 2
        puts = sum(1 for m in plan.moves if m.kind == "put-away")
        budget = "no limit" if plan.max_moves is None else f"{plan.max_moves:,}"
        lines += [
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
        lines.append("")
    if report is not None and baseline is not None:
        p = report.policy
        d = report.distance
        lines += [
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
        lines += ["", report.to_markdown(base=baseline), ""]
    if profile.pairs:
        lines += ["## Most co-picked pairs", "", "| SKU | SKU | orders |", "|---|---|---:|"]
        lines += [f"| {p.a} | {p.b} | {p.orders:,} |" for p in profile.pairs[:10]]
        lines.append("")
    if unslotted:
        shown = ", ".join(f"{u.sku} ({u.reason})" for u in unslotted[:10])
        lines += ["## Unslotted SKUs", "", f"{len(unslotted):,} SKUs have no slot (all in "
                  f"unslotted.csv): {shown}", ""]  # fmt: skip
    lines += ["## Timing", "", ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items()), ""]
    return "\n".join(lines)

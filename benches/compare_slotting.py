"""Replayed walking of slotting policies and bounded re-slots on generated histories.

Fixed work, three seeds. Each seed generates 60 days of order history on
``layouts/single_block.toml`` (``generate_history(800, days=60,
orders_per_day=150, seed)``: about 4,500 orders and 14,000 lines a month,
Zipf-like popularity with 20 % of the SKUs making 80 % of the lines,
weekly drift, seasonal SKUs, co-ordered families). Days 31-60 are *the
30-day history*: its profile drives every slotting below, and all 30 of
its days are replayed, each day one wave through ``plan_wave`` (savings
batching, exact routes, ``Cart(max_items=45)``). Days 1-30 are the previous
month, used only to make a stale "current" slotting.

1. Policies against random storage: random, class-based (ABC 80/15/5),
   turnover, COI, all made from the 30-day profile.
2. Re-slots with a move budget of 5 % of the SKUs (40 moves; a swap is two)
   against the same re-slot without a limit, from two starting points:
   random storage, and the class-based slotting of the previous month
   (stale after a month of drift), each toward class-based and toward
   turnover. "Captured" is the budgeted re-slot's replayed saving over the
   unlimited one's (both against the starting slotting); "expected" is the
   same ratio for the re-slot's own estimate (picks per day x slot cost).

Goals (the slotting issue): class-based storage cuts replayed walking by at
least 30 % against random storage; a re-slot limited to 5 % of the SKUs as
moves captures at least 70 % of the full re-slot's saving.

Run: ``python benches/compare_slotting.py`` (about two minutes; writes
``benches/results/slotting_replay.md`` and ``.json``).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

from optimizer.batching import Cart
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting import (
    REPLAY_POLICY,
    SlottingWarning,
    assign,
    generate_history,
    replay,
    reslot,
)

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = ROOT / "layouts" / "single_block.toml"
OUT = ROOT / "benches" / "results"
SEEDS = (1, 2, 3)
N_SKUS, ORDERS_PER_DAY = 800, 150
BUDGET = N_SKUS * 5 // 100
CART = Cart(max_items=45)
GOAL_CLASS_PCT, GOAL_CAPTURED = 30.0, 0.70
POLICIES = ("class-based", "turnover", "coi")
STARTS = ("random", "stale class-based")
DEFAULT_SHAPE, ALT_SHAPE = "default shape (Zipf 1.5, head 5)", "pure Zipf 1.2"
#: Demand shapes: the generator's default, and pure Zipf (no head offset: the
#: top SKU makes about 15 % of the lines) as a sensitivity check.
SHAPES: dict[str, dict[str, float]] = {DEFAULT_SHAPE: {}, ALT_SHAPE: {"skew": 1.2, "head": 0.0}}
TOWARD = ("class-based", "turnover")


def run_seed(layout: Layout, seed: int, **shape: float) -> dict[str, Any]:
    """Slot, re-slot and replay one seeded history; return the figures."""
    h = generate_history(N_SKUS, days=60, orders_per_day=ORDERS_PER_DAY, seed=seed, **shape)
    history, previous = h.window(30, 59), h.window(0, 29)
    profile = history.profile()
    slottings: dict[str, Slotting] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        slottings["random"] = assign(layout, profile, "random", seed=seed)
        for policy in POLICIES:
            slottings[policy] = assign(layout, profile, policy, seed=seed)
        starts = {
            "random": slottings["random"],
            "stale class-based": assign(layout, previous.profile(), "class-based", seed=seed),
        }
    slottings["stale class-based"] = starts["stale class-based"]
    expected: dict[str, float] = {}
    moves: dict[str, int] = {}
    for start, current in starts.items():
        for policy in TOWARD:
            for budget in (BUDGET, None):
                plan = reslot(layout, profile, current, budget, policy)
                key = f"{start} -> {policy} / {'5%' if budget else 'full'}"
                slottings[key] = plan.slotting
                expected[key] = (
                    plan.expected_m_per_day["current"] - plan.expected_m_per_day["planned"]
                )
                moves[key] = plan.moves_used
    orders = history.orders_by_day()
    t0 = time.perf_counter()
    report = replay(layout, orders, slottings, CART, policy=REPLAY_POLICY)
    d = report.distance
    policies = {p: report.saving_pct("random", p) for p in POLICIES}
    reslots = []
    for start in STARTS:
        for policy in TOWARD:
            part, full = f"{start} -> {policy} / 5%", f"{start} -> {policy} / full"
            saved_part = d[start] - d[part]
            saved_full = d[start] - d[full]
            reslots.append(
                {
                    "start": start,
                    "toward": policy,
                    "moves_5pct": moves[part],
                    "moves_full": moves[full],
                    "saving_5pct_pct": 100 * saved_part / d[start],
                    "saving_full_pct": 100 * saved_full / d[start],
                    "captured": saved_part / saved_full if saved_full > 0 else float("nan"),
                    "expected_captured": expected[part] / expected[full]
                    if expected[full] > 0
                    else float("nan"),
                }
            )
    return {
        "seed": seed,
        "orders": report.orders,
        "lines": report.lines,
        "skus": len(profile),
        "distance_m": {k: round(v, 1) for k, v in d.items()},
        "policies_saving_pct": policies,
        "reslots": reslots,
        "per_day": {day: report.per_day[day] for day in report.days},
        "replay_s": round(time.perf_counter() - t0, 1),
    }


def tables(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The Markdown tables of a set of runs and whether the goals are met."""
    lines = [
        "| seed | orders | lines | " + " | ".join(f"{p} vs random" for p in POLICIES) + " |",
        "|---:|---:|---:|" + "---:|" * len(POLICIES),
    ]
    for r in runs:
        cells = " | ".join(f"{r['policies_saving_pct'][p]:.1f} %" for p in POLICIES)
        lines.append(f"| {r['seed']} | {r['orders']:,} | {r['lines']:,} | {cells} |")
    mean = {p: statistics.mean(r["policies_saving_pct"][p] for r in runs) for p in POLICIES}
    lines.append("| **mean** | | | " + " | ".join(f"**{mean[p]:.1f} %**" for p in POLICIES) + " |")
    rows = [
        "| start | re-slot toward | seed | moves (5 %) | saving, 5 % budget | moves (full) | "
        "saving, full | **captured** | expected captured |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    captured: dict[tuple[str, str], list[float]] = {}
    for start in STARTS:
        for policy in TOWARD:
            for r in runs:
                x = next(x for x in r["reslots"] if x["start"] == start and x["toward"] == policy)
                captured.setdefault((start, policy), []).append(x["captured"])
                rows.append(
                    f"| {start} | {policy} | {r['seed']} | {x['moves_5pct']} | "
                    f"{x['saving_5pct_pct']:.1f} % | {x['moves_full']} | "
                    f"{x['saving_full_pct']:.1f} % | **{100 * x['captured']:.0f} %** | "
                    f"{100 * x['expected_captured']:.0f} % |"
                )
    summary = [
        "| start | re-slot toward | captured, per seed | mean | goal 70 % |",
        "|---|---|---|---:|---|",
    ]
    met = {}
    for (start, policy), values in captured.items():
        met[(start, policy)] = min(values) >= GOAL_CAPTURED
        per = ", ".join(f"{100 * v:.0f} %" for v in values)
        verdict = "met" if met[(start, policy)] else "**not met**"
        summary.append(
            f"| {start} | {policy} | {per} | {100 * statistics.mean(values):.0f} % | {verdict} |"
        )
    return {
        "policies": "\n".join(lines),
        "details": "\n".join(rows),
        "summary": "\n".join(summary),
        "class_ok": min(r["policies_saving_pct"]["class-based"] for r in runs) >= GOAL_CLASS_PCT,
        "met": met,
    }


def main() -> None:
    """Run every seed for both demand shapes, print and write the tables."""
    layout = Layout.from_file(LAYOUT)
    results: dict[str, list[dict[str, Any]]] = {}
    for shape, kwargs in SHAPES.items():
        runs = results[shape] = []
        for seed in SEEDS:
            t0 = time.perf_counter()
            runs.append(run_seed(layout, seed, **kwargs))
            print(f"{shape}, seed {seed}: {time.perf_counter() - t0:.0f} s", flush=True)
    main_runs, alt_runs = results[DEFAULT_SHAPE], results[ALT_SHAPE]
    t, alt = tables(main_runs), tables(alt_runs)
    r1 = main_runs[0]
    day_rows = [
        "| day | random (m) | class-based (m) | saving |",
        "|---|---:|---:|---:|",
    ]
    for day, by in r1["per_day"].items():
        a, b = by["random"], by["class-based"]
        day_rows.append(f"| {day} | {a:,.0f} | {b:,.0f} | {100 * (1 - b / a):.1f} % |")
    da, db = r1["distance_m"]["random"], r1["distance_m"]["class-based"]
    day_rows.append(f"| **all 30 days** | **{da:,.0f}** | **{db:,.0f}** | "
                    f"**{100 * (1 - db / da):.1f} %** |")  # fmt: skip
    p = REPLAY_POLICY
    md = f"""# Slotting: replayed walking and bounded re-slots

Layout `layouts/single_block.toml` (900 slots). Per seed, a generated
60-day history (`generate_history({N_SKUS}, days=60, orders_per_day={ORDERS_PER_DAY},
seed)` with the default demand shape: Zipf exponent 1.5 with head offset 5,
so about 20 % of the SKUs make 80 % of the lines and the top SKU about
5 %). The last 30 days are the history every slotting is made from, and all
30 days are replayed: each day one wave through `plan_wave`
(batching={p.batching}, routing={p.routing}, {CART.describe()} per tour,
batching with its per-tour setup penalty). Distances are the final routes'
metres. Seeds {", ".join(map(str, SEEDS))}.

## 1. Policies against random storage

Goal: class-based storage walks at least {GOAL_CLASS_PCT:.0f} % less than
random storage. **{"Met" if t["class_ok"] else "NOT met"}** on every seed.

{t["policies"]}

Seed {r1["seed"]}, day by day:

{chr(10).join(day_rows)}

## 2. Re-slots limited to 5 % of the SKUs ({BUDGET} moves)

Goal: the budgeted re-slot captures at least {100 * GOAL_CAPTURED:.0f} % of
the full (unlimited) re-slot's saving. Starting points: random storage, and
the class-based slotting of the previous 30 days ("stale class-based",
after a month of drift). "Captured" is the budgeted re-slot's replayed
saving over the unlimited one's, both against the starting slotting;
"expected captured" is the same ratio by the re-slot's own estimate
(picks per day x round-trip slot cost).

{t["summary"]}

Details:

{t["details"]}

## 3. Sensitivity: pure Zipf demand (exponent 1.2, no head offset)

The same protocol with `generate_history(..., skew=1.2, head=0.0)`: the top
SKU makes about 15 % of the lines, so the gain of a re-slot sits in fewer
SKUs. Class-based against random: **{"met" if alt["class_ok"] else "NOT met"}**.

{alt["policies"]}

{alt["summary"]}

## Reading the results

- Class-based storage saves about 40 % of the walking against random
  storage under both demand shapes; turnover and COI storage save more
  (about 54 %) on this in-sample replay, at the price of re-slotting
  whenever the ranking moves.
- **The 70 % goal for a 5 % move budget is not met** under the default
  demand: the budget captures 50-68 % of the full re-slot's replayed
  saving (57-81 % by the re-slot's own single-pick estimate, "expected
  captured"). Only with the pure Zipf head and a stale class-based start
  do some seeds reach it (78-82 %), and not all. 40 moves relocate the
  20 to 40 hottest misplaced SKUs; batched tours of 45 items still visit
  nearly every aisle for the rest, so the replayed saving lags the
  estimate. A pairwise "best swap or move into a free slot" greedy over
  all SKU-slot pairs (tried while building this) gives the same figures
  within a few points: the ceiling is in the demand, not in the search.
- A class-based re-slot from a stale class-based slotting moves only SKUs
  whose class changed; that gain is small (about 5 %) and spread over the
  class boundaries.

Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python
{platform.python_version()}. Run: `python benches/compare_slotting.py`.
"""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "slotting_replay.md").write_text(md, encoding="utf-8")
    (OUT / "slotting_replay.json").write_text(json.dumps(results, indent=1) + "\n")
    print(md)


if __name__ == "__main__":
    main()

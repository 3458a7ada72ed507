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
   Each budgeted re-slot is planned with both gain models: ``"picks"``
   (picks per day x round-trip slot cost) and ``"tours"`` (metres saved on
   sampled batched tours of the 30-day history, routed exactly; its
   "expected" is measured on those sampled tours).
3. The ceiling (default demand only): the tour greedy with a much larger
   search (200 hot SKUs x 64 slots, every tour of the 30 days, no cap on
   evaluations); the same 40 relocations with the moves that only make
   room not counted (the smallest picks-model budget whose plan moves 40
   SKUs into better slots: a relaxation, not a valid 5 % plan); and the
   picks model with 10 % and 15 % budgets (80 and 120 moves).

Goals (the slotting issue): class-based storage cuts replayed walking by at
least 30 % against random storage; a re-slot limited to 5 % of the SKUs as
moves captures at least 70 % of the full re-slot's saving.

Run: ``python benches/compare_slotting.py`` (about 8 minutes on 2 CPUs,
most of it the large tour search of the ceiling; writes
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
from optimizer.jobs import REPLAY_POLICY, replay
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting import (
    ReslotParams,
    ReslotPlan,
    SlottingWarning,
    TourGain,
    assign,
    reslot,
    slot_costs,
)
from optimizer.synthetic import generate_history

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
GAINS = ("picks", "tours")
#: The tour greedy with a much larger search: the ceiling of the greedy on exact tours.
LARGE_SEARCH = TourGain(hot=200, targets=64, max_tours=100_000, max_evaluations=10**12)
#: Extra budgets of the ceiling section (10 % and 15 % of the SKUs).
MORE_BUDGETS = (N_SKUS * 10 // 100, N_SKUS * 15 // 100)
#: Ceiling columns: label -> how the plan is made (see ``ceiling_plans``).
CEILING = ("tours, large search", "40 SKUs placed, room free", "picks, 10 %", "picks, 15 %")
#: Wall time of each large tour search, seconds.
LARGE_SEARCH_S: list[float] = []


def placed(layout: Layout, plan: ReslotPlan, profile: Any = None) -> tuple[int, float]:
    """SKUs a plan moves into a cheaper slot (by the single-pick slot cost), and
    their share of the profile's lines (0 without a profile)."""
    cost = slot_costs(layout)
    index = {s.code: s.index for s in layout.slots}
    skus = [m.sku for m in plan.moves if m.kind != "put-away"
            and cost[index[m.to_bin]] < cost[index[m.from_bin]] - 1e-9]  # fmt: skip
    if profile is None:
        return len(skus), 0.0
    where = profile.index
    lines = sum(int(profile.picks[where[s]]) for s in skus if s in where)
    return len(skus), lines / float(profile.picks.sum())


def ceiling_plans(
    layout: Layout, profile: Any, current: Slotting, policy: str, orders: Any
) -> dict[str, ReslotPlan]:
    """The plans of the ceiling section for one start and policy."""
    t0 = time.perf_counter()
    plans = {
        "tours, large search": reslot(layout, profile, current, BUDGET, orders=orders,
                                      params=ReslotParams(policy, gain="tours", cart=CART,
                                                          tours=LARGE_SEARCH)),
    }  # fmt: skip
    LARGE_SEARCH_S.append(time.perf_counter() - t0)
    for budget in range(BUDGET, 4 * BUDGET + 1):  # relaxation: count only the SKUs placed
        plan = reslot(layout, profile, current, budget, params=ReslotParams(policy))
        if placed(layout, plan)[0] >= BUDGET:
            break
    plans["40 SKUs placed, room free"] = plan
    for budget, label in zip(MORE_BUDGETS, CEILING[2:], strict=True):
        plans[label] = reslot(layout, profile, current, budget, params=ReslotParams(policy))
    return plans


def run_seed(layout: Layout, seed: int, ceiling: bool = False, **shape: float) -> dict[str, Any]:
    """Slot, re-slot and replay one seeded history; return the figures."""
    h = generate_history(N_SKUS, days=60, orders_per_day=ORDERS_PER_DAY, seed=seed, **shape)
    history, previous = h.window(30, 59), h.window(0, 29)
    profile = history.profile()
    orders = history.orders_by_day()
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
    seconds: dict[str, float] = {}
    placements: dict[str, tuple[int, float]] = {}
    extra: dict[str, dict[str, Any]] = {}
    for start, current in starts.items():
        for policy in TOWARD:
            full = reslot(layout, profile, current, None, params=ReslotParams(policy))
            key = f"{start} -> {policy}"
            slottings[f"{key} / full"] = full.slotting
            moves[f"{key} / full"] = full.moves_used
            e = full.expected_m_per_day
            expected[f"{key} / full"] = e["current"] - e["planned"]
            for gain in GAINS:
                t0 = time.perf_counter()
                params = ReslotParams(policy, gain=gain, cart=CART)
                plan = reslot(layout, profile, current, BUDGET, params=params, orders=orders)
                seconds[f"{key} / 5% {gain}"] = time.perf_counter() - t0
                slottings[f"{key} / 5% {gain}"] = plan.slotting
                moves[f"{key} / 5% {gain}"] = plan.moves_used
                placements[f"{key} / 5% {gain}"] = placed(layout, plan, profile)
                if gain == "picks":
                    e = plan.expected_m_per_day
                    expected[f"{key} / 5% {gain}"] = (e["current"] - e["planned"]) / (
                        expected[f"{key} / full"] or float("nan")
                    )
                else:
                    t = plan.tour_m_per_day
                    expected[f"{key} / 5% {gain}"] = (t["current"] - t["planned"]) / (
                        (t["current"] - t["target"]) or float("nan"))  # fmt: skip
            if ceiling:
                t0 = time.perf_counter()
                for label, plan in ceiling_plans(layout, profile, current, policy,
                                                 orders).items():  # fmt: skip
                    slottings[f"{key} / {label}"] = plan.slotting
                    figures = {"moves": plan.moves_used, "placed": placed(layout, plan)[0]}
                    extra.setdefault(key, {})[label] = figures
                seconds[f"{key} / ceiling plans"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = replay(layout, orders, slottings, CART, policy=REPLAY_POLICY)
    d = report.distance
    policies = {p: report.saving_pct("random", p) for p in POLICIES}
    reslots = []
    for start in STARTS:
        for policy in TOWARD:
            key = f"{start} -> {policy}"
            saved_full = d[start] - d[f"{key} / full"]
            for gain in GAINS:
                part = f"{key} / 5% {gain}"
                saved_part = d[start] - d[part]
                reslots.append(
                    {
                        "start": start,
                        "toward": policy,
                        "gain": gain,
                        "moves_5pct": moves[part],
                        "moves_full": moves[f"{key} / full"],
                        "saving_5pct_pct": 100 * saved_part / d[start],
                        "saving_full_pct": 100 * saved_full / d[start],
                        "captured": saved_part / saved_full if saved_full > 0 else float("nan"),
                        "expected_captured": expected[part],
                        "plan_s": round(seconds[part], 2),
                        "placed_5pct": placements[part][0],
                        "placed_lines_pct": round(100 * placements[part][1], 1),
                    }
                )
    ceilings = []
    if ceiling:
        for start in STARTS:
            for policy in TOWARD:
                key = f"{start} -> {policy}"
                saved_full = d[start] - d[f"{key} / full"]
                row: dict[str, Any] = {
                    "start": start,
                    "toward": policy,
                    "plans_s": round(seconds[f"{key} / ceiling plans"], 1),
                }
                for label in CEILING:
                    saved = d[start] - d[f"{key} / {label}"]
                    row[label] = {
                        **extra[key][label],
                        "captured": saved / saved_full if saved_full > 0 else float("nan"),
                    }
                ceilings.append(row)
    return {
        "seed": seed,
        "orders": report.orders,
        "lines": report.lines,
        "skus": len(profile),
        "distance_m": {k: round(v, 1) for k, v in d.items()},
        "policies_saving_pct": policies,
        "reslots": reslots,
        "ceiling": ceilings,
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
        "| start | re-slot toward | seed | gain model | moves (5 %) | saving, 5 % budget | "
        "moves (full) | saving, full | **captured** | expected captured | plan (s) |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    captured: dict[tuple[str, str, str], list[float]] = {}
    for start in STARTS:
        for policy in TOWARD:
            for r in runs:
                for gain in GAINS:
                    x = next(x for x in r["reslots"] if x["start"] == start
                             and x["toward"] == policy and x["gain"] == gain)  # fmt: skip
                    captured.setdefault((start, policy, gain), []).append(x["captured"])
                    rows.append(
                        f"| {start} | {policy} | {r['seed']} | {gain} | {x['moves_5pct']} | "
                        f"{x['saving_5pct_pct']:.1f} % | {x['moves_full']} | "
                        f"{x['saving_full_pct']:.1f} % | **{100 * x['captured']:.0f} %** | "
                        f"{100 * x['expected_captured']:.0f} % | {x['plan_s']:.2f} |"
                    )
    summary = [
        "| start | re-slot toward | gain model | captured, per seed | mean | goal 70 % |",
        "|---|---|---|---|---:|---|",
    ]
    met = {}
    for (start, policy, gain), values in captured.items():
        met[(start, policy, gain)] = min(values) >= GOAL_CAPTURED
        per = ", ".join(f"{100 * v:.0f} %" for v in values)
        verdict = "met" if met[(start, policy, gain)] else "**not met**"
        summary.append(
            f"| {start} | {policy} | {gain} | {per} | {100 * statistics.mean(values):.0f} % "
            f"| {verdict} |"
        )
    ceiling = [
        "| start | re-slot toward | seed | picks, 5 % | tours, 5 % | "
        + " | ".join(CEILING) + " |",
        "|---|---|---:|---:|---:|" + "---:|" * len(CEILING),
    ]  # fmt: skip
    best_ceiling: dict[str, list[float]] = {}
    for start in STARTS:
        for policy in TOWARD:
            for r in runs:
                c = next((c for c in r.get("ceiling", []) if c["start"] == start
                          and c["toward"] == policy), None)  # fmt: skip
                if c is None:
                    continue
                five = {x["gain"]: x for x in r["reslots"]
                        if x["start"] == start and x["toward"] == policy}  # fmt: skip
                shares = [f"{100 * five[g]['captured']:.0f} %" for g in GAINS]
                for label in CEILING:
                    v = c[label]
                    best_ceiling.setdefault(label, []).append(v["captured"])
                    note = f" ({v['moves']} moves)" if label.startswith("40") else ""
                    shares.append(f"{100 * v['captured']:.0f} %{note}")
                ceiling.append(
                    f"| {start} | {policy} | {r['seed']} | " + " | ".join(shares) + " |"
                )
    return {
        "policies": "\n".join(lines),
        "details": "\n".join(rows),
        "summary": "\n".join(summary),
        "ceiling": "\n".join(ceiling) if best_ceiling else "",
        "ceiling_values": best_ceiling,
        "captured": captured,
        "class_ok": min(r["policies_saving_pct"]["class-based"] for r in runs) >= GOAL_CLASS_PCT,
        "met": met,
    }


def pct_range(values: list[float]) -> str:
    """``"50-68 %"`` for a list of shares."""
    lo, hi = 100 * min(values), 100 * max(values)
    return f"{lo:.0f}-{hi:.0f} %" if round(lo) != round(hi) else f"{lo:.0f} %"


def main() -> None:
    """Run every seed for both demand shapes, print and write the tables."""
    layout = Layout.from_file(LAYOUT)
    results: dict[str, list[dict[str, Any]]] = {}
    for shape, kwargs in SHAPES.items():
        runs = results[shape] = []
        for seed in SEEDS:
            t0 = time.perf_counter()
            runs.append(run_seed(layout, seed, ceiling=shape == DEFAULT_SHAPE, **kwargs))
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

    def span(table: dict[str, Any], gain: str) -> list[float]:
        return [v for (_, _, g), vs in table["captured"].items() if g == gain for v in vs]

    picks_all, tours_all = span(t, "picks"), span(t, "tours")
    picks_range, tours_range = pct_range(picks_all), pct_range(tours_all)
    picks_mean, tours_mean = 100 * statistics.mean(picks_all), 100 * statistics.mean(tours_all)
    diffs = [100 * (b - a) for a, b in zip(picks_all, tours_all, strict=True)]
    diff_lo, diff_hi = min(diffs), max(diffs)
    picks_rows = [x for r in main_runs for x in r["reslots"]
                  if x["gain"] == "picks" and x["start"] == "random"]  # fmt: skip
    relaxed = {start: [c[CEILING[1]]["captured"] for r in main_runs for c in r["ceiling"]
                       if c["start"] == start] for start in STARTS}  # fmt: skip
    relaxed_random, relaxed_stale = pct_range(relaxed["random"]), pct_range(relaxed[STARTS[1]])
    large_s_lo, large_s_hi = min(LARGE_SEARCH_S), max(LARGE_SEARCH_S)
    met_rows = [f"{g} toward {p} from {st}" for (st, p, g), ok in alt["met"].items() if ok]
    alt_met = "; ".join(met_rows) if met_rows else "no row"
    placed_lo = min(x["placed_5pct"] for x in picks_rows)
    placed_hi = max(x["placed_5pct"] for x in picks_rows)
    lines_lo = min(x["placed_lines_pct"] for x in picks_rows)
    lines_hi = max(x["placed_lines_pct"] for x in picks_rows)
    full_lo = min(x["moves_full"] for x in picks_rows)
    full_hi = max(x["moves_full"] for x in picks_rows)
    alt_picks_range, alt_tours_range = pct_range(span(alt, "picks")), pct_range(span(alt, "tours"))
    cv = t["ceiling_values"]
    large_range = pct_range(cv[CEILING[0]])
    p10_range, p15_range = pct_range(cv[CEILING[2]]), pct_range(cv[CEILING[3]])
    plan_s = {g: [x["plan_s"] for r in main_runs + alt_runs for x in r["reslots"]
                  if x["gain"] == g] for g in GAINS}  # fmt: skip
    tours_s_lo, tours_s_hi = min(plan_s["tours"]), max(plan_s["tours"])
    picks_s_hi = max(plan_s["picks"])
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
"expected captured" is the same ratio by the re-slot's own estimate.

Each budgeted re-slot is planned with two gain models
(`ReslotParams(gain=...)`): **picks** ranks moves by picks per day x round-trip slot cost
from the depot (a single-pick estimate; its "expected captured" uses that
estimate); **tours** ranks them by the metres they save on sampled batched
tours of the same 30 days (each day's orders grouped by savings batching
under the full re-slot's slotting, {TourGain().max_tours} tours at most, every
tour routed by the exact DP; hot SKUs may also move into any better free
slot or swap with a colder SKU; see `optimizer/slotting/tours.py`). Its
"expected captured" is measured on those sampled tours with the batches
held fixed, which flatters the target (the batches were formed under it),
so it reads low against the replay. "plan (s)" is the re-slot's wall time.

{t["summary"]}

Details:

{t["details"]}

## 3. The ceiling of a 40-move budget (default demand)

Captured share of the full re-slot's replayed saving by: the two 5 %
plans above; the tour greedy with a much larger search ("tours, large
search": 200 hot SKUs x 64 candidate slots each, every tour of the 30 days,
every candidate measured again after each action); 40 relocations with the
moves that only make room not counted ("40 SKUs placed, room free": the
smallest picks-model budget whose plan moves 40 SKUs into better slots; a
relaxation that breaks the budget, its moves in brackets); and the picks
model with budgets of 10 % and 15 % of the SKUs ({MORE_BUDGETS[0]} and
{MORE_BUDGETS[1]} moves).

{t["ceiling"]}

## 4. Sensitivity: pure Zipf demand (exponent 1.2, no head offset)

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
  demand, with either gain model: the budget captures {picks_range} of the
  full re-slot's replayed saving with the picks model and {tours_range}
  with the tour model. Ranking moves by what they save on exact batched
  tours changes which moves are made, not how much they capture: seed by
  seed the two models differ by {diff_lo:+.0f} to {diff_hi:+.0f} points
  (tours minus picks; mean {picks_mean:.0f} % against {tours_mean:.0f} %),
  about the spread between seeds.
- The ceiling is in the move count, not in the gain model or the search.
  The tour greedy with a far larger search captures {large_range}
  ({large_s_lo:.0f}-{large_s_hi:.0f} s a plan): more search on the sampled
  tours does not carry over to the replay. Even with the moves that only
  make room not counted (a relaxation, not a valid plan), 40 SKUs placed
  capture {relaxed_random} from random storage, so 70 % needs more than
  40 SKUs moved there, and {relaxed_stale} from the stale class-based
  slotting, where about half of the moves go to demoting SKUs whose class
  dropped. The picks model needs about a 10 % budget for 70 %
  ({p10_range} with {MORE_BUDGETS[0]} moves, {p15_range} with
  {MORE_BUDGETS[1]}).
- Why, from random storage: with 100 free slots among 900, most good slots
  hold other SKUs, so placing a hot SKU there costs a swap. The 40 moves
  of the picks model place {placed_lo}-{placed_hi} SKUs in cheaper slots,
  SKUs with {lines_lo:.0f}-{lines_hi:.0f} % of the lines; tours of 45
  items still pick the rest from unmoved SKUs spread over every aisle,
  which the full re-slot ({full_lo}-{full_hi} moves) tidies as well.
- Under the pure Zipf demand the gain sits in fewer SKUs: the picks model
  captures {alt_picks_range}, the tour model {alt_tours_range}; the goal
  is met on every seed by {alt_met}.
- A class-based re-slot from a stale class-based slotting moves only SKUs
  whose class changed; that gain is small (about 5 %) and spread over the
  class boundaries.
- Time: a tour-model plan takes {tours_s_lo:.1f}-{tours_s_hi:.1f} s here
  (sampling and batching the tours included), a picks-model plan
  {picks_s_hi * 1000:.0f} ms at most.

Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python
{platform.python_version()}. Run: `python benches/compare_slotting.py`.
"""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "slotting_replay.md").write_text(md, encoding="utf-8")
    (OUT / "slotting_replay.json").write_text(json.dumps(results, indent=1) + "\n")
    print(md)


if __name__ == "__main__":
    main()

"""How long ``plan_wave`` takes for waves of 100 to 10,000 orders.

Waves come from :func:`optimizer.synthetic.large_wave` (Zipf demand, 1-10
lines per order, fast movers nearest the depot) with ``Cart(max_items=45)``
and the default :class:`WavePolicy` (``batching="auto"``: the ALNS with its
default work budget and the set-partitioning selection, exact routes,
baselines for the saving KPIs):

- ``layouts/single_block.toml`` with 100, 1,000 and 10,000 orders,
- ``layouts/multi_block_large.toml`` (40 aisles, 3 blocks) with 1,000 orders.

``plan_wave`` is timed end to end (median of 3 runs, 1 run for 10,000
orders) after the numba kernels are compiled and warmed on a small wave of
the same layout; ``plan.kpis.batching_seconds`` (checking the wave,
building the problem and batching) and the rest of ``plan.kpis.seconds``
(final routes, pick lists, KPIs with the one-order-per-tour and FCFS
baselines) split the time. ``plan_wave`` does not report how many tours it
evaluated, so one more run per wave times the phases of the batching on
their own, each on a fresh problem (empty route cache): ``prepare``, the
ALNS's start ``LocalSearch(kicks=0)`` (savings or seed, then moves, swaps
and re-splits), ``ALNS()`` (start, search, selection) and, for comparison,
the previous default ``LocalSearch()``, with route evaluations (cache
misses) per second. Exponents ``b`` of ``time ~ n^b`` are fitted over the
single-block waves.

Goals (the batching issue): 1,000 orders < 2 s and 10,000 orders < 30 s on
this 2-core machine. Prints a Markdown report and writes
``benches/results/wave_speed.md`` and ``benches/results/wave_speed.json``.

Run: ``python benches/wave_speed.py``; ``--fishbone``: only the fishbone waves
(:data:`FISHBONE_CASES`, to ``benches/results/wave_speed_fishbone.*``).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import environment, fmt_s  # benches/ is on sys.path when run as a script

from optimizer.batching import ALNS, BatchingProblem, Cart, prepare
from optimizer.batching.alns import DEFAULT_ITERATIONS
from optimizer.batching.local_search import LocalSearch
from optimizer.distance import DistanceOracle
from optimizer.layout import Layout
from optimizer.synthetic import large_wave
from optimizer.waves import WavePolicy, plan_wave

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = ROOT / "layouts"
OUT = ROOT / "benches" / "results"
SEED = 1
CART = Cart(max_items=45)
#: (layout file stem, orders, runs)
CASES = (
    ("single_block", 100, 3),
    ("single_block", 1_000, 3),
    ("single_block", 10_000, 1),
    ("multi_block_large", 1_000, 3),
)
GOALS = {("single_block", 1_000): 2.0, ("single_block", 10_000): 30.0}


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    """``fn(*args)`` and its wall time."""
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def phase(problem: BatchingProblem, batcher: Any) -> dict[str, Any]:
    """Run one batcher on ``problem`` (fresh cache): seconds, evaluations, batches."""
    result, seconds = timed(batcher.run, problem)
    sizes = [len(g) for g in result.groups]
    return {
        "seconds": seconds,
        "evaluations": problem.cost.evaluations,
        "batches": len(result.groups),
        "orders_per_batch": statistics.fmean(sizes),
        "distance": problem.total(result.groups),
        "detail": result.detail,
    }


def breakdown(layout: Layout, slotting: Any, orders: list[Any], oracle: Any) -> dict[str, Any]:
    """The batching's phases timed one by one, each on a fresh problem."""

    def fresh() -> tuple[BatchingProblem, float]:
        (problem, _), seconds = timed(
            lambda: prepare(layout, slotting, orders, CART, oracle=oracle)
        )
        return problem, seconds

    problem, t_prepare = fresh()
    out: dict[str, Any] = {"prepare": {"seconds": t_prepare}}
    out["start"] = phase(problem, LocalSearch(kicks=0))
    out["alns"] = phase(fresh()[0], ALNS())
    out["search_and_selection"] = {
        "seconds": out["alns"]["seconds"] - out["start"]["seconds"],
        "evaluations": out["alns"]["evaluations"] - out["start"]["evaluations"],
    }
    out["old_local_search"] = phase(fresh()[0], LocalSearch())
    return out


def run_case(name: str, n: int, runs: int) -> dict[str, Any]:
    """Time ``plan_wave`` on one wave, then its batching phases."""
    layout = Layout.from_file(LAYOUTS / f"{name}.toml")
    oracle = DistanceOracle.for_layout(layout)
    oracle.warm_up()
    small_slotting, small = large_wave(layout, 50, seed=0)
    plan_wave(layout, small_slotting, small, CART, oracle=oracle)  # compile / load kernels
    slotting, orders = large_wave(layout, n, seed=SEED)
    policy = WavePolicy()
    plans = []
    for _ in range(runs):
        gc.collect()
        plans.append(
            plan_wave(layout, slotting, orders, CART, policy, oracle=oracle).kpis.to_dict()
        )
    if len({k["total_distance_m"] for k in plans}) != 1:
        raise SystemExit(
            f"{name} {n}: plan_wave is not deterministic: {[k['total_distance_m'] for k in plans]}"
        )
    total = [k["seconds"] for k in plans]
    batching = [k["batching_seconds"] for k in plans]
    rest = [k["seconds"] - k["batching_seconds"] for k in plans]
    kpis = plans[0]
    print(f"{name} {n:,}: plan_wave {statistics.median(total):.2f} s", file=sys.stderr, flush=True)
    phases = breakdown(layout, slotting, orders, oracle)
    return {
        "layout": name,
        "layout_hash": layout.version,
        "slots": len(layout.slots),
        "blocks": layout.aisles.n_blocks if layout.aisles else None,
        "orders": n,
        "lines": kpis["lines"],
        "units": kpis["units"],
        "runs": runs,
        "seconds": {
            "total": statistics.median(total),
            "batching": statistics.median(batching),
            "routing_kpis": statistics.median(rest),
            "all_runs": total,
        },
        "kpis": kpis,
        "phases": phases,
    }


def fit_exponent(ns: list[int], values: list[float]) -> float | None:
    """Least-squares ``b`` of ``value ~ n^b`` on a log-log scale."""
    pairs = [(n, v) for n, v in zip(ns, values, strict=True) if v > 0]
    if len(pairs) < 2:
        return None
    x, y = np.log([p[0] for p in pairs]), np.log([p[1] for p in pairs])
    return float(np.polyfit(x, y, 1)[0])


def scaling(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Fitted exponents over the single-block waves."""
    single = [c for c in cases if c["layout"] == "single_block"]
    ns = [c["orders"] for c in single]
    out: dict[str, Any] = {"orders": ns}
    for key in ("start", "search_and_selection", "alns"):
        out[key] = {
            "time": fit_exponent(ns, [c["phases"][key]["seconds"] for c in single]),
            "evaluations": fit_exponent(ns, [c["phases"][key]["evaluations"] for c in single]),
        }
    out["plan_wave"] = {"time": fit_exponent(ns, [c["seconds"]["total"] for c in single])}
    out["routing_kpis"] = {
        "time": fit_exponent(ns, [c["seconds"]["routing_kpis"] for c in single])
    }
    return out


def rate(p: dict[str, Any]) -> str:
    """Evaluations per second of a phase."""
    if p["seconds"] <= 0 or p["evaluations"] <= 0:
        return "-"
    return f"{p['evaluations'] / p['seconds']:,.0f}"


def report(r: dict[str, Any]) -> str:
    """The Markdown report of the figures."""
    mark = {True: "met", False: "**missed**"}
    env = r["environment"]
    lines = [
        "# Wave planning speed: `plan_wave` from 100 to 10,000 orders",
        "",
        f"`large_wave(layout, n, seed={SEED})`, `Cart(max_items=45)`, default `WavePolicy` "
        f"(batching `auto` = `ALNS()`: {DEFAULT_ITERATIONS:,} iterations and the selection; "
        "exact scoring and routes, FCFS and "
        "one-order-per-tour baselines in the KPIs). Kernels warmed first; median of the "
        "runs shown. *batching* is `kpis.batching_seconds` (checks, problem, batching); "
        "*routes + KPIs* the rest of `kpis.seconds` (final routes, pick lists, baselines).",
        "",
        "| layout | orders | lines | runs | plan_wave | batching | routes + KPIs | batches "
        "| distance (m) | vs one/tour | vs FCFS | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in r["cases"]:
        s, k = c["seconds"], c["kpis"]
        goal = GOALS.get((c["layout"], c["orders"]))
        goal_txt = f"< {goal:g} s: {mark[s['total'] < goal]}" if goal else ""
        lines.append(
            f"| {c['layout']} | {c['orders']:,} | {c['lines']:,} | {c['runs']} "
            f"| {fmt_s(s['total'])} | {fmt_s(s['batching'])} | {fmt_s(s['routing_kpis'])} "
            f"| {k['batches']:,} | {k['total_distance_m']:,.0f} "
            f"| {k['saving_vs_single_pct']:.1f} % | {k['saving_vs_fcfs_pct']:.1f} % | {goal_txt} |"
        )
    lines += [
        "",
        "## Where the batching time goes",
        "",
        "One run per wave, each phase on a fresh problem (empty route cache). *evals*: "
        "tours routed by the exact DP (cache misses); *ev/s*: evaluations per second of the "
        "phase. *start* = `LocalSearch(kicks=0)` (savings or seed, moves, swaps, "
        "re-splits); *search + selection* = `ALNS()` minus its start; the previous default "
        "`LocalSearch()` for comparison, with its total distance.",
        "",
        "| layout | orders | prepare | start (evals, ev/s) | search + selection | `ALNS()` "
        "| ALNS distance | pool, selection gain | old `LocalSearch()` | its distance |",
        "|---|---:|---:|---|---|---|---:|---|---|---:|",
    ]
    for c in r["cases"]:
        p = c["phases"]

        def cell(key: str, p: dict[str, Any] = p) -> str:
            q = p[key]
            return f"{fmt_s(q['seconds'])} ({q['evaluations']:,}, {rate(q)})"

        d = p["alns"]["detail"]
        lines.append(
            f"| {c['layout']} | {c['orders']:,} | {fmt_s(p['prepare']['seconds'])} "
            f"| {cell('start')} | {cell('search_and_selection')} | {cell('alns')} "
            f"| {p['alns']['distance']:,.0f} | {d.get('pool', 0):,}, "
            f"{float(d.get('selection_gain', 0)):,.1f} m | {cell('old_local_search')} "
            f"| {p['old_local_search']['distance']:,.0f} |"
        )
    sc = r["scaling"]

    def b(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    lines += [
        "",
        "## Scaling (single_block, 100 / 1,000 / 10,000 orders)",
        "",
        "Fitted exponent `b` of `value ~ n^b` (least squares on log-log):",
        "",
        "| phase | time | evaluations | expected |",
        "|---|---:|---:|---|",
        f"| start | {b(sc['start']['time'])} | {b(sc['start']['evaluations'])} "
        "| savings O(n k) plus descent passes, O(n k b) each |",
        f"| search + selection | {b(sc['search_and_selection']['time'])} "
        f"| {b(sc['search_and_selection']['evaluations'])} | a fixed {DEFAULT_ITERATIONS:,} "
        "iterations, each touching a few batches: about constant; the selection's model "
        "grows with the pool |",
        f"| `ALNS()` | {b(sc['alns']['time'])} | {b(sc['alns']['evaluations'])} "
        "| sum of the above |",
        f"| routes + KPIs | {b(sc['routing_kpis']['time'])} | - | one exact route per batch, "
        "O(n) |",
        f"| plan_wave | {b(sc['plan_wave']['time'])} | - | |",
        "",
        f"Python {env['python']}, numpy {env['numpy']}, scipy {env['scipy']}, numba "
        f"{env['numba']}; {env['machine']}, {env['cpus']} CPUs.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run, print the report, write the results."""
    cases = [run_case(name, n, runs) for name, n, runs in CASES]
    figures = {
        "seed": SEED,
        "cart": {"max_items": CART.max_items},
        "cases": cases,
        "scaling": scaling(cases),
        "environment": environment(),
    }
    text = report(figures)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "wave_speed.md").write_text(text, encoding="utf-8")
    (OUT / "wave_speed.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


# ---- off the exact layouts: the fishbone (issue 12) -----------------------------------
#: (orders, runs, goal in seconds); the service's default effort, scoring and final
#: routes by the local search (the exact DP does not apply to a graph-tier layout).
FISHBONE_CASES = ((100, 3, 0.5), (1_000, 1, 3.0))
FISHBONE_EFFORT = 20  # optimizer.service.settings.Settings.default_effort


def fishbone_case(n: int, runs: int) -> dict[str, Any]:
    """``plan_wave`` on a fishbone wave: wall and CPU seconds, median of ``runs``."""
    layout = Layout.from_file(LAYOUTS / "fishbone.json")
    oracle = DistanceOracle.for_layout(layout)
    oracle.warm_up()
    policy = WavePolicy(effort=FISHBONE_EFFORT)
    small_slotting, small = large_wave(layout, 50, seed=0)
    plan_wave(layout, small_slotting, small, CART, policy, oracle=oracle)  # kernels
    slotting, orders = large_wave(layout, n, seed=SEED)
    rows = []
    for _ in range(runs):
        gc.collect()
        cpu = time.process_time()
        kpis = plan_wave(layout, slotting, orders, CART, policy, oracle=oracle).kpis.to_dict()
        kpis["cpu_seconds"] = time.process_time() - cpu
        rows.append(kpis)
    if len({k["total_distance_m"] for k in rows}) != 1:
        raise SystemExit(f"fishbone {n}: plan_wave is not deterministic")
    return {"orders": n, "runs": runs, "kpis": rows[0],
            "seconds": statistics.median(k["seconds"] for k in rows),
            "batching_seconds": statistics.median(k["batching_seconds"] for k in rows),
            "cpu_seconds": statistics.median(k["cpu_seconds"] for k in rows)}  # fmt: skip


def fishbone_main() -> None:
    """``--fishbone``: the fishbone rows alone, to ``wave_speed_fishbone.*``."""
    load = os.getloadavg()
    cases = [fishbone_case(n, runs) | {"goal_s": goal} for n, runs, goal in FISHBONE_CASES]
    lines = [
        "# Wave planning speed on the fishbone (`layouts/fishbone.json`, graph tier)",
        "",
        f"`large_wave(layout, n, seed={SEED})`, `Cart(max_items=45)`, "
        f"`WavePolicy(effort={FISHBONE_EFFORT})` (the service's default effort); batches "
        "scored by `LOCAL_SEARCH_ESTIMATE`, final routes by `auto` (the local search), "
        "baselines in the KPIs. Wall seconds (median of the runs) and the CPU seconds of "
        "this process, which a busy machine inflates less. Load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start.",
        "",
        "| orders | runs | plan_wave (wall) | CPU | batching (wall) | routes + KPIs (wall) "
        "| batches | distance (m) | vs FCFS | goal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in cases:
        k = c["kpis"]
        met = "met" if c["seconds"] <= c["goal_s"] else "**missed**"
        lines.append(
            f"| {c['orders']:,} | {c['runs']} | {fmt_s(c['seconds'])} | {fmt_s(c['cpu_seconds'])} "
            f"| {fmt_s(c['batching_seconds'])} | {fmt_s(c['seconds'] - c['batching_seconds'])} "
            f"| {k['batches']:,} | {k['total_distance_m']:,.0f} | {k['saving_vs_fcfs_pct']:.1f} % "
            f"| <= {c['goal_s']:g} s: {met} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    (OUT / "wave_speed_fishbone.md").write_text(text, encoding="utf-8")
    figures = {"cases": cases, "load_average": load, "environment": environment()}
    (OUT / "wave_speed_fishbone.json").write_text(json.dumps(figures, indent=2) + "\n",
                                                  encoding="utf-8")  # fmt: skip


if __name__ == "__main__":
    fishbone_main() if "--fishbone" in sys.argv[1:] else main()

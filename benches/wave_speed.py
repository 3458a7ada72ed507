"""How long ``plan_wave`` takes, and how much memory, for waves of 1,000 to 50,000 orders.

Waves come from :func:`optimizer.synthetic.large_wave` (Zipf demand, 1-10
lines per order, fast movers nearest the depot) with ``Cart(max_items=45)``
and the default :class:`WavePolicy` (``batching="auto"``: the ALNS and its
selection up to ``LARGE_WAVE`` orders, the bulk savings and descent above;
exact routes; the one-order-per-tour and FCFS baselines of the saving KPIs):

- ``layouts/single_block.toml`` (900 slots) with 1,000, 10,000 and 50,000 orders,
- ``layouts/multi_block_large.toml`` (36,000 slots, 3 blocks) with 1,000 and 50,000.

Each wave runs in a fresh process (so its peak RSS is its own), after the
kernels are compiled and warmed on a small wave of the same layout;
``plan_wave`` is timed end to end, the median of ``runs``; every run must
give the same plan. ``plan.kpis.batching_seconds`` (checks, problem,
batching) and the rest (final routes, pick lists, KPIs and baselines) split
the time. Every order must be in exactly one batch and no batch over the
cart. The exponent ``b`` of ``time ~ n^b`` is fitted over the single-block
waves. *today* is the same wave planned by the code before the big-wave
path (``benches/results/wave_speed_before.json``, measured with this
script's ``--case`` on that code).

Goals (issues 10 and 13): on single_block 1,000 orders <= 2 s, 10,000 <= 5 s,
50,000 <= 30 s; 50,000 on multi_block_large <= 60 s; peak RSS <= 1 GB; the
saving vs FCFS no lower than today's. Prints a Markdown report and writes
``benches/results/wave_speed.md`` and ``benches/results/wave_speed.json``.

Run: ``python benches/wave_speed.py`` (one case: ``--case single_block 10000 1``);
``--fishbone``: only the fishbone waves (:data:`FISHBONE_CASES`, to
``benches/results/wave_speed_fishbone.*``).
"""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import environment, fmt_s  # benches/ is on sys.path when run as a script

from optimizer.batching import Cart
from optimizer.batching.api import LARGE_WAVE
from optimizer.distance import DistanceOracle
from optimizer.layout import Layout
from optimizer.routing.scoring import ESTIMATE, clear_memos, scoring_inputs, tour_length_kernel
from optimizer.synthetic import large_wave
from optimizer.waves import WavePlan, WavePolicy, plan_wave

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = ROOT / "layouts"
OUT = ROOT / "benches" / "results"
SEED = 1
CART = Cart(max_items=45)
#: (layout file stem, orders, runs)
CASES = (
    ("single_block", 1_000, 3),
    ("single_block", 10_000, 1),
    ("single_block", 50_000, 1),
    ("multi_block_large", 1_000, 3),
    ("multi_block_large", 50_000, 1),
)
GOALS = {
    ("single_block", 1_000): 2.0,
    ("single_block", 10_000): 5.0,
    ("single_block", 50_000): 30.0,
    ("multi_block_large", 50_000): 60.0,
}
MEMORY_GOAL_MB = 1024.0
BEFORE = OUT / "wave_speed_before.json"


def check(plan: WavePlan, n: int) -> None:
    """Every order in exactly one batch (or unassigned), no batch over the cart."""
    ids = [o.id for b in plan.batches for o in b.orders] + [u.order_id for u in plan.unassigned]
    if len(ids) != n or len(set(ids)) != n:
        raise SystemExit(f"{n} orders: {len(set(ids))} distinct in the plan, {len(ids)} in all")
    for b in plan.batches:
        if not CART.fits(np.sum([CART.load(o) for o in b.orders], axis=0)):
            raise SystemExit(f"a batch of {len(b.orders)} orders is over the cart")


def run_case(name: str, n: int, runs: int) -> dict[str, Any]:
    """Time ``plan_wave`` on one wave in this process; its peak RSS."""
    layout = Layout.from_file(LAYOUTS / f"{name}.toml")
    oracle = DistanceOracle.for_layout(layout)
    oracle.warm_up()
    small_slotting, small = large_wave(layout, 50, seed=0)
    plan_wave(layout, small_slotting, small, CART, oracle=oracle)  # compile / load kernels
    small_slotting, small = large_wave(layout, LARGE_WAVE + 1, seed=0)
    plan_wave(layout, small_slotting, small, CART, oracle=oracle)  # the big-wave path too
    slotting, orders = large_wave(layout, n, seed=SEED)
    plans, cpu = [], []
    for _ in range(runs):
        gc.collect()
        c0 = time.process_time()
        plan = plan_wave(layout, slotting, orders, CART, WavePolicy(), oracle=oracle)
        cpu.append(time.process_time() - c0)
        check(plan, n)
        plans.append(plan.kpis.to_dict())
    if len({k["total_distance_m"] for k in plans}) != 1:
        raise SystemExit(
            f"{name} {n}: plan_wave is not deterministic: {[k['total_distance_m'] for k in plans]}"
        )
    total = [k["seconds"] for k in plans]
    batching = [k["batching_seconds"] for k in plans]
    rest = [k["seconds"] - k["batching_seconds"] for k in plans]
    return {
        "layout": name,
        "layout_hash": layout.version,
        "slots": len(layout.slots),
        "orders": n,
        "runs": runs,
        "seconds": {
            "total": statistics.median(total),
            "batching": statistics.median(batching),
            "routing_kpis": statistics.median(rest),
            "cpu": statistics.median(cpu),
            "all_runs": total,
        },
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "kpis": plans[0],
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
    return {
        "orders": ns,
        "plan_wave": fit_exponent(ns, [c["seconds"]["total"] for c in single]),
        "cpu": fit_exponent(ns, [c["seconds"]["cpu"] for c in single]),
        "batching": fit_exponent(ns, [c["seconds"]["batching"] for c in single]),
        "routing_kpis": fit_exponent(ns, [c["seconds"]["routing_kpis"] for c in single]),
    }


def before() -> dict[tuple[str, int], dict[str, Any]]:
    """Today's figures (the code before the big-wave path), by case."""
    if not BEFORE.exists():
        return {}
    rows = json.loads(BEFORE.read_text(encoding="utf-8"))["cases"]
    return {(r["layout"], r["orders"]): r for r in rows}


def report(r: dict[str, Any]) -> str:
    """The Markdown report of the figures."""
    mark = {True: "met", False: "**missed**"}
    env = r["environment"]
    old = before()
    lines = [
        "# Wave planning speed: `plan_wave` from 1,000 to 50,000 orders",
        "",
        f"`large_wave(layout, n, seed={SEED})`, `Cart(max_items=45)`, default `WavePolicy` "
        f"(batching `auto`: the ALNS up to {LARGE_WAVE:,} orders, `bulk` above; exact "
        "routes; FCFS and one-order-per-tour baselines in the KPIs). One fresh process per "
        "wave, kernels warmed first; median of the runs. *plan_wave* is wall time, *CPU* the "
        "process's CPU time for it (what a quiet machine's wall time would be; the goals "
        "are judged on wall time). *batching* is "
        "`kpis.batching_seconds`; *routes + KPIs* the rest of `kpis.seconds`. *today*: the "
        "code before the big-wave path on the same wave.",
        "",
        "| layout | orders | runs | method | plan_wave | CPU | batching | routes + KPIs "
        "| peak RSS "
        "| batches | distance (m) | vs FCFS | today: vs FCFS, time, RSS | goal |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for c in r["cases"]:
        s, k = c["seconds"], c["kpis"]
        goal = GOALS.get((c["layout"], c["orders"]))
        met = goal is not None and s["total"] <= goal and c["peak_rss_mb"] <= MEMORY_GOAL_MB
        prev = old.get((c["layout"], c["orders"]))
        then = (
            f"{prev['saving_vs_fcfs_pct']:.2f} %, {fmt_s(prev['seconds'])}, "
            f"{prev['peak_rss_mb']:,.0f} MB"
            if prev
            else "-"
        )
        if prev and k["saving_vs_fcfs_pct"] < prev["saving_vs_fcfs_pct"]:
            met = False
        goal_txt = f"<= {goal:g} s, <= 1 GB: {mark[met]}" if goal else ""
        lines.append(
            f"| {c['layout']} | {c['orders']:,} | {c['runs']} | {k['batching_method']} "
            f"| {fmt_s(s['total'])} | {fmt_s(s['cpu'])} | {fmt_s(s['batching'])} "
            f"| {fmt_s(s['routing_kpis'])} "
            f"| {c['peak_rss_mb']:,.0f} MB | {k['batches']:,} | {k['total_distance_m']:,.0f} "
            f"| {k['saving_vs_fcfs_pct']:.2f} % | {then} | {goal_txt} |"
        )
    sc = r["scaling"]

    def b(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    lines += [
        "",
        "Growth exponent `b` of `time ~ n^b` over the single-block waves "
        f"({', '.join(f'{n:,}' for n in sc['orders'])} orders): plan_wave "
        f"**{b(sc['plan_wave'])}** (CPU {b(sc['cpu'])}), batching {b(sc['batching'])}, "
        "routes + KPIs "
        f"{b(sc['routing_kpis'])}.",
        "",
        f"Load average at the start: {r['load_before']}; at the end: {r['load_after']}.",
        f"Python {env['python']}, numpy {env['numpy']}, numba {env['numba']}; "
        f"{env['machine']}, {env['cpus']} CPUs.",
    ]
    return "\n".join(lines) + "\n"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    """Each case in a fresh process; print the report and write the results."""
    if sys.argv[1:2] == ["--case"]:
        name, n, runs = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        print(json.dumps(run_case(name, n, runs)))
        return
    load_before = load_average()
    cases = []
    for name, n, runs in CASES:
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, __file__, "--case", name, str(n), str(runs)],
            check=True,
            capture_output=True,
            text=True,
        )
        cases.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"{name} {n:,}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    figures = {
        "seed": SEED,
        "cart": {"max_items": CART.max_items},
        "cases": cases,
        "scaling": scaling(cases),
        "environment": environment(),
        "load_before": load_before,
        "load_after": load_average(),
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
FISHBONE_BEFORE = OUT / "wave_speed_fishbone_before.json"  # the Python descent, at 2084c9b


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
        clear_memos()  # each run measures its tours afresh
        cpu = time.process_time()
        kpis = plan_wave(layout, slotting, orders, CART, policy, oracle=oracle).kpis.to_dict()
        kpis["cpu_seconds"] = time.process_time() - cpu
        rows.append(kpis)
    if len({k["total_distance_m"] for k in rows}) != 1:
        raise SystemExit(f"fishbone {n}: plan_wave is not deterministic")
    plan = plan_wave(layout, slotting, orders, CART, policy, oracle=oracle)
    return {"orders": n, "runs": runs, "kpis": rows[0], "estimate": estimate_gaps(plan, oracle),
            "seconds": statistics.median(k["seconds"] for k in rows),
            "batching_seconds": statistics.median(k["batching_seconds"] for k in rows),
            "cpu_seconds": statistics.median(k["cpu_seconds"] for k in rows)}  # fmt: skip


def estimate_gaps(plan: WavePlan, oracle: DistanceOracle) -> dict[str, float]:
    """How far the batch-scoring estimate (``routing.scoring.ESTIMATE`` on the
    oracle's matrix) is from the final route of each batch of ``plan``, in %:
    mean and worst over the batches, and of the totals."""
    layout = oracle.layout
    depot = layout.depot().node
    inputs = scoring_inputs(oracle, depot, depot, ESTIMATE)
    if inputs is None:
        raise SystemExit("the fishbone has too many pick nodes for the scoring matrix")
    pairs = [(tour_length_kernel(np.unique(layout.nodes_of(b.route.stops)), *inputs),
              b.route.distance) for b in plan.batches]  # fmt: skip
    gaps = [100.0 * (e / f - 1.0) for e, f in pairs]
    total = 100.0 * (sum(e for e, _ in pairs) / sum(f for _, f in pairs) - 1.0)
    return {"mean_pct": statistics.fmean(gaps), "worst_pct": max(gaps, key=abs),
            "total_pct": total, "batches": len(gaps)}  # fmt: skip


def fishbone_main() -> None:
    """``--fishbone``: the fishbone rows alone, to ``wave_speed_fishbone.*``."""
    load = os.getloadavg()
    cases = [fishbone_case(n, runs) | {"goal_s": goal} for n, runs, goal in FISHBONE_CASES]
    lines = [
        "# Wave planning speed on the fishbone (`layouts/fishbone.json`, graph tier)",
        "",
        f"`large_wave(layout, n, seed={SEED})`, `Cart(max_items=45)`, "
        f"`WavePolicy(effort={FISHBONE_EFFORT})` (the service's default effort); batches "
        "scored by the compiled estimate on the oracle's matrix (`routing.scoring.ESTIMATE`: "
        "Held-Karp up to 8 picks, else the local search with a tenth of a kick per pick), "
        "final routes by `auto` (the local search), baselines in the KPIs. Wall seconds "
        "(median of the runs) and the CPU seconds of this process, which a busy machine "
        "inflates less; the scoring memo is emptied before each run. *estimate vs route*: "
        "the estimate of each planned batch against its final route, mean / worst over the "
        "batches and of the wave's total, in %. *before*: the same wave with the Python "
        f"descent (`{FISHBONE_BEFORE.relative_to(ROOT)}`, measured on a quiet machine): "
        "wall time, batches, distance. Load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start.",
        "",
        "| orders | runs | plan_wave (wall) | CPU | batching (wall) | routes + KPIs (wall) "
        "| batches | distance (m) | vs FCFS | estimate vs route | before | goal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    old = {}
    if FISHBONE_BEFORE.exists():
        old = {c["orders"]: c for c in json.loads(FISHBONE_BEFORE.read_text())["cases"]}
    for c in cases:
        k = c["kpis"]
        met = ("met" if c["seconds"] <= c["goal_s"] else "met in CPU, not in wall time"
               if c["cpu_seconds"] <= c["goal_s"] else "**missed**")  # fmt: skip
        e = c["estimate"]
        prev = old.get(c["orders"])
        then = (f"{fmt_s(prev['seconds'])}, {prev['kpis']['batches']:,}, "
                f"{prev['kpis']['total_distance_m']:,.0f} m" if prev else "-")  # fmt: skip
        lines.append(
            f"| {c['orders']:,} | {c['runs']} | {fmt_s(c['seconds'])} | {fmt_s(c['cpu_seconds'])} "
            f"| {fmt_s(c['batching_seconds'])} | {fmt_s(c['seconds'] - c['batching_seconds'])} "
            f"| {k['batches']:,} | {k['total_distance_m']:,.0f} | {k['saving_vs_fcfs_pct']:.1f} % "
            f"| {e['mean_pct']:+.2f} / {e['worst_pct']:+.2f} / {e['total_pct']:+.2f} % "
            f"| {then} | <= {c['goal_s']:g} s: {met} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    (OUT / "wave_speed_fishbone.md").write_text(text, encoding="utf-8")
    figures = {"cases": cases, "load_average": load, "environment": environment()}
    (OUT / "wave_speed_fishbone.json").write_text(json.dumps(figures, indent=2) + "\n",
                                                  encoding="utf-8")  # fmt: skip


if __name__ == "__main__":
    fishbone_main() if "--fishbone" in sys.argv[1:] else main()

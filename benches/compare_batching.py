"""Gap of every batching method to the best known batchings of the literature.

Instances (read from ``../shared/benchmarks``, never copied into the repo):

- the 64 Henn & Wäscher W5A instances of the OBP collection (``abc1``,
  ``abc2``, ``ran1``, ``ran2``: 40-100 orders, capacity 30-75 articles),
  read with :func:`optimizer.io.read_henn`. For the 32 of ``abc1`` and
  ``ran1``, Wahlen & Gschwind (2023) published the best known totals under
  optimal routing (``results/wahlen_gschwind_2023_w5a_abc1_ran1.csv``; 29
  proven optimal); ``abc2`` and ``ran2`` have no published values here and
  show that the methods were not tuned to the 32.
- the Heßler & Irnich order-batching files in ``hessler-irnich/``
  (``HennWaescherUniform``, ``MuterOencan``), read with
  :func:`optimizer.io.read_hessler_irnich_batching`; their best known values
  are not in the shared folder, so their gap is to the best total any method
  reaches here. Unreadable files are listed with the reader's reason.

Per instance one :class:`BatchingProblem` is built, and every method runs on
a copy with a fresh route cache, so its time and route evaluations do not
depend on the methods before it; all are scored by the same exact routing
DP. Methods: ``fcfs``, ``seed`` (best of 6 rules), ``savings`` (C&W ii),
``local-search`` (the previous default, ``LocalSearch()``), ``auto`` (what
``batch_orders`` runs: ``ALNS()``, the compiled search on these layouts),
``quality`` (``ALNS(iterations=QUALITY_ITERATIONS,
selection_work=QUALITY_SELECTION)``), ``columns``
(``ColumnGeneration()``), ``columns-quality`` (``COLUMNS_QUALITY``), ``hybrid``
(``Hybrid()``: the column generation, then the ALNS over its pool) and
``hybrid-quality`` (``COLUMNS_QUALITY``, then ``HYBRID_QUALITY_ITERATIONS``) and
``hybrid-fast`` (``Hybrid.fast()``: the ALNS's start and searches, a dive over their
pool between two selections; ``benches/results/batching_warm.md``). For the
ALNS and hybrid settings the report splits what the parts buy (start, search, selection),
counts the pools proven optimal by the selection, and gives the time each
needed to reach 2 / 1 / 0.5 / 0.1 % above the best known (from the
methods' traces of new best totals).

Goals (issue 10), on the 32 instances with published values: ``auto`` at most
0.5 % above on average, 2 % at worst, in at most 1 s per instance on
average; ``quality`` at most 0.1 % above on average, at most 10 s per
instance. Kernels are compiled and warmed before any timing; times are wall
clock on a shared machine (see the environment line).

Run: ``python benches/compare_batching.py [--sets abc1,ran1,...]
[--methods auto,quality,...] [--shared ../shared/benchmarks]``. Without the
shared benchmark folder it says so and exits without writing anything. Writes
``benches/results/batching_henn.md`` and ``.json`` (``--out NAME``: ``NAME.md``).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _common import environment, fmt_s  # benches/ is on sys.path when run as a script

from optimizer.batching import (
    ALNS,
    BATCHERS,
    Batcher,
    BatchingProblem,
    ColumnGeneration,
    Hybrid,
    TourCost,
    batches_of,
    prepare,
)
from optimizer.batching.alns import DEFAULT_ITERATIONS, ITERATIONS_PER_ORDER
from optimizer.batching.columns import QUALITY as COLUMNS_QUALITY
from optimizer.batching.columns import call_kernels
from optimizer.batching.hybrid import FAST_ITERATIONS, FAST_PER_ORDER
from optimizer.batching.hybrid import QUALITY_ITERATIONS as HYBRID_QUALITY_ITERATIONS
from optimizer.batching.hybrid import QUALITY_SEARCHES as HYBRID_QUALITY_SEARCHES
from optimizer.batching.hybrid import QUALITY_SELECTION as HYBRID_QUALITY_SELECTION
from optimizer.batching.savings import COMPILED_FROM
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError
from optimizer.io import read_henn, read_hessler_irnich_batching
from optimizer.synthetic import henn_instance

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks"
HI_SETS = ("HennWaescherUniform", "MuterOencan")
OUT = ROOT / "benches" / "results"
POLICIES = ("abc1", "abc2", "ran1", "ran2")
ORDER_FILE = re.compile(r"(\d+)[sl]-(\d+)-(\d+)-(\d+)")
QUALITY_ITERATIONS, QUALITY_SELECTION = 250_000, 1.0
THRESHOLDS = (2.0, 1.0, 0.5, 0.1)
GOALS = {"auto": (0.5, 2.0, 1.0), "quality": (0.1, None, 10.0),  # mean %, worst %, seconds
         "columns": (0.5, 2.0, 1.0), "columns-quality": (0.1, None, 10.0),
         "hybrid": (0.5, 2.0, 1.0), "hybrid-quality": (0.1, None, 10.0),
         "hybrid-fast": (0.5, 2.0, 1.0)}  # fmt: skip

#: Method name -> the batcher that runs it.
METHODS: dict[str, Batcher] = {
    "fcfs": BATCHERS["fcfs"],
    "seed": BATCHERS["seed"],
    "savings": BATCHERS["savings"],
    "local-search": BATCHERS["local-search"],
    "auto": ALNS(),
    "quality": ALNS(iterations=QUALITY_ITERATIONS, selection_work=QUALITY_SELECTION),
    "columns": ColumnGeneration(),
    "columns-quality": ColumnGeneration.quality(),
    "hybrid": Hybrid(),
    "hybrid-quality": Hybrid.quality(),
    "hybrid-fast": Hybrid.fast(),
}
LABELS = {
    "fcfs": "FCFS",
    "seed": "seed",
    "savings": "savings",
    "local-search": "local search (old auto)",
    "auto": f"**auto** (`ALNS()`, compiled, {ITERATIONS_PER_ORDER} it. per order, "
    f"at most {DEFAULT_ITERATIONS:,})",
    "quality": f"quality (`ALNS({QUALITY_ITERATIONS:,}, {QUALITY_SELECTION:g})`)",
    "columns": "columns (`ColumnGeneration()`)",
    "columns-quality": "columns quality (`ColumnGeneration("
    + ", ".join(f"{k}={v}" for k, v in COLUMNS_QUALITY.items())
    + ")`)",
    "hybrid": "hybrid (`Hybrid()`: columns, then 1,000 ALNS it.)",
    "hybrid-fast": f"hybrid fast (`Hybrid.fast()`: {FAST_PER_ORDER} ALNS it. per order, at "
    f"most {FAST_ITERATIONS:,}, in two searches; a dive over the joint pool between)",
    "hybrid-quality": "hybrid quality (columns quality, then "
    f"{HYBRID_QUALITY_ITERATIONS:,} ALNS it. in {HYBRID_QUALITY_SEARCHES} searches, "
    f"each followed by a selection of {HYBRID_QUALITY_SELECTION:g})",
}


@dataclasses.dataclass(frozen=True)
class Instance:
    """One benchmark instance: where it is from and how to read it."""

    group: str
    name: str
    order_file: Path
    setting_file: Path | None
    best_known: float | None = None
    proven_optimal: bool = False

    def read(self) -> Any:
        """``(layout, slotting, orders, cart)``."""
        if self.setting_file is not None:
            return read_henn(self.order_file, self.setting_file)
        return read_hessler_irnich_batching(self.order_file)


def henn_instances(shared: Path, sets: list[str]) -> list[Instance]:
    """The W5A instances of ``sets``, with the published values where given."""
    known: dict[tuple[str, str], tuple[float, bool]] = {}
    best_known = shared / "results" / "wahlen_gschwind_2023_w5a_abc1_ran1.csv"
    if best_known.is_file():
        with best_known.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                known[row["folder"], row["file"]] = (
                    float(row["best_known"]),
                    row["proven_optimal"] == "True",
                )
    out = []
    for policy in sets:
        for path in sorted((shared / "obp" / "W5A_Henn" / policy).glob("*.txt")):
            m = ORDER_FILE.fullmatch(path.stem)
            if m is None:
                continue
            value, proven = known.get((policy, path.name), (None, False))
            out.append(Instance(policy, path.stem, path, path.parent / f"sett{m[1]}.txt",
                                value, proven))  # fmt: skip
    return sorted(out, key=lambda r: (r.group, _size(r.name)))


def _size(stem: str) -> tuple[int, int]:
    m = ORDER_FILE.fullmatch(stem)
    return (int(m[2]), int(m[3])) if m else (0, 0)


def hessler_irnich_instances(shared: Path) -> tuple[list[Instance], list[tuple[str, str]]]:
    """The readable Heßler-Irnich batching files, and the unreadable ones with why."""
    ok, bad = [], []
    for group in HI_SETS:
        for path in sorted((shared / "hessler-irnich" / group).glob("*.txt")):
            inst = Instance(group, path.stem, path, None)
            try:
                inst.read()
            except PickoptError as exc:
                bad.append((f"{group}/{path.name}", str(exc).replace(str(shared) + "/", "")))
                continue
            ok.append(inst)
    return ok, bad


def fresh(problem: BatchingProblem) -> BatchingProblem:
    """The same problem with an empty route cache and evaluation counter."""
    c = problem.cost
    cost = TourCost(c.layout, c.oracle, c.start, c.end, c.method)
    return dataclasses.replace(problem, cost=cost)


def solve(problem: BatchingProblem, method: str) -> dict[str, Any]:
    """Run ``method`` on a fresh copy of ``problem``; check and score on ``problem``."""
    work = fresh(problem)
    t0, c0 = time.perf_counter(), time.process_time()
    result = METHODS[method].run(work, seed=0)
    seconds = time.perf_counter() - t0
    # CPU time of this process: what the method costs when the machine is shared.
    cpu = time.process_time() - c0
    batches_of(problem, result.groups)  # every order exactly once, every batch fits the cart
    return {
        "distance": problem.total(result.groups),
        "batches": len(result.groups),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "evaluations": work.cost.evaluations,
        "detail": result.detail,
        "trace": [list(t) for t in result.trace],
    }


def warm_up() -> None:
    """Compile (or load) every kernel the methods use, outside the timings."""
    layout, slotting, orders, cart = henn_instance(30, 45, "abc", seed=0)
    DistanceOracle.for_layout(layout).warm_up()
    problem, _ = prepare(layout, slotting, orders, cart)
    for method in ("fcfs", "seed", "savings", "local-search"):
        solve(problem, method)
    # Savings runs in compiled loops above COMPILED_FROM orders (auto's start too):
    # compiled here, not in the first such instance's time.
    solve(prepare(*henn_instance(COMPILED_FROM + 10, 45, "abc", seed=0))[0], "savings")
    ALNS(iterations=50).run(fresh(problem))
    ColumnGeneration(rounds=2).run(fresh(problem))
    ColumnGeneration(rounds=2, dive_rounds=1, tries=1).run(fresh(problem))
    call_kernels(fresh(problem))
    Hybrid(ColumnGeneration(rounds=2), iterations=50).run(fresh(problem))


def run_instance(inst: Instance, methods: list[str]) -> dict[str, Any]:
    """Every method on one instance, with gaps to the best known value."""
    layout, slotting, orders, cart = inst.read()
    problem, unassigned = prepare(layout, slotting, orders, cart)
    if unassigned or problem.cost.method != "exact":
        raise SystemExit(f"{inst.order_file}: {len(unassigned)} unassigned orders, scoring "
                         f"{problem.cost.method!r} (expected none and 'exact')")  # fmt: skip
    row: dict[str, Any] = {
        "group": inst.group,
        "instance": inst.name,
        "orders": problem.size,
        "capacity": cart.max_items,
        "best_known": inst.best_known,
        "proven_optimal": inst.proven_optimal,
    }
    for method in methods:
        row[method] = solve(problem, method)
    reference = inst.best_known
    if reference is None:  # no published value: the best total found here
        reference = min(row[m]["distance"] for m in methods)
        row["reference"] = "best found here"
    else:
        row["reference"] = "best known"
    row["reference_value"] = reference
    for method in methods:
        r = row[method]
        r["gap_pct"] = 100 * (r["distance"] / reference - 1)
        if r["trace"]:
            r["time_to_pct"] = {
                str(t): next((s for _, s, d in r["trace"] if 100 * (d / reference - 1) <= t), None)
                for t in THRESHOLDS
            }
    print(f"{inst.group}/{inst.name}: "
          + ", ".join(f"{m} {row[m]['gap_pct']:+.2f}% {row[m]['seconds']:.2f}s" for m in methods),
          file=sys.stderr, flush=True)  # fmt: skip
    return row


def summarise(rows: list[dict[str, Any]], methods: list[str]) -> dict[str, Any]:
    """Mean and worst gaps, times, proofs and time to each threshold, by group."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r)
    published = [r for r in rows if r["best_known"] is not None]
    if published:
        groups["published (abc1 + ran1)"] = published
    out: dict[str, Any] = {}
    for name, members in groups.items():
        s: dict[str, Any] = {"instances": len(members)}
        for m in methods:
            f = [r[m] for r in members]
            s[m] = {
                "mean_gap_pct": statistics.fmean(x["gap_pct"] for x in f),
                "worst_gap_pct": max(x["gap_pct"] for x in f),
                "within_0.5_pct": sum(x["gap_pct"] <= 0.5 + 1e-9 for x in f),
                "at_best": sum(x["gap_pct"] <= 1e-9 for x in f),
                "mean_seconds": statistics.fmean(x["seconds"] for x in f),
                "max_seconds": max(x["seconds"] for x in f),
                "mean_cpu_seconds": statistics.fmean(x["cpu_seconds"] for x in f),
            }
            if all("search_total" in x["detail"] for x in f):
                ref = [r["reference_value"] for r in members]
                searched = [float(x["detail"]["search_total"]) for x in f]
                s[m]["mean_search_gap_pct"] = statistics.fmean(
                    100 * (d / v - 1) for d, v in zip(searched, ref, strict=True)
                )
                selected = [d - float(x["detail"].get("selection_gain", 0))
                            for d, x in zip(searched, f, strict=True)]  # fmt: skip
                s[m]["mean_selection_gap_pct"] = statistics.fmean(
                    100 * (d / v - 1) for d, v in zip(selected, ref, strict=True)
                )
                s[m]["polish_improved"] = sum(
                    float(x["detail"].get("polish_gain", 0)) > 1e-6 for x in f
                )
                s[m]["pool_optimal"] = sum(bool(x["detail"].get("pool_optimal")) for x in f)
                s[m]["selection_improved"] = sum(
                    float(x["detail"].get("selection_gain", 0)) > 1e-6 for x in f
                )
                s[m]["mean_start_gap_pct"] = statistics.fmean(
                    100 * (x["trace"][0][2] / v - 1) for x, v in zip(f, ref, strict=True)
                )
                s[m]["time_to_pct"] = {
                    str(t): _reached([x["time_to_pct"][str(t)] for x in f]) for t in THRESHOLDS
                }
            if all("dive_total" in x["detail"] for x in f):
                ref = [r["reference_value"] for r in members]
                for part in ("start_total", "relaxation", "dive_total", "selected_total"):
                    s[m][f"mean_{part}_gap_pct"] = statistics.fmean(
                        100 * (float(x["detail"][part]) / v - 1)
                        for x, v in zip(f, ref, strict=True)
                    )
                s[m]["pool_optimal"] = sum(bool(x["detail"].get("pool_optimal")) for x in f)
                s[m]["polish_improved"] = sum(
                    float(x["detail"].get("polish_gain", 0)) > 1e-6 for x in f
                )
        out[name] = s
    return out


def _reached(times: list[float | None]) -> dict[str, Any]:
    done = [t for t in times if t is not None]
    return {"reached": len(done), "of": len(times),
            "mean_seconds": statistics.fmean(done) if done else None}  # fmt: skip


def report(r: dict[str, Any]) -> str:
    """The Markdown report of ``run()``'s figures."""
    methods, summary, env = r["methods"], r["summary"], r["environment"]
    lines = [
        "# Order batching: gap to the best known batchings",
        "",
        "Henn & Wäscher W5A instances (OBP collection); best known totals of `abc1` and "
        "`ran1` from Wahlen & Gschwind (2023), optimal routing, one tour per batch. "
        "`abc2`, `ran2` and the Heßler-Irnich files have no published values here: their "
        "gap is to the best total any method reaches in this run. Every batching is "
        "scored with the same exact routing DP; each method runs on a copy of the "
        "problem with an empty route cache, kernels warmed first, seed 0. Gaps are "
        "`100 * (total / reference - 1)`; times are wall clock on a shared 2-core "
        "machine (other jobs were running), so they are pessimistic.",
        "",
        f"`python benches/compare_batching.py --sets {','.join(r['sets'])} "
        f"--methods {','.join(methods)}`",
        "",
    ]
    pub = summary.get("published (abc1 + ran1)")
    if pub:
        lines += ["## Goals (issue 10), on the 32 instances with published values", "",
                  "| method | goal | measured | |", "|---|---|---|---|"]  # fmt: skip
        for m, (mean, worst, secs) in GOALS.items():
            if m not in pub:
                continue
            s = pub[m]
            checks = [(f"mean gap <= {mean} %", f"{s['mean_gap_pct']:.2f} %",
                       s["mean_gap_pct"] <= mean)]  # fmt: skip
            if worst is not None:
                checks.append((f"worst gap <= {worst} %", f"{s['worst_gap_pct']:.2f} %",
                               s["worst_gap_pct"] <= worst))  # fmt: skip
            time_goal = "mean" if worst is not None else "max"
            t = s["mean_seconds"] if worst is not None else s["max_seconds"]
            checks.append((f"{time_goal} time <= {secs:g} s per instance",
                           f"{fmt_s(t)} (mean CPU {fmt_s(s['mean_cpu_seconds'])})",
                           t <= secs))  # fmt: skip
            for goal, value, ok in checks:
                lines.append(f"| {m} | {goal} | {value} | {'met' if ok else '**missed**'} |")
        lines.append("")
    lines += [
        "## Gap by method",
        "",
        "Mean gap / worst gap (%), instances within 0.5 %, and mean / max seconds per instance:",
        "",
        "| instances | n | " + " | ".join(LABELS[m] for m in methods) + " |",
        "|---|---:|" + "---|" * len(methods),
    ]
    for name, s in summary.items():
        cells = [
            f"{s[m]['mean_gap_pct']:.2f} / {s[m]['worst_gap_pct']:.2f}; "
            f"{s[m]['within_0.5_pct']} ≤0.5; {fmt_s(s[m]['mean_seconds'])} / "
            f"{fmt_s(s[m]['max_seconds'])}"
            for m in methods
        ]
        lines.append(f"| {name} | {s['instances']} | " + " | ".join(cells) + " |")
    alns = [m for m in methods if m in ("auto", "quality", "hybrid", "hybrid-quality")]
    if alns:
        lines += [
            "",
            "## What each part of the ALNS buys",
            "",
            "Mean gap (%) of the start (`LocalSearch(kicks=0)`: savings or seed, then "
            "moves, swaps and re-splits), after the search, after the selection over the "
            "pool and after the last descent (the result); instances where the selection "
            "and the descent improved, and where the selection proved that no partition of "
            "the pool is better (a proof about the pool, not about the instance):",
            "",
            "| instances | method | start | search | selection | descent "
            "| selection improved | descent improved | pool proven optimal |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, s in summary.items():
            for m in alns:
                x, n = s[m], s["instances"]
                lines.append(
                    f"| {name} | {m} | {x['mean_start_gap_pct']:.2f} | "
                    f"{x['mean_search_gap_pct']:.2f} | {x['mean_selection_gap_pct']:.2f} | "
                    f"{x['mean_gap_pct']:.2f} | {x['selection_improved']} / {n} | "
                    f"{x['polish_improved']} / {n} | {x['pool_optimal']} / {n} |"
                )
        lines += [
            "",
            "## Time to reach each gap",
            "",
            "Seconds from the start of `run` until the best total is within the gap "
            "(mean over the instances that reach it; reached / instances):",
            "",
            "| instances | method | " + " | ".join(f"≤ {t:g} %" for t in THRESHOLDS) + " |",
            "|---|---|" + "---:|" * len(THRESHOLDS),
        ]
        for name, s in summary.items():
            for m in alns:
                cells = []
                for t in THRESHOLDS:
                    q = s[m]["time_to_pct"][str(t)]
                    secs = fmt_s(q["mean_seconds"]) if q["mean_seconds"] is not None else "-"
                    cells.append(f"{secs} ({q['reached']}/{q['of']})")
                lines.append(f"| {name} | {m} | " + " | ".join(cells) + " |")
    cg = [m for m in methods if m in ("columns", "columns-quality")]
    if cg:
        lines += [
            "",
            "## What each part of the column generation buys",
            "",
            "Mean gap (%) of the start (`LocalSearch(kicks=0)`), of the relaxation over the "
            "final root pool (heuristic pricing: a bound on the pool, not on the instance; "
            "negative when below the reference), after the dive, after the CP-SAT partition "
            "and after the last descent (the result); instances where the descent improved "
            "and where the partition was proven optimal over the whole pool:",
            "",
            "| instances | method | start | relaxation | dive | partition | descent "
            "| descent improved | pool proven optimal |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, s in summary.items():
            for m in cg:
                x, n = s[m], s["instances"]
                lines.append(
                    f"| {name} | {m} | {x['mean_start_total_gap_pct']:.2f} | "
                    f"{x['mean_relaxation_gap_pct']:.2f} | {x['mean_dive_total_gap_pct']:.2f} | "
                    f"{x['mean_selected_total_gap_pct']:.2f} | {x['mean_gap_pct']:.2f} | "
                    f"{x['polish_improved']} / {n} | {x['pool_optimal']} / {n} |"
                )
    lines += [
        "",
        "## Per instance",
        "",
        "Total distance of each method, its gap (%) to the reference and seconds; "
        "*ref*: the best known value (\\* proven optimal) or, without one, the best found "
        "here.",
        "",
        "| set | instance | n | cap | ref | " + " | ".join(methods) + " |",
        "|---|---|---:|---:|---:|" + "---|" * len(methods),
    ]
    for row in r["instances"]:
        ref = f"{row['reference_value']:,.0f}" + ("\\*" if row["proven_optimal"] else "")
        if row["reference"] != "best known":
            ref += " (here)"
        cells = [
            f"{row[m]['distance']:,.0f} ({row[m]['gap_pct']:+.2f}; {row[m]['seconds']:.2f} s)"
            for m in methods
        ]
        lines.append(f"| {row['group']} | {row['instance']} | {row['orders']} | "
                     f"{row['capacity']} | {ref} | " + " | ".join(cells) + " |")  # fmt: skip
    if r["unreadable"]:
        lines += ["", "Not read (the reader's reason):", ""]
        lines += [f"- `{name}`: {why}" for name, why in r["unreadable"]]
    lines += [
        "",
        f"Python {env['python']}, numpy {env['numpy']}, scipy {env['scipy']}, numba "
        f"{env['numba']}, ortools {env['ortools']}; {env['machine']}, {env['cpus']} CPUs.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run, print the table, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(POLICIES + HI_SETS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--shared", type=Path, default=SHARED, help="the benchmarks folder")
    parser.add_argument("--out", default="batching_henn", help="results file name, no suffix")
    parser.add_argument("--instances", default="",
                        help="keep instances whose set/name contains one of these "
                        "comma-separated parts (e.g. 71s,ran1/32s)")  # fmt: skip
    args = parser.parse_args()
    sets, methods = args.sets.split(","), args.methods.split(",")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SystemExit(f"unknown methods {unknown}; known: {', '.join(METHODS)}")
    shared = args.shared.resolve()
    if not (shared / "obp" / "W5A_Henn").is_dir():
        print(f"skipped: the shared benchmark instances are not at {shared} (pass --shared)")
        return
    warm_up()
    todo = henn_instances(shared, [s for s in sets if s in POLICIES])
    unreadable: list[tuple[str, str]] = []
    if any(s in HI_SETS for s in sets):
        hi, unreadable = hessler_irnich_instances(shared)
        todo += [i for i in hi if i.group in sets]
    if args.instances:
        wanted = args.instances.split(",")
        todo = [i for i in todo if any(w in f"{i.group}/{i.name}" for w in wanted)]
    rows = [run_instance(inst, methods) for inst in todo]
    figures = {
        "sets": sets,
        "methods": methods,
        "quality_iterations": QUALITY_ITERATIONS,
        "instances": rows,
        "unreadable": unreadable,
        "summary": summarise(rows, methods),
        "environment": environment("ortools"),
    }
    text = report(figures)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.out}.md").write_text(text, encoding="utf-8")
    (OUT / f"{args.out}.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

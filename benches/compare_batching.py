"""Compare the batching methods on every public Henn & Wäscher instance.

The 64 W5A instances of the OBP collection (``abc1``, ``abc2``, ``ran1``,
``ran2``: 40-100 orders, capacity 30-75 articles, ABC or random storage) are
read with :func:`optimizer.io.read_henn`. Per instance one
:class:`BatchingProblem` is built with :func:`optimizer.batching.prepare`
and every method is scored on it with ``problem.total``, i.e. with the same
exact routing DP:

- one order per tour (no batching),
- ``fcfs`` (next fit in arrival order),
- ``seed`` (``SeedBatching()``: the best of its 3 x 2 seed/add rules),
- ``savings`` (Clarke & Wright, variant ii),
- ``auto`` (``LocalSearch()`` with its default budget: what ``batch_orders``
  runs),
- ``ls-300`` (``LocalSearch(kicks=300, patience=300)``: a longer search, to
  show the quality/time trade-off).

Each method runs on a copy of the problem with a fresh, empty route cache
(``TourCost`` memoises tours by node set), so its runtime and its number of
route evaluations do not depend on which methods ran before it. Kernels are
compiled and warmed on a generated instance before any timing. Prints a
Markdown table and writes ``benches/results/batching_henn.md`` and
``benches/results/batching_henn.json``.

Goals (the batching issue): ``auto`` on average >= 50 % below one order per
tour and >= 15 % below FCFS.

Run: ``python benches/compare_batching.py [W5A_Henn folder]``. Without the
public benchmark data (``../shared/benchmarks/obp/W5A_Henn``) it says so and
exits without writing anything.
"""

from __future__ import annotations

import dataclasses
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import environment, fmt_s  # benches/ is on sys.path when run as a script

from optimizer.batching import BatchingProblem, TourCost, batches_of, prepare
from optimizer.batching.fcfs import FCFS
from optimizer.batching.local_search import LocalSearch
from optimizer.batching.savings import Savings
from optimizer.batching.seed import SeedBatching
from optimizer.distance import DistanceOracle
from optimizer.io import read_henn
from optimizer.synthetic import henn_instance

ROOT = Path(__file__).resolve().parent.parent
HENN = ROOT.parent / "shared" / "benchmarks" / "obp" / "W5A_Henn"
OUT = ROOT / "benches" / "results"
POLICIES = ("abc1", "abc2", "ran1", "ran2")
ORDER_FILE = re.compile(r"(\d+)[sl]-(\d+)-(\d+)-(\d+)")
GOAL_VS_SINGLE, GOAL_VS_FCFS = 50.0, 15.0

#: Method name -> a fresh batcher; every method runs ``run(problem)``.
METHODS: dict[str, Callable[[], Any]] = {
    "fcfs": FCFS,
    "seed": SeedBatching,
    "savings": Savings,
    "auto": LocalSearch,
    "ls-300": lambda: LocalSearch(kicks=300, patience=300),
}
LABELS = {
    "single": "one order per tour",
    "fcfs": "FCFS",
    "seed": "seed (best of 6 rules)",
    "savings": "savings (C&W ii)",
    "auto": "**auto** (`LocalSearch()`)",
    "ls-300": "`LocalSearch(kicks=300, patience=300)`",
}


def instances(folder: Path) -> list[tuple[str, Path, Path, int, int]]:
    """``(policy, order file, setting file, orders, capacity)`` of every instance."""
    out = []
    for policy in POLICIES:
        for path in (folder / policy).glob("*.txt"):
            m = ORDER_FILE.fullmatch(path.stem)
            if m is None:
                continue
            setting = path.parent / f"sett{m[1]}.txt"
            out.append((policy, path, setting, int(m[2]), int(m[3])))
    return sorted(out, key=lambda r: (r[0], r[3], r[4], r[1].name))


def fresh(problem: BatchingProblem) -> BatchingProblem:
    """The same problem with an empty route cache and evaluation counter."""
    c = problem.cost
    cost = TourCost(c.layout, c.oracle, c.start, c.end, c.method)
    return dataclasses.replace(problem, cost=cost)


def solve(problem: BatchingProblem, method: str) -> dict[str, Any]:
    """Run ``method`` on a fresh copy of ``problem``; score on ``problem`` itself."""
    work = fresh(problem)
    batcher = METHODS[method]()
    t0 = time.perf_counter()
    groups = batcher.run(work)
    seconds = time.perf_counter() - t0
    batches_of(problem, groups)  # every order exactly once, every batch fits the cart
    return {
        "distance": problem.total(groups),
        "batches": len(groups),
        "seconds": seconds,
        "evaluations": work.cost.evaluations,
    }


def warm_up() -> None:
    """Compile (or load) every kernel the methods use, outside the timings."""
    layout, slotting, orders, cart = henn_instance(30, 45, "abc", seed=0)
    DistanceOracle.for_layout(layout).warm_up()
    problem, _ = prepare(layout, slotting, orders, cart)
    for method in METHODS:
        solve(problem, method)


def run(folder: Path) -> dict[str, Any]:
    """Measure every method on every instance; return the raw figures."""
    warm_up()
    rows = []
    for policy, order_file, setting_file, n_orders, capacity in instances(folder):
        layout, slotting, orders, cart = read_henn(order_file, setting_file)
        problem, unassigned = prepare(layout, slotting, orders, cart)
        if unassigned or problem.cost.method != "exact":
            raise SystemExit(
                f"{order_file}: {len(unassigned)} unassigned orders, scoring "
                f"{problem.cost.method!r} (expected none and 'exact')"
            )
        row: dict[str, Any] = {
            "policy": policy,
            "instance": order_file.stem,
            "orders": n_orders,
            "capacity": capacity,
            "items": int(problem.loads[:, 0].sum()),
            "single": {
                "distance": problem.total([[i] for i in range(problem.size)]),
                "batches": problem.size,
            },
        }
        for method in METHODS:
            row[method] = solve(problem, method)
        for method in ("single", *METHODS):
            d = row[method]["distance"]
            row[method]["below_single_pct"] = 100 * (1 - d / row["single"]["distance"])
            row[method]["below_fcfs_pct"] = 100 * (1 - d / row["fcfs"]["distance"])
        rows.append(row)
        print(
            f"{policy}/{order_file.name}: "
            + ", ".join(f"{m} {row[m]['distance']:,.0f} m" for m in ("single", *METHODS)),
            file=sys.stderr,
            flush=True,
        )
    return {
        "folder": str(folder),
        "instances": rows,
        "summary": summarise(rows),
        "environment": environment(),
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean figures by folder, by storage policy and overall."""
    groups = {p: [r for r in rows if r["policy"] == p] for p in POLICIES}
    groups["abc"] = groups["abc1"] + groups["abc2"]
    groups["ran"] = groups["ran1"] + groups["ran2"]
    groups["all"] = rows
    out: dict[str, Any] = {}
    for name, members in groups.items():
        if not members:
            continue
        out[name] = {"instances": len(members)}
        for m in ("single", *METHODS):
            figures = [r[m] for r in members]
            out[name][m] = {
                "below_single_pct": statistics.fmean(f["below_single_pct"] for f in figures),
                "below_fcfs_pct": statistics.fmean(f["below_fcfs_pct"] for f in figures),
                "distance": sum(f["distance"] for f in figures),
            }
            if m != "single":
                out[name][m] |= {
                    "mean_seconds": statistics.fmean(f["seconds"] for f in figures),
                    "max_seconds": max(f["seconds"] for f in figures),
                    "evaluations": sum(f["evaluations"] for f in figures),
                    "seconds": sum(f["seconds"] for f in figures),
                }
    # Where each method is best (ties shared) among the non-baseline methods.
    for name, members in groups.items():
        if name not in out:
            continue
        wins = dict.fromkeys(("seed", "savings", "auto", "ls-300"), 0)
        for r in members:
            best = min(r[m]["distance"] for m in wins)
            for m in wins:
                wins[m] += r[m]["distance"] <= best + 1e-6
        out[name]["best_count"] = wins
        out[name]["auto_worse_than_seed"] = sum(
            r["auto"]["distance"] > r["seed"]["distance"] + 1e-6 for r in members
        )
    return out


def report(r: dict[str, Any]) -> str:
    """The Markdown report of ``run()``'s figures."""
    rows, summary = r["instances"], r["summary"]
    overall = summary["all"]["auto"]
    ok = {
        "single": overall["below_single_pct"] >= GOAL_VS_SINGLE,
        "fcfs": overall["below_fcfs_pct"] >= GOAL_VS_FCFS,
    }
    mark = {True: "met", False: "**missed**"}
    methods = list(METHODS)
    env = r["environment"]
    lines = [
        "# Order batching on the Henn & Wäscher instances (W5A, OBP collection)",
        "",
        f"{len(rows)} instances ({', '.join(POLICIES)}: 40-100 orders, capacity 30-75 "
        "articles). Every batching is scored with the same exact routing DP on one "
        "`BatchingProblem` per instance (`prepare` + `problem.total`); each method runs on a "
        "copy with an empty route cache, kernels warmed first. `auto` is `LocalSearch()` "
        '(what `batch_orders(method="auto")` runs); `ls-300` is '
        "`LocalSearch(kicks=300, patience=300)`. Percentages are means over instances of "
        "`100 * (1 - method / baseline)`.",
        "",
        "## Goals",
        "",
        "| goal | auto, mean over all instances | |",
        "|---|---:|---|",
        f"| >= {GOAL_VS_SINGLE:g} % below one order per tour | "
        f"{overall['below_single_pct']:.1f} % | {mark[ok['single']]} |",
        f"| >= {GOAL_VS_FCFS:g} % below FCFS | {overall['below_fcfs_pct']:.1f} % "
        f"| {mark[ok['fcfs']]} |",
        "",
        "## Averages",
        "",
        "% below one order per tour / % below FCFS:",
        "",
        "| instances | n | " + " | ".join(LABELS[m] for m in ("single", *methods)) + " |",
        "|---|---:|" + "---:|" * (len(methods) + 1),
    ]
    for name, s in summary.items():
        cells = [
            f"{s[m]['below_single_pct']:.1f} / {s[m]['below_fcfs_pct']:.1f}"
            for m in ("single", *methods)
        ]
        label = f"**{name}**" if name in ("abc", "ran", "all") else name
        lines.append(f"| {label} | {s['instances']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Runtime per instance, mean / max, and route evaluations per second (cache misses "
        "over all instances / total time):",
        "",
        "| instances | " + " | ".join(methods) + " |",
        "|---|" + "---:|" * len(methods),
    ]
    for name, s in summary.items():
        cells = []
        for m in methods:
            rate = s[m]["evaluations"] / s[m]["seconds"] if s[m]["seconds"] > 0 else 0.0
            rate_txt = f"; {rate:,.0f} ev/s" if m != "fcfs" else ""
            cells.append(f"{fmt_s(s[m]['mean_seconds'])} / {fmt_s(s[m]['max_seconds'])}{rate_txt}")
        label = f"**{name}**" if name in ("abc", "ran", "all") else name
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Best of seed / savings / auto / ls-300 (instances where each method has the "
        "shortest total, ties counted for each), and instances where `auto` is worse "
        "than `seed`:",
        "",
        "| instances | seed | savings | auto | ls-300 | auto > seed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, s in summary.items():
        w = s["best_count"]
        lines.append(
            f"| {name} | {w['seed']} | {w['savings']} | {w['auto']} | {w['ls-300']} "
            f"| {s['auto_worse_than_seed']} |"
        )
    lines += [
        "",
        "## Per instance",
        "",
        "Total distance (m); the last columns are `auto`'s % below one order per tour and "
        "below FCFS, and the runtimes (s) of seed / savings / auto / ls-300.",
        "",
        "| set | instance | n | cap | one/tour | FCFS | seed | savings | auto | ls-300 "
        "| auto vs one/tour | auto vs FCFS | seconds |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        best = min(row[m]["distance"] for m in methods)
        dist = []
        for m in ("single", *methods):
            d = f"{row[m]['distance']:,.0f}"
            dist.append(f"**{d}**" if m != "single" and row[m]["distance"] <= best + 1e-6 else d)
        secs = " / ".join(f"{row[m]['seconds']:.2f}" for m in methods if m != "fcfs")
        auto = row["auto"]
        lines.append(
            f"| {row['policy']} | {row['instance']} | {row['orders']} | {row['capacity']} | "
            + " | ".join(dist)
            + f" | {auto['below_single_pct']:.1f} % | {auto['below_fcfs_pct']:.1f} % | {secs} |"
        )
    lines += [
        "",
        "Bold: the shortest total of the instance. FCFS takes the orders in file order.",
        "",
        f"Python {env['python']}, numpy {env['numpy']}, scipy {env['scipy']}, numba "
        f"{env['numba']}; {env['machine']}, {env['cpus']} CPUs.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run, print the table, write the results."""
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else HENN
    if not all((folder / p).is_dir() for p in POLICIES):
        print(
            f"skipped: the Henn & Wäscher instances are not at {folder} (expected the "
            f"folders {', '.join(POLICIES)}; pass the W5A_Henn folder as the argument)"
        )
        return
    figures = run(folder)
    text = report(figures)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "batching_henn.md").write_text(text, encoding="utf-8")
    (OUT / "batching_henn.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Where the compiled savings pays: the Python loop against the compiled loops.

Fixed work: seeded waves of ``large_wave(layout, n, seed)`` (skewed demand,
fast movers nearest the depot) on ``layouts/single_block.toml`` and
``layouts/two_block.toml``, n = 40, 100, 200 and 500 orders, seeds 0-4,
45 items a cart, the default wave's tour penalty and none. Each wave is
batched by :func:`~optimizer.batching.savings.python_savings` and by
:func:`~optimizer.batching.savings.compiled_savings` (building its arrays
included), alternating, each on a fresh tour memo; CPU time
(``time.process_time``) per call and the batching's objective
(``BatchingProblem.total``: walking plus the tour penalty). Kernels are
compiled before the first timing. Where the shared benchmark folder is
there (as for ``compare_batching.py``), the same on the 64 Henn & Wäscher
W5A instances (40-100 orders), summed per order count.

Run: ``python benches/savings_paths.py [--shared ../shared/benchmarks]`` (a
minute or two on 2 CPUs; writes ``benches/results/savings_paths.md`` and
``.json``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from _common import environment  # benches/ is on sys.path when run as a script
from compare_batching import SHARED, henn_instances

from optimizer.batching import Cart, TourCost, prepare
from optimizer.batching.problem import DEFAULT_TOUR_PENALTY, BatchingProblem
from optimizer.batching.savings import CompiledWave, compiled_savings, groups_of, python_savings
from optimizer.layout import Layout
from optimizer.synthetic import large_wave

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benches" / "results"
LAYOUTS = ("single_block", "two_block")
SIZES = (40, 100, 200, 500)
SEEDS = range(5)
PENALTIES = (DEFAULT_TOUR_PENALTY, 0.0)


def fresh(problem: BatchingProblem) -> BatchingProblem:
    """The problem with an empty tour memo, so no run reuses another's tours."""
    c = problem.cost
    return dataclasses.replace(problem, cost=TourCost(c.layout, c.oracle, c.start, c.end))


def python_run(problem: BatchingProblem) -> tuple[float, float]:
    """CPU seconds and objective of the Python loop."""
    t0 = time.process_time()
    groups = python_savings(problem)
    return time.process_time() - t0, problem.total(groups)


def compiled_run(problem: BatchingProblem) -> tuple[float, float]:
    """CPU seconds and objective of the compiled savings (its arrays included)."""
    t0 = time.process_time()
    wave = CompiledWave.of(problem)
    assert wave is not None, "the exact DP scores these layouts"
    batch_of, _ = compiled_savings(problem, wave)
    seconds = time.process_time() - t0
    return seconds, problem.total(groups_of(batch_of))


def both(problem: BatchingProblem, python_first: bool) -> dict[str, float]:
    """Both paths on fresh copies of ``problem``, in the order given."""
    out: dict[str, float] = {}
    for run in (python_run, compiled_run) if python_first else (compiled_run, python_run):
        name = "python" if run is python_run else "compiled"
        out[f"{name}_s"], out[f"{name}_total_m"] = run(fresh(problem))
    return out


def henn_rows(shared: Path) -> list[dict[str, Any]]:
    """Sums per order count over the W5A instances; none without the folder."""
    sums: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for k, inst in enumerate(henn_instances(shared, ["abc1", "ran1", "abc2", "ran2"])):
        layout, slotting, orders, cart = inst.read()
        problem, _ = prepare(layout, slotting, orders, cart)
        r = both(problem, k % 2 == 1)
        row = sums[problem.size]
        for key, value in r.items():
            row[key] += value
        row["instances"] += 1
        row["compiled_better"] += r["compiled_total_m"] < r["python_total_m"] - 1e-6
        row["compiled_worse"] += r["compiled_total_m"] > r["python_total_m"] + 1e-6
    return [{"orders": n, **sums[n]} for n in sorted(sums)]


def ratio_cells(r: dict[str, Any]) -> str:
    """Table cells: CPU seconds of both paths and their ratio, totals and theirs."""
    speed_up = r["python_s"] / r["compiled_s"]
    return (f"{r['python_s']:.3f} | {r['compiled_s']:.3f} | {speed_up:.1f} x "
            f"| {r['python_total_m']:,.1f} | {r['compiled_total_m']:,.1f} "
            f"| {r['compiled_total_m'] / r['python_total_m']:.4f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    layouts = {name: Layout.from_file(ROOT / "layouts" / f"{name}.toml") for name in LAYOUTS}
    warm, _ = prepare(layouts["single_block"], *large_wave(layouts["single_block"], 60, 9),
                      Cart(max_items=45))  # fmt: skip
    compiled_run(fresh(warm))
    load = os.getloadavg()
    for name, layout in layouts.items():
        for penalty in PENALTIES:
            for n in SIZES:
                row: dict[str, Any] = defaultdict(float)
                for seed in SEEDS:
                    slotting, orders = large_wave(layout, n, seed)
                    problem, _ = prepare(layout, slotting, orders, Cart(max_items=45),
                                         tour_penalty=penalty)  # fmt: skip
                    for key, value in both(problem, seed % 2 == 1).items():
                        row[key] += value
                rows.append({"layout": name, "penalty_m": penalty, "orders": n, **row})
                print(rows[-1], flush=True)
    henn = henn_rows(args.shared) if args.shared.is_dir() else []
    result = {"environment": environment(), "load_before": load, "load_after": os.getloadavg(),
              "seeds": list(SEEDS), "rows": rows, "henn_w5a": henn}  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "savings_paths.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Savings: the Python loop against the compiled loops",
        "",
        f"`python benches/savings_paths.py`; load average {load[0]:.1f} before, "
        f"{result['load_after'][0]:.1f} after (2 CPUs shared). Sums over seeds 0-4 of "
        "`large_wave(layout, n, seed)`, 45 items a cart; CPU seconds per path, and "
        "the objective (walking plus the tour penalty), compiled against Python.",
        "",
        "| layout | penalty m | orders | Python CPU s | compiled CPU s | speed-up "
        "| Python total m | compiled total m | compiled / Python |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['layout']} | {r['penalty_m']:.0f} | {r['orders']} | {ratio_cells(r)}")
    if henn:
        lines += [
            "",
            "Henn & Wäscher W5A (`abc1`, `ran1`, `abc2`, `ran2`), the instances' own carts, "
            "no tour penalty; sums per order count:",
            "",
            "| orders | instances | Python CPU s | compiled CPU s | speed-up | Python total m "
            "| compiled total m | compiled / Python | compiled shorter | compiled longer |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in henn:
            lines.append(f"| {r['orders']} | {r['instances']:.0f} | {ratio_cells(r)} "
                         f"{r['compiled_better']:.0f} | {r['compiled_worse']:.0f} |")  # fmt: skip
    (OUT / "savings_paths.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

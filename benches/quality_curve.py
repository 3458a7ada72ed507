"""The quality setting's gap against its budget: what more searches and rounds buy.

``Hybrid.quality()`` (``"hybrid-quality"``) runs ``QUALITY_SEARCHES`` ALNS
searches sharing ``QUALITY_ITERATIONS`` rounds, each followed by a selection
over the joint pool. This script runs it with other counts (``searches:rounds``
pairs) on the W5A instances with
published best known values, seed 0, and prints per setting the mean and
worst gap and the CPU seconds a run (``time.process_time``: gaps are
deterministic, CPU is not), to show how far a larger budget carries the
method towards the issue's 0.1 %.

Run: ``python benches/quality_curve.py --configs 2:60000,3:180000,6:360000``
(``--big``: only the instances of at least 60 orders and 45-item carts;
writes ``benches/results/<out>.md``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from compare_batching import SHARED, fresh, henn_instances, warm_up

from optimizer.batching import prepare
from optimizer.batching.hybrid import Hybrid

RESULTS = Path(__file__).parent / "results"


def _is_big(name: str) -> bool:
    """At least 60 orders and carts of at least 45 items (``<k>s-<orders>-<cap>-0``)."""
    _, orders, cap, _ = name.split("-")
    return int(orders) >= 60 and int(cap) >= 45


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="2:60000,3:180000,6:360000")
    parser.add_argument("--sets", default="abc1,ran1")
    parser.add_argument("--big", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", type=Path, default=SHARED, help="the benchmarks folder")
    parser.add_argument("--out", default="batching_quality_curve")
    args = parser.parse_args()
    instances = [
        i
        for i in henn_instances(args.shared, args.sets.split(","))
        if i.best_known and (not args.big or _is_big(i.name))
    ]
    if not instances:
        raise SystemExit(f"no W5A instances with best known values under {args.shared}")
    warm_up()
    problems = [(i, prepare(*i.read())[0]) for i in instances]
    rows = []
    for config in args.configs.split(","):
        searches, rounds = (int(x) for x in config.split(":"))
        gaps, cpu = [], []
        for inst, problem in problems:
            method = Hybrid.quality()
            method.iterations, method.searches = rounds, searches
            c0 = time.process_time()
            result = method.run(fresh(problem), seed=args.seed)
            cpu.append(time.process_time() - c0)
            gaps.append(100 * (problem.total(result.groups) / inst.best_known - 1))
            print(f"{searches}:{rounds} {inst.group}/{inst.name}: {gaps[-1]:.2f} % "
                  f"{cpu[-1]:.1f} s", flush=True)  # fmt: skip
        rows.append((searches, rounds, statistics.mean(gaps), max(gaps), statistics.mean(cpu),
                     max(cpu)))  # fmt: skip
    lines = [
        "# The quality setting's gap against its budget",
        "",
        f"`python benches/quality_curve.py --configs {args.configs} --sets {args.sets}"
        f"{' --big' if args.big else ''} --seed {args.seed}`",
        "",
        f"{len(problems)} instances with published best known values, seed {args.seed}; CPU "
        "seconds a run (`time.process_time`).",
        "",
        "| searches | ALNS rounds | mean gap | worst | CPU mean | CPU max |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for searches, rounds, mean, worst, cpu_mean, cpu_max in rows:
        lines.append(f"| {searches} | {rounds:,} | {mean:.3f} % | {worst:.2f} % "
                     f"| {cpu_mean:.1f} s | {cpu_max:.1f} s |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    (RESULTS / f"{args.out}.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

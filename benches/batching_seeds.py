"""One batching method over several seeds on the W5A instances: how much of a
difference between two settings is the seed's.

Prints, per set, the mean and worst gap to the published best known values
(``abc1``, ``ran1``) or the total distance (``abc2``, ``ran2``: no published
values), over every instance and seed, and the mean CPU seconds per run; writes
every run to ``benches/results/<out>.json``. Quality is deterministic (work
budgets), so runs on a busy machine give the same distances; CPU times do not.

Run ``python benches/batching_seeds.py --method auto --seeds 0,1,2 --out batching_seeds_auto``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from compare_batching import METHODS, SHARED, fresh, henn_instances, warm_up

from optimizer.batching import batches_of, prepare

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="auto", choices=sorted(METHODS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--sets", default="abc1,ran1,abc2,ran2")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the benchmarks folder")
    parser.add_argument("--out", default="", help="results file name, no suffix")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    sets = args.sets.split(",")
    instances = henn_instances(args.shared, sets)
    if not instances:
        raise SystemExit(f"no W5A instances under {args.shared}")
    warm_up()
    runs = []
    for inst in instances:
        problem, _ = prepare(*inst.read())
        for seed in seeds:
            c0 = time.process_time()
            result = METHODS[args.method].run(fresh(problem), seed=seed)
            cpu = time.process_time() - c0
            batches_of(problem, result.groups)  # every order once, every batch fits
            runs.append({"set": inst.group, "instance": inst.name, "seed": seed,
                         "distance": problem.total(result.groups), "cpu_seconds": cpu,
                         "best_known": inst.best_known})  # fmt: skip
            print(f"{inst.group}/{inst.name} seed {seed}: {runs[-1]['distance']:,.0f}",
                  file=sys.stderr, flush=True)  # fmt: skip
    for name in sets:
        summarise(name, [r for r in runs if r["set"] == name])
    summarise("published", [r for r in runs if r["best_known"]])
    if args.out:
        path = RESULTS / f"{args.out}.json"
        path.write_text(
            json.dumps({"method": args.method, "seeds": seeds, "runs": runs}, indent=1)
        )
        print(f"wrote {path}")


def summarise(name: str, runs: list[dict]) -> None:
    """One line: mean / worst gap and runs within 0.5 % where values are published,
    else the total; mean CPU."""
    if not runs:
        return
    cpu = statistics.mean(r["cpu_seconds"] for r in runs)
    if all(r["best_known"] for r in runs):
        gaps = [100 * (r["distance"] / r["best_known"] - 1) for r in runs]
        within = sum(g <= 0.5 for g in gaps)
        print(f"{name}: mean gap {statistics.mean(gaps):.3f} %, worst {max(gaps):.2f} %, "
              f"{within} / {len(gaps)} runs within 0.5 %; {cpu:.2f} s CPU a run")  # fmt: skip
    else:
        total = sum(r["distance"] for r in runs)
        print(f"{name}: total {total:,.0f} m over {len(runs)} runs; {cpu:.2f} s CPU a run")


if __name__ == "__main__":
    main()

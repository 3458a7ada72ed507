"""The quality setting with its column generation's knobs changed, on W5A:
gap, root relaxation against the best known value, CPU per run.

Run ``python benches/converge_eval.py --seeds 0 --rounds 60 --expand 0.5 --out NAME``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from compare_batching import SHARED, fresh, henn_instances, warm_up

from optimizer.batching import batches_of, columns, hybrid, prepare
from optimizer.batching.hybrid import Hybrid

RESULTS = Path(__file__).parent / "results"


def method(args: argparse.Namespace) -> Hybrid:
    """``Hybrid.quality()`` with the knobs of ``args`` (``None``: the setting's own)."""
    h = Hybrid.quality()
    for name in ("rounds", "expand", "tries", "width"):
        value = getattr(args, name)
        if value is not None:
            setattr(h.columns, name, type(getattr(h.columns, name))(value))
    if args.iterations is not None:
        h.iterations = args.iterations
    if args.redive_dives is not None:
        hybrid.REDIVE_DIVES = args.redive_dives
    if args.redive_rounds is not None:
        hybrid.REDIVE_ROUNDS = args.redive_rounds
    if args.new_per_order is not None:
        columns.NEW_PER_ORDER = args.new_per_order
    return h


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--sets", default="abc1,ran1")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--expand", type=float)
    parser.add_argument("--tries", type=int)
    parser.add_argument("--width", type=int)
    parser.add_argument("--iterations", type=int)
    parser.add_argument("--redive-dives", type=int)
    parser.add_argument("--redive-rounds", type=int)
    parser.add_argument("--new-per-order", type=int)
    parser.add_argument("--shared", type=Path, default=SHARED, help="the benchmarks folder")
    parser.add_argument("--only", default="", help="instance names (set/name), comma-separated")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    h = method(args)
    seeds = [int(s) for s in args.seeds.split(",")]
    sets = args.sets.split(",")
    warm_up()
    runs = []
    only = set(args.only.split(",")) - {""}
    for inst in henn_instances(args.shared, sets):
        if only and f"{inst.group}/{inst.name}" not in only:
            continue
        problem, _ = prepare(*inst.read())
        for seed in seeds:
            c0 = time.process_time()
            result = h.run(fresh(problem), seed=seed)
            cpu = time.process_time() - c0
            batches_of(problem, result.groups)
            d = result.detail
            runs.append({"set": inst.group, "instance": inst.name, "seed": seed,
                         "distance": problem.total(result.groups), "cpu_seconds": cpu,
                         "best_known": inst.best_known,
                         "root": d.get("columns_relaxation"),
                         "root_rounds": d.get("columns_root_rounds"),
                         "converged": d.get("columns_root_converged"),
                         "pricing": d.get("columns_pricing"),
                         "evaluations": d.get("columns_pricing_evaluations")})  # fmt: skip
            r = runs[-1]
            root = (100 * (r["root"] / r["best_known"] - 1)) if r["best_known"] else float("nan")
            print(f"{inst.group}/{inst.name} s{seed}: {r['distance']:,.0f} cpu {cpu:.2f} "
                  f"root {root:+.3f} rounds {r['root_rounds']} dry {r['converged']}",
                  file=sys.stderr, flush=True)  # fmt: skip
    for name in [*sets, "published"]:
        rs = [r for r in runs if r["set"] == name or (name == "published" and r["best_known"])]
        if not rs:
            continue
        cpu = [r["cpu_seconds"] for r in rs]
        line = f"{name}: CPU mean {statistics.mean(cpu):.2f} s, max {max(cpu):.2f} s"
        if all(r["best_known"] for r in rs):
            gaps = [100 * (r["distance"] / r["best_known"] - 1) for r in rs]
            priced = [r for r in rs if r["pricing"] == "compiled"]
            roots = [100 * (r["root"] / r["best_known"] - 1) for r in priced]
            line += (f"; gap mean {statistics.mean(gaps):.3f} %, worst {max(gaps):.2f} %, "
                     f"{sum(g <= 0.5 for g in gaps)}/{len(gaps)} <= 0.5 %; root vs BKV over "
                     f"{len(priced)} priced: mean {statistics.mean(roots):+.3f} %, max "
                     f"{max(roots):+.3f} %, above {sum(x > 0 for x in roots)}, dry "
                     f"{sum(bool(r['converged']) for r in priced)}")  # fmt: skip
        else:
            line += f"; total {sum(r['distance'] for r in rs):,.0f} m over {len(rs)} runs"
        print(line)
    if args.out:
        path = RESULTS / f"{args.out}.json"
        path.write_text(
            json.dumps(
                {"args": {k: str(v) for k, v in vars(args).items()}, "runs": runs}, indent=1
            )
        )
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

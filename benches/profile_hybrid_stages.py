"""Where the quality setting's CPU goes: ``hybrid-quality`` stage by stage.

Per instance (seed given), the CPU seconds (``time.process_time``) of each
stage of :meth:`Hybrid.run <optimizer.batching.hybrid.Hybrid.run>` and the
gap to the best known value after it: the column generation (split into its
root pricing rounds, its dive, its selection and the rest), each search, each
selection, the dive over the joint pool, the polish. The stages are timed by
wrapping the functions the method calls, so the batches are the method's own.
Also prints the root relaxation after each root pricing round (its value and
CPU), and where each search found its last improvement.

Run ``python benches/profile_hybrid_stages.py --big --shared ../shared/benchmarks``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from compare_batching import METHODS, SHARED, fresh, henn_instances, warm_up

import optimizer.batching.columns as columns
import optimizer.batching.hybrid as hybrid
from optimizer.batching import prepare

RESULTS = Path(__file__).parent / "results"
BIG = ("63s-80-60-0", "64s-80-75-0", "70s-100-45-0", "71s-100-60-0", "72s-100-75-0")


class Probe:
    """CPU per stage and totals after each, for one run."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.after: list[tuple[str, float]] = []
        self.root: list[tuple[float, float, int]] = []  # cpu, relaxation, active columns
        self.in_root = False
        self.t0 = 0.0
        self.phase = "cg"
        self.searches: list[dict[str, Any]] = []

    def timed(self, stage: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            c0 = time.process_time()
            out = fn(*args, **kwargs)
            self.cpu[stage] += time.process_time() - c0
            return out

        return wrapper


def install(probe: Probe, problem_total: Any) -> list[tuple[Any, str, Any]]:
    """Wrap the stages; returns what to restore."""
    saved: list[tuple[Any, str, Any]] = []

    def patch(obj: Any, name: str, new: Any) -> None:
        saved.append((obj, name, getattr(obj, name)))
        setattr(obj, name, new)

    orig_solve = columns.ColumnGeneration.solve

    def solve(self: Any, problem: Any, **kw: Any) -> Any:
        probe.phase = "cg"
        c0 = time.process_time()
        out = orig_solve(self, problem, **kw)
        probe.cpu["columns"] += time.process_time() - c0
        probe.after.append(("columns", problem.total(out[0].groups)))
        return out

    patch(columns.ColumnGeneration, "solve", solve)
    orig_rounds = columns._Generation.rounds
    orig_dive = columns._dive
    orig_gen = columns.generate

    def generate(problem: Any, **kw: Any) -> Any:
        probe.in_root = True
        return orig_gen(problem, **kw)

    patch(columns, "generate", generate)

    def rounds(self: Any, active: Any, open_: Any, center: Any, n: int, *a: Any) -> Any:
        c0 = time.process_time()
        out = orig_rounds(self, active, open_, center, n, *a)
        dt = time.process_time() - c0
        if probe.in_root:
            probe.cpu["cg_root_rounds"] += dt
        else:
            probe.cpu[f"{probe.phase}_rounds"] += dt
        return out

    patch(columns._Generation, "rounds", rounds)
    orig_relax = columns._Generation.relax

    def relax(self: Any, active: Any, open_: Any, *a: Any, **kw: Any) -> Any:
        lp = orig_relax(self, active, open_, *a, **kw)
        if probe.in_root:  # one a pricing round: CPU so far, relaxation, columns
            probe.root.append((time.process_time(), lp.value, len(active)))
        return lp

    patch(columns._Generation, "relax", relax)

    def dive(*args: Any, **kw: Any) -> Any:
        probe.in_root = False
        c0 = time.process_time()
        out = orig_dive(*args, **kw)
        probe.cpu[f"{probe.phase}_dive"] += time.process_time() - c0
        return out

    patch(columns, "_dive", dive)
    patch(columns, "select", probe.timed("cg_select", columns.select))
    orig_search = hybrid.run_search

    def run_search(problem: Any, wave: Any, start: Any, iterations: int, **kw: Any) -> Any:
        c0 = time.process_time()
        found = orig_search(problem, wave, start, iterations, **kw)
        dt = time.process_time() - c0
        k = len(probe.searches) + 1
        probe.cpu[f"search{k}"] += dt
        last = max((i for i, _t, d in found.trace if d <= found.trace[-1][2] + 1e-9), default=0)
        probe.searches.append({"iterations": found.iterations, "last_improvement": last,
                               "cpu": dt})  # fmt: skip
        probe.after.append((f"search{k}", problem.total(found.groups)))
        return found

    patch(hybrid, "run_search", run_search)
    orig_select = hybrid.select_reduced

    def select_reduced(problem: Any, *args: Any, **kw: Any) -> Any:
        k = len(probe.searches)
        c0 = time.process_time()
        out = orig_select(problem, *args, **kw)
        probe.cpu[f"select{k}"] += time.process_time() - c0
        probe.after.append((f"select{k}", problem.total(out[0])))
        return out

    patch(hybrid, "select_reduced", select_reduced)
    patch(hybrid, "select", probe.timed("cpsat", hybrid.select))
    orig_redive = hybrid.Hybrid._redive

    def redive(self: Any, problem: Any, *args: Any) -> Any:
        probe.in_root, probe.phase = False, "redive"
        c0 = time.process_time()
        out = orig_redive(self, problem, *args)
        probe.cpu["redive"] += time.process_time() - c0
        probe.after.append(("redive", problem.total(out)))
        return out

    patch(hybrid.Hybrid, "_redive", redive)
    orig_polish = hybrid.polish

    def polish(problem: Any, groups: Any, end: float) -> Any:
        c0 = time.process_time()
        out = orig_polish(problem, groups, end)
        probe.cpu["polish"] += time.process_time() - c0
        probe.after.append(("polish", problem.total(out[0])))
        return out

    patch(hybrid, "polish", polish)
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="hybrid-quality", choices=sorted(METHODS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sets", default="abc1,ran1")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the benchmarks folder")
    parser.add_argument("--big", action="store_true", help="only the five largest-cart shapes")
    parser.add_argument("--only", default="", help="set/name,... of the instances to run")
    parser.add_argument("--out", default="", help="results file name, no suffix")
    args = parser.parse_args()
    instances = [
        i for i in henn_instances(args.shared, args.sets.split(","))
        if (not args.big or i.name in BIG)
        and (not args.only or f"{i.group}/{i.name}" in args.only.split(","))
    ]  # fmt: skip
    warm_up()
    rows = []
    for inst in instances:
        problem, _ = prepare(*inst.read())
        probe = Probe()
        saved = install(probe, problem.total)
        c0 = time.process_time()
        probe.t0 = c0
        result = METHODS[args.method].run(fresh(problem), seed=args.seed)
        cpu = time.process_time() - c0
        for obj, name, old in reversed(saved):
            setattr(obj, name, old)
        best = inst.best_known or problem.total(result.groups)
        gaps = [(s, round(100 * (d / best - 1), 3)) for s, d in probe.after]
        row = {"instance": f"{inst.group}/{inst.name}", "cpu": round(cpu, 2),
               "stages": {k: round(v, 2) for k, v in probe.cpu.items()}, "gaps": gaps,
               "root": [(round(c - c0, 3), round(v, 1), d) for c, v, d in probe.root],
               "searches": probe.searches, "final": gaps[-1][1]}  # fmt: skip
        rows.append(row)
        print(json.dumps(row), flush=True)
    table(rows)
    if args.out:
        (RESULTS / f"{args.out}.json").write_text(json.dumps(rows, indent=1))


STAGES = ("columns", "cg_root_rounds", "cg_dive", "cg_select", "search1", "select1", "redive",
          "search2", "select2", "search3", "select3", "polish", "cpsat")  # fmt: skip


def table(rows: list[dict[str, Any]]) -> None:
    """Markdown: CPU seconds per stage, (gap % after it) where it ends one."""
    used = [s for s in STAGES if any(s in r["stages"] for r in rows)]
    print("| instance | CPU | " + " | ".join(used) + " |")
    print("|---" * (len(used) + 2) + "|")
    for r in rows + [mean_row(rows, used)]:
        gaps = dict(r["gaps"])
        cells = [f"{r['stages'].get(s, 0):.2f}" + (f" ({gaps[s]:.2f})" if s in gaps else "")
                 for s in used]  # fmt: skip
        print(f"| {r['instance']} | {r['cpu']:.2f} | " + " | ".join(cells) + " |")


def mean_row(rows: list[dict[str, Any]], used: list[str]) -> dict[str, Any]:
    """The mean of ``rows``, as a row."""
    n = len(rows)
    stages = {s: sum(r["stages"].get(s, 0) for r in rows) / n for s in used}
    ended = [s for s in used if all(s in dict(r["gaps"]) for r in rows)]
    gaps = [(s, sum(dict(r["gaps"])[s] for r in rows) / n) for s in ended]
    return {"instance": "mean", "cpu": sum(r["cpu"] for r in rows) / n, "stages": stages,
            "gaps": gaps}  # fmt: skip


if __name__ == "__main__":
    main()

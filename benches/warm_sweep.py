"""Cheap ``Hybrid`` configurations over seeds on W5A, with the CPU of each stage:
the screening behind ``benches/results/batching_warm.md``.

Each config patches ``Hybrid``'s module settings (searches, redive rounds, the
search's acceptance and carts, the dive's ``FIX_SHARE``) and builds its column
generation; ``rounds=0`` starts from ``LocalSearch(kicks=0)`` instead (the
warm start ``Hybrid.fast()`` keeps: config ``h5`` gives its batches).
``alns-K`` is the ALNS with K rounds an order (its cap scaled alike); other
names are ``compare_batching.METHODS``. Writes ``benches/results/warm/*.json``.

Run ``python benches/warm_sweep.py CONFIG [--sets abc1,ran1] [--seeds 0,1,2]
[--shared ../shared/benchmarks]``.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from compare_batching import METHODS, SHARED, fresh, henn_instances, warm_up

import optimizer.batching.hybrid as hy
from optimizer.batching import ALNS, ColumnGeneration, Hybrid, batches_of, prepare
from optimizer.batching.alns_kernels import ANNEAL, THRESHOLD

RESULTS = Path(__file__).parent / "results" / "warm"

# A config's settings: the column generation's (rounds 0: the ALNS's start instead),
# ALNS iterations per order and their cap, selection work, and the module globals.
DEFAULTS: dict[str, Any] = dict(
    rounds=3, tries=1, width=4, dive=1, work=0.1, per_order=150, cap=10_000, sel=0.1,
    searches=2, redive=3, redive_dive=1, excess=0.0, accept=ANNEAL, fix=0.05,
)  # fmt: skip
CONFIGS: dict[str, dict[str, Any]] = {}


def cfg(name: str, **changes: Any) -> None:
    """Config ``name``: :data:`DEFAULTS` with ``changes``."""
    unknown = changes.keys() - DEFAULTS.keys()
    if unknown:
        raise ValueError(f"{name}: unknown settings {sorted(unknown)}")
    CONFIGS[name] = DEFAULTS | changes


THR = dict(accept=THRESHOLD, excess=0.05)  # the ALNS's acceptance and soft carts
cfg("s-250", rounds=0, per_order=250, cap=20_000)
cfg("s-250-thr", **THR, rounds=0, per_order=250, cap=20_000)
cfg("a", rounds=4, tries=2, width=8, fix=0.15, per_order=100)
cfg("b", rounds=6, tries=1, width=8, fix=0.15, per_order=100)
cfg("c", rounds=4, tries=2, width=8, fix=0.15, per_order=150, redive=0, searches=1)
cfg("d", **THR, rounds=4, width=8, fix=0.15, per_order=200, redive=0, searches=1)
cfg("e1", **THR, rounds=0, tries=2, width=8, fix=0.15, per_order=200, cap=16_000)
cfg("e2", **THR, rounds=0, tries=2, width=8, fix=0.05, per_order=200, cap=16_000)
cfg("e3", **THR, rounds=0, width=8, fix=0.15, per_order=250, cap=20_000)
T = dict(rounds=0, tries=2, **THR)
cfg("f1", **T, width=8, fix=0.15, per_order=100, cap=8_000)
cfg("f2", **T, width=8, fix=0.25, redive=2, per_order=130, cap=10_000)
cfg("f5", **T, width=6, fix=0.15, per_order=150, cap=12_000)
cfg("g1", **T, width=8, fix=0.05, redive_dive=0, per_order=200, cap=16_000)
cfg("g2", **T, width=8, fix=0.05, redive=5, redive_dive=0, per_order=200, cap=16_000)
cfg("h1", **T, width=8, per_order=120, cap=9_600, sel=0.05)
cfg("h2", **T, width=8, redive=2, per_order=150, cap=12_000, sel=0.05)
cfg("h3", **T, width=6, per_order=120, cap=9_600, sel=0.05)
cfg("h4", **T, width=8, per_order=100, cap=8_000, sel=0.05)
cfg("h5", **T, width=6, per_order=100, cap=8_000, sel=0.05)
cfg("h6", **T, width=6, per_order=200, cap=8_000, sel=0.05)
cfg("c3w4-150")
cfg("c3w4-250", per_order=250)
cfg("c3w4-250-thr", **THR, per_order=250)
cfg("c5w4-200", rounds=5, per_order=200)
cfg("c3w8t2-150", width=8, tries=2)
cfg("c2w4-300", rounds=2, per_order=300)
cfg("c3w4-250-nored", per_order=250, redive=0)
cfg("c3w4-250-1s", per_order=250, searches=1)

STAGES = ("columns", "search", "select", "redive", "polish")
clock: dict[str, float] = dict.fromkeys(STAGES, 0.0)


def timed(stage: str, fn):
    @functools.wraps(fn)
    def inner(*a, **k):
        c0 = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            clock[stage] += time.process_time() - c0

    return inner


def install(c: dict) -> None:
    hy.SEARCHES, hy.REDIVE_ROUNDS, hy.REDIVE_DIVE_ROUNDS = (
        c["searches"],
        c["redive"],
        c["redive_dive"],
    )
    hy.SEARCH_EXCESS = c["excess"]
    import optimizer.batching.columns as co

    co.FIX_SHARE = c["fix"]
    hy.run_search = timed("search", functools.partial(_run_search, accept=c["accept"]))


from optimizer.batching.alns import run_search as _run_search  # noqa: E402

ColumnGeneration.solve = timed("columns", ColumnGeneration.solve)
hy.select_reduced = timed("select", hy.select_reduced)
Hybrid._redive = timed("redive", Hybrid._redive)
hy.polish = timed("polish", hy.polish)


class StartOnly:
    """No column generation: the ALNS's own start, its batches the first pool."""

    tries, width, cut_rounds = 1, 4, 0

    def solve(self, problem, *, seed=0, time_limit=None):
        from optimizer.batching.base import Batching
        from optimizer.batching.local_search import LocalSearch

        c0 = time.process_time()
        start = LocalSearch(kicks=0).run(problem).groups
        clock["columns"] += time.process_time() - c0
        t = problem.total(start)
        cols = {tuple(sorted(g)): problem.batch_cost(sorted(g)) for g in start}
        return Batching(start, {"timed_out": False}, ((0, 0.0, t), (0, 0.0, t))), cols


def batcher(name: str, n: int):
    if name in METHODS:
        return METHODS[name]
    if name.startswith("alns-"):  # alns-<per order>
        k = int(name[5:])
        return ALNS(iterations=min(28_250 * k // 450, k * n))
    c = CONFIGS[name]
    install(c)
    if c["rounds"] == 0:
        so = StartOnly()
        so.tries, so.width = c["tries"], c["width"]
        return Hybrid(so, min(c["cap"], c["per_order"] * n), c["sel"], name=name)
    columns = ColumnGeneration(
        c["rounds"], dive_rounds=c["dive"], tries=c["tries"], width=c["width"], work=c["work"]
    )
    return Hybrid(columns, min(c["cap"], c["per_order"] * n), c["sel"], name=name)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("config")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--sets", default="abc1,ran1")
    p.add_argument("--shared", type=Path, default=SHARED, help="the benchmarks folder")
    a = p.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    sets = a.sets.split(",")
    warm_up()
    runs = []
    for inst in henn_instances(a.shared, sets):
        problem, _ = prepare(*inst.read())
        for seed in seeds:
            b = batcher(a.config, problem.size)
            for s in STAGES:
                clock[s] = 0.0
            c0 = time.process_time()
            result = b.run(fresh(problem), seed=seed)
            cpu = time.process_time() - c0
            batches_of(problem, result.groups)
            d = result.detail
            runs.append(
                {
                    "set": inst.group,
                    "instance": inst.name,
                    "n": problem.size,
                    "seed": seed,
                    "distance": problem.total(result.groups),
                    "cpu": cpu,
                    "best_known": inst.best_known,
                    "stages": dict(clock),
                    "columns_selected": d.get("columns_selected_total"),
                    "search_total": d.get("search_total"),
                    "redive_total": d.get("redive_total"),
                }
            )
            print(
                f"{inst.group}/{inst.name} s{seed}: {runs[-1]['distance']:,.0f} {cpu:.2f}s",
                file=sys.stderr,
                flush=True,
            )
    RESULTS.mkdir(exist_ok=True)
    tag = f"{a.config}_{a.sets.replace(',', '+')}_{a.seeds.replace(',', '')}"
    (RESULTS / f"{tag}.json").write_text(
        json.dumps({"config": CONFIGS.get(a.config), "runs": runs})
    )
    report(a.config, runs)


def report(name: str, runs: list[dict]) -> None:
    pub = [r for r in runs if r["best_known"]]
    oth = [r for r in runs if not r["best_known"]]
    cpu = statistics.mean(r["cpu"] for r in runs)
    line = f"{name}: cpu {cpu:.3f} s"
    if pub:
        gaps = [100 * (r["distance"] / r["best_known"] - 1) for r in pub]
        line += (
            f" | pub mean {statistics.mean(gaps):.3f} % worst {max(gaps):.2f} % "
            f"in0.5 {sum(g <= 0.5 for g in gaps)}/{len(gaps)}"
        )
    if oth:
        line += f" | other total {sum(r['distance'] for r in oth):,.0f}"
    st = {s: statistics.mean(r["stages"][s] for r in runs) for s in STAGES}
    line += " | " + " ".join(f"{s} {v:.2f}" for s, v in st.items())
    print(line)


if __name__ == "__main__":
    main()

"""Compare the routing methods with the optimum and with three peer solvers.

Two suites (``--suite``):

``everywhere`` (the default; ``benches/results/routing_everywhere*``)
    Layouts where the textbook DP does not reach or only just does:
    ``layouts/fishbone.json`` and ``layouts/obstacles.json`` (graph tier),
    and parallel-aisle warehouses with 4, 6 and 10 blocks built here from
    :data:`GENERATED` (the 4-block one is within the exact DP's reach); 10,
    30, 60 and 120 picks.
``classic`` (``benches/results/routing*``, the earlier report)
    ``layouts/single_block.toml``, ``two_block.toml``,
    ``multi_block_large.toml`` (1 to 3 blocks) and ``fishbone.json``; 10, 30
    and 60 picks.

An instance is ``k`` distinct pick nodes drawn uniformly, one random bin
code on each, routed from the first depot back to it; seeded instances per
layout and size: 20 (``--quick``: the first 5) in ``everywhere``, 50 (10)
in ``classic``, or ``--instances N``. Per
method: the mean and worst gap to the reference, in % of the reference, and
the median time per route.

Reference
    The exact DP (``route(..., method="exact")``, proven optimal) where it
    applies. Elsewhere, ``everywhere``: the shortest tour any method found on
    the instance (LKH-3 and the others, so gaps are never negative);
    ``classic``: LKH-3 with :data:`REF_RUNS` runs.
Our methods (rows in code font)
    Every method of ``optimizer.routing.METHODS`` except ``"ortools"``: the
    time is the whole ``route(layout, codes, method=m)`` call, what a user
    calls: validation, distance matrix, solve, node walk and ``Route``.
    Kernels are compiled and the DP's class tables loaded first. Calls under
    50 ms are repeated 5 times and the instance's time is their median.
Peers (time of the solver call on the oracle's matrix; building the matrix is
excluded and reported on its own)
    - OR-Tools as a naive user runs it: ``ortools_adapter.solve_naive``
      (``PATH_CHEAPEST_ARC``, guided local search, 1 s time limit, no warm
      start, no early stop; the call includes building its routing model),
    - PyVRP (``pyvrp.solve`` on a one-vehicle ``ProblemData``: one depot,
      clients without demand, the matrix in integer millimetres; stopped by
      ``MaxIterations(2000)``, seed 0; building ``ProblemData`` is excluded),
    - LKH-3 as a user runs it: ``elkai.DistanceMatrix(mm).solve_tsp(runs=10)``
      (elkai's default number of runs) on the integer millimetre matrix.

    Every peer's tour is checked to visit each pick node exactly once and its
    length is measured on the float (metre) matrix, so rounding to millimetres
    cannot favour anyone.

Goals (the routing issues): the exact DP under 1 ms median for 60 picks;
on every layout and size, ``auto`` within 0.5 % of LKH-3 (10 runs) on
average, at a tenth of LKH-3's median time or less, measured in the same
run; the worst gap is reported beside the mean.

Prints Markdown tables and writes ``benches/results/<suite>.md`` and
``.json`` (``--quick``: ``<suite>_quick.*``).

Run: ``python benches/compare_routing.py [--suite everywhere|classic] [--quick | --instances N]
[--layouts fishbone.json blocks-4 ...] [--sizes 10 30 ...] [--out NAME]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import elkai
import numpy as np
import pyvrp
from _common import environment, fmt_s  # benches/ is on sys.path when run as a script
from pyvrp.stop import MaxIterations

from optimizer.distance import DistanceOracle
from optimizer.layout import Layout
from optimizer.routing import METHODS, ROUTERS, RoutingProblem, route
from optimizer.routing.exact import EXACT
from optimizer.routing.ortools_adapter import MM_PER_M, solve_naive

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benches" / "results"


def _blocks(name: str, blocks: int, aisles: int, cells: int) -> dict[str, Any]:
    """A parallel-aisle spec like ``multi_block_large`` with ``blocks`` blocks."""
    return {
        "name": name, "kind": "parallel-aisles", "aisles": aisles, "blocks": blocks,
        "cells": cells, "cell_length": 1.2, "aisle_spacing": 4.5, "cross_aisle_to_cell": 1.5,
        "cross_aisle_width": 3.0, "sides": 2, "levels": 1,
        "depots": [{"name": "D1", "aisle": aisles // 2, "at": "front", "offset": 2.25,
                    "setback": 2.0}],
    }  # fmt: skip


GENERATED = {  # layouts built here rather than shipped
    "blocks-4": _blocks("blocks-4", 4, 30, 20),
    "blocks-6": _blocks("blocks-6", 6, 24, 15),
    "blocks-10": _blocks("blocks-10", 10, 20, 10),
}
SUITES: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {  # layouts, sizes
    "everywhere": (
        ("fishbone.json", "obstacles.json", "blocks-4", "blocks-6", "blocks-10"),
        (10, 30, 60, 120),
    ),
    "classic": (
        ("single_block.toml", "two_block.toml", "multi_block_large.toml", "fishbone.json"),
        (10, 30, 60),
    ),
}
RESULTS = {"everywhere": "routing_everywhere", "classic": "routing"}
INSTANCES = {"everywhere": (20, 5), "classic": (50, 10)}  # full, --quick
SEED = 20240611
LKH_RUNS = 10  # elkai's default: LKH-3 as a user runs it
REF_RUNS = 100  # LKH-3 as the reference where no DP applies
PYVRP_ITERATIONS = 2000
NAIVE_SECONDS = 1.0
FAST_S, FAST_REPEATS = 0.05, 5  # our calls under FAST_S are timed FAST_REPEATS times
GOAL_DP_MS, GOAL_GAP_PCT, GOAL_TIME_RATIO = 1.0, 0.5, 0.1

OURS = tuple(m for m in METHODS if m not in ("auto", "ortools")) + ("auto",)
BEST_KNOWN = "best known"  # the reference where no DP applies (everywhere)
PEERS = ("ortools-naive", "pyvrp", "lkh3")
LABELS = {
    "exact": "`exact` (DP)",
    "s-shape": "`s-shape`",
    "return": "`return`",
    "midpoint": "`midpoint`",
    "largest-gap": "`largest-gap`",
    "combined": "`combined`",
    "nearest": "`nearest`",
    "local-search": "`local-search`",
    "auto": "**`auto`**",
    "ortools-naive": f"OR-Tools, {NAIVE_SECONDS:g} s GLS (`solve_naive`)",
    "pyvrp": f"PyVRP, {PYVRP_ITERATIONS:,} iterations",
    "lkh3": f"LKH-3 (elkai, {LKH_RUNS} runs)",
    "lkh3-ref": f"LKH-3 (elkai, {REF_RUNS} runs): reference",
}


# ---- timing --------------------------------------------------------------------
def timed(fn: Callable[[], Any], repeat_fast: bool = False) -> tuple[Any, float]:
    """``fn()``'s result and wall time, garbage collector off; a call under
    :data:`FAST_S` is repeated (``repeat_fast``) and the median time kept."""
    gc_was = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        times = [time.perf_counter() - t0]
        if repeat_fast and times[0] < FAST_S:
            for _ in range(FAST_REPEATS - 1):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
    finally:
        if gc_was:
            gc.enable()
    return out, statistics.median(times)


# ---- instances -------------------------------------------------------------------
def codes_by_node(layout: Layout) -> dict[int, list[str]]:
    """Bin codes of every pick node."""
    out: dict[int, list[str]] = {}
    for slot in layout.slots:
        out.setdefault(slot.node, []).append(slot.code)
    return out


def instance(layout: Layout, codes: dict[int, list[str]], li: int, k: int, i: int) -> list[str]:
    """Instance ``i`` of ``k`` picks on layout number ``li``: ``k`` distinct
    pick nodes, one random bin code on each. ``--quick`` runs a prefix."""
    rng = np.random.default_rng([SEED, li, k, i])
    nodes = rng.choice(layout.pick_nodes, k, replace=False)
    return [codes[int(n)][int(rng.integers(len(codes[int(n)])))] for n in nodes]


# ---- peers -------------------------------------------------------------------------
def tour_metres(dist: np.ndarray, order: list[int], name: str) -> float:
    """Length on the metre matrix of the closed tour ``0 -> order -> 0``;
    checks that ``order`` visits every pick (matrix rows 1..k) exactly once."""
    k = dist.shape[0] - 1
    if sorted(order) != list(range(1, k + 1)):
        raise SystemExit(f"{name} returned a tour that does not visit every pick once: {order}")
    seq = np.array([0, *order, 0], dtype=np.int64)
    return float(dist[seq[:-1], seq[1:]].sum())


def lkh(mm: np.ndarray, runs: int) -> list[int]:
    """LKH-3 via elkai: the picks in tour order, rotated to start after the depot."""
    tour = elkai.DistanceMatrix(mm.tolist()).solve_tsp(runs=runs)[:-1]
    at = tour.index(0)
    return tour[at + 1 :] + tour[:at]


def pyvrp_data(mm: np.ndarray) -> pyvrp.ProblemData:
    """One vehicle, one depot (row 0), a client without demand per pick."""
    n = mm.shape[0]
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(0, 0) for _ in range(n)],  # coordinates unused
        clients=[pyvrp.Client(location=i) for i in range(1, n)],
        depots=[pyvrp.Depot(location=0)],
        vehicle_types=[pyvrp.VehicleType(num_available=1)],
        distance_matrices=[mm],  # type: ignore[list-item]  # pyvrp's stubs: ndarray[int]
        duration_matrices=[np.zeros_like(mm)],  # type: ignore[list-item]
    )


def pyvrp_solve(data: pyvrp.ProblemData) -> list[int]:
    """PyVRP's tour as matrix rows of the picks (client ``c`` is row ``c + 1``)."""
    res = pyvrp.solve(data, MaxIterations(PYVRP_ITERATIONS), seed=0, display=False,
                      collect_stats=False)  # fmt: skip
    if not (res.best.is_feasible() and res.best.is_complete()) or res.best.num_routes() != 1:
        raise SystemExit("PyVRP returned an infeasible or incomplete solution")
    return [a.idx + 1 for a in res.best.routes()[0] if a.is_client()]


# ---- one layout ----------------------------------------------------------------------
def applicable(layout: Layout, oracle: DistanceOracle, codes: list[str]) -> list[str]:
    """Our methods that apply to ``layout`` (by the router's own ``supports``)."""
    nodes = np.unique(layout.nodes_of(codes))
    depot = layout.depot().node
    problem = RoutingProblem(layout, oracle, nodes, depot, depot)
    return [m for m in OURS if m == "auto" or ROUTERS[m].supports(problem) is None]


def solve_instance(
    layout: Layout,
    oracle: DistanceOracle,
    codes: list[str],
    methods: list[str],
    dp: bool,
    ref_runs: int,
) -> dict[str, Any]:
    """Every method on one instance: distances (m) and seconds."""
    depot = layout.depot().node
    nodes = np.unique(layout.nodes_of(codes))
    problem = RoutingProblem(layout, oracle, nodes, depot, depot)
    ids = np.concatenate([[depot], nodes])
    dist = oracle.matrix(ids)
    mm = np.rint(dist * MM_PER_M).astype(np.int64)
    row = {n: i for i, n in enumerate(ids.tolist())}
    out: dict[str, Any] = {"picks": int(nodes.size), "distance": {}, "seconds": {}}
    auto_optimal = False

    for m in methods:
        r, s = timed(partial(route, layout, codes, method=m), repeat_fast=True)
        out["distance"][m], out["seconds"][m] = r.distance, s
        if m == "auto":
            out["auto_ran"] = r.method
            out["auto_stopped_by"] = r.detail.get("stopped_by")
            auto_optimal = r.optimal
        if m == "exact" and not r.optimal:
            raise SystemExit("route(method='exact') did not return an optimal route")
    if dp:
        tour, s = timed(lambda: EXACT.solve(problem), repeat_fast=True)
        out["dp_seconds"] = s  # the DP and its Euler walk, without route()'s wrapping

    tour, s = timed(lambda: solve_naive(problem, NAIVE_SECONDS))
    wp = tour.waypoints
    order = [row[n] for n in wp[1:-1]]
    out["distance"]["ortools-naive"] = tour_metres(dist, order, "OR-Tools")
    out["seconds"]["ortools-naive"] = s

    data = pyvrp_data(mm)
    order, s = timed(lambda: pyvrp_solve(data))
    out["distance"]["pyvrp"], out["seconds"]["pyvrp"] = tour_metres(dist, order, "PyVRP"), s

    order, s = timed(lambda: lkh(mm, LKH_RUNS))
    out["distance"]["lkh3"], out["seconds"]["lkh3"] = tour_metres(dist, order, "LKH-3"), s
    if dp:
        out["reference"] = out["distance"]["exact"]
    elif not ref_runs:
        out["reference"] = min(out["distance"].values())
    else:
        order, s = timed(lambda: lkh(mm, ref_runs))
        out["distance"]["lkh3-ref"] = tour_metres(dist, order, "LKH-3")
        out["seconds"]["lkh3-ref"] = s
        out["reference"] = out["distance"]["lkh3-ref"]
    ref = out["reference"]
    out["gap_pct"] = {m: 100.0 * (d / ref - 1.0) for m, d in out["distance"].items()}
    out["auto_vs_lkh3_pct"] = 100.0 * (out["distance"]["auto"] / out["distance"]["lkh3"] - 1.0)
    out["auto_optimal"] = auto_optimal
    return out


def warm_up(
    layout: Layout, oracle: DistanceOracle, li: int, methods: list[str], sizes: tuple[int, ...]
) -> None:
    """Compile (or load) kernels and build the DP's class tables before timing."""
    oracle.warm_up()
    codes = codes_by_node(layout)
    for k in sizes[:2]:
        picks = instance(layout, codes, li + 100, k, 0)  # not one of the measured instances
        for m in methods:
            route(layout, picks, method=m)
        nodes = np.unique(layout.nodes_of(picks))
        depot = layout.depot().node
        problem = RoutingProblem(layout, oracle, nodes, depot, depot)
        if "exact" in methods:
            EXACT.solve(problem)
        solve_naive(problem, 0.05)
        mm = np.rint(problem.matrix()[:-1, :-1] * MM_PER_M).astype(np.int64)
        pyvrp_solve(pyvrp_data(mm))
        lkh(mm, 1)


def load_layout(key: str) -> Layout:
    """A shipped layout by file name, or one of :data:`GENERATED`."""
    if key in GENERATED:
        return Layout.from_spec(GENERATED[key])
    return Layout.from_file(ROOT / "layouts" / key)


def run_layout(
    li: int, file: str, n: int, ref_runs: int, sizes: tuple[int, ...]
) -> dict[str, Any]:
    """All sizes and instances of one layout."""
    layout = load_layout(file)
    oracle = DistanceOracle.for_layout(layout)
    codes = codes_by_node(layout)
    methods = applicable(layout, oracle, instance(layout, codes, li, sizes[0], 0))
    dp = "exact" in methods
    warm_up(layout, oracle, li, methods, sizes)
    per_size: dict[str, Any] = {}
    for k in sizes:
        t0 = time.perf_counter()
        rows = [solve_instance(layout, oracle, instance(layout, codes, li, k, i), methods, dp,
                               ref_runs) for i in range(n)]  # fmt: skip
        ids = np.concatenate(
            [[layout.depot().node], layout.nodes_of(instance(layout, codes, li, k, 0))]
        )
        _, matrix_s = timed(partial(oracle.matrix, ids), repeat_fast=True)
        per_size[str(k)] = {"instances": rows, "matrix_seconds": matrix_s,
                         "wall_seconds": time.perf_counter() - t0}  # fmt: skip
        print(f"{layout.name}, {k} picks: {n} instances in {time.perf_counter() - t0:,.1f} s",
              file=sys.stderr, flush=True)  # fmt: skip
    return {
        "layout": layout.name,
        "file": "generated in the bench" if file in GENERATED else f"layouts/{file}",
        "layout_hash": layout.version,
        "blocks": None if layout.aisles is None else layout.aisles.n_blocks,
        "aisles": None if layout.aisles is None else layout.aisles.n_aisles,
        "slots": len(layout.slots),
        "depot": layout.depot().name,
        "reference": "exact" if dp else ("lkh3-ref" if ref_runs else BEST_KNOWN),
        "methods": methods,
        "sizes": per_size,
    }


# ---- summary and report -------------------------------------------------------------
def summarise(lay: dict[str, Any]) -> dict[str, Any]:
    """Mean / worst gap and median time per size and method."""
    out: dict[str, Any] = {}
    for k, size in lay["sizes"].items():
        rows = size["instances"]
        s: dict[str, Any] = {}
        for m in rows[0]["distance"]:
            gaps = [r["gap_pct"][m] for r in rows]
            s[m] = {
                "mean_gap_pct": statistics.fmean(gaps),
                "worst_gap_pct": max(gaps),
                "optimal_count": sum(g <= 1e-9 for g in gaps),
                "below_reference_count": sum(g < -1e-9 for g in gaps),
                "median_seconds": statistics.median(r["seconds"][m] for r in rows),
            }
        if "dp_seconds" in rows[0]:
            s["dp_median_seconds"] = statistics.median(r["dp_seconds"] for r in rows)
        s["auto_vs_lkh3_mean_pct"] = statistics.fmean(r["auto_vs_lkh3_pct"] for r in rows)
        s["auto_vs_lkh3_worst_pct"] = max(r["auto_vs_lkh3_pct"] for r in rows)
        s["auto_ran"] = sorted({r["auto_ran"] for r in rows})
        s["auto_proven_optimal"] = sum(bool(r.get("auto_optimal")) for r in rows)
        s["auto_over_lkh3_time"] = s["auto"]["median_seconds"] / s["lkh3"]["median_seconds"]
        stops = [r["auto_stopped_by"] for r in rows if r.get("auto_stopped_by")]
        if stops:
            s["auto_stopped_by"] = {b: stops.count(b) for b in sorted(set(stops))}
        s["matrix_seconds"] = size["matrix_seconds"]
        s["n"] = len(rows)
        out[k] = s
    return out


def fmt_gap(g: float, sign: bool = False) -> str:
    """A gap in %; zeros (up to float noise) print as ``0``."""
    if abs(g) < 5e-10:
        return "0"
    return f"{g:+.3f}" if sign else f"{g:.2f}"


def verdict(ok: dict[str, bool]) -> str:
    """``met``, or ``missed`` with the sizes (picks) that miss."""
    misses = [k for k, good in ok.items() if not good]
    return "met" if not misses else f"**missed** ({', '.join(misses)} picks)"


def layout_table(lay: dict[str, Any]) -> list[str]:
    """One table: methods as rows, sizes as column groups."""
    summ = lay["summary"]
    ks = list(summ)
    first = summ[ks[0]]
    ran = "/".join(sorted({m for k in ks for m in summ[k]["auto_ran"]}))
    head = "| method | " + " | ".join(f"{k}: mean | {k}: worst | {k}: time" for k in ks) + " |"
    lines = [head, "|---|" + "---:|---:|---:|" * len(ks)]
    rows = [*OURS, *PEERS, *(["lkh3-ref"] if lay["reference"] == "lkh3-ref" else [])]
    for m in rows:
        label = LABELS[m] + (f" (ran `{ran}`)" if m == "auto" else "")
        if m not in first:
            lines.append(f"| {label} | " + " | ".join(["n/a"] * 3 * len(ks)) + " |")
            continue
        cells = []
        for k in ks:
            s = summ[k][m]
            cells += [fmt_gap(s["mean_gap_pct"]), fmt_gap(s["worst_gap_pct"]),
                      fmt_s(s["median_seconds"])]  # fmt: skip
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def goal_lines(r: dict[str, Any]) -> list[str]:
    """The goals table: the DP's time where it applies, and ``auto`` against
    LKH-3 (gap and time ratio) on every layout."""
    sizes = [str(k) for k in r["sizes"]]
    lines = [
        "| goal | layout | " + " | ".join(f"{k} picks" for k in sizes) + " | |",
        "|---|---|" + "---:|" * len(sizes) + "---|",
    ]
    for lay in r["layouts"]:
        if lay["reference"] != "exact":
            continue
        s = lay["summary"]
        for label, times in (
            (f"exact DP < {GOAL_DP_MS:g} ms median at 60 picks (`EXACT.solve`)",
             {k: s[k]["dp_median_seconds"] for k in s}),
            ('... the whole `route(method="exact")` call',
             {k: s[k]["exact"]["median_seconds"] for k in s}),
        ):  # fmt: skip
            lines.append(
                f"| {label} | {lay['layout']} | " + " | ".join(fmt_s(x) for x in times.values())
                + f" | {verdict({k: times[k] < GOAL_DP_MS / 1e3 for k in times if k == '60'})} |"
            )  # fmt: skip
    for lay in r["layouts"]:
        s = lay["summary"]
        ran = "/".join(sorted({m for k in s for m in s[k]["auto_ran"]}))
        gaps = {k: s[k]["auto_vs_lkh3_mean_pct"] for k in s}
        worst = {k: s[k]["auto_vs_lkh3_worst_pct"] for k in s}
        ratio = {k: s[k]["auto_over_lkh3_time"] for k in s}
        lines += [
            f"| `auto` ({ran}) mean gap to LKH-3 <= {GOAL_GAP_PCT:g} % | {lay['layout']} | "
            + " | ".join(f"{fmt_gap(g, sign=True)} %" for g in gaps.values())
            + f" | {verdict({k: g <= GOAL_GAP_PCT for k, g in gaps.items()})} |",
            f"| ... worst gap to LKH-3 (reported) | {lay['layout']} | "
            + " | ".join(f"{fmt_gap(g, sign=True)} %" for g in worst.values())
            + " | |",
            f"| `auto` time / LKH-3 time <= {GOAL_TIME_RATIO:g} | {lay['layout']} | "
            + " | ".join(f"{x:.3g}" for x in ratio.values())
            + f" | {verdict({k: x <= GOAL_TIME_RATIO for k, x in ratio.items()})} |",
        ]
    return lines


def overall(r: dict[str, Any]) -> dict[str, float]:
    """``auto`` against LKH-3 over every layout and size: the mean of the mean
    gaps, the worst gap, the largest time ratio."""
    cells = [s for lay in r["layouts"] for s in lay["summary"].values()]
    return {
        "mean_gap_pct": statistics.fmean(c["auto_vs_lkh3_mean_pct"] for c in cells),
        "largest_mean_gap_pct": max(c["auto_vs_lkh3_mean_pct"] for c in cells),
        "worst_gap_pct": max(c["auto_vs_lkh3_worst_pct"] for c in cells),
        "largest_time_ratio": max(c["auto_over_lkh3_time"] for c in cells),
    }


def report(r: dict[str, Any]) -> str:
    """The Markdown report of ``run()``'s figures."""
    n = r["instances"]
    env = r["environment"]
    sizes = r["sizes"]
    ref_text = (
        f"LKH-3 with {r['settings']['reference_lkh_runs']} runs"
        if r["settings"]["reference_lkh_runs"]
        else "the shortest tour any method found on the instance (best known)"
    )
    lines = [
        "# Routing: heuristics, OR-Tools, PyVRP, LKH-3 and `auto` against the optimum",
        "",
        f"Suite `{r['suite']}`: {n} seeded instances per layout and size "
        f"({', '.join(map(str, sizes))} distinct pick nodes, one random bin code each; start "
        "and end at the first depot). Gaps are `100 * (distance / reference - 1)` in %, mean "
        "and worst over the instances; the reference is the exact DP (proven optimal) where it "
        f"applies, else {ref_text}. Time is the median per route: for our "
        "methods the whole `route(layout, codes, method=m)` call (kernels warmed; calls under "
        f"{FAST_S * 1e3:g} ms repeated {FAST_REPEATS} times, median kept); for the peers the "
        "solver call on the oracle's matrix in integer millimetres (building the matrix "
        "excluded, see the last table; tour lengths measured on the metre matrix, every tour "
        "checked to visit each pick once). OR-Tools: `solve_naive` (`PATH_CHEAPEST_ARC`, "
        f"guided local search, {NAIVE_SECONDS:g} s limit, no warm start); PyVRP "
        f"{env['pyvrp']}: `MaxIterations({PYVRP_ITERATIONS})`, seed 0; LKH-3: elkai "
        f"{env['elkai']} `DistanceMatrix(mm).solve_tsp(runs={LKH_RUNS})`. n/a: the method "
        "does not apply to the layout. All methods of one instance run back to back in one "
        "process, so the time ratios compare like with like on this shared machine.",
        "",
        "## Goals",
        "",
        *goal_lines(r),
    ]
    tot = r["overall"]
    lines += [
        "",
        f"Over every layout and size: `auto`'s mean gap to LKH-3 averages "
        f"{fmt_gap(tot['mean_gap_pct'], sign=True)} % (largest mean "
        f"{fmt_gap(tot['largest_mean_gap_pct'], sign=True)} %, worst single instance "
        f"{fmt_gap(tot['worst_gap_pct'], sign=True)} %); the largest ratio of median times is "
        f"{tot['largest_time_ratio']:.3g}.",
        "",
        f"LKH-3 here is elkai with {LKH_RUNS} runs (its default), per instance; a negative "
        'gap means `auto` is shorter. Time ratio: median `route(method="auto")` over median '
        "LKH-3 call.",
    ]
    for lay in r["layouts"]:
        blocks = (
            f"{lay['blocks']} block(s), {lay['aisles']} aisles" if lay["blocks"] else "graph tier"
        )
        ref = {"exact": "exact DP", "lkh3-ref": f"LKH-3, {REF_RUNS} runs"}.get(
            lay["reference"], BEST_KNOWN
        )
        where = lay["file"] if lay["file"].startswith("generated") else f"`{lay['file']}`"
        lines += [
            "",
            f"## {lay['layout']} ({where}: {blocks}, {lay['slots']:,} slots; reference: {ref})",
            "",
            "Gap to the reference in % (mean, worst) and median time per route:",
            "",
            *layout_table(lay),
        ]
        s = lay["summary"]
        extra = []
        for k in s:
            stops = s[k].get("auto_stopped_by")
            if stops:
                extra.append(f"{k} picks: " + ", ".join(f"{b} {c}" for b, c in stops.items()))
        if extra:
            lines += ["", "`auto` stopped by: " + "; ".join(extra) + "."]
        proven = {k: s[k]["auto_proven_optimal"] for k in s}
        lines += ["", "`auto` proven optimal: "
                  + ", ".join(f"{c}/{s[k]['n']} at {k} picks" for k, c in proven.items())
                  + "."]  # fmt: skip
        if lay["reference"] == "lkh3-ref":
            methods = [*lay["methods"], *PEERS]
            below = {m: sum(s[k][m]["below_reference_count"] for k in s) for m in methods}
            beat = ", ".join(f"`{m}` {c}" for m, c in below.items() if c)
            lines += ["", "Instances where a method is shorter than the reference: "
                      + (beat or "none") + "."]  # fmt: skip
    lines += [
        "",
        "## Distance matrix (excluded from the peers' times)",
        "",
        "Median `oracle.matrix` of depot + picks, warmed:",
        "",
        "| layout | " + " | ".join(f"{k} picks" for k in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for lay in r["layouts"]:
        s = lay["summary"]
        lines.append(
            f"| {lay['layout']} | "
            + " | ".join(fmt_s(s[str(k)]["matrix_seconds"]) for k in sizes)
            + " |"
        )
    lines += [
        "",
        f"Whole run: {r['wall_seconds'] / 60:,.1f} min; load average {r['load_before']} before, "
        f"{r['load_after']} after (a shared machine: the other processes slow every method "
        "alike).",
        "",
        f"Python {env['python']}, numpy {env['numpy']}, numba {env['numba']}, ortools "
        f"{env['ortools']}, pyvrp {env['pyvrp']}, elkai {env['elkai']}; {env['machine']}, "
        f"{env['cpus']} CPUs.",
    ]
    return "\n".join(lines) + "\n"


def load() -> str:
    """The 1-minute load average."""
    return f"{os.getloadavg()[0]:.1f}"


def run(
    suite: str, n: int, only: list[str] | None = None, sizes_only: list[int] | None = None
) -> dict[str, Any]:
    """Measure everything in ``suite`` (or its layouts ``only`` and sizes
    ``sizes_only``); return the raw figures."""
    files, sizes = SUITES[suite]
    files = tuple(f for f in files if not only or f in only)
    sizes = tuple(k for k in sizes if not sizes_only or k in sizes_only)
    ref_runs = REF_RUNS if suite == "classic" else 0
    t0 = time.perf_counter()
    before = load()
    layouts = []
    for li, file in enumerate(files):
        lay = run_layout(li, file, n, ref_runs, sizes)
        lay["summary"] = summarise(lay)
        layouts.append(lay)
    figures = {
        "suite": suite,
        "instances": n,
        "sizes": list(sizes),
        "seed": SEED,
        "settings": {
            "lkh_runs": LKH_RUNS,
            "reference_lkh_runs": ref_runs,
            "pyvrp_max_iterations": PYVRP_ITERATIONS,
            "ortools_naive_seconds": NAIVE_SECONDS,
            "fast_repeats": FAST_REPEATS,
            "fast_threshold_seconds": FAST_S,
        },
        "generated_layouts": {k: GENERATED[k] for k in files if k in GENERATED},
        "layouts": layouts,
        "wall_seconds": time.perf_counter() - t0,
        "load_before": before,
        "load_after": load(),
        "environment": environment("ortools", "pyvrp", "elkai"),
    }
    figures["overall"] = overall(figures)
    return figures


def main() -> None:
    """Run, print the tables, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", choices=sorted(SUITES), default="everywhere")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="the first few instances only")
    group.add_argument("--instances", type=int, help="instances per layout and size")
    parser.add_argument("--layouts", nargs="+", help="only these layouts of the suite")
    parser.add_argument("--sizes", nargs="+", type=int, help="only these numbers of picks")
    parser.add_argument("--out", help="results name (default: the suite's, _quick if fewer)")
    args = parser.parse_args()
    full, quick = INSTANCES[args.suite]
    n = args.instances or (quick if args.quick else full)
    name = args.out or RESULTS[args.suite] + ("" if n == full else "_quick")
    figures = run(args.suite, n, args.layouts, args.sizes)
    text = report(figures)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.md").write_text(text, encoding="utf-8")
    (OUT / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

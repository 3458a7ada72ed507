"""Compare the distance oracle with scipy's Dijkstra on buildings of every size.

One run over eight layouts: parallel-aisle warehouses of 10,000, 100,000 and
1,000,000 slots (the last also in 20 blocks: 5,246 junctions, past the
junction table's bound, so hub labels), graph layouts whose pick faces are spurs (every aisle node
a branch, every pick node a dead end: the shape that used to turn every node
into a junction) of 3,000, 30,000 and 100,000 slots
(:func:`optimizer.synthetic.spurs.spur_spec`), and the shipped
``layouts/multi_block_large.toml``. For each:

- the layout's build from its spec (median wall time; tracemalloc peak of a
  separate build) and its version hash;
- the oracle's build (median wall time; ``oracle.nbytes`` and the
  tracemalloc peak of a separate build) and its mode (junction table or hub
  labels);
- a 100 x 100 distance matrix of seeded random pick nodes from the oracle
  (``DistanceOracle.matrix``, kernels warmed first) and from scipy
  (``scipy.sparse.csgraph.dijkstra`` from the 100 sources, ``indices=...``,
  on a prebuilt CSR graph), medians, after checking the two agree to 1e-9 m.

Goals (issue 13): the oracle at least 100x faster than scipy at every size;
the 1M-slot layout built in <= 2 s and <= 200 MB. Prints a Markdown table
and writes it to ``benches/results/distance.md`` with the raw figures in
``benches/results/distance.json``.

Run: ``python benches/compare_distance.py`` (or ``make compare``).
"""

from __future__ import annotations

import gc
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import environment, fmt_s  # benches/ is on sys.path when run as a script
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from optimizer.distance import DistanceOracle
from optimizer.layout import Layout, read_spec
from optimizer.synthetic.spurs import spur_spec

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benches" / "results"
SEED = 20240611
K = 100
GOAL_SPEEDUP, GOAL_BUILD_S, GOAL_BUILD_MB = 100.0, 2.0, 200.0
MB = 2**20


def parallel_spec(aisles: int, blocks: int, cells: int, levels: int) -> dict[str, Any]:
    """A rectangular warehouse: aisles x blocks x cells x 2 sides x levels slots."""
    return {
        "kind": "parallel-aisles", "name": f"aisles-{aisles * blocks * cells * 2 * levels}",
        "aisles": aisles, "blocks": blocks, "cells": cells, "levels": levels,
        "cell_length": 1.0, "aisle_spacing": 3.0, "cross_aisle_to_cell": 1.0,
        "depots": [{"name": "D1", "aisle": 1}],
    }  # fmt: skip


CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "parallel 10k": lambda: parallel_spec(20, 1, 125, 2),
    "parallel 100k": lambda: parallel_spec(50, 4, 125, 2),
    "parallel 1M": lambda: parallel_spec(100, 5, 500, 2),
    "parallel 1M, 20 blocks": lambda: parallel_spec(250, 20, 50, 2),
    "spurs 3k": lambda: spur_spec(15, 50, levels=2),
    "spurs 30k": lambda: spur_spec(50, 75, blocks=2, levels=2),
    "spurs 100k": lambda: spur_spec(100, 125, blocks=2, levels=2),
    "multi_block_large": lambda: read_spec(ROOT / "layouts" / "multi_block_large.toml"),
}


def median_seconds(fn: Callable[[], Any], repeats: int) -> float:
    """Median wall time of ``repeats`` calls of ``fn``, garbage collector off."""
    times = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    finally:
        if gc_was:
            gc.enable()
    return statistics.median(times)


def peak_bytes(fn: Callable[[], Any]) -> tuple[Any, int]:
    """``fn()`` and the tracemalloc peak while it ran."""
    gc.collect()
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def scipy_graph(layout: Layout) -> csr_array:
    """The layout as a symmetric CSR matrix for scipy's Dijkstra."""
    e, w, n = layout.edges, layout.edge_length, layout.n_nodes
    rows = np.concatenate([e[:, 0], e[:, 1]])
    cols = np.concatenate([e[:, 1], e[:, 0]])
    return csr_array((np.concatenate([w, w]), (rows, cols)), shape=(n, n))


def measure(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Every figure of one layout."""
    big = len(spec.get("slots", ())) > 50_000 or name.startswith("parallel 1M")
    build_s = median_seconds(lambda: Layout.from_spec(spec), 3 if big else 5)
    layout, layout_peak = peak_bytes(lambda: Layout.from_spec(spec))
    t0 = time.perf_counter()
    version = layout.version
    version_s = time.perf_counter() - t0
    # The oracle builds its tables on the first query: build() times all of it.
    oracle_s = median_seconds(lambda: DistanceOracle(layout).build(), 3 if big else 5)
    oracle, oracle_peak = peak_bytes(lambda: DistanceOracle(layout).build())
    oracle.warm_up()
    nodes = np.random.default_rng(SEED).choice(layout.pick_nodes, K, replace=False)
    graph = scipy_graph(layout)
    ours = oracle.matrix(nodes)
    theirs = dijkstra(graph, directed=False, indices=nodes)[:, nodes]
    error = float(np.abs(ours - theirs).max())
    if error > 1e-9:
        raise SystemExit(f"{name}: matrices differ by {error:g} m")
    t_oracle = median_seconds(lambda: oracle.matrix(nodes), 201)
    t_scipy = median_seconds(
        lambda: dijkstra(graph, directed=False, indices=nodes)[:, nodes], 3 if big else 7
    )
    return {
        "case": name,
        "layout": layout.name,
        "layout_hash": version,
        "slots": len(layout.slots),
        "nodes": layout.n_nodes,
        "edges": int(layout.edges.shape[0]),
        "junctions": oracle.n_junctions,
        "mode": oracle.mode,
        "layout_build_seconds": build_s,
        "layout_build_peak_bytes": layout_peak,
        "version_seconds": version_s,
        "oracle_build_seconds": oracle_s,
        "oracle_nbytes": oracle.nbytes,
        "oracle_build_peak_bytes": oracle_peak,
        "seconds": {"oracle": t_oracle, "scipy": t_scipy},
        "max_abs_difference_m": error,
    }


def run() -> dict[str, Any]:
    """Measure every case; return the raw figures."""
    cases = []
    for name, make in CASES.items():
        figures = measure(name, make())
        print(f"{name}: {figures['seconds']}", flush=True)
        cases.append(figures)
    return {"k": K, "seed": SEED, "cases": cases, "environment": environment()}


def report(r: dict[str, Any]) -> str:
    """The Markdown report of ``run()``'s figures."""
    mark = {True: "met", False: "**missed**"}
    rows = []
    speedups = []
    for c in r["cases"]:
        s = c["seconds"]
        speedup = s["scipy"] / s["oracle"]
        speedups.append(speedup)
        rows.append(
            f"| {c['case']} | {c['slots']:,} | {c['nodes']:,} | {c['junctions']:,} ({c['mode']}) "
            f"| {fmt_s(c['layout_build_seconds'])} | {c['layout_build_peak_bytes'] / MB:,.1f} MB "
            f"| {fmt_s(c['version_seconds'])} | {fmt_s(c['oracle_build_seconds'])} "
            f"| {c['oracle_nbytes'] / MB:,.1f} MB | {fmt_s(s['oracle'])} | {fmt_s(s['scipy'])} "
            f"| {speedup:,.0f}x |"
        )
    million = next(c for c in r["cases"] if c["case"] == "parallel 1M")
    build_ok = million["layout_build_seconds"] <= GOAL_BUILD_S
    memory_ok = million["layout_build_peak_bytes"] / MB <= GOAL_BUILD_MB
    env = r["environment"]
    lines = [
        "# Distance oracle vs scipy's Dijkstra, buildings of every size",
        "",
        f"A {r['k']} x {r['k']} matrix of pick nodes drawn with seed {r['seed']}; the oracle's "
        "time is the median of 201 runs with kernels warmed, scipy's (`dijkstra(indices=...)` "
        "on a prebuilt CSR graph) the median of 3-7; both agree to 1e-9 m on every layout. "
        "Layout build: `Layout.from_spec` from a spec dict (for graph layouts this includes "
        "checking every node, edge and slot of the spec), median of 3-5, memory the tracemalloc "
        "peak of one more build; version: the first `layout.version`. Oracle: "
        "`DistanceOracle(layout).build()` (the tables are otherwise built on the first "
        "query), median of 3-5, and `oracle.nbytes`.",
        "",
        "| layout | slots | nodes | junctions (mode) | layout build | build peak | version "
        "| oracle build | oracle memory | oracle 100x100 | scipy 100x100 | scipy / oracle |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "| goal | value | |",
        "|---|---:|---|",
        f"| oracle >= {GOAL_SPEEDUP:,.0f}x faster than scipy at every size "
        f"| slowest {min(speedups):,.0f}x | {mark[min(speedups) >= GOAL_SPEEDUP]} |",
        f"| 1M slots built in <= {GOAL_BUILD_S:g} s | {fmt_s(million['layout_build_seconds'])} "
        f"| {mark[build_ok]} |",
        f"| 1M slots built in <= {GOAL_BUILD_MB:g} MB "
        f"| {million['layout_build_peak_bytes'] / MB:,.1f} MB | {mark[memory_ok]} |",
        "",
        f"Python {env['python']}, numpy {env['numpy']}, scipy {env['scipy']}, numba "
        f"{env['numba']}; {env['machine']}, {env['cpus']} CPUs shared with other jobs.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run, print the table, write the results."""
    figures = run()
    text = report(figures)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "distance.md").write_text(text, encoding="utf-8")
    (OUT / "distance.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Compare the distance oracle with scipy and networkx on the largest layout.

One run on ``layouts/multi_block_large.toml`` (36,000 slots, 6,162 nodes):
a 100 x 100 distance matrix of seeded random pick nodes from

- the oracle (``DistanceOracle.matrix``, kernels warmed first),
- scipy (``scipy.sparse.csgraph.dijkstra`` from the 100 sources,
  ``indices=...``, on a prebuilt CSR graph),
- networkx (``single_source_dijkstra_path_length`` per source on a prebuilt
  ``layout.to_networkx()``),

each the median of repeated runs, plus the oracle's build time and memory
(``oracle.nbytes`` and the tracemalloc peak during a build). All three
matrices are checked equal before anything is reported. Prints a Markdown
table and writes it to ``benches/results/distance.md`` with the raw figures
in ``benches/results/distance.json``.

Goals (the P1 issue): the oracle >= 1,000x faster than scipy for the
100 x 100 matrix, build < 2 s, memory < 50 MB.

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

import networkx as nx
import numpy as np
from _common import environment, fmt_s  # benches/ is on sys.path when run as a script
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from optimizer.distance import DistanceOracle
from optimizer.layout import Layout

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = ROOT / "layouts" / "multi_block_large.toml"
OUT = ROOT / "benches" / "results"
SEED = 20240611
K = 100
REPEATS = {"oracle": 301, "scipy": 15, "networkx": 5, "build": 9}
GOAL_SPEEDUP, GOAL_BUILD_S, GOAL_MEMORY_MB = 1_000.0, 2.0, 50.0


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


def scipy_graph(layout: Layout) -> csr_array:
    """The layout as a symmetric CSR matrix for scipy's Dijkstra."""
    e, w, n = layout.edges, layout.edge_length, layout.n_nodes
    rows = np.concatenate([e[:, 0], e[:, 1]])
    cols = np.concatenate([e[:, 1], e[:, 0]])
    return csr_array((np.concatenate([w, w]), (rows, cols)), shape=(n, n))


def networkx_matrix(graph: nx.Graph, nodes: list[int]) -> np.ndarray:
    """k x k distances, one single-source Dijkstra per node."""
    out = np.empty((len(nodes), len(nodes)))
    for p, s in enumerate(nodes):
        dist = nx.single_source_dijkstra_path_length(graph, s, weight="length")
        out[p] = [dist[t] for t in nodes]
    return out


def run() -> dict[str, Any]:
    """Measure everything; return the raw figures."""
    layout = Layout.from_file(LAYOUT)
    nodes = np.random.default_rng(SEED).choice(layout.pick_nodes, K, replace=False)

    # Build time and memory (the first build also pays for imports and caches).
    DistanceOracle(layout)
    build_s = median_seconds(lambda: DistanceOracle(layout), REPEATS["build"])
    gc.collect()
    tracemalloc.start()
    oracle = DistanceOracle(layout)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    oracle.warm_up()  # compile (or load) the kernels before timing
    ours = oracle.matrix(nodes)
    graph = scipy_graph(layout)
    theirs = dijkstra(graph, directed=False, indices=nodes)[:, nodes]
    g = layout.to_networkx()
    node_list = nodes.tolist()
    nx_m = networkx_matrix(g, node_list)
    err_scipy = float(np.abs(ours - theirs).max())
    err_nx = float(np.abs(ours - nx_m).max())
    if max(err_scipy, err_nx) > 1e-9:
        raise SystemExit(f"matrices differ: scipy {err_scipy:g} m, networkx {err_nx:g} m")

    t_oracle = median_seconds(lambda: oracle.matrix(nodes), REPEATS["oracle"])
    t_scipy = median_seconds(
        lambda: dijkstra(graph, directed=False, indices=nodes)[:, nodes], REPEATS["scipy"]
    )
    t_nx = median_seconds(lambda: networkx_matrix(g, node_list), REPEATS["networkx"])
    return {
        "layout": layout.name,
        "layout_hash": layout.version,
        "slots": len(layout.slots),
        "nodes": layout.n_nodes,
        "edges": int(layout.edges.shape[0]),
        "junctions": oracle.n_junctions,
        "k": K,
        "seed": SEED,
        "repeats": REPEATS,
        "seconds": {"oracle": t_oracle, "scipy": t_scipy, "networkx": t_nx},
        "build_seconds": build_s,
        "oracle_nbytes": oracle.nbytes,
        "build_tracemalloc_peak_bytes": peak,
        "max_abs_difference_m": {"scipy": err_scipy, "networkx": err_nx},
        "environment": environment("networkx"),
    }


def report(r: dict[str, Any]) -> str:
    """The Markdown report of ``run()``'s figures."""
    s = r["seconds"]
    speed_scipy = s["scipy"] / s["oracle"]
    mb = 2**20
    memory = max(r["oracle_nbytes"], r["build_tracemalloc_peak_bytes"]) / mb
    ok = {
        "speed": speed_scipy >= GOAL_SPEEDUP,
        "build": r["build_seconds"] < GOAL_BUILD_S,
        "memory": memory < GOAL_MEMORY_MB,
    }
    mark = {True: "met", False: "**missed**"}
    env = r["environment"]
    lines = [
        f"# Distance oracle vs scipy vs networkx: {r['layout']}",
        "",
        f"{r['slots']:,} slots, {r['nodes']:,} nodes, {r['edges']:,} edges, "
        f"{r['junctions']} junctions. A {r['k']} x {r['k']} matrix of pick nodes drawn with "
        f"seed {r['seed']}; median of {r['repeats']['oracle']} / {r['repeats']['scipy']} / "
        f"{r['repeats']['networkx']} runs; kernels warmed first. All three matrices agree "
        f"to {max(r['max_abs_difference_m'].values()):.1e} m.",
        "",
        f"| method | {r['k']}x{r['k']} matrix | time / oracle |",
        "|---|---:|---:|",
        f"| pickopt `DistanceOracle.matrix` | {fmt_s(s['oracle'])} | 1x |",
        f"| scipy `dijkstra(indices=...)` | {fmt_s(s['scipy'])} | {speed_scipy:,.0f}x |",
        f"| networkx `single_source_dijkstra_path_length` x {r['k']} | {fmt_s(s['networkx'])} "
        f"| {s['networkx'] / s['oracle']:,.0f}x |",
        "",
        "| oracle build and memory | value | goal | |",
        "|---|---:|---:|---|",
        f"| speed-up over scipy | {speed_scipy:,.0f}x | >= {GOAL_SPEEDUP:,.0f}x "
        f"| {mark[ok['speed']]} |",
        f"| build time (median of {r['repeats']['build']}) | {fmt_s(r['build_seconds'])} "
        f"| < {GOAL_BUILD_S:g} s | {mark[ok['build']]} |",
        f"| `oracle.nbytes` | {r['oracle_nbytes'] / mb:,.2f} MB | < {GOAL_MEMORY_MB:g} MB "
        f"| {mark[ok['memory']]} |",
        f"| tracemalloc peak during build | {r['build_tracemalloc_peak_bytes'] / mb:,.2f} MB "
        f"| < {GOAL_MEMORY_MB:g} MB | {mark[ok['memory']]} |",
        "",
        f"Python {env['python']}, numpy {env['numpy']}, scipy {env['scipy']}, numba "
        f"{env['numba']}, networkx {env['networkx']}; {env['machine']}, {env['cpus']} CPUs.",
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

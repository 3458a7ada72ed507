"""How far the batch-scoring estimate is from the final route, off the exact DP's layouts.

Batching scores thousands of candidate tours per wave; where the exact DP does
not apply it uses ``LOCAL_SEARCH_ESTIMATE`` (a local search with a small kick
budget). This compares it, and nearest neighbour (the previous scorer), with the
full ``LOCAL_SEARCH`` on random pick sets of the fishbone layout, in one process.

    python benches/routing_estimate.py   # -> benches/results/routing_estimate.md
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from _common import environment, fmt_s  # benches/ is on sys.path when run as a script

from optimizer import DistanceOracle, Layout
from optimizer.routing import ROUTERS, RoutingProblem
from optimizer.routing.local_search import LOCAL_SEARCH, LOCAL_SEARCH_ESTIMATE

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benches" / "results" / "routing_estimate.md"
SIZES = (8, 15, 25, 40)
INSTANCES = 30


def _nearest(p: RoutingProblem) -> float:
    w = ROUTERS["nearest"].solve(p).waypoints
    return float(p.oracle.pairwise(w[:-1], w[1:]).sum())


def _timed(f, p: RoutingProblem) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    value = f(p)
    return value, time.perf_counter() - t


def main() -> None:
    layout = Layout.from_file(ROOT / "layouts" / "fishbone.json")
    oracle = DistanceOracle.for_layout(layout)
    depot = layout.depot().node
    rng = np.random.default_rng(0)
    scorers = {"estimate": LOCAL_SEARCH_ESTIMATE.length, "nearest": _nearest}
    warm = RoutingProblem(layout, oracle, np.sort(layout.pick_nodes[:12]), depot, depot)
    for f in (*scorers.values(), LOCAL_SEARCH.length):
        f(warm)  # compile outside the figures
    rows = []
    for k in SIZES:
        gaps: dict[str, list[float]] = {n: [] for n in scorers}
        secs: dict[str, list[float]] = {n: [] for n in (*scorers, "full")}
        for _ in range(INSTANCES):
            nodes = np.unique(rng.choice(layout.pick_nodes, k, replace=False))
            p = RoutingProblem(layout, oracle, nodes, depot, depot)
            full, t = _timed(LOCAL_SEARCH.length, p)
            secs["full"].append(t)
            for name, f in scorers.items():
                value, t = _timed(f, p)
                gaps[name].append(100 * (value / full - 1))
                secs[name].append(t)
        rows.append(
            f"| {k} | {np.mean(gaps['estimate']):.2f} / {np.max(gaps['estimate']):.2f} "
            f"| {np.mean(gaps['nearest']):.2f} / {np.max(gaps['nearest']):.2f} "
            f"| {fmt_s(float(np.median(secs['estimate'])))} "
            f"| {fmt_s(float(np.median(secs['nearest'])))} "
            f"| {fmt_s(float(np.median(secs['full'])))} |"
        )
    text = "\n".join([
        "# Batch-scoring estimate against the final route (fishbone)",
        "",
        f"`python benches/routing_estimate.py`: {INSTANCES} random pick sets per size, start "
        "and end at the depot; gap in % to `LOCAL_SEARCH` (the final route's router), "
        "mean / worst; median time per tour.",
        "",
        "| picks | `LOCAL_SEARCH_ESTIMATE` gap | nearest neighbour gap | estimate time "
        "| nearest time | full local search time |",
        "|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        ", ".join(f"{k} {v}" for k, v in environment().items()),
        "",
    ])  # fmt: skip
    OUT.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

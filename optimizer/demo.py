"""``make demo``: the main job on a bundled layout, with KPIs and a picture.

Run ``python -m optimizer.demo --out out/demo``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from optimizer.distance import DistanceOracle
from optimizer.layout import Layout
from optimizer.plot import save_figure
from optimizer.routing import route

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"


def _routes(layout: Layout, out: Path, n_picks: int, seed: int) -> None:
    """Route one seeded pick list with every policy and draw the best."""
    rng = np.random.default_rng(seed)
    picks = [layout.slots[i].code for i in rng.choice(len(layout.slots), n_picks, replace=False)]
    print(f"\nA pick list of {n_picks} bin codes (seed {seed}), walked by each method:")
    print(f"  {'method':<12} {'distance m':>11} {'vs best':>8} {'time ms':>8}")
    results = []
    for method in ("auto", "s-shape", "return", "midpoint", "largest-gap", "combined", "nearest"):
        t0 = time.perf_counter()
        r = route(layout, picks, method=method)
        results.append((method, r, (time.perf_counter() - t0) * 1e3))
    best = min(r.distance for _, r, _ in results)
    for method, r, ms in results:
        label = f"{method} ({r.method})" if method == "auto" else method
        gap = 100 * (r.distance / best - 1)
        print(f"  {label:<20} {r.distance:>11.1f} {gap:>7.1f}% {ms:>8.2f}")
    auto = results[0][1]
    path = save_figure(auto.plot(), out / f"route_{layout.name}.png")
    print(f"  picture: {path}")


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit code."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default="out/demo", help="folder for pictures")
    p.add_argument("--layout", default=str(LAYOUTS / "single_block.toml"))
    p.add_argument("--picks", type=int, default=30)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    layout = Layout.from_file(args.layout)
    t0 = time.perf_counter()
    oracle = DistanceOracle.for_layout(layout)
    oracle.warm_up()
    build_ms = (time.perf_counter() - t0) * 1e3
    info = layout.info()
    print(f"Layout {info['name']} ({info['version']}): {info['slots']:,} slots, "
          f"{info.get('aisles', '-')} aisles x {info.get('blocks', '-')} blocks, "
          f"{info['width_m']} x {info['depth_m']} m; oracle {oracle.n_junctions} junctions, "
          f"built and warmed in {build_ms:.0f} ms")  # fmt: skip
    _routes(layout, out, args.picks, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``make demo``: plan a wave on the bundled layout and orders, print KPIs,
draw the routes.

Run ``python -m optimizer.demo --out out/demo``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.io import read_orders, read_slotting
from optimizer.jobs.warmup import warm_up
from optimizer.layout import Layout
from optimizer.plot import plot_route, save_figure
from optimizer.routing import route
from optimizer.waves import WavePlan, plan_wave

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = ROOT / "layouts" / "single_block.toml"
ORDERS = ROOT / "instances" / "wave_single_block_200_s2.json"
SLOTTING = ROOT / "instances" / "wave_single_block_200_s2_slotting.csv"


def _print_kpis(plan: WavePlan) -> None:
    k = plan.kpis
    rows = [
        ("orders (assigned / unassigned)", f"{k.assigned_orders} / {k.unassigned_orders}"),
        ("lines, units", f"{k.lines:,}, {k.units:,}"),
        ("batches (tours)", f"{k.batches}"),
        ("walking, total", f"{k.total_distance_m:,.0f} m"),
        ("walking per line", f"{k.distance_per_line_m:.2f} m"),
        ("one order per tour would walk", f"{k.single_order_distance_m:,.0f} m "
                                          f"(saving {k.saving_vs_single_pct:.1f}%)"),
        ("first come first served would walk", f"{k.fcfs_distance_m:,.0f} m "
                                               f"(saving {k.saving_vs_fcfs_pct:.1f}%)"),
        ("picker time (walk, pick, setup)", f"{k.total_time_s / 3600:.1f} h"),
        ("methods", f"batching {k.batching_method}, routes {', '.join(k.routing_methods)}"),
        ("planning time", f"{k.seconds * 1e3:.0f} ms"),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


def _compare_policies(layout: Layout, plan: WavePlan) -> None:
    """Walk the largest batch with every routing policy."""
    biggest = max(plan.batches, key=lambda b: len(b.route.stops))
    codes = list(biggest.route.stops)
    print(f"\nThe largest batch ({len(codes)} bins) walked by each routing method:")
    print(f"  {'method':<20} {'distance m':>11} {'vs best':>8} {'time ms':>8}")
    results = []
    for method in ("auto", "s-shape", "return", "midpoint", "largest-gap", "combined", "nearest"):
        t0 = time.perf_counter()
        r = route(layout, codes, method=method)
        results.append((method, r, (time.perf_counter() - t0) * 1e3))
    best = min(r.distance for _, r, _ in results)
    for method, r, ms in results:
        label = f"{method} ({r.method})" if method == "auto" else method
        print(
            f"  {label:<20} {r.distance:>11.1f} {100 * (r.distance / best - 1):>7.1f}% {ms:>8.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit code."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default="out/demo", help="folder for pictures")
    p.add_argument("--layout", default=str(LAYOUT))
    p.add_argument("--orders", default=str(ORDERS))
    p.add_argument("--slotting", default=str(SLOTTING))
    p.add_argument("--cart-items", type=int, default=30)
    args = p.parse_args(argv)
    out = Path(args.out)

    # Every kernel compiled (or loaded from the cache) first, so that the
    # planning time below is planning, not compiling.
    warm = warm_up()
    print("\n".join(warm.describe()[:2]))  # what was compiled, what loaded; the cache
    layout = Layout.from_file(args.layout)
    t0 = time.perf_counter()
    oracle = DistanceOracle.for_layout(layout)
    oracle_ms = (time.perf_counter() - t0) * 1e3
    info = layout.to_dict()
    print(f"Layout {info['name']} ({info['content_hash']}): {info['slots']:,} slots, "
          f"{info.get('aisles', '-')} aisles x {info.get('blocks', '-')} block(s), "
          f"{info['width_m']} x {info['depth_m']} m; distances ready in "
          f"{oracle_ms:.0f} ms")  # fmt: skip

    orders = read_orders(args.orders)
    slotting = read_slotting(args.slotting)
    cart = Cart(max_items=args.cart_items)
    print(f"\nWave: {len(orders)} orders from {Path(args.orders).name}, cart of {cart.describe()}")
    plan = plan_wave(layout, slotting, orders, cart, oracle=oracle)
    _print_kpis(plan)
    for u in plan.unassigned[:5]:
        print(f"  unassigned {u.order_id}: {u.reason}")
    _compare_policies(layout, plan)

    wave_png = save_figure(plan.plot(n=6), out / "wave.png")
    route_png = save_figure(plot_route(plan.batches[0].route), out / "batch_1_route.png")
    print(f"\nPictures: {wave_png} (six tours of the wave), {route_png} (tour 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What a wave's batching search buys per round: walking and CPU by ``effort``.

The service plans each wave with ``PICKOPT_DEFAULT_EFFORT`` ALNS rounds
(``optimizer.service.settings``), far fewer than ``"auto"``'s own budget
(:func:`optimizer.batching.alns.default_iterations`), so that two workers
keep up with ten 100-order waves a second (``benches/load_service.py``).
This script plans the load test's first waves (``load_service.backlog``:
100-order slices of one ``large_wave`` backlog on ``layouts/single_block.toml``,
carts of 45 items, seed ``k`` for wave ``k``) with ``plan_wave`` at each effort and
prints the total walking against the smallest effort and against ``"auto"``'s
own budget, with the CPU seconds of a plan (``time.process_time``: the
distances are deterministic, the CPU is not).

Run: ``python benches/wave_effort.py --efforts 20,300,500,1000,2000 --waves 10``
(writes ``benches/results/wave_effort.md``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from load_service import BACKLOG_WAVES, backlog

from optimizer import Layout
from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.orders import Order, Slotting
from optimizer.waves import WavePolicy, plan_wave

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benches" / "results"
ORDERS = 100  # per wave, as benches/load_service.py


def _plan(
    layout: Layout,
    slotting: Slotting,
    waves: list[list[Order]],
    oracle: DistanceOracle,
    effort: int | None,
) -> tuple[float, list[float]]:
    """Total walking over ``waves`` and the CPU seconds of each plan."""
    total, cpu = 0.0, []
    for k, wave in enumerate(waves):
        c0 = time.process_time()
        plan = plan_wave(layout, slotting, wave, Cart(max_items=45),
                         WavePolicy(seed=k, effort=effort), oracle=oracle)  # fmt: skip
        cpu.append(time.process_time() - c0)
        total += plan.kpis.total_distance_m
    return total, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--efforts", default="20,300,500,1000,2000")
    parser.add_argument("--waves", type=int, default=10)
    parser.add_argument("--out", default="wave_effort")
    args = parser.parse_args()
    efforts = [int(e) for e in args.efforts.split(",")]
    if not 1 <= args.waves <= BACKLOG_WAVES:
        raise SystemExit(f"--waves must be 1 to {BACKLOG_WAVES}: the load test's backlog")
    layout = Layout.from_file(ROOT / "layouts" / "single_block.toml")
    oracle = DistanceOracle.for_layout(layout)
    oracle.warm_up()
    # The load test's first waves: slices of its backlog of BACKLOG_WAVES waves.
    slotting, waves = backlog(layout, BACKLOG_WAVES, ORDERS)
    waves = waves[: args.waves]
    plan_wave(layout, slotting, waves[0][:30], Cart(max_items=45), oracle=oracle)  # compile
    full, full_cpu = _plan(layout, slotting, waves, oracle, None)
    rows = []
    for effort in efforts:
        total, cpu = _plan(layout, slotting, waves, oracle, effort)
        rows.append((effort, total, statistics.mean(cpu), max(cpu)))
    first = rows[0][1]
    lines = [
        "# Walking and CPU of a 100-order wave by the batching search's effort",
        "",
        f"`python benches/wave_effort.py --efforts {args.efforts} --waves {args.waves}`",
        "",
        f"{args.waves} waves of the service load test (`large_wave`, single_block, carts of "
        "45 items); `plan_wave` CPU per wave (`time.process_time`, final routes and KPIs "
        f"included); `auto`'s own budget walks {full:,.0f} m in all, "
        f"{statistics.mean(full_cpu):.1f} s of CPU a wave.",
        "",
        f"| effort (ALNS rounds) | walking | vs effort {efforts[0]} | vs auto's budget "
        "| CPU a wave, mean / max |",
        "|---:|---:|---:|---:|---|",
    ]
    for effort, total, mean, most in rows:
        lines.append(
            f"| {effort:,} | {total:,.0f} m | {100 * (total / first - 1):+.2f} % "
            f"| {100 * (total / full - 1):+.2f} % | {1000 * mean:.0f} / {1000 * most:.0f} ms |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    (RESULTS / f"{args.out}.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

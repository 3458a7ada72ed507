"""Speed and memory of the nightly slotting core on 10 million order lines.

Fixed work: a seeded history of at least 10,000,000 order lines over
100,000 SKUs (60 days; Zipf exponent 1.0 without a head offset, so that
nearly every SKU of the long tail occurs), written to ``/tmp`` as Parquet
and as CSV with its SKU master (unit cubes). Each input is then processed
in a fresh Python process that measures

- ``DemandProfile.from_file`` (streamed in chunks, SKU master joined,
  co-picked pairs counted),
- ``classify`` (ABC 80/15/5),
- ``assign`` (class-based) on a 120,000-slot layout (60 aisles x 4 blocks x
  50 cells x 2 sides x 5 levels, 60-litre slots, so capacities apply),
  slot desirability (distances from the depot, golden zone) included,

with wall time per step and the peak resident memory of the process
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``: interpreter, imports and the
layout included). Building the layout is timed apart.

Goal (the slotting issue): profile + classification + assignment under
60 s and under 4 GB.

Run: ``python benches/slotting_speed.py`` (about two minutes; writes
``benches/results/slotting_speed.md`` and ``.json``).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benches" / "results"
TMP = Path(os.environ.get("TMPDIR", "/tmp")) / "pickopt_slotting_speed"
SEED = 20240611
N_SKUS = 100_000
DAYS = 60
ORDERS_PER_DAY = 55_000  # about 3.1 lines an order: 10.2 M lines
MIN_LINES = 10_000_000
GOAL_S, GOAL_GB = 60.0, 4.0
LAYOUT_SPEC: dict[str, Any] = {
    "name": "dc_120k",
    "kind": "parallel-aisles",
    "aisles": 60,
    "blocks": 4,
    "cells": 50,
    "cell_length": 1.2,
    "aisle_spacing": 4.5,
    "cross_aisle_to_cell": 1.5,
    "cross_aisle_width": 3.0,
    "sides": 2,
    "levels": 5,
    "slot_capacity": 60.0,
    "depots": [{"name": "D1", "aisle": 30, "at": "front"}],
}


def generate() -> dict[str, Any]:
    """Write the history (Parquet and CSV) and the SKU master to ``TMP``."""
    from optimizer.synthetic import generate_history

    TMP.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    h = generate_history(N_SKUS, days=DAYS, orders_per_day=ORDERS_PER_DAY, seed=SEED,
                         skew=1.0, head=0.0)  # fmt: skip
    if h.n_lines < MIN_LINES:
        raise SystemExit(f"generated only {h.n_lines:,} lines; raise ORDERS_PER_DAY")
    t_gen = time.perf_counter() - t0
    h.write(TMP / "history.parquet")
    h.write(TMP / "history.csv")
    h.write_master(TMP / "skus.csv")
    return {
        "lines": h.n_lines,
        "orders": h.n_orders,
        "skus_generated": len(h.skus),
        "generate_s": round(t_gen, 2),
        "parquet_mb": round((TMP / "history.parquet").stat().st_size / 2**20, 1),
        "csv_mb": round((TMP / "history.csv").stat().st_size / 2**20, 1),
    }


def measure(path: str) -> dict[str, Any]:
    """Run the three steps on ``path`` in this process; return times and peak RSS."""
    from optimizer.layout import Layout
    from optimizer.slotting import DemandProfile, SlottingWarning, assign, classify

    out: dict[str, Any] = {"input": Path(path).suffix.lstrip(".")}
    t0 = time.perf_counter()
    profile = DemandProfile.from_file(path, sku_master=TMP / "skus.csv")
    t1 = time.perf_counter()
    classes = classify(profile)
    t2 = time.perf_counter()
    layout = Layout.from_spec(LAYOUT_SPEC)
    t3 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        slotting = assign(layout, profile, "class-based")
    t4 = time.perf_counter()
    out.update(
        lines=profile.n_lines,
        orders=profile.n_orders,
        skus=len(profile),
        slots=len(layout.slots),
        slotted=len(slotting),
        unslotted=len(slotting.unslotted),
        a_skus=classes.rows[0].skus,
        profile_s=round(t1 - t0, 2),
        classify_s=round(t2 - t1, 3),
        assign_s=round(t4 - t3, 2),
        layout_s=round(t3 - t2, 2),
        total_s=round((t1 - t0) + (t2 - t1) + (t4 - t3), 2),
        peak_rss_gb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
    )
    return out


def main() -> None:
    """Generate, measure each input in a fresh process, write the results."""
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2])))
        return
    data = generate()
    print(f"history: {data['lines']:,} lines, {data['orders']:,} orders "
          f"({data['generate_s']} s to generate)")  # fmt: skip
    runs = []
    for name in ("history.parquet", "history.csv"):
        proc = subprocess.run(
            [sys.executable, __file__, "--measure", str(TMP / name)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(runs[-1])
    ok = all(r["total_s"] < GOAL_S and r["peak_rss_gb"] < GOAL_GB for r in runs)
    rows = [
        "| input | lines | SKUs | profile (s) | classify (s) | assign (s) | **total (s)** | "
        "peak RSS (GB) | layout build (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        rows.append(
            f"| {r['input']} | {r['lines']:,} | {r['skus']:,} | {r['profile_s']} | "
            f"{r['classify_s']} | {r['assign_s']} | **{r['total_s']}** | {r['peak_rss_gb']} | "
            f"{r['layout_s']} |"
        )
    r0 = runs[0]
    md = f"""# Slotting speed: 10 million order lines

Goal: profile + classification + assignment for 10 million order lines and
100,000 SKUs in under {GOAL_S:.0f} s and under {GOAL_GB:.0f} GB. **{"Met" if ok else "NOT met"}.**

{chr(10).join(rows)}

- History: `generate_history({N_SKUS:,}, days={DAYS}, orders_per_day={ORDERS_PER_DAY:,},
  seed={SEED}, skew=1.0, head=0.0)`: {data["lines"]:,} lines, {data["orders"]:,} orders;
  Parquet {data["parquet_mb"]} MB (zstd, SKU column dictionary-encoded), CSV
  {data["csv_mb"]} MB; SKU master with unit cubes. {r0["skus"]:,} of the
  {data["skus_generated"]:,} SKUs occur in the history (the rest of the Zipf
  tail was never ordered).
- Layout: {r0["slots"]:,} slots of 60 litres (60 aisles x 4 blocks x 50 cells x 2
  sides x 5 levels); class-based assignment with capacities: {r0["slotted"]:,}
  SKUs slotted, {r0["unslotted"]:,} unslotted (they need more than 60 l for two
  days of demand; listed with the reason). Class A: {r0["a_skus"]:,} SKUs.
- Times are wall clock in a fresh process per input; the peak RSS is the
  whole process (interpreter, numpy/pyarrow, the layout and its oracle).
- Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs,
  Python {platform.python_version()}.

Run: `python benches/slotting_speed.py`.
"""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "slotting_speed.md").write_text(md, encoding="utf-8")
    (OUT / "slotting_speed.json").write_text(json.dumps({"history": data, "runs": runs},
                                                        indent=2) + "\n")  # fmt: skip
    print(md)


if __name__ == "__main__":
    main()

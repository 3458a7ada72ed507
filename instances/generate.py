"""Write the generated instances of ``instances/`` (see ``instances/README.md``).

Run ``python instances/generate.py`` from the repository root (or anywhere:
paths are relative to this file). The output is deterministic for the seeds
below, and ``tests/synthetic/test_instances.py`` checks that the committed files are
what this script writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from optimizer.io import write_orders, write_slotting
from optimizer.synthetic import generate_history, henn_instance, henn_layout, large_wave

__all__ = ["HENN", "WAVES", "CUTOFFS", "HISTORY", "write_all", "main"]

OUT = Path(__file__).resolve().parent

#: (storage, orders, capacity, seed) of the Henn & Wäscher instances.
HENN: tuple[tuple[Literal["abc", "random"], int, int, int], ...] = (
    ("abc", 60, 45, 1),
    ("random", 60, 45, 1),
)

#: (orders, seed, format) of the waves on the Henn & Wäscher layout
#: (single_block.toml); the JSON one has carriers with cut-off times.
WAVES = ((1000, 1, "csv"), (200, 2, "json"))

#: Carrier -> due (seconds since midnight: 14:00, 16:00, 18:00) for the JSON wave.
CUTOFFS = {"DHL": 50_400.0, "UPS": 57_600.0, "POST": 64_800.0}


#: (SKUs, days, orders per day, seed) of the order history for slotting
#: (``optimizer.synthetic.generate_history`` with its default demand shape).
HISTORY = (800, 30, 40, 1)


def write_all(out: Path = OUT) -> list[Path]:
    """Write every instance to ``out``; return the files written."""
    written: list[Path] = []
    for storage, n_orders, capacity, seed in HENN:
        _, slotting, orders, _ = henn_instance(n_orders, capacity, storage, seed)
        stem = f"henn_{storage}_{n_orders}_{capacity}_s{seed}"
        write_orders(orders, out / f"{stem}.csv")
        write_slotting(slotting, out / f"{stem}_slotting.csv")
        written += [out / f"{stem}.csv", out / f"{stem}_slotting.csv"]
    layout = henn_layout()
    for n_orders, seed, fmt in WAVES:
        cutoffs = CUTOFFS if fmt == "json" else None
        slotting, orders = large_wave(layout, n_orders, seed, cutoffs=cutoffs)
        stem = f"wave_single_block_{n_orders}_s{seed}"
        write_orders(orders, out / f"{stem}.{fmt}")
        write_slotting(slotting, out / f"{stem}_slotting.csv")
        written += [out / f"{stem}.{fmt}", out / f"{stem}_slotting.csv"]
    n_skus, days, per_day, seed = HISTORY
    history = generate_history(n_skus, days, per_day, seed=seed)
    stem = f"history_single_block_{days}d_s{seed}"
    written += [history.write(out / f"{stem}.csv"), history.write_master(out / f"{stem}_skus.csv")]
    return written


def main() -> None:
    """Write the instances next to this script and list them."""
    for path in write_all():
        print(f"{path.relative_to(OUT.parent)}  {path.stat().st_size:>8,} bytes")


if __name__ == "__main__":
    main()

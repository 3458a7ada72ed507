"""``pickopt waves --backlog``: release a backlog into waves and plan each, on any executor."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from optimizer.batching import Cart
from optimizer.io import read_orders, read_slotting, write_slotting
from optimizer.jobs import plan_backlog
from optimizer.layout import Layout
from optimizer.synthetic import large_wave
from optimizer.waves import WavePolicy
from tests.cli.conftest import Cli
from tests.conftest import LAYOUTS

SINGLE = str(LAYOUTS / "single_block.toml")


@pytest.fixture
def backlog(tmp_path: Path) -> tuple[Path, Path]:
    """60 orders for two carriers, with priorities, and their slotting."""
    layout = Layout.from_file(SINGLE)
    slotting, orders = large_wave(layout, 60, seed=2, cutoffs={"DHL": 36000, "UPS": 43200})
    path = tmp_path / "backlog.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "sku", "qty", "due", "priority", "carrier"])
        for k, o in enumerate(orders):
            for line in o.lines:
                w.writerow([o.id, line.sku, line.qty, o.due, k % 3, o.carrier])
    write_slotting(slotting, tmp_path / "slotting.csv")
    return path, tmp_path / "slotting.csv"


def _args(backlog: tuple[Path, Path], *extra: str) -> list[str]:
    return ["waves", "--layout", SINGLE, "--backlog", str(backlog[0]), "--slotting",
            str(backlog[1]), "--pickers", "1", "--window-min", "10", "--cart-items", "30",
            "--batching", "savings", *extra]  # fmt: skip


def _timeless(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _timeless(v) for k, v in data.items()
                if k not in ("seconds", "batching_seconds", "executor")}  # fmt: skip
    if isinstance(data, list):
        return [_timeless(v) for v in data]
    return data


def test_waves_plans_every_released_wave(cli: Cli, backlog: tuple[Path, Path]) -> None:
    code, out, err = cli(*_args(backlog, "--json"))
    assert code == 0, err
    got = json.loads(out)
    expected = plan_backlog(Layout.from_file(SINGLE), read_slotting(backlog[1]),
                            read_orders(backlog[0]), Cart(max_items=30), pickers=1,
                            window_s=600, policy=WavePolicy(batching="savings"))  # fmt: skip
    assert got["waves"] == len(expected.waves) > 1 and got["executor"] == "inline"
    assert got["orders"] == 60 and got["unassigned"] == 0
    assert _timeless(got) == _timeless(json.loads(json.dumps(expected.to_dict())))


def test_waves_on_local_processes_prints_the_same_waves(
    cli: Cli, backlog: tuple[Path, Path]
) -> None:
    code, inline, _ = cli(*_args(backlog))
    assert code == 0
    code, spread, err = cli(*_args(backlog, "--executor", "processes", "--workers", "1"))
    assert code == 0, err
    assert spread.splitlines()[:-1] == inline.splitlines()[:-1]  # the last line has the time
    assert "planned on processes" in spread.splitlines()[-1]


def test_a_ray_address_without_the_ray_executor_is_one_line(
    cli: Cli, backlog: tuple[Path, Path]
) -> None:
    code, _, err = cli(*_args(backlog, "--ray-address", "auto"))
    assert code == 2
    assert err.strip() == "pickopt: error: a Ray address needs the ray executor, not 'inline'"

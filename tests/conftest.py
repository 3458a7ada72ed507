"""Shared fixtures: the shipped layouts and the public benchmark folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine
from optimizer.slotting import DemandProfile
from optimizer.synthetic import History, generate_history

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = ROOT / "layouts"
BENCHMARKS = ROOT.parent / "shared" / "benchmarks"
SHIPPED = sorted(p.name for p in LAYOUTS.iterdir() if p.suffix in (".toml", ".json"))


def benchmark_file(relative: str) -> Path:
    """A file under ``../shared/benchmarks``, or skip the test saying why."""
    path = BENCHMARKS / relative
    if not path.exists():
        pytest.skip(f"public benchmark data not found at {path} (../shared/benchmarks is absent)")
    return path


@pytest.fixture(scope="session")
def layouts() -> dict[str, Layout]:
    """Every layout shipped in ``layouts/``, by file name."""
    return {name: Layout.from_file(LAYOUTS / name) for name in SHIPPED}


@pytest.fixture(scope="session")
def single_block() -> Layout:
    """The Henn & Waescher standard warehouse."""
    return Layout.from_file(LAYOUTS / "single_block.toml")


@pytest.fixture(scope="session")
def two_block() -> Layout:
    """Two blocks, depot between aisles, a second depot at the back."""
    return Layout.from_file(LAYOUTS / "two_block.toml")


def pa_spec(**changes: Any) -> dict[str, Any]:
    """A hand-checkable parallel-aisle spec: three aisles 3 m apart, one block
    of four 1 m cells starting 1 m from the front cross-aisle (block length
    5 m), depot at the front of aisle 1: 24 slots on 12 pick nodes."""
    base: dict[str, Any] = {
        "name": "tiny",
        "kind": "parallel-aisles",
        "aisles": 3,
        "cells": 4,
        "cell_length": 1.0,
        "aisle_spacing": 3.0,
        "cross_aisle_to_cell": 1.0,
        "depots": [{"name": "D1", "aisle": 1, "at": "front"}],
    }
    base.update(changes)
    return base


@pytest.fixture(scope="module")
def history() -> History:
    """A seeded 21-day order history on 300 SKUs (about 100 orders a day)."""
    return generate_history(300, days=21, orders_per_day=100, seed=5)


@pytest.fixture(scope="module")
def profile(history: History) -> DemandProfile:
    """The demand profile of ``history``."""
    return history.profile()


def random_wave(
    layout: Layout, n: int, rng: np.random.Generator, lines: tuple[int, int] = (1, 7)
) -> list[Order]:
    """``n`` orders of random distinct bins (bin code = SKU), one or two units a line."""
    return [
        Order(
            f"o{k}",
            tuple(
                OrderLine(layout.slots[c].code, int(rng.integers(1, 3)))
                for c in rng.choice(len(layout.slots), int(rng.integers(*lines)), replace=False)
            ),
        )
        for k in range(n)
    ]

"""Shared fixtures: the shipped layouts and the public benchmark folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.layout import Layout

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

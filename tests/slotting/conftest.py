"""Helpers shared by the slotting tests: tiny layouts, capacities, move-list checks."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting import ReslotPlan, apply_moves


def tiny_layout(levels: int = 1, cells: int = 3, aisles: int = 2) -> Layout:
    """``aisles`` x ``cells`` x 2 sides x ``levels`` slots, depot at the front of aisle 1."""
    return Layout.from_spec(
        {
            "name": "tiny",
            "kind": "parallel-aisles",
            "aisles": aisles,
            "cells": cells,
            "cell_length": 1.0,
            "aisle_spacing": 4.0,
            "cross_aisle_to_cell": 1.0,
            "levels": levels,
            "depots": [{"name": "D", "aisle": 1, "at": "front"}],
        }
    )


def with_capacities(layout: Layout, capacities: list[float]) -> Layout:
    """The layout with slot ``k`` holding ``capacities[k % len(capacities)]`` litres."""
    slots = tuple(
        dataclasses.replace(s, capacity=capacities[k % len(capacities)])
        for k, s in enumerate(layout.slots)
    )
    return dataclasses.replace(layout, slots=slots)


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def check_applicable(
    layout: Layout, current: Slotting, plan: ReslotPlan, space: dict[str, float] | None = None
) -> None:
    """The plan's moves apply in order to ``current`` and give ``plan.slotting``."""
    after = apply_moves(current, plan.moves, layout=layout, space=space)
    assert after.bins == plan.slotting.bins
    assert Counter(after.bins.values()).most_common(1)[0][1] == 1, "two SKUs in one bin"
    moved = [m.sku for m in plan.moves]
    assert len(moved) == len(set(moved)), "a SKU moved twice"
    if plan.max_moves is not None:
        assert plan.moves_used <= plan.max_moves

"""What the fanned-out tasks of the jobs share: the warehouse, put once, and a warm-up.

A backlog's waves, a replay's days and a nightly run's warehouses all read
the same layout, distance oracle and slottings. :func:`share_site` hands
them to the executor once (on Ray: one ``ray.put``), keyed by the layout and
slotting versions, so a worker that already holds that version reuses it and
each task carries only a small handle. :func:`warm_up` is the warm-up every
task function runs first in a worker process (see
:func:`optimizer.executors.warm_worker`): one compile or cache load per
process, one writer of numba's cache per machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.executors import Executor, Shared
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting
from optimizer.routing import warm_up as warm_up_routing
from optimizer.waves import plan_wave

__all__ = ["Site", "share_site", "warm_up"]


@dataclass(frozen=True)
class Site:
    """A warehouse as its tasks read it: layout, distances and named slottings."""

    layout: Layout
    oracle: DistanceOracle
    slottings: Mapping[str, Slotting]

    @property
    def key(self) -> str:
        """Layout version and slotting versions: equal keys, equal content."""
        parts = [f"{n}={s.version}" for n, s in sorted(self.slottings.items())]
        return f"site:{self.layout.version}:" + ",".join(parts)


def share_site(
    executor: Executor,
    layout: Layout,
    slottings: Mapping[str, Slotting],
    oracle: DistanceOracle | None = None,
) -> Shared[Site]:
    """The warehouse as a handle for ``executor``'s tasks (its data moves once).

    Examples
    --------
    >>> from optimizer.executors import InProcess
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> site = share_site(InProcess(), layout, {"id": Slotting.identity(layout)})
    >>> site.get().layout is layout
    True
    """
    site = Site(layout, oracle or DistanceOracle.for_layout(layout), dict(slottings))
    return executor.shared(site, key=site.key)


#: The warehouse workers warm up on: small, but one of every kernel's cases.
WARM_UP_SPEC: dict[str, Any] = {
    "name": "warm-up", "kind": "parallel-aisles", "aisles": 10, "cells": 45,
    "cell_length": 1.0, "aisle_spacing": 5.0, "cross_aisle_to_cell": 1.5,
    "depots": [{"name": "D1", "aisle": 1, "at": "front"}],
}  # fmt: skip


def warm_up() -> None:
    """Compile (or load from numba's cache) the kernels a wave plan reaches: the
    distance oracle's, the routers' (exact DP tables of 1 to 4 blocks, local
    search) and batching's."""
    layout = Layout.from_spec(WARM_UP_SPEC)
    DistanceOracle.for_layout(layout).warm_up()
    warm_up_routing()
    codes = [slot.code for slot in layout.slots[::37]]
    orders = [Order(f"w{k}", (OrderLine(code),)) for k, code in enumerate(codes)]
    plan_wave(layout, Slotting.identity(layout), orders, Cart(max_items=6))

"""Plan a whole backlog: release it into waves, then plan every wave.

A promotion day leaves a backlog far larger than one wave.
:func:`plan_backlog` cuts it into waves by carrier cut-off and priority
(:func:`optimizer.waves.release_waves`) and plans each wave with
:func:`optimizer.waves.plan_wave`. The waves are independent once released,
so they are planned by an :class:`~optimizer.executors.Executor`: here, in
local processes or on Ray; the plans are the same, in release order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.executors import Executor, InProcess, Shared, warm_worker
from optimizer.jobs.fanout import Site, share_site
from optimizer.jobs.warmup import call_every_kernel
from optimizer.layout import Layout
from optimizer.orders import Order, Slotting
from optimizer.waves import WavePlan, WavePolicy, plan_wave, release_waves

__all__ = ["BacklogPlan", "plan_backlog"]


@dataclass(frozen=True)
class BacklogPlan:
    """The plans of a released backlog, one per wave in release order.

    Attributes
    ----------
    waves
        One :class:`~optimizer.waves.WavePlan` per wave.
    released
        The order ids of each wave, in release order.
    executor
        Where the waves were planned (``"inline"``, ``"processes"``, ``"ray"``).
    seconds
        Wall time of release and planning.
    """

    waves: tuple[WavePlan, ...]
    released: tuple[tuple[str, ...], ...]
    executor: str
    seconds: float = 0.0

    @property
    def distance_m(self) -> float:
        """Metres walked over all waves."""
        return float(sum(p.kpis.total_distance_m for p in self.waves))

    @property
    def tours(self) -> int:
        """Tours planned over all waves."""
        return sum(p.kpis.batches for p in self.waves)

    @property
    def unassigned(self) -> int:
        """Orders no wave could batch."""
        return sum(p.kpis.unassigned_orders for p in self.waves)

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per wave: orders, tours, metres, unassigned."""
        return [
            {"wave": k, "orders": len(ids), "tours": p.kpis.batches,
             "distance_m": round(p.kpis.total_distance_m, 1),
             "unassigned": p.kpis.unassigned_orders}
            for k, (ids, p) in enumerate(zip(self.released, self.waves, strict=True), start=1)
        ]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: totals, the waves and every wave's plan."""
        return {
            "waves": len(self.waves),
            "orders": sum(len(ids) for ids in self.released),
            "tours": self.tours,
            "distance_m": round(self.distance_m, 3),
            "unassigned": self.unassigned,
            "executor": self.executor,
            "seconds": round(self.seconds, 3),
            "per_wave": self.to_rows(),
            "plans": [p.to_dict() for p in self.waves],
        }


@dataclass(frozen=True)
class WaveTask:
    """One wave to plan in a worker: the shared warehouse and the wave's own data."""

    site: Shared[Site]
    orders: tuple[Order, ...]
    cart: Cart
    policy: WavePolicy | None


def plan_wave_task(task: WaveTask) -> WavePlan:
    """Plan one released wave (what each worker runs)."""
    warm_worker(call_every_kernel)
    site = task.site.get()
    slotting = next(iter(site.slottings.values()))
    return plan_wave(site.layout, slotting, task.orders, task.cart, task.policy,
                     oracle=site.oracle)  # fmt: skip


def plan_backlog(
    layout: Layout,
    slotting: Slotting,
    orders: Sequence[Order],
    cart: Cart,
    *,
    pickers: int,
    window_s: float,
    policy: WavePolicy | None = None,
    executor: Executor | None = None,
    oracle: DistanceOracle | None = None,
) -> BacklogPlan:
    """Release ``orders`` into waves and plan every wave.

    Parameters
    ----------
    layout, slotting, cart
        The warehouse, where each SKU is stored and what one tour carries.
    orders
        The backlog.
    pickers, window_s
        Pickers per wave and the length of a wave in seconds: a wave closes
        when its estimated work passes ``pickers * window_s``.
    policy
        Wave policy of release and planning; default :class:`WavePolicy`.
    executor
        Where the waves are planned; default in this process.
    oracle
        Distances to reuse.

    Returns
    -------
    BacklogPlan
        One plan per wave, in release order, equal whatever the executor.

    Examples
    --------
    >>> from optimizer.orders import OrderLine
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> orders = [Order(f"o{k}", (OrderLine(s.code),), due=3600.0 * (k % 2))
    ...           for k, s in enumerate(layout.slots[:8])]
    >>> plan = plan_backlog(layout, Slotting.identity(layout), orders, Cart(max_items=4),
    ...                     pickers=1, window_s=300, policy=WavePolicy(batching="savings"))
    >>> [len(ids) for ids in plan.released], plan.tours
    ([5, 3], 3)
    """
    t0 = time.perf_counter()
    executor = executor or InProcess(progress=False)
    waves = release_waves(orders, layout, slotting, cart, pickers=pickers, window_s=window_s,
                          policy=policy)  # fmt: skip
    site = share_site(executor, layout, {slotting.name: slotting}, oracle)
    tasks = [WaveTask(site, tuple(wave), cart, policy) for wave in waves]
    plans = executor.map(plan_wave_task, tasks, label="waves")
    released = tuple(tuple(o.id for o in wave) for wave in waves)
    return BacklogPlan(tuple(plans), released, executor.name, time.perf_counter() - t0)

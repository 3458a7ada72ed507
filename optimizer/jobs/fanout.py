"""What the fanned-out tasks of the jobs share: the warehouse, put once.

A backlog's waves, a replay's days and a nightly run's warehouses all read
the same layout, distance oracle and slottings. :func:`share_site` hands
them to the executor once (on Ray: one ``ray.put``), keyed by the layout and
slotting versions, so a worker that already holds that version reuses it and
each task carries only a small handle. Each task function first runs
:func:`optimizer.jobs.warmup.call_every_kernel` through
:func:`optimizer.executors.warm_worker`: one compile or cache load per
process, one writer of numba's cache per machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from optimizer.distance import DistanceOracle
from optimizer.executors import Executor, Shared
from optimizer.layout import Layout
from optimizer.orders import Slotting

__all__ = ["Site", "share_site"]


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

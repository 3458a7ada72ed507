"""Warm-up: compile every numba kernel into the cache, and build the exact
DP's class tables, so that no later process pays for either.

Kernels compile lazily, each on its first call; :func:`warm_up` makes every
kernel's first call on a small warehouse (distances, every router with a
kernel, a wave), then reports each kernel: compiled now, loaded from the
cache, or not reached. ``pickopt warmup`` runs it, e.g. while building a
container image, so that the containers start with a full cache.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from optimizer._jit import enabled, kernels, numba_cache_dir, on_disk, user_cache_dir
from optimizer.batching import Cart, batch_orders, prepare
from optimizer.batching.columns import call_kernels
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError
from optimizer.layout import Layout
from optimizer.layout.digest import slot_lines
from optimizer.orders import Order, OrderLine, Slotting
from optimizer.routing import RoutingProblem, route
from optimizer.routing import warm_up as warm_up_routing
from optimizer.routing.local_search import LOCAL_SEARCH_ESTIMATE
from optimizer.waves import plan_wave

__all__ = ["KernelState", "WarmUp", "warm_up", "call_every_kernel"]

#: Two blocks: the exact DP's cross-aisle cases, and enough slots for a wave.
_SPEC: dict[str, Any] = {
    "name": "warm-up", "kind": "parallel-aisles", "aisles": 6, "blocks": 2, "cells": 20,
    "cell_length": 1.0, "aisle_spacing": 5.0, "cross_aisle_to_cell": 1.5,
    "depots": [{"name": "D1", "aisle": 1, "at": "front"}],
}  # fmt: skip


@dataclass(frozen=True)
class KernelState:
    """One kernel after the warm-up.

    Attributes
    ----------
    name
        ``module.function``.
    compiled
        Signatures compiled in this process (and written to the cache).
    loaded
        Signatures loaded from the cache.
    cached
        True if the cache holds the kernel (for one called only from other
        kernels, those may have been loaded instead).
    """

    name: str
    compiled: int
    loaded: int
    cached: bool


@dataclass(frozen=True)
class WarmUp:
    """What :func:`warm_up` did.

    Attributes
    ----------
    kernels
        Every kernel of the package.
    seconds
        Wall-clock time of the warm-up.
    numba_cache
        ``NUMBA_CACHE_DIR``, or None: ``__pycache__`` beside the sources.
    tables_cache
        Where the exact DP's class tables are kept (None: not on disk).
    """

    kernels: tuple[KernelState, ...]
    seconds: float
    numba_cache: Path | None
    tables_cache: Path | None

    @property
    def missing(self) -> list[str]:
        """Kernels the warm-up did not reach (none, unless a kernel was added
        without a call here)."""
        return [k.name for k in self.kernels if not k.cached]

    def describe(self) -> list[str]:
        """Lines for people: what was compiled or loaded, and where the caches are."""
        compiled = sum(1 for k in self.kernels if k.compiled)
        loaded = sum(1 for k in self.kernels if k.loaded and not k.compiled)
        inside = sum(1 for k in self.kernels if k.cached and not k.compiled + k.loaded)
        numba = self.numba_cache or "__pycache__ beside the sources (NUMBA_CACHE_DIR not set)"
        lines = [
            f"kernels   {len(self.kernels) - len(self.missing)} of {len(self.kernels)} in the "
            f"cache after {self.seconds:.1f} s: {compiled} compiled now, {loaded} loaded, "
            f"{inside} already cached inside kernels that were loaded",
            f"cache     {numba}",
            f"tables    exact DP class tables, 1 to 4 blocks, in {self.tables_cache or 'memory'}",
        ]
        if self.missing:
            lines.append("not reached: " + ", ".join(self.missing))
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "seconds": round(self.seconds, 3),
            "numba_cache": str(self.numba_cache) if self.numba_cache else None,
            "tables_cache": str(self.tables_cache) if self.tables_cache else None,
            "kernels": [
                {"name": k.name, "compiled": k.compiled, "loaded": k.loaded, "cached": k.cached}
                for k in self.kernels
            ],
            "missing": self.missing,
        }


def call_every_kernel(*, ortools: bool = False) -> None:
    """Call every kernel once, on a small warehouse (what every worker does before its
    first task); with ``ortools``, also load OR-Tools' solver with one small route."""
    warm_up_routing()  # class tables of 1 to 4 blocks; the local search's kernels
    layout = Layout.from_spec(_SPEC)
    oracle = DistanceOracle.for_layout(layout)
    codes = [slot.code for slot in layout.slots[::7]]
    nodes = layout.nodes_of(codes)
    oracle.matrix(nodes)
    oracle.between(nodes, nodes[:3])
    oracle.pairwise(nodes, nodes[::-1])
    oracle.walk_array(np.asarray(nodes, dtype=np.int64))
    # Hub labels: the oracle's mode past MAX_JUNCTIONS junctions, forced here.
    labels = DistanceOracle(layout, max_junctions=0)
    labels.matrix(nodes)
    labels.walk_array(np.asarray(nodes, dtype=np.int64))
    slot_lines(layout.table, 0, len(layout.slots))  # the version kernel of big layouts
    problem = RoutingProblem(layout, oracle, np.asarray(nodes, dtype=np.int64), nodes[0], nodes[0])
    LOCAL_SEARCH_ESTIMATE.length(problem)  # batch scoring off the exact DP's layouts
    route(layout, codes[:6])  # the exact DP's route kernels
    route(layout, codes[:6], method="local-search")  # Held-Karp
    route(layout, codes[:6], method="local-search", oracle=labels)  # ... on hub labels
    route(layout, codes, method="local-search")  # constructions and the search
    orders = [Order(f"w{k}", (OrderLine(code),)) for k, code in enumerate(codes)]
    plan_wave(layout, Slotting.identity(layout), orders, Cart(max_items=4))  # DP lengths
    # The big-wave batching's compiled savings and descent.
    batch_orders(layout, Slotting.identity(layout), orders, Cart(max_items=4), "bulk")
    # The column generation's compiled pricing and its enumeration of small waves.
    call_kernels(prepare(layout, Slotting.identity(layout), orders, Cart(max_items=4))[0])
    if ortools:
        route(layout, codes[:2], method="ortools", time_limit=0.05)


def _state(kernel: Any) -> KernelState:
    func = kernel.py_func
    name = f"{func.__module__}.{func.__qualname__}"
    loaded = sum(kernel.stats.cache_hits.values())
    return KernelState(name, max(len(kernel.signatures) - loaded, 0), loaded, on_disk(kernel))


def warm_up() -> WarmUp:
    """Compile (or load from the cache) every kernel, and build the class tables.

    Returns
    -------
    WarmUp
        Each kernel's state, the time taken and where the caches are.

    Raises
    ------
    PickoptError
        If ``NUMBA_DISABLE_JIT`` is set: there is nothing to compile.
    """
    if not enabled():
        raise PickoptError("NUMBA_DISABLE_JIT is set: kernels run as Python, nothing to compile")
    t0 = time.perf_counter()
    call_every_kernel()
    seconds = time.perf_counter() - t0
    states = tuple(_state(k) for k in kernels())
    return WarmUp(states, seconds, numba_cache_dir(), user_cache_dir())

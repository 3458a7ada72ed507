"""What solver workers run: every CPU-bound step of a request.

Each task takes the worker's :class:`WorkerContext` first, plain picklable
arguments after, and returns plain data (response bodies as JSON bytes, so
the event loop only forwards them). Layouts and slottings are loaded from the
store on first use and cached per ``(tenant, name, version)`` in each worker;
layouts are immutable, so a cached one never goes stale. The caches are
bounded by bytes: half of the worker's memory budget
(``PICKOPT_WORKER_MEMORY_MB``), the other half being the process itself and
the request at hand; for the same reason an upload whose layout would take
more than half of the budget is refused.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError, RoutingError
from optimizer.jobs.warmup import call_every_kernel
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.routing import route
from optimizer.service.convert import (
    build_layout,
    canonical_json,
    check_depot,
    check_slotting,
    parse_document,
    parse_layout,
    parse_slotting,
    route_out,
    to_cart,
    to_orders,
    to_policy,
    wave_out,
)
from optimizer.service.memory import SizedCache, layout_bytes
from optimizer.service.problems import ApiProblem, from_pickopt
from optimizer.service.store import Store, open_store
from optimizer.waves import plan_wave

__all__ = [
    "WorkerContext",
    "init_worker",
    "warm_up",
    "validate_layout",
    "validate_slotting",
    "plan_route",
    "plan_wave_task",
    "cache_budget",
]

#: Bytes a cached slotting takes per SKU (dict entry, two strings, node index).
SKU_BYTES = 200
UNLIMITED_MB = 1 << 20


def cache_budget(memory_mb: int) -> int:
    """Bytes a worker with ``memory_mb`` of memory gives its caches, and the most
    one layout may take."""
    return memory_mb * 2**20 // 2


@dataclass
class WorkerContext:
    """A worker's store connection and its caches of layouts and slottings, bounded
    by :func:`cache_budget` of ``memory_mb``."""

    data_dir: str | None
    memory_mb: int = UNLIMITED_MB
    _store: Store | None = None
    layouts: SizedCache[tuple[str, str, int], Layout] = field(init=False)
    slottings: SizedCache[tuple[str, str, int | str], Slotting] = field(init=False)

    def __post_init__(self) -> None:
        self.layouts = SizedCache(cache_budget(self.memory_mb))
        self.slottings = SizedCache(cache_budget(self.memory_mb) // 4)
        # The oracles live in the distance layer's own cache (one per layout version,
        # shared by every caller in this process): bound it by the same budget, so an
        # evicted layout's tables are freed too.
        DistanceOracle.set_shared_budget(cache_budget(self.memory_mb))

    @property
    def store(self) -> Store:
        """The store, opened on first use."""
        if self._store is None:
            if self.data_dir is None:
                raise PickoptError("this worker has no data directory")
            self._store = open_store(self.data_dir)
        return self._store

    def layout(self, tenant: str, name: str, version: int) -> Layout:
        """A stored layout version of a tenant, compiled once per worker."""

        def load() -> Layout:
            rec = self.store.get_layout(name, version, tenant=tenant)
            if rec is None:  # the parent resolved it, so this is a race with nothing
                raise ApiProblem(404, f"layout {name!r} has no version {version}",
                                 slug="not-found", field="layout_version")  # fmt: skip
            return build_layout(name, json.loads(rec.spec))

        return self.layouts.get((tenant, name, version), load, layout_bytes)

    def slotting(self, tenant: str, name: str, version: int | str, layout: Layout) -> Slotting:
        """A stored slotting version of layout ``name``, or ``"identity"``."""

        def load() -> Slotting:
            if version == "identity":
                return Slotting.identity(layout)
            rec = self.store.get_slotting(name, int(version), tenant=tenant)
            if rec is None:
                raise ApiProblem(404, f"layout {name!r} has no slotting version {version}",
                                 slug="not-found", field="slotting_version")  # fmt: skip
            return Slotting(json.loads(rec.bins), name=f"slotting {version} of {name!r}")

        key = (tenant, f"{name}@{layout.version}" if version == "identity" else name, version)
        return self.slottings.get(key, load, lambda s: SKU_BYTES * len(s.bins))


def init_worker(data_dir: str | None, warm: bool = True, memory_mb: int = UNLIMITED_MB
                ) -> WorkerContext:  # fmt: skip
    """Start a worker: compile the JIT kernels, then serve from ``data_dir`` with
    caches bounded by ``memory_mb``."""
    if warm:
        warm_up()
    return WorkerContext(data_dir, memory_mb)


def warm_up() -> None:
    """Compile (or load from cache) every numba kernel a request can reach, and load
    OR-Tools, so that no request pays for either."""
    call_every_kernel(ortools=True)


# ---- layouts -------------------------------------------------------------------------
def validate_layout(
    ctx: WorkerContext, name: str, body: bytes, fmt: str, max_slots: int, memory_mb: int
) -> dict[str, Any]:
    """Parse, check and compile an uploaded spec; returns what the store keeps.

    The oracle's memory is estimated from the graph before the oracle is built:
    a layout over half of a worker's ``memory_mb`` is refused.
    """
    del ctx
    data = parse_document(body, fmt, "layout spec")
    typed = parse_layout(name, data)
    if data.get("kind") == "parallel-aisles":
        n = 1
        for key, default in (("aisles", 1), ("blocks", 1), ("cells", 1), ("sides", 2),
                             ("levels", 1)):  # fmt: skip
            n *= int(data.get(key, default))
        if n > max_slots:
            raise ApiProblem(422, f"the layout has {n:,} slots; this server accepts at most "
                             f"{max_slots:,} (PICKOPT_MAX_LAYOUT_SLOTS)", slug="limit",
                             field="spec", limit=max_slots)  # fmt: skip
    layout = build_layout(name, typed)
    if len(layout.slots) > max_slots:
        raise ApiProblem(422, f"the layout has {len(layout.slots):,} slots; this server accepts "
                         f"at most {max_slots:,} (PICKOPT_MAX_LAYOUT_SLOTS)", slug="limit",
                         field="spec", limit=max_slots)  # fmt: skip
    need, allowed = layout_bytes(layout), cache_budget(memory_mb)
    if need > allowed:
        raise ApiProblem(422, f"the layout's distance tables would take about {need / 2**20:,.0f} "
                         f"MB; a solver worker has {memory_mb:,} MB (PICKOPT_WORKER_MEMORY_MB) "
                         f"and one layout may use at most half, {allowed / 2**20:,.0f} MB",
                         slug="limit", field="spec", limit=memory_mb)  # fmt: skip
    try:
        oracle = DistanceOracle.for_layout(layout)
    except PickoptError as exc:
        raise from_pickopt(exc, "spec") from None
    spec = canonical_json(data)
    info = {**layout.to_dict(), "junctions": oracle.n_junctions}
    return {
        "spec": spec,
        "digest": hashlib.sha256(spec.encode()).hexdigest(),
        "layout_hash": layout.version,
        "info": info,
        "source": body.decode("utf-8") if fmt == "toml" else "",
    }


def validate_slotting(
    ctx: WorkerContext, tenant: str, name: str, version: int, body: bytes, fmt: str
) -> dict[str, Any]:
    """Parse an uploaded slotting and check every bin against the layout version."""
    layout = ctx.layout(tenant, name, version)
    bins = parse_slotting(body, fmt)
    slotting = check_slotting(layout, bins)
    return {"bins": canonical_json(bins), "digest": slotting.version, "skus": len(bins)}


# ---- routes and waves ------------------------------------------------------------------
def plan_route(
    ctx: WorkerContext, tenant: str, name: str, version: int, req: dict[str, Any]
) -> bytes:
    """One route; returns the JSON body."""
    layout = ctx.layout(tenant, name, version)
    for i, pick in enumerate(req["picks"]):
        try:
            layout.slot(pick)
        except PickoptError as exc:
            raise from_pickopt(exc, f"picks[{i}]") from None
    check_depot(layout, req.get("start"), "start")
    check_depot(layout, req.get("end"), "end")
    try:
        r = route(layout, req["picks"], req["method"], req.get("start"), req.get("end"),
                  time_limit=req.get("time_limit_s"), seed=req["seed"])  # fmt: skip
    except RoutingError as exc:
        raise from_pickopt(exc, "method") from None
    oracle = DistanceOracle.for_layout(layout)
    return route_out(r, oracle, layout_version=version).model_dump_json().encode()


def plan_wave_task(
    ctx: WorkerContext,
    tenant: str,
    name: str,
    version: int,
    slotting_version: int | str,
    req: dict[str, Any],
    time_budget: float,
) -> bytes:
    """One wave plan; returns the JSON body."""
    layout = ctx.layout(tenant, name, version)
    slotting = ctx.slotting(tenant, name, slotting_version, layout)
    orders = to_orders(req["orders"])
    cart = to_cart(req["cart"])
    policy = to_policy(req["policy"], time_budget)
    check_depot(layout, req.get("start"), "start")
    check_depot(layout, req.get("end"), "end")
    try:
        plan = plan_wave(layout, slotting, orders, cart, policy, start=req.get("start"),
                         end=req.get("end"), baselines=req.get("baselines", True))  # fmt: skip
    except RoutingError as exc:  # a routing method that does not apply to this layout
        raise from_pickopt(exc, "policy.routing") from None
    except PickoptError as exc:
        raise from_pickopt(exc, "orders") from None
    out = wave_out(plan, policy, layout_name=name, layout_version=version,
                   layout_hash=layout.version, slotting_version=slotting_version,
                   time_budget=time_budget)  # fmt: skip
    return out.model_dump_json().encode()


def sleep_task(ctx: WorkerContext, seconds: float) -> float:
    """Sleep (for tests of timeouts and of the pool)."""
    del ctx
    time.sleep(seconds)
    return seconds

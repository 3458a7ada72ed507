"""What solver workers run: every CPU-bound step of a request.

Each task takes the worker's :class:`WorkerContext` first, plain picklable
arguments after, and returns plain data (response bodies as JSON bytes, so
the event loop only forwards them). Layouts and slottings are loaded from the
store on first use and cached per ``(name, version)`` in each worker; layouts
are immutable, so a cached one never goes stale.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError, RoutingError
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.routing import route
from optimizer.routing import warm_up as warm_up_routing
from optimizer.service.convert import (
    build_layout,
    canonical_json,
    check_depot,
    check_slotting,
    parse_document,
    parse_slotting,
    route_out,
    to_cart,
    to_orders,
    to_policy,
    validation_problem,
    wave_out,
)
from optimizer.service.problems import ApiProblem, from_pickopt
from optimizer.service.schemas import LayoutSpec
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
    "CACHE_LAYOUTS",
]

CACHE_LAYOUTS = 16
_SPEC = TypeAdapter(LayoutSpec)
K = TypeVar("K")
V = TypeVar("V")


def _cached(cache: OrderedDict[K, V], key: K, size: int, make: Callable[[], V]) -> V:
    value = cache.get(key)
    if value is None:
        value = cache[key] = make()
        if len(cache) > size:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return value


@dataclass
class WorkerContext:
    """A worker's store connection and caches of layouts and slottings."""

    data_dir: str | None
    _store: Store | None = None
    layouts: OrderedDict[tuple[str, int], Layout] = field(default_factory=OrderedDict)
    slottings: OrderedDict[tuple[str, int | str], Slotting] = field(default_factory=OrderedDict)

    @property
    def store(self) -> Store:
        """The store, opened on first use."""
        if self._store is None:
            if self.data_dir is None:
                raise PickoptError("this worker has no data directory")
            self._store = open_store(self.data_dir)
        return self._store

    def layout(self, name: str, version: int) -> Layout:
        """A stored layout version, compiled once per worker."""

        def load() -> Layout:
            rec = self.store.get_layout(name, version)
            if rec is None:  # the parent resolved it, so this is a race with nothing
                raise ApiProblem(404, f"layout {name!r} has no version {version}",
                                 slug="not-found", field="layout_version")  # fmt: skip
            return build_layout(name, json.loads(rec.spec))

        return _cached(self.layouts, (name, version), CACHE_LAYOUTS, load)

    def slotting(self, name: str, version: int | str, layout: Layout) -> Slotting:
        """A stored slotting version of layout ``name``, or ``"identity"``."""

        def load() -> Slotting:
            if version == "identity":
                return Slotting.identity(layout)
            rec = self.store.get_slotting(name, int(version))
            if rec is None:
                raise ApiProblem(404, f"layout {name!r} has no slotting version {version}",
                                 slug="not-found", field="slotting_version")  # fmt: skip
            return Slotting(json.loads(rec.bins), name=f"slotting {version} of {name!r}")

        key = (f"{name}@{layout.version}", version) if version == "identity" else (name, version)
        return _cached(self.slottings, key, 2 * CACHE_LAYOUTS, load)


def init_worker(data_dir: str | None, warm: bool = True) -> WorkerContext:
    """Start a worker: compile the JIT kernels, then serve from ``data_dir``."""
    if warm:
        warm_up()
    return WorkerContext(data_dir)


def warm_up() -> None:
    """Compile (or load from cache) every numba kernel a request can reach, so that
    no request pays for compilation."""
    from optimizer.batching import Cart
    from optimizer.instances import henn_instance

    layout, slotting, orders, cart = henn_instance(4, 30, seed=0)
    oracle = DistanceOracle.for_layout(layout)
    oracle.warm_up()
    warm_up_routing()  # the exact DP's tables (1 to 4 blocks) and the local search
    route(layout, [layout.slots[3].code, layout.slots[500].code])
    route(layout, [layout.slots[3].code, layout.slots[500].code], method="ortools",
          time_limit=0.05)  # fmt: skip
    plan_wave(layout, slotting, orders, Cart(max_items=60))
    del cart


# ---- layouts -------------------------------------------------------------------------
def validate_layout(
    ctx: WorkerContext, name: str, body: bytes, fmt: str, max_slots: int
) -> dict[str, Any]:
    """Parse, check and compile an uploaded spec; returns what the store keeps."""
    del ctx
    data = parse_document(body, fmt, "layout spec")
    try:
        _SPEC.validate_python(data)
    except ValidationError as exc:
        raise validation_problem(exc, "spec", ("parallel-aisles", "graph")) from None
    if data.get("kind") == "parallel-aisles":
        n = 1
        for key, default in (("aisles", 1), ("blocks", 1), ("cells", 1), ("sides", 2),
                             ("levels", 1)):  # fmt: skip
            n *= int(data.get(key, default))
        if n > max_slots:
            raise ApiProblem(422, f"the layout has {n:,} slots; this server accepts at most "
                             f"{max_slots:,} (PICKOPT_MAX_LAYOUT_SLOTS)", slug="limit",
                             field="spec", limit=max_slots)  # fmt: skip
    layout = build_layout(name, data)
    if len(layout.slots) > max_slots:
        raise ApiProblem(422, f"the layout has {len(layout.slots):,} slots; this server accepts "
                         f"at most {max_slots:,} (PICKOPT_MAX_LAYOUT_SLOTS)", slug="limit",
                         field="spec", limit=max_slots)  # fmt: skip
    try:
        oracle = DistanceOracle.for_layout(layout)
    except PickoptError as exc:
        raise from_pickopt(exc, "spec") from None
    spec = canonical_json(data)
    info = {**layout.info(), "junctions": oracle.n_junctions}
    return {
        "spec": spec,
        "digest": hashlib.sha256(spec.encode()).hexdigest(),
        "layout_hash": layout.version,
        "info": info,
        "source": body.decode("utf-8") if fmt == "toml" else "",
    }


def validate_slotting(
    ctx: WorkerContext, name: str, version: int, body: bytes, fmt: str
) -> dict[str, Any]:
    """Parse an uploaded slotting and check every bin against the layout version."""
    layout = ctx.layout(name, version)
    bins = parse_slotting(body, fmt)
    slotting = check_slotting(layout, bins)
    return {"bins": canonical_json(bins), "digest": slotting.version, "skus": len(bins)}


# ---- routes and waves ------------------------------------------------------------------
def plan_route(ctx: WorkerContext, name: str, version: int, req: dict[str, Any]) -> bytes:
    """One route; returns the JSON body."""
    layout = ctx.layout(name, version)
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
    name: str,
    version: int,
    slotting_version: int | str,
    req: dict[str, Any],
    time_budget: float,
) -> bytes:
    """One wave plan; returns the JSON body."""
    layout = ctx.layout(name, version)
    slotting = ctx.slotting(name, slotting_version, layout)
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

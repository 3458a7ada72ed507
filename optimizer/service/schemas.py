"""Request and response bodies of the HTTP API (pydantic), kept apart from the
domain types of :mod:`optimizer`; :mod:`optimizer.service.convert` turns one
into the other at the edge.

Every model forbids unknown fields and non-finite numbers, so a typo in a
request is a 422 naming the field rather than a silently ignored value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from optimizer.batching import METHODS as BATCHING_METHODS
from optimizer.batching import UNASSIGNED_CODES
from optimizer.layout import json_schema as layout_json_schema
from optimizer.routing import METHODS as ROUTING_METHODS

__all__ = [
    "NAME_PATTERN",
    "LayoutName",
    "Problem",
    "FieldError",
    "LayoutSpec",
    "LayoutInfo",
    "LayoutVersion",
    "LayoutDocument",
    "LayoutList",
    "LayoutVersions",
    "SlottingIn",
    "SlottingVersion",
    "SlottingDocument",
    "RouteRequest",
    "RouteStop",
    "RouteOut",
    "LineIn",
    "OrderIn",
    "CartIn",
    "PolicyIn",
    "WaveRequest",
    "WaveSummary",
    "StepOut",
    "BatchOut",
    "UnassignedOut",
    "WavePlanOut",
    "JobOut",
    "Health",
    "Readiness",
]

if TYPE_CHECKING:
    RoutingMethod = str
    BatchingMethod = str
else:
    RoutingMethod = Literal[ROUTING_METHODS]
    BatchingMethod = Literal[BATCHING_METHODS]

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
LayoutName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Text = Annotated[str, StringConstraints(max_length=128)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
Seconds = Annotated[float, Field(gt=0, le=86_400)]
SingleBlockExample = "single_block"


class _Model(BaseModel):
    # strict: "3" is not 3 and 0 is not false, as the OpenAPI document says
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class _Out(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)


# ---- errors ------------------------------------------------------------------
class FieldError(_Out):
    """One reason a request was rejected."""

    field: str = Field(description="where, e.g. `orders[3].lines[0].qty` or `spec`")
    message: str


class Problem(_Out):
    """An error as RFC 9457 problem details."""

    type: str = Field(default="about:blank", description="a URI naming the kind of problem")
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = Field(default=None, description="the request field at fault")
    bin: str | None = Field(default=None, description="the bin code at fault")
    limit: float | None = Field(default=None, description="the configured limit that was exceeded")
    errors: list[FieldError] = Field(default_factory=list)


# ---- layouts -----------------------------------------------------------------
# The layout spec is not modelled here a second time: the body is any JSON
# object, checked by the library's own spec parser (optimizer.layout.spec), so
# the CLI and the API refuse the same mistake with the same message; its
# documented schema is written from the same field checks.
LayoutSpec = Annotated[dict[str, Any], WithJsonSchema(layout_json_schema(None))]


class LayoutInfo(_Out):
    """Sizes and counts of a compiled layout."""

    name: str
    kind: str
    # Stored before the rename as "version", which in this API means a store number.
    content_hash: str = Field(
        description="content hash of the compiled graph (Layout.version in the library)",
        validation_alias=AliasChoices("content_hash", "version"),
    )
    slots: int
    pick_nodes: int
    nodes: int
    edges: int
    depots: list[str]
    width_m: float
    depth_m: float
    aisles: int | None = None
    blocks: int | None = None
    cells_per_block: int | None = None
    junctions: int | None = None


class LayoutVersion(_Out):
    """A stored, immutable layout version."""

    name: str
    version: int = Field(description="1, 2, ... per layout name")
    layout_hash: str = Field(description="content hash of the compiled layout")
    format: Literal["json", "toml"]
    created_at: str
    info: LayoutInfo


class LayoutDocument(LayoutVersion):
    """A layout version with its spec (as JSON) and, for TOML uploads, the text."""

    spec: dict[str, Any]
    source: str | None = Field(default=None, description="the uploaded TOML text")


class LayoutSummaryOut(_Out):
    """A layout name and its latest version."""

    name: str
    latest_version: int
    versions: int
    layout_hash: str
    updated_at: str


class LayoutList(_Out):
    """Every stored layout."""

    layouts: list[LayoutSummaryOut]


class LayoutVersions(_Out):
    """Every version of one layout, oldest first."""

    name: str
    versions: list[LayoutVersion]


# ---- slottings ---------------------------------------------------------------
class SlottingIn(_Model):
    """Where each SKU is stored: SKU -> bin code."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"bins": {"sku-1": "A01-B1-001-L-1"}}]}
    )

    bins: dict[Code, Code] = Field(min_length=1)


class SlottingVersion(_Out):
    """A stored, immutable slotting version of a layout."""

    layout: str
    version: int
    layout_version: int = Field(description="the layout version it was checked against")
    skus: int
    digest: str
    created_at: str


class SlottingDocument(SlottingVersion):
    """A slotting version with its table."""

    bins: dict[str, str]


# ---- routes ------------------------------------------------------------------
class RouteRequest(_Model):
    """One walk through a pick list."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"layout": SingleBlockExample, "picks": ["A03-B1-017-L-1", "A07-B1-040-R-1"]}
            ]
        }
    )

    layout: LayoutName
    layout_version: Version | None = Field(default=None, description="default: the latest")
    picks: list[Code] = Field(min_length=1, description="bin codes")
    method: RoutingMethod = "auto"
    start: Text | None = Field(default=None, description="start depot (default: the first)")
    end: Text | None = Field(default=None, description="end depot (default: the start)")
    time_limit_s: Seconds | None = Field(default=None, description="for search methods")
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0


class RouteStop(_Out):
    """A stop of a route and the distance walked to reach it."""

    bin: str
    distance_m: float


class RouteOut(_Out):
    """A planned walk."""

    layout: str
    layout_version: int
    layout_hash: str
    method: str
    optimal: bool
    distance_m: float
    start: str
    end: str
    stops: list[RouteStop]
    path: list[int] = Field(description="node walk, depot to depot")


# ---- waves -------------------------------------------------------------------
class LineIn(_Model):
    """An order line."""

    sku: Code
    qty: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    unit_volume: Annotated[float, Field(ge=0, le=1e6)] | None = Field(
        default=None, description="litres"
    )
    unit_weight: Annotated[float, Field(ge=0, le=1e6)] | None = Field(
        default=None, description="kg"
    )


class OrderIn(_Model):
    """An order of the wave."""

    id: Code
    lines: list[LineIn] = Field(max_length=10_000)
    due: Annotated[float, Field(ge=-1e12, le=1e12)] | None = Field(
        default=None, description="carrier cut-off, seconds on the caller's clock"
    )
    priority: Annotated[int, Field(ge=-(2**31), le=2**31 - 1)] = 0
    carrier: Text | None = None


class CartIn(_Model):
    """What one tour can carry; at least one limit."""

    max_items: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    max_volume: Annotated[float, Field(gt=0, le=1e9)] | None = None
    max_weight: Annotated[float, Field(gt=0, le=1e9)] | None = None
    totes: Annotated[int, Field(ge=1, le=10_000)] | None = None
    tote_capacity: Annotated[int, Field(ge=1, le=1_000_000)] | None = None


class PolicyIn(_Model):
    """Methods and timing of the plan."""

    batching: BatchingMethod | None = Field(
        default=None, description="default: the server's (PICKOPT_DEFAULT_BATCHING, auto)"
    )
    routing: RoutingMethod = "auto"
    walk_speed: Annotated[float, Field(gt=0, le=100)] = Field(default=0.8, description="m/s")
    time_per_pick: Annotated[float, Field(ge=0, le=86_400)] = Field(
        default=10.0, description="s/line"
    )
    setup_time: Annotated[float, Field(ge=0, le=86_400)] = Field(
        default=180.0, description="s/tour"
    )
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    effort: Annotated[int, Field(ge=0, le=1_000_000)] | None = Field(
        default=None,
        description="work budget of the batching search (ALNS iterations, local-search "
        "kicks): the same wave and seed give the same plan under any load; default: the "
        "server's (PICKOPT_DEFAULT_EFFORT) for the ALNS (auto), the method's own for others",
    )


class WaveRequest(_Model):
    """A wave of orders to batch and route."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "layout": SingleBlockExample,
                    "slotting_version": "identity",
                    "orders": [
                        {"id": "o1", "lines": [{"sku": "A01-B1-003-L-1", "qty": 2}]},
                        {"id": "o2", "lines": [{"sku": "A04-B1-040-R-1"}]},
                    ],
                    "cart": {"max_items": 45},
                }
            ]
        }
    )

    layout: LayoutName
    layout_version: Version | None = Field(default=None, description="default: the latest")
    slotting_version: Version | Literal["latest", "identity"] = Field(
        default="latest",
        description='a slotting version, "latest", or "identity" (SKUs are bin codes)',
    )
    orders: list[OrderIn] = Field(min_length=1)
    cart: CartIn
    policy: PolicyIn = Field(default_factory=PolicyIn)
    time_budget_s: Seconds | None = Field(
        default=None,
        description="wall-clock safety cap of the whole plan (batching, then final routes), "
        "seconds (default: the server's); the work budget is `policy.effort` and the routers' "
        "own, and the plan says when the cap fired",
    )
    start: Text | None = None
    end: Text | None = None
    baselines: bool = Field(default=True, description="also score single-order and FCFS tours")


class WaveSummary(_Out):
    """Totals and savings of the plan."""

    orders: int
    assigned_orders: int
    unassigned_orders: int
    lines: int
    units: int
    batches: int
    total_distance_m: float
    distance_per_line_m: float
    total_time_s: float
    batching_method: str
    scoring_method: str
    routing_methods: list[str]
    single_order_distance_m: float | None = None
    fcfs_distance_m: float | None = None
    saving_vs_single_pct: float | None = None
    saving_vs_fcfs_pct: float | None = None
    seconds: float
    batching_seconds: float
    batching_capped: bool = Field(
        default=False,
        description="the wall-clock safety cap cut the batching search short "
        "(then the plan depends on the machine's speed)",
    )
    routes_capped: bool = Field(
        default=False,
        description="what the batching left of the same cap cut a final route's search short",
    )


class StepOut(_Out):
    """One line of a pick list, in walking order."""

    seq: int = Field(description="1-based position in the tour")
    bin: str
    sku: str
    qty: int
    order_id: str
    tote: int | None
    distance_m: float = Field(description="walked from the start of the tour to this bin")
    time_s: float = Field(
        description="seconds from the start of the tour (setup included) until this line is picked"
    )


class BatchLoad(_Out):
    """What a tour carries."""

    items: float
    volume: float
    weight: float
    totes: float


class BatchOut(_Out):
    """One tour: its orders, route and pick list."""

    index: int
    orders: list[str]
    distance_m: float
    time_s: float
    route_method: str
    optimal: bool
    load: BatchLoad
    totes: dict[str, list[int]]
    steps: list[StepOut]


class UnassignedOut(_Out):
    """An order left out of every batch, and why: a machine-readable ``code`` and the
    SKU, bin or cart field at fault where there is one."""

    order_id: str
    code: str = Field(json_schema_extra={"enum": list(UNASSIGNED_CODES)})
    reason: str
    sku: str | None = None
    bin: str | None = None
    field: str | None = None


class WavePlanOut(_Out):
    """The plan of a wave."""

    layout: str
    layout_version: int
    layout_hash: str
    slotting_version: int | Literal["identity"]
    time_budget_s: float
    summary: WaveSummary
    batches: list[BatchOut]
    unassigned: list[UnassignedOut]


# ---- jobs and health -----------------------------------------------------------
class JobOut(_Out):
    """An asynchronous wave job; ``result`` once done, ``error`` once failed."""

    id: str
    kind: Literal["wave"]
    status: Literal["queued", "running", "done", "failed"]
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    location: str
    result: WavePlanOut | None = None
    error: Problem | None = None


class Health(_Out):
    """Liveness."""

    status: Literal["ok"]


class Readiness(_Out):
    """Readiness: the store answers and solver workers are up."""

    status: Literal["ready", "starting", "degraded"]
    workers: int
    workers_ready: int
    store: Literal["ok", "full", "error"] = Field(
        description="`full`: a write failed for want of space, or the disk is nearly full"
    )

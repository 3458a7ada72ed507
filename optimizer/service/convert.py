"""The edge between the API schemas and the domain types.

Requests arrive as the dicts of validated :mod:`~optimizer.service.schemas`
models and leave here as :class:`~optimizer.orders.Order`,
:class:`~optimizer.batching.Cart`, ...; results go back the other way. Every
library error is re-raised as an :class:`~optimizer.service.problems.ApiProblem`
naming the request field it came from.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import ValidationError

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError
from optimizer.io.slotting import parse_slotting_csv
from optimizer.layout import Layout, LayoutSpec, SpecError, parse_spec
from optimizer.orders import Order, OrderLine, Slotting
from optimizer.routing import Route
from optimizer.service.problems import ApiProblem, from_pickopt
from optimizer.service.schemas import RouteOut, SlottingIn, WavePlanOut
from optimizer.waves import WavePlan, WavePolicy

__all__ = [
    "parse_document",
    "validation_problem",
    "field_path",
    "layout_source",
    "layout_problem",
    "parse_layout",
    "build_layout",
    "canonical_json",
    "to_orders",
    "to_cart",
    "to_policy",
    "parse_slotting",
    "route_out",
    "wave_out",
]


def field_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """``("orders", 3, "lines", 0, "qty")`` -> ``"orders[3].lines[0].qty"``."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def validation_problem(exc: ValidationError, prefix: str = "") -> ApiProblem:
    """A 422 listing every field pydantic rejected."""
    errors = [(field_path(e["loc"], prefix), e["msg"]) for e in exc.errors()]
    first_field, first_msg = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ApiProblem(422, f"{first_field}: {first_msg}{more}", slug="invalid-request",
                      field=first_field, errors=errors)  # fmt: skip


def _text(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiProblem(422, f"the {what} is not UTF-8 text ({exc.reason} at byte {exc.start})",
                         slug="invalid-body", field="body") from None  # fmt: skip


def parse_document(body: bytes, fmt: str, what: str) -> Any:
    """Parse a JSON or TOML request body, or a 422 naming the line."""
    text = _text(body, what)
    try:
        return json.loads(text, parse_int=_int) if fmt == "json" else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiProblem(
            422,
            f"the {what} is malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            slug="invalid-body",
            field="body",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ApiProblem(422, f"the {what} is malformed TOML: {exc}", slug="invalid-body",
                         field="body") from None  # fmt: skip
    except RecursionError:
        raise ApiProblem(422, f"the {what} is nested too deeply", slug="invalid-body",
                         field="body") from None  # fmt: skip
    except ValueError as exc:  # TOML integers past Python's digit limit
        raise ApiProblem(422, f"the {what} has a number that is too long: {exc}",
                         slug="invalid-body", field="body") from None  # fmt: skip


def _int(digits: str) -> int | float:
    """A JSON integer; one too long for ``int`` becomes an infinite float, which
    schema validation then refuses naming its field."""
    try:
        return int(digits)
    except ValueError:
        return float("-inf") if digits.startswith("-") else float("inf")


def canonical_json(data: Any) -> str:
    """Sorted, compact JSON: equal content gives equal text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def layout_source(name: str) -> str:
    """How messages about an uploaded or stored layout name it."""
    return f"layout {name!r}"


def layout_problem(exc: PickoptError) -> ApiProblem:
    """A 422 for a layout mistake: the library's message, and the spec field
    it points at (``spec.depots[0].aisle``) where it points at one."""
    path = exc.path if isinstance(exc, SpecError) else ()
    return from_pickopt(exc, field_path(path, "spec"))


def parse_layout(name: str, data: Any) -> LayoutSpec:
    """The typed spec of an upload, checked by the same parser as spec files
    (so the CLI and the API give the same message for the same mistake), and
    named ``name`` unless it names itself; or a 422."""
    try:
        spec = parse_spec(data)
    except SpecError as exc:
        raise layout_problem(exc.located(layout_source(name))) from None
    return spec if spec.name else dataclasses.replace(spec, name=name)


def build_layout(name: str, spec: Mapping[str, Any] | LayoutSpec) -> Layout:
    """Compile a stored or uploaded spec; the API name is the default layout name."""
    typed = parse_layout(name, spec) if isinstance(spec, Mapping) else spec
    try:
        return Layout.from_spec(typed, source=layout_source(name))
    except PickoptError as exc:
        raise layout_problem(exc) from None


# ---- waves -----------------------------------------------------------------------
def to_orders(raw: Sequence[Mapping[str, Any]]) -> list[Order]:
    """Orders of a wave request; duplicate ids are a 422 naming the second one."""
    orders: list[Order] = []
    seen: set[str] = set()
    for i, o in enumerate(raw):
        lines = []
        for j, line in enumerate(o["lines"]):
            try:
                lines.append(OrderLine(line["sku"], line["qty"], line.get("unit_volume"),
                                       line.get("unit_weight")))  # fmt: skip
            except PickoptError as exc:
                raise from_pickopt(exc, f"orders[{i}].lines[{j}]") from None
        if o["id"] in seen:
            raise ApiProblem(422, f"order id {o['id']!r} appears twice in the wave",
                             slug="duplicate-order", field=f"orders[{i}].id")  # fmt: skip
        seen.add(o["id"])
        try:
            orders.append(Order(o["id"], tuple(lines), o.get("due"), o.get("priority", 0),
                                o.get("carrier")))  # fmt: skip
        except PickoptError as exc:
            raise from_pickopt(exc, f"orders[{i}]") from None
    return orders


def to_cart(raw: Mapping[str, Any]) -> Cart:
    """The cart of a wave request."""
    try:
        return Cart(**{k: v for k, v in raw.items() if v is not None})
    except PickoptError as exc:
        raise from_pickopt(exc, "cart") from None


def to_policy(raw: Mapping[str, Any], time_budget: float | None) -> WavePolicy:
    """The wave policy: the work budget is ``effort`` (and the routers' own
    budgets, counted in work), ``time_budget`` seconds of wall time one safety
    cap over the whole plan, batching and final routes (the summary's
    ``batching_capped`` and ``routes_capped`` say if it fired)."""
    try:
        return WavePolicy(batching=raw["batching"], routing=raw["routing"],
                          walk_speed=raw["walk_speed"], time_per_pick=raw["time_per_pick"],
                          setup_time=raw["setup_time"], seed=raw["seed"],
                          effort=raw.get("effort"),
                          time_limit=time_budget)  # fmt: skip
    except PickoptError as exc:
        raise from_pickopt(exc, "policy") from None


def check_depot(layout: Layout, name: str | None, field: str) -> None:
    """A 422 naming ``field`` if the layout has no depot called ``name``."""
    if name is not None:
        try:
            layout.depot(name)
        except PickoptError as exc:
            raise from_pickopt(exc, field) from None


def wave_out(
    plan: WavePlan,
    policy: WavePolicy,
    *,
    layout_name: str,
    layout_version: int,
    layout_hash: str,
    slotting_version: int | str,
    time_budget: float,
) -> WavePlanOut:
    """The response body of a planned wave: summary, batches with steps, unassigned."""
    batches = []
    for k, b in enumerate(plan.batches, start=1):
        steps = []
        for seq, s in enumerate(b.steps, start=1):
            at = policy.setup_time + s.distance_m / policy.walk_speed + seq * policy.time_per_pick
            steps.append(
                {
                    "seq": seq,
                    "bin": s.bin,
                    "sku": s.sku,
                    "qty": s.qty,
                    "order_id": s.order_id,
                    "tote": s.tote,
                    "distance_m": round(s.distance_m, 3),
                    "time_s": round(at, 1),
                }
            )
        batches.append({
            "index": k, "orders": [o.id for o in b.orders], "distance_m": round(b.distance, 3),
            "time_s": round(b.time_s, 1), "route_method": b.route.method,
            "optimal": b.route.optimal, "load": b.batch.load,
            "totes": {oid: list(t) for oid, t in b.batch.totes.items()}, "steps": steps,
        })  # fmt: skip
    known = WavePlanOut.model_fields["summary"].annotation.model_fields  # type: ignore[union-attr]
    summary = {k: v for k, v in plan.kpis.to_dict().items() if k in known}
    return WavePlanOut.model_validate({
        "layout": layout_name, "layout_version": layout_version, "layout_hash": layout_hash,
        "slotting_version": slotting_version, "time_budget_s": time_budget,
        "summary": summary, "batches": batches,
        "unassigned": [u.to_dict() for u in plan.unassigned],
    })  # fmt: skip


# ---- routes ------------------------------------------------------------------------
def route_out(r: Route, oracle: DistanceOracle, *, layout_version: int) -> RouteOut:
    """The response body of a planned route, each stop with the distance walked to it."""
    path = np.asarray(r.path, dtype=np.int64)
    walked = np.concatenate([[0.0], np.cumsum(oracle.pairwise(path[:-1], path[1:]))])
    first: dict[int, float] = {}
    for node, d in zip(path.tolist(), walked.tolist(), strict=True):
        first.setdefault(node, d)
    stops = [{"bin": c, "distance_m": round(first[r.layout.slot(c).node], 3)} for c in r.stops]
    return RouteOut.model_validate({
        "layout": r.layout.name, "layout_version": layout_version,
        "layout_hash": r.layout.version, "method": r.method, "optimal": r.optimal,
        "distance_m": round(r.distance, 6), "start": r.start, "end": r.end, "stops": stops,
        "path": list(r.path),
    })  # fmt: skip


# ---- slottings ---------------------------------------------------------------------
def parse_slotting(body: bytes, fmt: str) -> dict[str, str]:
    """SKU -> bin from a JSON ``{"bins": {...}}`` body or ``sku,bin`` CSV text."""
    if fmt == "json":
        try:
            return dict(SlottingIn.model_validate_json(body).bins)
        except ValidationError as exc:
            raise validation_problem(exc) from None
    try:  # the library's one parser: a CSV upload reads exactly like a CSV file
        return parse_slotting_csv(_text(body, "slotting"), where="slotting CSV")
    except PickoptError as exc:
        raise ApiProblem(422, str(exc), slug="invalid-body", field="body") from None


def check_slotting(layout: Layout, bins: Mapping[str, str]) -> Slotting:
    """The slotting, or a 422 naming the first SKU whose bin the layout lacks."""
    for sku, code in bins.items():
        try:
            layout.slot(code)
        except PickoptError as exc:
            problem = from_pickopt(exc, f"bins[{sku!r}]")
            problem.detail = f"SKU {sku!r} is slotted in {exc}"
            raise problem from None
    return Slotting(bins)

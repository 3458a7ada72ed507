"""``/v1/layouts``: upload, list and fetch layout versions and their slottings.

Every upload is parsed, validated and compiled in a solver worker, then stored
as a new immutable version (or, if it equals the latest, answered with it).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

import optimizer.service.tasks as tasks
from optimizer.io.slotting import format_slotting_csv
from optimizer.service.deps import V1, NamePath, ServiceDep, StoreDep, TenantDep, VersionQuery
from optimizer.service.problems import ApiProblem
from optimizer.service.routers.common import (
    errors,
    find_layout,
    find_slotting,
    json_response,
    media_type,
    splice,
)
from optimizer.service.schemas import (
    LayoutDocument,
    LayoutList,
    LayoutVersion,
    LayoutVersions,
    SlottingDocument,
    SlottingVersion,
)
from optimizer.service.store import LayoutRecord, SlottingRecord

__all__ = ["router", "LAYOUT_TYPES", "SLOTTING_TYPES"]

router = APIRouter(prefix="/v1/layouts", tags=["layouts"], dependencies=V1)

LAYOUT_TYPES = {"application/json": "json", "application/toml": "toml", "text/plain": "toml"}
SLOTTING_TYPES = {"application/json": "json", "text/csv": "csv"}

_TOML_EXAMPLE = """kind = "parallel-aisles"
aisles = 10
cells = 45
cell_length = 1.0
aisle_spacing = 5.0
cross_aisle_to_cell = 1.5

[[depots]]
name = "D1"
aisle = 1
"""
_CSV_EXAMPLE = "sku,bin\nsku-1,A01-B1-001-L-1\nsku-2,A02-B1-017-R-1\n"

_LAYOUT_BODY = {
    "requestBody": {
        "required": True,
        "description": "The spec as JSON, or the TOML text of a spec file.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/LayoutSpec"}},
            "application/toml": {"schema": {"type": "string"}, "example": _TOML_EXAMPLE},
            "text/plain": {"schema": {"type": "string"}, "example": _TOML_EXAMPLE},
        },
    }
}
_SLOTTING_BODY = {
    "requestBody": {
        "required": True,
        "description": "SKU -> bin code, as JSON or as `sku,bin` CSV with a header row.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/SlottingIn"}},
            "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
        },
    }
}


def _version_out(rec: LayoutRecord) -> dict[str, Any]:
    return {
        "name": rec.name, "version": rec.version, "layout_hash": rec.layout_hash,
        "format": rec.format, "created_at": rec.created_at, "info": rec.info,
    }  # fmt: skip


def _slotting_out(rec: SlottingRecord) -> dict[str, Any]:
    return {
        "layout": rec.layout, "version": rec.version, "layout_version": rec.layout_version,
        "skus": rec.skus, "digest": rec.digest, "created_at": rec.created_at,
    }  # fmt: skip


def _format(content_type: str | None, accepted: dict[str, str]) -> str:
    fmt = accepted.get(media_type(content_type))
    if fmt is None:
        raise ApiProblem(415, f"content type {content_type or '(none)'!r} is not accepted; use "
                         f"{', '.join(accepted)}", slug="unsupported-media-type",
                         field="Content-Type")  # fmt: skip
    return fmt


@router.get("", response_model=LayoutList, responses=errors(401))
async def list_layouts(store: StoreDep, tenant: TenantDep) -> dict[str, Any]:
    """Every layout name with its latest version."""
    items = await run_in_threadpool(lambda: store.list_layouts(tenant=tenant))
    return {"layouts": [s.__dict__ for s in items]}


@router.put(
    "/{name}",
    response_model=LayoutVersion,
    status_code=201,
    responses={200: {"model": LayoutVersion, "description": "Same as the latest version"},
               **errors(401, 403, 413, 415, 422, 500, 503, 507)},
    openapi_extra=_LAYOUT_BODY,
)  # fmt: skip
async def put_layout(
    name: NamePath,
    request: Request,
    service: ServiceDep,
    store: StoreDep,
    tenant: TenantDep,
    content_type: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Upload a layout spec: validated, compiled and stored as a new immutable version."""
    fmt = _format(content_type, LAYOUT_TYPES)
    body = await request.body()
    s = service.settings
    checked = await service.solve(tasks.validate_layout, name, body, fmt, s.max_layout_slots,
                                  s.worker_memory_mb, timeout=s.upload_timeout_s)  # fmt: skip
    rec, created = await service.write(
        store.put_layout, name, digest=checked["digest"], layout_hash=checked["layout_hash"],
        format=fmt, source=checked["source"], spec=checked["spec"], info=checked["info"],
        tenant=tenant,
    )  # fmt: skip
    body_out = LayoutVersion.model_validate(_version_out(rec)).model_dump_json()
    return json_response(body_out, 201 if created else 200,
                         {"Location": f"/v1/layouts/{name}?version={rec.version}"})  # fmt: skip


@router.get("/{name}", response_model=LayoutDocument, responses=errors(401, 404, 422))
async def get_layout(
    name: NamePath, store: StoreDep, tenant: TenantDep, version: VersionQuery = None
) -> Response:
    """A layout version (the latest by default) with its spec as JSON."""
    rec = await find_layout(store, name, version, tenant=tenant)
    envelope = {**_version_out(rec), "source": rec.source if rec.format == "toml" else None}
    return json_response(splice(envelope, "spec", rec.spec))


@router.get("/{name}/versions", response_model=LayoutVersions, responses=errors(401, 404, 422))
async def layout_versions(name: NamePath, store: StoreDep, tenant: TenantDep) -> dict[str, Any]:
    """Every stored version of a layout, oldest first."""
    recs = await run_in_threadpool(lambda: store.layout_versions(name, tenant=tenant))
    if not recs:
        raise ApiProblem(404, f"no layout named {name!r}", slug="not-found", field="layout")
    return {"name": name, "versions": [_version_out(r) for r in recs]}


@router.put(
    "/{name}/slotting",
    response_model=SlottingVersion,
    status_code=201,
    responses={200: {"model": SlottingVersion, "description": "Same as the latest version"},
               **errors(401, 403, 404, 413, 415, 422, 500, 503, 507)},
    openapi_extra=_SLOTTING_BODY,
)  # fmt: skip
async def put_slotting(
    name: NamePath,
    request: Request,
    service: ServiceDep,
    store: StoreDep,
    tenant: TenantDep,
    layout_version: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="check against; default: latest")
    ] = None,
    content_type: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Upload where each SKU is stored; every bin is checked against the layout."""
    fmt = _format(content_type, SLOTTING_TYPES)
    layout = await find_layout(store, name, layout_version, tenant=tenant)
    body = await request.body()
    checked = await service.solve(tasks.validate_slotting, tenant, name, layout.version, body,
                                  fmt, timeout=service.settings.upload_timeout_s)  # fmt: skip
    rec, created = await service.write(
        store.put_slotting, name, digest=checked["digest"], layout_version=layout.version,
        skus=checked["skus"], bins=checked["bins"], tenant=tenant,
    )  # fmt: skip
    body_out = SlottingVersion.model_validate(_slotting_out(rec)).model_dump_json()
    return json_response(
        body_out,
        201 if created else 200,
        {"Location": f"/v1/layouts/{name}/slotting?version={rec.version}"},
    )


@router.get(
    "/{name}/slotting",
    response_model=SlottingDocument,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}},
              "description": "The table as JSON, or as CSV when `Accept: text/csv`"},
        **errors(401, 404, 422),
    },
)  # fmt: skip
async def get_slotting(
    name: NamePath,
    store: StoreDep,
    tenant: TenantDep,
    version: VersionQuery = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """A slotting version (the latest by default), as JSON or CSV."""
    await find_layout(store, name, None, tenant=tenant)
    rec = await find_slotting(store, name, version, tenant=tenant)
    wants_csv = accept is not None and "text/csv" in accept and "json" not in accept
    if wants_csv:
        text = format_slotting_csv(json.loads(rec.bins))
        return Response(text, media_type="text/csv")
    return json_response(splice(_slotting_out(rec), "bins", rec.bins))

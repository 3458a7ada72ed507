"""``/v1/routes``: one walking route through a pick list."""

from __future__ import annotations

from fastapi import APIRouter, Response

import optimizer.service.tasks as tasks
from optimizer.service.deps import V1, ServiceDep, StoreDep, TenantDep
from optimizer.service.problems import ApiProblem
from optimizer.service.routers.common import errors, find_layout, json_response
from optimizer.service.schemas import RouteOut, RouteRequest

__all__ = ["router"]

router = APIRouter(prefix="/v1/routes", tags=["routes"], dependencies=V1)


@router.post("", response_model=RouteOut, responses=errors(401, 404, 413, 415, 422, 500, 503))
async def post_route(
    req: RouteRequest, service: ServiceDep, store: StoreDep, tenant: TenantDep
) -> Response:
    """Plan a walk that picks every bin of ``picks`` (``method`` says how)."""
    s = service.settings
    if len(req.picks) > s.max_picks:
        raise ApiProblem(422, f"the route has {len(req.picks):,} picks; the limit is "
                         f"{s.max_picks:,} (PICKOPT_MAX_PICKS)", slug="limit", field="picks",
                         limit=s.max_picks)  # fmt: skip
    if req.time_limit_s is not None and req.time_limit_s > s.max_time_budget_s:
        raise ApiProblem(422, f"time_limit_s is {req.time_limit_s:g} s; the limit is "
                         f"{s.max_time_budget_s:g} s (PICKOPT_MAX_TIME_BUDGET_S)", slug="limit",
                         field="time_limit_s", limit=s.max_time_budget_s)  # fmt: skip
    layout = await find_layout(store, req.layout, req.layout_version, tenant=tenant)
    budget = req.time_limit_s or s.max_time_budget_s
    body: bytes = await service.solve(
        tasks.plan_route,
        tenant,
        layout.name,
        layout.version,
        req.model_dump(),
        timeout=budget + s.solve_grace_s,
    )
    service.metrics.routes.inc()
    return json_response(body)

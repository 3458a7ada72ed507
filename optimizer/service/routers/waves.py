"""``/v1/waves``: batch and route a wave of orders, now or as a background job."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

import optimizer.service.tasks as tasks
from optimizer.batching import ALNS, choose_batcher
from optimizer.service.deps import V1, ServiceDep, StoreDep, TenantDep
from optimizer.service.problems import ApiProblem
from optimizer.service.routers.common import errors, find_layout, find_slotting, json_response
from optimizer.service.routers.jobs import job_body
from optimizer.service.schemas import JobOut, WavePlanOut, WaveRequest

__all__ = ["router"]

router = APIRouter(prefix="/v1/waves", tags=["waves"], dependencies=V1)


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$",
        description="with `?async=true`: a retried submit with the same key (and the same "
        "request) answers the job it created, never a second job",
    ),
]  # fmt: skip


@router.post(
    "",
    response_model=WavePlanOut,
    responses={202: {"model": JobOut, "description": "Accepted as a job (`?async=true`)"},
               **errors(401, 404, 409, 413, 415, 422, 500, 503, 507)},
)  # fmt: skip
async def post_wave(
    req: WaveRequest,
    service: ServiceDep,
    store: StoreDep,
    tenant: TenantDep,
    run_async: Annotated[
        bool, Query(alias="async", description="run as a job: 202 and GET /v1/jobs/{id}")
    ] = False,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Batch the orders for the cart and route every batch.

    The answer has a summary, the batches with their pick lists in walking
    order (bin, SKU, quantity, tote, cumulative distance and time) and the
    orders that could not be batched, each with its reason.
    """
    s = service.settings
    limit = s.max_job_orders if run_async else s.max_orders
    if len(req.orders) > limit:
        env = "PICKOPT_MAX_JOB_ORDERS" if run_async else "PICKOPT_MAX_ORDERS"
        raise ApiProblem(422, f"the wave has {len(req.orders):,} orders; the limit is {limit:,} "
                         f"orders per {'job' if run_async else 'wave'} ({env})"
                         + ("" if run_async else "; larger waves can run with ?async=true"),
                         slug="limit", field="orders", limit=limit)  # fmt: skip
    max_budget = s.max_job_time_budget_s if run_async else s.max_time_budget_s
    budget = req.time_budget_s if req.time_budget_s is not None else s.default_time_budget_s
    if budget > max_budget:
        raise ApiProblem(422, f"time_budget_s is {budget:g} s; the limit is {max_budget:g} s",
                         slug="limit", field="time_budget_s", limit=max_budget)  # fmt: skip
    layout = await find_layout(store, req.layout, req.layout_version, tenant=tenant)
    slotting: int | str = req.slotting_version
    if slotting == "latest" or isinstance(slotting, int):
        pinned = slotting if isinstance(slotting, int) else None
        found = await find_slotting(store, layout.name, pinned, tenant=tenant)
        _check_same_layout(found.version, found.layout_version, layout.version)
        slotting = found.version
    request = req.model_dump()
    if request["policy"]["batching"] is None:
        request["policy"]["batching"] = s.default_batching
    if request["policy"]["effort"] is None and isinstance(
        choose_batcher(request["policy"]["batching"]), ALNS
    ):  # a fixed number of iterations, so equal requests get equal plans on any load
        request["policy"]["effort"] = s.default_effort
    args: dict[str, Any] = {
        "tenant": tenant, "layout": layout.name, "layout_version": layout.version,
        "slotting_version": slotting, "request": request, "time_budget": budget,
    }  # fmt: skip
    if run_async:
        assert service.jobs is not None
        job, created = await service.jobs.submit(args, tenant=tenant, idem_key=idempotency_key)
        if not created and json.loads(job.request) != args:
            raise ApiProblem(409, f"Idempotency-Key {idempotency_key!r} was used for another "
                             f"request (job {job.id}); use a new key for a new wave",
                             slug="idempotency-key-reused", field="Idempotency-Key")  # fmt: skip
        return json_response(job_body(job), 202, {"Location": f"/v1/jobs/{job.id}"})
    body: bytes = await service.solve(
        tasks.plan_wave_task, tenant, layout.name, layout.version, slotting, args["request"],
        budget, timeout=budget + s.solve_grace_s,
    )  # fmt: skip
    service.metrics.waves.labels("sync").inc()
    return json_response(body)


def _check_same_layout(slotting: int, checked_against: int, layout: int) -> None:
    """409 unless the slotting was checked against the layout version the wave uses:
    its bins may not exist, or be elsewhere, in another version."""
    if checked_against != layout:
        raise ApiProblem(409, f"slotting version {slotting} was checked against layout version "
                         f"{checked_against}, but the wave uses layout version {layout}; pin "
                         "layout_version and slotting_version that belong together, or upload "
                         f"the slotting again for version {layout}", slug="version-conflict",
                         field="slotting_version")  # fmt: skip

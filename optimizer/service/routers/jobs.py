"""``/v1/jobs``: the status and, once finished, the result of a wave job."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from starlette.concurrency import run_in_threadpool

from optimizer.service.deps import V1, StoreDep, TenantDep
from optimizer.service.problems import ApiProblem
from optimizer.service.routers.common import errors, json_response, splice
from optimizer.service.schemas import JobOut
from optimizer.service.store import JobRecord

__all__ = ["router", "job_body"]

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], dependencies=V1)


def job_body(job: JobRecord) -> bytes:
    """The JSON of a job, its stored result or error spliced in unparsed."""
    envelope = {
        "id": job.id, "kind": job.kind, "status": job.status, "created_at": job.created_at,
        "started_at": job.started_at, "finished_at": job.finished_at,
        "location": f"/v1/jobs/{job.id}",
    }  # fmt: skip
    if job.result is not None:
        return splice(envelope, "result", job.result)
    if job.error is not None:
        return splice(envelope, "error", job.error)
    return splice(envelope, "result", "null")


@router.get("/{job_id}", response_model=JobOut, responses=errors(401, 404, 422))
async def get_job(
    job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="from POST /v1/waves")],
    store: StoreDep,
    tenant: TenantDep,
) -> Response:
    """A wave job: queued, running, done (with ``result``) or failed (with ``error``)."""
    job = await run_in_threadpool(lambda: store.get_job(job_id, tenant=tenant))
    if job is None:
        raise ApiProblem(404, f"no job {job_id!r}", slug="not-found", field="job_id")
    return json_response(job_body(job))

"""Operations: ``/healthz`` (liveness), ``/readyz`` (readiness), ``/metrics`` (Prometheus).
No API key: probes and scrapers run inside the deployment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from optimizer.service.deps import ServiceDep
from optimizer.service.schemas import Health, Readiness

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
async def healthz() -> dict[str, Any]:
    """The process answers."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready"}},
)
async def readyz(service: ServiceDep, response: Response) -> dict[str, Any]:
    """Ready when the store answers and every solver worker is up."""
    store_ok = False
    if service.store is not None:
        try:
            await run_in_threadpool(service.store.ping)
            store_ok = True
        except Exception:
            store_ok = False
    live = service.pool.live if service.pool is not None else 0
    want = service.settings.workers
    if not service.ready:
        status = "starting"
    elif store_ok and live >= want:
        status = "ready"
    else:
        status = "degraded"
    ok = status == "ready" or (status == "degraded" and store_ok and live > 0)
    response.status_code = 200 if ok else 503
    return {"status": status, "workers": want, "workers_ready": live,
            "store": "ok" if store_ok else "error"}  # fmt: skip


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                     "description": "Prometheus text format"}},
)  # fmt: skip
async def metrics(service: ServiceDep) -> Response:
    """Request latency histogram, waves planned, errors, worker restarts."""
    return Response(service.metrics.render(), media_type=CONTENT_TYPE_LATEST)

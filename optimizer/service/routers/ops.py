"""Operations: ``/healthz`` (liveness), ``/readyz`` (readiness), ``/metrics`` (Prometheus).
Probes need no API key (they run inside the deployment); ``/metrics`` is open,
behind a key with the admin scope, or off (``PICKOPT_METRICS``)."""

from __future__ import annotations

import shutil
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from optimizer.service.deps import ServiceDep
from optimizer.service.schemas import Health, Readiness
from optimizer.service.state import Service

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
    """Ready when the store answers and has room, and every solver worker is up
    (workers that died idle are noticed here, not by the next request)."""
    store = await _store_state(service)
    if service.pool is not None:
        service.pool.reap()
        service.metrics.workers.set(service.pool.live)
    live = service.pool.live if service.pool is not None else 0
    want = service.settings.workers
    if not service.ready:
        status = "starting"
    elif store == "ok" and live >= want:
        status = "ready"
    else:
        status = "degraded"
    ok = status == "ready" or (status == "degraded" and store == "ok" and live > 0)
    response.status_code = 200 if ok else 503
    return {"status": status, "workers": want, "workers_ready": live, "store": store}


async def _store_state(service: Service) -> str:
    """``ok``, ``full`` (a write failed for want of space, or less than
    ``min_free_disk_mb`` is left) or ``error`` (it cannot be read)."""
    if service.store is None:
        return "error"
    try:
        await run_in_threadpool(service.store.ping)
    except Exception:
        return "error"
    if service.storage_recently_full():
        return "full"
    try:
        free = shutil.disk_usage(service.settings.data_dir).free
    except OSError:
        return "error"
    return "full" if free < service.settings.min_free_disk_mb * 2**20 else "ok"


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                     "description": "Prometheus text format"}},
)  # fmt: skip
async def metrics(service: ServiceDep) -> Response:
    """Request latency histogram, waves planned, errors, worker restarts."""
    return Response(service.metrics.render(), media_type=CONTENT_TYPE_LATEST)

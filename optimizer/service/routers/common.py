"""Helpers the routers share: documented error responses, raw JSON bodies,
version look-ups that answer 404 problems."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from optimizer.service.problems import ApiProblem
from optimizer.service.schemas import Problem
from optimizer.service.store import LayoutRecord, SlottingRecord, Store

__all__ = ["errors", "json_response", "splice", "find_layout", "find_slotting", "media_type"]

_DESCRIPTIONS = {
    401: "No or invalid API key",
    403: "The API key lacks the scope this route needs",
    404: "No such resource or version (or another tenant's)",
    409: "Versions that do not belong together, or an Idempotency-Key reused",
    413: "Request body over the size limit",
    415: "Unsupported content type",
    422: "Invalid request, naming the field or bin code at fault",
    500: "A bug or a crashed solver worker (the pool replaces it)",
    503: "Starting, busy, or past the time budget",
    507: "The data directory is full",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses (problem details); a route that
    needs a key (401) may also answer 403 (a scope missing)."""
    with_scope = (*codes, 403) if 401 in codes and 403 not in codes else codes
    return {c: {"model": Problem, "description": _DESCRIPTIONS[c]} for c in sorted(with_scope)}


def json_response(body: bytes | str, status: int = 200, headers: dict[str, str] | None = None
                  ) -> Response:  # fmt: skip
    """A response whose JSON body was serialized already (by a worker or the store)."""
    return Response(content=body, status_code=status, media_type="application/json",
                    headers=headers)  # fmt: skip


def splice(envelope: dict[str, Any], key: str, raw: str) -> bytes:
    """``envelope`` as JSON with ``key`` set to the JSON text ``raw``, unparsed."""
    head = json.dumps(envelope, separators=(",", ":"))
    return f"{head[:-1]}{',' if envelope else ''}{json.dumps(key)}:{raw}}}".encode()


def media_type(content_type: str | None) -> str:
    """``"application/json; charset=utf-8"`` -> ``"application/json"``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


async def find_layout(store: Store, name: str, version: int | None, *, tenant: str
                      ) -> LayoutRecord:  # fmt: skip
    """A stored layout version of the tenant, or a 404 naming what is missing (another
    tenant's layout is missing too: 404, not 403, so names do not leak)."""
    rec = await run_in_threadpool(lambda: store.get_layout(name, version, tenant=tenant))
    if rec is not None:
        return rec
    if version is None:
        raise ApiProblem(404, f"no layout named {name!r}; upload one with PUT /v1/layouts/{name}",
                         slug="not-found", field="layout")  # fmt: skip
    if await run_in_threadpool(lambda: store.get_layout(name, None, tenant=tenant)) is None:
        raise ApiProblem(404, f"no layout named {name!r}", slug="not-found", field="layout")
    raise ApiProblem(404, f"layout {name!r} has no version {version}", slug="not-found",
                     field="layout_version")  # fmt: skip


async def find_slotting(store: Store, name: str, version: int | None, *, tenant: str
                        ) -> SlottingRecord:  # fmt: skip
    """A stored slotting version of a tenant's layout, or a 404 naming what is missing."""
    rec = await run_in_threadpool(lambda: store.get_slotting(name, version, tenant=tenant))
    if rec is not None:
        return rec
    if version is None:
        raise ApiProblem(404, f"layout {name!r} has no slotting; upload one with PUT "
                         f"/v1/layouts/{name}/slotting or plan with slotting_version "
                         "'identity'", slug="not-found", field="slotting_version")  # fmt: skip
    raise ApiProblem(404, f"layout {name!r} has no slotting version {version}",
                     slug="not-found", field="slotting_version")  # fmt: skip

"""The FastAPI application: routers, API-key check, body-size limit, problem
details, metrics, and a lifespan that starts the store and the solver pool.

CPU work never runs in the event loop: uploads are parsed and compiled, and
routes and waves planned, in :mod:`~optimizer.service.workers` processes; the
loop only validates request schemas and forwards bytes.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import TypeAdapter
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from optimizer import __version__
from optimizer.service.convert import field_path
from optimizer.service.edge import BodyTimedOut, BodyTooLarge, Guard, problem_response
from optimizer.service.problems import PROBLEM_JSON, ApiProblem
from optimizer.service.routers import jobs, layouts, ops, routes, waves
from optimizer.service.schemas import LayoutSpec, SlottingIn
from optimizer.service.settings import ServiceConfigError, Settings
from optimizer.service.state import PoolFactory, Service, default_pool
from optimizer.service.store import StorageFull

__all__ = ["create_app"]

log = logging.getLogger("pickopt.service")

DESCRIPTION = """\
Warehouse pick routes and batch picking over JSON.

Upload a layout (`PUT /v1/layouts/{name}`) and where SKUs are stored
(`PUT /v1/layouts/{name}/slotting`); every upload becomes an immutable
version. Then plan routes (`POST /v1/routes`) and waves (`POST /v1/waves`,
or `?async=true` for a background job read from `GET /v1/jobs/{id}`).

Every `/v1` route needs `Authorization: Bearer <API key>`. Errors are RFC 9457
problem details (`application/problem+json`) naming the field or bin code at
fault.
"""


def _install_handlers(app: FastAPI, service: Service) -> None:
    def respond(request: Request, problem: ApiProblem) -> JSONResponse:
        return problem_response(service.metrics, problem, request.url.path)

    @app.exception_handler(ApiProblem)
    async def on_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return respond(request, exc)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = []
        for e in exc.errors():
            loc = list(e.get("loc", ()))
            where = loc[0] if loc else "body"
            path = field_path(loc[1:]) if len(loc) > 1 else str(where)
            if e.get("type") == "json_invalid":
                path = "body"
            errs.append((path, str(e.get("msg", "invalid"))))
        if not errs:
            errs.append(("body", "invalid request"))
        more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
        problem = ApiProblem(422, f"{errs[0][0]}: {errs[0][1]}{more}", slug="invalid-request",
                             field=errs[0][0], errors=errs)  # fmt: skip
        return respond(request, problem)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 400:  # FastAPI could not decode the body
            problem = ApiProblem(422, f"the request body could not be parsed: "
                                 f"{_parse_failure(exc.__cause__) or detail}",
                                 slug="invalid-body", field="body")  # fmt: skip
            return respond(request, problem)
        slug = {404: "not-found", 405: "method-not-allowed", 408: "request-timeout",
                413: "too-large"}.get(exc.status_code)  # fmt: skip
        headers = dict(exc.headers or {})
        limit = exc.limit if isinstance(exc, BodyTooLarge | BodyTimedOut) else None
        if exc.status_code == 405:  # every method of the path, not only the first route's
            headers["Allow"] = ", ".join(_allowed(app, request.url.path)) or headers["Allow"]
        if exc.status_code == 413:
            headers["Connection"] = "close"
        problem = ApiProblem(exc.status_code, detail, slug=slug, headers=headers, limit=limit)
        return respond(request, problem)

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, sqlite3.Error | StorageFull):  # a write outside Service.write
            return respond(request, service.storage_problem(exc))
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        problem = ApiProblem(500, f"internal error: {type(exc).__name__}", slug="internal")
        return respond(request, problem)


def _parse_failure(cause: BaseException | None) -> str | None:
    """Why ``json.loads`` refused a body, in words (FastAPI only says "error")."""
    if isinstance(cause, UnicodeDecodeError):
        return f"it is not valid UTF-8 (byte {cause.start}: {cause.reason})"
    if isinstance(cause, RecursionError):
        return "it is nested too deeply"
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return f"a number in it is too long ({cause})"
    return None


def _allowed(app: FastAPI, path: str) -> list[str]:
    """The methods the OpenAPI document lists for the path that matches ``path``."""
    for template, item in app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\{[^}/]+\}", "[^/]+", template), path):
            return [m.upper() for m in item]
    return []


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the raw-body schemas and problem+json error bodies."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes, tags=app.openapi_tags)  # fmt: skip
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    ref = "#/components/schemas/{model}"
    for name, adapter in (("LayoutSpec", TypeAdapter(LayoutSpec)),
                          ("SlottingIn", TypeAdapter(SlottingIn))):  # fmt: skip
        schema = adapter.json_schema(ref_template=ref)
        components.update(schema.pop("$defs", {}))
        if name not in components:
            components[name] = schema
    for path, item in doc.get("paths", {}).items():
        for op in item.values():
            for code, response in op.get("responses", {}).items():
                content = response.get("content") or {}
                plain = content.get("application/json")
                if code.isdigit() and int(code) >= 400 and "Problem" in json.dumps(plain):
                    content[PROBLEM_JSON] = content.pop("application/json")
            if path.startswith("/v1/"):
                op.setdefault("security", [{"apiKey": []}])
    app.openapi_schema = doc
    return doc


def _serve_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from the files of the ``swagger-ui-bundle`` package:
    a browser that opens the docs fetches nothing from a CDN."""
    try:
        import swagger_ui_bundle
    except ImportError:
        raise ServiceConfigError(
            "PICKOPT_DOCS is on, but Swagger UI is served only from the swagger-ui-bundle "
            "package (never a CDN) and it is not installed: pip install swagger-ui-bundle, or "
            "set PICKOPT_DOCS=off (the OpenAPI document stays at /openapi.json)"
        ) from None
    files = Path(swagger_ui_bundle.swagger_ui_path)
    app.mount("/docs/static", StaticFiles(directory=files), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="pickopt API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon-32x32.png",
        )  # fmt: skip


def create_app(settings: Settings | None = None, *, pool_factory: PoolFactory | None = None
               ) -> FastAPI:  # fmt: skip
    """Build the app.

    Parameters
    ----------
    settings
        Default: read from the environment (``PICKOPT_*``).
    pool_factory
        Builds the solver pool (tests inject one); default: ``settings.workers``
        warm processes.

    Raises
    ------
    ServiceConfigError
        When no API key is configured and ``insecure_dev`` is off.
    """
    settings = settings or Settings()
    keys = settings.check_startable()
    service = Service(settings, pool_factory or default_pool)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(title="pickopt", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)  # fmt: skip
    app.router.redirect_slashes = False  # PUT /v1/layouts/ is a 404, not a 307 to elsewhere
    app.state.service = service
    for module in (layouts, routes, waves, jobs, ops):
        app.include_router(module.router)
    if settings.docs != "off":
        _serve_docs(app)
    _install_handlers(app, service)
    app.add_middleware(Guard, settings=settings, keys=keys, metrics=service.metrics)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app

"""The HTTP API: waves, routes and layouts over JSON, thin over :mod:`optimizer.waves`.

Start it with ``pickopt serve`` (or ``python -m optimizer.service``)::

    PICKOPT_API_KEYS=$(openssl rand -hex 24) pickopt serve --data-dir /var/lib/pickopt

Modules, one idea each:

``settings``   configuration from ``PICKOPT_*`` variables and ``serve`` options
``schemas``    request and response bodies (pydantic), apart from domain types
``convert``    the edge: schemas <-> domain types, errors naming their field
``store``      the storage interface and its embedded SQLite (WAL) implementation,
               with tenants and job leases
``workers``    a crash-tolerant pool of warm solver processes under a memory budget
``ray_pool``   the same pool as Ray actors on a cluster (``serve --ray-address``)
``memory``     what a compiled layout costs a worker; caches bounded by bytes
``tasks``      what the workers run (all CPU work)
``routers/``   one router per resource: layouts, routes, waves, jobs, ops
``edge``       before any route: head size, key and scope, content type, body
               size and time; the HTTP parser's own errors as problem documents
``app``        the FastAPI app: problem details, metrics, OpenAPI
``server``     ``serve()``: uvicorn (h11) on one event loop with the worker pool
"""

from optimizer.service.app import create_app
from optimizer.service.server import serve
from optimizer.service.settings import ServiceConfigError, Settings

__all__ = ["create_app", "serve", "Settings", "ServiceConfigError"]

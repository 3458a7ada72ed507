"""The HTTP API: waves, routes and layouts over JSON, thin over :mod:`optimizer.waves`.

Start it with ``pickopt serve`` (or ``python -m optimizer.service``)::

    PICKOPT_API_KEYS=$(openssl rand -hex 24) pickopt serve --data-dir /var/lib/pickopt

Modules, one idea each:

``settings``   configuration from ``PICKOPT_*`` variables and ``serve`` options
``schemas``    request and response bodies (pydantic), apart from domain types
``convert``    the edge: schemas <-> domain types, errors naming their field
``store``      the storage interface and its embedded SQLite (WAL) implementation
``workers``    a crash-tolerant pool of warm solver processes
``tasks``      what the workers run (all CPU work)
``routers/``   one router per resource: layouts, routes, waves, jobs, ops
``app``        the FastAPI app: auth, limits, problem details, metrics, OpenAPI
``server``     ``serve()``: uvicorn on one event loop with the worker pool
"""

from optimizer.service.app import create_app
from optimizer.service.server import serve
from optimizer.service.settings import ServiceConfigError, Settings

__all__ = ["create_app", "serve", "Settings", "ServiceConfigError"]

"""``serve()``: run the app under uvicorn, one event loop in front of the pool."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from optimizer.service.settings import ServiceConfigError, Settings

__all__ = ["serve"]


def serve(
    *,
    host: str | None = None,
    port: int | None = None,
    data_dir: str | Path | None = None,
    workers: int | None = None,
    keys_file: str | Path | None = None,
    insecure_dev: bool | None = None,
    log_level: str = "info",
) -> None:
    """Start the HTTP service and block until it is stopped (Ctrl-C, SIGTERM).

    Parameters override the ``PICKOPT_*`` environment; ``workers`` is the
    number of solver processes (the HTTP front is one asyncio loop).

    Raises
    ------
    ServiceConfigError
        No API key configured (and not ``insecure_dev``), or a bad keys file.
    """
    import uvicorn

    from optimizer.service.app import create_app
    from optimizer.service.edge import problem_protocol

    overrides: dict[str, Any] = {
        "host": host, "port": port, "data_dir": data_dir, "workers": workers,
        "api_keys_file": keys_file, "insecure_dev": insecure_dev,
    }  # fmt: skip
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ServiceConfigError(f"PICKOPT_{where.upper()}: {first['msg']}") from None
    app = create_app(settings)  # refuses to start without keys
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    if settings.insecure_dev and not settings.keys():
        logging.getLogger("pickopt.service").warning(
            "INSECURE development mode: no API keys, every /v1 route is open"
        )
    # h11, not httptools: it bounds the request head, and its errors become problem documents
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level,
                access_log=False, timeout_graceful_shutdown=10, http=problem_protocol(settings),
                h11_max_incomplete_event_size=settings.max_header_bytes)  # fmt: skip

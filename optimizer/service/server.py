"""``serve()``: run the app under uvicorn, one event loop in front of the pool;
``main()``: its command line, ``pickopt serve`` and ``python -m optimizer.service``.

The service parses its own options and the CLI hands ``pickopt serve ...``
over to :func:`main`, so the service never imports the CLI.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from optimizer.errors import PickoptError
from optimizer.files import input_file, output_dir, read_text
from optimizer.service.settings import ServiceConfigError, Settings

__all__ = ["serve", "main", "MAX_KEYS_FILE_BYTES"]

#: Largest API keys file read: thousands of keys fit in a fraction of it.
MAX_KEYS_FILE_BYTES = 2**20


def _check_files(settings: Settings) -> None:
    """Refuse a keys file that is too large or not UTF-8, and a data folder
    that is a file or refuses new files, before uvicorn starts (whose
    start-up failures are tracebacks)."""
    if settings.api_keys_file is not None:
        keys = input_file(settings.api_keys_file, ServiceConfigError, kind="API keys",
                          max_bytes=MAX_KEYS_FILE_BYTES)  # fmt: skip
        read_text(keys, ServiceConfigError)
    output_dir(settings.data_dir, ServiceConfigError, kind="data")


def serve(
    *,
    host: str | None = None,
    port: int | None = None,
    data_dir: str | Path | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    keys_file: str | Path | None = None,
    insecure_dev: bool | None = None,
    log_level: str = "info",
) -> None:
    """Start the HTTP service and block until it is stopped (Ctrl-C, SIGTERM).

    Parameters override the ``PICKOPT_*`` environment; ``workers`` is the
    number of solver processes (the HTTP front is one asyncio loop), or of
    Ray actors when ``ray_address`` is given (``"auto"``, ``"HOST:PORT"``, or
    ``"local"`` to start a Ray on this machine).

    Raises
    ------
    ServiceConfigError
        No API key configured (and not ``insecure_dev``), a bad keys file,
        or a data folder that cannot be written.
    """
    import uvicorn

    from optimizer.service.app import create_app
    from optimizer.service.edge import problem_protocol

    overrides: dict[str, Any] = {
        "host": host, "port": port, "data_dir": data_dir, "workers": workers,
        "ray_address": ray_address, "api_keys_file": keys_file, "insecure_dev": insecure_dev,
    }  # fmt: skip
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ServiceConfigError(f"PICKOPT_{where.upper()}: {first['msg']}") from None
    _check_files(settings)
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


def _parser() -> argparse.ArgumentParser:
    about = "Run the HTTP API (keys from PICKOPT_API_KEYS)."
    sv = argparse.ArgumentParser(prog="pickopt serve", description=about)
    sv.add_argument("--host", help="address to bind (default 127.0.0.1, PICKOPT_HOST)")
    sv.add_argument("--port", type=int, help="port (default 8000, PICKOPT_PORT)")
    sv.add_argument("--data-dir", help="where layouts, slottings and jobs are stored")
    sv.add_argument("--workers", type=int, help="solver processes (default: CPU count)")
    sv.add_argument("--ray-address", metavar="auto|HOST:PORT|local",
                    help="solve on Ray actors (--workers of them) instead of local processes "
                    "(PICKOPT_RAY_ADDRESS)")  # fmt: skip
    sv.add_argument("--keys-file", help="API keys, one per line (PICKOPT_API_KEYS_FILE)")
    sv.add_argument("--insecure-dev", action="store_true",
                    help="allow starting without API keys (development only)")  # fmt: skip
    sv.add_argument("--log-level", default="info",
                    choices=["critical", "error", "warning", "info", "debug"])  # fmt: skip
    return sv


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pickopt serve`` with the options ``argv``; returns the exit code.

    A :class:`~optimizer.errors.PickoptError` (no keys, a bad keys file) is
    one line on stderr and exit code 2, as in the rest of the CLI.
    """
    args = _parser().parse_args(argv)
    try:
        serve(host=args.host, port=args.port, data_dir=args.data_dir, workers=args.workers,
              ray_address=args.ray_address, keys_file=args.keys_file,
              insecure_dev=args.insecure_dev or None, log_level=args.log_level)  # fmt: skip
    except PickoptError as exc:
        print(f"pickopt: error: {exc}", file=sys.stderr)
        return 2
    return 0

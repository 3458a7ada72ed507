"""What the comparison scripts share: the environment line and time formats."""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

BASE_PACKAGES = ("numpy", "scipy", "numba")


def environment(*extra: str) -> dict[str, Any]:
    """Python, package versions (numpy, scipy, numba and ``extra``) and machine."""
    out: dict[str, Any] = {"python": sys.version.split()[0]}
    for name in (*BASE_PACKAGES, *extra):
        out[name] = version(name)
    out["machine"] = platform.machine()
    out["cpus"] = os.cpu_count()
    return out


def fmt_s(seconds: float) -> str:
    """Seconds in a compact unit: µs, ms or s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"


def start_server(
    data: Path, key: str, workers: int, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``python -m optimizer.service`` on a free loopback port, once ``/readyz`` says
    ready (a compile on first start can take minutes); the process and its URL.
    It runs in its own session so a caller can kill the server with its workers."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "optimizer.service", "--host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(data), "--workers", str(workers), "--log-level", "warning"],
        env={**os.environ, "PICKOPT_API_KEYS": key, **(env or {})}, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited while starting")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit("the server did not become ready")

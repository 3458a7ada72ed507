"""Helpers for the service tests: a real ``pickopt serve`` process on loopback,
waves to send it, and a client that carries the API key."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from optimizer.layout import Layout
from optimizer.synthetic import large_wave
from tests.conftest import LAYOUTS

KEY = "test-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}
SINGLE_TOML = (LAYOUTS / "single_block.toml").read_text()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """A running ``pickopt serve`` process."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def client(self, timeout: float = 60.0) -> httpx.Client:
        """An HTTP client with the API key."""
        return httpx.Client(base_url=self.url, headers=AUTH, timeout=timeout)

    def kill9(self) -> None:
        """SIGKILL the server process only (its workers notice and exit)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then make sure the whole group is gone."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(30)
        _kill_group(self.process.pid)


def _kill_group(pid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


@contextmanager
def running_server(
    data_dir: Path, *, workers: int = 1, env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[Server]:
    """Start ``python -m optimizer.service`` on 127.0.0.1, wait until ready, and
    always stop it (and its worker processes) on exit."""
    port = port or free_port()
    log = data_dir.parent / f"server-{port}-{time.monotonic_ns()}.log"
    full_env = {**os.environ, "PICKOPT_API_KEYS": KEY, **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "optimizer.service", "--host", "127.0.0.1", "--port",
             str(port), "--data-dir", str(data_dir), "--workers", str(workers),
             "--log-level", "warning"],
            stdout=out, stderr=subprocess.STDOUT, env=full_env, start_new_session=True,
        )  # fmt: skip
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_ready(server)
        yield server
    finally:
        server.stop()


def wait_ready(server: Server, timeout: float = 300.0) -> None:
    """Poll ``/readyz`` until 200 (the first start in a clean checkout compiles the JIT)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{server.log.read_text()}")
        try:
            if httpx.get(server.url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server was not ready within {timeout} s:\n{server.log.read_text()}")


def wave_body(n_orders: int = 100, seed: int = 0, **extra: Any) -> dict[str, Any]:
    """A realistic wave on ``single_block`` (Zipf demand, 1-10 lines) as a request body."""
    layout = Layout.from_file(LAYOUTS / "single_block.toml")
    _, orders = large_wave(layout, n_orders, seed=seed)
    return {
        "layout": "single_block",
        "orders": [
            {"id": o.id, "lines": [{"sku": ln.sku, "qty": ln.qty} for ln in o.lines]}
            for o in orders
        ],
        "cart": {"max_items": 45},
        **extra,
    }


def slotting_csv(seed: int = 0) -> str:
    """The slotting that :func:`wave_body` with the same seed assumes, as CSV."""
    layout = Layout.from_file(LAYOUTS / "single_block.toml")
    slotting, _ = large_wave(layout, 1, seed=seed)
    return "sku,bin\n" + "".join(f"{s},{b}\n" for s, b in sorted(slotting.bins.items()))


def without_timings(plan: dict[str, Any]) -> dict[str, Any]:
    """A plan minus the fields that measure time spent (they differ run to run)."""
    summary = {
        k: v for k, v in plan["summary"].items() if k not in ("seconds", "batching_seconds")
    }
    return {**plan, "summary": summary}


def segfault(ctx: object, *args: object) -> None:
    """A task that crashes its worker the way a native-code bug would."""
    os.kill(os.getpid(), signal.SIGSEGV)

"""The edge of the service under attack: huge heads, slow bodies, bodies without a
key, wrong content types and bodies no parser should have to finish. Every
refusal is a problem document naming its cause."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from optimizer.service import Settings, create_app, tasks
from optimizer.service.workers import WorkerPool
from tests.service.support import AUTH, KEY, running_server

with warnings.catch_warnings():  # newer Starlette prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


def cold_pool(settings: Settings, on_restart: Callable[[str], None]) -> WorkerPool:
    """One worker without the JIT warm-up: these tests plan nothing."""
    init = functools.partial(tasks.init_worker, str(settings.data_dir), False)
    return WorkerPool(1, init, on_restart=on_restart)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("edge"), workers=1, api_keys=KEY,
                        max_header_bytes=8192)  # fmt: skip
    with TestClient(create_app(settings, pool_factory=cold_pool), headers=AUTH) as c:
        yield c


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


def test_a_head_over_the_limit_is_431(client: TestClient) -> None:
    """Headers past PICKOPT_MAX_HEADER_BYTES are refused before anything else."""
    body = _problem(client.get("/v1/layouts", headers={"X-Pad": "x" * 10_000}), 431)
    assert "PICKOPT_MAX_HEADER_BYTES" in body["detail"] and body["limit"] == 8192


def test_a_malformed_body_without_a_key_is_401_not_422(client: TestClient) -> None:
    """The key is checked before the body is read or parsed."""
    for path in ("/v1/waves", "/v1/routes"):
        r = client.post(
            path,
            content=b"{not json",
            headers={"Authorization": "", "Content-Type": "application/json"},
        )
        _problem(r, 401)


def test_a_wrong_content_type_is_415(client: TestClient) -> None:
    """A JSON route refuses text/plain (and a missing type) instead of guessing."""
    for headers in ({"Content-Type": "text/plain"}, {}):
        r = client.post("/v1/waves", content=b'{"layout": "x"}', headers=headers)
        body = _problem(r, 415)
        assert body["field"] == "Content-Type" and "application/json" in body["detail"]


def test_invalid_utf8_names_the_cause(client: TestClient) -> None:
    """Not "There was an error parsing the body": which byte is not UTF-8."""
    r = client.post("/v1/waves", content=b'{"layout": "\xff\xfe"}',
                    headers={"Content-Type": "application/json"})  # fmt: skip
    body = _problem(r, 422)
    assert "UTF-8" in body["detail"] and "byte 12" in body["detail"]


def test_deep_nesting_names_the_cause(client: TestClient) -> None:
    """100,000 nested arrays are refused as nested too deeply, not a 500."""
    deep = b"[" * 100_000 + b"]" * 100_000
    r = client.post("/v1/waves", content=deep, headers={"Content-Type": "application/json"})
    assert "nested too deeply" in _problem(r, 422)["detail"]


def test_a_trailing_slash_is_not_redirected(client: TestClient) -> None:
    """PUT /v1/layouts/ is a 404 problem, not a 307 to a route that does not take PUT."""
    r = client.put("/v1/layouts/", content=b"{}", follow_redirects=False,
                   headers={"Content-Type": "application/json"})  # fmt: skip
    _problem(r, 404)


def test_an_over_long_name_is_a_problem_naming_the_path(client: TestClient) -> None:
    """A 5,000-character layout name: 422 naming the name, not a plain-text 400."""
    r = client.put("/v1/layouts/" + "a" * 5000, content=b"{}",
                   headers={"Content-Type": "application/json"})  # fmt: skip
    assert _problem(r, 422)["field"] == "name"


def test_a_5000_digit_integer_in_a_layout_is_422_naming_the_field(client: TestClient) -> None:
    """Past Python's 4,300-digit limit: the field is named, no 500."""
    spec = (
        '{"kind": "parallel-aisles", "aisles": %s, "cells": 10, "cell_length": 1.0, '
        '"aisle_spacing": 3.0, "cross_aisle_to_cell": 1.0, '
        '"depots": [{"name": "D", "aisle": 1, "at": "front"}]}'
    ) % ("9" * 5000)
    r = client.put("/v1/layouts/huge", content=spec, headers={"Content-Type": "application/json"})
    body = _problem(r, 422)
    assert body["field"] == "spec.aisles", body


def test_a_5000_digit_integer_in_a_wave_is_422(client: TestClient) -> None:
    """The same number in a wave body: a problem saying the number is too long."""
    wave = '{"layout": "x", "orders": [], "cart": {"max_items": %s}}' % ("9" * 5000)
    r = client.post("/v1/waves", content=wave, headers={"Content-Type": "application/json"})
    assert "too long" in _problem(r, 422)["detail"]


def test_a_body_that_never_finishes_is_408(tmp_path: Path) -> None:
    """The body deadline holds even when the client sends one chunk and then nothing."""
    settings = Settings(data_dir=tmp_path, workers=1, api_keys=KEY, body_timeout_s=0.3)
    app = create_app(settings, pool_factory=cold_pool)
    sent: list[dict[str, Any]] = []
    chunks = [{"type": "http.request", "body": b'{"layout":', "more_body": True}]

    async def receive() -> dict[str, Any]:
        if chunks:
            return chunks.pop()
        await asyncio.sleep(3600)  # a client that never sends the rest
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/waves", "raw_path": b"/v1/waves",
             "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
             "headers": [(b"authorization", f"Bearer {KEY}".encode()),
                         (b"content-type", b"application/json")]}  # fmt: skip
    t0 = time.monotonic()
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 10))
    assert time.monotonic() - t0 < 5
    start = sent[0]
    assert start["status"] == 408
    assert (b"connection", b"close") in start["headers"]
    assert "PICKOPT_BODY_TIMEOUT_S" in json.loads(sent[1]["body"])["detail"]


# ---- the real server: what uvicorn's parser sees before the app ------------------------
def _exchange(port: int, data: bytes, *, then_wait: float = 10.0) -> bytes:
    """Send raw bytes, then read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=then_wait) as s:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            out += chunk
        return out


def _parse(raw: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"content-type: application/problem+json" in head.lower(), raw[:300]
    return status, json.loads(body)


def test_the_server_bounds_heads_and_answers_parser_errors_with_problems(tmp_path: Path) -> None:
    """A 2 MB header is a 431 at once; a bad Content-Length and a head that stops
    half-way are problems too; /healthz answers throughout."""
    env = {"PICKOPT_MAX_HEADER_BYTES": "16384", "PICKOPT_HEADER_TIMEOUT_S": "1",
           "PICKOPT_BODY_TIMEOUT_S": "1"}  # fmt: skip
    with running_server(tmp_path / "data", env=env) as server:
        port = int(server.url.rsplit(":", 1)[1])
        t0 = time.monotonic()
        huge = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 2_000_000 + b"\r\n\r\n"
        status, body = _parse(_exchange(port, huge))
        assert status == 431 and body["limit"] == 16384
        assert time.monotonic() - t0 < 5
        bad = (b"PUT /v1/layouts/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode()
               + b"\r\nContent-Length: abc\r\n\r\n{}")  # fmt: skip
        status, body = _parse(_exchange(port, bad))
        assert status == 400 and "malformed" in body["detail"]
        t0 = time.monotonic()
        status, body = _parse(_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "))
        assert status == 408 and "PICKOPT_HEADER_TIMEOUT_S" in body["detail"]
        assert time.monotonic() - t0 < 5
        long_name = (
            b"GET /v1/layouts/" + b"n" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + KEY.encode() + b"\r\nConnection: close\r\n\r\n"
        )
        status, body = _parse(_exchange(port, long_name))
        assert status == 422 and body["field"] == "name"
        t0 = time.monotonic()
        slow = (
            b"POST /v1/waves HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + KEY.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        status, body = _parse(_exchange(port, slow))
        assert status == 408 and "PICKOPT_BODY_TIMEOUT_S" in body["detail"]
        assert time.monotonic() - t0 < 5
        keyless = (b"POST /v1/waves HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 100\r\nConnection: close\r\n\r\n{")  # fmt: skip
        status, body = _parse(_exchange(port, keyless))
        assert status == 401  # at once: the body is never waited for
        with server.client() as c:
            assert c.get("/healthz").status_code == 200

"""The edge of the service: what happens to a request before any route sees it.

:class:`Guard` is pure ASGI middleware, in this order: time the request into
the latency histogram; refuse a request head over ``max_header_bytes`` (431);
authenticate ``/v1`` requests and check the key's scope *before a byte of the
body is read* (401/403), so that no one without a key can make the server
parse anything; refuse a JSON route's body of another media type (415);
refuse bodies over ``max_body_bytes`` (413) and bodies that do not arrive
within ``body_timeout_s`` (408).

What cannot reach the app (a malformed request line, a bad
``Content-Length``, a head larger than h11's buffer, a head that never ends)
is answered by :func:`problem_protocol`, uvicorn's h11 protocol with
problem-details bodies and a head timeout.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import h11
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from optimizer.service.metrics import Metrics
from optimizer.service.problems import PROBLEM_JSON, ApiProblem
from optimizer.service.settings import SCOPES, ApiKey, Settings

__all__ = [
    "Guard",
    "BodyTooLarge",
    "BodyTimedOut",
    "problem_response",
    "problem_protocol",
    "required_scope",
    "JSON_ROUTES",
]

#: Routes whose body FastAPI parses as JSON: anything else is a 415.
JSON_ROUTES = frozenset({("POST", "/v1/routes"), ("POST", "/v1/waves")})
_PLAN_ROUTES = frozenset({"/v1/routes", "/v1/waves"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooLarge(StarletteHTTPException):
    """Raised while reading a body past the limit (chunked uploads)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_detail(limit))
        self.limit = limit


class BodyTimedOut(StarletteHTTPException):
    """Raised when the body has not arrived within ``body_timeout_s``."""

    def __init__(self, limit: float) -> None:
        super().__init__(408, f"the request body did not arrive within {limit:g} s "
                         "(PICKOPT_BODY_TIMEOUT_S)", headers={"Connection": "close"})  # fmt: skip
        self.limit = limit


def too_large_detail(limit: int) -> str:
    """The sentence of a 413."""
    return f"the request body is larger than the limit of {limit:,} bytes (PICKOPT_MAX_BODY_BYTES)"


def problem_response(metrics: Metrics, problem: ApiProblem, instance: str | None
                     ) -> JSONResponse:  # fmt: skip
    """``problem`` as an ``application/problem+json`` response, counted in the metrics."""
    body = problem.to_dict(instance)
    metrics.errors.labels(str(problem.status), body["type"]).inc()
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON,
                        headers=problem.headers or None)  # fmt: skip


def required_scope(method: str, path: str, settings: Settings) -> str | None:
    """The scope a request needs, ``None`` for an open route, ``"off"`` for a
    route switched off in the settings."""
    if path.startswith("/v1/") or path == "/v1":
        if method in _READ_METHODS:
            return "read"
        return "plan" if path.rstrip("/") in _PLAN_ROUTES else "write"
    exposure = None
    if path == "/metrics":
        exposure = settings.metrics
    elif path == "/docs" or path.startswith("/docs/"):
        exposure = settings.docs
    if exposure == "off":
        return "off"
    return "admin" if exposure == "key" else None


def _bearer_error(code: str) -> str:
    return f'Bearer error="{code}"'


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


class Guard:
    """Pure ASGI middleware: head size, key and scope, content type, body size and
    time, and the latency histogram (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings, keys: tuple[ApiKey, ...],
                 metrics: Metrics) -> None:  # fmt: skip
        self.app = app
        self.settings = settings
        self.keys = keys
        self.metrics = metrics
        self._tokens = tuple((k.token.encode(), k) for k in keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            problem = self._refuse(scope)
            if problem is not None:
                if _header(scope, b"content-length") or _header(scope, b"transfer-encoding"):
                    problem.headers["Connection"] = "close"  # do not wait for an unread body
                response = problem_response(self.metrics, problem, scope.get("path"))
                await response(scope, receive, send_status)
                return
            await self.app(scope, self._bounded(receive), send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.latency.labels(scope["method"], template, str(status)).observe(
                time.perf_counter() - t0
            )

    def _refuse(self, scope: Scope) -> ApiProblem | None:
        """The problem that ends this request before its body is read, if any."""
        s = self.settings
        head = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
        head += sum(len(k) + len(v) + 4 for k, v in scope.get("headers", []))
        if head > s.max_header_bytes:
            return ApiProblem(431, f"the request head is {head:,} bytes; the limit is "
                              f"{s.max_header_bytes:,} (PICKOPT_MAX_HEADER_BYTES)",
                              slug="header-too-large", limit=s.max_header_bytes,
                              headers={"Connection": "close"})  # fmt: skip
        method, path = scope["method"], scope["path"]
        needed = required_scope(method, path, s)
        if needed == "off":
            return ApiProblem(404, f"{path} is switched off on this server", slug="not-found")
        if needed is not None:
            problem = self._authenticate(scope, needed)
            if problem is not None:
                return problem
        if (method, path.rstrip("/")) in JSON_ROUTES:
            media = (_header(scope, b"content-type") or b"").split(b";", 1)[0].strip().lower()
            if media != b"application/json":
                shown = media.decode("latin-1") or "(none)"
                return ApiProblem(415, f"content type {shown!r} is not accepted; send "
                                  "application/json", slug="unsupported-media-type",
                                  field="Content-Type")  # fmt: skip
        declared = _content_length(scope)
        if declared is not None and declared > s.max_body_bytes:
            return ApiProblem(413, too_large_detail(s.max_body_bytes), slug="too-large",
                              limit=s.max_body_bytes, headers={"Connection": "close"})  # fmt: skip
        return None

    def _authenticate(self, scope: Scope, needed: str) -> ApiProblem | None:
        """401 without a valid key, 403 without the scope; else remember who it is."""
        state = scope.setdefault("state", {})
        if not self.keys and self.settings.insecure_dev:
            state["principal"] = ApiKey("", scopes=frozenset(SCOPES))
            return None
        scheme, _, token = (_header(scope, b"authorization") or b"").partition(b" ")
        if scheme.lower() != b"bearer" or not token.strip():
            return ApiProblem(401, "this route needs an API key: send 'Authorization: Bearer "
                              "<key>'", slug="unauthorized",
                              headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        key = self._match(token.strip())
        if key is None:
            challenge = {"WWW-Authenticate": _bearer_error("invalid_token")}
            return ApiProblem(401, "the API key is not valid", slug="unauthorized",
                              headers=challenge)  # fmt: skip
        if needed not in key.scopes and "admin" not in key.scopes:
            challenge = {"WWW-Authenticate": _bearer_error("insufficient_scope")}
            return ApiProblem(403, f"this API key lacks the {needed!r} scope (it has "
                              f"{', '.join(sorted(key.scopes))})", slug="forbidden",
                              headers=challenge)  # fmt: skip
        state["principal"] = key
        return None

    def _match(self, token: bytes) -> ApiKey | None:
        """Constant-time comparison against every key (no early exit)."""
        found = None
        for candidate, key in self._tokens:
            if hmac.compare_digest(token, candidate):
                found = key
        return found

    def _bounded(self, receive: Receive) -> Receive:
        """``receive`` that raises past the body size limit or deadline."""
        limit = self.settings.max_body_bytes
        timeout = self.settings.body_timeout_s
        deadline = time.monotonic() + timeout
        seen = 0

        async def bounded() -> Message:
            nonlocal seen
            remaining = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), max(remaining, 0.0))
            except TimeoutError:
                raise BodyTimedOut(timeout) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        return bounded


# ---- the HTTP/1.1 parser's own errors ------------------------------------------------
class _WatchedConnection(h11.Connection):
    """An h11 connection that remembers its last protocol error and reports each
    complete request head (to stop the head timer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_error: h11.RemoteProtocolError | None = None
        self.heads = 0

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.last_error = exc
            raise
        if isinstance(event, h11.Request):
            self.heads += 1
        return event


class ProblemH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, answering what it refuses before the app with
    problem details (431 for a head over the limit, 400 naming h11's reason
    otherwise) and closing connections whose request head does not arrive
    within ``head_timeout`` seconds (408)."""

    head_timeout: float = 10.0
    max_head: int = 64 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = _WatchedConnection(h11.SERVER, max_incomplete_event_size=self.max_head)
        self._head_timer: asyncio.TimerHandle | None = None
        self._heads_seen = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        conn = self.conn
        if isinstance(conn, _WatchedConnection) and conn.heads != self._heads_seen:
            self._heads_seen = conn.heads
            self._disarm_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()  # the next request's head gets the same time

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or (self.cycle and not self.cycle.response_complete):
            return
        if self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0]:
            self.transport.close()  # an idle keep-alive connection: nothing to answer
            return
        self._send_problem(408, "the request line and headers did not arrive within "
                           f"{self.head_timeout:g} s (PICKOPT_HEADER_TIMEOUT_S)",
                           "request-timeout")  # fmt: skip

    def send_400_response(self, msg: str) -> None:
        error = self.conn.last_error if isinstance(self.conn, _WatchedConnection) else None
        status = error.error_status_hint if error is not None else 400
        if status == 431:
            detail = (f"the request line and headers are larger than the limit of "
                      f"{self.max_head:,} bytes (PICKOPT_MAX_HEADER_BYTES)")  # fmt: skip
            self._send_problem(431, detail, "header-too-large", limit=self.max_head)
            return
        reason = str(error) if error is not None and str(error) else msg
        self._send_problem(status, f"the HTTP request is malformed: {reason}", "bad-request")

    def _send_problem(self, status: int, detail: str, slug: str, **extra: Any) -> None:
        """Write a problem document straight to the socket and close it (the h11 state
        may be broken, so this does not go through ``self.conn``)."""
        self._disarm_head_timer()
        body = json.dumps(ApiProblem(status, detail, slug=slug, **extra).to_dict()).encode()
        head = (f"HTTP/1.1 {status} {_reason(status)}\r\ncontent-type: {PROBLEM_JSON}\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")  # fmt: skip
        self.transport.write(head.encode("latin-1") + body)
        self.transport.close()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_protocol(settings: Settings) -> type[ProblemH11Protocol]:
    """:class:`ProblemH11Protocol` with this server's head limit and timeout."""
    attrs: Mapping[str, Any] = {"head_timeout": settings.header_timeout_s,
                                "max_head": settings.max_header_bytes}  # fmt: skip
    return type("PickoptH11Protocol", (ProblemH11Protocol,), dict(attrs))

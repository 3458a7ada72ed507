"""Errors as RFC 9457 problem details.

:class:`ApiProblem` is raised anywhere in the service (and inside solver
workers, which send it back as a plain dict); the app turns it into an
``application/problem+json`` response. :func:`from_pickopt` maps the library's
exceptions, whose messages already name the culprit, to 4xx problems and
pulls out the bin code where there is one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from optimizer.errors import (
    CapacityError,
    LayoutError,
    PickoptError,
    RoutingError,
    UnknownSlotError,
)

__all__ = ["ApiProblem", "from_pickopt", "PROBLEM_JSON", "problem_type"]

PROBLEM_JSON = "application/problem+json"

_BIN = re.compile(r"""bin code (['"])(.*?)\1""")
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem_type(slug: str) -> str:
    """The ``type`` URI of a kind of problem."""
    return f"urn:pickopt:problem:{slug}"


class ApiProblem(Exception):
    """An HTTP error with a problem-details body.

    Parameters
    ----------
    status
        HTTP status code.
    detail
        One sentence for people, naming the culprit.
    slug
        Short kind of problem, e.g. ``"unknown-bin"``; becomes ``type``.
    field, bin, limit
        The request field, bin code or configured limit at fault.
    errors
        ``(field, message)`` pairs when there are several.
    headers
        Extra response headers (``WWW-Authenticate``, ``Allow``, ...).
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        field: str | None = None,
        bin: str | None = None,
        limit: float | None = None,
        errors: Sequence[tuple[str, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.title = title or _TITLES.get(status, "Error")
        self.field = field
        self.bin = bin
        self.limit = limit
        self.errors = list(errors)
        self.headers = headers or {}

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        """The JSON body."""
        body: dict[str, Any] = {
            "type": problem_type(self.slug) if self.slug else "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance is not None:
            body["instance"] = instance
        for key in ("field", "bin", "limit"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        if self.errors:
            body["errors"] = [{"field": f, "message": m} for f, m in self.errors]
        return body

    def to_wire(self) -> dict[str, Any]:
        """Keyword arguments that rebuild this problem in another process."""
        return {
            "status": self.status, "detail": self.detail, "slug": self.slug,
            "title": self.title, "field": self.field, "bin": self.bin, "limit": self.limit,
            "errors": list(self.errors), "headers": dict(self.headers),
        }  # fmt: skip


def from_pickopt(exc: PickoptError, field: str | None = None) -> ApiProblem:
    """A 422 problem for a library error, naming ``field`` and any bin code."""
    message = str(exc)
    found = _BIN.search(message)
    code = found.group(2) if found else None
    if isinstance(exc, UnknownSlotError):
        slug = "unknown-bin" if code is not None else "unknown-key"
    elif isinstance(exc, LayoutError):
        slug = "invalid-layout"
    elif isinstance(exc, CapacityError):
        slug = "capacity"
    elif isinstance(exc, RoutingError):
        slug = "routing"
    else:
        slug = "invalid-request"
    return ApiProblem(422, message, slug=slug, field=field, bin=code)

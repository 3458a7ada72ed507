"""Dependencies shared by the routers, as ``Annotated`` aliases."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from optimizer.service.problems import ApiProblem
from optimizer.service.schemas import NAME_PATTERN
from optimizer.service.state import Service
from optimizer.service.store import Store

__all__ = ["V1", "ServiceDep", "StoreDep", "require_key", "NamePath", "VersionQuery", "bearer"]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key from PICKOPT_API_KEYS or the keys file, as `Bearer <key>`.",
)


def get_service(request: Request) -> Service:
    """The service behind this app."""
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def get_store(service: ServiceDep) -> Store:
    """The store (503 while the service starts)."""
    return service.need_store()


StoreDep = Annotated[Store, Depends(get_store)]


def _matches(token: bytes, keys: tuple[bytes, ...]) -> bool:
    """Constant-time comparison against every key (no early exit)."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(token, key)
    return found


async def require_key(
    service: ServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """401 unless the request carries a configured API key as a bearer token."""
    if service.settings.insecure_dev and not service.keys:
        return
    if credentials is None:
        raise ApiProblem(401, "this route needs an API key: send 'Authorization: Bearer <key>'",
                         slug="unauthorized", headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    if not _matches(credentials.credentials.encode(), service.keys):
        raise ApiProblem(401, "the API key is not valid", slug="unauthorized",
                         headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})  # fmt: skip


NamePath = Annotated[
    str,
    Path(pattern=NAME_PATTERN, description="layout name", examples=["single_block"]),
]
VersionQuery = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="a version; default: the latest")
]

#: Dependencies of every ``/v1`` router: the API key.
V1 = [Depends(require_key)]

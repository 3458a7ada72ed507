"""Dependencies shared by the routers, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from optimizer.service.problems import ApiProblem
from optimizer.service.schemas import NAME_PATTERN
from optimizer.service.settings import ApiKey
from optimizer.service.state import Service
from optimizer.service.store import Store

__all__ = [
    "V1",
    "ServiceDep",
    "StoreDep",
    "PrincipalDep",
    "TenantDep",
    "get_principal",
    "NamePath",
    "VersionQuery",
    "bearer",
]

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


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    """The key of this request, which the edge (:class:`~optimizer.service.edge.Guard`)
    checked before the body was read; ``credentials`` only documents the scheme."""
    del credentials
    key: ApiKey | None = request.scope.get("state", {}).get("principal")
    if key is None:  # the edge did not run: refuse rather than serve without a key
        raise ApiProblem(401, "this route needs an API key: send 'Authorization: Bearer <key>'",
                         slug="unauthorized", headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    return key


PrincipalDep = Annotated[ApiKey, Depends(get_principal)]


def get_tenant(key: PrincipalDep) -> str:
    """The tenant whose layouts, slottings and jobs this request may see."""
    return key.tenant


TenantDep = Annotated[str, Depends(get_tenant)]


NamePath = Annotated[
    str,
    Path(pattern=NAME_PATTERN, description="layout name", examples=["single_block"]),
]
VersionQuery = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="a version; default: the latest")
]

#: Dependencies of every ``/v1`` router: the API key.
V1 = [Depends(get_principal)]

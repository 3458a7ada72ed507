"""Service configuration: environment variables ``PICKOPT_*``, overridable by
``pickopt serve`` options, read once into a frozen :class:`Settings`.

API keys come from ``PICKOPT_API_KEYS`` (comma-separated) and/or a keys file
(``PICKOPT_API_KEYS_FILE``, one key per line, ``#`` comments). A line may give
the key a tenant and scopes after it::

    3f9c0a...e1   tenant=acme   scopes=read,plan

A key without them belongs to the ``default`` tenant with every scope (the
format of earlier versions). With no key configured the server refuses to
start unless ``PICKOPT_INSECURE_DEV=1`` (``pickopt serve --insecure-dev``) says
this is a development box.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from optimizer.errors import PickoptError

__all__ = [
    "Settings",
    "ServiceConfigError",
    "ApiKey",
    "MIN_KEY_LENGTH",
    "SCOPES",
    "DEFAULT_TENANT",
]

MIN_KEY_LENGTH = 16
#: What a key may do: read resources, plan routes and waves, upload, and operate
#: (``admin`` implies the others and opens ``/metrics`` and ``/docs`` behind a key).
SCOPES = ("read", "plan", "write", "admin")
DEFAULT_TENANT = "default"
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

#: Who may reach ``/metrics`` and ``/docs``: anyone, a key with the admin scope, nobody.
Exposure = Literal["open", "key", "off"]


@dataclass(frozen=True)
class ApiKey:
    """A configured key: the tenant whose data it sees and what it may do."""

    token: str
    tenant: str = DEFAULT_TENANT
    scopes: frozenset[str] = frozenset(SCOPES)


class ServiceConfigError(PickoptError):
    """The service cannot start with this configuration (no keys, bad key file, ...)."""


def _default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    Every field is also an environment variable: ``max_orders`` is
    ``PICKOPT_MAX_ORDERS``, and so on.
    """

    model_config = SettingsConfigDict(env_prefix="PICKOPT_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = Path("pickopt-data")
    workers: int = Field(default_factory=_default_workers, ge=1, le=64)
    ray_address: str | None = Field(
        default=None,
        description="solve on Ray actors: 'auto', 'HOST:PORT', or 'local' to start one here",
    )
    api_keys: str = Field(default="", description="comma-separated bearer tokens")
    api_keys_file: Path | None = None
    insecure_dev: bool = False

    max_body_bytes: int = Field(default=16 * 2**20, ge=1024)
    max_orders: int = Field(default=1000, ge=1, description="orders per synchronous wave")
    max_job_orders: int = Field(
        default=20_000, ge=1, description="orders per asynchronous wave job"
    )
    max_picks: int = Field(default=5000, ge=1, description="picks per route request")
    max_layout_slots: int = Field(default=250_000, ge=1, description="slots per uploaded layout")
    default_batching: str = Field(
        default="auto", description="batching method of waves whose policy names none"
    )
    default_effort: int = Field(
        default=20, ge=0, description="work budget of batching searches (ALNS iterations)"
    )
    default_time_budget_s: float = Field(
        default=2.0,
        gt=0,
        description="wall-clock safety cap of a wave plan (batching and final routes), seconds",
    )
    max_time_budget_s: float = Field(default=10.0, gt=0)
    max_job_time_budget_s: float = Field(default=300.0, gt=0)
    solve_grace_s: float = Field(
        default=30.0, gt=0, description="beyond its time budget, when a solve is killed"
    )
    upload_timeout_s: float = Field(default=120.0, gt=0)
    max_concurrent_jobs: int = Field(default=1, ge=1)
    worker_start_timeout_s: float = Field(default=600.0, gt=0)

    max_header_bytes: int = Field(
        default=64 * 1024, ge=1024, description="request line plus headers, bytes"
    )
    header_timeout_s: float = Field(
        default=10.0, gt=0, description="to receive a request line and its headers"
    )
    body_timeout_s: float = Field(default=60.0, gt=0, description="to receive a whole body")
    job_lease_s: float = Field(
        default=30.0, gt=0, description="a job's owner renews its lease this often x 3"
    )
    worker_memory_mb: int = Field(
        default=2048, ge=64, description="per solver worker: caches plus one request"
    )
    min_free_disk_mb: int = Field(
        default=64, ge=0, description="below this, /readyz reports the data directory full"
    )
    metrics: Exposure = "open"
    docs: Exposure = "off"

    @model_validator(mode="after")
    def _budgets(self) -> Settings:
        from optimizer.batching import METHODS

        if self.default_time_budget_s > self.max_time_budget_s:
            raise ValueError("default_time_budget_s > max_time_budget_s not understood.")
        if self.default_batching not in METHODS:
            raise ValueError(f"default_batching must be one of {', '.join(METHODS)}")
        return self

    def keys(self) -> tuple[str, ...]:
        """The configured API keys, environment first, then the keys file.

        Raises
        ------
        ServiceConfigError
            If the keys file is missing or a key is shorter than
            :data:`MIN_KEY_LENGTH`, contains whitespace, or has a bad
            ``tenant=`` or ``scopes=``.
        """
        return tuple(k.token for k in self.api_key_entries())

    def api_key_entries(self) -> tuple[ApiKey, ...]:
        """Every configured key with its tenant and scopes (see :meth:`keys`)."""
        found = [ApiKey(k.strip()) for k in self.api_keys.split(",") if k.strip()]
        if self.api_keys_file is not None:
            path = Path(self.api_keys_file)
            if not path.is_file():
                raise ServiceConfigError(f"{path}: no such API keys file")
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                entry = line.split("#", 1)[0].split()
                if entry:
                    found.append(_parse_key_line(entry, f"{path}:{n}"))
        for key in found:
            if len(key.token) < MIN_KEY_LENGTH:
                raise ServiceConfigError(
                    f"an API key is {len(key.token)} characters long; at least "
                    f"{MIN_KEY_LENGTH} are required"
                )
        first: dict[str, ApiKey] = {}
        for key in found:
            first.setdefault(key.token, key)
        return tuple(first.values())

    def check_startable(self) -> tuple[ApiKey, ...]:
        """The keys, or :class:`ServiceConfigError` if there are none and
        ``insecure_dev`` is off."""
        keys = self.api_key_entries()
        if not keys and not self.insecure_dev:
            raise ServiceConfigError(
                "no API keys configured: set PICKOPT_API_KEYS or PICKOPT_API_KEYS_FILE "
                "(--keys-file), or run with --insecure-dev on a development machine"
            )
        return keys


def _parse_key_line(words: list[str], where: str) -> ApiKey:
    """``KEY [tenant=NAME] [scopes=a,b]`` from one line of the keys file."""
    token, *options = words
    tenant, scopes = DEFAULT_TENANT, frozenset(SCOPES)
    for option in options:
        name, sep, value = option.partition("=")
        if not sep:  # a second bare word: the key itself had a space in it
            raise ServiceConfigError(f"{where}: an API key contains whitespace")
        if name == "tenant":
            if not _TENANT.match(value):
                raise ServiceConfigError(f"{where}: tenant {value!r} is not a valid name "
                                         "(letters, digits, _ . -)")  # fmt: skip
            tenant = value
        elif name == "scopes":
            given = {s for s in value.split(",") if s}
            unknown = sorted(given - set(SCOPES))
            if unknown or not given:
                raise ServiceConfigError(f"{where}: unknown scope {', '.join(unknown) or '(none)'}"
                                         f"; the scopes are {', '.join(SCOPES)}")  # fmt: skip
            scopes = frozenset(given)
        else:
            raise ServiceConfigError(f"{where}: unknown key option {name!r}; use tenant= "
                                     "or scopes=")  # fmt: skip
    return ApiKey(token, tenant, scopes)

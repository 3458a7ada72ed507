"""Service configuration: environment variables ``PICKOPT_*``, overridable by
``pickopt serve`` options, read once into a frozen :class:`Settings`.

API keys come from ``PICKOPT_API_KEYS`` (comma-separated) and/or a keys file
(``PICKOPT_API_KEYS_FILE``, one key per line, ``#`` comments). With no key
configured the server refuses to start unless ``PICKOPT_INSECURE_DEV=1``
(``pickopt serve --insecure-dev``) says this is a development box.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from optimizer.errors import PickoptError

__all__ = ["Settings", "ServiceConfigError", "MIN_KEY_LENGTH"]

MIN_KEY_LENGTH = 16


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
    default_time_budget_s: float = Field(
        default=0.08, gt=0, description="batching search, seconds"
    )
    max_time_budget_s: float = Field(default=10.0, gt=0)
    max_job_time_budget_s: float = Field(default=300.0, gt=0)
    solve_grace_s: float = Field(
        default=30.0, gt=0, description="beyond its time budget, when a solve is killed"
    )
    upload_timeout_s: float = Field(default=120.0, gt=0)
    max_concurrent_jobs: int = Field(default=1, ge=1)
    worker_start_timeout_s: float = Field(default=600.0, gt=0)

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
            :data:`MIN_KEY_LENGTH` or contains whitespace.
        """
        found = [k.strip() for k in self.api_keys.split(",") if k.strip()]
        if self.api_keys_file is not None:
            path = Path(self.api_keys_file)
            if not path.is_file():
                raise ServiceConfigError(f"{path}: no such API keys file")
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                key = line.split("#", 1)[0].strip()
                if key:
                    if any(c.isspace() for c in key):
                        raise ServiceConfigError(f"{path}:{n}: an API key contains whitespace")
                    found.append(key)
        for key in found:
            if len(key) < MIN_KEY_LENGTH:
                raise ServiceConfigError(
                    f"an API key is {len(key)} characters long; at least {MIN_KEY_LENGTH} "
                    "are required"
                )
        return tuple(dict.fromkeys(found))

    def check_startable(self) -> tuple[str, ...]:
        """The keys, or :class:`ServiceConfigError` if there are none and
        ``insecure_dev`` is off."""
        keys = self.keys()
        if not keys and not self.insecure_dev:
            raise ServiceConfigError(
                "no API keys configured: set PICKOPT_API_KEYS or PICKOPT_API_KEYS_FILE "
                "(--keys-file), or run with --insecure-dev on a development machine"
            )
        return keys

"""Worker memory stays under PICKOPT_WORKER_MEMORY_MB: layouts too big for it are
refused at upload, caches are evicted by size, and a worker that grew past the
budget anyway is replaced."""

from __future__ import annotations

import asyncio
import functools
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from optimizer.distance import DistanceOracle
from optimizer.layout import Layout
from optimizer.service import Settings, create_app, tasks
from optimizer.service.memory import SizedCache, layout_bytes, oracle_bytes
from optimizer.service.problems import ApiProblem
from optimizer.service.store import SqliteStore
from optimizer.service.workers import WorkerPool
from tests.service.support import AUTH, KEY, SINGLE_TOML

with warnings.catch_warnings():  # newer Starlette prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _spec(aisles: int, cells: int, blocks: int) -> dict[str, Any]:
    return {"kind": "parallel-aisles", "aisles": aisles, "cells": cells, "blocks": blocks,
            "cell_length": 1.0, "aisle_spacing": 3.0, "cross_aisle_to_cell": 1.0,
            "depots": [{"name": "D", "aisle": 1}]}  # fmt: skip


#: 2,697 junctions: past the junction table's bound, hub labels of a few MB.
MANY_JUNCTIONS = _spec(300, 2, 8)
#: 250,000 slots on 125,000 pick nodes: about 40 MB, more than a 64 MB worker gives a layout.
OVER_BUDGET = _spec(250, 500, 1)


@pytest.mark.parametrize("spec", [_spec(10, 45, 1), _spec(60, 30, 6), MANY_JUNCTIONS])
def test_the_estimate_bounds_the_oracle(spec: dict[str, Any]) -> None:
    """The estimate, made before the oracle exists, is at least what it then holds."""
    layout = Layout.from_spec({**spec, "name": "x"})
    estimate = oracle_bytes(layout)
    held = DistanceOracle(layout).nbytes
    assert held <= estimate <= 3 * held + 2**20


def test_an_upload_over_the_budget_is_refused_before_the_oracle_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With 64 MB per worker a 40 MB layout is a 422 naming the setting, and the
    oracle is never built."""

    def no_oracle(layout: Layout) -> DistanceOracle:
        raise AssertionError("the oracle was built")

    monkeypatch.setattr(DistanceOracle, "for_layout", no_oracle)
    body = json.dumps(OVER_BUDGET).encode()
    with pytest.raises(ApiProblem) as refused:
        tasks.validate_layout(tasks.WorkerContext(None), "big", body, "json", 250_000, 64)
    problem = refused.value
    assert problem.status == 422 and problem.field == "spec" and problem.limit == 64
    assert "PICKOPT_WORKER_MEMORY_MB" in problem.detail


def test_an_upload_over_the_budget_is_422_over_http(tmp_path: Path) -> None:
    """The same over HTTP; a small layout still fits."""

    def factory(s: Settings, on_restart: Callable[[str], None]) -> WorkerPool:
        init = functools.partial(tasks.init_worker, str(s.data_dir), False, s.worker_memory_mb)
        return WorkerPool(1, init, on_restart=on_restart)

    settings = Settings(data_dir=tmp_path, workers=1, api_keys=KEY, worker_memory_mb=64)
    with TestClient(create_app(settings, pool_factory=factory), headers=AUTH) as c:
        big = c.put("/v1/layouts/big", json=OVER_BUDGET)
        small = c.put("/v1/layouts/single_block", content=SINGLE_TOML,
                      headers={"Content-Type": "application/toml"})  # fmt: skip
    assert big.status_code == 422, big.text
    assert big.json()["limit"] == 64 and "PICKOPT_WORKER_MEMORY_MB" in big.json()["detail"]
    assert small.status_code == 201


def test_a_sized_cache_evicts_the_least_recent_by_bytes() -> None:
    """Entries go, oldest first, until the sizes fit; the newest stays even alone."""
    cache: SizedCache[str, int] = SizedCache(100)
    for key, size in (("a", 40), ("b", 40)):
        cache.get(key, lambda: 0, lambda _, n=size: n)
    cache.get("a", lambda: 1, lambda _: 40)  # a is used again: b is now the oldest
    cache.get("c", lambda: 0, lambda _: 40)
    assert cache.keys() == ["a", "c"] and cache.nbytes == 80
    cache.get("huge", lambda: 0, lambda _: 500)
    assert cache.keys() == ["huge"] and cache.nbytes == 500


def test_a_workers_layout_cache_holds_what_its_budget_allows(tmp_path: Path) -> None:
    """Two layouts that do not fit together in the cache budget: the first is dropped."""
    store = SqliteStore(tmp_path)
    spec = json.dumps(_spec(60, 30, 6))
    for name in ("one", "two"):
        store.put_layout(name, digest=name, layout_hash=name, format="json", source="",
                         spec=spec, info={})  # fmt: skip
    one = Layout.from_spec({**_spec(60, 30, 6), "name": "one"})
    budget_mb = int(1.5 * layout_bytes(one) * 2 / 2**20) + 1  # room for one and a half
    ctx = tasks.WorkerContext(str(tmp_path), budget_mb)
    ctx.layout("default", "one", 1)
    ctx.layout("default", "two", 1)
    assert ctx.layouts.keys() == [("default", "two", 1)]
    assert ctx.layouts.nbytes <= tasks.cache_budget(budget_mb)


def _grow(ctx: object, mb: int) -> int:
    """A task that leaves ``mb`` of memory behind in its worker."""
    kept = getattr(ctx, "kept", [])
    kept.append(bytearray(mb * 2**20))
    ctx.kept = kept  # type: ignore[attr-defined]
    return mb


def test_a_worker_over_its_memory_budget_is_replaced_after_answering() -> None:
    """The answer arrives; then the worker is retired and a fresh one takes its place."""

    async def scenario() -> tuple[int, int, list[str], int]:
        reasons: list[str] = []
        cold = functools.partial(tasks.init_worker, None, False)
        pool = WorkerPool(1, cold, on_restart=reasons.append, max_rss_mb=400)
        await pool.start()
        try:
            answer = await pool.run(_grow, 300, timeout=60)
            for _ in range(600):
                if pool.restarts:
                    break
                await asyncio.sleep(0.05)
            small = await pool.run(_grow, 1, timeout=60)
            return answer + small, pool.restarts, reasons, pool.peak_rss
        finally:
            await pool.close()

    answers, restarts, reasons, peak = asyncio.run(scenario())
    assert answers == 301 and restarts == 1 and reasons == ["memory"]
    assert peak > 400 * 2**20

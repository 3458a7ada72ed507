"""``pickopt serve --ray-address``: solves on Ray actors with the local pool's contract
(problems, time limits, a lost worker failing only its request), on a local Ray
(2 CPUs, loopback) started and stopped here."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from optimizer.errors import PickoptError
from optimizer.service import Settings, create_app, tasks
from optimizer.service.problems import ApiProblem
from optimizer.service.ray_pool import RayWorkerPool
from optimizer.service.state import default_pool
from optimizer.service.workers import SolverPool, WorkerPool
from tests.service.support import AUTH, KEY, SINGLE_TOML, slotting_csv, wave_body, without_timings

with warnings.catch_warnings():  # newer Starlette prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ray = pytest.importorskip("ray", reason="Ray is not installed: pip install 'pickopt[ray]'")


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    """A local Ray for this module only."""
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")  # fmt: skip
    yield
    ray.shutdown()


def _cold(data_dir: Path) -> Callable[[], Any]:
    """A worker initializer without the JIT warm-up (kernels load on first use)."""
    return functools.partial(tasks.init_worker, str(data_dir), False)


def refuse(ctx: tasks.WorkerContext) -> None:
    """A task that fails as the library does."""
    raise PickoptError("this wave cannot be planned")


def test_serve_uses_ray_actors_when_given_an_address(tmp_path: Path) -> None:
    pool = default_pool(Settings(data_dir=tmp_path, api_keys=KEY, ray_address="auto",
                                 workers=3), lambda reason: None)  # fmt: skip
    assert isinstance(pool, RayWorkerPool) and pool.size == 3 and pool.address == "auto"
    local = default_pool(Settings(data_dir=tmp_path, api_keys=KEY), lambda reason: None)
    assert isinstance(local, WorkerPool)


def test_the_error_contract_and_a_worker_lost_mid_request(tmp_path: Path) -> None:
    """A problem is a 422, a task past its limit a 503, a killed actor a 500 for its
    request only; the actor is replaced and the next request is served."""
    restarts: list[str] = []

    async def scenario() -> None:
        pool = RayWorkerPool(1, _cold(tmp_path), address="local", on_restart=restarts.append)
        await pool.start()
        try:
            assert await pool.run(tasks.sleep_task, 0.01, timeout=30) == 0.01
            with pytest.raises(ApiProblem) as problem:
                await pool.run(refuse, timeout=30)
            assert problem.value.status == 422 and "cannot be planned" in problem.value.detail
            with pytest.raises(ApiProblem) as late:
                await pool.run(tasks.sleep_task, 20.0, timeout=0.5)
            assert late.value.status == 503 and late.value.slug == "timeout"
            await _until(lambda: pool.live == 1 and len(restarts) == 1)
            (actor,) = pool._all  # the test needs the actor's process
            pid = ray.get(actor.pid.remote())
            killer = threading.Timer(1.0, os.kill, (pid, signal.SIGKILL))
            killer.start()
            with pytest.raises(ApiProblem) as lost:
                await pool.run(tasks.sleep_task, 20.0, timeout=60)
            assert lost.value.status == 500 and lost.value.slug == "worker-crashed"
            assert await pool.run(tasks.sleep_task, 0.01, timeout=120) == 0.01
            assert restarts == ["timeout", "crash"]
        finally:
            await pool.close()

    asyncio.run(asyncio.wait_for(scenario(), 240))


async def _until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the pool did not recover in time"
        await asyncio.sleep(0.1)


def _app_plan(data_dir: Path, factory: Callable[[Settings, Any], SolverPool]) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, workers=1, api_keys=KEY)
    with TestClient(create_app(settings, pool_factory=factory), headers=AUTH) as c:
        assert (
            c.put(
                "/v1/layouts/single_block",
                content=SINGLE_TOML,
                headers={"Content-Type": "application/toml"},
            ).status_code
            == 201
        )
        assert c.put("/v1/layouts/single_block/slotting", content=slotting_csv(0),
                     headers={"Content-Type": "text/csv"}).status_code == 201  # fmt: skip
        # The longest budget allowed: a wall-clock cap that fires (a loaded machine) would
        # make the plan depend on the machine rather than on the pool.
        r = c.post("/v1/waves", json=wave_body(60, seed=0, time_budget_s=10))
        assert r.status_code == 200, r.text
        assert not r.json()["summary"]["batching_capped"]
        return without_timings(r.json())


def test_a_wave_over_http_on_ray_equals_the_local_pool(tmp_path: Path) -> None:
    def on_ray(s: Settings, on_restart: Callable[[str], None]) -> SolverPool:
        return RayWorkerPool(1, _cold(s.data_dir.resolve()), address="local",
                             on_restart=on_restart)  # fmt: skip

    def local(s: Settings, on_restart: Callable[[str], None]) -> SolverPool:
        return WorkerPool(1, _cold(s.data_dir), on_restart=on_restart)

    assert _app_plan(tmp_path / "ray", on_ray) == _app_plan(tmp_path / "local", local)

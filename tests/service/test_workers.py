"""The solver pool: a crashed or runaway worker fails only its own request, and the
pool replaces it."""

from __future__ import annotations

import asyncio
import functools
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from optimizer.service import Settings, create_app, tasks
from optimizer.service.problems import ApiProblem
from optimizer.service.workers import WorkerPool, WorkerStartError, start_with_backoff
from tests.service.support import AUTH, KEY, SINGLE_TOML, segfault, wave_body

with warnings.catch_warnings():  # newer Starlette prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

COLD = functools.partial(tasks.init_worker, None, False)  # no data, no JIT warm-up


def _double(ctx: object, x: int) -> int:
    return 2 * x


async def _outcomes(pool: WorkerPool, *calls: tuple[Callable[..., Any], tuple[Any, ...]]
                    ) -> list[Any]:  # fmt: skip
    return await asyncio.gather(
        *(pool.run(fn, *args, timeout=10) for fn, args in calls), return_exceptions=True
    )


def test_a_crash_fails_only_its_request_and_the_pool_recovers() -> None:
    """SIGSEGV in one worker: that call is a 500 naming the signal, the call on the
    other worker succeeds, and afterwards the pool has all its workers again."""

    async def scenario() -> tuple[list[Any], list[Any], int, int]:
        pool = WorkerPool(2, COLD)
        await pool.start()
        try:
            first = await _outcomes(pool, (segfault, ()), (tasks.sleep_task, (0.5,)))
            after = await _outcomes(pool, (_double, (1,)), (_double, (2,)), (_double, (3,)))
            # A replacement worker imports pickopt afresh: seconds on a loaded CI machine.
            for _ in range(1200):
                if pool.live == 2:
                    break
                await asyncio.sleep(0.05)
            return first, after, pool.live, pool.restarts
        finally:
            await pool.close()

    first, after, live, restarts = asyncio.run(scenario())
    crash, ok = first
    assert isinstance(crash, ApiProblem) and crash.status == 500
    assert "SIGSEGV" in crash.detail and crash.slug == "worker-crashed"
    assert ok == 0.5
    assert after == [2, 4, 6]
    assert (live, restarts) == (2, 1)


def test_a_task_past_its_deadline_is_killed_and_replaced() -> None:
    """A call that outlives its timeout is a 503 and its worker is replaced."""

    async def scenario() -> tuple[Any, Any, int]:
        pool = WorkerPool(1, COLD)
        await pool.start()
        try:
            slow = await asyncio.gather(
                pool.run(tasks.sleep_task, 30.0, timeout=0.3), return_exceptions=True
            )
            fine = await pool.run(_double, 21, timeout=30)
            return slow[0], fine, pool.restarts
        finally:
            await pool.close()

    slow, fine, restarts = asyncio.run(scenario())
    assert isinstance(slow, ApiProblem) and slow.status == 503 and slow.slug == "timeout"
    assert (fine, restarts) == (42, 1)


def test_a_bug_in_a_task_is_a_500_and_keeps_the_worker() -> None:
    """An ordinary exception is reported as a 500 problem; no restart is needed."""

    async def scenario() -> tuple[Any, int]:
        pool = WorkerPool(1, COLD)
        await pool.start()
        try:
            bug = await asyncio.gather(pool.run(_double, None, timeout=10),
                                       return_exceptions=True)  # fmt: skip
            return bug[0], pool.restarts
        finally:
            await pool.close()

    bug, restarts = asyncio.run(scenario())
    assert isinstance(bug, ApiProblem) and bug.status == 500 and "TypeError" in bug.detail
    assert restarts == 0


class _CrashFirstWave(WorkerPool):
    """Runs a segfault in place of the first wave it is given."""

    crashes = 1

    async def run(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        if fn is tasks.plan_wave_task and self.crashes:
            self.crashes -= 1
            fn = segfault
        return await super().run(fn, *args, timeout=timeout)


def test_a_crash_during_a_wave_is_a_500_problem_and_the_next_wave_works(tmp_path: Path) -> None:
    """Over HTTP: the crashed wave gets a 500 problem body, the next one a plan, and
    /metrics counts the restart."""

    def factory(settings: Settings, on_restart: Callable[[str], None]) -> WorkerPool:
        init = functools.partial(tasks.init_worker, str(settings.data_dir))
        return _CrashFirstWave(1, init, on_restart=on_restart)

    settings = Settings(data_dir=tmp_path, workers=1, api_keys=KEY)
    with TestClient(create_app(settings, pool_factory=factory), headers=AUTH) as c:
        c.put("/v1/layouts/single_block", content=SINGLE_TOML,
              headers={"Content-Type": "application/toml"})  # fmt: skip
        body = wave_body(20, slotting_version="identity")
        crashed = c.post("/v1/waves", json=body)
        again = c.post("/v1/waves", json=body)
        metrics = c.get("/metrics").text
    assert crashed.status_code == 500
    assert crashed.headers["content-type"] == "application/problem+json"
    assert "crashed" in crashed.json()["detail"] and "retried" in crashed.json()["detail"]
    assert again.status_code == 200 and again.json()["summary"]["orders"] == 20
    assert 'pickopt_worker_restarts_total{reason="crash"} 1.0' in metrics


@pytest.mark.parametrize("size", [0])
def test_a_pool_needs_a_worker(size: int) -> None:
    """A pool of no workers is refused."""
    with pytest.raises(ValueError, match="size"):
        WorkerPool(size, COLD)


def test_a_replacement_that_fails_to_start_is_retried_until_it_starts_or_the_pool_closes() -> None:
    """Two failed starts, then a worker: it is returned; a closed pool gets ``None``."""
    calls: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise WorkerStartError("disk full")
        return "worker"

    started = asyncio.run(start_with_backoff(flaky, lambda: False, "a test worker"))
    assert started == "worker" and len(calls) == 3
    closed = asyncio.run(start_with_backoff(flaky, lambda: True, "a test worker"))
    assert closed is None and len(calls) == 3

"""What one running service holds: settings, keys, store, solver pool, metrics and
the runner of asynchronous wave jobs."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from optimizer.service import tasks
from optimizer.service.metrics import Metrics
from optimizer.service.problems import ApiProblem
from optimizer.service.settings import Settings
from optimizer.service.store import JobRecord, Store, open_store
from optimizer.service.workers import WorkerPool

__all__ = ["Service", "JobRunner", "PoolFactory"]

log = logging.getLogger("pickopt.service")

PoolFactory = Callable[[Settings, Callable[[str], None]], WorkerPool]


def default_pool(settings: Settings, on_restart: Callable[[str], None]) -> WorkerPool:
    """``settings.workers`` warm solver processes reading ``settings.data_dir``."""
    init = functools.partial(tasks.init_worker, str(settings.data_dir))
    return WorkerPool(settings.workers, init, start_timeout=settings.worker_start_timeout_s,
                      on_restart=on_restart)  # fmt: skip


@dataclass
class Service:
    """The state behind one app; built by ``create_app``, started by its lifespan."""

    settings: Settings
    pool_factory: PoolFactory = default_pool
    metrics: Metrics = field(default_factory=Metrics)
    store: Store | None = None
    pool: WorkerPool | None = None
    jobs: JobRunner | None = None
    ready: bool = False

    async def start(self) -> None:
        """Open the store, start and warm the workers, resume unfinished jobs."""
        self.store = await run_in_threadpool(open_store, self.settings.data_dir)
        self.pool = self.pool_factory(self.settings, self._restarted)
        await self.pool.start()
        self.metrics.workers.set(self.pool.live)
        self.jobs = JobRunner(self)
        await self.jobs.resume()
        self.ready = True
        log.info("pickopt service ready: %d workers, data in %s", self.pool.live,
                 self.settings.data_dir)  # fmt: skip

    async def stop(self) -> None:
        """Stop jobs (they resume at the next start), workers and the store."""
        self.ready = False
        if self.jobs is not None:
            await self.jobs.close()
        if self.pool is not None:
            await self.pool.close()
        if self.store is not None:
            self.store.close()

    def _restarted(self, reason: str) -> None:
        self.metrics.restarts.labels(reason).inc()
        if self.pool is not None:
            self.metrics.workers.set(self.pool.live)

    def need_store(self) -> Store:
        """The store, or a 503 while starting."""
        if self.store is None:
            raise ApiProblem(503, "the service is starting", slug="unavailable")
        return self.store

    async def solve(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """Run a task in the solver pool, keeping the live-worker gauge current."""
        if self.pool is None:
            raise ApiProblem(503, "the service is starting", slug="unavailable")
        try:
            return await self.pool.run(fn, *args, timeout=timeout)
        finally:
            self.metrics.workers.set(self.pool.live)


class JobRunner:
    """Runs wave jobs in the background, at most ``max_concurrent_jobs`` at once,
    and keeps their results in the store."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._slots = asyncio.Semaphore(service.settings.max_concurrent_jobs)
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, args: dict[str, Any]) -> JobRecord:
        """Record a queued wave job and start it; ``args`` are the task's arguments."""
        job_id = uuid.uuid4().hex
        store = self.service.need_store()
        job = await run_in_threadpool(store.create_job, job_id, "wave", json.dumps(args))
        self._start(job_id, args)
        return job

    async def resume(self) -> None:
        """Restart the jobs a previous process left queued or running."""
        store = self.service.need_store()
        for job in await run_in_threadpool(store.unfinished_jobs):
            log.info("resuming job %s", job.id)
            self._start(job.id, json.loads(job.request))

    def _start(self, job_id: str, args: dict[str, Any]) -> None:
        task = asyncio.ensure_future(self._run(job_id, args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job_id: str, args: dict[str, Any]) -> None:
        service = self.service
        store = service.need_store()
        async with self._slots:
            await run_in_threadpool(store.start_job, job_id)
            timeout = args["time_budget"] + service.settings.solve_grace_s
            try:
                body: bytes = await service.solve(
                    tasks.plan_wave_task, args["layout"], args["layout_version"],
                    args["slotting_version"], args["request"], args["time_budget"],
                    timeout=timeout,
                )  # fmt: skip
            except ApiProblem as problem:
                error = json.dumps(problem.to_dict(instance=f"/v1/jobs/{job_id}"))
                await run_in_threadpool(store.finish_job, job_id, result=None, error=error)
                service.metrics.jobs.labels("failed").inc()
                return
            await run_in_threadpool(store.finish_job, job_id, result=body.decode(), error=None)
            service.metrics.jobs.labels("done").inc()
            service.metrics.waves.labels("async").inc()

    async def close(self) -> None:
        """Cancel running jobs; their rows stay queued or running for the next start."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

"""What one running service holds: settings, keys, store, solver pool, metrics and
the runner of asynchronous wave jobs."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

import optimizer.service.tasks as tasks
from optimizer.service.metrics import Metrics
from optimizer.service.problems import ApiProblem
from optimizer.service.ray_pool import RayWorkerPool
from optimizer.service.settings import DEFAULT_TENANT, Settings
from optimizer.service.store import JobRecord, StorageFull, Store, is_disk_full, open_store
from optimizer.service.workers import SolverPool, WorkerPool

__all__ = ["Service", "JobRunner", "PoolFactory"]

log = logging.getLogger("pickopt.service")

T = TypeVar("T")
PoolFactory = Callable[[Settings, Callable[[str], None]], SolverPool]


def default_pool(settings: Settings, on_restart: Callable[[str], None]) -> SolverPool:
    """``settings.workers`` warm solver processes reading ``settings.data_dir``, each
    retired and replaced when it grows past ``settings.worker_memory_mb``; Ray
    actors instead of local processes when ``settings.ray_address`` is set."""
    init = functools.partial(tasks.init_worker, str(settings.data_dir), True,
                             settings.worker_memory_mb)  # fmt: skip
    if settings.ray_address is not None:  # actors may not share this process's directory
        init = functools.partial(tasks.init_worker, str(settings.data_dir.resolve()), True,
                                 settings.worker_memory_mb)  # fmt: skip
        return RayWorkerPool(settings.workers, init, address=settings.ray_address,
                             start_timeout=settings.worker_start_timeout_s,
                             on_restart=on_restart,
                             max_rss_mb=settings.worker_memory_mb)  # fmt: skip
    return WorkerPool(settings.workers, init, start_timeout=settings.worker_start_timeout_s,
                      on_restart=on_restart, max_rss_mb=settings.worker_memory_mb)  # fmt: skip


@dataclass
class Service:
    """The state behind one app; built by ``create_app``, started by its lifespan."""

    settings: Settings
    pool_factory: PoolFactory = default_pool
    metrics: Metrics = field(default_factory=Metrics)
    store: Store | None = None
    pool: SolverPool | None = None
    jobs: JobRunner | None = None
    ready: bool = False
    #: When a write last failed for want of disk space (monotonic seconds; a write
    #: that works clears it).
    storage_full_at: float | None = None

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

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store write in a thread; a full disk is a 507 naming the data
        directory (and makes ``/readyz`` not ready), another storage error a 503."""
        try:
            result = await run_in_threadpool(fn, *args, **kwargs)
        except (sqlite3.Error, OSError, StorageFull) as exc:
            raise self.storage_problem(exc) from None
        self.storage_full_at = None
        return result

    def storage_problem(self, exc: BaseException) -> ApiProblem:
        """The problem for a failed write, remembering a full disk for ``/readyz``."""
        where = self.settings.data_dir
        if is_disk_full(exc):
            self.storage_full_at = time.monotonic()
            log.error("the data directory %s is full: %s", where, exc)
            return ApiProblem(507, f"the server's data directory ({where}) is full, so nothing "
                              "can be stored; nothing was changed", slug="storage-full",
                              headers={"Retry-After": "60"})  # fmt: skip
        log.error("a write to %s failed: %s", where, exc)
        return ApiProblem(503, f"the store could not be written: {type(exc).__name__}: {exc}",
                          slug="storage-error", headers={"Retry-After": "5"})  # fmt: skip

    def storage_recently_full(self, memory_s: float = 60.0) -> bool:
        """Whether a write failed for want of space within ``memory_s`` seconds. It is
        forgotten after that even without a write (a node out of rotation gets none):
        then the free-space check of ``/readyz`` decides."""
        at = self.storage_full_at
        return at is not None and time.monotonic() - at < memory_s

    async def solve(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """Run a task in the solver pool, keeping the live-worker gauge current."""
        if self.pool is None:
            raise ApiProblem(503, "the service is starting", slug="unavailable")
        try:
            return await self.pool.run(fn, *args, timeout=timeout)
        finally:
            self.metrics.workers.set(self.pool.live)
            self.metrics.worker_rss.set(self.pool.peak_rss)


class JobRunner:
    """Runs wave jobs in the background, at most ``max_concurrent_jobs`` at once,
    and keeps their results in the store.

    Each job is claimed with a lease of ``job_lease_s`` before it runs and the
    lease is renewed while it runs, so that two servers on one data directory
    never both run it; a sweep every third of the lease picks up jobs whose
    owner died (their lease expired) or gave them back at shutdown.
    """

    def __init__(self, service: Service) -> None:
        self.service = service
        self.owner = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
        self.lease_s = service.settings.job_lease_s
        self._slots = asyncio.Semaphore(service.settings.max_concurrent_jobs)
        self._tasks: set[asyncio.Task[None]] = set()
        self._mine: set[str] = set()  # ids waiting for a slot or running here
        self._sweeper: asyncio.Task[None] | None = None

    async def submit(self, args: dict[str, Any], *, tenant: str = DEFAULT_TENANT,
                     idem_key: str | None = None) -> tuple[JobRecord, bool]:  # fmt: skip
        """Record a queued wave job and start it; ``args`` are the task's arguments.
        With an ``idem_key`` this tenant used before, that job (False) instead."""
        store = self.service.need_store()
        job, created = await self.service.write(
            store.create_job, uuid.uuid4().hex, "wave", json.dumps(args), tenant=tenant,
            idem_key=idem_key,
        )  # fmt: skip
        if created:
            self._start(job.id, args)
        return job, created

    async def resume(self) -> None:
        """Start the jobs nobody holds (queued, or their owner's lease expired), and
        keep looking for such jobs every third of the lease."""
        await self._sweep()
        self._sweeper = asyncio.ensure_future(self._sweep_forever())

    async def _sweep(self) -> None:
        store = self.service.need_store()
        for job in await run_in_threadpool(store.claimable_jobs):
            if job.id not in self._mine:
                log.info("resuming job %s", job.id)
                self._start(job.id, json.loads(job.request))

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                await self._sweep()
            except Exception:  # a locked or full store: try again at the next sweep
                log.exception("looking for unclaimed jobs failed")

    def _start(self, job_id: str, args: dict[str, Any]) -> None:
        self._mine.add(job_id)
        task = asyncio.ensure_future(self._run(job_id, args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._mine.discard(job_id))

    async def _run(self, job_id: str, args: dict[str, Any]) -> None:
        service = self.service
        store = service.need_store()
        async with self._slots:
            claimed = await run_in_threadpool(store.claim_job, job_id, self.owner, self.lease_s)
            if claimed is None:  # another server holds it, or it is finished
                return
            renewing = asyncio.ensure_future(self._renew(job_id))
            try:
                result, error = await self._solve(job_id, args)
            finally:
                renewing.cancel()
            written = await service.write(store.finish_job, job_id, result=result, error=error,
                                          owner=self.owner)  # fmt: skip
            if not written:
                log.warning("job %s: lost its lease before it finished; result dropped", job_id)
                return
            service.metrics.jobs.labels("failed" if error is not None else "done").inc()
            if error is None:
                service.metrics.waves.labels("async").inc()

    async def _solve(self, job_id: str, args: dict[str, Any]) -> tuple[str | None, str | None]:
        """The job's result or its error, as JSON text."""
        timeout = args["time_budget"] + self.service.settings.solve_grace_s
        try:
            body: bytes = await self.service.solve(
                tasks.plan_wave_task, args.get("tenant", DEFAULT_TENANT), args["layout"],
                args["layout_version"], args["slotting_version"], args["request"],
                args["time_budget"], timeout=timeout,
            )  # fmt: skip
        except ApiProblem as problem:
            return None, json.dumps(problem.to_dict(instance=f"/v1/jobs/{job_id}"))
        except Exception as exc:  # a bug: fail the job rather than claim it again forever
            log.exception("job %s failed", job_id)
            bug = ApiProblem(500, f"internal error: {type(exc).__name__}", slug="internal")
            return None, json.dumps(bug.to_dict(instance=f"/v1/jobs/{job_id}"))
        return body.decode(), None

    async def _renew(self, job_id: str) -> None:
        store = self.service.need_store()
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                if not await run_in_threadpool(store.renew_lease, job_id, self.owner,
                                               self.lease_s):  # fmt: skip
                    log.warning("job %s: another server took it over", job_id)
                    return
            except Exception:  # a busy store: the next renewal may still be in time
                log.exception("job %s: renewing the lease failed", job_id)

    async def close(self) -> None:
        """Stop sweeping, cancel running jobs and give them back, so that the next
        start (of this or another server) runs them without waiting for the lease."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        mine = list(self._mine)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._sweeper is not None:
            await asyncio.gather(self._sweeper, return_exceptions=True)
        store = self.service.store
        if store is not None:
            for job_id in mine:
                try:
                    await run_in_threadpool(store.release_job, job_id, self.owner)
                except Exception:  # the lease will expire instead
                    log.exception("job %s: could not give it back", job_id)

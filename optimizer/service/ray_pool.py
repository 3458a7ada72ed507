"""The solver pool on a Ray cluster: ``pickopt serve --ray-address ...``.

:class:`RayWorkerPool` keeps the contract of
:class:`~optimizer.service.workers.WorkerPool`, with Ray actors instead of
local processes: each actor runs the same initializer (the JIT warm-up, under
a lock per machine so that numba's cache has one writer) and keeps its caches
between requests; each request runs in one actor at a time, within the same
time budget. A request whose actor dies (its process killed, its node lost)
is a 500 problem naming the crash, and only that request fails: the actor is
replaced in the background. A request that runs past its budget kills its
actor, as in the local pool, and is a 503. An actor whose resident memory is
past the budget after a request is retired and replaced.

An idle actor is pinged before it is handed a request, so a death while idle
costs no request. Workers read the service's data directory: on a cluster of
several machines it must be a file system every node mounts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from typing import Any

from optimizer.executors import machine_lock
from optimizer.service.problems import ApiProblem
from optimizer.service.workers import ReplacingPool, WorkerStartError, answer, rss_bytes

__all__ = ["RayWorkerPool", "SolverActor"]

log = logging.getLogger("pickopt.service.ray")

#: Seconds an idle actor has to answer the ping before it is handed a request.
PING_TIMEOUT_S = 10.0


class SolverActor:
    """One solver on the cluster: the initializer's context and one task at a time."""

    def __init__(self, initializer: Callable[[], Any]) -> None:
        with machine_lock("pickopt-solver-warm-up"):
            self.context = initializer()

    def pid(self) -> int:
        """The actor's process id (also its liveness ping)."""
        return os.getpid()

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any, int]:
        """``(status, payload, rss)`` as a local worker answers."""
        return (*answer(self.context, fn, args), rss_bytes())


class RayWorkerPool(ReplacingPool[Any]):
    """``size`` solver actors on a Ray cluster behind an async :meth:`run`.

    Parameters
    ----------
    size
        Number of actors (one CPU each).
    initializer
        Picklable callable run once in each actor; its result is the first
        argument of every task.
    address
        ``"auto"``, ``"HOST:PORT"``, or ``"local"`` to start a Ray on this
        machine (loopback only) for the life of the pool.
    start_timeout, on_restart, max_rss_mb
        As :class:`~optimizer.service.workers.WorkerPool`.
    """

    what = "a Ray solver"
    start_errors = WorkerStartError

    def __init__(
        self,
        size: int,
        initializer: Callable[[], Any],
        *,
        address: str,
        start_timeout: float = 600.0,
        on_restart: Callable[[str], None] | None = None,
        max_rss_mb: int | None = None,
    ) -> None:
        if size < 1:
            raise ValueError("size < 1 not understood.")
        super().__init__(on_restart)
        self.size = size
        self.initializer = initializer
        self.address = address
        self.start_timeout = start_timeout
        self.max_rss = None if max_rss_mb is None else max_rss_mb * 2**20
        self.peak_rss = 0
        self._started_ray = False
        self._actor_class: Any = None

    def _connect(self) -> None:
        try:
            import ray
        except ImportError:
            raise WorkerStartError("--ray-address needs Ray: pip install 'pickopt[ray]'") from None
        if not ray.is_initialized():
            options: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
            if self.address == "local":
                options.update(num_cpus=self.size, _node_ip_address="127.0.0.1")
            else:
                options["address"] = self.address
            try:
                ray.init(**options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise WorkerStartError(f"cannot join Ray at {self.address}: {exc}") from None
            self._started_ray = True
        self._actor_class = ray.remote(SolverActor).options(
            num_cpus=1, max_restarts=0, max_task_retries=0
        )

    async def _start_worker(self) -> Any:
        """A new actor, warm (its initializer done) within ``start_timeout``."""
        actor = self._actor_class.remote(self.initializer)
        try:
            await asyncio.wait_for(_wait(actor.pid.remote()), self.start_timeout)
        except Exception as exc:
            _kill(actor)
            if isinstance(exc, TimeoutError):
                raise WorkerStartError(
                    f"a Ray solver did not warm up within {self.start_timeout:g} s"
                ) from None
            raise WorkerStartError(f"a Ray solver failed to start: {exc}") from None
        return actor

    async def start(self) -> None:
        """Join (or start) Ray, start every actor and wait until all are warm."""
        await asyncio.get_running_loop().run_in_executor(None, self._connect)
        self._idle = asyncio.Queue()
        started = await asyncio.gather(*(self._start_worker() for _ in range(self.size)),
                                       return_exceptions=True)  # fmt: skip
        errors = [a for a in started if isinstance(a, BaseException)]
        for actor in started:
            if not isinstance(actor, BaseException):
                self._all.add(actor)
                self._idle.put_nowait(actor)
        if errors:
            await self.close()
            raise errors[0]

    def reap(self) -> int:
        """Nothing to do here: an idle actor is pinged before each request instead."""
        return 0

    async def run(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """Run ``fn(context, *args)`` in an actor and return its result.

        Raises
        ------
        ApiProblem
            As :meth:`WorkerPool.run`: 422 for problems, 500 for a bug or a
            lost actor, 503 past ``timeout`` or when no actor is free.
        """
        import ray

        if self._closed or self._idle is None:
            raise ApiProblem(503, "the solver pool is not running", slug="unavailable")
        actor = await self._take(timeout)
        try:
            status, payload, rss = await asyncio.wait_for(
                _wait(actor.call.remote(fn, args)), timeout
            )
        except TimeoutError:
            log.warning("a Ray solver ran past its deadline and was killed")
            self._lose(actor, "timeout")
            raise ApiProblem(
                503,
                f"the request ran past its time limit of {timeout:g} s and was stopped",
                slug="timeout",
            ) from None
        except ray.exceptions.RayError as exc:
            log.error("a Ray solver was lost (%s); starting a new one", type(exc).__name__)
            self._lose(actor, "crash")
            raise ApiProblem(
                500,
                "the solver worker crashed (its Ray actor was lost) while handling this "
                "request; it is being replaced and the request may be retried",
                slug="worker-crashed",
            ) from None
        except BaseException:  # cancelled: the actor may still be busy, so replace it
            self._lose(actor, "timeout")
            raise
        self._release(actor, rss)
        return self._answer(status, payload)

    async def _take(self, timeout: float) -> Any:
        """An idle actor that answers its ping (dead ones are replaced on the way)."""
        assert self._idle is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            try:
                actor = await asyncio.wait_for(self._idle.get(), max(left, 0.0))
            except TimeoutError:
                raise ApiProblem(503, f"no solver worker became free within {timeout:g} s",
                                 slug="busy", headers={"Retry-After": "1"}) from None  # fmt: skip
            try:
                await asyncio.wait_for(_wait(actor.pid.remote()), PING_TIMEOUT_S)
            except Exception:
                log.error("an idle Ray solver died; starting a new one")
                self._lose(actor, "idle-death")
                continue
            return actor

    def _release(self, actor: Any, rss: int) -> None:
        self.peak_rss = max(self.peak_rss, rss)
        if self.max_rss is not None and rss > self.max_rss:
            log.warning("a Ray solver holds %.0f MB, over its budget of %.0f MB; replacing it",
                        rss / 2**20, self.max_rss / 2**20)  # fmt: skip
            self._lose(actor, "memory")
        elif self._closed:
            _kill(actor)
        elif self._idle is not None:
            self._idle.put_nowait(actor)

    def _lose(self, actor: Any, reason: str) -> None:
        """Kill and forget an actor, and start its replacement."""
        self._all.discard(actor)
        _kill(actor)
        self._replace_later(reason)

    def _discard(self, actor: Any) -> None:
        _kill(actor)

    async def close(self) -> None:
        """Kill every actor; stop the local Ray if this pool started it."""
        self._closed = True
        self._cancel_replacements()
        for actor in list(self._all):
            _kill(actor)
        self._all.clear()
        if self._started_ray:
            import ray

            await asyncio.get_running_loop().run_in_executor(None, ray.shutdown)
            self._started_ray = False


async def _wait(ref: Any) -> Any:
    """Await a Ray object reference from asyncio."""
    return await asyncio.wrap_future(ref.future())


def _kill(actor: Any) -> None:
    import ray

    with contextlib.suppress(Exception):
        ray.kill(actor, no_restart=True)

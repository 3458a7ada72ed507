"""A pool of solver processes that survives a crash of any of them.

``concurrent.futures.ProcessPoolExecutor`` breaks as a whole when one worker
dies (every pending future fails and the pool is unusable). Here each worker
is a process with its own pipe and runs one task at a time, so a segfault in
native code (OR-Tools, numba) fails only the request it was serving: that
request gets a 500 problem, the dead process is replaced in the background,
and the other workers carry on. A task that outlives its deadline is killed
the same way, which is what makes the per-request time budget a hard limit.
A worker that dies while idle (the OOM killer, an operator's ``kill``) is
noticed by a watch every ``watch_interval`` seconds, and in any case before
it is handed a task, and replaced: no request pays for it.

Workers are started with ``spawn`` (no fork of a threaded event loop) and
run an initializer once (JIT warm-up) before they report ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import traceback
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Generic, Protocol, TypeVar

from optimizer.errors import PickoptError
from optimizer.service.problems import ApiProblem, from_pickopt

__all__ = [
    "WorkerPool",
    "WorkerStartError",
    "SolverPool",
    "ReplacingPool",
    "answer",
    "start_with_backoff",
]

T = TypeVar("T")
W = TypeVar("W")

log = logging.getLogger("pickopt.service.workers")


class WorkerStartError(RuntimeError):
    """A worker process failed to start or to warm up."""


class _Crashed(Exception):
    def __init__(self, exitcode: int | None) -> None:
        super().__init__(exitcode)
        self.exitcode = exitcode


class _TimedOut(Exception):
    pass


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "an unknown exit status"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def rss_bytes() -> int:
    """This process's resident memory now (Linux), else its peak."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def answer(context: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
    """Run a task in a worker: ``("ok", result)``, ``("problem", wire form)`` for the
    library's and the task's own problems, ``("internal", text)`` for a bug."""
    try:
        return ("ok", fn(context, *args))
    except ApiProblem as exc:
        return ("problem", exc.to_wire())
    except PickoptError as exc:
        return ("problem", from_pickopt(exc).to_wire())
    except Exception as exc:
        traceback.print_exc()
        return ("internal", f"{type(exc).__name__}: {exc}")


class SolverPool(Protocol):
    """What the service needs of a pool of solver workers (local or on Ray)."""

    restarts: int
    peak_rss: int

    @property
    def live(self) -> int:
        """Workers started and not known to be dead."""
        ...

    async def start(self) -> None:
        """Start every worker and wait until all are warm."""
        ...

    async def run(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """Run ``fn(context, *args)`` in a worker, with the problems of :meth:`WorkerPool.run`."""
        ...

    def reap(self) -> int:
        """Replace dead idle workers; how many there were."""
        ...

    async def close(self) -> None:
        """Stop every worker."""
        ...


def _worker_main(conn: Connection, initializer: Callable[[], Any]) -> None:
    """The loop of one worker process: ``(fn, args)`` in, ``(status, payload, rss)``
    out, ``rss`` being its resident memory after the task."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    try:
        context = initializer()
    except BaseException as exc:  # report, then exit: the parent gives up on this start
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if message is None:
            return
        fn, args = message
        reply = answer(context, fn, args)
        try:
            conn.send((*reply, rss_bytes()))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    """One worker process and the parent's end of its pipe (blocking calls)."""

    def __init__(self, mp: Any, initializer: Callable[[], Any], start_timeout: float) -> None:
        parent, child = mp.Pipe(duplex=True)
        self.process: BaseProcess = mp.Process(
            target=_worker_main, args=(child, initializer), name="pickopt-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.conn: Connection = parent
        if not parent.poll(start_timeout):
            self.kill()
            raise WorkerStartError(f"a worker did not warm up within {start_timeout:g} s")
        try:
            status, payload = parent.recv()
        except (EOFError, OSError):
            raise WorkerStartError(
                f"a worker died while starting ({_describe_exit(self._exit())})"
            ) from None
        if status != "ready":
            self.kill()
            raise WorkerStartError(f"a worker failed to start: {payload}")
        self.pid: int = payload

    def _exit(self) -> int | None:
        self.process.join(5)
        return self.process.exitcode

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
        try:
            data = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # nothing was sent: the worker is fine
            return ("internal", f"cannot send the task: {type(exc).__name__}: {exc}", 0)
        try:
            self.conn.send_bytes(data)
        except (BrokenPipeError, OSError):
            raise _Crashed(self._exit()) from None
        if not self.conn.poll(timeout):
            self.kill()
            raise _TimedOut
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            raise _Crashed(self._exit()) from None

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self, timeout: float = 5.0) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.conn.send(None)
        self.process.join(timeout)
        self.kill()


async def start_with_backoff(
    start: Callable[[], Awaitable[T]],
    closed: Callable[[], bool],
    what: str,
    errors: type[BaseException] | tuple[type[BaseException], ...] = Exception,
) -> T | None:
    """Start a replacement worker, retrying after 0.5, 1, 2 ... (at most 30) seconds
    while starting fails with ``errors``; ``None`` once the pool is ``closed``.

    A pool must not give up on a worker slot because one start failed (a full
    disk, a busy machine), nor hammer the machine while it cannot start one.
    """
    delay = 0.5
    while not closed():
        try:
            return await start()
        except errors as exc:
            log.error("could not start %s: %s; retrying in %.1f s", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(30.0, 2 * delay)
    return None


class ReplacingPool(ABC, Generic[W]):
    """What both solver pools keep alike: their workers, the idle queue, and the
    replacement of a lost worker, started in the background and retried with
    :func:`start_with_backoff` until it starts or the pool closes.

    A subclass starts a worker (:meth:`_start_worker`) and stops one that
    started after the pool closed (:meth:`_discard`); it calls
    :meth:`_replace_later` when it loses a worker.
    """

    #: The worker as the log names it.
    what = "a solver worker"
    #: The failures of a start that are retried.
    start_errors: type[BaseException] | tuple[type[BaseException], ...] = Exception

    def __init__(self, on_restart: Callable[[str], None] | None) -> None:
        self.on_restart = on_restart
        self.restarts = 0
        self._idle: asyncio.Queue[W] | None = None
        self._all: set[W] = set()
        self._respawning: set[asyncio.Task[None]] = set()
        self._closed = False

    @staticmethod
    def _answer(status: str, payload: Any) -> Any:
        """A worker's answer: its payload, or the ApiProblem it stands for."""
        if status == "ok":
            return payload
        if status == "problem":
            raise ApiProblem(**payload)
        raise ApiProblem(500, f"internal error in the solver: {payload}", slug="internal")

    @property
    def live(self) -> int:
        """Workers started and not known to be dead."""
        return len(self._all)

    @abstractmethod
    async def _start_worker(self) -> W:
        """A new worker, started and ready."""

    @abstractmethod
    def _discard(self, worker: W) -> None:
        """Stop ``worker``, which started after the pool closed."""

    def _replace_later(self, reason: str) -> None:
        """Start a replacement in the background, unless the pool is closed."""
        if not self._closed:
            task = asyncio.ensure_future(self._replace(reason))
            self._respawning.add(task)
            task.add_done_callback(self._respawning.discard)

    async def _replace(self, reason: str) -> None:
        worker = await start_with_backoff(self._start_worker, lambda: self._closed, self.what,
                                          self.start_errors)  # fmt: skip
        if worker is None:
            return
        if self._closed:
            self._discard(worker)
            return
        self._all.add(worker)
        self.restarts += 1
        if self.on_restart is not None:
            self.on_restart(reason)
        assert self._idle is not None
        self._idle.put_nowait(worker)

    def _cancel_replacements(self) -> None:
        for task in list(self._respawning):
            task.cancel()


class WorkerPool(ReplacingPool[_Worker]):
    """``size`` solver processes behind an async :meth:`run`.

    Parameters
    ----------
    size
        Number of worker processes.
    initializer
        Picklable callable run once in each worker; its return value is
        passed as the first argument of every task.
    start_timeout
        Seconds a worker may take to start and warm up.
    on_restart
        Called with ``"crash"``, ``"timeout"`` or ``"idle-death"`` whenever a
        worker is replaced.
    watch_interval
        Seconds between checks of the idle workers' processes.
    max_rss_mb
        A worker whose resident memory is past this after a task is retired
        (after its answer is sent) and replaced with reason ``"memory"``: what
        no cache bound catches (allocator fragmentation, library caches)
        cannot accumulate.
    """

    def __init__(
        self,
        size: int,
        initializer: Callable[[], Any],
        *,
        start_timeout: float = 600.0,
        on_restart: Callable[[str], None] | None = None,
        watch_interval: float = 1.0,
        max_rss_mb: int | None = None,
    ) -> None:
        if size < 1:
            raise ValueError("size < 1 not understood.")
        super().__init__(on_restart)
        self.size = size
        self.initializer = initializer
        self.start_timeout = start_timeout
        self._mp = multiprocessing.get_context("spawn")
        self._io: ThreadPoolExecutor | None = None
        self._busy: set[_Worker] = set()
        self._watch_interval = watch_interval
        self._watch: asyncio.Task[None] | None = None
        self.max_rss = None if max_rss_mb is None else max_rss_mb * 2**20
        self.peak_rss = 0  # the most any worker held after a task, bytes

    def _spawn(self) -> _Worker:
        return _Worker(self._mp, self.initializer, self.start_timeout)

    async def _start_worker(self) -> _Worker:
        assert self._io is not None, "replacements start after the pool"
        return await asyncio.get_running_loop().run_in_executor(self._io, self._spawn)

    def _discard(self, worker: _Worker) -> None:
        worker.stop()

    async def start(self) -> None:
        """Start every worker and wait until all are warm."""
        loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        self._io = ThreadPoolExecutor(max_workers=2 * self.size + 2,
                                      thread_name_prefix="pickopt-pool")  # fmt: skip
        started = await asyncio.gather(
            *(loop.run_in_executor(self._io, self._spawn) for _ in range(self.size)),
            return_exceptions=True,
        )
        errors = [w for w in started if isinstance(w, BaseException)]
        for w in started:
            if isinstance(w, _Worker):
                self._all.add(w)
                self._idle.put_nowait(w)
        if errors:
            await self.close()
            raise errors[0]
        self._watch = asyncio.ensure_future(self._watch_idle())

    def reap(self) -> int:
        """Replace every idle worker whose process has died; how many there were."""
        dead = [w for w in self._all if w not in self._busy and not w.process.is_alive()]
        for worker in dead:
            log.error("idle solver worker %d died (%s); starting a new one", worker.pid,
                      _describe_exit(worker.process.exitcode))  # fmt: skip
            self._lose(worker, "idle-death")
        return len(dead)

    async def _watch_idle(self) -> None:
        while not self._closed:
            await asyncio.sleep(self._watch_interval)
            self.reap()

    def _lose(self, worker: _Worker, reason: str, *, stopping: bool = False) -> None:
        """Forget a dead or killed worker and start its replacement. A worker
        ``stopping`` in an I/O thread keeps its pipe until that stop closes it:
        closed here, its descriptor could be reused by the replacement's pipe
        while the stop still writes its ``None`` to that number, and the
        replacement would read it and exit."""
        self._all.discard(worker)
        self._busy.discard(worker)
        if not stopping:
            with contextlib.suppress(OSError):
                worker.conn.close()
        self._replace_later(reason)

    async def run(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """Run ``fn(context, *args)`` in a worker and return its result.

        Raises
        ------
        ApiProblem
            422 for the library's and the task's own problems, 500 when the
            task raised a bug or its worker crashed, 503 when it ran past
            ``timeout`` seconds (the worker is killed) or no worker was free
            within ``timeout``.
        """
        if self._closed or self._idle is None or self._io is None:
            raise ApiProblem(503, "the solver pool is not running", slug="unavailable")
        worker = await self._take(timeout)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._io, worker.call, fn, args, timeout)
        future.add_done_callback(lambda f: self._release(worker, f))
        try:
            status, payload, _ = await asyncio.shield(future)
        except _Crashed as exc:
            raise ApiProblem(
                500,
                f"the solver worker crashed ({_describe_exit(exc.exitcode)}) while handling "
                "this request; it is being replaced and the request may be retried",
                slug="worker-crashed",
            ) from None
        except _TimedOut:
            raise ApiProblem(
                503,
                f"the request ran past its time limit of {timeout:g} s and was stopped",
                slug="timeout",
            ) from None
        return self._answer(status, payload)

    async def _take(self, timeout: float) -> _Worker:
        """An idle worker whose process is alive (dead ones are replaced on the way)."""
        assert self._idle is not None
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            try:
                worker = await asyncio.wait_for(self._idle.get(), max(left, 0.0))
            except TimeoutError:
                raise ApiProblem(503, f"no solver worker became free within {timeout:g} s",
                                 slug="busy", headers={"Retry-After": "1"}) from None  # fmt: skip
            if worker not in self._all:  # reaped while it waited in the queue
                continue
            if not worker.process.is_alive():
                log.error("idle solver worker %d died (%s); starting a new one", worker.pid,
                          _describe_exit(worker.process.exitcode))  # fmt: skip
                self._lose(worker, "idle-death")
                continue
            self._busy.add(worker)
            return worker

    def _release(self, worker: _Worker, future: Future[Any] | asyncio.Future[Any]) -> None:
        """Back to the idle queue, or replaced if it died or was killed."""
        self._busy.discard(worker)
        exc = None if future.cancelled() else future.exception()
        if isinstance(exc, _Crashed | _TimedOut):
            if isinstance(exc, _Crashed):
                log.error("solver worker %d died (%s); starting a new one",
                          worker.pid, _describe_exit(exc.exitcode))  # fmt: skip
            else:
                log.warning("solver worker %d ran past its deadline and was killed", worker.pid)
            self._lose(worker, "crash" if isinstance(exc, _Crashed) else "timeout")
        elif worker not in self._all:  # reaped meanwhile (cannot happen to a busy one)
            return
        elif self._closed:
            worker.stop()
            self._all.discard(worker)
        elif not future.cancelled() and self._over_budget(worker, future.result()[2]):
            self._io_stop(worker)
            self._lose(worker, "memory", stopping=True)
        elif self._idle is not None:
            self._idle.put_nowait(worker)

    def _over_budget(self, worker: _Worker, rss: int) -> bool:
        self.peak_rss = max(self.peak_rss, rss)
        if self.max_rss is None or rss <= self.max_rss:
            return False
        log.warning("solver worker %d holds %.0f MB, over its budget of %.0f MB; replacing it",
                    worker.pid, rss / 2**20, self.max_rss / 2**20)  # fmt: skip
        return True

    def _io_stop(self, worker: _Worker) -> None:
        """Stop a worker without blocking the event loop."""
        if self._io is not None:
            self._io.submit(worker.stop)

    async def close(self) -> None:
        """Stop every worker (busy ones are killed after a short grace)."""
        self._closed = True
        if self._watch is not None:
            self._watch.cancel()
        self._cancel_replacements()
        idle = []
        if self._idle is not None:
            while not self._idle.empty():
                idle.append(self._idle.get_nowait())
        loop = asyncio.get_running_loop()
        if self._io is not None:
            await asyncio.gather(*(loop.run_in_executor(self._io, w.stop) for w in idle))
        for w in list(self._all):
            if w not in idle:
                w.kill()
        self._all.clear()
        if self._io is not None:
            self._io.shutdown(wait=False, cancel_futures=True)

"""Where independent work runs: in this process, in local processes, or on a Ray cluster.

The places that fan out independent tasks (the waves of a backlog, the days
of a replay, the warehouses of a nightly run, the scenarios of an experiment)
take an :class:`Executor` and call :meth:`Executor.map`. Every executor
returns the results in the order of the tasks, so a run's output does not
depend on where it ran.

Data that every task reads (a layout, its distance oracle, a slotting) goes
through :meth:`Executor.shared`: the tasks carry a small :class:`Shared`
handle, and each worker process fetches the data once and keeps it, keyed by
the handle's key (e.g. the layout and slotting versions). On Ray the data is
put in the object store once (``ray.put``); ``ray`` is imported only when a
:class:`RayCluster` is used (``pip install 'pickopt[ray]'``).

Task functions that need compiled kernels call :func:`warm_worker` with
their warm-up: in a worker process it runs once, under a file lock shared by
the processes of one machine, so that numba's on-disk cache is written by one
process while the others wait and then load it, never raced.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import tempfile
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from optimizer.errors import PickoptError
from optimizer.progress import Progress

__all__ = [
    "Executor",
    "Shared",
    "InProcess",
    "LocalProcesses",
    "RayCluster",
    "EXECUTORS",
    "make_executor",
    "once_per_process",
    "warm_worker",
    "machine_lock",
]

T = TypeVar("T")
R = TypeVar("R")

#: Shared values a worker process keeps, newest last (key -> value).
_KEPT: OrderedDict[str, Any] = OrderedDict()
#: How many shared values a worker keeps: a few layouts' worth.
KEEP_SHARED = 8


class Shared(Generic[T]):
    """A handle to data that many tasks read, fetched once per worker process.

    Make one with :meth:`Executor.shared` and put it in the tasks instead of
    the data; a task calls :meth:`get`. In this process the handle holds the
    value itself. Pickled for local processes it carries the value (each
    task ships it); pickled for Ray it carries only its key and an object
    store reference, and the first :meth:`get` in a worker fetches the value
    and keeps it under the key (at most :data:`KEEP_SHARED` values).

    Examples
    --------
    >>> handle = InProcess().shared({"a": 1}, key="v1")
    >>> handle.key, handle.get()
    ('v1', {'a': 1})
    """

    def __init__(self, key: str, value: T | None = None, ref: Any = None) -> None:
        self.key = key
        self._value = value
        self._ref = ref

    def get(self) -> T:
        """The value: held, kept by this worker, or fetched from the object store."""
        if self._ref is None:
            return self._value  # type: ignore[return-value]
        if self.key in _KEPT:
            _KEPT.move_to_end(self.key)
            return _KEPT[self.key]
        import ray

        value = ray.get(self._ref)
        _KEPT[self.key] = value
        while len(_KEPT) > KEEP_SHARED:
            _KEPT.popitem(last=False)
        return value

    def __getstate__(self) -> dict[str, Any]:
        if self._ref is not None:  # only the reference travels; the worker fetches once
            return {"key": self.key, "_value": None, "_ref": self._ref}
        return dict(self.__dict__)

    def __repr__(self) -> str:
        where = "object store" if self._ref is not None else "inline"
        return f"Shared({self.key!r}, {where})"


def _new_key(key: str | None) -> str:
    return key if key is not None else uuid.uuid4().hex


@runtime_checkable
class Executor(Protocol):
    """Runs ``fn`` over tasks and returns the results in task order."""

    name: str

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, label: str = "tasks") -> list[R]:
        """``[fn(t) for t in tasks]``, however the executor spreads the work."""
        ...

    def shared(self, value: T, *, key: str | None = None) -> Shared[T]:
        """A handle to ``value`` for the tasks; ``key`` names its content (a version)."""
        ...

    def close(self) -> None:
        """Release what the executor started (a pool, a local cluster)."""
        ...


class InProcess:
    """Run every task here, one after another (the default).

    Examples
    --------
    >>> InProcess(progress=False).map(abs, [-2, 3])
    [2, 3]
    """

    name = "inline"

    def __init__(self, *, progress: bool | None = None) -> None:
        self.progress = progress

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, label: str = "tasks") -> list[R]:
        """Run ``fn`` on each task in order."""
        results = []
        with Progress(label, total=len(tasks), enabled=self.progress) as bar:
            for task in tasks:
                results.append(fn(task))
                bar.advance()
        return results

    def shared(self, value: T, *, key: str | None = None) -> Shared[T]:
        """A handle holding ``value`` itself."""
        return Shared(_new_key(key), value)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalProcesses:
    """Run tasks in a pool of ``workers`` fresh Python processes on this machine.

    ``fn`` and the tasks must be picklable (a module-level function and plain
    data); each worker imports pickopt once and reuses its compiled kernels.
    A :class:`Shared` value travels with every task that carries it.

    Examples
    --------
    >>> LocalProcesses(workers=1, progress=False).map(abs, [-2, 3])
    [2, 3]
    """

    name = "processes"

    def __init__(self, workers: int | None = None, *, progress: bool | None = None) -> None:
        if workers is not None and workers < 1:
            raise PickoptError(f"workers must be >= 1, got {workers}")
        self.workers = workers or os.cpu_count() or 1
        self.progress = progress

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, label: str = "tasks") -> list[R]:
        """Submit every task, then collect the results in task order."""
        if not tasks:
            return []
        context = multiprocessing.get_context("spawn")  # no forked numba/OR-Tools state
        workers = min(self.workers, len(tasks))
        with (
            ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool,
            Progress(label, total=len(tasks), enabled=self.progress) as bar,
        ):
            futures = [pool.submit(_call, fn, task) for task in tasks]
            results = []
            for future in futures:
                results.append(future.result())
                bar.advance()
        return results

    def shared(self, value: T, *, key: str | None = None) -> Shared[T]:
        """A handle holding ``value`` (pickled with each task)."""
        return Shared(_new_key(key), value)

    def close(self) -> None:
        """Nothing to release: each :meth:`map` closes its pool."""

    def __enter__(self) -> LocalProcesses:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Whether this process is a worker of :class:`LocalProcesses` or :class:`RayCluster`.
_IN_WORKER = False


def _call(fn: Callable[[T], R], task: T) -> R:
    """What a worker runs for a task (module level, so workers import it by name)."""
    global _IN_WORKER
    _IN_WORKER = True
    return fn(task)


def warm_worker(warm: Callable[[], object]) -> None:
    """In a worker process, run ``warm`` once (:func:`once_per_process`); here, nothing.

    Task functions call it first, so that workers compile or load their
    kernels one at a time per machine, while an in-process run compiles
    only what it uses, as it always did.
    """
    if _IN_WORKER:
        once_per_process(warm)


class RayCluster:
    """Run tasks on a Ray cluster: an existing one, or a local one started here.

    Parameters
    ----------
    address
        ``None`` starts a local Ray (bound to 127.0.0.1, ``workers`` CPUs)
        for the life of this executor; ``"auto"`` joins the cluster this
        machine belongs to (``ray start``); ``"HOST:PORT"`` joins that head.
    workers
        CPUs of a local Ray (default: this machine's).
    max_retries
        Times a task is run again when its worker process dies (killed, out
        of memory, node lost). Tasks return their results and have no side
        effects, so a retried task is neither lost nor counted twice.
    timeout
        Seconds a :meth:`map` may take in all (``None``: no limit).
    progress
        Progress bar of tasks done (``None``: when stderr is a terminal).
    runtime_env
        Passed to ``ray.init`` (e.g. ``{"working_dir": "."}`` on a cluster
        whose nodes lack this pickopt).

    Notes
    -----
    A task raising an exception re-raises it here, unwrapped. A task whose
    worker died more than ``max_retries`` times is a :class:`PickoptError`.
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        workers: int | None = None,
        max_retries: int = 3,
        timeout: float | None = None,
        progress: bool | None = None,
        runtime_env: dict[str, Any] | None = None,
    ) -> None:
        if workers is not None and workers < 1:
            raise PickoptError(f"workers must be >= 1, got {workers}")
        if max_retries < 0:
            raise PickoptError(f"max_retries must be >= 0, got {max_retries}")
        self.address = address
        self.workers = workers
        self.max_retries = max_retries
        self.timeout = timeout
        self.progress = progress
        self.runtime_env = runtime_env
        self._started = False

    def _ray(self) -> Any:
        """The ``ray`` module, connected (a local cluster started on first use)."""
        try:
            import ray
        except ImportError:
            raise PickoptError("the ray executor needs Ray: pip install 'pickopt[ray]'") from None
        if not ray.is_initialized():
            options: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
            if self.runtime_env is not None:
                options["runtime_env"] = self.runtime_env
            if self.address is None:
                options.update(num_cpus=self.workers or os.cpu_count() or 1,
                               _node_ip_address="127.0.0.1")  # fmt: skip
            else:
                options["address"] = self.address
            try:
                ray.init(**options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = self.address or "a local Ray"
                raise PickoptError(f"cannot start or join {where}: {exc}") from None
            self._started = True
        return ray

    def shared(self, value: T, *, key: str | None = None) -> Shared[T]:
        """Put ``value`` in the object store once; tasks carry only the reference."""
        return Shared(_new_key(key), None, self._ray().put(value))

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, label: str = "tasks") -> list[R]:
        """Submit every task, draw tasks done, return the results in task order."""
        if not tasks:
            return []
        ray = self._ray()
        remote = ray.remote(_call).options(max_retries=self.max_retries, num_cpus=1)
        fn_ref = ray.put(fn)  # shipped once, whatever the number of tasks
        refs = [remote.remote(fn_ref, task) for task in tasks]
        try:
            self._wait(ray, refs, label)
            return list(ray.get(refs))
        except BaseException as exc:
            _cancel_unfinished(ray, refs)
            if isinstance(exc, ray.exceptions.RayTaskError):
                cause = exc.cause
                raise (cause if isinstance(cause, Exception) else exc) from None
            if isinstance(exc, ray.exceptions.WorkerCrashedError):
                raise PickoptError(f"a Ray worker died while running one of the {label} "
                                   f"(after {self.max_retries} retries)") from None  # fmt: skip
            raise

    def _wait(self, ray: Any, refs: list[Any], label: str) -> None:
        """Block until every task is done, advancing the bar as they finish."""
        pending = list(refs)
        t0 = time.perf_counter()
        with Progress(label, total=len(refs), enabled=self.progress) as bar:
            while pending:
                left = None if self.timeout is None else self.timeout - (time.perf_counter() - t0)
                if left is not None and left <= 0:
                    raise PickoptError(f"{len(pending)} of {len(refs)} {label} still running "
                                       f"after {self.timeout:g} s")  # fmt: skip
                done, pending = ray.wait(pending, num_returns=1, timeout=left)
                bar.advance(len(done))

    def close(self) -> None:
        """Stop the local Ray this executor started (a joined cluster keeps running)."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    def __enter__(self) -> RayCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _cancel_unfinished(ray: Any, refs: list[Any]) -> None:
    """Ask the tasks still queued or running to stop, after a failure or a timeout.

    Not ``force=True``: Ray 2.60 can abort the driver when a force-cancelled
    task's reply arrives at the same moment (``Tried to complete task that
    was not pending``), so running tasks get an interrupt instead, and tasks
    already done are left alone.
    """
    with contextlib.suppress(Exception):
        _, unfinished = ray.wait(refs, num_returns=len(refs), timeout=0)
        for ref in unfinished:
            with contextlib.suppress(Exception):
                ray.cancel(ref)


#: Executor names accepted by :func:`make_executor` (and the CLI's ``--executor``).
EXECUTORS: tuple[str, ...] = ("inline", "processes", "ray")


def make_executor(
    kind: str = "inline",
    *,
    workers: int | None = None,
    progress: bool | None = None,
    address: str | None = None,
) -> Executor:
    """The executor called ``kind`` (one of :data:`EXECUTORS`).

    ``address`` is Ray's (``None``: start a local Ray; ``"auto"``; ``"HOST:PORT"``).

    Examples
    --------
    >>> make_executor("processes", workers=2).name
    'processes'
    >>> make_executor("ray", address="auto").name  # connects on first use
    'ray'
    """
    if address is not None and kind != "ray":
        raise PickoptError(f"a Ray address needs the ray executor, not {kind!r}")
    if kind == "inline":
        return InProcess(progress=progress)
    if kind == "processes":
        return LocalProcesses(workers, progress=progress)
    if kind == "ray":
        return RayCluster(address, workers=workers, progress=progress)
    raise PickoptError(f"unknown executor {kind!r}; known: {', '.join(EXECUTORS)}")


def once_per_process(warm: Callable[[], object]) -> None:
    """Run ``warm`` once in this process, holding a lock shared by this machine.

    For a task's JIT warm-up: the first worker of a machine compiles and
    writes numba's cache while the others wait, then they load it; a second
    call in the same process returns at once.

    Examples
    --------
    >>> calls = []
    >>> def warm():
    ...     calls.append(1)
    >>> once_per_process(warm); once_per_process(warm)
    >>> calls
    [1]
    """
    name = f"{getattr(warm, '__module__', '')}.{getattr(warm, '__qualname__', repr(warm))}"
    if name in _WARMED:
        return
    with machine_lock(name):
        warm()
    _WARMED.add(name)


_WARMED: set[str] = set()


@contextlib.contextmanager
def machine_lock(name: str) -> Iterator[None]:
    """An exclusive lock across the processes of this machine (none where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: no race-free cache writes there anyway
        yield
        return
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"pickopt-warm-{digest}.lock"
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)

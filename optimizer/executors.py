"""Where independent work runs: in this process, in local processes, or (later) on a cluster.

The places that fan out independent tasks (the waves of a backlog, the days
of a replay, the warehouses of a nightly run, the scenarios of an experiment)
take an :class:`Executor` and call :meth:`Executor.map`. Every executor
returns the results in the order of the tasks, so a run's output does not
depend on where it ran.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol, TypeVar, runtime_checkable

from optimizer.errors import PickoptError
from optimizer.progress import Progress

__all__ = ["Executor", "InProcess", "LocalProcesses", "EXECUTORS", "make_executor"]

T = TypeVar("T")
R = TypeVar("R")


@runtime_checkable
class Executor(Protocol):
    """Runs ``fn`` over tasks and returns the results in task order."""

    name: str

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, label: str = "tasks") -> list[R]:
        """``[fn(t) for t in tasks]``, however the executor spreads the work."""
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


class LocalProcesses:
    """Run tasks in a pool of ``workers`` fresh Python processes on this machine.

    ``fn`` and the tasks must be picklable (a module-level function and plain
    data); each worker imports pickopt once and reuses its compiled kernels.

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
            futures = [pool.submit(fn, task) for task in tasks]
            results = []
            for future in futures:
                results.append(future.result())
                bar.advance()
        return results


#: Executor names accepted by :func:`make_executor` (and the CLI's ``--executor``).
EXECUTORS: tuple[str, ...] = ("inline", "processes")


def make_executor(
    kind: str = "inline", *, workers: int | None = None, progress: bool | None = None
) -> Executor:
    """The executor called ``kind`` (one of :data:`EXECUTORS`).

    Examples
    --------
    >>> make_executor("processes", workers=2).name
    'processes'
    """
    if kind == "inline":
        return InProcess(progress=progress)
    if kind == "processes":
        return LocalProcesses(workers, progress=progress)
    raise PickoptError(f"unknown executor {kind!r}; known: {', '.join(EXECUTORS)}")

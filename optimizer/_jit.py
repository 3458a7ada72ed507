"""The one place numba flags are set, so every kernel compiles the same way.

``cache=True`` writes compiled kernels next to the sources, so only the first
process on a machine pays for compilation; ``nogil`` lets callers run kernels
from threads. Set ``NUMBA_DISABLE_JIT=1`` to run kernel bodies as Python
(the test suite does once, to keep them covered and debuggable).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["jit"]


def jit(func: F) -> F:
    """Compile ``func`` with pickopt's numba flags."""
    return cast(F, numba.njit(cache=True, nogil=True)(func))

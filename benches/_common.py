"""What the comparison scripts share: the environment line and time formats."""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import version
from typing import Any

BASE_PACKAGES = ("numpy", "scipy", "numba")


def environment(*extra: str) -> dict[str, Any]:
    """Python, package versions (numpy, scipy, numba and ``extra``) and machine."""
    out: dict[str, Any] = {"python": sys.version.split()[0]}
    for name in (*BASE_PACKAGES, *extra):
        out[name] = version(name)
    out["machine"] = platform.machine()
    out["cpus"] = os.cpu_count()
    return out


def fmt_s(seconds: float) -> str:
    """Seconds in a compact unit: µs, ms or s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"

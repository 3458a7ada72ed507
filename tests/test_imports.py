"""Start-up: the package's public names are imported on first use, and a
command imports only what it runs (each check in a fresh interpreter)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import optimizer
from tests.conftest import LAYOUTS, ROOT

#: Libraries that take tenths of a second or more to import.
HEAVY = ("numba", "scipy", "ortools", "pandas", "matplotlib", "networkx", "fastapi",
         "pyarrow", "pydantic")  # fmt: skip


def _loaded_after(code: str) -> set[str]:
    """The heavy libraries and pickopt's modules loaded by ``code`` in a fresh process."""
    report = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", f"{code}\n{report}"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600, check=True)  # fmt: skip
    return set(json.loads(out.stdout.splitlines()[-1]))


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m in HEAVY}


@pytest.mark.parametrize("name", optimizer.__all__)
def test_public_name_is_the_defining_modules_object(name):
    """Every name of ``optimizer.__all__`` resolves to the object its module defines."""
    value = getattr(optimizer, name)
    module = importlib.import_module(value.__module__)
    assert getattr(module, value.__name__) is value


def test_design_names_import_from_the_package():
    """The public API of DESIGN.md imports from ``optimizer`` as before."""
    from optimizer import (  # noqa: F401
        Cart,
        DistanceOracle,
        Layout,
        Order,
        OrderLine,
        Slotting,
        batch_orders,
        plan_wave,
        route,
    )

    assert set(dir(optimizer)) >= set(optimizer.__all__)


def test_an_unknown_name_is_an_attribute_error():
    """A name the package does not have is an AttributeError (``hasattr`` works)."""
    with pytest.raises(AttributeError, match="no attribute 'Layuot'"):
        optimizer.Layuot  # noqa: B018
    assert not hasattr(optimizer, "plan_waves")


def test_import_optimizer_loads_no_heavy_library():
    """``import optimizer`` loads only the error classes."""
    assert _heavy(_loaded_after("import optimizer")) == set()


def test_a_layout_needs_no_solver():
    """``from optimizer import Layout`` and building one load no numba, OR-Tools or plots."""
    loaded = _loaded_after(
        f"from optimizer import Layout\nLayout.from_file({str(LAYOUTS / 'single_block.toml')!r})"
    )
    assert _heavy(loaded) <= {"scipy"}


def test_route_command_imports_only_routing():
    """``pickopt route`` loads numba and the routing kernels, not batching,
    slotting, the service, OR-Tools, pandas, Arrow or matplotlib."""
    loaded = _loaded_after(
        "from optimizer.cli import main\n"
        f"main(['route', '--layout', {str(LAYOUTS / 'two_block.toml')!r}, "
        "'--picks', 'A02-B1-004-L-1', 'A07-B2-020-R-2'])"
    )
    assert "optimizer.routing.exact.sweep" in loaded
    assert _heavy(loaded) <= {"numba", "scipy"}
    unneeded = ("optimizer.batching", "optimizer.slotting", "optimizer.service", "ortools.sat")
    assert not {m for m in loaded if m.startswith(unneeded)}

"""The numba cache: where it lives, and that a read-only install still uses one."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer._jit import forget_stale_kernels, kernels, sources_stamp, user_cache_dir, writable

PACKAGE = Path(__file__).resolve().parent.parent / "optimizer"

# Builds a tiny layout's oracle and one distance matrix, then reports where
# the square_matrix kernel's cache is and whether it was compiled or loaded.
_RUN = """
import json, os
import optimizer
from optimizer.distance import DistanceOracle
from optimizer.distance.kernels import square_matrix
from optimizer.layout import Layout

spec = {"name": "ro", "kind": "parallel-aisles", "aisles": 2, "cells": 3,
        "cell_length": 1.0, "aisle_spacing": 3.0, "cross_aisle_to_cell": 1.0,
        "depots": [{"name": "D1", "aisle": 1, "at": "front"}]}
layout = Layout.from_spec(spec)
DistanceOracle.for_layout(layout).matrix(layout.pick_nodes[:3])
print(json.dumps({
    "package": os.path.dirname(optimizer.__file__),
    "numba_cache_dir": os.environ.get("NUMBA_CACHE_DIR"),
    "cache_path": square_matrix.stats.cache_path,
    "hits": sum(square_matrix.stats.cache_hits.values()),
    "misses": sum(square_matrix.stats.cache_misses.values()),
}))
"""


def _read_only_copy(root: Path) -> Path:
    """A copy of the package that no process can write to, root included:
    directories without write permission, and every ``__pycache__`` a plain
    file (root ignores permission bits, but cannot create files in a file)."""
    copy = root / "optimizer"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for directory in [copy, *(p for p in copy.rglob("*") if p.is_dir())]:
        (directory / "__pycache__").touch()
    for path in [root, copy, *copy.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return copy


def _make_writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _run(cwd: Path, env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", _RUN], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=600, check=True)  # fmt: skip
    return dict(json.loads(out.stdout.splitlines()[-1]))


def test_read_only_install_still_uses_a_cache(tmp_path):
    """A package directory nobody can write to caches kernels in the user's
    cache (``$XDG_CACHE_HOME/pickopt/numba``): the second process loads the
    kernel the first one compiled, and nothing is written into the package."""
    install, cache = tmp_path / "install", tmp_path / "cache"
    install.mkdir()
    copy = _read_only_copy(install)
    assert not writable(copy / "__pycache__")
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "PICKOPT_CACHE_DIR", "NUMBA_DISABLE_JIT")}  # fmt: skip
    env.update(XDG_CACHE_HOME=str(cache), HOME=str(tmp_path))
    try:
        first, second = _run(install, env), _run(install, env)
    finally:
        _make_writable(install)
    assert first["package"] == str(copy)
    assert first["numba_cache_dir"] == str(cache / "pickopt" / "numba")
    assert str(first["cache_path"]).startswith(str(cache / "pickopt" / "numba"))
    assert (first["hits"], first["misses"]) == (0, 1)
    assert (second["hits"], second["misses"]) == (1, 0)
    assert list((cache / "pickopt" / "numba").rglob("*.nbi"))
    assert not [p for p in copy.rglob("*") if p.suffix in (".nbi", ".nbc", ".pyc")]


def test_a_cache_dir_chosen_by_the_user_is_kept(tmp_path):
    """``NUMBA_CACHE_DIR`` set by the user wins over pickopt's choice."""
    install = tmp_path / "install"
    install.mkdir()
    _read_only_copy(install)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    env.update(NUMBA_CACHE_DIR=str(tmp_path / "mine"), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    try:
        run = _run(install, env)
    finally:
        _make_writable(install)
    assert run["numba_cache_dir"] == str(tmp_path / "mine")
    assert not (tmp_path / "xdg").exists()


def test_user_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    """``PICKOPT_CACHE_DIR`` first (empty: no disk cache), then
    ``XDG_CACHE_HOME/pickopt``, then ``~/.cache/pickopt``."""
    monkeypatch.setenv("PICKOPT_CACHE_DIR", str(tmp_path / "p"))
    assert user_cache_dir() == tmp_path / "p"
    monkeypatch.setenv("PICKOPT_CACHE_DIR", " ")
    assert user_cache_dir() is None
    monkeypatch.delenv("PICKOPT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert user_cache_dir() == tmp_path / "x" / "pickopt"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_cache_dir() == tmp_path / ".cache" / "pickopt"


def test_writable_is_tried_not_guessed(tmp_path):
    """A directory is made if missing; below a file nothing can be made."""
    assert writable(tmp_path / "new" / "dir")
    (tmp_path / "file").touch()
    assert not writable(tmp_path / "file" / "dir")


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="kernels are Python")
def test_every_kernel_is_registered():
    """Kernels made with ``jit`` are listed, each once, as numba dispatchers."""
    from optimizer.distance.kernels import square_matrix

    listed = kernels()
    assert any(k is square_matrix for k in listed)
    assert len({id(k) for k in listed}) == len(listed)
    assert all(hasattr(k, "py_func") for k in listed)


def test_cached_kernels_are_forgotten_when_any_source_changes(monkeypatch, tmp_path):
    """numba checks a cached kernel against its own file only; a change in any
    source of the package (a callee in another module) must drop the cache."""
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.delenv("NUMBA_DISABLE_JIT", raising=False)
    package = tmp_path / "pkg"
    (package / "sub" / "__pycache__").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "a.py").write_text("x = 1\n")
    (package / "sub" / "b.py").write_text("y = 2\n")
    cached = package / "sub" / "__pycache__" / "b.kernel-1.py311.nbi"
    cached.touch()
    assert forget_stale_kernels(package)  # no fingerprint yet: the cache may be stale
    assert not cached.exists()
    cached.touch()
    assert not forget_stale_kernels(package)  # nothing changed
    assert cached.exists()
    (package / "a.py").write_text("x = 10\n")  # another module changed
    assert forget_stale_kernels(package)
    assert not cached.exists()
    assert (package / "__pycache__" / "pickopt-sources.stamp").read_text() == sources_stamp(
        package
    )


def test_stale_kernels_are_found_under_a_chosen_cache_dir(monkeypatch, tmp_path):
    """Under ``NUMBA_CACHE_DIR`` the kernels sit in numba's mirror folders."""
    import hashlib

    package, cache = tmp_path / "pkg", tmp_path / "cache"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(cache))
    monkeypatch.delenv("NUMBA_DISABLE_JIT", raising=False)
    mirror = cache / f"pkg_{hashlib.sha1(str(package).encode()).hexdigest()}"
    mirror.mkdir(parents=True)
    (mirror / "a.kernel-1.py311.nbc").touch()
    assert forget_stale_kernels(package)
    assert not list(mirror.glob("*.nbc"))
    assert (mirror / "pickopt-sources.stamp").exists()

"""Helpers of the command-line tests: running ``pickopt`` in-process, files
that a reader or writer must refuse."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from optimizer.cli import main

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run the CLI in-process; the call returns exit code, stdout, stderr."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def sparse_file(path: Path, size: int = 2 * 2**30) -> Path:
    """A file of ``size`` zero bytes that takes no disk space (a hole)."""
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


def _can_write(folder: Path) -> bool:
    try:
        (folder / ".probe").touch()
    except OSError:
        return False
    (folder / ".probe").unlink()
    return True


@pytest.fixture
def unwritable_dir(tmp_path: Path) -> Path:
    """A folder this process may not write to.

    A folder without write permission, or, for root (which ignores
    permissions), a kernel folder that refuses new files; skips where
    there is neither.
    """
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if not _can_write(folder):
        return folder
    folder.chmod(0o755)
    kernel = Path("/sys/kernel")
    if os.name == "posix" and kernel.is_dir() and not _can_write(kernel):
        return kernel
    pytest.skip("no folder here refuses writes to this user")

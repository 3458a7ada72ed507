"""Start-up of the command line: option choices read on demand, and ``pickopt warmup``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.batching import METHODS as BATCHING
from optimizer.routing import METHODS as ROUTING
from optimizer.slotting.assignment import POLICIES
from tests.cli.conftest import Cli
from tests.conftest import LAYOUTS, ROOT

TWO = str(LAYOUTS / "two_block.toml")


@pytest.mark.parametrize(
    ("argv", "choices"),
    [
        (["route", "--layout", TWO, "--picks", "A02-B1-004-L-1", "--method", "fastest"], ROUTING),
        (["wave", "--layout", TWO, "--orders", "o.csv", "--batching", "best"], BATCHING),
        (["wave", "--layout", TWO, "--orders", "o.csv", "--routing", "best"], ROUTING),
        (["slot", "--layout", TWO, "--history", "h.csv", "--out", "x", "--policy", "abc"],
         POLICIES),
    ],
)  # fmt: skip
def test_an_unknown_choice_lists_the_library_s_choices(cli: Cli, capsys, argv, choices):
    """An option value outside the library's list is refused, naming every choice."""
    with pytest.raises(SystemExit) as exc:
        cli(*argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "invalid choice" in err and all(repr(c) in err for c in choices)


def test_help_lists_the_choices(cli: Cli, capsys):
    """``--help`` shows every routing method (the metavar hides the braces only)."""
    with pytest.raises(SystemExit):
        cli("route", "--help")
    out = capsys.readouterr().out
    assert "--method METHOD" in out
    assert all(m in out.replace("\n", " ") for m in ROUTING)


def _warmup(cache: Path, *options: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    env["NUMBA_CACHE_DIR"] = str(cache)
    out = subprocess.run([sys.executable, "-m", "optimizer.cli", "warmup", *options], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=1200)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_after_warmup_no_process_compiles(tmp_path):
    """``pickopt warmup`` on an empty cache compiles every kernel and says
    where the cache is; a second run, in a new process, compiles none and
    finds every kernel cached."""
    cache = tmp_path / "numba"
    first = _warmup(cache)
    assert f"cache     {cache}" in first
    assert "compiled now" in first and "not reached" not in first
    again = json.loads(_warmup(cache, "--json"))
    assert again["numba_cache"] == str(cache) and again["missing"] == []
    assert again["kernels"] and all(k["cached"] for k in again["kernels"])
    assert [k["name"] for k in again["kernels"] if k["compiled"]] == []
    assert sum(k["loaded"] for k in again["kernels"]) > 0

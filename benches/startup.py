"""Start-up: how long a fresh process takes to import pickopt and to route.

Every figure is one fresh Python process, timed from outside (wall clock,
and the child's CPU time, user + system, which a busy machine inflates
less). Two source trees run side by side, alternating: this one ("now") and
the commit it started from ("before", ``git merge-base HEAD main``,
exported to a temporary folder; the editable install yields to the current
directory, so each tree runs its own code on the same interpreter and
packages).

- ``python -c pass``: the interpreter alone;
- ``import optimizer``;
- the public names of DESIGN.md (``from optimizer import Layout, ...,
  plan_wave``);
- ``pickopt route`` (``python -m optimizer.cli route``, two picks on
  ``layouts/two_block.toml``) with a warm numba cache;
- the first ``pickopt route`` after a fresh install: an empty
  ``NUMBA_CACHE_DIR`` and an empty ``PICKOPT_CACHE_DIR`` (the exact DP's
  class tables), once per tree;
- ``pickopt warmup`` on an empty cache (now only), and a route after it;
- what the first route compiles, function by function (now only): numba's
  ``numba:compile`` events in one more cold route, each function's own
  seconds (without the functions it compiled inside) and its total.

Goals (issue 13): ``import optimizer`` <= 1 s, a warm ``pickopt route``
<= 1.5 s, the first route after a fresh install <= 10 s.

Run: ``python benches/startup.py [--repeat 5]`` (a few minutes: the two
cold routes compile; writes ``benches/results/startup.md`` and ``.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benches" / "results"
PICKS = ["A02-B1-004-L-1", "A07-B2-020-R-2"]
ROUTE = ["-m", "optimizer.cli", "route", "--layout", "layouts/two_block.toml", "--picks", *PICKS]
DESIGN_NAMES = (
    "Layout, DistanceOracle, Order, OrderLine, Cart, Slotting, route, batch_orders, plan_wave"
)
GOALS = {"import optimizer": 1.0, "pickopt route, warm cache": 1.5,
         "first pickopt route, empty cache": 10.0}  # fmt: skip


def _run(tree: Path, argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``python argv`` run in ``tree``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *argv], cwd=tree, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _export(rev: str, into: Path) -> Path:
    """The package and layouts of commit ``rev``, extracted into ``into``."""
    archive = subprocess.run(["git", "archive", rev, "optimizer", "layouts"], cwd=ROOT,
                             check=True, capture_output=True).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


#: A cold route in a child process that times numba's compile events per function.
_COMPILE_TIMES = """
import json, runpy, sys, time
from numba.core import event

stack, own, total = [], {}, {}


class Timer(event.Listener):
    def on_start(self, ev):
        func = getattr(ev.data.get("dispatcher"), "py_func", None)
        name = f"{func.__module__}.{func.__qualname__}" if func else "?"
        stack.append([name, time.process_time(), 0.0])

    def on_end(self, ev):
        name, t0, inner = stack.pop()
        spent = time.process_time() - t0
        own[name] = own.get(name, 0.0) + spent - inner
        total[name] = total.get(name, 0.0) + spent
        if stack:
            stack[-1][2] += spent


event.register("numba:compile", Timer())
sys.argv = ["pickopt", *sys.argv[1:]]
try:
    runpy.run_module("optimizer.cli", run_name="__main__")
except SystemExit as done:  # the CLI exits with its status
    if done.code:
        raise
print(json.dumps({n: [own[n], total[n]] for n in sorted(own, key=own.get, reverse=True)}))
"""


def compile_times(tree: Path, env: dict[str, str]) -> dict[str, list[float]]:
    """CPU seconds numba spends on each function a cold route compiles:
    ``{name: [own, total]}``, largest own first."""
    out = subprocess.run([sys.executable, "-c", _COMPILE_TIMES, *ROUTE[2:]], cwd=tree, env=env,
                         check=True, capture_output=True, text=True).stdout  # fmt: skip
    return dict(json.loads(out.splitlines()[-1]))


def _env(numba_cache: Path, tables: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    env.update(NUMBA_CACHE_DIR=str(numba_cache), PICKOPT_CACHE_DIR=str(tables))
    return env


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def measure(repeat: int, before_rev: str) -> dict[str, Any]:
    """Every row for both trees; medians of ``repeat`` runs (cold rows: one run)."""
    tmp = Path(tempfile.mkdtemp(prefix="pickopt_startup_"))
    trees = {"now": ROOT, "before": _export(before_rev, tmp / "before")}
    rows: dict[str, dict[str, dict[str, float]]] = {}

    def record(name: str, tree: str, runs: list[tuple[float, float]]) -> None:
        rows.setdefault(name, {})[tree] = {
            "wall_s": statistics.median(w for w, _ in runs),
            "cpu_s": statistics.median(c for _, c in runs),
            "runs": len(runs),
        }

    load_start = _load()
    # Cold first, one run per tree: empty numba cache and empty table cache.
    for tree, path in trees.items():
        env = _env(tmp / f"numba-{tree}", tmp / f"tables-{tree}")
        record("first pickopt route, empty cache", tree, [_run(path, ROUTE, env)])
    warm = [
        ("python -c pass", ["-c", "pass"]),
        ("import optimizer", ["-c", "import optimizer"]),
        ("from optimizer import (DESIGN names)", ["-c", f"from optimizer import {DESIGN_NAMES}"]),
        ("pickopt route, warm cache", ROUTE),
    ]
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(repeat):
        for name, argv in warm:
            for tree, path in trees.items():  # alternating: the load hits both alike
                env = _env(tmp / f"numba-{tree}", tmp / f"tables-{tree}")
                runs.setdefault((name, tree), []).append(_run(path, argv, env))
    for (name, tree), measured in runs.items():
        record(name, tree, measured)
    # pickopt warmup on an empty cache, then a route that finds everything cached.
    env = _env(tmp / "numba-warmup", tmp / "tables-warmup")
    record("pickopt warmup, empty cache", "now",
           [_run(ROOT, ["-m", "optimizer.cli", "warmup"], env)])  # fmt: skip
    record("pickopt route after warmup", "now", [_run(ROOT, ROUTE, env) for _ in range(repeat)])
    compiled = compile_times(ROOT, _env(tmp / "numba-compile", tmp / "tables-compile"))
    return {
        "rows": rows,
        "compile_times": compiled,
        "before": subprocess.run(["git", "rev-parse", "--short", before_rev], cwd=ROOT,
                                 check=True, capture_output=True, text=True).stdout.strip(),
        "now": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip(),
        "repeat": repeat,
        "load_average": {"start": load_start, "end": _load()},
        "environment": environment(),
    }  # fmt: skip


def markdown(result: dict[str, Any]) -> str:
    """The table of ``result`` with goals and ratios."""
    lines = [
        "# Start-up: fresh processes",
        "",
        f"Now `{result['now']}` against before `{result['before']}` (merge base with main), "
        f"side by side, alternating; median of {result['repeat']} runs (cold rows: one run). "
        f"Wall clock and the child's CPU time (user + system). Load average (1, 5, 15 min) "
        f"{result['load_average']['start']} at the start, {result['load_average']['end']} at "
        "the end, on a machine shared by other jobs: wall times above CPU times are waiting.",
        "",
        "| step | now wall (s) | now CPU (s) | before wall (s) | before CPU (s) "
        "| CPU before / now | goal (s) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, by_tree in result["rows"].items():
        now, before = by_tree.get("now"), by_tree.get("before")
        goal = GOALS.get(name)
        cells = [name]
        for m in (now, before):
            cells += [f"{m['wall_s']:.2f}", f"{m['cpu_s']:.2f}"] if m else ["-", "-"]
        cells.append(f"{before['cpu_s'] / now['cpu_s']:.1f}x" if now and before else "-")
        if goal is None or now is None:
            cells.append("")
        else:
            met = (
                "met"
                if now["wall_s"] <= goal
                else ("met in CPU, not in wall" if now["cpu_s"] <= goal else "**not met**")
            )
            cells.append(f"<= {goal:g}: {met}")  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    compiled = result.get("compile_times", {})
    if compiled:
        lines += [
            "",
            "What the first route compiles (now; one more cold route, numba's compile events): "
            "CPU seconds per function, its own and with what it compiled inside "
            "(numpy functions are numba's implementations, compiled on first use).",
            "",
            "| function | own (s) | total (s) |",
            "|---|---:|---:|",
        ]
        lines += [f"| `{name}` | {own:.2f} | {total:.2f} |"
                  for name, (own, total) in compiled.items() if own >= 0.01]  # fmt: skip
        lines.append(f"| all | {sum(own for own, _ in compiled.values()):.2f} | |")
    env = result["environment"]
    lines += [
        "",
        f"- Route: `python {' '.join(ROUTE)}` (the exact DP on two blocks).",
        "- Cold: `NUMBA_CACHE_DIR` and `PICKOPT_CACHE_DIR` point at empty folders, so the"
        " route compiles its kernels and builds the two-block class tables.",
        f"- Machine: {env['machine']}, {env['cpus']} CPUs, Python {env['python']}, numpy "
        f"{env['numpy']}, scipy {env['scipy']}, numba {env['numba']}.",
        "",
        "Run: `python benches/startup.py`.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5, help="runs per warm row and tree")
    p.add_argument("--before", default="", help="commit to compare with (default: merge base)")
    args = p.parse_args()
    before = args.before or subprocess.run(
        ["git", "merge-base", "HEAD", "main"], cwd=ROOT, check=True, capture_output=True,
        text=True).stdout.strip()  # fmt: skip
    result = measure(args.repeat, before)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "startup.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (OUT / "startup.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()

"""Scale out: the same backlog and replay in this process, in local processes and on Ray.

Two jobs, each run on three executors of :mod:`optimizer.executors`:

- **backlog**: 800 orders of :func:`optimizer.synthetic.large_wave` on
  ``layouts/single_block.toml`` with three carrier cut-offs, released by
  :func:`optimizer.jobs.plan_backlog` (2 pickers, 15-minute waves) and every
  wave planned with the default :class:`WavePolicy` (``auto``: the ALNS);
- **replay**: the 30 days of ``instances/history_single_block_30d_s1.csv``
  (all of each day's orders, about 200) under two slottings (random, class-based), one
  task per day (:func:`optimizer.jobs.replay`).

Executors: ``InProcess``, ``LocalProcesses(2)`` and ``RayCluster(workers=2)``
(a local Ray on loopback). Each job runs twice per executor: the first run
("cold") pays for starting the workers and loading their compiled kernels
(a process pool starts anew for every map; Ray's workers stay), the second
("warm") is the steady state. Results are checked equal to the in-process
run. Also measured: the overhead per task of each executor (a no-op over
200 tasks), the bytes each task carries (pickled; on Ray the warehouse goes
once to the object store and a task carries a handle), the bytes of a
result, and a simulation of 1, 2, 4 and 100 workers: the in-process task
times, greedily scheduled longest first on ``w`` workers, plus the measured
Ray overhead per task.

The machine has 2 cores shared with other jobs: the load average is quoted
before and after. Writes ``benches/results/scale_out.md`` and ``.json``.

Run: ``python benches/scale_out.py``.
"""

from __future__ import annotations

import heapq
import json
import os
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from _common import environment, fmt_s  # benches/ is on sys.path when run as a script

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.executors import Executor, InProcess, LocalProcesses, RayCluster
from optimizer.jobs import history_orders, plan_backlog, replay
from optimizer.jobs.backlog import WaveTask, plan_wave_task
from optimizer.jobs.fanout import share_site
from optimizer.jobs.replay import REPLAY_POLICY, ReplayDay, replay_day
from optimizer.layout import Layout
from optimizer.slotting import DemandProfile, assign
from optimizer.synthetic import large_wave
from optimizer.waves import WavePolicy, release_waves

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benches" / "results"
HISTORY = ROOT / "instances" / "history_single_block_30d_s1.csv"
CUTOFFS = {"DHL": 36000.0, "UPS": 43200.0, "DPD": 50400.0}
CART = Cart(max_items=45)
POLICY = WavePolicy()
PICKERS, WINDOW_S = 2, 900.0
NOOP_TASKS = 200
SIMULATED = (1, 2, 4, 100)


def noop(task: int) -> int:
    """The task of the overhead measurement."""
    return task


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def timeless(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: timeless(v) for k, v in data.items()
                if k not in ("seconds", "batching_seconds", "executor")}  # fmt: skip
    if isinstance(data, list):
        return [timeless(v) for v in data]
    return data


def simulate(times: Sequence[float], workers: int, overhead_s: float) -> float:
    """Makespan of ``times`` (longest first) on ``workers``, each task plus ``overhead_s``."""
    free = [0.0] * workers
    for t in sorted(times, reverse=True):
        heapq.heappush(free, heapq.heappop(free) + t + overhead_s)
    return max(free)


def per_task_times(fn: Callable[[Any], Any], tasks: Sequence[Any]) -> list[float]:
    """In-process seconds of each task, after one warm-up task."""
    fn(tasks[0])
    out = []
    for task in tasks:
        t = time.perf_counter()
        fn(task)
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    layout = Layout.from_file(ROOT / "layouts" / "single_block.toml")
    oracle = DistanceOracle.for_layout(layout)
    slotting, orders = large_wave(layout, 800, seed=11, cutoffs=CUTOFFS)
    profile = DemandProfile.from_file(HISTORY)
    slottings = {"random": assign(layout, profile, "random", seed=1),
                 "class": assign(layout, profile, "class-based")}  # fmt: skip
    days = history_orders(HISTORY, days=30)
    print(f"load before: {load()}", flush=True)
    load_before = load()

    def run_backlog(ex: Executor) -> Any:
        return plan_backlog(layout, slotting, orders, CART, pickers=PICKERS, window_s=WINDOW_S,
                            policy=POLICY, executor=ex, oracle=oracle)  # fmt: skip

    def run_replay(ex: Executor) -> Any:
        return replay(layout, days, slottings, Cart(max_items=45), oracle=oracle, executor=ex)

    jobs: dict[str, Callable[[Executor], Any]] = {"backlog": run_backlog, "replay": run_replay}
    executors: dict[str, Callable[[], Any]] = {
        "in-process": lambda: InProcess(progress=False),
        "2 local processes": lambda: LocalProcesses(2, progress=False),
        "Ray, 2 CPUs": lambda: RayCluster(workers=2, progress=False),
    }
    walls: dict[str, dict[str, dict[str, float]]] = {}
    reference: dict[str, Any] = {}
    overhead: dict[str, float] = {}
    sizes: dict[str, Any] = {}
    for ex_name, make in executors.items():
        walls[ex_name] = {}
        with make() as ex:
            for job, run in jobs.items():
                cold = time.perf_counter()
                result = run(ex)
                cold = time.perf_counter() - cold
                warm = time.perf_counter()
                again = run(ex)
                warm = time.perf_counter() - warm
                same = timeless(result.to_dict()) == timeless(again.to_dict())
                if ex_name == "in-process":
                    reference[job] = timeless(result.to_dict())
                equal = same and timeless(result.to_dict()) == reference[job]
                walls[ex_name][job] = {"cold_s": cold, "warm_s": warm, "equal": equal}
                print(f"{ex_name:>18} {job:>8}: cold {cold:6.2f} s, warm {warm:6.2f} s, "
                      f"equal to in-process {equal}", flush=True)  # fmt: skip
            ex.map(noop, list(range(4)))
            t = time.perf_counter()
            ex.map(noop, list(range(NOOP_TASKS)))
            overhead[ex_name] = (time.perf_counter() - t) / NOOP_TASKS
            if isinstance(ex, RayCluster):
                sizes = task_sizes(ex, layout, slotting, orders, slottings, days, oracle)

    waves = release_waves(orders, layout, slotting, CART, pickers=PICKERS, window_s=WINDOW_S,
                          policy=POLICY)  # fmt: skip
    here = InProcess()
    site = share_site(here, layout, {slotting.name: slotting}, oracle)
    wave_tasks = [WaveTask(site, tuple(w), CART, POLICY) for w in waves]
    wave_times = per_task_times(plan_wave_task, wave_tasks)
    rsite = share_site(here, layout, slottings, oracle)
    day_tasks = [ReplayDay(rsite, tuple(slottings), tuple(d), CART, REPLAY_POLICY)
                 for d in days.values()]  # fmt: skip
    day_times = per_task_times(replay_day, day_tasks)
    ray_overhead = overhead["Ray, 2 CPUs"]
    simulation = {
        job: {w: simulate(times, w, ray_overhead) for w in SIMULATED}
        for job, times in (("backlog", wave_times), ("replay", day_times))
    }
    load_after = load()
    print(f"load after: {load_after}", flush=True)
    data = {
        "environment": environment("ray"),
        "load_before": load_before,
        "load_after": load_after,
        "backlog": {"orders": len(orders), "waves": len(waves),
                    "task_s": {"mean": sum(wave_times) / len(wave_times),
                               "max": max(wave_times), "sum": sum(wave_times)}},
        "replay": {"days": len(days), "orders": sum(len(d) for d in days.values()),
                   "task_s": {"mean": sum(day_times) / len(day_times), "max": max(day_times),
                              "sum": sum(day_times)}},
        "wall_s": walls,
        "overhead_per_task_s": overhead,
        "bytes": sizes,
        "simulated_makespan_s": simulation,
    }  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scale_out.json").write_text(json.dumps(data, indent=2) + "\n")
    md = markdown(data)
    (OUT / "scale_out.md").write_text(md)
    print(md)
    return 0


def task_sizes(ex: RayCluster, layout: Layout, slotting: Any, orders: Any, slottings: Any,
               days: Any, oracle: DistanceOracle) -> dict[str, Any]:  # fmt: skip
    """Pickled bytes: the shared warehouse once, a task with a handle (Ray) or with
    the warehouse inside (local processes), and a result."""
    waves = release_waves(orders, layout, slotting, CART, pickers=PICKERS, window_s=WINDOW_S,
                          policy=POLICY)  # fmt: skip
    inline = share_site(InProcess(), layout, {slotting.name: slotting}, oracle)
    handle = share_site(ex, layout, {slotting.name: slotting}, oracle)
    wave_tasks = [WaveTask(handle, tuple(w), CART, POLICY) for w in waves]
    fat_tasks = [WaveTask(inline, tuple(w), CART, POLICY) for w in waves]
    result = plan_wave_task(WaveTask(inline, tuple(waves[0]), CART, POLICY))
    rinline = share_site(InProcess(), layout, slottings, oracle)
    rhandle = share_site(ex, layout, slottings, oracle)
    day_tasks = [ReplayDay(rhandle, tuple(slottings), tuple(d), CART, REPLAY_POLICY)
                 for d in days.values()]  # fmt: skip
    mean = lambda xs: sum(len(pickle.dumps(x)) for x in xs) / len(xs)  # noqa: E731
    return {
        "backlog_site_once": len(pickle.dumps(inline.get())),
        "backlog_task_ray": mean(wave_tasks),
        "backlog_task_processes": mean(fat_tasks),
        "backlog_result": len(pickle.dumps(result)),
        "replay_site_once": len(pickle.dumps(rinline.get())),
        "replay_task_ray": mean(day_tasks),
    }


def markdown(d: dict[str, Any]) -> str:
    w, o, b, sim = d["wall_s"], d["overhead_per_task_s"], d["bytes"], d["simulated_makespan_s"]
    lines = [
        "# Scale out: in-process, local processes, Ray",
        "",
        "`python benches/scale_out.py`, one run on this 2-core machine shared with other "
        f"jobs: load average (1/5/15 min) {d['load_before']} before, {d['load_after']} after.",
        "",
        f"- backlog: {d['backlog']['orders']:,} orders released into {d['backlog']['waves']} "
        f"waves; a wave takes {fmt_s(d['backlog']['task_s']['mean'])} on average "
        f"({fmt_s(d['backlog']['task_s']['max'])} at most) in-process",
        f"- replay: {d['replay']['days']} days, {d['replay']['orders']:,} orders, two "
        f"slottings; a day takes {fmt_s(d['replay']['task_s']['mean'])} on average",
        "",
        "## Wall time",
        "",
        "| executor | backlog cold | backlog warm | replay cold | replay warm | equal |",
        "|---|---:|---:|---:|---:|---|",
    ]
    base = w["in-process"]
    for name, jobs in w.items():
        cells = []
        for job in ("backlog", "replay"):
            for kind in ("cold_s", "warm_s"):
                ratio = base[job]["warm_s"] / jobs[job][kind]
                cells.append(f"{jobs[job][kind]:.2f} s ({ratio:.2f}x)")
        equal = all(jobs[j]["equal"] for j in jobs)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {'yes' if equal else 'NO'} |")
    lines += [
        "",
        "(x: speed-up over the warm in-process run.) Cold: the first run, starting the "
        "workers and loading their kernels; warm: the second run.",
        "",
        "## Overhead and data per task",
        "",
        "| executor | overhead per task (no-op, 200 tasks) |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {1e3 * s:.2f} ms |" for name, s in o.items()]
    lines += [
        "",
        f"- backlog: the warehouse (layout, oracle, slotting) is {b['backlog_site_once']:,} "
        f"bytes, put in Ray's object store once; a wave task then carries "
        f"{b['backlog_task_ray']:,.0f} bytes (a local-process task carries the warehouse: "
        f"{b['backlog_task_processes']:,.0f} bytes); a wave's plan comes back in "
        f"{b['backlog_result']:,} bytes",
        f"- replay: the warehouse with two slottings is {b['replay_site_once']:,} bytes once; "
        f"a day's task carries {b['replay_task_ray']:,.0f} bytes",
        "",
        "## Simulated workers",
        "",
        "In-process task times scheduled longest first on w workers, each task plus the "
        "measured Ray overhead per task (no start-up, no contention):",
        "",
        "| job | " + " | ".join(f"{k} workers" for k in sim["backlog"]) + " |",
        "|---|" + "---:|" * len(sim["backlog"]),
    ]
    for job, row in sim.items():
        lines.append(f"| {job} | " + " | ".join(f"{v:.2f} s" for v in row.values()) + " |")
    env = ", ".join(f"{k} {v}" for k, v in d["environment"].items())
    lines += ["", f"Environment: {env}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

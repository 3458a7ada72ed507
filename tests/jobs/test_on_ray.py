"""The jobs on a local Ray (2 CPUs, loopback): the same results as in this process,
in the same order, and a worker killed mid-task costs nothing but time."""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from optimizer.batching import Cart
from optimizer.errors import PickoptError
from optimizer.executors import InProcess, RayCluster, Shared
from optimizer.jobs import NightlyJob, history_orders, plan_backlog, replay, run_nightlies
from optimizer.jobs.backlog import WaveTask, plan_wave_task
from optimizer.jobs.fanout import Site, share_site
from optimizer.layout import Layout
from optimizer.orders import Order, Slotting
from optimizer.slotting import DemandProfile, assign
from optimizer.synthetic.instances import large_wave
from optimizer.waves import WavePlan, WavePolicy, release_waves
from tests.conftest import LAYOUTS, ROOT

pytest.importorskip("ray", reason="Ray is not installed: pip install 'pickopt[ray]'")

HISTORY = ROOT / "instances" / "history_single_block_30d_s1.csv"
POLICY = WavePolicy(batching="savings")
TIMINGS = {"seconds", "batching_seconds", "executor"}


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[RayCluster]:
    """One local Ray for the module, stopped at its end (a run is bounded to 5 minutes)."""
    import ray

    if ray.is_initialized():  # another module's Ray: this one starts its own
        ray.shutdown()
    cluster = RayCluster(workers=2, timeout=300, progress=False)
    cluster.shared(0)  # start it now, so a failure to start is this fixture's
    yield cluster
    cluster.close()


def _timeless(data: Any) -> Any:
    """``data`` without wall times and the executor's name, which differ by run."""
    if isinstance(data, dict):
        return {k: _timeless(v) for k, v in data.items() if k not in TIMINGS}
    if isinstance(data, list):
        return [_timeless(v) for v in data]
    return data


@pytest.fixture(scope="module")
def backlog() -> tuple[Layout, Slotting, list[Order]]:
    """200 orders for two carriers that release into 20 waves (1 picker, 700 s)."""
    layout = Layout.from_file(LAYOUTS / "single_block.toml")
    slotting, orders = large_wave(layout, 200, seed=5, cutoffs={"DHL": 36000, "UPS": 43200})
    return layout, slotting, orders


def _plan(layout: Layout, slotting: Slotting, orders: list[Order], executor: Any) -> Any:
    return plan_backlog(layout, slotting, orders, Cart(max_items=20), pickers=1, window_s=700,
                        policy=POLICY, executor=executor)  # fmt: skip


def test_backlog_of_20_waves_equals_the_in_process_plan(
    ray_cluster: RayCluster, backlog: tuple[Layout, Slotting, list[Order]]
) -> None:
    here = _plan(*backlog, InProcess())
    there = _plan(*backlog, ray_cluster)
    assert len(here.waves) == 20 and there.executor == "ray"
    assert there.released == here.released
    assert _timeless(there.to_dict()) == _timeless(here.to_dict())


def test_replay_of_30_days_equals_the_in_process_report(ray_cluster: RayCluster) -> None:
    layout = Layout.from_file(LAYOUTS / "single_block.toml")
    profile = DemandProfile.from_file(HISTORY)
    slottings = {"random": assign(layout, profile, "random", seed=1),
                 "class": assign(layout, profile, "class-based")}  # fmt: skip
    orders = history_orders(HISTORY, days=30, max_orders_per_day=8)
    cart = Cart(max_items=30)
    here = replay(layout, orders, slottings, cart)
    there = replay(layout, orders, slottings, cart, executor=ray_cluster)
    assert len(here.days) == 30 and there.days == here.days
    assert _timeless(there.to_dict()) == _timeless(here.to_dict())
    assert there.distance["class"] < there.distance["random"]


def test_two_warehouse_nightly_run_equals_the_in_process_run(
    ray_cluster: RayCluster, tmp_path: Path
) -> None:
    def jobs(root: Path) -> list[NightlyJob]:
        options = {"replay_days": 3, "replay_orders": 20}
        return [NightlyJob(Layout.from_file(LAYOUTS / f"{name}.toml"), HISTORY, root / name,
                           options=options) for name in ("single_block", "two_block")]  # fmt: skip

    here = run_nightlies(jobs(tmp_path / "here"))
    there = run_nightlies(jobs(tmp_path / "there"), executor=ray_cluster)
    assert [r.out.name for r in there] == ["single_block", "two_block"]
    for a, b in zip(here, there, strict=True):
        assert b.slotting.bins == a.slotting.bins
        assert b.report is not None and a.report is not None
        assert _timeless(b.report.to_dict()) == _timeless(a.report.to_dict())
        for name in ("slotting.csv", "replay.csv", "skus.csv", "classes.csv"):
            assert (b.out / name).read_bytes() == (a.out / name).read_bytes(), name


def plan_or_die(task: tuple[WaveTask, int, str]) -> WavePlan:
    """Plan a wave; the first attempt at wave ``victim`` leaves its pid and waits to be
    killed (at most 60 s). Every attempt leaves a file, to count them."""
    wave_task, index, folder = task
    victim = Path(folder) / "victim.pid"
    Path(folder, f"attempt-{index}-{os.getpid()}-{time.monotonic_ns()}").touch()
    if index == 7 and not victim.exists():
        victim.write_text(str(os.getpid()))
        time.sleep(60)
    return plan_wave_task(wave_task)


def _kill_when_marked(path: Path, deadline: float) -> None:
    """Kill the process whose pid appears in ``path`` (loopback: a local Ray worker)."""
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            os.kill(int(path.read_text()), signal.SIGKILL)
            return
        time.sleep(0.05)


def test_a_worker_killed_mid_task_is_retried_and_nothing_is_lost_or_doubled(
    ray_cluster: RayCluster, backlog: tuple[Layout, Slotting, list[Order]], tmp_path: Path
) -> None:
    layout, slotting, orders = backlog
    expected = _plan(layout, slotting, orders, InProcess())
    site = share_site(ray_cluster, layout, {slotting.name: slotting})
    waves = release_waves(orders, layout, slotting, Cart(max_items=20), pickers=1,
                          window_s=700, policy=POLICY)  # fmt: skip
    tasks = [(WaveTask(site, tuple(w), Cart(max_items=20), POLICY), k, str(tmp_path))
             for k, w in enumerate(waves)]  # fmt: skip
    killer = threading.Thread(target=_kill_when_marked,
                              args=(tmp_path / "victim.pid", time.monotonic() + 120))  # fmt: skip
    killer.start()
    plans = ray_cluster.map(plan_or_die, tasks, label="waves")
    killer.join()
    attempts = [p.name.split("-")[1] for p in tmp_path.glob("attempt-*")]
    assert attempts.count("7") == 2, "the killed wave ran again"
    assert sorted(set(attempts), key=int) == [str(k) for k in range(20)]
    assert [_timeless(p.to_dict()) for p in plans] == [
        _timeless(p.to_dict()) for p in expected.waves
    ]
    planned = [o.id for p in plans for b in p.batches for o in b.orders]
    assert sorted(planned) == sorted(o.id for o in orders), "every order once"


def fail_on_three(x: int) -> int:
    if x == 3:
        raise PickoptError("task 3 is wrong")
    return x


def test_a_task_error_comes_back_unwrapped(ray_cluster: RayCluster) -> None:
    with pytest.raises(PickoptError, match="task 3 is wrong"):
        ray_cluster.map(fail_on_three, [1, 2, 3, 4])


def die(x: int) -> int:
    """A task whose worker process dies under it."""
    os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_a_task_whose_worker_dies_past_its_retries_is_one_error(ray_cluster: RayCluster) -> None:
    no_retries = RayCluster(max_retries=0, timeout=120)  # joins the module's running Ray
    with pytest.raises(PickoptError, match="a Ray worker died while running one of the tasks"):
        no_retries.map(die, [1])


def held_by(task: tuple[Shared[Site], int]) -> tuple[int, int, bool]:
    """The worker's process, the identity of the warehouse it reads, and whether a
    second read gives the same object (kept, not fetched again)."""
    first = task[0].get()
    return os.getpid(), id(first), task[0].get() is first


def test_the_warehouse_moves_once_and_each_worker_keeps_it(
    ray_cluster: RayCluster, backlog: tuple[Layout, Slotting, list[Order]]
) -> None:
    layout, slotting, orders = backlog
    site = share_site(ray_cluster, layout, {slotting.name: slotting})
    whole = len(pickle.dumps(site.get()))
    task = WaveTask(site, tuple(orders[:10]), Cart(max_items=20), POLICY)
    assert len(pickle.dumps(task)) < whole / 10, "a task carries a handle, not the warehouse"
    seen: dict[int, set[int]] = {}
    for pid, held, kept in ray_cluster.map(held_by, [(site, k) for k in range(12)]):
        assert kept
        seen.setdefault(pid, set()).add(held)
    assert all(len(objects) == 1 for objects in seen.values()), seen

"""Jobs run once, workers that die idle are replaced before anyone notices, and a
full disk is a 507 that /readyz reports."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import signal
import sqlite3
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from optimizer.service import Settings, create_app, tasks
from optimizer.service.store import SqliteStore
from optimizer.service.workers import WorkerPool
from tests.service.support import AUTH, KEY, SINGLE_TOML, slotting_csv, wave_body

with warnings.catch_warnings():  # newer Starlette prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

COLD = functools.partial(tasks.init_worker, None, False)
TOML = {"Content-Type": "application/toml"}


def _double(ctx: object, x: int) -> int:
    return 2 * x


# ---- leases --------------------------------------------------------------------------
def test_a_job_has_one_owner_until_its_lease_expires(tmp_path: Path) -> None:
    """Two stores on one file: the second cannot claim a held job, can once the lease
    expired, and then the first can no longer write its result."""
    a, b = SqliteStore(tmp_path), SqliteStore(tmp_path)
    a.create_job("j", "wave", "{}")
    assert a.claim_job("j", "server-a", 0.3) is not None
    assert b.claim_job("j", "server-b", 0.3) is None
    assert a.renew_lease("j", "server-a", 0.3)
    time.sleep(0.4)
    assert [j.id for j in b.claimable_jobs()] == ["j"]
    taken = b.claim_job("j", "server-b", 30)
    assert taken is not None and taken.owner == "server-b" and taken.runs == 2
    assert not a.renew_lease("j", "server-a", 0.3)
    assert not a.finish_job("j", result='{"by":"a"}', error=None, owner="server-a")
    assert b.finish_job("j", result='{"by":"b"}', error=None, owner="server-b")
    job = a.get_job("j")
    assert job is not None and (job.status, job.result) == ("done", '{"by":"b"}')
    assert b.claim_job("j", "server-b", 30) is None  # finished jobs are never claimed


class _RecordingPool(WorkerPool):
    """No processes: each wave "runs" for ``seconds`` and is written down."""

    def __init__(self, runs: list[str], seconds: float) -> None:
        super().__init__(1, COLD)
        self.runs = runs
        self.seconds = seconds

    async def start(self) -> None:
        return None

    @property
    def live(self) -> int:
        return 1

    def reap(self) -> int:
        return 0

    async def run(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        self.runs.append(json.dumps(args[4]["orders"]))
        await asyncio.sleep(self.seconds)
        return b'{"plan": 1}'

    async def close(self) -> None:
        return None


def _args(k: int) -> str:
    request = {"orders": [{"id": f"o{k}"}]}
    return json.dumps({"layout": "x", "layout_version": 1, "slotting_version": "identity",
                       "request": request, "time_budget": 0.1})  # fmt: skip


def test_two_servers_on_one_data_directory_run_each_job_once(tmp_path: Path) -> None:
    """Four unfinished jobs, two servers started on the same directory with leases
    shorter than a run: every job runs exactly once (renewal keeps the other off)."""
    store = SqliteStore(tmp_path)
    for k in range(4):
        store.create_job(f"job{k}", "wave", _args(k))
    store.close()
    runs: list[str] = []
    settings = Settings(data_dir=tmp_path, workers=1, api_keys=KEY, job_lease_s=0.3,
                        max_concurrent_jobs=2)  # fmt: skip

    def factory(s: Settings, on_restart: Callable[[str], None]) -> WorkerPool:
        return _RecordingPool(runs, seconds=0.5)

    watcher = SqliteStore(tmp_path)
    with TestClient(create_app(settings, pool_factory=factory)), \
         TestClient(create_app(settings, pool_factory=factory)):  # fmt: skip
        deadline = time.monotonic() + 20
        while watcher.unfinished_jobs() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # two more lease periods: a second run would show now
    finished = SqliteStore(tmp_path)
    assert finished.unfinished_jobs() == []
    assert sorted(runs) == sorted(json.dumps([{"id": f"o{k}"}]) for k in range(4)), runs
    for k in range(4):
        job = finished.get_job(f"job{k}")
        assert job is not None and job.status == "done" and job.runs == 1


def test_a_dead_servers_job_is_taken_over_when_its_lease_expires(tmp_path: Path) -> None:
    """A job claimed by a server that is gone runs once its lease expires, not before."""
    store = SqliteStore(tmp_path)
    store.create_job("gone", "wave", _args(0))
    assert store.claim_job("gone", "dead-server", 1.0) is not None
    runs: list[str] = []
    settings = Settings(data_dir=tmp_path, workers=1, api_keys=KEY, job_lease_s=0.3)

    def factory(s: Settings, on_restart: Callable[[str], None]) -> WorkerPool:
        return _RecordingPool(runs, seconds=0.0)

    with TestClient(create_app(settings, pool_factory=factory), headers=AUTH):
        time.sleep(0.5)
        assert runs == []  # the dead server's lease still holds
        deadline = time.monotonic() + 10
        while runs == [] and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
    job = store.get_job("gone")
    assert len(runs) == 1 and job is not None and job.status == "done" and job.runs == 2


# ---- workers that die idle -------------------------------------------------------------
def test_an_idle_worker_that_died_is_replaced_before_it_gets_work() -> None:
    """kill -9 an idle worker: the next call still succeeds, on a new worker."""

    async def scenario() -> tuple[int, int, list[str]]:
        reasons: list[str] = []
        pool = WorkerPool(1, COLD, on_restart=reasons.append, watch_interval=3600)
        await pool.start()
        try:
            (worker,) = pool._all
            os.kill(worker.pid, signal.SIGKILL)
            worker.process.join(5)
            result = await pool.run(_double, 21, timeout=60)
            return result, pool.restarts, reasons
        finally:
            await pool.close()

    result, restarts, reasons = asyncio.run(scenario())
    assert result == 42 and restarts == 1 and reasons == ["idle-death"]


def test_readyz_reports_a_worker_that_died_idle(tmp_path: Path) -> None:
    """/readyz says not ready right after the death, ready again once replaced."""

    def factory(s: Settings, on_restart: Callable[[str], None]) -> WorkerPool:
        init = functools.partial(tasks.init_worker, str(s.data_dir), False)
        return WorkerPool(1, init, on_restart=on_restart, watch_interval=3600)

    settings = Settings(data_dir=tmp_path, workers=1, api_keys=KEY)
    with TestClient(create_app(settings, pool_factory=factory), headers=AUTH) as c:
        assert c.get("/readyz").status_code == 200
        pool = c.app.state.service.pool  # type: ignore[attr-defined]
        (worker,) = pool._all
        os.kill(worker.pid, signal.SIGKILL)
        worker.process.join(5)
        down = c.get("/readyz")
        assert down.status_code == 503 and down.json()["workers_ready"] == 0
        deadline = time.monotonic() + 60
        while c.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert c.get("/readyz").json()["workers_ready"] == 1
        assert 'reason="idle-death"' in c.get("/metrics").text


# ---- a full disk -------------------------------------------------------------------------
class _FullDisk:
    """A store whose writes fail the way SQLite's do when the disk is full."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def __getattr__(self, name: str) -> Any:
        if name.startswith(("put_", "create_")):

            def full(*args: Any, **kwargs: Any) -> Any:
                raise sqlite3.OperationalError("database or disk is full")

            return full
        return getattr(self.store, name)


def test_a_full_disk_is_507_and_not_ready(tmp_path: Path) -> None:
    """An upload on a full disk: 507 naming the data directory, /readyz 503 "full"."""

    def factory(s: Settings, on_restart: Callable[[str], None]) -> WorkerPool:
        init = functools.partial(tasks.init_worker, str(s.data_dir), False)
        return WorkerPool(1, init, on_restart=on_restart)

    settings = Settings(data_dir=tmp_path, workers=1, api_keys=KEY)
    with TestClient(create_app(settings, pool_factory=factory), headers=AUTH) as c:
        service = c.app.state.service  # type: ignore[attr-defined]
        service.store = _FullDisk(service.store)
        r = c.put("/v1/layouts/single_block", content=SINGLE_TOML, headers=TOML)
        assert r.status_code == 507, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert "full" in r.json()["detail"] and str(tmp_path) in r.json()["detail"]
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["store"] == "full"
        service.storage_full_at -= 120  # forgotten after a minute without writes: the
        assert c.get("/readyz").status_code == 200  # free-space check decides (room here)
        service.storage_full_at += 120
        service.store = service.store.store  # space again: the next write clears it
        assert c.put("/v1/layouts/single_block", content=SINGLE_TOML,
                     headers=TOML).status_code == 201  # fmt: skip
        assert c.get("/readyz").status_code == 200


# ---- idempotent submits and versions that belong together ----------------------------------
def _cold(s: Settings, on_restart: Callable[[str], None]) -> WorkerPool:
    init = functools.partial(tasks.init_worker, str(s.data_dir), False)
    return WorkerPool(1, init, on_restart=on_restart)


def test_a_retried_submit_with_an_idempotency_key_makes_one_job(tmp_path: Path) -> None:
    """Same key, same wave: the same job (202 both times); same key, another wave: 409;
    no key: a job each time."""
    settings = Settings(data_dir=tmp_path, workers=1, api_keys=KEY)
    with TestClient(create_app(settings, pool_factory=_cold), headers=AUTH) as c:
        assert c.put("/v1/layouts/single_block", content=SINGLE_TOML,
                     headers=TOML).status_code == 201  # fmt: skip
        body = wave_body(5, slotting_version="identity")
        submit = functools.partial(c.post, "/v1/waves", params={"async": "true"})
        key = {"Idempotency-Key": "wms-wave-2026-12-06-0001"}
        first, retry = submit(json=body, headers=key), submit(json=body, headers=key)
        other = submit(json=wave_body(6, slotting_version="identity"), headers=key)
        plain = [submit(json=body).json()["id"] for _ in range(2)]
    assert first.status_code == retry.status_code == 202
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["Location"] == first.headers["Location"]
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    assert len(set(plain)) == 2 and first.json()["id"] not in plain
    with sqlite3.connect(tmp_path / "pickopt.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM jobs").fetchone()[0] == 3


def test_a_wave_on_layout_v1_with_a_slotting_checked_against_v2_is_409(tmp_path: Path) -> None:
    """Pinned to v1, the latest slotting belongs to v2: refused, naming both versions;
    with the slotting that belongs to v1 pinned too, the wave is planned."""
    settings = Settings(data_dir=tmp_path, workers=1, api_keys=KEY)
    csv = {"Content-Type": "text/csv"}
    with TestClient(create_app(settings, pool_factory=_cold), headers=AUTH) as c:
        c.put("/v1/layouts/single_block", content=SINGLE_TOML, headers=TOML)
        first = c.put("/v1/layouts/single_block/slotting", content=slotting_csv(0), headers=csv)
        wider = SINGLE_TOML.replace("aisle_spacing = 5.0", "aisle_spacing = 6.0")
        assert c.put("/v1/layouts/single_block", content=wider, headers=TOML).json()[
            "version"] == 2  # fmt: skip
        c.put("/v1/layouts/single_block/slotting", content=slotting_csv(0), headers=csv)
        mixed = c.post("/v1/waves", json=wave_body(5, layout_version=1))
        pinned = c.post(
            "/v1/waves",
            json=wave_body(5, layout_version=1, slotting_version=first.json()["version"]),
        )
    assert mixed.status_code == 409, mixed.text
    detail = mixed.json()["detail"]
    assert "layout version 2" in detail and "layout version 1" in detail
    assert mixed.json()["field"] == "slotting_version"
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["layout_version"] == 1

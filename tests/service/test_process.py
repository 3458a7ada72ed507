"""The service as a real process on loopback: what it stores survives a graceful
restart and a ``kill -9`` in the middle of writes."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx

from tests.service.support import (
    SINGLE_TOML,
    running_server,
    slotting_csv,
    wave_body,
    without_timings,
)

TOML = {"Content-Type": "application/toml"}


def test_restart_keeps_layouts_plans_and_job_results(tmp_path: Path) -> None:
    """Upload a layout and slotting, plan a wave and run a wave job; after a restart
    the layout is still there, gives the same plan, and the job result is kept."""
    data = tmp_path / "data"
    body = wave_body(60, seed=3, policy={"batching": "savings"})
    with running_server(data) as server, server.client() as c:
        put = c.put("/v1/layouts/single_block", content=SINGLE_TOML, headers=TOML)
        assert put.status_code == 201, put.text
        slot = c.put("/v1/layouts/single_block/slotting", content=slotting_csv(3),
                     headers={"Content-Type": "text/csv"})  # fmt: skip
        assert slot.status_code == 201, slot.text
        before = c.post("/v1/waves", json=body)
        assert before.status_code == 200, before.text
        job = c.post("/v1/waves", params={"async": "true"}, json=body)
        assert job.status_code == 202, job.text
        job_url = job.headers["Location"]
        for _ in range(600):
            done = c.get(job_url).json()
            if done["status"] in ("done", "failed"):
                break
            time.sleep(0.05)
        assert done["status"] == "done", done
    with running_server(data) as server, server.client() as c:
        layout = c.get("/v1/layouts/single_block")
        after = c.post("/v1/waves", json=body)
        kept = c.get(job_url).json()
    assert layout.status_code == 200
    assert layout.json()["version"] == put.json()["version"] == 1
    assert layout.json()["layout_hash"] == put.json()["layout_hash"]
    assert after.status_code == 200, after.text
    assert without_timings(after.json()) == without_timings(before.json())
    assert kept == done


def _spec(k: int) -> str:
    """Layout specs that differ in content, so every upload is a new version."""
    return SINGLE_TOML.replace("cell_length = 1.0", f"cell_length = {1 + k / 1000}")


def test_kill_9_mid_write_loses_no_acknowledged_upload(tmp_path: Path) -> None:
    """While uploads stream in, ``kill -9`` the server; after a restart the database is
    intact and every upload the server acknowledged is there with its content."""
    data = tmp_path / "data"
    acked: dict[int, str] = {}  # version -> layout hash the server answered
    stop = threading.Event()

    def upload(url: str) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": "Bearer "
                          "test-key-0123456789abcdef"}, timeout=10) as c:  # fmt: skip
            k = 0
            while not stop.is_set() and k < 10_000:
                try:
                    r = c.put("/v1/layouts/churn", content=_spec(k), headers=TOML)
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 201:
                    acked[r.json()["version"]] = r.json()["layout_hash"]
                k += 1

    with running_server(data) as server:
        with server.client() as c:
            assert c.put("/v1/layouts/single_block", content=SINGLE_TOML,
                         headers=TOML).status_code == 201  # fmt: skip
            before = c.post(
                "/v1/waves",
                json=wave_body(30, slotting_version="identity", policy={"batching": "savings"}),
            )
        writer = threading.Thread(target=upload, args=(server.url,))
        writer.start()
        deadline = time.monotonic() + 30
        while len(acked) < 25 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill9()
        stop.set()
        writer.join(30)
    assert len(acked) >= 25
    db = sqlite3.connect(data / "pickopt.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    with running_server(data) as server, server.client() as c:
        versions = {v["version"]: v["layout_hash"]
                    for v in c.get("/v1/layouts/churn/versions").json()["versions"]}  # fmt: skip
        after = c.post(
            "/v1/waves",
            json=wave_body(30, slotting_version="identity", policy={"batching": "savings"}),
        )
        fresh = c.put("/v1/layouts/churn", content=_spec(99_999), headers=TOML)
    assert all(versions.get(v) == h for v, h in acked.items())
    assert sorted(versions) == list(range(1, len(versions) + 1))
    assert fresh.status_code == 201 and fresh.json()["version"] == max(versions) + 1
    assert without_timings(after.json()) == without_timings(before.json())

"""Soak test of the HTTP service: uploads of large layouts mixed with waves and jobs.

Starts ``pickopt serve`` on 127.0.0.1 with a worker memory budget
(``--memory-mb``, i.e. ``PICKOPT_WORKER_MEMORY_MB``), then runs ``--clients``
clients for ``--duration`` seconds. Each client draws, from its own seeded
random stream: an upload of one of a few large layouts (tens of thousands of
slots), a synchronous wave, an asynchronous wave job submitted twice with the
same ``Idempotency-Key`` (a client retrying), or a route. The run is bounded
in time and in requests (``--max-requests``), then waits (bounded) for every
job, stops the server and reads its store.

It reports the largest resident memory of any solver worker (sampled from
``/proc`` twice a second) against the budget, the count of 5xx answers, jobs
lost (acknowledged but never finished) and jobs run or created twice.

    .venv/bin/python benches/soak_service.py                       # 20 clients, 10 minutes
    .venv/bin/python benches/soak_service.py --clients 10 --duration 60   # a quick look

Writes ``benches/results/service_soak.md`` and ``.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from _common import start_server  # benches/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optimizer.layout import Layout  # noqa: E402
from optimizer.synthetic.instances import large_wave  # noqa: E402

LAYOUT_FILE = ROOT / "layouts" / "single_block.toml"
#: Large layouts the clients upload: (aisles, cells per side, blocks) -> 2 * a * c * b slots.
LARGE = [(100, 100, 2), (120, 80, 3), (80, 125, 4), (150, 60, 3)]
MIX = (("upload", 0.1), ("wave", 0.45), ("job", 0.25), ("route", 0.2))


def _large_spec(aisles: int, cells: int, blocks: int) -> dict[str, Any]:
    return {"kind": "parallel-aisles", "aisles": aisles, "cells": cells, "blocks": blocks,
            "cell_length": 1.0, "aisle_spacing": 3.0, "cross_aisle_to_cell": 1.0,
            "depots": [{"name": "D", "aisle": 1}]}  # fmt: skip


def _children_rss(pid: int) -> dict[int, int]:
    """Resident bytes of each child process of ``pid`` (Linux ``/proc``)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[int(entry.name)] = int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return out


async def _sample_rss(pid: int, stop: asyncio.Event, peak: dict[str, int]) -> None:
    while not stop.is_set():
        for rss in _children_rss(pid).values():
            peak["max"] = max(peak["max"], rss)
        await asyncio.sleep(0.5)


class Soak:
    """The shared state of one run."""

    def __init__(self, args: argparse.Namespace, bodies: list[str]) -> None:
        self.args = args
        self.bodies = bodies
        self.t0 = time.monotonic()
        self.left = args.max_requests
        self.statuses: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.errors: list[str] = []
        self.jobs: dict[str, str] = {}  # idempotency key -> job id
        self.duplicate_ids = 0

    def running(self) -> bool:
        return time.monotonic() - self.t0 < self.args.duration and self.left > 0

    def record(self, kind: str, r: httpx.Response | str) -> None:
        status = r if isinstance(r, str) else str(r.status_code)
        self.statuses[status] += 1
        self.kinds[kind] += 1
        if status.startswith("5") or not status.isdigit():
            detail = r if isinstance(r, str) else r.text[:300]
            self.errors.append(f"{kind}: {status} {detail}")


async def _client(k: int, soak: Soak, http: httpx.AsyncClient) -> None:
    rng = random.Random(k)
    kinds, weights = zip(*MIX, strict=True)
    while soak.running():
        soak.left -= 1
        kind = rng.choices(kinds, weights)[0]
        try:
            await _one(kind, rng, soak, http)
        except httpx.HTTPError as exc:
            soak.record(kind, type(exc).__name__)


async def _one(kind: str, rng: random.Random, soak: Soak, http: httpx.AsyncClient) -> None:
    json_type = {"Content-Type": "application/json"}
    if kind == "upload":
        shape = rng.choice(LARGE)
        spec = _large_spec(*shape)
        spec["aisle_spacing"] = 3.0 + rng.randrange(4) / 10  # sometimes a new version
        name = "large-{}x{}x{}".format(*shape)
        soak.record(kind, await http.put(f"/v1/layouts/{name}", json=spec))
    elif kind == "wave":
        body = rng.choice(soak.bodies)
        soak.record(kind, await http.post("/v1/waves", content=body, headers=json_type))
    elif kind == "job":
        body = rng.choice(soak.bodies)
        key = secrets.token_hex(12)
        ids = []
        for _ in range(2):  # the client "retries": the same key must give the same job
            r = await http.post("/v1/waves", params={"async": "true"}, content=body,
                                headers={**json_type, "Idempotency-Key": key})  # fmt: skip
            soak.record(kind, r)
            if r.status_code == 202:
                ids.append(r.json()["id"])
        if ids:
            soak.jobs[key] = ids[0]
            soak.duplicate_ids += len(set(ids)) - 1
    else:
        picks = ["A01-B1-001-L-1", "A05-B1-020-R-1", "A09-B1-040-L-1"]
        r = await http.post("/v1/routes", json={"layout": "single_block", "picks": picks})
        soak.record(kind, r)


async def _wait_for_jobs(http: httpx.AsyncClient, ids: list[str], limit: float
                         ) -> dict[str, str]:  # fmt: skip
    """Each job's final status (or the last one seen when ``limit`` seconds ran out)."""
    status = dict.fromkeys(ids, "unknown")
    deadline = time.monotonic() + limit
    pending = set(ids)
    while pending and time.monotonic() < deadline:
        for job in list(pending):
            r = await http.get(f"/v1/jobs/{job}")
            status[job] = r.json().get("status", str(r.status_code)) if r.status_code == 200 \
                else str(r.status_code)  # fmt: skip
            if status[job] in ("done", "failed"):
                pending.discard(job)
        await asyncio.sleep(0.5)
    return status


def _bodies(n: int) -> tuple[str, list[str]]:
    layout = Layout.from_file(LAYOUT_FILE)
    slotting, orders = large_wave(layout, 100 * n, seed=0)
    csv = "sku,bin\n" + "".join(f"{s},{b}\n" for s, b in sorted(slotting.bins.items()))
    bodies = []
    for k in range(n):
        wave = orders[100 * k : 100 * (k + 1)]
        bodies.append(json.dumps({
            "layout": "single_block",
            "orders": [{"id": o.id, "lines": [{"sku": ln.sku, "qty": ln.qty} for ln in o.lines]}
                       for o in wave],
            "cart": {"max_items": 45}, "policy": {"seed": k},
        }))  # fmt: skip
    return csv, bodies


async def _run(args: argparse.Namespace, url: str, key: str, pid: int, csv: str,
               bodies: list[str]) -> dict[str, Any]:  # fmt: skip
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=args.clients + 2)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=600,
                                 limits=limits) as http:  # fmt: skip
        toml = {"Content-Type": "application/toml"}
        (await http.put("/v1/layouts/single_block", content=LAYOUT_FILE.read_text(),
                        headers=toml)).raise_for_status()  # fmt: skip
        (await http.put("/v1/layouts/single_block/slotting", content=csv,
                        headers={"Content-Type": "text/csv"})).raise_for_status()  # fmt: skip
        soak = Soak(args, bodies)
        stop, peak = asyncio.Event(), {"max": 0}
        sampler = asyncio.ensure_future(_sample_rss(pid, stop, peak))
        await asyncio.gather(*(_client(k, soak, http) for k in range(args.clients)))
        elapsed = time.monotonic() - soak.t0
        final = await _wait_for_jobs(http, list(soak.jobs.values()), args.job_wait)
        metrics = (await http.get("/metrics")).text
        stop.set()
        await sampler
    lost = sorted(j for j, s in final.items() if s not in ("done", "failed"))
    return {"soak": soak, "elapsed": elapsed, "final": final, "lost": lost,
            "peak_rss": peak["max"], "metrics": metrics}  # fmt: skip


def _runs_per_job(data: Path) -> Counter[int]:
    with sqlite3.connect(data / "pickopt.sqlite3") as db:
        return Counter(int(r[0]) for r in db.execute("SELECT runs FROM jobs"))


def _pairs(counts: dict[str, Any], sep: str) -> str:
    return ", ".join(f"{k}{sep}{v}" for k, v in counts.items())


def _markdown(res: dict[str, Any]) -> str:
    budget = res["memory_mb"]
    rows = [
        ("clients, duration", f"{res['clients']}, {res['elapsed_s']:.0f} s"),
        ("requests", f"{res['requests']:,} ({_pairs(res['kinds'], ' ')})"),
        ("answers by status", _pairs(dict(sorted(res["statuses"].items())), ": ")),
        ("5xx answers", str(res["5xx"])),
        ("worker RSS max / budget", f"{res['worker_rss_max_mb']:.0f} MB / {budget} MB"),
        ("jobs acknowledged", str(res["jobs"])),
        ("jobs lost", str(len(res["lost"]))),
        ("jobs duplicated (a retry made a 2nd job, or a job ran twice)", str(res["duplicated"])),
        ("workers replaced (reason: count)", res["restarts"] or "none"),
    ]  # fmt: skip
    lines = [
        "# Service soak test", "",
        f"`{res['command']}`", "",
        f"{res['workers']} solver workers, `PICKOPT_WORKER_MEMORY_MB={budget}`, on "
        f"{res['machine']}. Mix: {', '.join(f'{k} {w:.0%}' for k, w in MIX)}; uploads are "
        f"layouts of {min(2 * a * c * b for a, c, b in LARGE):,}-"
        f"{max(2 * a * c * b for a, c, b in LARGE):,} slots.", "",
        "| measure | value |", "|---|---|",
        *(f"| {k} | {v} |" for k, v in rows), "",
    ]  # fmt: skip
    if res["errors"]:
        lines += ["First errors:", "", *(f"- `{e}`" for e in res["errors"][:10]), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the soak test; 0 if no 5xx, no job lost or duplicated and RSS under budget."""
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--duration", type=float, default=600.0, help="seconds of load")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--memory-mb", type=int, default=1024, help="PICKOPT_WORKER_MEMORY_MB")
    p.add_argument("--max-requests", type=int, default=200_000)
    p.add_argument("--job-wait", type=float, default=300.0, help="seconds to wait for jobs")
    p.add_argument("--out", type=Path, default=ROOT / "benches" / "results" / "service_soak")
    args = p.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.duration > 3600:
        raise SystemExit("--clients >= 1 and 0 < --duration <= 3600 seconds")
    key = secrets.token_hex(24)
    csv, bodies = _bodies(40)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        proc, url = start_server(
            data, key, args.workers, {"PICKOPT_WORKER_MEMORY_MB": str(args.memory_mb)}
        )
        try:
            out = asyncio.run(_run(args, url, key, proc.pid, csv, bodies))
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        runs = _runs_per_job(data)
    soak: Soak = out["soak"]
    restarts = {line.split('reason="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
                for line in out["metrics"].splitlines()
                if line.startswith("pickopt_worker_restarts_total{")}  # fmt: skip
    fives = sum(v for k, v in soak.statuses.items() if k.startswith("5") or not k.isdigit())
    res = {
        "command": "python benches/soak_service.py " + " ".join(sys.argv[1:] if argv is None
                                                               else argv),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "clients": args.clients, "workers": args.workers, "memory_mb": args.memory_mb,
        "elapsed_s": out["elapsed"], "requests": sum(soak.kinds.values()),
        "kinds": dict(soak.kinds), "statuses": dict(soak.statuses), "5xx": fives,
        "worker_rss_max_mb": out["peak_rss"] / 2**20, "jobs": len(soak.jobs),
        "lost": out["lost"], "duplicated": soak.duplicate_ids + sum(
            n for r, n in runs.items() if r > 1),
        "runs_per_job": {str(k): v for k, v in runs.items()},
        "restarts": ", ".join(f"{k}: {v:g}" for k, v in restarts.items()),
        "errors": soak.errors[:50],
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(_markdown(res))
    print(_markdown(res))
    ok = fives == 0 and not res["lost"] and res["duplicated"] == 0
    return 0 if ok and res["worker_rss_max_mb"] <= args.memory_mb else 1


if __name__ == "__main__":
    raise SystemExit(main())

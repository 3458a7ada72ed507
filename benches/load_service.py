"""Load test of the HTTP service: concurrent clients planning 100-order waves.

Starts ``pickopt serve`` on 127.0.0.1 (or uses ``--url``, which must be a
loopback address), uploads a layout (``--layout``, default the single-block one)
and a slotting, then runs
``--clients`` clients for ``--duration`` seconds. Each client sends its waves
on a fixed schedule (together ``--rate`` waves per second, 10.5 by default;
``--rate 0`` means back to back) and waits for each answer. Pacing is what
makes latency meaningful: 20 clients sending back to back measure only the
queue (latency = 20 / throughput, Little's law). The run is bounded in time
and in requests (``--max-requests``) and stops by itself.

    .venv/bin/python benches/load_service.py                 # the README figures
    .venv/bin/python benches/load_service.py --rate 0 --duration 20   # saturation
    .venv/bin/python benches/load_service.py --layout fishbone.json \
        --out benches/results/service_load_fishbone    # off the exact DP's layouts

Writes ``benches/results/service_load.md`` and ``.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from _common import start_server  # benches/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optimizer.layout import Layout  # noqa: E402
from optimizer.orders import Order, Slotting  # noqa: E402
from optimizer.synthetic import large_wave  # noqa: E402

LAYOUTS = ROOT / "layouts"
BACKLOG_WAVES = 50  # distinct waves the clients send, in turn
LAYOUT_TYPES = {".toml": "application/toml", ".json": "application/json"}


def _loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SystemExit(f"refusing to load-test {url}: only loopback addresses are allowed")


def backlog(layout: Layout, n_waves: int, n_orders: int) -> tuple[Slotting, list[list[Order]]]:
    """The slotting and ``n_waves`` waves of ``n_orders``: consecutive slices of one
    seeded backlog, so that every wave uses the same slotting (the waves the load
    test sends, ``BACKLOG_WAVES`` of them)."""
    slotting, orders = large_wave(layout, max(1, n_waves * n_orders), seed=0)
    return slotting, [orders[k * n_orders : (k + 1) * n_orders] for k in range(n_waves)]


def _waves(
    file: Path, n_waves: int, n_orders: int, policy: dict[str, Any]
) -> tuple[str, list[bytes]]:
    """The slotting CSV and ``n_waves`` distinct request bodies of :func:`backlog`."""
    slotting, waves = backlog(Layout.from_file(file), n_waves, n_orders)
    csv = "sku,bin\n" + "".join(f"{s},{b}\n" for s, b in sorted(slotting.bins.items()))
    bodies = []
    for k, wave in enumerate(waves):
        body = {
            "layout": file.stem,
            "orders": [{"id": o.id, "lines": [{"sku": ln.sku, "qty": ln.qty} for ln in o.lines]}
                       for o in wave],
            "cart": {"max_items": 45},
            "policy": {"seed": k, **policy},
        }  # fmt: skip
        bodies.append(json.dumps(body).encode())
    return csv, bodies


async def _client(
    k: int, args: argparse.Namespace, http: httpx.AsyncClient, bodies: list[bytes],
    t0: float, results: list[dict[str, Any]], budget: list[int],
) -> None:  # fmt: skip
    interval = args.clients / args.rate if args.rate > 0 else 0.0
    next_at = t0 + (k * interval / args.clients if interval else 0.0)
    i = k
    while True:
        now = time.perf_counter()
        if now - t0 >= args.duration or budget[0] <= 0:
            return
        if next_at > now:
            if next_at - t0 >= args.duration:
                return
            await asyncio.sleep(next_at - now)
        budget[0] -= 1
        body = bodies[i % len(bodies)]
        i += args.clients
        start = time.perf_counter()
        try:
            r = await http.post("/v1/waves", content=body,
                                headers={"Content-Type": "application/json"})  # fmt: skip
            status = r.status_code
            solve = r.json()["summary"]["seconds"] if status == 200 else None
        except httpx.HTTPError as exc:
            status, solve = f"{type(exc).__name__}", None
        end = time.perf_counter()
        results.append({"start": start - t0, "latency": end - start, "status": status,
                        "solve": solve})  # fmt: skip
        next_at = max(next_at + interval, time.perf_counter()) if interval else end


def _tree_cpu(pid: int | None) -> dict[int, float]:
    """CPU seconds (user + system) of process ``pid`` and its descendants, by pid
    (Linux ``/proc``; empty without a pid or a ``/proc``)."""
    if pid is None or not Path("/proc").is_dir():
        return {}
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        parent[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, todo = {pid}, [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p and c not in tree]
        tree.update(kids)
        todo.extend(kids)
    return {p: cpu[p] for p in tree if p in cpu}


def _cpu_per_wave(
    before: dict[int, float], after: dict[int, float], pid: int | None, waves: int
) -> dict[str, float]:
    """CPU milliseconds per answered wave of the server's main process and of its
    workers (every descendant), from two :func:`_tree_cpu` snapshots."""
    if pid is None or not waves:
        return {}
    spent = {p: after[p] - before.get(p, 0.0) for p in after}
    main = spent.pop(pid, 0.0)
    return {"server_ms": 1000 * main / waves, "workers_ms": 1000 * sum(spent.values()) / waves}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def _run(args: argparse.Namespace, url: str, key: str, bodies: list[bytes],
               server: int | None) -> dict[str, Any]:  # fmt: skip
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"},
                                 limits=limits, timeout=30) as http:  # fmt: skip
        for body in bodies[: 4 * args.workers]:  # every worker caches the layout first
            r = await http.post("/v1/waves", content=body,
                                headers={"Content-Type": "application/json"})  # fmt: skip
            r.raise_for_status()
        results: list[dict[str, Any]] = []
        budget = [args.max_requests]
        load_before = os.getloadavg()
        cpu_before, own_before = _tree_cpu(server), time.process_time()
        t0 = time.perf_counter()
        await asyncio.gather(*(_client(k, args, http, bodies, t0, results, budget)
                               for k in range(args.clients)))  # fmt: skip
        cpu_after, own_after = _tree_cpu(server), time.process_time()
        load_after = os.getloadavg()
        elapsed = max((r["start"] + r["latency"] for r in results), default=args.duration)
        metrics = (await http.get("/metrics")).text
    ok = [r for r in results if r["status"] == 200]
    lat = [r["latency"] for r in ok]
    solve = [r["solve"] for r in ok if r["solve"] is not None]
    errors: dict[str, int] = {}
    for r in results:
        if r["status"] != 200:
            errors[str(r["status"])] = errors.get(str(r["status"]), 0) + 1
    return {
        "requests": len(results), "ok": len(ok), "errors": errors, "elapsed_s": elapsed,
        "waves_per_s": len(ok) / elapsed,
        "latency_ms": {"p50": 1000 * _pct(lat, 0.5), "p90": 1000 * _pct(lat, 0.9),
                       "p99": 1000 * _pct(lat, 0.99), "max": 1000 * max(lat, default=0),
                       "mean": 1000 * statistics.fmean(lat) if lat else float("nan")},
        "solve_ms": {"p50": 1000 * _pct(solve, 0.5), "p99": 1000 * _pct(solve, 0.99)},
        "worker_restarts": sum(float(line.split()[-1]) for line in metrics.splitlines()
                               if line.startswith("pickopt_worker_restarts_total")),
        "cpu_per_wave_ms": _cpu_per_wave(cpu_before, cpu_after, server, len(ok))
                           | {"load_generator_ms": 1000 * (own_after - own_before)
                              / max(len(ok), 1)},
        "load_average": {"before": list(load_before), "after": list(load_after)},
    }  # fmt: skip


def _markdown(args: argparse.Namespace, res: dict[str, Any], command: str) -> str:
    lat = res["latency_ms"]
    ok = (not res["errors"] and lat["p50"] < 150 and lat["p99"] < 500
          and res["waves_per_s"] >= 10)  # fmt: skip
    policy = json.dumps(json.loads(args.policy)) if args.policy else "server defaults"
    parts = {"server": "server_ms", "workers": "workers_ms", "load generator": "load_generator_ms"}
    shown = {name: res["cpu_per_wave_ms"][k] for name, k in parts.items()
             if k in res["cpu_per_wave_ms"]}  # fmt: skip
    cpu = " / ".join(shown)
    cpu_ms = " / ".join(f"{v:.0f}" for v in shown.values())
    load = res["load_average"]
    lines = [
        "# Service load test",
        "",
        f"`{command}`",
        "",
        f"{args.clients} concurrent clients, each planning {args.orders}-order waves "
        f"(layout `{args.layout}`, 1-10 lines per order, cart of 45 items, policy: {policy}, "
        f"time budget: server default) for {args.duration:g} s"
        + (f", paced at {args.rate:g} waves/s in total." if args.rate > 0 else ", back to back."),
        "Each client waits for its answer and keeps to its schedule (back to back when "
        "late), so latency includes any queueing in the server.",
        f"Server: `pickopt serve --workers {args.workers}` on 127.0.0.1; machine: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; the load generator "
        "runs on the same machine.",
        "",
        "| measure | value | goal |",
        "|---|---|---|",
        f"| requests | {res['requests']} | |",
        f"| errors | {sum(res['errors'].values())} {res['errors'] or ''} | 0 |",
        f"| waves per second | {res['waves_per_s']:.1f} | >= 10 |",
        f"| latency p50 | {lat['p50']:.0f} ms | < 150 ms |",
        f"| latency p90 | {lat['p90']:.0f} ms | |",
        f"| latency p99 | {lat['p99']:.0f} ms | < 500 ms |",
        f"| latency max | {lat['max']:.0f} ms | |",
        f"| solve time in the worker p50 / p99 | {res['solve_ms']['p50']:.0f} / "
        f"{res['solve_ms']['p99']:.0f} ms | |",
        f"| worker restarts | {res['worker_restarts']:.0f} | 0 |",
        f"| CPU per wave: {cpu} | {cpu_ms} ms | |",
        f"| load average (1 min) before / after | {load['before'][0]:.2f} / "
        f"{load['after'][0]:.2f} | |",
        "",
        f"Goals {'met' if ok else 'NOT met'}.",
        "",
        "*CPU per wave*: CPU time (user + system, from `/proc`) of the server's main "
        "process, of its workers and of this load generator over the timed run, per answered "
        "wave; on 2 cores 10 waves/s leave at most 200 ms of CPU per wave for all three. "
        "A busy machine (other load: see the load average) slows the waves in wall time "
        "more than in CPU time.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--url", help="a running server on loopback (default: start one)")
    p.add_argument("--key", help="its API key (with --url)")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--duration", type=float, default=60.0, help="seconds (at most 600)")
    p.add_argument("--rate", type=float, default=10.5, help="waves/s in total; 0 = back to back")
    p.add_argument("--orders", type=int, default=100)
    p.add_argument("--workers", type=int, default=2, help="solver processes of the server")
    p.add_argument("--policy", default="", help='JSON policy, e.g. \'{"batching": "savings"}\'')
    p.add_argument("--layout", default="single_block.toml", choices=sorted(
        f.name for f in LAYOUTS.iterdir() if f.suffix in LAYOUT_TYPES))  # fmt: skip
    p.add_argument("--max-requests", type=int, default=20_000)
    p.add_argument("--out", default=str(ROOT / "benches" / "results" / "service_load"))
    args = p.parse_args(argv)
    if not 0 < args.duration <= 600 or args.clients < 1 or args.max_requests < 1:
        raise SystemExit("--duration must be in (0, 600], --clients and --max-requests >= 1")
    given = argv if argv is not None else sys.argv[1:]
    command = " ".join(["python benches/load_service.py", *given])
    file = LAYOUTS / args.layout
    _, bodies = _waves(file, BACKLOG_WAVES, args.orders,
                       json.loads(args.policy) if args.policy else {})  # fmt: skip
    csv, _ = _waves(file, 0, 1, {})
    proc = None
    tmp = tempfile.TemporaryDirectory(prefix="pickopt-load-")
    try:
        if args.url:
            _loopback(args.url)
            url, key = args.url.rstrip("/"), args.key or os.environ.get("PICKOPT_API_KEY", "")
        else:
            key = secrets.token_hex(24)
            proc, url = start_server(Path(tmp.name) / "data", key, args.workers)
        auth = {"Authorization": f"Bearer {key}"}
        httpx.put(f"{url}/v1/layouts/{file.stem}", content=file.read_text(),
                  headers={**auth, "Content-Type": LAYOUT_TYPES[file.suffix]},
                  timeout=60).raise_for_status()  # fmt: skip
        httpx.put(
            f"{url}/v1/layouts/{file.stem}/slotting",
            content=csv,
            headers={**auth, "Content-Type": "text/csv"},
            timeout=60,
        ).raise_for_status()
        res = asyncio.run(_run(args, url, key, bodies, proc.pid if proc is not None else None))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        tmp.cleanup()
    text = _markdown(args, res, command)
    print(text)
    out = Path(args.out)
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".json").write_text(json.dumps({"args": vars(args), **res}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

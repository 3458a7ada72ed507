"""Prometheus metrics of one app (its own registry, so apps in tests do not collide)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics", "LATENCY_BUCKETS"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0,
                   2.5, 5.0, 10.0, 30.0, 60.0)  # fmt: skip


@dataclass
class Metrics:
    """Request latency, waves planned, errors, worker restarts, pool size and memory."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.latency = Histogram(
            "pickopt_request_duration_seconds", "HTTP request latency",
            ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.waves = Counter("pickopt_waves_planned", "Waves planned", ["mode"], registry=r)
        self.routes = Counter("pickopt_routes_planned", "Routes planned", registry=r)
        self.errors = Counter(
            "pickopt_errors", "Error responses by status and problem type",
            ["status", "type"], registry=r,
        )  # fmt: skip
        self.restarts = Counter(
            "pickopt_worker_restarts", "Solver workers replaced", ["reason"], registry=r
        )
        self.workers = Gauge("pickopt_workers_live", "Solver workers running", registry=r)
        self.worker_rss = Gauge(
            "pickopt_worker_peak_rss_bytes", "Most resident memory a solver worker held "
            "after a task", registry=r,
        )  # fmt: skip
        self.jobs = Counter("pickopt_jobs_finished", "Wave jobs finished", ["status"], registry=r)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)

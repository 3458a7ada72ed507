"""Persistent storage of layouts, slottings and wave jobs.

:class:`Store` is the small interface the service needs; :class:`SqliteStore`
implements it on one SQLite file in the data directory, in WAL mode with
``synchronous=FULL`` so that an acknowledged write survives a crash of the
process or the machine, and a ``kill -9`` mid-write leaves the previous state.

Layout and slotting versions are immutable rows numbered 1, 2, ... per layout
name; uploading the same content as the latest version returns that version.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "Store",
    "SqliteStore",
    "LayoutRecord",
    "LayoutSummary",
    "SlottingRecord",
    "JobRecord",
    "JOB_STATUSES",
    "open_store",
]

JOB_STATUSES = ("queued", "running", "done", "failed")
DB_NAME = "pickopt.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS layouts (
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    digest      TEXT    NOT NULL,
    layout_hash TEXT    NOT NULL,
    format      TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    spec        TEXT    NOT NULL,
    info        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS slottings (
    layout         TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    digest         TEXT    NOT NULL,
    layout_version INTEGER NOT NULL,
    skus           INTEGER NOT NULL,
    bins           TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    PRIMARY KEY (layout, version)
);
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    request     TEXT NOT NULL,
    result      TEXT,
    error       TEXT,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT
);
"""

_LATEST_LAYOUT = "SELECT * FROM layouts WHERE name = ? ORDER BY version DESC LIMIT 1"
_LATEST_SLOTTING = "SELECT * FROM slottings WHERE layout = ? ORDER BY version DESC LIMIT 1"
_LIST_LAYOUTS = """
SELECT l.name, l.version, l.layout_hash, l.created_at, c.n FROM layouts l
JOIN (SELECT name, max(version) AS v, count(*) AS n FROM layouts GROUP BY name) c
  ON l.name = c.name AND l.version = c.v
ORDER BY l.name
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class LayoutRecord:
    """One stored layout version: the canonical JSON spec and what it compiled to."""

    name: str
    version: int
    digest: str
    layout_hash: str
    format: str
    source: str
    spec: str
    info: dict[str, Any]
    created_at: str


@dataclass(frozen=True)
class LayoutSummary:
    """A layout name with its latest version."""

    name: str
    latest_version: int
    versions: int
    layout_hash: str
    updated_at: str


@dataclass(frozen=True)
class SlottingRecord:
    """One stored slotting version of a layout (``bins`` is JSON text)."""

    layout: str
    version: int
    digest: str
    layout_version: int
    skus: int
    bins: str
    created_at: str


@dataclass(frozen=True)
class JobRecord:
    """An asynchronous job: its request, status and, once finished, result or error."""

    id: str
    kind: str
    status: str
    request: str
    result: str | None
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None


class Store(Protocol):
    """What the service stores; every method is blocking and thread-safe."""

    def put_layout(
        self,
        name: str,
        *,
        digest: str,
        layout_hash: str,
        format: str,
        source: str,
        spec: str,
        info: dict[str, Any],
    ) -> tuple[LayoutRecord, bool]:
        """Store a new version (or return the latest if ``digest`` matches it); True if new."""
        ...

    def get_layout(self, name: str, version: int | None = None) -> LayoutRecord | None:
        """A version of a layout, the latest when ``version`` is None."""
        ...

    def layout_versions(self, name: str) -> list[LayoutRecord]:
        """Every version of a layout, oldest first."""
        ...

    def list_layouts(self) -> list[LayoutSummary]:
        """Every layout name with its latest version, by name."""
        ...

    def put_slotting(
        self, layout: str, *, digest: str, layout_version: int, skus: int, bins: str
    ) -> tuple[SlottingRecord, bool]:
        """Store a new slotting version of a layout; True if new."""
        ...

    def get_slotting(self, layout: str, version: int | None = None) -> SlottingRecord | None:
        """A slotting version of a layout, the latest when ``version`` is None."""
        ...

    def create_job(self, job_id: str, kind: str, request: str) -> JobRecord:
        """Record a queued job."""
        ...

    def start_job(self, job_id: str) -> None:
        """Mark a job running."""
        ...

    def finish_job(self, job_id: str, *, result: str | None, error: str | None) -> None:
        """Mark a job done (with ``result``) or failed (with ``error``)."""
        ...

    def get_job(self, job_id: str) -> JobRecord | None:
        """A job by id."""
        ...

    def unfinished_jobs(self) -> list[JobRecord]:
        """Jobs queued or running, oldest first (to resume after a restart)."""
        ...

    def ping(self) -> None:
        """Raise if the store cannot be read."""
        ...

    def close(self) -> None:
        """Release every connection."""
        ...


class SqliteStore:
    """:class:`Store` on one SQLite file (WAL, ``synchronous=FULL``).

    Parameters
    ----------
    data_dir
        Created if missing; holds ``pickopt.sqlite3`` and its WAL files.
    """

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / DB_NAME
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._db().executescript(_SCHEMA)  # idempotent; executescript commits by itself

    # ---- connections ----------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None,
                                 check_same_thread=False)  # fmt: skip
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    def _write(self) -> _Transaction:
        return _Transaction(self._db())

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    def ping(self) -> None:
        """Raise :class:`sqlite3.Error` if the database cannot be read."""
        self._db().execute("SELECT count(*) FROM layouts").fetchone()

    # ---- layouts ----------------------------------------------------------------
    def put_layout(
        self, name: str, *, digest: str, layout_hash: str, format: str, source: str, spec: str,
        info: dict[str, Any],
    ) -> tuple[LayoutRecord, bool]:  # fmt: skip
        with self._write() as db:
            latest = db.execute(_LATEST_LAYOUT, (name,)).fetchone()
            if latest is not None and latest["digest"] == digest:
                return _layout(latest), False
            version = 1 if latest is None else int(latest["version"]) + 1
            db.execute(
                "INSERT INTO layouts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, version, digest, layout_hash, format, source, spec, json.dumps(info),
                 _now()),
            )  # fmt: skip
            row = db.execute(
                "SELECT * FROM layouts WHERE name = ? AND version = ?", (name, version)
            ).fetchone()
        return _layout(row), True

    def _one(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._db().execute(sql, args).fetchone()
        return row

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return list(self._db().execute(sql, args).fetchall())

    def get_layout(self, name: str, version: int | None = None) -> LayoutRecord | None:
        if version is None:
            row = self._one(_LATEST_LAYOUT, (name,))
        else:
            row = self._one(
                "SELECT * FROM layouts WHERE name = ? AND version = ?", (name, version)
            )
        return None if row is None else _layout(row)

    def layout_versions(self, name: str) -> list[LayoutRecord]:
        rows = self._all("SELECT * FROM layouts WHERE name = ? ORDER BY version", (name,))
        return [_layout(r) for r in rows]

    def list_layouts(self) -> list[LayoutSummary]:
        rows = self._all(_LIST_LAYOUTS)
        return [
            LayoutSummary(r["name"], int(r["version"]), int(r["n"]), r["layout_hash"],
                          r["created_at"])
            for r in rows
        ]  # fmt: skip

    # ---- slottings ------------------------------------------------------------
    def put_slotting(
        self, layout: str, *, digest: str, layout_version: int, skus: int, bins: str
    ) -> tuple[SlottingRecord, bool]:
        with self._write() as db:
            latest = db.execute(_LATEST_SLOTTING, (layout,)).fetchone()
            if (
                latest is not None
                and latest["digest"] == digest
                and int(latest["layout_version"]) == layout_version
            ):
                return _slotting(latest), False
            version = 1 if latest is None else int(latest["version"]) + 1
            db.execute(
                "INSERT INTO slottings VALUES (?, ?, ?, ?, ?, ?, ?)",
                (layout, version, digest, layout_version, skus, bins, _now()),
            )
            row = db.execute(
                "SELECT * FROM slottings WHERE layout = ? AND version = ?", (layout, version)
            ).fetchone()
        return _slotting(row), True

    def get_slotting(self, layout: str, version: int | None = None) -> SlottingRecord | None:
        if version is None:
            row = self._one(_LATEST_SLOTTING, (layout,))
        else:
            row = self._one(
                "SELECT * FROM slottings WHERE layout = ? AND version = ?", (layout, version)
            )
        return None if row is None else _slotting(row)

    # ---- jobs ---------------------------------------------------------------------
    def create_job(self, job_id: str, kind: str, request: str) -> JobRecord:
        with self._write() as db:
            db.execute(
                "INSERT INTO jobs (id, kind, status, request, created_at) "
                "VALUES (?, ?, 'queued', ?, ?)",
                (job_id, kind, request, _now()),
            )
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row)

    def start_job(self, job_id: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET status = 'running', started_at = ? WHERE id = ?",
                (_now(), job_id),
            )

    def finish_job(self, job_id: str, *, result: str | None, error: str | None) -> None:
        status = "failed" if error is not None else "done"
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET status = ?, result = ?, error = ?, finished_at = ? WHERE id = ?",
                (status, result, error, _now(), job_id),
            )

    def get_job(self, job_id: str) -> JobRecord | None:
        row = self._one("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return None if row is None else _job(row)

    def unfinished_jobs(self) -> list[JobRecord]:
        rows = self._all(
            "SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at"
        )
        return [_job(r) for r in rows]


class _Transaction:
    """``with`` block around ``BEGIN IMMEDIATE`` ... ``COMMIT`` (rollback on error)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def _layout(row: sqlite3.Row) -> LayoutRecord:
    return LayoutRecord(
        row["name"], int(row["version"]), row["digest"], row["layout_hash"], row["format"],
        row["source"], row["spec"], json.loads(row["info"]), row["created_at"],
    )  # fmt: skip


def _slotting(row: sqlite3.Row) -> SlottingRecord:
    return SlottingRecord(
        row["layout"], int(row["version"]), row["digest"], int(row["layout_version"]),
        int(row["skus"]), row["bins"], row["created_at"],
    )  # fmt: skip


def _job(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        row["id"], row["kind"], row["status"], row["request"], row["result"], row["error"],
        row["created_at"], row["started_at"], row["finished_at"],
    )  # fmt: skip


def open_store(data_dir: str | Path) -> Store:
    """The embedded default store for a data directory."""
    return SqliteStore(data_dir)

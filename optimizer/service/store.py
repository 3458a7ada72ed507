"""Persistent storage of layouts, slottings and wave jobs.

:class:`Store` is the small interface the service needs; :class:`SqliteStore`
implements it on one SQLite file in the data directory, in WAL mode with
``synchronous=FULL`` so that an acknowledged write survives a crash of the
process or the machine, and a ``kill -9`` mid-write leaves the previous state.

Layout and slotting versions are immutable rows numbered 1, 2, ... per
tenant and layout name; uploading the same content as the latest version
returns that version. Every read takes the tenant, so one tenant's key never
sees another's rows.

A job runs once: a server *claims* it with a lease (owner and expiry) in one
transaction, renews the lease while it runs, and writes the result only while
it still owns it. A job whose owner died is claimable again when its lease
has expired, by any server on the same data directory.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from optimizer.service.settings import DEFAULT_TENANT

__all__ = [
    "Store",
    "SqliteStore",
    "LayoutRecord",
    "LayoutSummary",
    "SlottingRecord",
    "JobRecord",
    "JOB_STATUSES",
    "StorageFull",
    "open_store",
    "is_disk_full",
]

JOB_STATUSES = ("queued", "running", "done", "failed")
DB_NAME = "pickopt.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS layouts (
    tenant      TEXT    NOT NULL DEFAULT 'default',
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    digest      TEXT    NOT NULL,
    layout_hash TEXT    NOT NULL,
    format      TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    spec        TEXT    NOT NULL,
    info        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (tenant, name, version)
);
CREATE TABLE IF NOT EXISTS slottings (
    tenant         TEXT    NOT NULL DEFAULT 'default',
    layout         TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    digest         TEXT    NOT NULL,
    layout_version INTEGER NOT NULL,
    skus           INTEGER NOT NULL,
    bins           TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    PRIMARY KEY (tenant, layout, version)
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
    finished_at TEXT,
    tenant      TEXT NOT NULL DEFAULT 'default',
    owner       TEXT,
    lease_until REAL,
    idem_key    TEXT,
    runs        INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idem ON jobs (tenant, idem_key)
    WHERE idem_key IS NOT NULL;
"""

#: Columns added since the first release, for stores created before them.
_JOB_COLUMNS = {
    "tenant": "TEXT NOT NULL DEFAULT 'default'",
    "owner": "TEXT",
    "lease_until": "REAL",
    "idem_key": "TEXT",
    "runs": "INTEGER NOT NULL DEFAULT 0",
}
_LAYOUT_COLUMNS = ("name, version, digest, layout_hash, format, source, spec, info, "
                   "created_at")  # fmt: skip
_SLOTTING_COLUMNS = "layout, version, digest, layout_version, skus, bins, created_at"

_LATEST_LAYOUT = (
    "SELECT * FROM layouts WHERE tenant = ? AND name = ? ORDER BY version DESC LIMIT 1"
)
_LAYOUT_VERSION = "SELECT * FROM layouts WHERE tenant = ? AND name = ? AND version = ?"
_LATEST_SLOTTING = (
    "SELECT * FROM slottings WHERE tenant = ? AND layout = ? ORDER BY version DESC LIMIT 1"
)
_SLOTTING_VERSION = "SELECT * FROM slottings WHERE tenant = ? AND layout = ? AND version = ?"
_LIST_LAYOUTS = """
SELECT l.name, l.version, l.layout_hash, l.created_at, c.n FROM layouts l
JOIN (SELECT name, max(version) AS v, count(*) AS n FROM layouts WHERE tenant = ?
      GROUP BY name) c
  ON l.name = c.name AND l.version = c.v
WHERE l.tenant = ?
ORDER BY l.name
"""
_CLAIMABLE = "status = 'queued' OR (status = 'running' AND coalesce(lease_until, 0) < ?)"


class StorageFull(Exception):
    """A write failed because the disk (or the database's quota) is full."""


def is_disk_full(exc: BaseException) -> bool:
    """Whether a storage error means that the disk is full."""
    if isinstance(exc, StorageFull):
        return True
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return code == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
    return isinstance(exc, OSError) and exc.errno == 28  # ENOSPC


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
    """An asynchronous job: its request, status and, once finished, result or error;
    ``owner`` holds it until ``lease_until`` (epoch seconds); ``runs`` counts claims."""

    id: str
    kind: str
    status: str
    request: str
    result: str | None
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    tenant: str = DEFAULT_TENANT
    owner: str | None = None
    lease_until: float | None = None
    idem_key: str | None = None
    runs: int = 0


class Store(Protocol):
    """What the service stores; every method is blocking and thread-safe. Reads and
    writes of layouts, slottings and jobs are scoped to one ``tenant``."""

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
        tenant: str = DEFAULT_TENANT,
    ) -> tuple[LayoutRecord, bool]:
        """Store a new version (or return the latest if ``digest`` matches it); True if new."""
        ...

    def get_layout(
        self, name: str, version: int | None = None, *, tenant: str = DEFAULT_TENANT
    ) -> LayoutRecord | None:
        """A version of a layout, the latest when ``version`` is None."""
        ...

    def layout_versions(self, name: str, *, tenant: str = DEFAULT_TENANT) -> list[LayoutRecord]:
        """Every version of a layout, oldest first."""
        ...

    def list_layouts(self, *, tenant: str = DEFAULT_TENANT) -> list[LayoutSummary]:
        """Every layout name with its latest version, by name."""
        ...

    def put_slotting(
        self, layout: str, *, digest: str, layout_version: int, skus: int, bins: str,
        tenant: str = DEFAULT_TENANT,
    ) -> tuple[SlottingRecord, bool]:  # fmt: skip
        """Store a new slotting version of a layout; True if new."""
        ...

    def get_slotting(
        self, layout: str, version: int | None = None, *, tenant: str = DEFAULT_TENANT
    ) -> SlottingRecord | None:
        """A slotting version of a layout, the latest when ``version`` is None."""
        ...

    def create_job(
        self, job_id: str, kind: str, request: str, *, tenant: str = DEFAULT_TENANT,
        idem_key: str | None = None,
    ) -> tuple[JobRecord, bool]:  # fmt: skip
        """Record a queued job; with an ``idem_key`` the tenant already used, that job
        instead. True if new."""
        ...

    def start_job(self, job_id: str) -> None:
        """Mark a job running (without a lease)."""
        ...

    def claim_job(self, job_id: str, owner: str, lease_s: float) -> JobRecord | None:
        """Make ``owner`` the runner of a queued job or of one whose lease expired;
        None if someone else holds it or it is finished."""
        ...

    def renew_lease(self, job_id: str, owner: str, lease_s: float) -> bool:
        """Extend ``owner``'s lease; False if it lost the job."""
        ...

    def release_job(self, job_id: str, owner: str) -> None:
        """Give an unfinished job back (queued, no owner), e.g. at shutdown."""
        ...

    def finish_job(
        self, job_id: str, *, result: str | None, error: str | None, owner: str | None = None
    ) -> bool:
        """Mark a job done (with ``result``) or failed (with ``error``); with an
        ``owner``, only while that owner holds it. True if written."""
        ...

    def get_job(self, job_id: str, *, tenant: str | None = None) -> JobRecord | None:
        """A job by id (of ``tenant`` only, when given)."""
        ...

    def unfinished_jobs(self) -> list[JobRecord]:
        """Jobs queued or running, oldest first."""
        ...

    def claimable_jobs(self) -> list[JobRecord]:
        """Jobs queued, or running under an expired lease, oldest first."""
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
        with self._write() as db:
            _migrate(db)
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

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
        info: dict[str, Any], tenant: str = DEFAULT_TENANT,
    ) -> tuple[LayoutRecord, bool]:  # fmt: skip
        with self._write() as db:
            latest = db.execute(_LATEST_LAYOUT, (tenant, name)).fetchone()
            if latest is not None and latest["digest"] == digest:
                return _layout(latest), False
            version = 1 if latest is None else int(latest["version"]) + 1
            db.execute(
                f"INSERT INTO layouts (tenant, {_LAYOUT_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (tenant, name, version, digest, layout_hash, format, source, spec,
                 json.dumps(info), _now()),
            )  # fmt: skip
            row = db.execute(_LAYOUT_VERSION, (tenant, name, version)).fetchone()
        return _layout(row), True

    def _one(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._db().execute(sql, args).fetchone()
        return row

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return list(self._db().execute(sql, args).fetchall())

    def get_layout(
        self, name: str, version: int | None = None, *, tenant: str = DEFAULT_TENANT
    ) -> LayoutRecord | None:
        if version is None:
            row = self._one(_LATEST_LAYOUT, (tenant, name))
        else:
            row = self._one(_LAYOUT_VERSION, (tenant, name, version))
        return None if row is None else _layout(row)

    def layout_versions(self, name: str, *, tenant: str = DEFAULT_TENANT) -> list[LayoutRecord]:
        rows = self._all(
            "SELECT * FROM layouts WHERE tenant = ? AND name = ? ORDER BY version", (tenant, name)
        )
        return [_layout(r) for r in rows]

    def list_layouts(self, *, tenant: str = DEFAULT_TENANT) -> list[LayoutSummary]:
        rows = self._all(_LIST_LAYOUTS, (tenant, tenant))
        return [
            LayoutSummary(r["name"], int(r["version"]), int(r["n"]), r["layout_hash"],
                          r["created_at"])
            for r in rows
        ]  # fmt: skip

    # ---- slottings ------------------------------------------------------------
    def put_slotting(
        self, layout: str, *, digest: str, layout_version: int, skus: int, bins: str,
        tenant: str = DEFAULT_TENANT,
    ) -> tuple[SlottingRecord, bool]:  # fmt: skip
        with self._write() as db:
            latest = db.execute(_LATEST_SLOTTING, (tenant, layout)).fetchone()
            if (
                latest is not None
                and latest["digest"] == digest
                and int(latest["layout_version"]) == layout_version
            ):
                return _slotting(latest), False
            version = 1 if latest is None else int(latest["version"]) + 1
            db.execute(
                f"INSERT INTO slottings (tenant, {_SLOTTING_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (tenant, layout, version, digest, layout_version, skus, bins, _now()),
            )
            row = db.execute(_SLOTTING_VERSION, (tenant, layout, version)).fetchone()
        return _slotting(row), True

    def get_slotting(
        self, layout: str, version: int | None = None, *, tenant: str = DEFAULT_TENANT
    ) -> SlottingRecord | None:
        if version is None:
            row = self._one(_LATEST_SLOTTING, (tenant, layout))
        else:
            row = self._one(_SLOTTING_VERSION, (tenant, layout, version))
        return None if row is None else _slotting(row)

    # ---- jobs ---------------------------------------------------------------------
    def create_job(
        self, job_id: str, kind: str, request: str, *, tenant: str = DEFAULT_TENANT,
        idem_key: str | None = None,
    ) -> tuple[JobRecord, bool]:  # fmt: skip
        with self._write() as db:
            if idem_key is not None:
                row = db.execute("SELECT * FROM jobs WHERE tenant = ? AND idem_key = ?",
                                 (tenant, idem_key)).fetchone()  # fmt: skip
                if row is not None:
                    return _job(row), False
            db.execute(
                "INSERT INTO jobs (id, kind, status, request, created_at, tenant, idem_key) "
                "VALUES (?, ?, 'queued', ?, ?, ?, ?)",
                (job_id, kind, request, _now(), tenant, idem_key),
            )
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row), True

    def start_job(self, job_id: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET status = 'running', started_at = ? WHERE id = ?",
                (_now(), job_id),
            )

    def claim_job(self, job_id: str, owner: str, lease_s: float) -> JobRecord | None:
        now = time.time()
        with self._write() as db:
            claimed = db.execute(
                "UPDATE jobs SET status = 'running', owner = ?, lease_until = ?, "
                "runs = runs + 1, started_at = coalesce(started_at, ?) "
                f"WHERE id = ? AND ({_CLAIMABLE})",
                (owner, now + lease_s, _now(), job_id, now),
            ).rowcount
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if claimed == 1 else None

    def renew_lease(self, job_id: str, owner: str, lease_s: float) -> bool:
        with self._write() as db:
            renewed = db.execute(
                "UPDATE jobs SET lease_until = ? "
                "WHERE id = ? AND owner = ? AND status = 'running'",
                (time.time() + lease_s, job_id, owner),
            ).rowcount
        return bool(renewed == 1)

    def release_job(self, job_id: str, owner: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET status = 'queued', owner = NULL, lease_until = NULL "
                "WHERE id = ? AND owner = ? AND status = 'running'",
                (job_id, owner),
            )

    def finish_job(
        self, job_id: str, *, result: str | None, error: str | None, owner: str | None = None
    ) -> bool:
        status = "failed" if error is not None else "done"
        mine = "" if owner is None else " AND owner = ? AND status = 'running'"
        args: tuple[Any, ...] = (status, result, error, _now(), job_id)
        with self._write() as db:
            written = db.execute(
                "UPDATE jobs SET status = ?, result = ?, error = ?, finished_at = ?, "
                f"lease_until = NULL WHERE id = ?{mine}",
                args if owner is None else (*args, owner),
            ).rowcount
        return bool(written == 1)

    def get_job(self, job_id: str, *, tenant: str | None = None) -> JobRecord | None:
        row = self._one("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if row is None or (tenant is not None and row["tenant"] != tenant):
            return None
        return _job(row)

    def unfinished_jobs(self) -> list[JobRecord]:
        rows = self._all(
            "SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at"
        )
        return [_job(r) for r in rows]

    def claimable_jobs(self) -> list[JobRecord]:
        rows = self._all(f"SELECT * FROM jobs WHERE {_CLAIMABLE} ORDER BY created_at",
                         (time.time(),))  # fmt: skip
        return [_job(r) for r in rows]


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a store made by an earlier version up to the current schema: jobs get
    their new columns; layouts and slottings are rebuilt with a tenant in their key."""
    columns = {r["name"] for r in db.execute("PRAGMA table_info(jobs)")}
    if columns:
        for name, kind in _JOB_COLUMNS.items():
            if name not in columns:
                db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}")
    for table, keep in (("layouts", _LAYOUT_COLUMNS), ("slottings", _SLOTTING_COLUMNS)):
        columns = {r["name"] for r in db.execute(f"PRAGMA table_info({table})")}
        if columns and "tenant" not in columns:
            db.execute(f"ALTER TABLE {table} RENAME TO {table}_untenanted")
            create = _SCHEMA.split(f"CREATE TABLE IF NOT EXISTS {table} ", 1)[1].split(";")[0]
            db.execute(f"CREATE TABLE {table} {create}")
            db.execute(f"INSERT INTO {table} ({keep}) SELECT {keep} FROM {table}_untenanted")
            db.execute(f"DROP TABLE {table}_untenanted")


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
        row["created_at"], row["started_at"], row["finished_at"], row["tenant"], row["owner"],
        row["lease_until"], row["idem_key"], int(row["runs"]),
    )  # fmt: skip


def open_store(data_dir: str | Path) -> Store:
    """The embedded default store for a data directory."""
    return SqliteStore(data_dir)

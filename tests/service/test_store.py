"""The embedded SQLite store: immutable numbered versions, jobs, and durability."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from optimizer.service.store import SqliteStore


def _put(store: SqliteStore, name: str, content: str) -> tuple[int, bool]:
    rec, created = store.put_layout(name, digest=content, layout_hash=content[:16],
                                    format="json", source="", spec=f'{{"c":"{content}"}}',
                                    info={"slots": 1})  # fmt: skip
    return rec.version, created


def test_versions_are_numbered_per_name(tmp_path: Path) -> None:
    """Each new content gets the next version of its name; names count separately."""
    store = SqliteStore(tmp_path)
    assert [_put(store, "a", c)[0] for c in ("x", "y", "z")] == [1, 2, 3]
    assert _put(store, "b", "x") == (1, True)
    assert [s.name for s in store.list_layouts()] == ["a", "b"]
    assert store.list_layouts()[0].latest_version == 3


def test_same_content_as_latest_is_not_a_new_version(tmp_path: Path) -> None:
    """Re-uploading the latest content answers the latest version, not a copy."""
    store = SqliteStore(tmp_path)
    _put(store, "a", "x")
    assert _put(store, "a", "x") == (1, False)
    _put(store, "a", "y")
    assert _put(store, "a", "x") == (3, True)


def test_old_versions_stay_readable(tmp_path: Path) -> None:
    """A pinned version reads back unchanged after newer ones arrive."""
    store = SqliteStore(tmp_path)
    _put(store, "a", "x")
    _put(store, "a", "y")
    old = store.get_layout("a", 1)
    assert old is not None and old.spec == '{"c":"x"}'
    latest = store.get_layout("a")
    assert latest is not None and latest.version == 2
    assert store.get_layout("a", 3) is None and store.get_layout("nope") is None


def test_slotting_versions_follow_their_layout(tmp_path: Path) -> None:
    """Slottings are numbered per layout and remember the layout version checked."""
    store = SqliteStore(tmp_path)
    one, _ = store.put_slotting("a", digest="d1", layout_version=1, skus=2, bins="{}")
    same, created = store.put_slotting("a", digest="d1", layout_version=1, skus=2, bins="{}")
    two, _ = store.put_slotting("a", digest="d1", layout_version=2, skus=2, bins="{}")
    assert (one.version, same.version, created, two.version) == (1, 1, False, 2)
    latest = store.get_slotting("a")
    assert latest is not None and latest.layout_version == 2


def test_jobs_move_from_queued_to_finished(tmp_path: Path) -> None:
    """A job is unfinished until it is done or failed, and keeps its result."""
    store = SqliteStore(tmp_path)
    store.create_job("j1", "wave", "{}")
    store.create_job("j2", "wave", "{}")
    store.start_job("j1")
    assert [j.id for j in store.unfinished_jobs()] == ["j1", "j2"]
    store.finish_job("j1", result='{"ok":1}', error=None)
    store.finish_job("j2", result=None, error='{"status":500}')
    j1, j2 = store.get_job("j1"), store.get_job("j2")
    assert j1 is not None and (j1.status, j1.result) == ("done", '{"ok":1}')
    assert j2 is not None and j2.status == "failed"
    assert store.unfinished_jobs() == []


def test_reopening_finds_everything(tmp_path: Path) -> None:
    """Layouts, slottings and jobs survive closing and reopening the store."""
    store = SqliteStore(tmp_path)
    _put(store, "a", "x")
    store.put_slotting("a", digest="d", layout_version=1, skus=1, bins='{"s":"b"}')
    store.create_job("j", "wave", "{}")
    store.close()
    again = SqliteStore(tmp_path)
    assert again.get_layout("a") is not None
    assert again.get_slotting("a") is not None
    assert again.get_job("j") is not None


_WRITER = textwrap.dedent(
    """
    import sys
    from optimizer.service.store import SqliteStore
    store = SqliteStore(sys.argv[1])
    for k in range(1_000_000):
        rec, _ = store.put_layout("a", digest=str(k), layout_hash=str(k), format="json",
                                  source="", spec="x" * 20_000 + str(k), info={"k": k})
        print(rec.version, k, flush=True)
    """
)


def test_kill_9_mid_write_keeps_every_committed_version(tmp_path: Path) -> None:
    """SIGKILL a process that writes versions as fast as it can: the database is
    intact and holds every version whose commit was acknowledged, unchanged."""
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    acked: dict[int, int] = {}
    assert writer.stdout is not None
    for line in writer.stdout:
        version, k = map(int, line.split())
        acked[version] = k
        if len(acked) >= 200:
            writer.send_signal(signal.SIGKILL)
            break
    writer.wait(30)
    writer.stdout.close()
    db = sqlite3.connect(tmp_path / "pickopt.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    store = SqliteStore(tmp_path)
    for version, k in acked.items():
        rec = store.get_layout("a", version)
        assert rec is not None and rec.spec == "x" * 20_000 + str(k)
    assert [r.version for r in store.layout_versions("a")] == list(
        range(1, len(store.layout_versions("a")) + 1)
    )


def test_a_store_from_before_tenants_and_leases_is_migrated(tmp_path: Path) -> None:
    """Rows written by the first schema stay readable, as the default tenant's."""
    db = sqlite3.connect(tmp_path / "pickopt.sqlite3")
    db.executescript(
        "CREATE TABLE layouts (name TEXT NOT NULL, version INTEGER NOT NULL, digest TEXT NOT "
        "NULL, layout_hash TEXT NOT NULL, format TEXT NOT NULL, source TEXT NOT NULL, spec TEXT "
        "NOT NULL, info TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (name, version));"
        "CREATE TABLE slottings (layout TEXT NOT NULL, version INTEGER NOT NULL, digest TEXT "
        "NOT NULL, layout_version INTEGER NOT NULL, skus INTEGER NOT NULL, bins TEXT NOT NULL, "
        "created_at TEXT NOT NULL, PRIMARY KEY (layout, version));"
        "CREATE TABLE jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, "
        "request TEXT NOT NULL, result TEXT, error TEXT, created_at TEXT NOT NULL, started_at "
        "TEXT, finished_at TEXT);"
        "INSERT INTO layouts VALUES ('a', 1, 'd', 'h', 'json', '', '{}', '{}', 't');"
        "INSERT INTO slottings VALUES ('a', 1, 'd', 1, 0, '{}', 't');"
        "INSERT INTO jobs VALUES ('j', 'wave', 'queued', '{}', NULL, NULL, 't', NULL, NULL);"
    )
    db.close()
    store = SqliteStore(tmp_path)
    layout = store.get_layout("a")
    assert layout is not None and layout.version == 1
    assert store.get_slotting("a") is not None
    assert store.get_layout("a", tenant="acme") is None
    rec, created = store.put_layout("a", digest="e", layout_hash="h", format="json", source="",
                                    spec="{}", info={}, tenant="acme")  # fmt: skip
    assert created and rec.version == 1
    assert [j.id for j in store.claimable_jobs()] == ["j"]

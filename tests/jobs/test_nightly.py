"""The nightly job through ``pickopt slot``: files, move lists, one-line errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from optimizer.cli import main
from optimizer.io import read_slotting, write_slotting
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting import (
    DemandProfile,
    Move,
    apply_moves,
    assign,
)
from tests.conftest import LAYOUTS, ROOT
from tests.service.support import KEY, SINGLE_TOML, running_server

HISTORY = ROOT / "instances" / "history_single_block_30d_s1.csv"
MASTER = ROOT / "instances" / "history_single_block_30d_s1_skus.csv"
SINGLE = str(LAYOUTS / "single_block.toml")


def test_cli_slot_writes_slotting_and_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`pickopt slot` writes the slotting, the CSV report and a summary with the ABC table."""
    code = main(["slot", "--layout", SINGLE, "--history", str(HISTORY), "--sku-master",
                 str(MASTER), "--out", str(tmp_path), "--replay-days", "2"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "replay" in out
    report = (tmp_path / "report.md").read_text()
    assert "## ABC classes" in report and "| A |" in report and "saving" in report
    assert read_slotting(tmp_path / "slotting.csv").bins
    assert (tmp_path / "skus.csv").exists() and (tmp_path / "replay.csv").exists()


def test_cli_slot_reslots_with_a_move_budget(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, single_block: Layout
) -> None:
    """With --current and --max-moves the move list is written and applies in order."""
    p = DemandProfile.from_file(HISTORY)
    current = assign(single_block, p, "random", seed=1)
    write_slotting(current, tmp_path / "current.csv")
    code = main(["slot", "--layout", SINGLE, "--history", str(HISTORY), "--current",
                 str(tmp_path / "current.csv"), "--max-moves", "20", "--out",
                 str(tmp_path / "out"), "--replay-days", "1"])  # fmt: skip
    assert code == 0 and "moves" in capsys.readouterr().out
    with (tmp_path / "out" / "moves.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    moves = [
        Move(int(r["step"]), r["sku"], r["from_bin"], r["to_bin"], float(r["expected_gain_m"]),
             r["kind"])
        for r in rows
    ]  # fmt: skip
    assert 0 < sum(m.kind != "put-away" for m in moves) <= 20
    after = apply_moves(read_slotting(tmp_path / "current.csv"), moves, layout=single_block)
    assert after.bins == read_slotting(tmp_path / "out" / "slotting.csv").bins


def test_cli_slot_bad_history_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A history without a qty column: exit code 2 and one line naming the column."""
    bad = tmp_path / "h.csv"
    bad.write_text("order_id,sku\no1,a\n", encoding="utf-8")
    code = main(["slot", "--layout", SINGLE, "--history", str(bad), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "missing column 'qty'" in err and len(err.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def current_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Last period's class-based slotting: made from the first 20 days of the history."""
    layout = Layout.from_file(SINGLE)
    early = DemandProfile.from_file(HISTORY, until="2024-01-20")
    path = tmp_path_factory.mktemp("current") / "current.csv"
    write_slotting(assign(layout, early, "class-based", seed=1), path)
    return path


@pytest.fixture(scope="module")
def json_run(current_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`pickopt slot --json --plot` from last period's slotting, out of sample."""
    out = tmp_path_factory.mktemp("json_run")
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["slot", "--layout", SINGLE, "--history", str(HISTORY), "--current",
                     str(current_csv), "--out", str(out), "--replay-days", "3",
                     "--estimate-days", "3", "--replay-orders", "60", "--json",
                     "--plot"])  # fmt: skip
    assert code == 0
    return {"summary": json.loads(buf.getvalue()), "out": out}


def test_replay_is_out_of_sample_by_default(json_run: dict[str, Any]) -> None:
    """The profile window ends the day before the replay window, and the report names both."""
    s = json_run["summary"]
    pw, rw = s["profile_window"], s["replay_window"]
    assert s["in_sample"] is False
    last = dt.date.fromisoformat(pw["last"])
    assert dt.date.fromisoformat(rw["first"]) == last + dt.timedelta(days=1)
    assert rw["days"] == 3 and s["profile"]["days"] == pw["days"]
    report = (json_run["out"] / "report.md").read_text()
    assert f"profile window {pw['first']} to {pw['last']}" in report
    assert "out of sample" in report and "in sample**" not in report


def test_json_summary_has_the_budget_curve(json_run: dict[str, Any]) -> None:
    """--json prints the curve at 1, 2, 5, 10, 20 % and full, plus the plan's own cut;
    moves and labour grow along the curve."""
    s = json_run["summary"]
    points = s["curve"]["points"]
    assert [p["label"] for p in points] == ["1 %", "2 %", "5 %", "10 %", "20 %", "full", "plan"]
    budgeted = points[:6]
    assert [p["moves"] for p in budgeted] == sorted(p["moves"] for p in budgeted)
    assert all(p["replayed_m_per_day"] is not None for p in points)
    assert s["plan"]["moves_used"] == points[-1]["moves"] and "moves" not in s["plan"]
    assert (json_run["out"] / "curve.csv").exists()


def test_pictures_are_written(json_run: dict[str, Any]) -> None:
    """--plot writes the before/after heatmap and the budget curve as PNG."""
    for name in ("heatmap.png", "curve.png"):
        data = (json_run["out"] / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_move_gains_add_up_to_the_expected_curve(json_run: dict[str, Any]) -> None:
    """moves.csv: calibrated gains sum to the plan's expected saving; labour and payback
    are given, and moves into a free bin name it."""
    with (json_run["out"] / "moves.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    plan = json_run["summary"]["plan"]
    assert sum(float(r["expected_gain_m"]) for r in rows) == pytest.approx(
        plan["expected_gain_m_per_day"], abs=0.01 * len(rows) + 0.01)  # fmt: skip
    for r in rows:
        assert float(r["labour_min"]) > 0
        assert (r["needs_free"] == r["to_bin"]) == (r["kind"] in ("move", "chain", "put-away"))


def test_min_gain_and_labour_budget_cut_the_move_list(
    current_csv: Path, tmp_path: Path, single_block: Layout
) -> None:
    """--min-gain above every move keeps only put-aways; --labour-minutes bounds the labour."""
    base = ["slot", "--layout", SINGLE, "--history", str(HISTORY), "--current", str(current_csv),
            "--replay-days", "2", "--estimate-days", "2", "--replay-orders", "40"]  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "a"), "--min-gain", "1e9"]) == 0
    assert main([*base, "--out", str(tmp_path / "b"), "--labour-minutes", "30"]) == 0
    for name, check in (("a", lambda rows: all(r["kind"] == "put-away" for r in rows)),
                        ("b", lambda rows: sum(float(r["labour_min"]) for r in rows
                                               if r["kind"] != "put-away") <= 30)):  # fmt: skip
        with (tmp_path / name / "moves.csv").open() as fh:
            rows = list(csv.DictReader(fh))
        assert check(rows)
        moves = [Move(int(r["step"]), r["sku"], r["from_bin"], r["to_bin"], 0.0, r["kind"])
                 for r in rows]  # fmt: skip
        after = apply_moves(read_slotting(current_csv), moves, layout=single_block)
        assert after.bins == read_slotting(tmp_path / name / "slotting.csv").bins


def test_in_sample_replay_is_labelled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--in-sample profiles every day and the report and summary say so."""
    code = main(["slot", "--layout", SINGLE, "--history", str(HISTORY), "--out", str(tmp_path),
                 "--replay-days", "2", "--replay-orders", "40", "--in-sample"])  # fmt: skip
    assert code == 0
    assert "IN SAMPLE" in capsys.readouterr().out
    assert "**in sample**" in (tmp_path / "report.md").read_text()


def test_undated_history_cannot_be_replayed_out_of_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without dates there are no days after the profile: one line says what to do."""
    undated = tmp_path / "h.csv"
    undated.write_text("order_id,sku,qty\no1,a,1\no2,b,1\n", encoding="utf-8")
    code = main(["slot", "--layout", SINGLE, "--history", str(undated), "--out",
                 str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--in-sample" in err and len(err.strip().splitlines()) == 1


def test_push_uploads_only_a_slotting_that_clears_the_threshold(
    current_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Against a live service: a threshold above the replayed saving pushes nothing; one
    below it uploads the new slotting as a version the service hands back unchanged."""
    with running_server(tmp_path / "data") as server, server.client() as client:
        toml = {"Content-Type": "application/toml"}
        put = client.put("/v1/layouts/single_block", content=SINGLE_TOML, headers=toml)
        assert put.status_code == 201
        base = ["slot", "--layout", SINGLE, "--history", str(HISTORY), "--current",
                str(current_csv), "--replay-days", "2", "--estimate-days", "2",
                "--replay-orders", "40", "--push", server.url, "--push-key", KEY,
                "--json"]  # fmt: skip
        assert main([*base, "--out", str(tmp_path / "high"), "--push-min-saving", "99"]) == 0
        high = json.loads(capsys.readouterr().out)
        assert high["push"]["pushed"] is False and "below" in high["push"]["note"]
        assert client.get("/v1/layouts/single_block/slotting").status_code == 404
        assert main([*base, "--out", str(tmp_path / "low"), "--push-min-saving", "-100"]) == 0
        low = json.loads(capsys.readouterr().out)
        assert low["push"]["pushed"] is True and low["push"]["answer"]["version"] == 1
        stored = client.get("/v1/layouts/single_block/slotting").json()["bins"]
        assert stored == read_slotting(tmp_path / "low" / "slotting.csv").bins


def test_push_with_a_wrong_key_is_one_line(
    current_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused upload (HTTP 401) is one line naming the status, exit code 2."""
    with running_server(tmp_path / "data") as server:
        code = main(["slot", "--layout", SINGLE, "--history", str(HISTORY), "--out",
                     str(tmp_path / "o"), "--replay-days", "1", "--replay-orders", "30",
                     "--push", server.url, "--push-key", "wrong", "--push-min-saving",
                     "-100"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "HTTP 401" in err and len(err.strip().splitlines()) == 1


def test_undated_history_re_slots_in_sample(tmp_path: Path) -> None:
    """An undated history with a current slotting: the re-slot, its curve and the replay
    all run on the one undated day, labelled in sample."""
    undated = tmp_path / "h.csv"
    undated.write_text("order_id,sku,qty\no1,busy,1\no2,busy,1\no3,rare,1\n", encoding="utf-8")
    write_slotting(Slotting({"busy": "A10-B1-045-L-1", "rare": "A01-B1-001-L-1"}),
                   tmp_path / "cur.csv")  # fmt: skip
    code = main(["slot", "--layout", SINGLE, "--history", str(undated), "--current",
                 str(tmp_path / "cur.csv"), "--in-sample", "--replay-days", "1", "--out",
                 str(tmp_path / "o")])  # fmt: skip
    assert code == 0
    assert read_slotting(tmp_path / "o" / "slotting.csv").bins["busy"] != "A10-B1-045-L-1"

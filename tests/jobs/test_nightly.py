"""The nightly job through ``pickopt slot``: files, move lists, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.cli import main
from optimizer.io import read_slotting, write_slotting
from optimizer.layout import Layout
from optimizer.slotting import (
    DemandProfile,
    Move,
    apply_moves,
    assign,
)
from tests.conftest import LAYOUTS, ROOT

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
    import csv

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

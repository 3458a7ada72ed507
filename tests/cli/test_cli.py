"""The ``pickopt`` command line: outputs, pictures, and one-line errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optimizer.cli import main
from tests.cli.conftest import Cli
from tests.conftest import LAYOUTS, ROOT, benchmark_file

SINGLE = str(LAYOUTS / "single_block.toml")


def test_layout_info(cli: Cli) -> None:
    """`layout info` prints counts, junctions and the version."""
    code, out, _ = cli("layout", "info", SINGLE, "--json")
    info = json.loads(out)
    assert code == 0
    assert info["slots"] == 900 and info["aisles"] == 10 and info["junctions"] > 0
    assert len(info["content_hash"]) == 16


def test_distance_matrix(cli: Cli) -> None:
    """`distance` prints a symmetric matrix with a zero diagonal."""
    code, out, _ = cli("distance", SINGLE, "A01-B1-001-L-1", "A02-B1-001-L-1", "--json")
    m = json.loads(out)["matrix_m"]
    assert code == 0
    assert m[0][0] == 0 and m[0][1] == m[1][0] > 0


def test_route_json_and_plot(cli: Cli, tmp_path: Path) -> None:
    """`route --json --plot` gives the route as JSON and writes a PNG."""
    png = tmp_path / "r.png"
    code, out, _ = cli("route", "--layout", SINGLE, "--picks", "A03-B1-017-L-1",
                       "A07-B1-040-R-1", "--json", "--plot", str(png))  # fmt: skip
    r = json.loads(out)
    assert code == 0
    assert r["method"] == "exact" and r["optimal"] is True
    assert sorted(r["stops"]) == ["A03-B1-017-L-1", "A07-B1-040-R-1"]
    assert png.stat().st_size > 10_000


def test_route_sprp_reaches_published_optimum(cli: Cli) -> None:
    """`route --sprp` on the public instance prints the published optimum, 94."""
    path = benchmark_file("hessler-irnich/SPRP/unit_F1_m5_C30_a7_12.txt")
    code, out, _ = cli("route", "--sprp", str(path), "--json")
    assert code == 0
    assert json.loads(out)["distance_m"] == pytest.approx(94.0)


def test_wave(cli: Cli, tmp_path: Path) -> None:
    """`wave` plans the bundled instance, reports KPIs and draws the tours."""
    inst = ROOT / "instances"
    code, out, _ = cli("wave", "--layout", SINGLE, "--orders",
                       str(inst / "henn_abc_60_45_s1.csv"), "--slotting",
                       str(inst / "henn_abc_60_45_s1_slotting.csv"), "--cart-items", "45",
                       "--json", "--plot", str(tmp_path), "--max-plots", "2")  # fmt: skip
    plan = json.loads(out)
    assert code == 0
    assert plan["kpis"]["assigned_orders"] == 60
    assert plan["kpis"]["saving_vs_fcfs_pct"] > 0
    assert sum(len(b["orders"]) for b in plan["batches"]) == 60
    assert (tmp_path / "wave.png").exists() and (tmp_path / "batch_002.png").exists()


def test_wave_effort_is_the_batching_work_budget(cli: Cli) -> None:
    """`wave --effort N` runs the ALNS for N iterations, and the same effort and seed
    give the same plan; a method without a work budget refuses it on one line."""
    inst = ROOT / "instances"
    argv = ["wave", "--layout", SINGLE, "--orders", str(inst / "henn_abc_60_45_s1.csv"),
            "--slotting", str(inst / "henn_abc_60_45_s1_slotting.csv"), "--cart-items", "45",
            "--json"]  # fmt: skip
    plans = []
    for _ in range(2):
        code, out, _ = cli(*argv, "--effort", "5")
        assert code == 0
        plans.append([b["orders"] for b in json.loads(out)["batches"]])
    assert plans[0] == plans[1]
    code, _, err = cli(*argv, "--batching", "savings", "--effort", "5")
    assert code == 2 and "no work budget" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "culprit"),
    [
        (["layout", "info", "missing.toml"], "missing.toml"),
        (["distance", SINGLE, "A01-B1-001-L-1", "A99-B1-001-L-1"], "A99-B1-001-L-1"),
        (["route", "--layout", SINGLE, "--picks", "A01-B1-001-L-1", "--method", "exact",
          "--start", "nowhere"], "nowhere"),
        (["route", "--layout", SINGLE], "--picks"),
        (["wave", "--layout", SINGLE, "--orders", "nope.csv", "--cart-items", "5"], "nope.csv"),
    ],
)  # fmt: skip
def test_errors_are_one_line_and_exit_2(cli: Cli, argv: list[str], culprit: str) -> None:
    """Every user error prints one line naming the culprit and exits with 2."""
    code, out, err = cli(*argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("pickopt: error:")
    assert culprit in err


def test_serve_options_are_the_services(capsys: pytest.CaptureFixture[str]) -> None:
    """`pickopt serve` hands its options to the service's own parser, and the
    other commands still refuse options they do not know."""
    with pytest.raises(SystemExit) as refused:
        main(["serve", "--no-such-option"])
    assert refused.value.code == 2
    assert "usage: pickopt serve" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        main(["layout", "info", SINGLE, "--no-such-option"])
    assert refused.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err

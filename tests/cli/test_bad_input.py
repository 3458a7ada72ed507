"""Bad files and paths given to ``pickopt``: each one is one line on stderr
naming the culprit and exit code 2, quickly, never a traceback (issue 11)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from optimizer.cli import main
from tests.cli.conftest import Cli, sparse_file
from tests.conftest import LAYOUTS, ROOT

SINGLE = str(LAYOUTS / "single_block.toml")
INSTANCES = ROOT / "instances"
ORDERS = str(INSTANCES / "henn_abc_60_45_s1.csv")
SLOTTING = str(INSTANCES / "henn_abc_60_45_s1_slotting.csv")
HISTORY = str(INSTANCES / "history_single_block_30d_s1.csv")
PICK = "A01-B1-001-L-1"


def refused(cli: Cli, *argv: str, culprit: str | Path, seconds: float | None = None) -> str:
    """Run ``argv``, check the one-line error naming ``culprit`` (within
    ``seconds``, if given); returns the line."""
    start = time.perf_counter()
    code, out, err = cli(*argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("pickopt: error:"), err
    assert str(culprit) in err
    if seconds is not None:
        assert time.perf_counter() - start < seconds
    return err


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("not a folder\n")
    return path


# ---- files too large to read -----------------------------------------------------------
HUGE: dict[str, Callable[[str], list[str]]] = {
    "route --sprp": lambda f: ["route", "--sprp", f],
    "wave --orders": lambda f: ["wave", "--layout", SINGLE, "--orders", f, "--cart-items", "9"],
    "wave --slotting": lambda f: ["wave", "--layout", SINGLE, "--orders", ORDERS,
                                  "--slotting", f, "--cart-items", "9"],
    "slot --history": lambda f: ["slot", "--layout", SINGLE, "--history", f, "--out", "o"],
    "slot --current": lambda f: ["slot", "--layout", SINGLE, "--history", HISTORY,
                                 "--current", f, "--out", "o"],
    "slot --sku-master": lambda f: ["slot", "--layout", SINGLE, "--history", HISTORY,
                                    "--sku-master", f, "--out", "o"],
}  # fmt: skip


@pytest.mark.parametrize("option", HUGE)
def test_a_2_gb_input_is_refused_before_it_is_read(cli: Cli, tmp_path: Path, option: str) -> None:
    """A 2 GB file (sparse: no disk used) is refused in seconds, not read into memory
    (before: 10 to 60 s and 4 to 6 GB)."""
    suffix = ".txt" if option == "route --sprp" else ".csv"
    huge = sparse_file(tmp_path / f"huge{suffix}")
    refused(cli, *HUGE[option](str(huge)), culprit=huge, seconds=5)


def test_a_2_gb_keys_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    """`serve --keys-file` on a 2 GB file stops before reading it."""
    huge = sparse_file(tmp_path / "keys.txt")
    refused(cli, "serve", "--keys-file", str(huge), "--port", "0", culprit=huge, seconds=5)


# ---- text that is not what the reader expects ------------------------------------------
def test_keys_file_not_utf8(cli: Cli, tmp_path: Path) -> None:
    """A keys file in Latin-1 is named, with the offending byte."""
    keys = tmp_path / "keys.txt"
    keys.write_bytes("schlüssel-0123456789abcdef\n".encode("latin-1"))
    err = refused(cli, "serve", "--keys-file", str(keys), "--port", "0", culprit=keys)
    assert "UTF-8" in err


def test_slotting_with_a_200k_character_field(cli: Cli, tmp_path: Path) -> None:
    """A CSV field longer than the csv module's limit names the file and line."""
    slotting = tmp_path / "slotting.csv"
    slotting.write_text(f"sku,bin\nSKU-1,{PICK}\n{'x' * 200_000},{PICK}\n")
    err = refused(cli, "wave", "--layout", SINGLE, "--orders", ORDERS, "--slotting",
                  str(slotting), "--cart-items", "9", culprit=f"{slotting}:3")  # fmt: skip
    assert "field larger than" in err


@pytest.mark.parametrize("option", ["wave --orders", "wave --slotting", "slot --history"])
def test_latin1_csv(cli: Cli, tmp_path: Path, option: str) -> None:
    """A Latin-1 byte in a data row (not the header) names the file and says UTF-8."""
    header = "order_id,sku,qty,date" if option != "wave --slotting" else "sku,bin"
    row = "o1,Stück,1,2024-01-01" if option != "wave --slotting" else f"Stück,{PICK}"
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{header}\n{row}\n".encode("latin-1"))
    refused(cli, *HUGE[option](str(path)), culprit=path)


# ---- outputs that cannot be written ----------------------------------------------------
def route_plot(target: Path) -> list[str]:
    return ["route", "--layout", SINGLE, "--picks", PICK, "--plot", str(target)]


def wave_plot(target: Path) -> list[str]:
    return ["wave", "--layout", SINGLE, "--orders", ORDERS, "--slotting", SLOTTING,
            "--cart-items", "45", "--max-plots", "1", "--plot", str(target)]  # fmt: skip


def slot_out(target: Path) -> list[str]:
    return ["slot", "--layout", SINGLE, "--history", HISTORY, "--replay-days", "0",
            "--out", str(target)]  # fmt: skip


def test_route_plot_under_a_file(cli: Cli, a_file: Path) -> None:
    """`route --plot` into a folder that is a file names that file."""
    refused(cli, *route_plot(a_file / "route.png"), culprit=a_file)


def test_route_plot_unwritable(cli: Cli, unwritable_dir: Path) -> None:
    """`route --plot` into a folder that refuses writes says so."""
    err = refused(cli, *route_plot(unwritable_dir / "route.png"), culprit=unwritable_dir)
    assert "writ" in err


def test_route_plot_unknown_suffix(cli: Cli, tmp_path: Path) -> None:
    """`route --plot x.xyz` names the picture types it can write."""
    err = refused(cli, *route_plot(tmp_path / "route.xyz"), culprit="route.xyz")
    assert ".png" in err


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_wave_plot_folder_is_a_file(cli: Cli, a_file: Path, where: str) -> None:
    """`wave --plot DIR` where DIR is, or is inside, a file."""
    refused(cli, *wave_plot(a_file if where == "a file" else a_file / "pics"), culprit=a_file)


def test_wave_plot_unwritable(cli: Cli, unwritable_dir: Path) -> None:
    """`wave --plot DIR` inside a folder that refuses writes."""
    refused(cli, *wave_plot(unwritable_dir / "pics"), culprit=unwritable_dir)


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_slot_out_is_a_file(cli: Cli, a_file: Path, where: str) -> None:
    """`slot --out DIR` where DIR is, or is inside, a file."""
    refused(cli, *slot_out(a_file if where == "a file" else a_file / "out"), culprit=a_file)


# ---- the service's data folder -----------------------------------------------------------
@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PICKOPT_API_KEYS", "PICKOPT_API_KEYS_FILE", "PICKOPT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


def serve(data_dir: Path) -> list[str]:
    return ["serve", "--insecure-dev", "--port", "0", "--workers", "1",
            "--data-dir", str(data_dir)]  # fmt: skip


@pytest.mark.usefixtures("no_keys")
@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_serve_data_dir_is_a_file(cli: Cli, a_file: Path, where: str) -> None:
    """`serve --data-dir` on, or under, a file stops before the server starts."""
    refused(cli, *serve(a_file if where == "a file" else a_file / "data"), culprit=a_file)


@pytest.mark.usefixtures("no_keys")
def test_serve_data_dir_read_only(cli: Cli, unwritable_dir: Path) -> None:
    """`serve --data-dir` on a folder that refuses writes stops before the server starts."""
    refused(cli, *serve(unwritable_dir), culprit=unwritable_dir)


# ---- a wave that plans nothing -------------------------------------------------------------
def test_wave_with_every_order_unassigned_fails(cli: Cli, tmp_path: Path) -> None:
    """No order batched (SKUs that are no bin codes, no --slotting): exit 2 and one
    line saying so, with the commonest reason and the missing --slotting."""
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,sku,qty\no1,SKU-1,1\no2,SKU-2,1\no3,SKU-3,1\n")
    err = refused(cli, "wave", "--layout", SINGLE, "--orders", str(orders), "--cart-items", "9",
                  culprit="no order could be batched")  # fmt: skip
    assert "3 orders" in err and "unknown SKU" in err and "--slotting" in err


def test_wave_with_some_orders_unassigned_succeeds(cli: Cli, tmp_path: Path) -> None:
    """A wave that plans some orders exits 0 and lists the others."""
    orders = tmp_path / "orders.csv"
    orders.write_text(f"order_id,sku,qty\no1,{PICK},1\no2,SKU-2,1\n")
    code, out, _ = cli("wave", "--layout", SINGLE, "--orders", str(orders), "--cart-items", "9")
    assert code == 0
    assert "unassigned o2: unknown SKU 'SKU-2'" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["wave", "--layout", SINGLE, "--orders", ORDERS, "--cart-items", "9", "--max-plots", "-1"],
        ["slot", "--layout", SINGLE, "--history", HISTORY, "--out", "o", "--replay-days", "-2"],
        ["slot", "--layout", SINGLE, "--history", HISTORY, "--out", "o", "--replay-orders", "-5"],
    ],
    ids=["max-plots", "replay-days", "replay-orders"],
)
def test_negative_counts_are_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """A negative count is refused by the parser (exit 2), not read as "all but one"."""
    with pytest.raises(SystemExit) as refused_:
        main(argv)
    assert refused_.value.code == 2
    assert "must be a whole number >= 0" in capsys.readouterr().err

"""SKU masters: every CSV dialect reads alike, the writer round-trips, and a bad
master is reported with its file and line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optimizer.io.history import HistoryError
from optimizer.io.sku_master import read_sku_master, write_sku_master
from tests.io.conftest import DIALECTS, in_dialect, write


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sku_master_in_every_dialect(tmp_path: Path, dialect: str) -> None:
    """A SKU master reads alike in every dialect; its zones and cubes come along."""
    path = tmp_path / "m.csv"
    path.write_bytes(in_dialect("sku,unit_cube,zone\na,2.5,cold\nb,,\n", dialect))
    skus, cube, zones = read_sku_master(path)
    assert skus == ["a", "b"] and cube[0] == 2.5 and np.isnan(cube[1])
    assert zones == ["cold", None]


def test_write_sku_master_round_trip(tmp_path: Path) -> None:
    """The master is written sorted by SKU and reads back with its cubes."""
    path = write_sku_master(("b", "a"), np.array([0.5, 1.25]), tmp_path / "m.csv")
    assert path.read_text().splitlines()[0] == "sku,unit_cube"
    skus, cube, zones = read_sku_master(path)
    assert skus == ["a", "b"] and cube.tolist() == [1.25, 0.5] and zones is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,unit_cube\na,1\n", "missing column 'sku'"),
        ("sku;unit_cube\na;1\n;2\n", "line 3: empty sku"),
        ("sku\tunit_cube\na\t1\na\t2\n", "line 3: SKU 'a' is also at line 2"),
        ("sku,unit_cube\na,1\nb,-3\n", "line 3: SKU 'b': unit cube -3"),
    ],
)
def test_bad_master_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    """A missing column, an empty or repeated SKU, a negative cube: named with the line."""
    path = write(tmp_path, "m.csv", text)
    with pytest.raises(HistoryError, match=message):
        read_sku_master(path)


@pytest.mark.parametrize("column", ["sku", "zone"])
def test_latin1_text_is_refused_not_garbled(tmp_path: Path, column: str) -> None:
    """A Latin-1 byte in a text column is an error naming the file and column,
    not SKUs or zones read back as "b'St\\xfcck'" (issue 11)."""
    row = "Stück,1,A" if column == "sku" else "ABC,1,kühl"
    path = tmp_path / "m.csv"
    path.write_bytes(f"sku,unit_cube,zone\nXYZ,2,B\n{row}\n".encode("latin-1"))
    with pytest.raises(HistoryError, match=rf"^{path}: column '{column}' is not UTF-8 text"):
        read_sku_master(path)

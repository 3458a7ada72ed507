"""Slotting tables (``sku,bin`` CSV): they round-trip, read alike in every CSV
dialect, and a bad table is reported with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.errors import PickoptError
from optimizer.io import read_slotting, write_slotting
from optimizer.io.slotting import parse_slotting_csv
from optimizer.orders import Slotting
from tests.io.conftest import DIALECTS, in_dialect, raises_at, write

TABLE = "sku,bin\nsku-2,A01-B1-001-L-1\nsku-1,A02-B1-003-R-1\n"


def test_slotting_round_trip(tmp_path: Path) -> None:
    """A slotting table round-trips through read_slotting/write_slotting."""
    slotting = Slotting({"b": "A01-B1-001-L-1", "a": "A02-B1-003-R-1"}, name="x")
    path = tmp_path / "slots.csv"
    write_slotting(slotting, path)
    back = read_slotting(path)
    assert back.bins == slotting.bins and back.name == "slots"
    with pytest.raises(PickoptError, match="no such slotting file"):
        read_slotting(tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    "text", [" lead", "trail ", " both ", "a,b", 'say "hi"', "x;y", "ünï €", "'", '"q']
)
def test_round_trip_keeps_text_exactly(tmp_path: Path, text: str) -> None:
    """SKUs and bin codes with surrounding spaces, delimiters, quotes and unicode
    come back exactly (issue 11: " lead" became "lead")."""
    slotting = Slotting({text: f"{text}-bin", f"{text}-2": text, "plain": "A01-B1-001-L-1"})
    path = tmp_path / "slots.csv"
    write_slotting(slotting, path)
    assert read_slotting(path).bins == slotting.bins


def test_text_parses_as_the_file_does(tmp_path: Path) -> None:
    """parse_slotting_csv, for text that is no file (an upload), gives the table the
    file gives, and names the text as told."""
    slotting = Slotting({" lead": "A01-B1-001-L-1", "x;y": " b ", "ü": '"q"'})
    path = tmp_path / "slots.csv"
    write_slotting(slotting, path)
    text = "\ufeff" + path.read_text(encoding="utf-8")
    assert parse_slotting_csv(text) == read_slotting(path).bins == slotting.bins
    with pytest.raises(PickoptError, match=r"^upload:3: SKU 'a' is listed twice"):
        parse_slotting_csv("sku,bin\na,b\na,c\n", where="upload")


def test_a_field_over_the_csv_limit_is_named(tmp_path: Path) -> None:
    """A 200k-character field names the file and line, not a csv traceback."""
    path = write(tmp_path, "slots.csv", f"sku,bin\na,A01-B1-001-L-1\n{'x' * 200_000},b\n")
    with raises_at(PickoptError, path, 3, "field larger than field limit"):
        read_slotting(path)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_reads_alike(tmp_path: Path, dialect: str) -> None:
    """BOM, CRLF, ';' and tab delimiters give the table the plain CSV gives."""
    path = tmp_path / "slots.csv"
    path.write_bytes(in_dialect(TABLE, dialect))
    assert read_slotting(path).bins == {"sku-2": "A01-B1-001-L-1", "sku-1": "A02-B1-003-R-1"}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("sku,bins\na,A01-B1-001-L-1\n", None, "missing column 'bin' (did you mean 'bins'?)"),
        ("sku;bin\na;\n", 2, "empty sku or bin"),
        ("sku\tbin\na\tA01-B1-001-L-1\na\tA01-B1-002-L-1\n", 3, "SKU 'a' is listed twice"),
    ],
)
def test_bad_tables_name_file_and_line(
    tmp_path: Path, text: str, line: int | None, message: str
) -> None:
    """A missing column, an empty cell, a repeated SKU: named with file and line."""
    path = write(tmp_path, "slots.csv", text)
    with raises_at(PickoptError, path, line, message):
        read_slotting(path)


def test_not_utf8_is_named(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are a PickoptError naming the file and the byte."""
    path = tmp_path / "slots.csv"
    path.write_bytes(b"sku,bin\n\xff,A01-B1-001-L-1\n")
    with raises_at(PickoptError, path, None, "not UTF-8 text (invalid start byte at byte 8)"):
        read_slotting(path)

"""Opening input files: every reader refuses a missing file, a directory and
an unknown suffix with the same message naming the file, and the CSV
delimiter is detected from the header alone."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from optimizer.errors import LayoutError, PickoptError
from optimizer.files import (
    detect_delimiter,
    input_file,
    output_dir,
    output_file,
    read_header,
    read_text,
)
from optimizer.io import (
    read_albareda,
    read_henn,
    read_hessler_irnich_batching,
    read_orders,
    read_slotting,
    read_sprp,
)
from optimizer.io.history import HistoryError, HistoryReader
from optimizer.io.sku_master import read_sku_master
from optimizer.orders import OrderError

# (reader, its error class, what its messages call the file, a file name it accepts)
READERS: dict[str, tuple[Callable[[Path], Any], type[PickoptError], str, str]] = {
    "orders": (read_orders, OrderError, "orders file", "o.csv"),
    "slotting": (read_slotting, PickoptError, "slotting file", "s.csv"),
    "history": (HistoryReader, HistoryError, "history file", "h.parquet"),
    "sku master": (read_sku_master, HistoryError, "SKU master file", "m.csv"),
    "sprp": (read_sprp, LayoutError, "file", "i.txt"),
    "hessler-irnich": (read_hessler_irnich_batching, LayoutError, "file", "i.txt"),
    "henn": (lambda p: read_henn(p, p), LayoutError, "file", "sett1.txt"),
    "albareda": (lambda p: read_albareda(p, p), LayoutError, "file", "layout.txt"),
}


@pytest.mark.parametrize("name", READERS)
def test_missing_file_is_named(tmp_path: Path, name: str) -> None:
    """A file that is not there: '<path>: no such <kind>', in the reader's error class."""
    reader, error, kind, file_name = READERS[name]
    path = tmp_path / file_name
    with pytest.raises(error, match=f"^{re.escape(f'{path}: no such {kind}')}$"):
        reader(path)


@pytest.mark.parametrize("name", READERS)
def test_directory_is_not_a_file(tmp_path: Path, name: str) -> None:
    """A directory with an accepted name: '<path>: not a regular file'."""
    reader, error, _, file_name = READERS[name]
    path = tmp_path / file_name
    path.mkdir()
    with pytest.raises(error, match=re.escape(f"{path}: not a regular file")):
        reader(path)


@pytest.mark.parametrize(
    ("name", "file_name", "message"),
    [
        (
            "orders",
            "o.jsn",
            "orders file type '.jsn' (use .csv, .json or .parquet) (did you mean '.json'?)",
        ),
        (
            "history",
            "h.parqet",
            "history file type '.parqet' (use .csv, .parquet or .pq) (did you mean '.parquet'?)",
        ),
        ("sku master", "m.xlsx", "SKU master file type '.xlsx' (use .csv, .parquet or .pq)"),
    ],
)
def test_unknown_suffix_is_named_with_the_closest(
    tmp_path: Path, name: str, file_name: str, message: str
) -> None:
    """An unknown suffix is refused before the file is looked for, naming the known ones."""
    reader, error, _, _ = READERS[name]
    path = tmp_path / file_name
    with pytest.raises(error, match=f"^{re.escape(f'{path}: unknown {message}')}$"):
        reader(path)


def test_size_guard(tmp_path: Path) -> None:
    """A file over ``max_bytes`` is refused; one at the limit passes."""
    path = tmp_path / "big.toml"
    path.write_bytes(b"x" * 2048)
    assert input_file(path, LayoutError, max_bytes=2048) == path
    with pytest.raises(LayoutError, match=re.escape(f"{path}: file is larger than")):
        input_file(path, LayoutError, max_bytes=2047)


@pytest.mark.parametrize("name", READERS)
def test_every_reader_refuses_a_2_gb_file_at_once(tmp_path: Path, name: str) -> None:
    """A 2 GB file (sparse, no disk used) is refused naming the file, without
    reading it into memory: a size limit, or for streamed histories a bounded
    header line."""
    reader, error, _, filename = READERS[name]
    path = tmp_path / filename.replace(".parquet", ".csv")
    with path.open("wb") as fh:
        fh.truncate(2 * 2**30)
    start = time.perf_counter()
    with pytest.raises(error, match=re.escape(str(path))):
        reader(path)
    assert time.perf_counter() - start < 2


def test_read_header_is_bounded(tmp_path: Path) -> None:
    """The first line is read alone (its byte-order mark counts); one longer than
    the limit is refused."""
    path = tmp_path / "h.csv"
    path.write_bytes(b"\xef\xbb\xbforder_id,sku\r\n" + b"x" * 100)
    assert read_header(path, PickoptError, max_bytes=15) == "order_id,sku"
    with pytest.raises(PickoptError, match=re.escape(f"{path}:1: first line is longer than")):
        read_header(path, PickoptError, max_bytes=14)


def test_read_text_size_limit(tmp_path: Path) -> None:
    """read_text refuses a file over its limit before decoding it."""
    path = tmp_path / "t.csv"
    path.write_text("sku,bin\n")
    assert read_text(path, PickoptError, max_bytes=8) == "sku,bin\n"
    with pytest.raises(PickoptError, match="larger than 7 bytes"):
        read_text(path, PickoptError, max_bytes=7)


def test_output_dir_names_the_file_in_the_way(tmp_path: Path) -> None:
    """A folder that is, or is under, a file: the file is named."""
    blocker = tmp_path / "f"
    blocker.write_text("x")
    for target in (blocker, blocker / "a" / "b"):
        with pytest.raises(PickoptError, match=re.escape(f"{blocker} is a file, not a folder")):
            output_dir(target, PickoptError)
    assert output_dir(tmp_path / "new" / "dir", PickoptError).is_dir()


def test_output_file_checks_suffix_and_folder(tmp_path: Path) -> None:
    """An unknown suffix (with the closest), a folder in place of the file."""
    with pytest.raises(PickoptError, match=r"unknown picture file type '\.pgn'.*'\.png'"):
        output_file(tmp_path / "r.pgn", PickoptError, kind="picture", formats=(".png", ".svg"))
    with pytest.raises(PickoptError, match="is a folder"):
        output_file(tmp_path, PickoptError, kind="picture")
    assert output_file(tmp_path / "x" / "r.png", PickoptError) == tmp_path / "x" / "r.png"


def test_any_suffix_without_formats(tmp_path: Path) -> None:
    """Without ``formats`` the suffix is not checked."""
    path = tmp_path / "notes.anything"
    path.write_text("x")
    assert input_file(path, PickoptError, kind="notes") == path


def test_read_text_drops_the_bom_and_names_bad_bytes(tmp_path: Path) -> None:
    """No byte-order mark, line ends as "\\n"; bytes that are not UTF-8 are named."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfsku,bin\r\n")
    assert read_text(path, PickoptError) == "sku,bin\n"
    path.write_bytes(b"ab\xe9")
    with pytest.raises(OrderError, match=re.escape(f"{path}: not UTF-8 text") + ".*at byte 2"):
        read_text(path, OrderError)


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("order_id,sku,qty", ","),
        ("order_id;sku;qty", ";"),
        ("order_id\tsku\tqty", "\t"),
        ("\ufefforder_id;sku;qty\r\n", ";"),
        ('"a;b;c",sku,qty', ","),
        ("order id;sku;qty", ";"),
        ("order|sku|qty", ","),
        ("", ","),
    ],
)
def test_delimiter_is_the_commonest_outside_quotes(header: str, delimiter: str) -> None:
    """Only comma, semicolon and tab are candidates; quoted ones do not count; ties go
    to the comma."""
    assert detect_delimiter(header) == delimiter

"""Order-line histories: every CSV dialect reads alike, rows that cannot be
used are skipped and counted in every dialect, the writer round-trips, and
day numbers match dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from optimizer.errors import PickoptError
from optimizer.io.history import (
    HistoryError,
    HistoryReader,
    date_of,
    day_of,
    write_history,
)
from tests.io.conftest import DIALECTS, in_dialect, write

HISTORY = """\
order_id,sku,qty,date
o1,a,1,2024-01-01
o1,b,x,2024-01-01
,,,
o2,a,2
o3,c,3,2024-01-02
"""


def read_all(reader: HistoryReader) -> tuple[list[str], list[int], list[str], list[int]]:
    """(order ids, SKU numbers, quantities, day numbers) of every clean row."""
    oids: list[str] = []
    skus: list[int] = []
    qty: list[int] = []
    day: list[int] = []
    for chunk in reader:
        oids += chunk.order_id.to_pylist()
        skus += chunk.sku.tolist()
        qty += chunk.qty.tolist()
        assert chunk.day is not None
        day += chunk.day.tolist()
    return oids, skus, qty, day


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_reads_alike(tmp_path: Path, dialect: str) -> None:
    """BOM, CRLF, ';' and tab: the same clean rows and the same skipped rows."""
    path = tmp_path / "h.csv"
    path.write_bytes(in_dialect(HISTORY, dialect))
    reader = HistoryReader(path)
    assert reader.has_date and reader.delimiter == DIALECTS[dialect]
    oids, skus, qty, day = read_all(reader)
    assert oids == ["o1", "o3"] and qty == [1, 3]
    assert [reader.names[s] for s in skus] == ["a", "c"]
    assert [date_of(d) for d in day] == [dt.date(2024, 1, 1), dt.date(2024, 1, 2)]
    assert dict(reader.issues.counts) == {
        "empty row": 1,
        "wrong number of fields": 1,
        "bad qty": 1,
    }
    assert any("line 3" in e for e in reader.issues.examples["bad qty"])
    assert any("line 5" in e for e in reader.issues.examples["wrong number of fields"])


def test_header_of_one_column_is_comma_separated(tmp_path: Path) -> None:
    """Without any delimiter in the header the file is read as comma-separated."""
    path = write(tmp_path, "h.csv", "order_id\no1\n")
    with pytest.raises(HistoryError, match="missing column 'sku'"):
        HistoryReader(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_history_round_trip(tmp_path: Path, suffix: str) -> None:
    """What write_history writes, the reader reads back row for row."""
    table = pa.table(
        {
            "order_id": ["h1", "h1", "h2"],
            "sku": pa.array(["a", "b", "a"]).dictionary_encode(),
            "qty": pa.array([1, 2, 3], pa.int32()),
            "date": pa.array([19723, 19723, 19724], pa.int32()).cast(pa.date32()),
        }
    )
    reader = HistoryReader(write_history(table, tmp_path / f"h{suffix}"))
    oids, skus, qty, day = read_all(reader)
    assert oids == ["h1", "h1", "h2"] and qty == [1, 2, 3] and day == [19723, 19723, 19724]
    assert [reader.names[s] for s in skus] == ["a", "b", "a"]
    assert reader.issues.total == 0


def test_write_history_needs_a_known_suffix(tmp_path: Path) -> None:
    """Only .csv and .parquet are written."""
    with pytest.raises(PickoptError, match="write a history as .csv or .parquet"):
        write_history(pa.table({"order_id": ["o"]}), tmp_path / "h.json")


def test_date_window_needs_a_date_column(tmp_path: Path) -> None:
    """A window on a history without dates is an error, not an empty result."""
    path = write(tmp_path, "h.csv", "order_id,sku,qty\no1,a,1\n")
    with pytest.raises(HistoryError, match="a date window needs a 'date' column"):
        HistoryReader(path, since=day_of("2024-01-01"))


def test_day_numbers_match_dates() -> None:
    """day_of and date_of are inverse; datetimes count by their date; junk is named."""
    for date in (dt.date(1970, 1, 1), dt.date(2024, 2, 29), dt.date(1969, 12, 31)):
        assert date_of(day_of(date)) == date
    assert day_of(dt.datetime(2024, 1, 1, 23, 59)) == day_of("2024-01-01")
    with pytest.raises(HistoryError, match="date '1/1/2024' is not YYYY-MM-DD"):
        day_of("1/1/2024")

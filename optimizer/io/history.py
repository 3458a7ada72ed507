"""Order-line histories: CSV, Parquet or Arrow tables, read in chunks.

A history has one row per order line with the columns ``order_id, sku,
qty`` and an optional ``date`` (ISO ``YYYY-MM-DD``, a date or a timestamp);
column names are case-insensitive and other columns are ignored. A CSV
history may be comma, semicolon or tab separated, with or without a UTF-8
byte-order mark and CRLF line ends.

:class:`HistoryReader` streams it in chunks (pyarrow's CSV reader or Parquet
row batches): every chunk is validated with vectorised checks and reduced to
integer columns (:class:`HistoryChunk`), SKU names numbered as they first
appear. Rows that cannot be used (empty, wrong number of fields, no order id,
no SKU, a quantity that is not a positive whole number, an unreadable date)
are skipped, counted by reason with a few examples in
:class:`~optimizer.io.row_issues.RowIssues`, and the rest is read.

:func:`write_history` writes a file the reader reads back. The SKU master
that goes with a history is read by :mod:`optimizer.io.sku_master`.

What is made of a history (demand profiles, replayed orders) is the
business of :mod:`optimizer.slotting`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from optimizer.errors import PickoptError, suggest
from optimizer.files import input_file, read_header, sniff_delimiter
from optimizer.io.columns import EPOCH, days, is_text, missing, plain, quantities, trimmed
from optimizer.io.row_issues import KEEP_EXAMPLES, IssueLog, RowIssues
from optimizer.progress import Progress

__all__ = [
    "HistoryReader",
    "HistoryChunk",
    "HistoryError",
    "write_history",
    "date_of",
    "day_of",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "FORMATS",
    "CHUNK_ROWS",
]

REQUIRED_COLUMNS = ("order_id", "sku", "qty")
OPTIONAL_COLUMNS = ("date",)
#: File types of histories and SKU masters.
FORMATS = (".csv", ".parquet", ".pq")
#: Rows per chunk (CSV chunks are sized in bytes to match roughly).
CHUNK_ROWS = 1 << 20
_CSV_BLOCK = 32 << 20  # bytes per CSV chunk (about a million lines)


class HistoryError(PickoptError):
    """An order history or SKU master that cannot be read at all."""


# ---- day numbers and dates ---------------------------------------------------------------
def _show(value: Any) -> str:
    return repr(value.as_py() if isinstance(value, pa.Scalar) else value)


def date_of(day: int) -> dt.date:
    """The date of a day number (days since 1970-01-01), as the reader counts days.

    Examples
    --------
    >>> date_of(day_of("2024-01-31"))
    datetime.date(2024, 1, 31)
    """
    return EPOCH + dt.timedelta(days=int(day))


def day_of(value: dt.date | str) -> int:
    """The day number of a date, a datetime or an ISO ``YYYY-MM-DD`` string.

    Raises
    ------
    HistoryError
        For a string that is not an ISO date.

    Examples
    --------
    >>> day_of("1970-01-03"), day_of("1970-01-03T23:59")
    (2, 2)
    """
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            raise HistoryError(f"date {value!r} is not YYYY-MM-DD") from None
    if isinstance(value, dt.datetime):
        value = value.date()
    return (value - EPOCH).days


# ---- reading a history in chunks ----------------------------------------------------------
@dataclass
class HistoryChunk:
    """Clean rows of one batch: order ids (Arrow strings), SKU numbers (into
    :attr:`HistoryReader.names`), quantities and day numbers (``None``
    without a date column)."""

    order_id: pa.Array
    sku: np.ndarray
    qty: np.ndarray
    day: np.ndarray | None


class HistoryReader:
    """Streams a history file (or an Arrow table) as clean :class:`HistoryChunk` objects.

    Opening checks the file and its columns; iterating reads it, once.

    Parameters
    ----------
    source
        A ``.csv`` or ``.parquet`` file, or an Arrow table with the history
        columns.
    chunk_rows
        Rows per chunk.
    since, until
        Keep only rows dated in this window of day numbers (inclusive; see
        :func:`day_of`); needs a ``date`` column.
    progress
        Draw a progress bar on stderr (``None``: when it is a terminal).

    Attributes
    ----------
    names, index
        SKU names numbered as they first appear, and name -> number.
    has_date
        Whether the history has a ``date`` column.
    outside
        Clean rows left out by the date window.
    where
        The file, or ``"table"``, for messages.

    Raises
    ------
    HistoryError
        For a missing file, an unknown type, a missing column (naming the
        closest one) or an unreadable header.

    Examples
    --------
    >>> table = pa.table({"order_id": ["o1", "o1", "o2"], "sku": ["a", "b", ""], "qty": [1, 2, 3]})
    >>> reader = HistoryReader(table)
    >>> [(chunk.sku.tolist(), chunk.qty.tolist()) for chunk in reader], reader.names
    ([([0, 1], [1, 2])], ['a', 'b'])
    >>> reader.issues.describe()
    "1 row skipped: 1 missing sku (row 3: order 'o2', SKU '')"
    """

    def __init__(
        self,
        source: str | Path | pa.Table,
        *,
        chunk_rows: int = CHUNK_ROWS,
        since: int | None = None,
        until: int | None = None,
        progress: bool | None = False,
    ) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.log = IssueLog()
        self.since, self.until = since, until
        self.outside = 0
        self.rows = 0  # data rows seen (well-formed ones)
        self._bad_lines: list[int] = []  # physical lines of CSV rows with a wrong field count
        self.chunk_rows = chunk_rows
        self.progress = progress
        self.has_date = False
        self.delimiter = ","  # of a CSV file, from its header line
        if isinstance(source, pa.Table | pa.RecordBatch):
            self.path: Path | None = None
            self.where = "table"
            self._table = pa.table(source) if isinstance(source, pa.RecordBatch) else source
            self.columns = self._columns(list(self._table.column_names))
        else:
            self._table = None
            self.path = Path(source)
            self.where = str(self.path)
            self.kind = self._kind(self.path)
            names = self._csv_header() if self.kind == "csv" else self._parquet_names()
            self.columns = self._columns(names)
        if (since is not None or until is not None) and not self.has_date:
            raise HistoryError(f"{self.where}: a date window needs a 'date' column")

    @property
    def issues(self) -> RowIssues:
        """The rows skipped so far, by reason."""
        return self.log.freeze()

    # ---- opening ----------------------------------------------------------------------------
    def _kind(self, p: Path) -> str:
        p = input_file(p, HistoryError, kind="history", formats=FORMATS)
        return "csv" if p.suffix.lower() == ".csv" else "parquet"

    def _csv_header(self) -> list[str]:
        assert self.path is not None
        # Only the first line: the rows are streamed later, and a file of one
        # endless line (or binary data) must not be read whole here.
        line = read_header(self.path, HistoryError)
        self.delimiter = sniff_delimiter(self.path)
        try:
            header = next(csv.reader([line], delimiter=self.delimiter), None)
        except csv.Error as exc:
            raise HistoryError(f"{self.path}:1: unreadable header: {exc}") from None
        if not header:
            raise HistoryError(f"{self.path}: empty file (expected a header row order_id,sku,qty)")
        return header

    def _parquet_names(self) -> list[str]:
        assert self.path is not None
        try:
            return list(pq.ParquetFile(self.path).schema_arrow.names)
        except (pa.ArrowInvalid, OSError) as exc:
            raise HistoryError(f"{self.path}: not a readable Parquet file: {exc}") from None

    def _columns(self, names: list[str]) -> dict[str, str]:
        """Our column name -> the file's spelling; checks the required ones."""
        lower = {n.strip().lower(): n for n in names}
        for col in REQUIRED_COLUMNS:
            if col not in lower:
                others = [n for n in lower if n not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
                raise HistoryError(
                    f"{self.where}: missing column {col!r}" + suggest(col, others)
                    + f" (columns: {', '.join(names)})"
                )  # fmt: skip
        out = {c: lower[c] for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if c in lower}
        self.has_date = "date" in out
        return out

    def _batches(self) -> Iterator[tuple[pa.RecordBatch, float, float]]:
        """Raw batches with (done, total) for the progress bar."""
        wanted = list(self.columns.values())
        if self._table is not None:
            table = self._table.select(wanted)
            total = float(table.num_rows)
            done = 0.0
            for batch in table.to_batches(max_chunksize=self.chunk_rows):
                done += batch.num_rows
                yield batch, done, total
            return
        assert self.path is not None
        if self.kind == "parquet":
            try:
                f = pq.ParquetFile(self.path, read_dictionary=[self.columns["sku"]])
                total = float(f.metadata.num_rows)
                done = 0.0
                for batch in f.iter_batches(batch_size=self.chunk_rows, columns=wanted):
                    done += batch.num_rows
                    yield batch, done, total
            except (pa.ArrowInvalid, OSError) as exc:
                raise HistoryError(f"{self.path}: unreadable Parquet data: {exc}") from None
            return
        yield from self._csv_batches(wanted)

    def _csv_batches(self, wanted: list[str]) -> Iterator[tuple[pa.RecordBatch, float, float]]:
        assert self.path is not None

        def invalid(row: Any) -> str:
            if row.number is not None:
                self._bad_lines.append(int(row.number))
            text = (row.text or "").strip()
            if not text.strip(self.delimiter):
                self.log.add("empty row", 1, [f"line {row.number}"])
            else:
                self.log.add(
                    "wrong number of fields",
                    1,
                    [f"line {row.number}: {row.actual_columns} fields, expected "
                     f"{row.expected_columns}: {text[:60]!r}"],
                )  # fmt: skip
            return "skip"

        total = float(self.path.stat().st_size)
        block = max(1 << 16, min(_CSV_BLOCK, self.chunk_rows * 32))
        with self.path.open("rb") as fh:
            try:
                reader = pacsv.open_csv(
                    fh,
                    read_options=pacsv.ReadOptions(block_size=block, use_threads=False),
                    parse_options=pacsv.ParseOptions(
                        delimiter=self.delimiter,
                        invalid_row_handler=invalid,
                        ignore_empty_lines=False,
                    ),
                    convert_options=pacsv.ConvertOptions(
                        include_columns=wanted,
                        column_types={c: pa.string() for c in wanted},
                        strings_can_be_null=False,
                    ),
                )
                for batch in reader:
                    yield batch, float(fh.tell()), total
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise HistoryError(f"{self.path}: malformed CSV: {exc}") from None

    # ---- cleaning -----------------------------------------------------------------------------
    def _line(self, row: int) -> str:
        """Where data row ``row`` (0-based) is, for messages."""
        if self.path is None or self.kind != "csv":
            return f"row {row + 1}"
        line = row + 2  # header, 1-based
        for bad in sorted(self._bad_lines):  # rows skipped by the parser shift the count
            if bad <= line:
                line += 1
        return f"line {line}"

    def _sku_ids(self, arr: pa.Array) -> np.ndarray:
        """Global SKU ids (-1 for a missing SKU), numbering new names as they come."""
        if not pa.types.is_dictionary(arr.type):
            if not is_text(arr.type):
                arr = pc.cast(arr, pa.string())
            arr = pc.dictionary_encode(arr)
        values = arr.dictionary
        if not is_text(values.type):
            values = pc.cast(values, pa.string())
        local = np.empty(len(values), dtype=np.int64)
        index, names = self.index, self.names
        for k, name in enumerate(pc.utf8_trim_whitespace(values).to_pylist()):
            if not name:
                local[k] = -1
                continue
            sid = index.get(name)
            if sid is None:
                sid = index[name] = len(names)
                names.append(name)
            local[k] = sid
        idx = np.asarray(pc.fill_null(arr.indices, -1).to_numpy(), dtype=np.int64)
        return np.where(idx >= 0, local[np.maximum(idx, 0)] if local.size else -1, -1)

    def _clean(self, batch: pa.RecordBatch) -> HistoryChunk:
        cols = {c: batch.column(batch.schema.get_field_index(n)) for c, n in self.columns.items()}
        n = batch.num_rows
        oid = trimmed(plain(cols["order_id"]))
        sku = self._sku_ids(cols["sku"])
        qty, qty_bad = quantities(cols["qty"])
        no_oid, no_sku = missing(oid), sku < 0
        no_qty = missing(trimmed(plain(cols["qty"])))
        if self.has_date:
            day, day_bad = days(cols["date"])
            no_date = missing(trimmed(plain(cols["date"])))
        else:
            day, day_bad, no_date = None, np.zeros(n, bool), np.ones(n, bool)
        empty = no_oid & no_sku & no_qty & no_date
        checks = (
            ("empty row", empty),
            ("missing order_id", no_oid),
            ("missing sku", no_sku),
            ("bad qty", qty_bad),
            ("bad date", day_bad),
        )
        bad = np.zeros(n, bool)
        for reason, mask in checks:
            mask = mask & ~bad
            count = int(mask.sum())
            if count:
                examples = []
                if self.log.wants_examples(reason):
                    for i in np.flatnonzero(mask)[:KEEP_EXAMPLES].tolist():
                        examples.append(self._example(reason, cols, i))
                self.log.add(reason, count, examples)
            bad |= mask
        keep = ~bad
        if day is not None and (self.since is not None or self.until is not None):
            inside = keep.copy()
            if self.since is not None:
                inside &= day >= self.since
            if self.until is not None:
                inside &= day <= self.until
            self.outside += int(keep.sum() - inside.sum())
            keep = inside
        self.rows += n
        mask = pa.array(keep)
        return HistoryChunk(
            oid.filter(mask), sku[keep], qty[keep], day[keep] if day is not None else None
        )

    def _example(self, reason: str, cols: Mapping[str, pa.Array], i: int) -> str:
        where = self._line(self.rows + i)
        if reason == "empty row":
            return where
        parts = [f"order {_show(cols['order_id'][i])}", f"SKU {_show(cols['sku'][i])}"]
        if reason == "bad qty":
            parts.append(f"qty {_show(cols['qty'][i])}")
        if reason == "bad date":
            parts.append(f"date {_show(cols['date'][i])}")
        return f"{where}: " + ", ".join(parts)

    def __iter__(self) -> Iterator[HistoryChunk]:
        with Progress(f"reading {Path(self.where).name}", enabled=self.progress) as bar:
            for batch, done, total in self._batches():
                bar.total = total or None
                yield self._clean(batch)
                bar.update(done)


# ---- writing --------------------------------------------------------------------------------
def write_history(table: pa.Table, path: str | Path) -> Path:
    """Write history rows to ``.csv`` or ``.parquet`` (by suffix); returns the path.

    Parameters
    ----------
    table
        The history columns (``order_id, sku, qty`` and optionally ``date``);
        a dictionary-encoded ``sku`` is written as text in CSV.
    path
        The file; Parquet is zstd-compressed, CSV has an unquoted header.

    Raises
    ------
    PickoptError
        For a suffix that is neither.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        pq.write_table(table, p, compression="zstd")
    elif suffix == ".csv":
        columns = [
            pc.cast(col, pa.string()) if pa.types.is_dictionary(col.type) else col
            for col in table.columns
        ]
        table = pa.table(columns, names=table.column_names)
        with p.open("wb") as fh:  # an unquoted header, then the rows
            fh.write((",".join(table.column_names) + "\n").encode())
            pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False,
                                                          quoting_style="none"))  # fmt: skip
    else:
        raise PickoptError(f"{p}: write a history as .csv or .parquet")
    return p

"""Demand profiles: what the order history says about each SKU.

A :class:`DemandProfile` holds, per SKU, its *picks* (order lines), *units*
and *orders* (distinct orders that contain it), the unit cube from an
optional SKU master, the most frequent co-picked pairs, and what was wrong
with the input. It is built from

- a history file (:meth:`DemandProfile.from_file`): CSV or Parquet with the
  columns ``order_id, sku, qty`` and an optional ``date`` (ISO
  ``YYYY-MM-DD``, a date or a timestamp); column names are case-insensitive
  and other columns are ignored;
- columns in memory (:meth:`DemandProfile.from_arrays`), or
- :class:`~optimizer.orders.Order` objects (:meth:`DemandProfile.from_orders`).

Files are streamed in chunks (pyarrow's CSV reader or Parquet row batches);
every chunk is validated with vectorised checks and reduced to integer
columns, and all counting is numpy group-bys (``bincount``, ``unique`` on
packed ``order * n_skus + sku`` keys), never a Python loop per line. Rows
that cannot be used (empty, wrong number of fields, no order id, no SKU, a
quantity that is not a positive whole number, an unreadable date) are
skipped, counted by reason with a few examples in :class:`RowIssues`, and
the rest is processed.

Notes
-----
Memory is about 40 bytes per line (the order ids as Arrow strings plus four
integer columns), so 10 million lines need about 0.5 GB; time is dominated
by two sorts of the packed keys, O(L log L) for L lines.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from optimizer.errors import PickoptError, suggest
from optimizer.orders import Order
from optimizer.progress import Progress

__all__ = [
    "DemandProfile",
    "CoPick",
    "RowIssues",
    "HistoryError",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "MASTER_COLUMNS",
]

REQUIRED_COLUMNS = ("order_id", "sku", "qty")
OPTIONAL_COLUMNS = ("date",)
#: SKU master columns: ``sku`` is required; ``unit_cube`` (litres; also read
#: from ``unit_volume`` or ``cube``) and ``zone`` (the only slot zone the SKU
#: may go to, e.g. a size class or a temperature zone) are optional.
MASTER_COLUMNS = ("sku", "unit_cube", "zone")
_CUBE_ALIASES = ("unit_cube", "unit_volume", "cube")
_FORMATS = (".csv", ".parquet", ".pq")
CHUNK_ROWS = 1 << 20
_CSV_BLOCK = 32 << 20  # bytes per CSV chunk (about a million lines)
_NO_DAY = np.iinfo(np.int32).min
_EPOCH = dt.date(1970, 1, 1)
_KEEP_EXAMPLES = 3
# Reasons a row is skipped, in the order they are checked (a row counts once).
REASONS = (
    "empty row",
    "wrong number of fields",
    "missing order_id",
    "missing sku",
    "bad qty",
    "bad date",
)


class HistoryError(PickoptError):
    """An order history or SKU master that cannot be read at all."""


# ---- results ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RowIssues:
    """Rows skipped while reading a history, by reason.

    Attributes
    ----------
    counts
        Reason -> number of rows (reasons as in ``REASONS``).
    examples
        Reason -> up to three descriptions naming the line, order and SKU.
    """

    counts: Mapping[str, int] = field(default_factory=dict)
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows skipped in all."""
        return sum(self.counts.values())

    def describe(self) -> str:
        """One line for people, e.g. ``"2 rows skipped: 1 bad qty (line 3: ...)"``."""
        if not self.total:
            return "no rows skipped"
        parts = []
        for reason, n in self.counts.items():
            ex = self.examples.get(reason, ())
            parts.append(f"{n:,} {reason}" + (f" ({'; '.join(ex)})" if ex else ""))
        return f"{self.total:,} row{'s' if self.total != 1 else ''} skipped: " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class CoPick:
    """Two SKUs and the number of orders that contain both."""

    a: str
    b: str
    orders: int


class _IssueLog:
    """Mutable tally behind :class:`RowIssues`."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}

    def add(self, reason: str, n: int = 1, examples: Iterable[str] = ()) -> None:
        if n <= 0:
            return
        self.counts[reason] = self.counts.get(reason, 0) + n
        kept = self.examples.setdefault(reason, [])
        for ex in examples:
            if len(kept) >= _KEEP_EXAMPLES:
                break
            kept.append(ex)

    def wants_examples(self, reason: str) -> bool:
        return len(self.examples.get(reason, ())) < _KEEP_EXAMPLES

    def freeze(self) -> RowIssues:
        order = {r: k for k, r in enumerate(REASONS)}
        reasons = sorted(self.counts, key=lambda r: order.get(r, len(order)))
        return RowIssues(
            {r: self.counts[r] for r in reasons},
            {r: tuple(self.examples.get(r, ())) for r in reasons},
        )


# ---- converting Arrow columns -------------------------------------------------------------
def _plain(arr: pa.Array) -> pa.Array:
    """Decode a dictionary array; other arrays unchanged."""
    return arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else arr


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _trimmed(arr: pa.Array) -> pa.Array:
    """Strings without surrounding blanks; other types unchanged."""
    return pc.utf8_trim_whitespace(arr) if _is_text(arr.type) else arr


def _missing(arr: pa.Array) -> np.ndarray:
    """True where a value is null or, for text, empty after trimming."""
    miss = pc.is_null(arr)
    if _is_text(arr.type):
        miss = pc.or_(miss, pc.fill_null(pc.equal(pc.utf8_length(arr), 0), True))
    return np.asarray(miss.to_numpy(zero_copy_only=False), dtype=bool)


_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def _quantities(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Quantities as int64 and a mask of values that are not positive whole numbers."""
    arr = _plain(arr)
    t = arr.type
    if _is_text(t):
        text = pc.utf8_trim_whitespace(arr)
        try:
            values = pc.cast(text, pa.float64())
        except pa.ArrowInvalid:  # some cell is not a number: null it, keep the rest
            ok = pc.match_substring_regex(text, _NUMBER)
            values = pc.cast(pc.if_else(ok, text, pa.scalar(None, text.type)), pa.float64())
    elif pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        values = pc.cast(arr, pa.float64())
    else:
        return np.zeros(len(arr), np.int64), np.ones(len(arr), bool)
    v = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(v) | (v <= 0) | (v != np.floor(v)) | (v > 2**53)
    return np.where(bad, 0, v).astype(np.int64), bad


def _days(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970-01-01 (int32) and a mask of unreadable dates."""
    arr = _plain(arr)
    t = arr.type
    if pa.types.is_date32(t):
        d = arr
    elif pa.types.is_date64(t) or pa.types.is_timestamp(t):
        d = pc.cast(arr, pa.date32())
    elif _is_text(t):
        text = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(arr), 0, 10)  # date of a datetime
        stamp = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        d = pc.cast(stamp, pa.date32())
    else:
        return np.zeros(len(arr), np.int32), np.ones(len(arr), bool)
    v = np.asarray(pc.fill_null(pc.cast(d, pa.int32()), _NO_DAY).to_numpy(), dtype=np.int32)
    return v, v == _NO_DAY


def _show(value: Any) -> str:
    return repr(value.as_py() if isinstance(value, pa.Scalar) else value)


def _date_of(day: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(day))


def _day_of(value: dt.date | str) -> int:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            raise HistoryError(f"date {value!r} is not YYYY-MM-DD") from None
    if isinstance(value, dt.datetime):
        value = value.date()
    return (value - _EPOCH).days


# ---- reading a history file in chunks -----------------------------------------------------
@dataclass
class _Chunk:
    """Clean rows of one batch: order ids (Arrow), SKU ids, quantities, days."""

    order_id: pa.Array
    sku: np.ndarray
    qty: np.ndarray
    day: np.ndarray | None


class _HistoryReader:
    """Streams a history file (or an Arrow table) as clean :class:`_Chunk` objects.

    SKU names are numbered as they first appear (``names``/``index``); bad
    rows go to ``issues``. ``since``/``until`` (days) drop rows outside the
    window, counted in ``outside``.
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
        self.log = _IssueLog()
        self.since, self.until = since, until
        self.outside = 0
        self.rows = 0  # data rows seen (well-formed ones)
        self._bad_lines: list[int] = []  # physical lines of CSV rows with a wrong field count
        self.chunk_rows = chunk_rows
        self.progress = progress
        self.has_date = False
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

    # ---- opening ----------------------------------------------------------------------------
    def _kind(self, p: Path) -> str:
        suffix = p.suffix.lower()
        if suffix not in _FORMATS:
            raise HistoryError(
                f"{p}: unknown history file type {p.suffix!r} (use .csv or .parquet)"
                + suggest(suffix, _FORMATS)
            )
        if not p.is_file():
            raise HistoryError(f"{p}: no such history file")
        return "csv" if suffix == ".csv" else "parquet"

    def _csv_header(self) -> list[str]:
        assert self.path is not None
        with self.path.open(encoding="utf-8-sig", newline="") as fh:
            try:
                header = next(csv.reader(fh), None)
            except (csv.Error, UnicodeDecodeError) as exc:
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
            if not text.strip(","):
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
                        invalid_row_handler=invalid, ignore_empty_lines=False
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
            if not _is_text(arr.type):
                arr = pc.cast(arr, pa.string())
            arr = pc.dictionary_encode(arr)
        values = arr.dictionary
        if not _is_text(values.type):
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

    def _clean(self, batch: pa.RecordBatch) -> _Chunk:
        cols = {c: batch.column(batch.schema.get_field_index(n)) for c, n in self.columns.items()}
        n = batch.num_rows
        oid = _trimmed(_plain(cols["order_id"]))
        sku = self._sku_ids(cols["sku"])
        qty, qty_bad = _quantities(cols["qty"])
        no_oid, no_sku = _missing(oid), sku < 0
        no_qty = _missing(_trimmed(_plain(cols["qty"])))
        if self.has_date:
            day, day_bad = _days(cols["date"])
            no_date = _missing(_trimmed(_plain(cols["date"])))
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
                    for i in np.flatnonzero(mask)[:_KEEP_EXAMPLES].tolist():
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
        return _Chunk(
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

    def __iter__(self) -> Iterator[_Chunk]:
        with Progress(f"reading {Path(self.where).name}", enabled=self.progress) as bar:
            for batch, done, total in self._batches():
                bar.total = total or None
                yield self._clean(batch)
                bar.update(done)


# ---- the SKU master -----------------------------------------------------------------------
def _read_master(path: str | Path) -> tuple[list[str], np.ndarray, list[str | None] | None]:
    """SKU names, unit cubes (NaN where not given) and zones of a SKU master file.

    Raises
    ------
    HistoryError
        Naming the file and line: a missing ``sku`` column, an empty or
        repeated SKU, a unit cube that is not a number >= 0.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in _FORMATS:
        raise HistoryError(f"{p}: unknown SKU master type {p.suffix!r} (use .csv or .parquet)")
    if not p.is_file():
        raise HistoryError(f"{p}: no such SKU master file")
    try:
        if suffix == ".csv":
            table = pacsv.read_csv(
                p,
                convert_options=pacsv.ConvertOptions(strings_can_be_null=False),
                read_options=pacsv.ReadOptions(use_threads=False),
            )
        else:
            table = pq.read_table(p)
    except (pa.ArrowInvalid, OSError) as exc:
        raise HistoryError(f"{p}: unreadable SKU master: {exc}") from None
    lower = {n.strip().lower(): n for n in table.column_names}
    if "sku" not in lower:
        raise HistoryError(f"{p}: missing column 'sku'" + suggest("sku", list(lower)))
    line0 = 2 if suffix == ".csv" else 1
    where = "line" if suffix == ".csv" else "row"
    skus = [
        "" if v is None else str(v).strip()
        for v in _plain(table.column(lower["sku"]).combine_chunks()).to_pylist()
    ]
    seen: dict[str, int] = {}
    for k, s in enumerate(skus):
        if not s:
            raise HistoryError(f"{p}:{where} {k + line0}: empty sku")
        if s in seen:
            raise HistoryError(
                f"{p}:{where} {k + line0}: SKU {s!r} is also at {where} {seen[s] + line0}"
            )
        seen[s] = k
    cube = np.full(len(skus), np.nan)
    cube_col = next((lower[c] for c in _CUBE_ALIASES if c in lower), None)
    if cube_col is not None:
        raw = _plain(table.column(cube_col).combine_chunks())
        for k, v in enumerate(raw.to_pylist()):
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            try:
                x = float(v)
            except (TypeError, ValueError):
                x = float("nan")
            if not np.isfinite(x) or x < 0:
                raise HistoryError(
                    f"{p}:{where} {k + line0}: SKU {skus[k]!r}: unit cube {v!r} is not a "
                    "number >= 0"
                )
            cube[k] = x
    zones = None
    if "zone" in lower:
        zones = [
            None if v is None or not str(v).strip() else str(v).strip()
            for v in _plain(table.column(lower["zone"]).combine_chunks()).to_pylist()
        ]
    return skus, cube, zones


# ---- counting -----------------------------------------------------------------------------
def _pairs(o: np.ndarray, s: np.ndarray, n_skus: int, top: int, max_lines: int) -> np.ndarray:
    """The ``top`` most frequent SKU pairs within orders, as rows (a, b, count).

    ``o``, ``s``: distinct (order, sku) rows sorted by order then SKU. Orders
    with more than ``max_lines`` distinct SKUs are left out (a 500-line order
    alone would add 124,750 pairs).
    """
    if top <= 0 or o.size < 2:
        return np.zeros((0, 3), dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, o[1:] != o[:-1]])
    sizes = np.diff(np.r_[starts, o.size])
    size = np.repeat(sizes, sizes)
    after = size - (np.arange(o.size) - np.repeat(starts, sizes)) - 1  # rows after it in its order
    rows = np.flatnonzero((after >= 1) & (size <= max_lines))
    keys = []
    d = 1
    while rows.size:
        keys.append(s[rows] * n_skus + s[rows + d])
        d += 1
        rows = rows[after[rows] >= d]
    if not keys:
        return np.zeros((0, 3), dtype=np.int64)
    packed = np.sort(np.concatenate(keys))
    del keys
    edge = np.flatnonzero(np.r_[True, packed[1:] != packed[:-1], True])
    counts = np.diff(edge)
    distinct = packed[edge[:-1]]
    k = min(top, distinct.size)
    best = np.argpartition(-counts, k - 1)[:k]
    best = best[np.lexsort((distinct[best], -counts[best]))]
    return np.column_stack([distinct[best] // n_skus, distinct[best] % n_skus, counts[best]])


@dataclass(frozen=True, eq=False)
class DemandProfile:
    """What the order history says about each SKU.

    Arrays are indexed like ``skus`` and read-only.

    Attributes
    ----------
    skus
        SKU names, in order of first appearance.
    picks
        Order lines per SKU.
    units
        Units per SKU.
    orders
        Distinct orders per SKU.
    unit_cube
        Litres per unit from the SKU master; NaN where unknown.
    zones
        Zone of each SKU from the SKU master (``None``: any zone), or
        ``None`` when the master has no zones.
    n_lines, n_orders
        Clean lines and distinct orders read.
    n_days
        Distinct dates with lines (1 when the history has no dates).
    first_day, last_day
        Date range, or ``None`` without dates.
    lines_per_day
        Date -> lines.
    pairs
        The most frequent co-picked pairs, most frequent first (each pair
        with its two SKUs in name order).
    issues
        Rows skipped, by reason.
    outside
        Clean rows left out by a date window.
    master_only
        SKUs of the master that the history never mentions.
    source
        Where the history came from.

    Examples
    --------
    >>> p = DemandProfile.from_arrays(["o1", "o1", "o2"], ["a", "b", "a"], [2, 1, 1])
    >>> p.picks.tolist(), p.units.tolist(), p.orders.tolist()
    ([2, 1], [3, 1], [2, 1])
    >>> p.pairs[0]
    CoPick(a='a', b='b', orders=1)
    """

    skus: tuple[str, ...]
    picks: np.ndarray
    units: np.ndarray
    orders: np.ndarray
    unit_cube: np.ndarray
    zones: tuple[str | None, ...] | None = None
    n_lines: int = 0
    n_orders: int = 0
    n_days: int = 1
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    lines_per_day: Mapping[dt.date, int] = field(default_factory=dict)
    pairs: tuple[CoPick, ...] = ()
    issues: RowIssues = field(default_factory=RowIssues)
    outside: int = 0
    master_only: int = 0
    source: str | None = None

    def __post_init__(self) -> None:
        n = len(self.skus)
        for name in ("picks", "units", "orders", "unit_cube"):
            a = np.asarray(getattr(self, name), dtype=np.float64 if name == "unit_cube" else None)
            if a.shape != (n,):
                raise PickoptError(f"profile {name} has shape {a.shape}, expected ({n},)")
            a = a.copy()
            a.setflags(write=False)
            object.__setattr__(self, name, a)
        if self.zones is not None and len(self.zones) != n:
            raise PickoptError(f"profile zones has {len(self.zones)} entries, expected {n}")

    # ---- construction --------------------------------------------------------------------
    @classmethod
    def from_file(
        cls,
        path: str | Path,
        *,
        sku_master: str | Path | None = None,
        since: dt.date | str | None = None,
        until: dt.date | str | None = None,
        top_pairs: int = 20,
        max_pair_lines: int = 50,
        chunk_rows: int = CHUNK_ROWS,
        progress: bool | None = False,
    ) -> DemandProfile:
        """Read an order-line history (``.csv`` or ``.parquet``) in chunks.

        Parameters
        ----------
        path
            The history: ``order_id, sku, qty`` and optionally ``date``.
        sku_master
            Optional ``.csv``/``.parquet`` with ``sku`` and ``unit_cube``
            (litres) and/or ``zone``.
        since, until
            Keep only lines dated in this window (inclusive; needs ``date``).
        top_pairs
            How many co-picked pairs to keep (0: skip pair counting).
        max_pair_lines
            Orders with more distinct SKUs than this are left out of the
            pair count.
        chunk_rows
            Rows per chunk (CSV chunks are sized in bytes to match roughly).
        progress
            Draw a progress bar on stderr (``None``: when it is a terminal).

        Returns
        -------
        DemandProfile
            With :attr:`issues` listing the rows that were skipped.

        Raises
        ------
        HistoryError
            For a missing file, an unknown type, a missing column (naming the
            closest one), an unreadable file, or no usable line at all.
        """
        reader = _HistoryReader(
            path,
            chunk_rows=chunk_rows,
            since=None if since is None else _day_of(since),
            until=None if until is None else _day_of(until),
            progress=progress,
        )
        return cls._build(reader, sku_master, top_pairs, max_pair_lines, str(path))

    @classmethod
    def from_table(
        cls,
        table: pa.Table | pa.RecordBatch,
        *,
        sku_master: str | Path | None = None,
        top_pairs: int = 20,
        max_pair_lines: int = 50,
        source: str | None = None,
    ) -> DemandProfile:
        """Build a profile from an Arrow table with the history columns."""
        reader = _HistoryReader(table)
        return cls._build(reader, sku_master, top_pairs, max_pair_lines, source)

    @classmethod
    def from_arrays(
        cls,
        order_ids: Sequence[Any] | np.ndarray | pa.Array,
        skus: Sequence[str] | np.ndarray | pa.Array,
        qty: Sequence[int] | np.ndarray | pa.Array,
        days: Sequence[dt.date] | np.ndarray | pa.Array | None = None,
        *,
        sku_master: str | Path | None = None,
        top_pairs: int = 20,
        max_pair_lines: int = 50,
        source: str | None = None,
    ) -> DemandProfile:
        """Build a profile from columns of equal length (validated like a file).

        Parameters
        ----------
        order_ids, skus, qty
            One entry per order line.
        days
            Dates (``datetime.date``, ``datetime64[D]`` or ISO strings), or
            ``None``.
        sku_master, top_pairs, max_pair_lines, source
            As for :meth:`from_file`.
        """
        columns: dict[str, Any] = {
            "order_id": pa.array(order_ids),
            "sku": pa.array(skus),
            "qty": pa.array(qty),
        }
        if days is not None:
            columns["date"] = pa.array(days)
        try:
            table = pa.table(columns)
        except pa.ArrowInvalid as exc:
            raise HistoryError(f"history columns do not line up: {exc}") from None
        return cls.from_table(table, sku_master=sku_master, top_pairs=top_pairs,
                              max_pair_lines=max_pair_lines, source=source)  # fmt: skip

    @classmethod
    def from_orders(
        cls,
        orders: Iterable[Order],
        *,
        days: Mapping[str, dt.date] | None = None,
        top_pairs: int = 20,
    ) -> DemandProfile:
        """Build a profile from :class:`~optimizer.orders.Order` objects.

        Unit volumes on the lines become the SKUs' unit cubes.

        Parameters
        ----------
        orders
            The orders.
        days
            Optional order id -> date.
        top_pairs
            How many co-picked pairs to keep.
        """
        oids: list[str] = []
        skus: list[str] = []
        qty: list[int] = []
        cube: dict[str, float] = {}
        dates: list[dt.date | None] = []
        for o in orders:
            for ln in o.lines:
                oids.append(o.id)
                skus.append(ln.sku)
                qty.append(ln.qty)
                if ln.unit_volume is not None:
                    cube.setdefault(ln.sku, ln.unit_volume)
                if days is not None:
                    dates.append(days.get(o.id))
        profile = cls.from_arrays(
            oids, skus, qty, pa.array(dates, pa.date32()) if days is not None else None,
            top_pairs=top_pairs, source="orders",
        )  # fmt: skip
        if not cube:
            return profile
        unit_cube = np.array([cube.get(s, np.nan) for s in profile.skus])
        return profile._replace(unit_cube=unit_cube)

    def _replace(self, **changes: Any) -> DemandProfile:
        return dataclasses.replace(self, **changes)

    @classmethod
    def _build(
        cls,
        reader: _HistoryReader,
        sku_master: str | Path | None,
        top_pairs: int,
        max_pair_lines: int,
        source: str | None,
    ) -> DemandProfile:
        oids: list[pa.Array] = []
        sku_parts: list[np.ndarray] = []
        qty_parts: list[np.ndarray] = []
        day_parts: list[np.ndarray] = []
        for chunk in reader:
            if not chunk.sku.size:
                continue
            oids.append(chunk.order_id)
            sku_parts.append(chunk.sku)
            qty_parts.append(chunk.qty)
            if chunk.day is not None:
                day_parts.append(chunk.day)
        issues = reader.log.freeze()
        if not sku_parts:
            what = f"; {issues.describe()}" if issues.total else ""
            window = f", {reader.outside:,} outside the date window" if reader.outside else ""
            raise HistoryError(f"{reader.where}: no usable order lines{window}{what}")
        sku = np.concatenate(sku_parts)
        del sku_parts
        qty = np.concatenate(qty_parts)
        del qty_parts
        encoded = pa.chunked_array(oids).dictionary_encode()
        del oids
        order = np.concatenate(
            [np.asarray(c.indices.to_numpy(), dtype=np.int64) for c in encoded.chunks]
        )
        del encoded
        names = reader.names
        # SKU ids were numbered across all rows read, bad rows included: keep the used ones.
        used = np.bincount(sku, minlength=len(names)) > 0
        if not used.all():
            remap = np.cumsum(used) - 1
            sku = remap[sku]
            names = [n for n, u in zip(names, used.tolist(), strict=True) if u]
        n_skus = len(names)
        picks = np.bincount(sku, minlength=n_skus)
        units = np.bincount(sku, weights=qty, minlength=n_skus).astype(np.int64)
        del qty
        distinct = order * n_skus + sku
        del sku, order
        distinct.sort()  # in place: sorted distinct (order, sku) keys, by order then SKU
        distinct = distinct[np.r_[True, distinct[1:] != distinct[:-1]]]
        o, s = distinct // n_skus, distinct % n_skus
        del distinct
        orders = np.bincount(s, minlength=n_skus)
        pair_rows = _pairs(o, s, n_skus, top_pairs, max_pair_lines)
        pairs = tuple(
            CoPick(min(names[a], names[b]), max(names[a], names[b]), c)
            for a, b, c in pair_rows.tolist()
        )
        n_orders = int(o[-1] + 1) if o.size else 0
        del o, s
        per_day: dict[dt.date, int] = {}
        first = last = None
        n_days = 1
        if reader.has_date and day_parts:
            days = np.concatenate(day_parts)
            d0 = int(days.min())
            counts = np.bincount(days - d0)
            values = np.flatnonzero(counts) + d0
            counts = counts[counts > 0]
            per_day = {
                _date_of(v): int(c) for v, c in zip(values.tolist(), counts.tolist(), strict=True)
            }
            first, last, n_days = _date_of(values[0]), _date_of(values[-1]), max(1, values.size)
        profile = cls(
            skus=tuple(names),
            picks=picks,
            units=units,
            orders=orders,
            unit_cube=np.full(n_skus, np.nan),
            n_lines=int(picks.sum()),
            n_orders=n_orders,
            n_days=n_days,
            first_day=first,
            last_day=last,
            lines_per_day=per_day,
            pairs=pairs,
            issues=issues,
            outside=reader.outside,
            source=source,
        )
        if sku_master is None:
            return profile
        return profile.with_master(*_read_master(sku_master))

    def with_master(
        self,
        skus: Sequence[str],
        unit_cube: Sequence[float] | np.ndarray,
        zones: Sequence[str | None] | None = None,
    ) -> DemandProfile:
        """This profile with unit cubes (and zones) from a SKU master.

        Parameters
        ----------
        skus
            SKU names of the master.
        unit_cube
            Litres per unit (NaN: unknown), like ``skus``.
        zones
            Zone of each SKU (``None``: any), or ``None``.

        SKUs of the profile that the master lacks keep an unknown cube; the
        master's SKUs that the history never mentions are counted in
        :attr:`master_only`.
        """
        at = {name: k for k, name in enumerate(skus)}
        idx = np.array([at.get(name, -1) for name in self.skus], dtype=np.int64)
        known = idx >= 0
        cube = np.full(len(self), np.nan)
        cube[known] = np.asarray(unit_cube, dtype=np.float64)[idx[known]]
        new_zones = None
        if zones is not None:
            new_zones = tuple(zones[k] if k >= 0 else None for k in idx.tolist())
        return self._replace(unit_cube=cube, zones=new_zones,
                             master_only=len(at) - int(known.sum()))  # fmt: skip

    # ---- lookups -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.skus)

    def __contains__(self, sku: object) -> bool:
        return sku in self.index

    @cached_property
    def index(self) -> dict[str, int]:
        """SKU name -> position in the arrays."""
        return {s: k for k, s in enumerate(self.skus)}

    @property
    def picks_per_day(self) -> np.ndarray:
        """Average order lines per day of each SKU."""
        return self.picks / self.n_days

    @property
    def known_cube(self) -> int:
        """SKUs with a unit cube from the master."""
        return int(np.isfinite(self.unit_cube).sum())

    def cube(self) -> np.ndarray:
        """Unit cubes with unknown ones replaced by the median known cube (1 if none known)."""
        known = np.isfinite(self.unit_cube)
        fill = float(np.median(self.unit_cube[known])) if known.any() else 1.0
        return np.where(known, self.unit_cube, fill)

    def space(self, cover_days: float = 2.0) -> np.ndarray | None:
        """Litres a slot needs to hold ``cover_days`` of average demand (at least one unit).

        ``None`` when the master gives no unit cube at all (every SKU then
        fits every slot).
        """
        if not self.known_cube:
            return None
        stock = np.maximum(1.0, np.ceil(self.units / self.n_days * cover_days))
        return self.cube() * stock

    def coi(self, cover_days: float = 2.0) -> np.ndarray:
        """Cube-per-order index: space needed per order that visits the SKU.

        ``space(cover_days) / orders`` (Heskett); without unit cubes every
        SKU needs one slot, so the index is ``1 / orders``. Small is good:
        low-COI SKUs go to the best slots.
        """
        space = self.space(cover_days)
        need = np.ones(len(self)) if space is None else space
        return need / np.maximum(self.orders, 1)

    def summary(self) -> dict[str, Any]:
        """Counts for reports."""
        return {
            "source": self.source,
            "skus": len(self),
            "lines": self.n_lines,
            "orders": self.n_orders,
            "units": int(self.units.sum()),
            "days": self.n_days,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "rows_skipped": self.issues.total,
            "skus_with_cube": self.known_cube,
            "master_only_skus": self.master_only,
        }

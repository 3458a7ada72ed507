"""Arrow columns of an order-line table, cleaned into numpy arrays with masks.

Each function takes one column as pyarrow gives it (text from a CSV file,
typed values from Parquet or memory, dictionary-encoded or not) and returns
the values as numpy together with a mask of the rows whose value cannot be
used, so a reader can skip and count bad rows without a Python loop per row.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["plain", "is_text", "trimmed", "missing", "quantities", "days", "EPOCH", "NO_DAY"]

#: Day 0 of the day numbers :func:`days` returns.
EPOCH = dt.date(1970, 1, 1)
#: The day number of a missing or unreadable date.
NO_DAY = int(np.iinfo(np.int32).min)


def plain(arr: pa.Array) -> pa.Array:
    """Decode a dictionary array; other arrays unchanged."""
    return arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else arr


def is_text(t: pa.DataType) -> bool:
    """True for Arrow string types."""
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def trimmed(arr: pa.Array) -> pa.Array:
    """Strings without surrounding blanks; other types unchanged."""
    return pc.utf8_trim_whitespace(arr) if is_text(arr.type) else arr


def missing(arr: pa.Array) -> np.ndarray:
    """True where a value is null or, for text, empty after trimming."""
    miss = pc.is_null(arr)
    if is_text(arr.type):
        miss = pc.or_(miss, pc.fill_null(pc.equal(pc.utf8_length(arr), 0), True))
    return np.asarray(miss.to_numpy(zero_copy_only=False), dtype=bool)


_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def quantities(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Quantities as int64 and a mask of values that are not positive whole numbers.

    Examples
    --------
    >>> qty, bad = quantities(pa.array(["2", " 3 ", "x", "1.5", "0"]))
    >>> qty.tolist(), bad.tolist()
    ([2, 3, 0, 0, 0], [False, False, True, True, True])
    """
    arr = plain(arr)
    t = arr.type
    if is_text(t):
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


def days(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Days since :data:`EPOCH` (int32) and a mask of unreadable dates.

    Text is read as ``YYYY-MM-DD`` (the date part of a timestamp too).

    Examples
    --------
    >>> day, bad = days(pa.array(["1970-01-03", "1970-01-02T08:00", "3 Jan"]))
    >>> day[~bad].tolist(), bad.tolist()
    ([2, 1], [False, False, True])
    """
    arr = plain(arr)
    t = arr.type
    if pa.types.is_date32(t):
        d = arr
    elif pa.types.is_date64(t) or pa.types.is_timestamp(t):
        d = pc.cast(arr, pa.date32())
    elif is_text(t):
        text = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(arr), 0, 10)  # date of a datetime
        stamp = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        d = pc.cast(stamp, pa.date32())
    else:
        return np.zeros(len(arr), np.int32), np.ones(len(arr), bool)
    v = np.asarray(pc.fill_null(pc.cast(d, pa.int32()), NO_DAY).to_numpy(), dtype=np.int32)
    return v, v == NO_DAY

"""Slotting tables: ``sku,bin`` CSV files.

One row per SKU under a header row that names both columns (other columns
are ignored)::

    sku,bin
    SKU-03,A01-B1-004-R-1
    SKU-17,A02-B1-011-L-1

Comma, semicolon or tab separated, with or without a UTF-8 byte-order mark
and CRLF line ends, as every CSV reader of :mod:`optimizer.io`. Header names
are matched loosely (case, surrounding spaces); SKUs and bin codes are kept
exactly as written, surrounding spaces included, so that
:func:`write_slotting` then :func:`read_slotting` gives back the same table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from optimizer.errors import PickoptError, suggest
from optimizer.files import MAX_TEXT_BYTES, detect_delimiter, input_file, read_text
from optimizer.orders import Slotting

__all__ = ["read_slotting", "write_slotting", "parse_slotting_csv", "format_slotting_csv"]


def parse_slotting_csv(text: str, where: str = "slotting CSV") -> dict[str, str]:
    """SKU -> bin code of ``sku,bin`` CSV text, values kept exactly.

    The one parser of slotting tables, for files (:func:`read_slotting`)
    and for text that arrives otherwise (an upload), so both read a table
    alike.

    Parameters
    ----------
    text
        Decoded CSV text (a leading byte-order mark is ignored).
    where
        Names the text in messages, which read ``"{where}:{line}: ..."``.

    Raises
    ------
    PickoptError
        Naming ``where`` and the line: malformed CSV (a field over the csv
        module's limit), a missing column (with the closest header name),
        an empty SKU or bin, a SKU listed twice.

    Examples
    --------
    >>> parse_slotting_csv('sku;bin\\n" lead";A01-B1-001-L-1\\n')
    {' lead': 'A01-B1-001-L-1'}
    >>> parse_slotting_csv("sku,bin\\na,\\n", where="upload")
    Traceback (most recent call last):
    ...
    optimizer.errors.PickoptError: upload:2: empty sku or bin
    """
    lines = text.removeprefix("\ufeff").splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=detect_delimiter(lines[0] if lines else ""))
    bins: dict[str, str] = {}
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        for col in ("sku", "bin"):
            if col not in header:
                raise PickoptError(f"{where}: missing column {col!r}" + suggest(col, header))
        i_sku, i_bin = header.index("sku"), header.index("bin")
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            sku, code = (row[i] if i < len(row) else "" for i in (i_sku, i_bin))
            if not sku.strip() or not code.strip():
                raise PickoptError(f"{where}:{reader.line_num}: empty sku or bin")
            if sku in bins:
                raise PickoptError(f"{where}:{reader.line_num}: SKU {sku!r} is listed twice")
            bins[sku] = code
    except csv.Error as exc:
        raise PickoptError(f"{where}:{reader.line_num}: malformed CSV: {exc}") from None
    return bins


def read_slotting(
    path: str | Path, *, name: str | None = None, max_bytes: int | None = MAX_TEXT_BYTES
) -> Slotting:
    """Read a ``sku,bin`` CSV file.

    Parameters
    ----------
    path
        The CSV file.
    name
        Of the slotting, for reports; defaults to the file stem.
    max_bytes
        Refuse larger files before reading them; ``None``: no limit.

    Raises
    ------
    PickoptError
        Naming the file (and line): a missing file, one over ``max_bytes``,
        text that is not UTF-8, malformed CSV (a field over the csv module's
        limit), a missing column (with the closest header name), an empty
        SKU or bin, a SKU listed twice.

    Examples
    --------
    >>> slotting = read_slotting("instances/henn_abc_60_45_s1_slotting.csv")
    >>> slotting.name, len(slotting)
    ('henn_abc_60_45_s1_slotting', 900)
    """
    p = input_file(path, PickoptError, kind="slotting")
    text = read_text(p, PickoptError, max_bytes=max_bytes)
    return Slotting(parse_slotting_csv(text, str(p)), name=name or p.stem)


def format_slotting_csv(bins: Mapping[str, str]) -> str:
    """``sku,bin`` CSV text of a SKU -> bin table, sorted by SKU; values kept exactly.

    Examples
    --------
    >>> format_slotting_csv({"b": "A01-B1-002-L-1", " lead": "A01-B1-001-L-1"})
    'sku,bin\\n lead,A01-B1-001-L-1\\nb,A01-B1-002-L-1\\n'
    """
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["sku", "bin"])
    for sku in sorted(bins):
        w.writerow([sku, bins[sku]])
    return out.getvalue()


def write_slotting(slotting: Slotting, path: str | Path) -> None:
    """Write ``sku,bin`` rows sorted by SKU, which :func:`read_slotting` reads back."""
    Path(path).write_text(format_slotting_csv(slotting.bins), encoding="utf-8")

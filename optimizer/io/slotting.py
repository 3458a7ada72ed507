"""Slotting tables: ``sku,bin`` CSV files.

One row per SKU under a header row that names both columns (other columns
are ignored)::

    sku,bin
    SKU-03,A01-B1-004-R-1
    SKU-17,A02-B1-011-L-1

Comma, semicolon or tab separated, with or without a UTF-8 byte-order mark
and CRLF line ends, as every CSV reader of :mod:`optimizer.io`.
"""

from __future__ import annotations

import csv
from pathlib import Path

from optimizer.errors import PickoptError, suggest
from optimizer.files import detect_delimiter, input_file, read_text
from optimizer.orders import Slotting

__all__ = ["read_slotting", "write_slotting"]


def read_slotting(path: str | Path, *, name: str | None = None) -> Slotting:
    """Read a ``sku,bin`` CSV file.

    Parameters
    ----------
    path
        The CSV file.
    name
        Of the slotting, for reports; defaults to the file stem.

    Raises
    ------
    PickoptError
        Naming the file (and line): a missing file, text that is not UTF-8,
        a missing column (with the closest header name), an empty SKU or
        bin, a SKU listed twice.

    Examples
    --------
    >>> slotting = read_slotting("instances/henn_abc_60_45_s1_slotting.csv")
    >>> slotting.name, len(slotting)
    ('henn_abc_60_45_s1_slotting', 900)
    """
    p = input_file(path, PickoptError, kind="slotting")
    text = read_text(p, PickoptError)
    lines = text.splitlines(keepends=True)
    reader = csv.DictReader(lines, delimiter=detect_delimiter(lines[0] if lines else ""))
    fields = reader.fieldnames or []
    for col in ("sku", "bin"):
        if col not in fields:
            raise PickoptError(f"{p}: missing column {col!r}" + suggest(col, fields))
    bins: dict[str, str] = {}
    for row in reader:
        sku, code = (row.get("sku") or "").strip(), (row.get("bin") or "").strip()
        if not sku or not code:
            raise PickoptError(f"{p}:{reader.line_num}: empty sku or bin")
        if sku in bins:
            raise PickoptError(f"{p}:{reader.line_num}: SKU {sku!r} is listed twice")
        bins[sku] = code
    return Slotting(bins, name=name or p.stem)


def write_slotting(slotting: Slotting, path: str | Path) -> None:
    """Write ``sku,bin`` rows sorted by SKU, which :func:`read_slotting` reads back."""
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["sku", "bin"])
        for sku in sorted(slotting.bins):
            w.writerow([sku, slotting.bins[sku]])

"""SKU masters: per SKU its unit cube (litres) and the zone it must go to.

A ``.csv`` or ``.parquet`` file with the columns of :data:`MASTER_COLUMNS`
(case-insensitive; other columns ignored); a CSV master may be comma,
semicolon or tab separated, with or without a UTF-8 byte-order mark.
Problems raise :class:`~optimizer.io.history.HistoryError`, as for the
history the master goes with.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from optimizer.errors import suggest
from optimizer.files import input_file, sniff_delimiter
from optimizer.io.columns import plain
from optimizer.io.history import FORMATS, HistoryError

__all__ = ["read_sku_master", "write_sku_master", "MASTER_COLUMNS", "MAX_SKU_MASTER_BYTES"]

#: Largest SKU master read by default: it is parsed whole into memory (about
#: ten million SKUs at typical row lengths).
MAX_SKU_MASTER_BYTES = 2**30

#: SKU master columns: ``sku`` is required; ``unit_cube`` (litres; also read
#: from ``unit_volume`` or ``cube``) and ``zone`` (the only slot zone the SKU
#: may go to, e.g. a size class or a temperature zone) are optional.
MASTER_COLUMNS = ("sku", "unit_cube", "zone")
_CUBE_ALIASES = ("unit_cube", "unit_volume", "cube")


def _is_binary(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return bool(pa.types.is_binary(t) or pa.types.is_large_binary(t))


def read_sku_master(
    path: str | Path, *, max_bytes: int | None = MAX_SKU_MASTER_BYTES
) -> tuple[list[str], np.ndarray, list[str | None] | None]:
    """SKU names, unit cubes (NaN where not given) and zones of a SKU master file.

    Parameters
    ----------
    path
        A ``.csv`` or ``.parquet`` file with the columns of
        :data:`MASTER_COLUMNS`.
    max_bytes
        Refuse larger files before reading them; ``None``: no limit.

    Raises
    ------
    HistoryError
        Naming the file and line: a file over ``max_bytes``, a missing ``sku`` column,
        a ``sku`` or ``zone`` column that is not UTF-8, an empty or
        repeated SKU, a unit cube that is not a number >= 0.

    Examples
    --------
    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name, "skus.csv")
    >>> _ = path.write_text("sku;unit_cube;zone\\nb;0.5;cold\\na;;\\n")
    >>> skus, cube, zones = read_sku_master(path)
    >>> skus, cube.tolist()[0], zones
    (['b', 'a'], 0.5, ['cold', None])
    >>> tmp.cleanup()
    """
    p = input_file(path, HistoryError, kind="SKU master", formats=FORMATS, max_bytes=max_bytes)
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            table = pacsv.read_csv(
                p,
                parse_options=pacsv.ParseOptions(delimiter=sniff_delimiter(p)),
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
    for col in ("sku", "zone"):
        # pyarrow reads a text column with bytes that are not UTF-8 as binary,
        # which str() would turn into "b'...'" names.
        if col in lower and _is_binary(table.schema.field(lower[col]).type):
            raise HistoryError(f"{p}: column {col!r} is not UTF-8 text (save the file as UTF-8)")
    line0 = 2 if suffix == ".csv" else 1
    where = "line" if suffix == ".csv" else "row"
    skus = [
        "" if v is None else str(v).strip()
        for v in plain(table.column(lower["sku"]).combine_chunks()).to_pylist()
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
        raw = plain(table.column(cube_col).combine_chunks())
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
            for v in plain(table.column(lower["zone"]).combine_chunks()).to_pylist()
        ]
    return skus, cube, zones


def write_sku_master(skus: Sequence[str], unit_cube: np.ndarray, path: str | Path) -> Path:
    """Write a SKU master, ``sku,unit_cube`` (CSV), sorted by SKU; returns the path."""
    p = Path(path)
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["sku", "unit_cube"])
        for k in np.argsort(np.array(skus)).tolist():
            w.writerow([skus[k], repr(float(unit_cube[k]))])
    return p

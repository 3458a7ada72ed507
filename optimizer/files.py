"""Opening input files: one set of checks and one CSV dialect for every reader.

Every reader of a user's file (orders, slotting tables, order histories, SKU
masters, benchmark files) starts the same way, and says the same thing when
the file is wrong:

- :func:`input_file` checks the suffix against the formats the reader knows
  (with a did-you-mean), that the file exists and is a regular file, and
  optionally its size; it raises the reader's own error class;
- :func:`read_text` reads UTF-8 text, with or without a byte-order mark;
- :func:`detect_delimiter` picks the CSV delimiter from the header line:
  comma, semicolon or tab (spreadsheets in many locales write ``;``);
  :func:`sniff_delimiter` does so for a file that pyarrow will parse.

CRLF line ends need nothing special: :mod:`csv` with ``newline=""`` text and
pyarrow's CSV reader accept them, as both accept a UTF-8 byte-order mark once
the text is decoded with ``utf-8-sig`` (or, for pyarrow, as raw bytes).

This module sits at the bottom of the package beside :mod:`optimizer.errors`
so that every layer, the layout spec reader included, can use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from optimizer.errors import PickoptError, suggest

__all__ = [
    "input_file",
    "check_format",
    "read_text",
    "detect_delimiter",
    "sniff_delimiter",
    "DELIMITERS",
]

#: The CSV delimiters readers accept, in order of preference on a tie.
DELIMITERS = (",", ";", "\t")


def _choices(formats: Sequence[str]) -> str:
    """``".csv or .json"``, ``".csv, .parquet or .pq"``."""
    return formats[0] if len(formats) == 1 else f"{', '.join(formats[:-1])} or {formats[-1]}"


def check_format(
    path: Path, error: type[PickoptError], *, kind: str | None, formats: Sequence[str]
) -> None:
    """Raise ``error`` unless the suffix of ``path`` is one of ``formats`` (lower case).

    The message names the file, the formats and the closest one; writers
    use this alone, readers through :func:`input_file`.
    """
    suffix = path.suffix.lower()
    if suffix not in formats:
        name = f"{kind} file" if kind else "file"
        raise error(
            f"{path}: unknown {name} type {path.suffix!r} (use {_choices(formats)})"
            + suggest(suffix, formats)
        )


def input_file(
    path: str | Path,
    error: type[PickoptError],
    *,
    kind: str | None = None,
    formats: Sequence[str] | None = None,
    max_bytes: int | None = None,
) -> Path:
    """Check an input file before reading it; return it as a :class:`~pathlib.Path`.

    Parameters
    ----------
    path
        The file.
    error
        The exception raised on a problem (the reader's own error class).
    kind
        What the file holds, for messages (``"orders"``: "no such orders
        file"); ``None`` says just "file".
    formats
        The lower-case suffixes the reader knows, e.g. ``(".csv", ".json")``;
        ``None`` accepts any suffix.
    max_bytes
        Refuse larger files; ``None``: no limit.

    Raises
    ------
    PickoptError
        Of class ``error``, naming the file: an unknown suffix (with the
        closest known one), a missing file, a directory or other non-regular
        file, a file larger than ``max_bytes``.

    Examples
    --------
    >>> from optimizer.errors import PickoptError
    >>> input_file("orders.cvs", PickoptError, kind="orders", formats=(".csv", ".json"))
    Traceback (most recent call last):
    ...
    optimizer.errors.PickoptError: orders.cvs: unknown orders file type '.cvs' (use .csv or .json) (did you mean '.csv'?)
    >>> input_file("nowhere.csv", PickoptError, kind="orders", formats=(".csv", ".json"))
    Traceback (most recent call last):
    ...
    optimizer.errors.PickoptError: nowhere.csv: no such orders file
    >>> input_file("layouts/single_block.toml", PickoptError).name
    'single_block.toml'
    """  # noqa: E501
    p = Path(path)
    if formats is not None:
        check_format(p, error, kind=kind, formats=formats)
    if not p.exists():
        raise error(f"{p}: no such {kind + ' file' if kind else 'file'}")
    if not p.is_file():
        raise error(f"{p}: not a regular file (a directory?)")
    if max_bytes is not None and p.stat().st_size > max_bytes:
        raise error(f"{p}: file is larger than {max_bytes / 2**20:g} MB")
    return p


def read_text(path: Path, error: type[PickoptError]) -> str:
    """The file's text, decoded as UTF-8 with an optional byte-order mark dropped.

    Line ends are ``"\\n"`` whatever the file uses (CRLF, CR).

    Raises
    ------
    PickoptError
        Of class ``error``, naming the file and the first byte that is not
        UTF-8.
    """
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def detect_delimiter(header: str) -> str:
    """The delimiter of a CSV file, from its header line.

    The delimiter of :data:`DELIMITERS` that occurs most often outside
    double quotes wins; on a tie (a header of one column) the earlier one,
    so a file without any is comma-separated. Unlike :class:`csv.Sniffer`,
    this never picks a letter or a space, and one header line is enough.

    Parameters
    ----------
    header
        The first line of the file (a byte-order mark is ignored).

    Examples
    --------
    >>> detect_delimiter("order_id;sku;qty")
    ';'
    >>> detect_delimiter('"order_id;x",sku,qty')
    ','
    >>> detect_delimiter("sku")
    ','
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header.lstrip("\ufeff"):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals


def sniff_delimiter(path: Path) -> str:
    """The delimiter of a CSV file, from its first line (see :func:`detect_delimiter`).

    For readers that hand the file to a parser of their own (pyarrow's CSV
    reader), which needs the delimiter up front; undecodable bytes are left
    for that parser to report.
    """
    with path.open("rb") as fh:
        first = fh.readline(1 << 16)
    return detect_delimiter(first.decode("utf-8", errors="replace"))

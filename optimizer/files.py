"""Opening input files: one set of checks and one CSV dialect for every reader.

Every reader of a user's file (orders, slotting tables, order histories, SKU
masters, benchmark files) starts the same way, and says the same thing when
the file is wrong:

- :func:`input_file` checks the suffix against the formats the reader knows
  (with a did-you-mean), that the file exists and is a regular file, and
  optionally its size; it raises the reader's own error class;
- :func:`read_text` reads UTF-8 text, with or without a byte-order mark,
  refusing files larger than :data:`MAX_TEXT_BYTES` (it holds all of it);
- :func:`read_header` reads only the first line of a file that is then
  streamed, refusing one longer than :data:`MAX_HEADER_BYTES`;
- :func:`detect_delimiter` picks the CSV delimiter from the header line:
  comma, semicolon or tab (spreadsheets in many locales write ``;``);
  :func:`sniff_delimiter` does so for a file that pyarrow will parse.

Outputs are checked before the work that produces them, so a bad path
costs no minutes of planning: :func:`output_dir` creates a folder and makes
sure it takes files, :func:`output_file` also checks the suffix.

CRLF line ends need nothing special: :mod:`csv` with ``newline=""`` text and
pyarrow's CSV reader accept them, as both accept a UTF-8 byte-order mark once
the text is decoded with ``utf-8-sig`` (or, for pyarrow, as raw bytes).

This module sits at the bottom of the package beside :mod:`optimizer.errors`
so that every layer, the layout spec reader included, can use it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from optimizer.errors import PickoptError, suggest

__all__ = [
    "input_file",
    "check_format",
    "read_text",
    "read_header",
    "output_dir",
    "output_file",
    "detect_delimiter",
    "sniff_delimiter",
    "DELIMITERS",
    "MAX_TEXT_BYTES",
    "MAX_HEADER_BYTES",
]

#: Largest file :func:`read_text` reads; it decodes the whole file in memory
#: (a few times its size while parsing), and an order or slotting file of
#: this size already holds millions of lines.
MAX_TEXT_BYTES = 256 * 2**20

#: Longest first line :func:`read_header` reads: a header of thousands of
#: columns fits, a binary file or a file of one endless line does not.
MAX_HEADER_BYTES = 2**20

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
        raise error(f"{p}: file is larger than {_size(max_bytes)}")
    return p


def _size(n: int) -> str:
    """``"256 MB"``, ``"1 KB"``: a limit for messages."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


def read_text(
    path: Path, error: type[PickoptError], *, max_bytes: int | None = MAX_TEXT_BYTES
) -> str:
    """The file's text, decoded as UTF-8 with an optional byte-order mark dropped.

    Line ends are ``"\\n"`` whatever the file uses (CRLF, CR).

    Parameters
    ----------
    path
        The file.
    error
        The exception raised on a problem.
    max_bytes
        Refuse larger files before reading them; ``None``: no limit.

    Raises
    ------
    PickoptError
        Of class ``error``, naming the file: larger than ``max_bytes``, or
        the first byte that is not UTF-8.
    """
    if max_bytes is not None and path.stat().st_size > max_bytes:
        raise error(f"{path}: file is larger than {_size(max_bytes)}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def read_header(
    path: Path, error: type[PickoptError], *, max_bytes: int = MAX_HEADER_BYTES
) -> str:
    """The first line of a file, without its line end or byte-order mark.

    Reads at most ``max_bytes`` (plus the line end), so a file of one
    endless line (or binary data) costs no memory.

    Raises
    ------
    PickoptError
        Of class ``error``, naming the file: a first line longer than
        ``max_bytes`` or not UTF-8.

    Examples
    --------
    >>> read_header(Path("instances/henn_abc_60_45_s1_slotting.csv"), PickoptError)
    'sku,bin'
    """
    with path.open("rb") as fh:
        first = fh.readline(max_bytes + 2)
    line = first.rstrip(b"\r\n")
    if len(line) > max_bytes:
        raise error(
            f"{path}:1: first line is longer than {_size(max_bytes)} "
            "(not a CSV file with a header?)"
        )
    try:
        return line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}:1: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _first_existing(p: Path) -> Path:
    """``p`` or its nearest ancestor that exists."""
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def output_dir(path: str | Path, error: type[PickoptError], *, kind: str = "output") -> Path:
    """Create a folder (and its parents) if needed and check that it takes new files.

    Parameters
    ----------
    path
        The folder.
    error
        The exception raised on a problem.
    kind
        What goes there, for messages (``"picture"``: "cannot write picture
        folder").

    Raises
    ------
    PickoptError
        Of class ``error``, naming the culprit: ``path`` or one of its
        parents is a file, the folder cannot be created, or it refuses new
        files (read-only, no permission).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     output_dir(Path(tmp, "a", "b"), PickoptError).is_dir()
    True
    >>> output_dir("layouts/single_block.toml/pictures", PickoptError)
    Traceback (most recent call last):
    ...
    optimizer.errors.PickoptError: layouts/single_block.toml is a file, not a folder (output folder layouts/single_block.toml/pictures)
    """  # noqa: E501
    p = Path(path)
    existing = _first_existing(p)
    if existing.exists() and not existing.is_dir():
        if existing == p:
            raise error(f"{p} is a file, not a folder (the {kind} folder)")
        raise error(f"{existing} is a file, not a folder ({kind} folder {p})")
    try:
        p.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=p):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise error(f"{p}: cannot write the {kind} folder ({reason})") from None
    return p


def output_file(
    path: str | Path,
    error: type[PickoptError],
    *,
    kind: str = "output",
    formats: Sequence[str] | None = None,
) -> Path:
    """Check that a file can be written: its suffix, its folder (created), not a folder itself.

    Parameters
    ----------
    path
        The file; it may exist (it will be replaced).
    error
        The exception raised on a problem.
    kind
        What the file holds, for messages.
    formats
        The lower-case suffixes the writer knows; ``None`` accepts any.

    Raises
    ------
    PickoptError
        Of class ``error``, naming the culprit: an unknown suffix (with the
        closest), ``path`` is a folder, or its folder fails
        :func:`output_dir`.
    """
    p = Path(path)
    if formats is not None:
        check_format(p, error, kind=kind, formats=formats)
    if p.is_dir():
        raise error(f"{p}: is a folder, not a {kind} file")
    output_dir(p.parent, error, kind=kind)
    return p


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

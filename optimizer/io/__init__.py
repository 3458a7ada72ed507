"""Readers and writers: one module per format family.

- :mod:`~optimizer.io.orders`: :func:`read_orders`, :func:`write_orders`,
  order files (CSV, JSON);
- :mod:`~optimizer.io.slotting`: :func:`read_slotting`, :func:`write_slotting`,
  ``sku,bin`` CSV files;
- :mod:`~optimizer.io.history`: :class:`~optimizer.io.history.HistoryReader`,
  order-line histories (CSV, Parquet) streamed in chunks, skipped rows in
  :mod:`~optimizer.io.row_issues` (Arrow columns cleaned by
  :mod:`~optimizer.io.columns`);
- :mod:`~optimizer.io.sku_master`: SKU masters (unit cubes, zones);
- :mod:`~optimizer.io.hessler_irnich`: :func:`read_sprp`,
  :func:`read_hessler_irnich_batching`, the text files of Hessler & Irnich
  (2024), routing and batching;
- :mod:`~optimizer.io.obp`: :func:`read_henn`, :func:`read_albareda`, the
  legacy files of the OBP collection (Henn & Wäscher; Albareda-Sambola et al.
  W1-W4).

Every reader checks its file with :func:`optimizer.files.input_file`, with
a size limit for the files it holds whole in memory (histories are streamed,
and only their header line is bounded), and every CSV reader accepts a UTF-8
byte-order mark, CRLF line ends and a comma, semicolon or tab delimiter
(:func:`optimizer.files.detect_delimiter`). Ids, SKUs and bin codes of order
and slotting files are kept exactly, so writer then reader round-trips.
"""

from optimizer.io.hessler_irnich import read_hessler_irnich_batching, read_sprp
from optimizer.io.obp import read_albareda, read_henn
from optimizer.io.orders import read_orders, write_orders
from optimizer.io.slotting import read_slotting, write_slotting

__all__ = [
    "read_sprp",
    "read_hessler_irnich_batching",
    "read_henn",
    "read_albareda",
    "read_orders",
    "write_orders",
    "read_slotting",
    "write_slotting",
]

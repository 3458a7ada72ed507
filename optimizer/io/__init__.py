"""Readers and writers: layouts, orders, public benchmark formats.

- :func:`read_sprp`, :func:`read_hessler_irnich_batching`: the text files of
  Hessler & Irnich (2024), routing and batching;
- :func:`read_henn`, :func:`read_albareda`: the legacy files of the OBP
  collection (Henn & Wäscher; Albareda-Sambola et al. W1-W4);
- :func:`read_orders`, :func:`write_orders`: order files (CSV, JSON);
- :func:`read_slotting`, :func:`write_slotting`: ``sku,bin`` CSV files.
"""

from optimizer.io.hessler_irnich import read_hessler_irnich_batching, read_sprp
from optimizer.io.obp import read_albareda, read_henn
from optimizer.io.orders import read_orders, read_slotting, write_orders, write_slotting

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

"""The slot part of :attr:`Layout.version <optimizer.layout.model.Layout.version>`,
from columns.

A version names a layout in stored jobs and uploads, so its bytes never
change: one line ``code|node|zone|capacity|level`` per slot, ``None`` for
what is missing, capacities as Python prints floats. In a large layout a
numba kernel writes those lines from the slot columns, a chunk of slots at a
time, instead of a Python f-string per slot; the few distinct texts (sides,
zones, capacities) are printed by Python once each. A small layout keeps the
f-string: it is quicker than loading the kernel in a fresh process.

Examples
--------
>>> from optimizer.layout.parts import Slot, SlotTable
>>> table = SlotTable.from_slots([Slot("X-1", 4, 0, zone="cold", capacity=2.5, level=1)])
>>> slot_lines(table, 0, 1)
b'X-1|4|cold|2.5|1\\n'
"""

from __future__ import annotations

import hashlib

import numpy as np

from optimizer.layout.parts import SlotTable

__all__ = ["slot_lines", "python_lines", "digest_slots"]

CHUNK = 1 << 17  # slots per chunk: a few MB of text at a time
KERNEL_FROM = 50_000  # slots; below, Python's f-strings take under about 0.1 s


def digest_slots(table: SlotTable, h: hashlib._Hash) -> None:
    """Feed the version lines of every slot of ``table`` to the hash ``h``."""
    if len(table) < KERNEL_FROM:
        h.update(python_lines(table))
        return
    texts = _Texts(table)
    for lo in range(0, len(table), CHUNK):
        h.update(texts.lines(lo, min(lo + CHUNK, len(table))))


def slot_lines(table: SlotTable, lo: int, hi: int) -> bytes:
    """The version lines of slots ``lo .. hi - 1``, by the kernel."""
    return _Texts(table).lines(lo, hi)


def python_lines(table: SlotTable) -> bytes:
    """The version lines of every slot, by Python, as they were always written."""
    return "".join(f"{s.code}|{s.node}|{s.zone}|{s.capacity}|{s.level}\n" for s in table).encode()


class _Texts:
    """The distinct texts of a table as one byte buffer with offsets: side
    names, then zone names and ``None``, then capacities and ``None``."""

    def __init__(self, table: SlotTable) -> None:
        self.table = table
        missing = np.isnan(table.capacity)
        if missing.all():  # the common case, without a sort of every slot
            caps, index = [], np.zeros(len(table), dtype=np.int64)
        else:
            distinct, index = np.unique(table.capacity, return_inverse=True)
            caps = [repr(float(v)) for v in distinct if v == v]  # NaN sorts last, once
        self.cap_index = np.where(missing, len(caps), index.ravel())
        names = [*table.side_names, *table.zone_names, "None", *caps, "None"]
        self.zone_base = len(table.side_names)
        self.cap_base = self.zone_base + len(table.zone_names) + 1
        self.names, self.names_at = _packed(names)
        if table.codes is None:
            self.codes, self.codes_at = np.zeros(0, dtype=np.uint8), np.zeros(1, dtype=np.int64)

    def lines(self, lo: int, hi: int) -> bytes:
        # Imported here: building a small layout must not load numba.
        from optimizer.layout.digest_kernels import write_lines

        t = self.table
        if t.codes is not None:
            codes, codes_at = _packed(t.codes[lo:hi])
        else:
            codes, codes_at = self.codes, self.codes_at
        out = write_lines(
            t.node[lo:hi], t.aisle[lo:hi], t.block[lo:hi], t.cell[lo:hi], t.side[lo:hi],
            t.level[lo:hi], t.zone[lo:hi], self.cap_index[lo:hi], codes, codes_at,
            self.names, self.names_at, self.zone_base, self.cap_base, t.widths[0], t.widths[1],
        )  # fmt: skip
        return out.tobytes()


def _packed(texts: tuple[str, ...] | list[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 texts concatenated, and where each starts (one more for the end)."""
    encoded = [s.encode() for s in texts]
    at = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=at[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), at

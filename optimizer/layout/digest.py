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

from optimizer._jit import jit
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
        t = self.table
        if t.codes is not None:
            codes, codes_at = _packed(t.codes[lo:hi])
        else:
            codes, codes_at = self.codes, self.codes_at
        out = _write_lines(
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


@jit
def _write_lines(
    node: np.ndarray, aisle: np.ndarray, block: np.ndarray, cell: np.ndarray, side: np.ndarray,
    level: np.ndarray, zone: np.ndarray, cap: np.ndarray, codes: np.ndarray,
    codes_at: np.ndarray, names: np.ndarray, names_at: np.ndarray, zone_base: int,
    cap_base: int, wa: int, wc: int,
) -> np.ndarray:  # fmt: skip
    """``code|node|zone|capacity|level`` lines; codes listed (``codes_at`` has
    one more entry than slots) or, if not, the parallel-aisle pattern."""
    n = node.size
    longest = 0
    for k in range(names_at.size - 1):
        longest = max(longest, names_at[k + 1] - names_at[k])
    listed = codes_at.size == n + 1
    out = np.empty(n * (3 * longest + 6 * 20 + 12) + codes.size, dtype=np.uint8)
    m = 0
    for i in range(n):
        if listed:
            for q in range(codes_at[i], codes_at[i + 1]):
                out[m] = codes[q]
                m += 1
        else:
            out[m] = 65  # "A"
            m = _integer(out, m + 1, aisle[i], wa)
            out[m], out[m + 1] = 45, 66  # "-B"
            m = _integer(out, m + 2, block[i], 1)
            out[m] = 45
            m = _integer(out, m + 1, cell[i], wc)
            out[m] = 45
            m = _name(out, m + 1, names, names_at, side[i])
            out[m] = 45
            m = _integer(out, m + 1, level[i], 1)
        out[m] = 124  # "|"
        m = _integer(out, m + 1, node[i], 1)
        out[m] = 124
        m = _name(out, m + 1, names, names_at, zone_base + (zone[i] if zone[i] >= 0 else
                                                           cap_base - 1 - zone_base))  # fmt: skip
        out[m] = 124
        m = _name(out, m + 1, names, names_at, cap_base + cap[i])
        out[m] = 124
        m = _integer(out, m + 1, level[i], 1)
        out[m] = 10  # newline
        m += 1
    return out[:m]


@jit
def _name(out: np.ndarray, m: int, names: np.ndarray, names_at: np.ndarray, k: int) -> int:
    for q in range(names_at[k], names_at[k + 1]):
        out[m] = names[q]
        m += 1
    return m


@jit
def _integer(out: np.ndarray, m: int, value: int, width: int) -> int:
    """``value`` in decimal, zero-padded to ``width``; ``None`` if negative."""
    if value < 0:
        out[m], out[m + 1], out[m + 2], out[m + 3] = 78, 111, 110, 101  # "None"
        return m + 4
    digits, v = 1, value
    while v >= 10:
        v //= 10
        digits += 1
    digits = max(digits, width)
    v = value
    for q in range(digits - 1, -1, -1):
        out[m + q] = 48 + v % 10
        v //= 10
    return m + digits

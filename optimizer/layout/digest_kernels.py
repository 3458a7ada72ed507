"""The numba kernel behind :mod:`optimizer.layout.digest`: version lines of many
slots written from the slot columns (loaded only for large layouts)."""

from __future__ import annotations

import numpy as np

from optimizer._jit import jit

__all__ = ["write_lines"]


@jit
def write_lines(
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

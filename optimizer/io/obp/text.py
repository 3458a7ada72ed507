"""What the two OBP text formats share: lines, bin codes, order lines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from optimizer.errors import PickoptError
from optimizer.files import MAX_TEXT_BYTES, input_file
from optimizer.orders import OrderLine

__all__ = ["nonblank_lines", "grid_bin_code", "merge_lines"]


def nonblank_lines(path: Path, error: type[PickoptError]) -> Iterator[tuple[int, str]]:
    """``(line number, stripped text)`` of every non-blank line (Latin-1 text).

    Raises ``error`` for a missing file.
    """
    text = input_file(path, error, max_bytes=MAX_TEXT_BYTES).read_bytes().decode("latin-1")
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line:
            yield lineno, line


def grid_bin_code(aisle: int, cell: int, side: str, n_aisles: int, n_cells: int) -> str:
    """The parallel-aisles bin code of a 1-based aisle and cell (as the spec builder writes it).

    Examples
    --------
    >>> grid_bin_code(3, 17, "L", n_aisles=10, n_cells=45)
    'A03-B1-017-L-1'
    """
    wa, wc = max(2, len(str(n_aisles))), max(3, len(str(n_cells)))
    return f"A{aisle:0{wa}d}-B1-{cell:0{wc}d}-{side}-1"


def merge_lines(skus: list[tuple[str, float | None]]) -> tuple[OrderLine, ...]:
    """One line per distinct SKU, repeats summed into the quantity, first-seen order.

    Parameters
    ----------
    skus
        ``(sku, unit weight or None)`` per article of the order.

    Examples
    --------
    >>> [(ln.sku, ln.qty) for ln in merge_lines([("a", None), ("b", None), ("a", None)])]
    [('a', 2), ('b', 1)]
    """
    qty: dict[str, int] = {}
    weight: dict[str, float | None] = {}
    for sku, w in skus:
        qty[sku] = qty.get(sku, 0) + 1
        weight.setdefault(sku, w)
    return tuple(OrderLine(sku, q, unit_weight=weight[sku]) for sku, q in qty.items())

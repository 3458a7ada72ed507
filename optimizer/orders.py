"""Orders, order lines and the SKU -> bin table that places them.

These are the plain data every later layer shares: batching groups
:class:`Order` objects, waves route them, slotting produces a new
:class:`Slotting`. Constructors check their values, so a bad quantity is
caught where it enters, with the SKU and order named.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from optimizer.errors import PickoptError, UnknownSlotError, suggest
from optimizer.layout import Layout

__all__ = ["OrderLine", "Order", "Slotting", "OrderError"]


class OrderError(PickoptError):
    """An order or order line that cannot be understood."""


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One SKU and a quantity; optional unit volume (litres) and weight (kg)."""

    sku: str
    qty: int = 1
    unit_volume: float | None = None
    unit_weight: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.sku, str) or not self.sku:
            raise OrderError(f"SKU must be a non-empty string, got {self.sku!r}")
        q = self.qty
        if isinstance(q, bool) or not isinstance(q, int | float) or not math.isfinite(q):
            raise OrderError(f"quantity of SKU {self.sku!r} must be a number, got {q!r}")
        if q <= 0 or q != int(q):
            raise OrderError(f"quantity of SKU {self.sku!r} must be a positive integer, got {q!r}")
        object.__setattr__(self, "qty", int(q))
        for name in ("unit_volume", "unit_weight"):
            v = getattr(self, name)
            if v is not None and (not math.isfinite(v) or v < 0):
                raise OrderError(f"{name} of SKU {self.sku!r} must be >= 0 and finite, got {v!r}")


@dataclass(frozen=True, slots=True)
class Order:
    """A customer order: an id, its lines and what decides when it must ship.

    Parameters
    ----------
    id
        Unique within a wave.
    lines
        The SKUs and quantities; a SKU may appear in several lines.
    due
        Carrier cut-off as seconds on any clock the caller chooses (e.g.
        seconds since midnight); ``None`` means no deadline.
    priority
        Larger is more urgent.
    carrier
        Who collects the order, for wave release.
    """

    id: str
    lines: tuple[OrderLine, ...]
    due: float | None = None
    priority: int = 0
    carrier: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.id))
        object.__setattr__(self, "lines", tuple(self.lines))
        for line in self.lines:
            if not isinstance(line, OrderLine):
                raise OrderError(f"order {self.id!r}: lines must be OrderLine, got {line!r}")
        if self.due is not None and not math.isfinite(self.due):
            raise OrderError(f"order {self.id!r}: due must be finite, got {self.due!r}")

    @property
    def items(self) -> int:
        """Units in the order."""
        return sum(line.qty for line in self.lines)

    @property
    def skus(self) -> tuple[str, ...]:
        """Distinct SKUs, in line order."""
        return tuple(dict.fromkeys(line.sku for line in self.lines))


@dataclass(frozen=True)
class Slotting:
    """Where each SKU is stored: a SKU -> bin code table.

    Parameters
    ----------
    bins
        SKU -> bin code.
    name
        For reports.

    Examples
    --------
    >>> s = Slotting({"sku-1": "A01-B1-001-L-1"})
    >>> s.bin_of("sku-1")
    'A01-B1-001-L-1'
    """

    bins: Mapping[str, str]
    name: str = "slotting"

    def __post_init__(self) -> None:
        object.__setattr__(self, "bins", dict(self.bins))

    @classmethod
    def identity(cls, layout: Layout) -> Slotting:
        """Every bin code is its own SKU (benchmark files list locations)."""
        return cls({s.code: s.code for s in layout.slots}, name="identity")

    @property
    def version(self) -> str:
        """Content hash of the table (16 hex digits)."""
        h = hashlib.sha256()
        for sku in sorted(self.bins):
            h.update(f"{sku}\t{self.bins[sku]}\n".encode())
        return h.hexdigest()[:16]

    def __len__(self) -> int:
        return len(self.bins)

    def __iter__(self) -> Iterator[str]:
        return iter(self.bins)

    def __contains__(self, sku: object) -> bool:
        return sku in self.bins

    def bin_of(self, sku: str) -> str:
        """The bin code of ``sku``.

        Raises
        ------
        UnknownSlotError
            Naming the SKU and the closest known one.
        """
        code = self.bins.get(sku)
        if code is None:
            raise UnknownSlotError(f"unknown SKU {sku!r} in {self.name}" + suggest(sku, self.bins))
        return code

    def check(self, layout: Layout) -> None:
        """Raise :class:`UnknownSlotError` naming the first bin the layout lacks."""
        for sku, code in self.bins.items():
            try:
                layout.slot(code)
            except UnknownSlotError as exc:
                raise UnknownSlotError(f"SKU {sku!r} is slotted in {exc}") from None

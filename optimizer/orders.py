"""Orders, order lines and the SKU -> bin table that places them.

These are the plain data every later layer shares: batching groups
:class:`Order` objects, waves route them, slotting produces a new
:class:`Slotting`. Constructors check their values, so a bad quantity is
caught where it enters, with the SKU and order named; numpy and pandas
scalars are accepted wherever Python ones are and stored as Python values
(:func:`optimizer.values.python_scalar`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from optimizer.errors import PickoptError, UnknownSlotError, suggest
from optimizer.layout import Layout
from optimizer.values import python_scalar

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
        for name in ("sku", "qty", "unit_volume", "unit_weight"):
            object.__setattr__(self, name, python_scalar(getattr(self, name)))
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
        Larger is more urgent; a whole number.
    carrier
        Who collects the order, for wave release.
    """

    id: str
    lines: tuple[OrderLine, ...]
    due: float | None = None
    priority: int = 0
    carrier: str | None = None

    def __post_init__(self) -> None:
        for name in ("id", "due", "priority", "carrier"):
            object.__setattr__(self, name, python_scalar(getattr(self, name)))
        object.__setattr__(self, "id", str(self.id))
        object.__setattr__(self, "lines", tuple(self.lines))
        for line in self.lines:
            if not isinstance(line, OrderLine):
                raise OrderError(f"order {self.id!r}: lines must be OrderLine, got {line!r}")
        d = self.due
        if d is not None and (
            isinstance(d, bool) or not isinstance(d, int | float) or not math.isfinite(d)
        ):
            raise OrderError(f"order {self.id!r}: due must be finite, got {d!r}")
        p = self.priority
        whole = isinstance(p, int) or (isinstance(p, float) and p.is_integer())
        if isinstance(p, bool) or not whole:
            raise OrderError(f"order {self.id!r}: priority must be a whole number, got {p!r}")
        object.__setattr__(self, "priority", int(p))

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
        bins = {python_scalar(sku): python_scalar(code) for sku, code in self.bins.items()}
        object.__setattr__(self, "bins", bins)

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

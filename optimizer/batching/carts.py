"""Carts and what an order weighs on them.

A :class:`Cart` limits a batch by any of items, volume, weight and, for
cluster picking, a number of totes (one order per tote, never mixed; a large
order may fill several). An order's :func:`load` is a small vector compared
against the cart's limits, so a capacity check is one numpy comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from optimizer.errors import CapacityError
from optimizer.orders import Order
from optimizer.values import python_scalar

__all__ = ["Cart", "LOAD_FIELDS"]

LOAD_FIELDS = ("items", "volume", "weight", "totes")


@dataclass(frozen=True)
class Cart:
    """What one picker can carry on one tour.

    Parameters
    ----------
    max_items
        Units per tour.
    max_volume
        Litres per tour (needs ``unit_volume`` on order lines).
    max_weight
        Kilograms per tour (needs ``unit_weight`` on order lines).
    totes
        Number of totes; setting it means cluster picking, one order per tote.
    tote_capacity
        Units per tote; an order needs ``ceil(items / tote_capacity)`` totes.
    """

    max_items: int | None = None
    max_volume: float | None = None
    max_weight: float | None = None
    totes: int | None = None
    tote_capacity: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_items", "max_volume", "max_weight", "totes", "tote_capacity"):
            object.__setattr__(self, name, python_scalar(getattr(self, name)))  # numpy, pandas
        limits = {
            "max_items": self.max_items,
            "max_volume": self.max_volume,
            "max_weight": self.max_weight,
            "totes": self.totes,
            "tote_capacity": self.tote_capacity,
        }
        if all(v is None for v in limits.values()):
            raise CapacityError("a cart needs at least one limit (max_items, max_volume, ...)")
        for name, v in limits.items():
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise CapacityError(f"cart {name} must be a finite number, got {v!r}")
            if v <= 0:
                raise CapacityError(f"cart {name} must be positive, got {v!r}")
        for name in ("max_items", "totes", "tote_capacity"):
            v = limits[name]
            if v is not None and v != int(v):
                raise CapacityError(f"cart {name} must be a whole number, got {v!r}")
        if self.tote_capacity is not None and self.totes is None:
            raise CapacityError("cart tote_capacity needs totes (the number of totes)")

    @property
    def cluster(self) -> bool:
        """True for cluster picking: orders go to separate totes."""
        return self.totes is not None

    @cached_property
    def limits(self) -> np.ndarray:
        """Capacity per load field, ``inf`` where unlimited."""
        limits = (self.max_items, self.max_volume, self.max_weight, self.totes)
        out = np.array([math.inf if v is None else float(v) for v in limits])
        out.setflags(write=False)
        return out

    @cached_property
    def _slack_limits(self) -> tuple[float, ...]:
        # A relative tolerance so that float sums of volumes do not reject exact fits.
        return tuple(float(c) * (1 + 1e-12) for c in self.limits)

    def totes_for(self, items: int) -> int:
        """Totes an order of ``items`` units occupies (0 unless cluster picking)."""
        if not self.cluster:
            return 0
        return 1 if self.tote_capacity is None else max(1, math.ceil(items / self.tote_capacity))

    def load(self, order: Order) -> np.ndarray:
        """The order's load vector (items, volume, weight, totes).

        Raises
        ------
        CapacityError
            If the cart limits volume or weight and a line lacks the unit value.
        """
        volume = weight = 0.0
        for line in order.lines:
            if self.max_volume is not None:
                if line.unit_volume is None:
                    raise CapacityError(f"SKU {line.sku!r} has no unit volume")
                volume += line.qty * line.unit_volume
            if self.max_weight is not None:
                if line.unit_weight is None:
                    raise CapacityError(f"SKU {line.sku!r} has no unit weight")
                weight += line.qty * line.unit_weight
        return np.array([order.items, volume, weight, self.totes_for(order.items)], dtype=float)

    def fits(self, load: np.ndarray | tuple[float, ...]) -> bool:
        """True if a batch with this total load fits the cart."""
        # Plain Python on four numbers: this runs millions of times in local search.
        c = self._slack_limits
        return load[0] <= c[0] and load[1] <= c[1] and load[2] <= c[2] and load[3] <= c[3]

    def describe(self) -> str:
        """A short human description, e.g. ``"45 items, 6 totes x 10"``."""
        parts = []
        if self.max_items is not None:
            parts.append(f"{self.max_items} items")
        if self.max_volume is not None:
            parts.append(f"{self.max_volume:g} l")
        if self.max_weight is not None:
            parts.append(f"{self.max_weight:g} kg")
        if self.totes is not None:
            cap = f" x {self.tote_capacity}" if self.tote_capacity else ""
            parts.append(f"{self.totes} totes{cap}")
        return ", ".join(parts)

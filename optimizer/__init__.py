"""pickopt: warehouse pick-route and batch-picking optimizer.

Data flows one way: layout -> distances -> routing -> batching -> waves,
with slotting beside. See ``DESIGN.md`` for the architecture.

The public names are imported on first use (PEP 562), so ``import optimizer``
and a command that needs only a layout do not pay for numba, scipy or
OR-Tools; ``from optimizer import route`` loads what routing needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from optimizer.errors import (
    CapacityError,
    LayoutError,
    PickoptError,
    RoutingError,
    UnknownSlotError,
)

if TYPE_CHECKING:
    from optimizer.batching import Cart, batch_orders
    from optimizer.distance import DistanceOracle
    from optimizer.layout import Depot, Layout, Slot
    from optimizer.orders import Order, OrderLine, Slotting
    from optimizer.routing import Route, route
    from optimizer.waves import WavePlan, WavePolicy, plan_wave, release_waves

__version__ = "0.1.0"

__all__ = [
    "Layout",
    "Slot",
    "Depot",
    "DistanceOracle",
    "Route",
    "route",
    "Order",
    "OrderLine",
    "Slotting",
    "Cart",
    "batch_orders",
    "plan_wave",
    "release_waves",
    "WavePlan",
    "WavePolicy",
    "PickoptError",
    "LayoutError",
    "UnknownSlotError",
    "CapacityError",
    "RoutingError",
]

# Public name -> the module that defines it (the imports under TYPE_CHECKING).
_LAZY = {
    "Layout": "optimizer.layout",
    "Slot": "optimizer.layout",
    "Depot": "optimizer.layout",
    "DistanceOracle": "optimizer.distance",
    "Route": "optimizer.routing",
    "route": "optimizer.routing",
    "Order": "optimizer.orders",
    "OrderLine": "optimizer.orders",
    "Slotting": "optimizer.orders",
    "Cart": "optimizer.batching",
    "batch_orders": "optimizer.batching",
    "plan_wave": "optimizer.waves",
    "release_waves": "optimizer.waves",
    "WavePlan": "optimizer.waves",
    "WavePolicy": "optimizer.waves",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and keep the name here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

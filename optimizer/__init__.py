"""pickopt: warehouse pick-route and batch-picking optimizer.

Data flows one way: layout -> distances -> routing -> batching -> waves,
with slotting beside. See ``DESIGN.md`` for the architecture.
"""

from optimizer.batching import Cart, batch_orders
from optimizer.distance import DistanceOracle
from optimizer.errors import (
    CapacityError,
    LayoutError,
    PickoptError,
    RoutingError,
    UnknownSlotError,
)
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

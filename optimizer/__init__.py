"""pickopt: warehouse pick-route and batch-picking optimizer.

Data flows one way: layout -> distances -> routing -> batching -> waves,
with slotting beside. See ``DESIGN.md`` for the architecture.
"""

from optimizer.distance import DistanceOracle
from optimizer.errors import (
    CapacityError,
    LayoutError,
    PickoptError,
    RoutingError,
    UnknownSlotError,
)
from optimizer.layout import Depot, Layout, Slot
from optimizer.routing import Route, route

__version__ = "0.1.0"

__all__ = [
    "Layout",
    "Slot",
    "Depot",
    "DistanceOracle",
    "Route",
    "route",
    "PickoptError",
    "LayoutError",
    "UnknownSlotError",
    "CapacityError",
    "RoutingError",
]
